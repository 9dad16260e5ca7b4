/* kernel/untyped.c: retype: carving memory (PhysAddr, RAM, Frame, DevFrame) into objects. */
#include <base/string.h>
#include <capops.h>
#include <captypes.h>
#include <console.h>
#include <kernel_arch.h>
#include <mdb.h>

// LAB 2 BEGIN retype_check
// The rules for objsize of type t; *align gets the objects' alignment.
static MUST_CHECK errval_t check_size(const struct captype *t, uint64_t objsize, uint64_t *align)
{
    *align = BASE_PAGE_SIZE;
    if (t->flags & CAPTYPE_UNTYPED)
        return objsize && objsize % BASE_PAGE_SIZE == 0 ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    if (t->layout == CAPLAYOUT_CNODE && !t->size) { // L1CNode: slots * sizeof(struct cte)
        uint64_t slots = objsize / sizeof(struct cte);
        bool pow2 = (slots & (slots - 1)) == 0;
        bool ok = objsize % sizeof(struct cte) == 0 && pow2 && slots >= L1_CNODE_MIN_SLOTS &&
                  slots <= (1ull << 31); // the largest power of two in cnode.slots
        return ok ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    }
    if (objsize != t->size)
        return CAP_ERR_RETYPE_SIZE;
    *align = t->align ? t->align : (t->size < BASE_PAGE_SIZE ? t->size : BASE_PAGE_SIZE);
    return SYS_ERR_OK;
}

errval_t caps_retype_check(const struct cte *src, uint64_t type, uint64_t offset, uint64_t objsize,
                           uint64_t count)
{
    const struct capability *s = &src->cap;
    if (cte_is_empty(src))
        return CAP_ERR_SLOT_EMPTY;
    if (!(s->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    // Memory another core owns, or memory this core gave away (remote.c).
    if (src->mdb.flags & (MDB_FLAG_FOREIGN | MDB_FLAG_EXPORTED))
        return CAP_ERR_REMOTE;
    if (type >= ObjType_Num || !(captype_of(type)->sources & (1u << s->type)))
        return CAP_ERR_RETYPE_TYPE;
    uint64_t align;
    errval_t err = check_size(captype_of(type), objsize, &align);
    if (err_is_fail(err))
        return err;
    if (count == 0)
        return CAP_ERR_RETYPE_COUNT;
    // The source's base is page aligned (roots are, and so is every
    // memory object cut from one), so aligning the offset aligns objects.
    if (offset % align)
        return SYS_ERR_ALIGNMENT;
    // Division instead of offset + count * objsize, which could wrap.
    uint64_t bytes = cap_bytes(s);
    if (offset > bytes || count > (bytes - offset) / objsize)
        return CAP_ERR_RETYPE_RANGE;
    // Same type and range would be indistinguishable from a copy.
    if (type == s->type && offset == 0 && objsize == bytes)
        return CAP_ERR_RETYPE_SIZE;
    return SYS_ERR_OK;
}
// LAB 2 STUB
// errval_t caps_retype_check(const struct cte *src, uint64_t type, uint64_t offset,
//                            uint64_t objsize, uint64_t count)
// {
//     // LAB 2: your code here: check, changing nothing, that src may be
//     // retyped into count objects of type, each objsize bytes, from offset
//     // bytes into it (capops.h; docs/caps.md, "Retype"). In this order, as
//     // check_retype expects:
//     // - an empty src: CAP_ERR_SLOT_EMPTY; no CAP_RIGHT_WRITE: CAP_ERR_NO_RIGHTS;
//     // - src->mdb.flags with MDB_FLAG_FOREIGN or MDB_FLAG_EXPORTED: CAP_ERR_REMOTE;
//     // - a type that is not a type (ObjType_Num) or whose captype_of(type)->sources
//     //   lacks src's type: CAP_ERR_RETYPE_TYPE;
//     // - a size the type does not take: CAP_ERR_RETYPE_SIZE (untyped types: a
//     //   whole number of pages; L1CNode: a power of two of slots, at least
//     //   L1_CNODE_MIN_SLOTS and at most 2^31; the others: exactly t->size);
//     // - count == 0: CAP_ERR_RETYPE_COUNT;
//     // - an offset that is not a multiple of the objects' alignment (t->align,
//     //   or for a type without one the size up to a page): SYS_ERR_ALIGNMENT;
//     // - objects that do not fit inside src (offset + count * objsize can
//     //   wrap: divide instead): CAP_ERR_RETYPE_RANGE;
//     // - the same type, offset 0 and all of src, which would be a copy:
//     //   CAP_ERR_RETYPE_SIZE.
//     KPRINTF_ONCE("LAB 2: caps_retype_check is not written yet (kernel/untyped.c)\n");
//     (void)src, (void)type, (void)offset, (void)objsize, (void)count;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 2 END

// Set by caps_retype_keep_data for one retype: Frames keep their bytes.
static bool keep_data;

// LAB 2 BEGIN retype_apply
errval_t caps_retype_check_overlap(const struct cte *src, uint64_t offset, uint64_t objsize,
                                   uint64_t count)
{
    uint64_t base, size;
    cap_range(&src->cap, &base, &size);
    base += offset;
    if (mdb_find_overlap(&src->cap, base, base + count * objsize))
        return CAP_ERR_RETYPE_OVERLAP;
    return SYS_ERR_OK;
}

void caps_retype_apply(struct cte *src, enum objtype type, uint64_t offset, uint64_t objsize,
                       uint64_t count, struct cte *dest)
{
    paddr_t base = cap_paddr(&src->cap) + offset;
    bool zero = (captype_of(type)->flags & CAPTYPE_ZEROED) && !(keep_data && type == ObjType_Frame);
    for (uint64_t i = 0; i < count; i++) {
        struct cte *d = &dest[i];
        paddr_t obj = base + i * objsize;
        // Zero before the cap exists: a new CNode's slots must read empty.
        if (zero)
            memset(kmem_ptr(obj), 0, objsize);
        *d = (struct cte){0};
        cap_init_object(&d->cap, type, obj, objsize, src->cap.rights);
        mdb_insert(d);
    }
}
// LAB 2 STUB
// errval_t caps_retype_check_overlap(const struct cte *src, uint64_t offset, uint64_t objsize,
//                                    uint64_t count)
// {
//     // LAB 2: your code here: CAP_ERR_RETYPE_OVERLAP when the new objects'
//     // bytes overlap an object already made from src (cap_range,
//     // mdb_find_overlap: mdb.h).
//     KPRINTF_ONCE("LAB 2: caps_retype_check_overlap is not written yet (kernel/untyped.c)\n");
//     (void)src, (void)offset, (void)objsize, (void)count;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// void caps_retype_apply(struct cte *src, enum objtype type, uint64_t offset, uint64_t objsize,
//                        uint64_t count, struct cte *dest)
// {
//     // LAB 2: your code here: make the count objects in dest[0..count), each
//     // a descendant of src with src's rights (cap_init_object, mdb_insert).
//     // A type with CAPTYPE_ZEROED has its memory zeroed before its cap exists
//     // (kmem_ptr), except a Frame while keep_data is set.
//     KPRINTF_ONCE("LAB 2: caps_retype_apply is not written yet (kernel/untyped.c)\n");
//     (void)src, (void)type, (void)offset, (void)objsize, (void)count, (void)dest;
// }
// LAB 2 END

errval_t caps_retype(struct cte *src, enum objtype type, uint64_t offset, uint64_t objsize,
                     uint64_t count, const struct capability *dest_cnode, uint32_t dest_slot)
{
    struct cte *dest;
    errval_t err = caps_retype_check(src, type, offset, objsize, count);
    if (err_is_ok(err))
        err = cnode_check_dest(dest_cnode, dest_slot, count, &dest);
    if (err_is_ok(err))
        err = caps_retype_check_overlap(src, offset, objsize, count);
    if (err_is_ok(err))
        caps_retype_apply(src, type, offset, objsize, count, dest);
    return err;
}

errval_t caps_retype_to_slots(struct cte *src, enum objtype type, uint64_t offset, uint64_t objsize,
                              uint64_t count, struct cte *dest)
{
    errval_t err = caps_retype_check(src, type, offset, objsize, count);
    if (err_is_ok(err))
        err = caps_check_empty(dest, count);
    if (err_is_ok(err))
        err = caps_retype_check_overlap(src, offset, objsize, count);
    if (err_is_ok(err))
        caps_retype_apply(src, type, offset, objsize, count, dest);
    return err;
}

errval_t caps_retype_keep_data(struct cte *src, uint64_t offset, uint64_t bytes,
                               const struct capability *dest_cnode, uint32_t dest_slot)
{
    keep_data = true;
    errval_t err = caps_retype(src, ObjType_Frame, offset, bytes, 1, dest_cnode, dest_slot);
    keep_data = false;
    return err;
}
