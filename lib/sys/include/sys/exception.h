/* lib/sys/include/sys/exception.h: taking CPU exceptions (page faults...) in user space. */
#pragma once

#include <kpi/dispatcher.h>

// The handler the kernel enters on an exception (kpi/dispatcher.h): it
// runs on the exception stack with the interrupted state in
// frame->exc. To continue the interrupted code it clears
// frame->in_exception and calls exc_resume(&frame->exc.regs).
typedef void (*exc_handler_fn)(uint64_t vector, uint64_t error, uint64_t fault_addr);

// Register handler and its stack (top address) in the dispatcher frame.
void exception_set_handler(struct dispatcher_frame *frame, exc_handler_fn handler, void *stack_top);

// Restore every register of r and continue at r->rip. Does not return.
_Noreturn void exc_resume(const struct user_regs *r);
