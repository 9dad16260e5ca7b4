/* kernel/caps.c: copy, mint, boot roots, and a cap's copies and descendants. */
#include <capops.h>
#include <captypes.h>
#include <console.h>
#include <mdb.h>

bool mdb_has_copies(const struct cte *cte)
{
    const struct cte *p = cte->mdb.prev, *n = cte->mdb.next;
    return (p && mdb_compare(&p->cap, &cte->cap) == 0) ||
           (n && mdb_compare(&n->cap, &cte->cap) == 0);
}

bool mdb_has_descendants(const struct cte *cte)
{
    // Descendants follow the last copy directly (mdb.h).
    const struct cte *n = mdb_last_copy(cte)->mdb.next;
    return n && mdb_is_ancestor(&cte->cap, &n->cap);
}

// Put cap, a new copy or descendant of an existing one, into the empty slot dest.
static void install(struct cte *dest, const struct capability *cap)
{
    *dest = (struct cte){.cap = *cap};
    mdb_insert(dest);
}

// LAB 2 BEGIN copy
errval_t caps_copy_check(const struct cte *dest, const struct cte *src, uint64_t rights)
{
    if (cte_is_empty(src))
        return CAP_ERR_SLOT_EMPTY;
    if (!cte_is_empty(dest))
        return CAP_ERR_SLOT_OCCUPIED;
    if (rights & ~(uint64_t)CAP_RIGHTS_ALL)
        return SYS_ERR_INVALID_ARGS;
    return SYS_ERR_OK;
}

void caps_copy_apply(struct cte *dest, const struct cte *src, uint8_t rights)
{
    struct capability cap = src->cap;
    cap.rights &= rights;
    install(dest, &cap);
    dest->mdb.flags |= src->mdb.flags & MDB_FLAGS_COPIED; // a copy shares the object's fate
}
// LAB 2 STUB
// errval_t caps_copy_check(const struct cte *dest, const struct cte *src, uint64_t rights)
// {
//     // LAB 2: your code here: an empty src: CAP_ERR_SLOT_EMPTY; a dest that
//     // is not empty: CAP_ERR_SLOT_OCCUPIED; rights with a bit outside
//     // CAP_RIGHTS_ALL: SYS_ERR_INVALID_ARGS. Changes nothing.
//     KPRINTF_ONCE("LAB 2: caps_copy_check is not written yet (kernel/caps.c)\n");
//     (void)dest, (void)src, (void)rights;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// void caps_copy_apply(struct cte *dest, const struct cte *src, uint8_t rights)
// {
//     // LAB 2: your code here: put a copy of src's cap with only the rights
//     // it has and rights allows into dest, in the mdb (install). The copy
//     // keeps src's MDB_FLAGS_COPIED: it shares the object's fate (mdb.h).
//     KPRINTF_ONCE("LAB 2: caps_copy_apply is not written yet (kernel/caps.c)\n");
//     (void)dest, (void)src, (void)rights;
// }
// LAB 2 END

// LAB 2 BEGIN mint
// An IO cap narrowed to [first, last] is a descendant of the source, like
// a retyped object: it must not overlap another one (mdb.h's rule that
// unrelated objects never overlap).
static MUST_CHECK errval_t check_mint_range(const struct capability *src, uint64_t first,
                                            uint64_t last)
{
    if (first > last || first < src->u.io.first || last > src->u.io.last)
        return CAP_ERR_NOT_MINTABLE;
    if (first == src->u.io.first && last == src->u.io.last)
        return SYS_ERR_OK; // the same range: a copy
    uint64_t base, size;
    cap_range(src, &base, &size);
    base += first - src->u.io.first;
    if (mdb_find_overlap(src, base, base + (last - first + 1)))
        return CAP_ERR_RETYPE_OVERLAP;
    return SYS_ERR_OK;
}

errval_t caps_mint_check(const struct cte *dest, const struct cte *src, uint64_t rights,
                         uint64_t param1, uint64_t param2)
{
    errval_t err = caps_copy_check(dest, src, rights);
    if (err_is_fail(err))
        return err;
    switch (captype_of(src->cap.type)->mint) {
    case CAPMINT_BADGE:
        if (param2)
            return CAP_ERR_NOT_MINTABLE;
        return param1 && !src->cap.u.endpoint.badge ? SYS_ERR_OK : CAP_ERR_BADGE;
    case CAPMINT_RANGE: return check_mint_range(&src->cap, param1, param2);
    default: return param1 || param2 ? CAP_ERR_NOT_MINTABLE : SYS_ERR_OK;
    }
}

void caps_mint_apply(struct cte *dest, const struct cte *src, uint8_t rights, uint64_t param1,
                     uint64_t param2)
{
    struct capability cap = src->cap;
    cap.rights &= rights;
    switch (captype_of(cap.type)->mint) {
    case CAPMINT_BADGE: cap.u.endpoint.badge = param1; break;
    case CAPMINT_RANGE:
        cap.u.io.first = (uint16_t)param1;
        cap.u.io.last = (uint16_t)param2;
        break;
    default: break;
    }
    install(dest, &cap);
}
// LAB 2 STUB
// errval_t caps_mint_check(const struct cte *dest, const struct cte *src, uint64_t rights,
//                          uint64_t param1, uint64_t param2)
// {
//     // LAB 2: your code here: the checks of a copy (caps_copy_check), then
//     // by captype_of(src->cap.type)->mint (captypes.h):
//     // - CAPMINT_BADGE (endpoints): param2 must be 0 (CAP_ERR_NOT_MINTABLE,
//     //   checked first); param1 is the badge, which must not be 0, and src
//     //   must not have one yet (CAP_ERR_BADGE);
//     // - CAPMINT_RANGE (IO ports): [param1, param2] inside src's
//     //   [u.io.first, u.io.last], first <= last (CAP_ERR_NOT_MINTABLE). The
//     //   same range is a copy; a narrower one is a descendant, whose bytes
//     //   must not overlap another (cap_range, mdb_find_overlap:
//     //   CAP_ERR_RETYPE_OVERLAP);
//     // - any other type: both parameters 0 (CAP_ERR_NOT_MINTABLE).
//     KPRINTF_ONCE("LAB 2: caps_mint_check is not written yet (kernel/caps.c)\n");
//     (void)dest, (void)src, (void)rights, (void)param1, (void)param2;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// void caps_mint_apply(struct cte *dest, const struct cte *src, uint8_t rights, uint64_t param1,
//                      uint64_t param2)
// {
//     // LAB 2: your code here: as caps_copy_apply, with the badge or the
//     // range of the parameters in the new cap, and no mdb flags (minted
//     // caps are of this core's own objects).
//     KPRINTF_ONCE("LAB 2: caps_mint_apply is not written yet (kernel/caps.c)\n");
//     (void)dest, (void)src, (void)rights, (void)param1, (void)param2;
// }
// LAB 2 END

errval_t caps_copy(struct cte *dest, struct cte *src, uint8_t rights)
{
    errval_t err = caps_copy_check(dest, src, rights);
    if (err_is_ok(err))
        caps_copy_apply(dest, src, rights);
    return err;
}

errval_t caps_mint(struct cte *dest, struct cte *src, uint8_t rights, uint64_t param1,
                   uint64_t param2)
{
    errval_t err = caps_mint_check(dest, src, rights, param1, param2);
    if (err_is_ok(err))
        caps_mint_apply(dest, src, rights, param1, param2);
    return err;
}

errval_t caps_create_root(struct cte *dest, const struct capability *cap)
{
    struct capability root;
    if (!cte_is_empty(dest))
        return CAP_ERR_SLOT_OCCUPIED;
    if (cap->type >= ObjType_Num || !(captype_of(cap->type)->flags & CAPTYPE_ROOT))
        return CAP_ERR_WRONG_TYPE;
    if (!cap_canonical(cap, &root))
        return SYS_ERR_INVALID_ARGS;
    uint64_t base, size;
    cap_range(&root, &base, &size);
    if (mdb_find_overlap(NULL, base, base + size))
        return CAP_ERR_ROOT_OVERLAP;
    install(dest, &root);
    return SYS_ERR_OK;
}
