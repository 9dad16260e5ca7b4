/* cpudriver/arch/x86_64/include/arch/regs.h: the saved register frame of x86-64. */
#pragma once

#include <stdint.h>

// The registers saved on every entry to the kernel, lowest address first:
// what traps.S (or syscall.S) pushes, then what the CPU pushes for an
// interrupt. A dispatcher's saved user context is one of these, and
// resuming it means iretq from a copy of it (traps.S: trap_return).
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "must match traps.S");

// The system-call convention of kpi/syscalls.h on a saved frame: argument
// i (RDI, RSI, RDX, R10, R8, R9, R12-R15) and result word i (RDX, RSI,
// RDI, R10, R8, R9; the error is RAX). With a constant i each is one load
// or store once inlined, which the LMP fast path relies on.
static inline uint64_t *trap_frame_arg(struct trap_frame *r, unsigned i)
{
    switch (i) {
    case 0: return &r->rdi;
    case 1: return &r->rsi;
    case 2: return &r->rdx;
    case 3: return &r->r10;
    case 4: return &r->r8;
    case 5: return &r->r9;
    case 6: return &r->r12;
    case 7: return &r->r13;
    case 8: return &r->r14;
    default: return &r->r15;
    }
}

static inline uint64_t *trap_frame_ret(struct trap_frame *r, unsigned i)
{
    switch (i) {
    case 0: return &r->rdx;
    case 1: return &r->rsi;
    case 2: return &r->rdi;
    case 3: return &r->r10;
    case 4: return &r->r8;
    default: return &r->r9;
    }
}

// The system-call hooks of kernel/include/dispatch_arch.h, inline: the
// call's number (0xffff for any above), argument i (0 past the tenth),
// and the error and n result words a pending call returns.
static inline unsigned arch_syscall_num_of(const struct trap_frame *r)
{
    return r->rax > 0xffff ? 0xffff : (unsigned)r->rax;
}

static inline uint64_t arch_syscall_arg_of(const struct trap_frame *r, unsigned i)
{
    switch (i) {
    case 0: return r->rdi;
    case 1: return r->rsi;
    case 2: return r->rdx;
    case 3: return r->r10;
    case 4: return r->r8;
    case 5: return r->r9;
    case 6: return r->r12;
    case 7: return r->r13;
    case 8: return r->r14;
    case 9: return r->r15;
    default: return 0;
    }
}

static inline void arch_syscall_result_of(struct trap_frame *r, uint64_t err, const uint64_t *words,
                                          unsigned n)
{
    r->rax = err;
    for (unsigned i = 0; i < n && i < 6; i++)
        *trap_frame_ret(r, i) = words[i];
}
