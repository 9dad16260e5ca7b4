/* cpudriver/arch/x86_64/vnode.c: page tables as caps: map, unmap, destroy (shared with IOMMU). */
#include <arch/iommu.h>
#include <arch/paging.h>
#include <arch/vnode.h>
#include <arch/x86.h>
#include <captypes.h>
#include <kernel_arch.h>

#define PML4_USER_ENTRIES 256

static bool is_vnode(enum objtype t)
{
    return t == ObjType_VNodePML4 || t == ObjType_VNodePDPT || t == ObjType_VNodePD ||
           t == ObjType_VNodePT;
}

// What may be mapped into an entry of a table of type t.
static bool mappable_into(enum objtype t, enum objtype src)
{
    switch (t) {
    case ObjType_VNodePML4: return src == ObjType_VNodePDPT;
    case ObjType_VNodePDPT: return src == ObjType_VNodePD;
    case ObjType_VNodePD: return src == ObjType_VNodePT;
    case ObjType_VNodePT: return src == ObjType_Frame || src == ObjType_DevFrame;
    default: return false;
    }
}

static void flush_tlb(void)
{
    // The kernel does not track which address spaces a table is part of:
    // flush this core's non-global entries, which covers every case.
    write_cr3(read_cr3());
}

// ---- Shared by CPU and IOMMU tables ----

static MUST_CHECK errval_t check_frame(const struct capability *f, uint32_t flags, uint64_t offset,
                                       uint64_t pages)
{
    uint64_t frame_pages = f->u.mem.bytes / BASE_PAGE_SIZE;
    if (pages == 0 || offset >= frame_pages || pages > frame_pages - offset)
        return PAGING_ERR_FRAME_RANGE;
    if (!(f->rights & CAP_RIGHT_READ) || ((flags & MAP_WRITE) && !(f->rights & CAP_RIGHT_WRITE)) ||
        ((flags & MAP_EXEC) && !(f->rights & CAP_RIGHT_EXECUTE)))
        return CAP_ERR_NO_RIGHTS;
    return SYS_ERR_OK;
}

errval_t vnode_check_map(const struct cte *table, uint32_t entry, uint32_t limit,
                         const struct cte *src, uint32_t flags, uint64_t offset, uint64_t pages,
                         uint64_t present)
{
    if (entry >= limit || pages == 0 || pages > limit - entry)
        return CAP_ERR_SLOT_RANGE;
    if (src->map.vnode)
        return PAGING_ERR_SLOT_USED; // one mapping per copy
    // Frames are untyped memory; tables are kernel objects, mapped whole.
    bool frame = captype_of(src->cap.type)->flags & CAPTYPE_UNTYPED;
    errval_t err = frame ? check_frame(&src->cap, flags, offset, pages)
                         : (pages == 1 && offset == 0 ? SYS_ERR_OK : SYS_ERR_INVALID_ARGS);
    if (err_is_fail(err))
        return err;
    const struct vnode *v = vnode_of(&table->cap);
    for (uint64_t i = 0; i < pages; i++) {
        if (v->pte[entry + i] & present)
            return PAGING_ERR_SLOT_USED;
    }
    return SYS_ERR_OK;
}

void vnode_set_entries(struct cte *table, uint32_t entry, struct cte *src, uint64_t first,
                       uint64_t pages, uint32_t map_flags)
{
    struct vnode *v = vnode_of(&table->cap);
    for (uint64_t i = 0; i < pages; i++) {
        v->pte[entry + i] = first + i * BASE_PAGE_SIZE;
        v->owner[entry + i] = src;
    }
    src->map = (struct mapping){.vnode = table->cap.u.vnode.base,
                                .entry = (uint16_t)entry,
                                .pages = (uint16_t)pages,
                                .flags = map_flags};
}

void vnode_clear(struct vnode *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (v->owner[i])
            v->owner[i]->map = (struct mapping){0};
        v->owner[i] = NULL;
        v->pte[i] = 0;
    }
}

errval_t vnode_unmap(struct cte *cte)
{
    if (!cte->map.vnode)
        return PAGING_ERR_NOT_MAPPED;
    struct vnode *v = kmem_ptr(cte->map.vnode);
    uint32_t first = cte->map.entry, n = cte->map.pages;
    bool iommu = cte->map.flags & VNODE_MAPPED_IOMMU;
    for (uint32_t i = first; i < first + n; i++) {
        if (v->owner[i] == cte) {
            v->pte[i] = 0;
            v->owner[i] = NULL;
        }
    }
    cte->map = (struct mapping){0};
    if (iommu)
        iommu_tables_changed(&v->pte[first], n);
    else
        flush_tlb();
    return SYS_ERR_OK;
}

// ---- CPU page tables ----

static MUST_CHECK errval_t vnode_decode_map(const struct cte *table, uint32_t entry,
                                            const struct cte *src, uint32_t flags, uint64_t offset,
                                            uint64_t pages)
{
    const struct capability *t = &table->cap, *s = &src->cap;
    if (!is_vnode(t->type))
        return CAP_ERR_WRONG_TYPE;
    if (!(t->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (s->type == ObjType_Null)
        return CAP_ERR_SLOT_EMPTY;
    if (!mappable_into(t->type, s->type))
        return PAGING_ERR_WRONG_LEVEL;
    if (flags & ~MAP_FLAGS_ALL)
        return SYS_ERR_INVALID_ARGS;
    bool pml4 = t->type == ObjType_VNodePML4;
    if (pml4 && entry >= PML4_USER_ENTRIES)
        return PAGING_ERR_KERNEL_RANGE;
    return vnode_check_map(table, entry, pml4 ? PML4_USER_ENTRIES : VNODE_ENTRIES, src, flags,
                           offset, pages, PTE_P);
}

static void vnode_invoke_map(struct cte *table, uint32_t entry, struct cte *src, uint32_t flags,
                             uint64_t offset, uint64_t pages)
{
    const struct capability *s = &src->cap;
    uint64_t bits = PTE_P | PTE_U | PTE_W; // intermediate levels: the leaf decides
    paddr_t pa = s->u.vnode.base;
    if (!is_vnode(s->type)) {
        pa = s->u.mem.base + offset * BASE_PAGE_SIZE;
        bits =
            PTE_P | PTE_U | ((flags & MAP_WRITE) ? PTE_W : 0) | ((flags & MAP_EXEC) ? 0 : PTE_NX);
        if ((flags & MAP_NOCACHE) || s->type == ObjType_DevFrame)
            bits |= PTE_PCD | PTE_PWT;
    }
    vnode_set_entries(table, entry, src, pa | bits, pages, flags);
}

errval_t vnode_map(struct cte *table, uint32_t entry, struct cte *src, uint32_t flags,
                   uint64_t offset, uint64_t pages)
{
    errval_t err = vnode_decode_map(table, entry, src, flags, offset, pages);
    if (err_is_ok(err))
        vnode_invoke_map(table, entry, src, flags, offset, pages);
    return err;
}

void vnode_destroyed(const struct capability *cap)
{
    // A PML4's kernel half is shared with every other address space: leave it.
    vnode_clear(vnode_of(cap), cap->type == ObjType_VNodePML4 ? PML4_USER_ENTRIES : VNODE_ENTRIES);
    if (cap->type == ObjType_VNodePML4 && read_cr3() == cap->u.vnode.base)
        write_cr3(paging_kernel_pml4()); // never run on a dead table
    else
        flush_tlb();
}

// ---- Invocations (decode/invoke pairs of the invocation table) ----

// Map: (entry, src capref, MAP_* flags, frame page offset, pages).
errval_t vnode_map_decode(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = inv_lookup(inv, inv->arg[1], &d->src);
    if (err_is_fail(err))
        return err;
    if (inv->arg[0] > UINT32_MAX || inv->arg[2] > UINT32_MAX)
        return SYS_ERR_INVALID_ARGS;
    return vnode_decode_map(inv->target, (uint32_t)inv->arg[0], d->src, (uint32_t)inv->arg[2],
                            inv->arg[3], inv->arg[4]);
}

void vnode_map_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    vnode_invoke_map(inv->target, (uint32_t)inv->arg[0], d->src, (uint32_t)inv->arg[2], inv->arg[3],
                     inv->arg[4]);
}

// Unmap (any mapped copy: Frame, DevFrame, VNode, IOVNode): ().
errval_t mapped_unmap_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    return inv->target->map.vnode ? SYS_ERR_OK : PAGING_ERR_NOT_MAPPED;
}

void mapped_unmap_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)d;
    err_ignore(vnode_unmap(inv->target), "decode checked it is mapped");
}

// One level of the walk: the next table's physical address, or false.
static bool walk_step(paddr_t table, unsigned index, bool write, paddr_t *next, bool *large)
{
    uint64_t e = ((const uint64_t *)kmem_ptr(table))[index];
    if (!(e & PTE_P) || !(e & PTE_U) || (write && !(e & PTE_W)))
        return false;
    *large = (e & PTE_PS) != 0;
    *next = e & PTE_ADDR;
    return true;
}

bool vnode_translate(paddr_t pml4, uint64_t va, bool write, paddr_t *pa)
{
    if (va >= USER_TOP)
        return false;
    const unsigned idx[4] = {pml4_index(va), pdpt_index(va), pd_index(va), pt_index(va)};
    paddr_t t = pml4;
    for (unsigned level = 0; level < 4; level++) {
        bool large;
        if (!walk_step(t, idx[level], write, &t, &large))
            return false;
        if (large && level == 2) { // a 2 MiB page
            *pa = (t & ~(LARGE_PAGE - 1)) + (va & (LARGE_PAGE - 1));
            return true;
        }
        if (large)
            return false; // 1 GiB pages are never made for user space
    }
    *pa = t + (va & (BASE_PAGE_SIZE - 1));
    return true;
}
