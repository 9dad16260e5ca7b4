/* cpudriver/arch/x86_64/include/arch/trap.h: interrupt vectors and the trap frame. */
#pragma once

#include <stdint.h>

// Vector assignment.
#define VEC_EXCEPTIONS  32 // 0..31: CPU exceptions
#define VEC_LAPIC_TIMER 32
#define VEC_PIC_BASE    0xe0 // the legacy 8259s, remapped out of the way and masked
#define VEC_SPURIOUS    0xff

// The registers saved on entry to the kernel, lowest address first: what
// traps.S pushes, then what the CPU pushes.
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "must match traps.S");

typedef void (*irq_handler_fn)(struct trap_frame *tf);

void idt_init(void);

// Route vector (>= 32) to handler, which runs with interrupts off and must
// send the LAPIC EOI itself.
void trap_set_handler(unsigned vector, irq_handler_fn handler);

// Called from traps.S for every interrupt and exception.
void trap_dispatch(struct trap_frame *tf);

// Name of CPU exception vector (< 32): "Page Fault", ...
const char *trap_exception_name(unsigned vector);
