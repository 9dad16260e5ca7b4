/* cpudriver/arch/x86_64/lapic.c: the local APIC, its timer, and clock calibration. */
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <console.h>
#include <kernel_arch.h>
#include <lmp.h>

// 8254 PIT: channel 2 is gated by port 0x61 bit 0 and its output is
// readable at bit 5, so it can time an interval without interrupts.
#define PIT_HZ           1193182
#define PIT_CH2          0x42
#define PIT_CMD          0x43
#define PIT_GATE         0x61
#define CALIBRATE_MS     10
#define CALIBRATE_ROUNDS 5 // the median of these (calibrate)

// 8259A PICs: master and slave command/data ports.
#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

static volatile uint32_t *lapic;
static uint64_t timer_hz, tsc_freq;
static volatile uint64_t ticks;

static uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
uint64_t lapic_timer_hz(void) { return timer_hz; }
uint64_t tsc_hz(void) { return tsc_freq; }
uint64_t lapic_ticks(void) { return ticks; }

// Remap the 8259s away from the exception vectors and mask every line:
// Sietch takes device interrupts through the IOAPIC and MSI only.
static void pic_disable(void)
{
    outb(PIC1_CMD, 0x11); // ICW1: init, expect ICW4
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VEC_PIC_BASE); // ICW2: vector base
    outb(PIC2_DATA, VEC_PIC_BASE + 8);
    outb(PIC1_DATA, 4); // ICW3: slave on line 2
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 1); // ICW4: 8086 mode
    outb(PIC2_DATA, 1);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

// Count LAPIC timer and TSC ticks over CALIBRATE_MS measured by PIT channel 2.
// The TSC is read and the LAPIC timer started just before the gate's edge
// starts the PIT, so a pause after it (an emulator's thread descheduled, a
// block translated for the first time) is counted by all three clocks.
static void calibrate_once(uint64_t *lapic_hz, uint64_t *tsc_hz_out)
{
    uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
    uint8_t gate = (inb(PIT_GATE) & ~0x02) | 0x01; // speaker off, gate on
    outb(PIT_GATE, gate & ~0x01);
    outb(PIT_CMD, 0xb0); // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);

    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t tsc0 = rdtsc();
    outb(PIT_GATE, gate); // rising gate edge starts the count
    while (!(inb(PIT_GATE) & 0x20))
        pause();
    uint64_t tsc1 = rdtsc();
    uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);

    *lapic_hz = (uint64_t)elapsed * 16 * 1000 / CALIBRATE_MS;
    *tsc_hz_out = (tsc1 - tsc0) * 1000 / CALIBRATE_MS;
}

// A pause where the count ends (the poll seeing it late) still makes a
// window look longer than it was: measure CALIBRATE_ROUNDS times and take
// the round with the median TSC rate. (Under TCG on a loaded host, one
// measurement once came out 500 times too slow, and with it every timeout.)
static void calibrate(void)
{
    uint64_t lhz[CALIBRATE_ROUNDS], thz[CALIBRATE_ROUNDS];
    for (unsigned i = 0; i < CALIBRATE_ROUNDS; i++) {
        calibrate_once(&lhz[i], &thz[i]);
        for (unsigned k = i; k > 0 && thz[k - 1] > thz[k]; k--) { // insertion sort, by TSC
            uint64_t t = thz[k], l = lhz[k];
            thz[k] = thz[k - 1];
            lhz[k] = lhz[k - 1];
            thz[k - 1] = t;
            lhz[k - 1] = l;
        }
    }
    timer_hz = lhz[CALIBRATE_ROUNDS / 2];
    tsc_freq = thz[CALIBRATE_ROUNDS / 2];
}

static unsigned tick_hz; // as started

static void timer_tick(struct trap_frame *tf)
{
    ticks++;
    lapic_eoi();
    lmp_timer_expire(ticks); // timed receives whose time has come
}

uint64_t arch_timer_ticks(void) { return ticks; }
uint64_t arch_timer_hz(void) { return tick_hz; }

void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & (1u << 11)))
        panic("lapic: the local APIC is disabled in IA32_APIC_BASE (%#lx)", base);
    lapic = phys_to_virt(base & ~0xfffull);
    pic_disable();
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
    calibrate();
    trap_set_handler(VEC_LAPIC_TIMER, timer_tick);
}

void lapic_send_ipi_mode(uint32_t apic_id, uint32_t icr_lo)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, icr_lo);
    while (lapic_read(LAPIC_ICR_LO) & (1u << 12)) // delivery status: send pending
        pause();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    lapic_send_ipi_mode(apic_id, vector); // fixed delivery, physical destination
}

void lapic_init_ap(uint64_t timer, uint64_t tsc)
{
    lapic = phys_to_virt(rdmsr(MSR_APIC_BASE) & ~0xfffull);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
    timer_hz = timer;
    tsc_freq = tsc;
    trap_set_handler(VEC_LAPIC_TIMER, timer_tick);
}

void lapic_timer_start(unsigned hz)
{
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
    tick_hz = hz;
    uint64_t init = timer_hz / 16 / hz;
    lapic_write(LAPIC_TIMER_INIT, init ? (uint32_t)init : 1);
}
