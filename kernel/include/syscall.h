/* kernel/include/syscall.h: the system-call layer between the CPU driver and the kernel core. */
#pragma once

#include <dispatch.h>

// Carry out the system call cur entered the kernel with (its registers are
// saved in cur->regs); results go back through arch_syscall_result.
void syscall_handle(struct dcb *cur);

// Leave the kernel: release deferred slots, pick the dispatcher to run,
// and resume it (or idle). Does not return.
_Noreturn void kernel_exit(void);

// Provided by the architecture: resume d in user mode, or idle with
// interrupts on until an interrupt makes a dispatcher ready.
_Noreturn void arch_resume(struct dcb *d);
_Noreturn void arch_idle(void);
