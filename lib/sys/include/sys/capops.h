/* lib/sys/include/sys/capops.h: capability operations on this domain's CSpace. */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

// The CNode holding slot cap, as a capref (for retype and copy targets),
// and the slot's index in it: for a level-2 capref, the L2 CNode in its L1
// slot; for a level-1 capref (an L1 slot itself), the root.
static inline capref_t cap_cnode(capref_t cap)
{
    if (CAPREF_LEVEL(cap) == CAP_LEVEL_L1)
        return cap_root;
    return cap_l1(CAPADDR_L1(CAPREF_ADDR(cap)));
}
static inline uint32_t cap_slot(capref_t cap)
{
    if (CAPREF_LEVEL(cap) == CAP_LEVEL_L1)
        return CAPREF_ADDR(cap);
    return CAPADDR_L2(CAPREF_ADDR(cap));
}

// Copy src into the empty slot dest (rights: CAP_RIGHTS_ALL keeps them).
errval_t cap_copy(capref_t dest, capref_t src, uint8_t rights);

// Mint src into dest with rights and a type-specific parameter (an
// endpoint's badge, an I/O range).
errval_t cap_mint(capref_t dest, capref_t src, uint8_t rights, uint64_t p1, uint64_t p2);

errval_t cap_delete(capref_t cap);

// Delete every other copy of cap and everything made from it. If some of
// that was on other cores (caps sent across with ump_cap_send), init
// revokes those too before this returns (cap_revoke_remote). init, its
// servers and the monitors, which may not wait on init, invoke
// CNodeCmd_Revoke themselves.
errval_t cap_revoke(capref_t cap);
errval_t cap_revoke_remote(capref_t cap);

// The revoke on this core alone; *remote says whether something it deleted
// had been sent to another core (the caller revokes it there).
errval_t cap_revoke_here(capref_t cap, bool *remote);

errval_t cap_identify(capref_t cap, struct cap_info *info);

// Retype count objects from src (offset bytes in) into slots dest, dest+1...
errval_t cap_retype(capref_t dest, capref_t src, enum objtype type, uint64_t offset,
                    uint64_t objsize, uint64_t count);

// A new object of type and size in a new slot: RAM from ram_alloc, retyped
// whole (objsize is rounded up to pages for memory types).
errval_t obj_alloc(capref_t *ret, enum objtype type, uint64_t objsize);

// A new Frame of at least bytes (a page multiple) in a new slot.
errval_t frame_alloc(capref_t *ret, uint64_t bytes);

// Delete cap and free its slot.
void cap_destroy(capref_t cap);
