/* lib/sys/include/sys/exception.h: taking CPU exceptions (page faults...) in user space. */
#pragma once

#include <kpi/dispatcher.h>
#include <kpi/errors.h>
#include <stdbool.h>

// A page fault's vector and the bits of its error code (Intel SDM vol. 3A,
// 4.7 "Page-Fault Exceptions").
#define EXC_PAGE_FAULT 14
#define EXC_PF_PRESENT (1u << 0) // a protection violation (clear: page not present)
#define EXC_PF_WRITE   (1u << 1)
#define EXC_PF_FETCH   (1u << 4) // an instruction fetch

// The handler the kernel enters on an exception (kpi/dispatcher.h): it
// runs on the exception stack with the interrupted state in
// frame->exc. To continue the interrupted code it clears
// frame->in_exception and calls exc_resume(&frame->exc.regs).
typedef void (*exc_handler_fn)(uint64_t vector, uint64_t error, uint64_t fault_addr);

// Register handler and its stack (top address) in the dispatcher frame.
void exception_set_handler(struct dispatcher_frame *frame, exc_handler_fn handler, void *stack_top);

// Restore every register of r and continue at r->rip. Does not return.
_Noreturn void exc_resume(const struct user_regs *r);

// A library's page-fault handler: true if it made the access at addr good
// (the faulting instruction runs again), false to leave the fault to the
// next. It runs inside the exception handler, on its stack: it asks no
// other domain for anything and takes no memory (docs/userspace.md, "The
// heap and page faults"); a fault inside it stops the program.
typedef bool (*exc_fault_fn)(uint64_t addr, uint64_t error);

// Add fn to the page-fault handlers that lib/sys's exception handler
// (startup.c) tries after the heap's, in the order added; a fault none of
// them takes ends the program. SYS_ERR_NO_MEMORY: the table (4) is full.
MUST_CHECK errval_t exception_add_fault_handler(exc_fault_fn fn);

// Try the added page-fault handlers on a fault at addr: true if one took it.
bool exception_fault_handled(uint64_t addr, uint64_t error);
