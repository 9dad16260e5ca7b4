/* cpudriver/arch/x86_64/include/arch/trap.h: interrupt vectors and the trap frame. */
#pragma once

#include <arch/regs.h>
#include <stdint.h>

// Vector assignment.
#define VEC_EXCEPTIONS  32 // 0..31: CPU exceptions
#define VEC_LAPIC_TIMER 32
#define VEC_PIC_BASE    0xe0 // the legacy 8259s, remapped out of the way and masked
#define VEC_SPURIOUS    0xff

typedef void (*irq_handler_fn)(struct trap_frame *tf);

void idt_init(void);

// Route vector (>= 32) to handler, which runs with interrupts off and must
// send the LAPIC EOI itself.
void trap_set_handler(unsigned vector, irq_handler_fn handler);

// Called from traps.S for every interrupt and exception. Kernel-mode
// exceptions are fatal; anything from user mode goes to user_trap.
void trap_dispatch(struct trap_frame *tf);

// Run the handler of interrupt vector tf->vector (>= 32).
void trap_handle_irq(struct trap_frame *tf);

// For a fatal report (a panic, a kernel exception): print which
// dispatcher this core was running, with the name in its frame, if any.
void dispatch_print_current(void);

// An interrupt or exception from user mode: save the current dispatcher's
// registers, deliver or handle, and leave the kernel (dispatch_arch.c).
_Noreturn void user_trap(struct trap_frame *tf);

// Name of CPU exception vector (< 32): "Page Fault", ...
const char *trap_exception_name(unsigned vector);
