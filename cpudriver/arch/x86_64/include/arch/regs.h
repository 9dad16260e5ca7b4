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
