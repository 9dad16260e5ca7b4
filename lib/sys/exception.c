/* lib/sys/exception.c: a dispatcher's exception handler, and libraries' page-fault handlers. */
#include <stddef.h>
#include <sys/exception.h>

_Static_assert(offsetof(struct user_regs, rsp) == 56, "exception.S");
_Static_assert(offsetof(struct user_regs, rip) == 128, "exception.S");
_Static_assert(offsetof(struct user_regs, rflags) == 136, "exception.S");

#define FAULT_HANDLERS 4

static exc_fault_fn fault_handlers[FAULT_HANDLERS];
static unsigned nfault_handlers;

void exception_set_handler(struct dispatcher_frame *frame, exc_handler_fn handler, void *stack_top)
{
    frame->exc_stack = (uint64_t)stack_top;
    frame->exc_handler = (uint64_t)handler;
}

errval_t exception_add_fault_handler(exc_fault_fn fn)
{
    if (nfault_handlers == FAULT_HANDLERS)
        return SYS_ERR_NO_MEMORY;
    fault_handlers[nfault_handlers++] = fn;
    return SYS_ERR_OK;
}

bool exception_fault_handled(uint64_t addr, uint64_t error)
{
    for (unsigned i = 0; i < nfault_handlers; i++) {
        if (fault_handlers[i](addr, error))
            return true;
    }
    return false;
}
