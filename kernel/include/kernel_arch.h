/* kernel/include/kernel_arch.h: what the kernel core needs from the architecture.
 *
 * The CPU driver implements these; host unit tests provide their own
 * (tests/unit/kernel/), with a buffer standing in for physical memory.
 */
#pragma once

#include <caps.h>

// A kernel pointer to physical memory [pa, pa+len) holding kernel objects.
void *kmem_ptr(paddr_t pa);

// This copy of a capability is being deleted: undo what the architecture
// attached to it (a Frame/DevFrame/VNode copy's mapping, cte->map).
void arch_cte_cleanup(struct cte *cte);

// The last capability to an object is gone: release the architecture's
// state for it (VNode: clear its entries and the mapping records of the
// caps mapped there; Dispatcher: stop scheduling it; Endpoint: wake waiters
// with an error; IRQDest: unbind). Called before the memory can be reused.
void arch_object_destroy(const struct capability *cap);
