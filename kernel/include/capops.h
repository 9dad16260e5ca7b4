/* kernel/include/capops.h: the check and apply halves of the capability operations. */
#pragma once

#include <caps.h>

// Each operation of caps.h is a check, which validates every argument and
// right and changes nothing, followed by an apply, which cannot fail. The
// invocation layer (invocations.c) runs them as its decode and invoke
// halves; caps.h's functions run both. Arguments are raw words here
// (types, rights, sizes) so that any value user space sends is checked.

// Is the slot empty for every purpose (no cap, or one being destroyed)?
bool cte_is_empty(const struct cte *cte);

// The source and the new objects of a retype: everything except the
// destination slots and overlap with descendants (kpi/caps.h lists the
// order of the checks and their errors).
MUST_CHECK errval_t caps_retype_check(const struct cte *src, uint64_t type, uint64_t offset,
                                      uint64_t objsize, uint64_t count);

// No live descendant of src overlaps the new objects (call after
// caps_retype_check succeeded): CAP_ERR_RETYPE_OVERLAP.
MUST_CHECK errval_t caps_retype_check_overlap(const struct cte *src, uint64_t offset,
                                              uint64_t objsize, uint64_t count);

// Create the objects into the count empty slots at dest.
void caps_retype_apply(struct cte *src, enum objtype type, uint64_t offset, uint64_t objsize,
                       uint64_t count, struct cte *dest);

// count consecutive slots from index slot of the CNode cnode, which must be
// one (CAP_ERR_NOT_CNODE) with CAP_RIGHT_WRITE (CAP_ERR_NO_RIGHTS), exist
// (CAP_ERR_SLOT_RANGE for the first, CAP_ERR_RETYPE_COUNT past the end)
// and be empty (CAP_ERR_SLOT_OCCUPIED). *first is the first slot.
MUST_CHECK errval_t cnode_check_dest(const struct capability *cnode, uint64_t slot, uint64_t count,
                                     struct cte **first);

// count consecutive slots at first are all empty: CAP_ERR_SLOT_OCCUPIED.
MUST_CHECK errval_t caps_check_empty(const struct cte *first, uint64_t count);

// Copy and mint (the errors of caps_copy and caps_mint).
MUST_CHECK errval_t caps_copy_check(const struct cte *dest, const struct cte *src, uint64_t rights);
MUST_CHECK errval_t caps_mint_check(const struct cte *dest, const struct cte *src, uint64_t rights,
                                    uint64_t param1, uint64_t param2);
void caps_copy_apply(struct cte *dest, const struct cte *src, uint8_t rights);
void caps_mint_apply(struct cte *dest, const struct cte *src, uint8_t rights, uint64_t param1,
                     uint64_t param2);

// Delete and revoke a cap known to be there (not empty). A revoke spares
// the copies and descendants that have a right the cap lacks (an owner's
// copy, CAP_RIGHT_OWNER); caps_revoke_all_apply spares nothing (a revoke
// another core asked for: nothing of the memory may stay here).
void caps_delete_apply(struct cte *slot);
void caps_revoke_apply(struct cte *slot);
void caps_revoke_all_apply(struct cte *slot);

// Delete: the check alone (CAP_ERR_SLOT_EMPTY, CAP_ERR_LAST_COPY_BUSY for
// the last copy here of memory shared with another core).
MUST_CHECK errval_t caps_delete_check(const struct cte *slot);

// Whether a deletion since the last call removed a cap whose object other
// cores share (so they must be told); clears it.
bool caps_take_remote_pending(void);
