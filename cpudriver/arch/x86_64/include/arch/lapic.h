/* cpudriver/arch/x86_64/include/arch/lapic.h: the local APIC and its timer. */
#pragma once

#include <stdint.h>

// Local APIC register offsets (Intel SDM vol. 3A 10.4.1, table 10-1).
#define LAPIC_ID         0x020
#define LAPIC_VERSION    0x030
#define LAPIC_TPR        0x080
#define LAPIC_EOI        0x0b0
#define LAPIC_SVR        0x0f0 // spurious vector; bit 8 = APIC software enable
#define LAPIC_ESR        0x280
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320 // bit 16 mask, bits 18:17 mode (01 periodic)
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_LVT_LINT1  0x360
#define LAPIC_LVT_ERROR  0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0 // 0x3 = divide by 16

#define LAPIC_SVR_ENABLE     (1u << 8)
#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_TIMER_PERIODIC (1u << 17)

// Map the LAPIC, mask the legacy PICs, enable the APIC, and measure the
// timer's and the TSC's frequencies against the PIT.
void lapic_init(void);

// Start the periodic timer at hz interrupts per second on VEC_LAPIC_TIMER.
void lapic_timer_start(unsigned hz);

#define TIMER_HZ 100

// On a further core: enable its LAPIC with the frequencies the boot core
// measured (the clocks are the same on every core).
void lapic_init_ap(uint64_t timer_hz, uint64_t tsc_hz);

// Send an IPI with the ICR low word icr_lo (delivery mode, vector) to apic_id.
void lapic_send_ipi_mode(uint32_t apic_id, uint32_t icr_lo);

void lapic_eoi(void);

// Send a fixed interrupt with vector to the LAPIC with apic_id.
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
uint32_t lapic_id(void);

// Measured frequencies (Hz): the timer's input clock before the divider,
// and the TSC.
uint64_t lapic_timer_hz(void);
uint64_t tsc_hz(void);

// Timer interrupts since lapic_timer_start.
uint64_t lapic_ticks(void);
