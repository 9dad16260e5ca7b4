/* kernel/delete.c: delete and revoke, and reclaiming objects whose last copy is gone. */
#include <base/string.h>
#include <capops.h>
#include <captypes.h>
#include <console.h>
#include <kernel_arch.h>
#include <mdb.h>

// CNodes whose last copy is gone and whose slots are still to be deleted.
// Each waits as a zombie in the slot of that last copy (out of the mdb,
// MDB_FLAG_ZOMBIE, linked through mdb.left), so the work list needs no
// memory and no recursion however deep CNodes nest: the kernel stack is
// small. A zombie keeps its slot from being reused until it is done.
static struct cte *zombies;
static bool deleting;       // a delete is running: a nested one leaves its zombies to it
static bool remote_pending; // a cap whose object other cores share was deleted

static void clear_slot(struct cte *slot) { memset(slot, 0, sizeof(*slot)); }

// Delete the cap in the non-empty slot, which is in the mdb. The contents
// of a CNode are left on the zombie list.
static void delete_one(struct cte *slot)
{
    if (slot->mdb.flags & MDB_FLAG_EXPORTED)
        remote_pending = true;
    if (slot->map.vnode)
        arch_cte_cleanup(slot);
    bool destroy = !mdb_has_copies(slot) && !mdb_has_descendants(slot);
    mdb_remove(slot);
    if (destroy && (captype_of(slot->cap.type)->flags & CAPTYPE_CNODE)) {
        slot->mdb.flags |= MDB_FLAG_ZOMBIE;
        slot->mdb.left = zombies;
        zombies = slot;
        return;
    }
    if (destroy)
        arch_object_destroy(&slot->cap);
    clear_slot(slot);
}

// Delete the contents of every zombie CNode, which may make more zombies,
// and destroy each CNode after everything inside it (post-order). A zombie
// met inside a CNode (one that contains itself, or one whose last copy sits
// in another dead CNode) is skipped: it is on the list already.
static void drain_zombies(void)
{
    while (zombies) {
        struct cte *z = zombies;
        if (z->mdb.flags & MDB_FLAG_SCANNED) {
            zombies = z->mdb.left;
            arch_object_destroy(&z->cap);
            clear_slot(z);
            continue;
        }
        z->mdb.flags |= MDB_FLAG_SCANNED;
        for (uint32_t i = 0; i < z->cap.u.cnode.slots; i++) {
            struct cte *s = cnode_slot(&z->cap, i);
            if (!cte_is_empty(s))
                delete_one(s);
        }
    }
}

void caps_delete_apply(struct cte *slot)
{
    // Called again from arch_object_destroy (a dispatcher deleting its
    // root CNode slot), the outer delete finishes the work.
    if (deleting) {
        delete_one(slot);
        return;
    }
    deleting = true;
    delete_one(slot);
    drain_zombies();
    deleting = false;
}

errval_t caps_delete_check(const struct cte *slot)
{
    if (cte_is_empty(slot))
        return CAP_ERR_SLOT_EMPTY;
    // The last copy here of memory another core uses: forgetting it would
    // let this core hand the memory out again. Revoke it (reaching the
    // other cores through the monitors) instead.
    if ((slot->mdb.flags & MDB_FLAG_EXPORTED) && !mdb_has_copies(slot))
        return CAP_ERR_LAST_COPY_BUSY;
    return SYS_ERR_OK;
}

errval_t caps_delete(struct cte *slot)
{
    errval_t err = caps_delete_check(slot);
    if (err_is_ok(err))
        caps_delete_apply(slot);
    return err;
}

bool caps_take_remote_pending(void)
{
    bool was = remote_pending;
    remote_pending = false;
    return was;
}

// LAB 2 BEGIN revoke
// Is n another copy, or a descendant, of cap? (They form one run in the
// mdb, starting at cap's lower bound.)
static bool in_run(const struct capability *cap, const struct cte *n)
{
    return mdb_compare(&n->cap, cap) == 0 || mdb_is_ancestor(cap, &n->cap);
}

// A revoke spares what has a right the revoked cap lacks (CAP_RIGHT_OWNER:
// the copy a server kept of what it handed out).
static bool spared(const struct capability *cap, const struct cte *n)
{
    return (n->cap.rights & ~cap->rights) != 0;
}

static void revoke_run(struct cte *slot, bool spare)
{
    // Copies and descendants form one run in the mdb. Walk it by the
    // object's key, not through slot: deleting them may destroy the CNode
    // that holds slot. After a deletion that removed nothing else, the
    // saved successor is still valid; otherwise search again (O(log n))
    // and step over what was spared on the way.
    struct capability cap = slot->cap;
    struct cte *n = mdb_lower_bound(&cap);
    while (n) {
        if (!in_run(&cap, n))
            break;
        if (n == slot || (spare && spared(&cap, n))) {
            n = n->mdb.next;
            continue;
        }
        struct cte *next = n->mdb.next;
        uint64_t gen = mdb_generation();
        caps_delete_apply(n);
        n = mdb_generation() == gen + 1 ? next : mdb_lower_bound(&cap);
    }
}
// LAB 2 STUB
// // Delete every other copy and every descendant of the cap in slot; with
// // spare, not those with a right that cap lacks (CAP_RIGHT_OWNER: the copy
// // a server kept of what it handed out). slot itself stays.
// static void revoke_run(struct cte *slot, bool spare)
// {
//     // LAB 2: your code here. The copies and descendants of a cap form one
//     // run in the mdb, from mdb_lower_bound(&cap) on, each for which
//     // mdb_compare(&n->cap, &cap) == 0 or mdb_is_ancestor(&cap, &n->cap);
//     // walk it with mdb.next, deleting with caps_delete_apply. Careful:
//     // - keep a copy of slot->cap: a deletion can destroy the CNode that
//     //   holds slot (a CNode revoked that contains its own cap);
//     // - a deletion can remove more than n (a CNode's contents), and then
//     //   the next you saved may be gone. mdb_generation() counts the mdb's
//     //   removals: when it went up by exactly one, next is still good;
//     //   otherwise find your place again with mdb_lower_bound.
//     KPRINTF_ONCE("LAB 2: revoke_run is not written yet (kernel/delete.c)\n");
//     (void)slot, (void)spare;
// }
// LAB 2 END

void caps_revoke_apply(struct cte *slot) { revoke_run(slot, true); }

void caps_revoke_all_apply(struct cte *slot) { revoke_run(slot, false); }

errval_t caps_revoke(struct cte *slot)
{
    if (cte_is_empty(slot))
        return CAP_ERR_SLOT_EMPTY;
    if (slot->mdb.flags & MDB_FLAG_EXPORTED)
        remote_pending = true; // its copies on other cores are still to go
    caps_revoke_apply(slot);
    return SYS_ERR_OK;
}
