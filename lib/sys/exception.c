/* lib/sys/exception.c: registering a dispatcher's exception handler. */
#include <stddef.h>
#include <sys/exception.h>

_Static_assert(offsetof(struct user_regs, rsp) == 56, "exception.S");
_Static_assert(offsetof(struct user_regs, rip) == 128, "exception.S");
_Static_assert(offsetof(struct user_regs, rflags) == 136, "exception.S");

void exception_set_handler(struct dispatcher_frame *frame, exc_handler_fn handler, void *stack_top)
{
    frame->exc_stack = (uint64_t)stack_top;
    frame->exc_handler = (uint64_t)handler;
}
