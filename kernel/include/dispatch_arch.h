/* kernel/include/dispatch_arch.h: what dispatchers, LMP and system calls need
 * from the architecture. The CPU driver implements these; host tests fake them. */
#pragma once

#include <dispatch.h>
#include <stdbool.h>

// Is [va, va+len) entirely inside the user half of the address space?
bool arch_user_range_ok(uint64_t va, uint64_t len);

// Prepare a new dispatcher's registers to start at entry with stack and
// one argument, and its VSpace root for use (the kernel's half of the
// address space). Arguments are already validated.
void arch_dispatcher_init(struct dcb *d, uint64_t entry, uint64_t stack, uint64_t arg);

// System call number and argument i (0-based, SYSCALL convention of
// kpi/syscalls.h) of a dispatcher that entered the kernel by a syscall.
// Inline, from the architecture's frame layout (arch/regs.h).
static inline unsigned arch_syscall_num(const struct dcb *d)
{
    return arch_syscall_num_of(&d->regs);
}

static inline uint64_t arch_syscall_arg(const struct dcb *d, unsigned i)
{
    return arch_syscall_arg_of(&d->regs, i);
}

// Set the values d's pending system call returns: the error and up to
// 6 result words (kpi/syscalls.h).
static inline void arch_syscall_result(struct dcb *d, errval_t err, const uint64_t *words,
                                       unsigned n)
{
    arch_syscall_result_of(&d->regs, err, words, n);
}

// Copy len bytes from d's address space at user address va into buf;
// false (nothing copied) if any byte is not mapped user-readable.
bool arch_copy_from_user(struct dcb *d, void *buf, uint64_t va, uint64_t len);
