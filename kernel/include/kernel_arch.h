/* kernel/include/kernel_arch.h: what the kernel core needs from the architecture.
 *
 * The CPU driver implements these; host unit tests provide their own
 * (tests/unit/kernel/), with a buffer standing in for physical memory.
 */
#pragma once

#include <caps.h>

// A kernel pointer to physical memory at pa holding kernel objects. The
// core reaches a whole object (a CNode's slot array, memory it zeroes on
// retype) through the one pointer to its base, so objects in RAM must be
// contiguous in the kernel's mapping (the physmap). Only objects retype
// zeroes or whose slots it reads are touched: never untyped PhysAddr, RAM
// or DevFrame memory.
void *kmem_ptr(paddr_t pa);

// This copy of a capability is being deleted and cte->map.vnode != 0:
// undo what the architecture attached to it (a Frame/DevFrame/VNode copy's
// mapping). Called while the slot is still in the mdb; the core clears
// cte->map afterwards.
void arch_cte_cleanup(struct cte *cte);

// The last capability to an object is gone: release the architecture's
// state for it (VNode: clear its entries and the mapping records of the
// caps mapped there; Dispatcher: stop scheduling it; Endpoint: wake waiters
// with an error; IRQDest: unbind). Called after the last copy left the mdb
// and before its slot is cleared and the memory can be reused; for a CNode
// after everything in it was deleted. It may call caps_delete on slots
// inside the object (a dispatcher's root CNode slot): such a deletion is
// finished by the delete already running, without recursion.
void arch_object_destroy(const struct capability *cap);

// This core's timer: ticks since it started, and ticks per second (for
// receives with a timeout; the CPU driver calls lmp_timer_expire on each).
uint64_t arch_timer_ticks(void);
uint64_t arch_timer_hz(void);
