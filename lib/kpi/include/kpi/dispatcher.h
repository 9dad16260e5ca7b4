/* lib/kpi/include/kpi/dispatcher.h: the dispatcher frame shared by a dispatcher and the kernel. */
#pragma once

#include <stdint.h>

// Saved user registers, as the kernel stores them on an exception.
struct user_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

// Why the dispatcher's exception handler runs.
struct exception_info {
    uint64_t vector;       // CPU exception number (14: page fault, ...)
    uint64_t error;        // the CPU's error code (0 if none)
    uint64_t fault_addr;   // CR2 for page faults
    struct user_regs regs; // the interrupted context, to resume or inspect
};

// The first page of a dispatcher's frame (DispatcherCmd_Setup). The domain
// writes the top part; the kernel writes the bottom part.
struct dispatcher_frame {
    // Set by the domain.
    uint64_t exc_handler; // entry: rdi = vector, rsi = error code, rdx = fault address
    uint64_t exc_stack;   // top of the stack the handler runs on
    char name[32];        // shown by the kernel and `ps`
    // Set by the kernel.
    uint32_t in_exception; // 1 while the handler runs; the handler clears it
    uint32_t core;
    uint32_t trace; // 1: the kernel records a trace; user events go in with SYS_TRACE
    uint32_t reserved;
    uint64_t exit_status;
    struct exception_info exc;
};
_Static_assert(sizeof(struct dispatcher_frame) <= 4096, "one page");
