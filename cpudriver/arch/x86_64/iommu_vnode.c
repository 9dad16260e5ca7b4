/*
 * cpudriver/arch/x86_64/iommu_vnode.c: IOMMU page tables (VT-d second-level
 * paging structures) as capabilities.
 *
 * An IOVNode is a VNode object (a table and its back-pointers, arch/vnode.h)
 * whose entries have VT-d's format: IOVNodeL4 -> L3 -> L2 -> L1 -> 4 KiB
 * Frames. The top table of a tree is a domain's translation root, which the
 * user-space VT-d driver puts into context entries by physical address.
 * Maps take only tables and Frames the caller holds caps to, with the
 * frame's rights; every change is followed by an IOTLB invalidation
 * (iommu.c), so a frame whose last mapped copy is deleted is out of the
 * device's reach before its memory can be used again.
 */
#include <arch/iommu.h>
#include <arch/vnode.h>
#include <captypes.h>

#define IOVNODE_PRESENT (VTD_SL_R | VTD_SL_W)

static bool is_iovnode(enum objtype t)
{
    return t == ObjType_IOVNodeL4 || t == ObjType_IOVNodeL3 || t == ObjType_IOVNodeL2 ||
           t == ObjType_IOVNodeL1;
}

static bool mappable_into(enum objtype t, enum objtype src)
{
    switch (t) {
    case ObjType_IOVNodeL4: return src == ObjType_IOVNodeL3;
    case ObjType_IOVNodeL3: return src == ObjType_IOVNodeL2;
    case ObjType_IOVNodeL2: return src == ObjType_IOVNodeL1;
    case ObjType_IOVNodeL1: return src == ObjType_Frame;
    default: return false;
    }
}

// The entry for page i of the mapping: a leaf for a Frame, else a pointer
// to the next table. The VT-d helpers check alignment and the host width.
static MUST_CHECK errval_t encode(const struct capability *s, uint32_t flags, uint64_t offset,
                                  uint64_t i, uint64_t *pte)
{
    const struct vtd_caps *c = iommu_caps();
    if (s->type != ObjType_Frame)
        return vtd_slpte_table(c, s->u.vnode.base, pte);
    unsigned perms = VTD_PERM_READ | ((flags & MAP_WRITE) ? VTD_PERM_WRITE : 0);
    uint64_t pa = s->u.mem.base + (offset + i) * BASE_PAGE_SIZE;
    return vtd_slpte_leaf(c, 1, pa, perms, false, pte);
}

static MUST_CHECK errval_t iovnode_decode_map(const struct cte *table, uint32_t entry,
                                              const struct cte *src, uint32_t flags,
                                              uint64_t offset, uint64_t pages, uint64_t *first)
{
    const struct capability *t = &table->cap, *s = &src->cap;
    if (!is_iovnode(t->type))
        return CAP_ERR_WRONG_TYPE;
    if (!(t->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (s->type == ObjType_Null)
        return CAP_ERR_SLOT_EMPTY;
    // No peer-to-peer DMA: a device reaching another's registers (or the
    // IOMMU's own) would escape its domain.
    if (s->type == ObjType_DevFrame)
        return IOMMU_ERR_DEVICE_MEMORY;
    if (!mappable_into(t->type, s->type))
        return PAGING_ERR_WRONG_LEVEL;
    if (flags & ~(uint32_t)MAP_WRITE)
        return SYS_ERR_INVALID_ARGS;
    errval_t err = iommu_check();
    if (err_is_ok(err))
        err = vnode_check_map(table, entry, VNODE_ENTRIES, src, flags, offset, pages,
                              IOVNODE_PRESENT);
    uint64_t last;
    if (err_is_ok(err))
        err = encode(s, flags, offset, pages - 1, &last); // the whole range below the width
    if (err_is_ok(err))
        err = encode(s, flags, offset, 0, first);
    return err;
}

// Map: (entry, src capref, MAP_WRITE or 0, frame page offset, pages); decode
// encodes the first entry (val), which the VT-d helpers may refuse.
errval_t iovnode_map_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = inv_lookup(inv, inv->arg[1], &d->src);
    if (err_is_fail(err))
        return err;
    if (inv->arg[0] > UINT32_MAX || inv->arg[2] > UINT32_MAX)
        return SYS_ERR_INVALID_ARGS;
    return iovnode_decode_map(inv->target, (uint32_t)inv->arg[0], d->src, (uint32_t)inv->arg[2],
                              inv->arg[3], inv->arg[4], &d->val);
}

void iovnode_map_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    uint32_t entry = (uint32_t)inv->arg[0], flags = (uint32_t)inv->arg[2];
    vnode_set_entries(inv->target, entry, d->src, d->val, inv->arg[4], flags | VNODE_MAPPED_IOMMU);
    iommu_tables_changed(&vnode_of(&inv->target->cap)->pte[entry], (unsigned)inv->arg[4]);
}

void iovnode_destroyed(const struct capability *cap)
{
    struct vnode *v = vnode_of(cap);
    vnode_clear(v, VNODE_ENTRIES);
    iommu_tables_changed(v->pte, VNODE_ENTRIES);
}
