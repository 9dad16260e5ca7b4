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
MUST_CHECK errval_t cap_copy(capref_t dest, capref_t src, uint8_t rights);

// Mint src into dest with rights and a type-specific parameter (an
// endpoint's badge, an I/O range).
MUST_CHECK errval_t cap_mint(capref_t dest, capref_t src, uint8_t rights, uint64_t p1, uint64_t p2);

MUST_CHECK errval_t cap_delete(capref_t cap);

// Delete every other copy of cap and everything made from it. If some of
// that was on other cores (caps sent across with ump_cap_send), init
// revokes those too before this returns (cap_revoke_remote). init, its
// servers and the monitors, which may not wait on init, invoke
// CNodeCmd_Revoke themselves.
MUST_CHECK errval_t cap_revoke(capref_t cap);
MUST_CHECK errval_t cap_revoke_remote(capref_t cap);

// The revoke on this core alone; *remote says whether something it deleted
// had been sent to another core (the caller revokes it there).
MUST_CHECK errval_t cap_revoke_here(capref_t cap, bool *remote);

MUST_CHECK errval_t cap_identify(capref_t cap, struct cap_info *info);

// Retype count objects from src (offset bytes in) into slots dest, dest+1...
MUST_CHECK errval_t cap_retype(capref_t dest, capref_t src, enum objtype type, uint64_t offset,
                               uint64_t objsize, uint64_t count);

// A new object of type and size in a new slot: RAM from ram_alloc, retyped
// whole (objsize is rounded up to pages for memory types).
MUST_CHECK errval_t obj_alloc(capref_t *ret, enum objtype type, uint64_t objsize);

// obj_alloc, keeping the RAM it came from in *ram, so that obj_free gives
// the memory back to mem_serv at once (obj_alloc's stays charged to us
// until we end): for set-up that must undo itself.
MUST_CHECK errval_t obj_alloc_ram(capref_t *ret, enum objtype type, uint64_t objsize,
                                  capref_t *ram);

// Delete an object from obj_alloc_ram and give its RAM back (either may be
// NULL_CAP: nothing to do for it).
void obj_free(capref_t obj, capref_t ram);

// A new Frame of at least bytes (a page multiple) in a new slot.
MUST_CHECK errval_t frame_alloc(capref_t *ret, uint64_t bytes);

// Delete cap and free its slot.
void cap_destroy(capref_t cap);
