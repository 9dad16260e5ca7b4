/* kernel/remote.c: exporting and importing capabilities across cores (remote.h). */
#include <capops.h>
#include <captypes.h>
#include <mdb.h>
#include <remote.h>

static bool exportable(uint8_t type)
{
    return type == ObjType_RAM || type == ObjType_Frame || type == ObjType_DevFrame ||
           type == ObjType_IRQDest;
}

static bool is_memory(uint8_t type)
{
    return type == ObjType_RAM || type == ObjType_Frame || type == ObjType_DevFrame;
}

// Set or clear flags on every copy of c's object (copies are adjacent).
static void mark_copies(const struct cte *c, uint32_t set, uint32_t clear)
{
    for (struct cte *n = mdb_lower_bound(&c->cap); n && !mdb_compare(&n->cap, &c->cap);
         n = n->mdb.next)
        n->mdb.flags = (n->mdb.flags | set) & ~clear;
}

errval_t caps_export_check(const struct cte *c)
{
    if (cte_is_empty(c))
        return CAP_ERR_SLOT_EMPTY;
    if (!exportable(c->cap.type))
        return CAP_ERR_NOT_EXPORTABLE;
    // An imported cap is passed on as it is: its owner's revoke reaches
    // every core, so nothing here needs marking.
    if (!(c->mdb.flags & MDB_FLAG_IMPORTED) && c->cap.type == ObjType_RAM && mdb_has_descendants(c))
        return CAP_ERR_HAS_DESCENDANTS;
    return SYS_ERR_OK;
}

void caps_export_apply(struct cte *c, struct capability *out)
{
    if (!(c->mdb.flags & MDB_FLAG_IMPORTED))
        mark_copies(c, MDB_FLAG_EXPORTED, 0);
    *out = c->cap;
}

errval_t caps_export(struct cte *c, struct capability *out)
{
    errval_t err = caps_export_check(c);
    if (err_is_ok(err))
        caps_export_apply(c, out);
    return err;
}

void caps_unexport(struct cte *c)
{
    if (!cte_is_empty(c))
        mark_copies(c, 0, MDB_FLAG_EXPORTED);
}

// What importing cap meets here. A cap that has come back to the core it
// was exported from finds its object (returned, *home set): it joins it as
// another copy, under the same ancestors. Otherwise anything overlapping
// it but copies of the same imported object is in the way (returned).
static struct cte *in_the_way(const struct capability *cap, bool *home)
{
    uint64_t base, size;
    cap_range(cap, &base, &size);
    struct cte *blocker = NULL;
    *home = false;
    for (struct cte *n = mdb_first(); n; n = n->mdb.next) {
        uint64_t b, s;
        cap_range(&n->cap, &b, &s);
        if (b >= base + size || b + s <= base)
            continue;
        bool same = !mdb_compare(&n->cap, cap), imported = n->mdb.flags & MDB_FLAG_IMPORTED;
        if (same && !imported) {
            *home = true;
            return n;
        }
        if (!same && !blocker)
            blocker = n;
    }
    return blocker;
}

errval_t caps_import_check(const struct cte *dest, const struct capability *cap)
{
    if (!cte_is_empty(dest))
        return CAP_ERR_SLOT_OCCUPIED;
    if (cap->type >= ObjType_Num || !exportable(cap->type) || (cap->rights & ~CAP_RIGHTS_ALL))
        return CAP_ERR_NOT_EXPORTABLE;
    if (is_memory(cap->type) &&
        (cap->u.mem.bytes == 0 || cap->u.mem.base % BASE_PAGE_SIZE ||
         cap->u.mem.bytes % BASE_PAGE_SIZE || cap->u.mem.base + cap->u.mem.bytes < cap->u.mem.base))
        return SYS_ERR_INVALID_ARGS;
    // An IRQDest only names a vector: any number of cores may hold one.
    bool home = false;
    struct cte *other = is_memory(cap->type) ? in_the_way(cap, &home) : NULL;
    return other && !home ? CAP_ERR_ROOT_OVERLAP : SYS_ERR_OK;
}

void caps_import_apply(struct cte *dest, const struct capability *cap)
{
    bool home = false;
    struct cte *other = is_memory(cap->type) ? in_the_way(cap, &home) : NULL;
    *dest = (struct cte){.cap = *cap};
    mdb_insert(dest);
    if (home) {
        // Back where it was made: another copy of the object here.
        dest->mdb.flags |= other->mdb.flags & MDB_FLAG_EXPORTED;
        return;
    }
    dest->mdb.flags |= MDB_FLAG_IMPORTED;
    if (cap->type == ObjType_Frame || cap->type == ObjType_DevFrame)
        dest->mdb.flags |= MDB_FLAG_FOREIGN;
}

errval_t caps_import(struct cte *dest, const struct capability *cap)
{
    errval_t err = caps_import_check(dest, cap);
    if (err_is_ok(err))
        caps_import_apply(dest, cap);
    return err;
}

unsigned caps_revoke_imported(uint64_t base, uint64_t bytes)
{
    unsigned n_objects = 0;
    // Rare (a revoke on another core): a plain scan, restarted after each
    // deletion since it may remove any number of slots.
    for (struct cte *n = mdb_first(); n;) {
        bool hit = (n->mdb.flags & MDB_FLAG_IMPORTED) && is_memory(n->cap.type) &&
                   n->cap.u.mem.base >= base && n->cap.u.mem.base - base < bytes;
        if (!hit) {
            n = n->mdb.next;
            continue;
        }
        caps_revoke_all_apply(n); // its other copies and what was made from it
        caps_delete_apply(n);
        n_objects++;
        n = mdb_first();
    }
    return n_objects;
}
