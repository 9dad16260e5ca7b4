/* cpudriver/arch/x86_64/trap.c: the IDT, interrupt dispatch, and fatal exception dumps. */
#include <arch/gdt.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <console.h>
#include <stdbool.h>
#include <trace.h>

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type_attr;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

#define GATE_INTERRUPT 0x8e // present, DPL 0, 64-bit interrupt gate

extern const char trap_stubs[];
extern const char boot_kernel_stack[];

static struct idt_gate idt[256];
static irq_handler_fn handlers[256];

static const char *const exception_names[32] = {
    "Divide Error (#DE)",
    "Debug (#DB)",
    "Non-Maskable Interrupt (NMI)",
    "Breakpoint (#BP)",
    "Overflow (#OF)",
    "BOUND Range Exceeded (#BR)",
    "Invalid Opcode (#UD)",
    "Device Not Available (#NM)",
    "Double Fault (#DF)",
    "Coprocessor Segment Overrun",
    "Invalid TSS (#TS)",
    "Segment Not Present (#NP)",
    "Stack-Segment Fault (#SS)",
    "General Protection (#GP)",
    "Page Fault (#PF)",
    "Reserved (15)",
    "x87 Floating-Point Error (#MF)",
    "Alignment Check (#AC)",
    "Machine Check (#MC)",
    "SIMD Floating-Point (#XM)",
    "Virtualization (#VE)",
    "Control Protection (#CP)",
    "Reserved (22)",
    "Reserved (23)",
    "Reserved (24)",
    "Reserved (25)",
    "Reserved (26)",
    "Reserved (27)",
    "Hypervisor Injection (#HV)",
    "VMM Communication (#VC)",
    "Security (#SX)",
    "Reserved (31)",
};

const char *trap_exception_name(unsigned vector)
{
    return vector < 32 ? exception_names[vector] : "interrupt";
}

static void set_gate(unsigned vec, uint8_t ist)
{
    uint64_t addr = (uint64_t)trap_stubs + 16 * vec;
    idt[vec] = (struct idt_gate){
        .off_lo = addr & 0xffff,
        .sel = SEL_KCODE,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .off_mid = (addr >> 16) & 0xffff,
        .off_hi = addr >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0);
    // Faults that may come with a broken stack run on stacks of their own.
    set_gate(2, IST_NMI);
    set_gate(8, IST_DOUBLE_FAULT);
    set_gate(18, IST_MACHINE_CHECK);
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p));
}

void trap_set_handler(unsigned vector, irq_handler_fn handler)
{
    if (vector >= VEC_EXCEPTIONS && vector < 256)
        handlers[vector] = handler;
}

static void print_pf_error(uint64_t e)
{
    kprintf(" (%s %s, %s mode%s%s)", e & 1 ? "protection violation on" : "not-present page,",
            e & 16  ? "instruction fetch"
            : e & 2 ? "write"
                    : "read",
            e & 4 ? "user" : "supervisor", e & 8 ? ", reserved bit set" : "",
            e & 32 ? ", protection key" : "");
}

// A saved frame pointer we may follow: inside a kernel stack we know of.
static bool plausible_frame(uint64_t rbp)
{
    uint64_t lo = (uint64_t)boot_kernel_stack, hi = lo + KERNEL_STACK_SIZE;
    return (rbp & 7) == 0 && rbp >= lo && rbp + 16 <= hi;
}

static void print_backtrace(const struct trap_frame *tf)
{
    kprintf("backtrace (frame pointers): %#lx", tf->rip);
    uint64_t rbp = tf->rbp;
    for (int depth = 0; depth < 16 && plausible_frame(rbp); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        kprintf(" %#lx", frame[1]);
        if (frame[0] <= rbp)
            break; // frames must move up the stack
        rbp = frame[0];
    }
    kprintf("\n");
}

// Print everything a developer needs to find a fatal fault, then stop.
static _Noreturn void fatal_exception(struct trap_frame *tf)
{
    static bool dumping;
    if (dumping) {
        kprintf("\n*** nested fault (vector %lu at %#lx) while printing a dump\n", tf->vector,
                tf->rip);
        arch_halt_fatal();
    }
    dumping = true;
    kprintf("\n*** CPU exception %lu: %s, error code %#lx", tf->vector,
            trap_exception_name(tf->vector), tf->error);
    if (tf->vector == 14)
        print_pf_error(tf->error);
    kprintf("\n    in %s mode at rip 0x%016lx", (tf->cs & 3) ? "user" : "kernel", tf->rip);
    if (tf->vector == 14)
        kprintf(", faulting address (cr2) 0x%016lx", read_cr2());
    kprintf("\n");
    kprintf("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
    kprintf("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
    kprintf("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
    kprintf("rip %016lx cs  %04lx rflags %08lx ss %04lx\n", tf->rip, tf->cs, tf->rflags, tf->ss);
    kprintf("cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", read_cr0(), read_cr2(), read_cr3(),
            read_cr4());
    print_backtrace(tf);
    kprintf("*** kernel halted\n");
    arch_halt_fatal();
}

void trap_handle_irq(struct trap_frame *tf)
{
    unsigned vec = (unsigned)tf->vector;
    if (handlers[vec]) {
        handlers[vec](tf);
        return;
    }
    if (vec == VEC_SPURIOUS || (vec >= VEC_PIC_BASE && vec < VEC_PIC_BASE + 16))
        return; // spurious: no EOI (Intel SDM vol. 3A 10.9)
    kprintf("trap: unexpected interrupt vector %u, ignored\n", vec);
    lapic_eoi();
}

void trap_dispatch(struct trap_frame *tf)
{
    if (tf->cs & 3)
        user_trap(tf); // does not return
    if (tf->vector < VEC_EXCEPTIONS)
        fatal_exception(tf);
    TRACE_IRQ(tf, false);
    trap_handle_irq(tf);
    TRACE_IRQ(tf, true);
}
