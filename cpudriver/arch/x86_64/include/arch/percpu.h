/* cpudriver/arch/x86_64/include/arch/percpu.h: per-core data reached through GS. */
#pragma once

// Offsets used by syscall.S.
#define PERCPU_SELF       0
#define PERCPU_KSTACK_TOP 8
#define PERCPU_USER_RSP   16
#define PERCPU_USER_REGS  24

#ifndef __ASSEMBLY__
#include <stdint.h>

// While the CPU driver runs, GS.base points here (swapgs on every entry
// from user mode); user mode has its own GS.base, swapped out meanwhile.
struct percpu {
    struct percpu *self;
    uint64_t kstack_top; // this core's one kernel stack
    uint64_t user_rsp;   // syscall.S: the user stack pointer on entry
    // syscall.S saves the user registers here: the end of the running
    // dispatcher's struct trap_frame (arch_resume sets it).
    uint64_t user_regs_end;
    uint32_t core;
    uint32_t apic_id;
};
_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == PERCPU_KSTACK_TOP, "syscall.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "syscall.S");
_Static_assert(__builtin_offsetof(struct percpu, user_regs_end) == PERCPU_USER_REGS, "syscall.S");

// Set up this core's per-core data and GS.base, with kstack_top as the
// kernel stack for entries from user mode (TSS.rsp0 and syscall).
void percpu_init(uint32_t core, uint64_t kstack_top);

struct percpu *this_cpu(void);
#endif
