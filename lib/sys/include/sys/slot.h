/* lib/sys/include/sys/slot.h: allocating slots in this domain's CSpace. */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

// The slot allocator uses L1 slots below this; the domain may use the
// others itself (init keeps a handle CNode per process there).
#define SLOT_L1_LIMIT 128

// A free slot of this domain's CSpace. Slots come from L2 CNodes in the
// root's L1 slots: ROOTCN_SLOT_ALLOC0 first, then new ones made with
// ram_alloc in L1 slots from ROOTCN_SLOTS_USER on, before the free ones
// run out (a reserve keeps slot_alloc working while it makes the next
// CNode). Errors: SYS_ERR_NO_MEMORY when the root is full or no RAM is left.
MUST_CHECK errval_t slot_alloc(capref_t *ret);

// Give back a slot (it must be empty: delete its cap first).
void slot_free(capref_t slot);

// Slots free now (for tests and `caps`).
unsigned slot_free_count(void);

// While on, slot_alloc only hands out what is free and never makes a new
// CNode (which needs RAM from mem_serv): for exception handlers.
void slot_reserve_only(bool on);
// Keep delta more slots free (fewer when negative) for those that must
// take them with slot_reserve_only on: the heap's page-fault handler
// keeps one for each chunk it has not mapped yet. Growing makes the CNodes
// now; SYS_ERR_NO_MEMORY (and nothing kept) when they cannot be made.
MUST_CHECK errval_t slot_keep(int delta);
