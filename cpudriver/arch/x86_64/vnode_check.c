/* cpudriver/arch/x86_64/vnode_check.c: the page-table part of the kernel self-check (kcheck.h). */
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/vnode.h>
#include <captypes.h>
#include <kcheck.h>
#include <vtd/vtd_regs.h>

#define ADDR_MASK 0x000ffffffffff000ull // both formats: bits 51:12

// The type one level below table type t (a leaf table: 0, frames).
static enum objtype below(enum objtype t)
{
    switch (t) {
    case ObjType_VNodePML4: return ObjType_VNodePDPT;
    case ObjType_VNodePDPT: return ObjType_VNodePD;
    case ObjType_VNodePD: return ObjType_VNodePT;
    case ObjType_IOVNodeL4: return ObjType_IOVNodeL3;
    case ObjType_IOVNodeL3: return ObjType_IOVNodeL2;
    case ObjType_IOVNodeL2: return ObjType_IOVNodeL1;
    default: return ObjType_Null;
    }
}

static bool is_iommu(enum objtype t) { return t >= ObjType_IOVNodeL4 && t <= ObjType_IOVNodeL1; }

static bool may_hold(enum objtype t, enum objtype src)
{
    if (below(t) != ObjType_Null)
        return src == below(t);
    return src == ObjType_Frame || (src == ObjType_DevFrame && !is_iommu(t));
}

// The permissions entry pte grants must be ones the owner's rights allow.
static bool rights_allow(enum objtype t, const struct cte *o, uint64_t pte)
{
    uint8_t rights = o->cap.rights;
    if (below(t) != ObjType_Null)
        return true; // intermediate entries grant everything: the leaf decides
    if (is_iommu(t))
        return (!(pte & VTD_SL_W) || (rights & CAP_RIGHT_WRITE)) &&
               (!(pte & VTD_SL_R) || (rights & CAP_RIGHT_READ));
    return (pte & PTE_P) && (pte & PTE_U) && (!(pte & PTE_W) || (rights & CAP_RIGHT_WRITE)) &&
           ((pte & PTE_NX) || (rights & CAP_RIGHT_EXECUTE)) && (rights & CAP_RIGHT_READ);
}

// Entry i of table v (of type t at table_pa) is owned by o: does it agree?
static const char *entry_breach(enum objtype t, paddr_t table_pa, const struct vnode *v, unsigned i)
{
    const struct cte *o = v->owner[i];
    uint64_t pte = v->pte[i], pa = pte & ADDR_MASK;
    if (!kcheck_linked(o))
        return "a page-table entry's owner is not a live cap";
    if (!may_hold(t, o->cap.type))
        return "a page-table entry maps a cap of the wrong type for its level";
    if (o->map.vnode != table_pa || i < o->map.entry || i >= o->map.entry + o->map.pages)
        return "a page-table entry's owner records another mapping";
    if (!(o->map.flags & VNODE_MAPPED_IOMMU) != !is_iommu(t))
        return "a mapping's record has the wrong kind of table";
    if (below(t) != ObjType_Null && pa != o->cap.u.vnode.base)
        return "a table entry does not point at its owner's table";
    uint64_t first = v->pte[o->map.entry] & ADDR_MASK;
    if (below(t) == ObjType_Null &&
        (pa < o->cap.u.mem.base || pa >= o->cap.u.mem.base + o->cap.u.mem.bytes ||
         pa != first + (uint64_t)(i - o->map.entry) * BASE_PAGE_SIZE))
        return "a page-table entry maps memory outside its owner's frame";
    if (!rights_allow(t, o, pte))
        return "a page-table entry grants more than its owner's rights";
    // Held: the owner's slot was reached, or the process holds a cap to the
    // mapped memory, or to the memory of the CNode the owner lies in (a
    // CNode that holds the only cap to itself is alive but unreachable).
    bool table = below(t) != ObjType_Null;
    if (!kcheck_held(o) && !kcheck_covered(pa, table ? VNODE_SIZE : BASE_PAGE_SIZE) &&
        !kcheck_covered(virt_to_phys(o), sizeof(*o)))
        return "a page-table entry maps memory the process holds no cap to";
    return NULL;
}

errval_t arch_kcheck_table(const struct capability *table, uint64_t *entries, const char **why,
                           const struct cte **where)
{
    const struct vnode *v = vnode_of(table);
    enum objtype t = table->type;
    unsigned n = t == ObjType_VNodePML4 ? VNODE_ENTRIES / 2 : VNODE_ENTRIES; // user half
    for (unsigned i = 0; i < n; i++) {
        if (!v->owner[i]) {
            if (v->pte[i])
                return *why = "a page-table entry in use has no owner", KCHECK_ERR_MAPPING;
            continue;
        }
        (*entries)++;
        const char *breach = entry_breach(t, table->u.vnode.base, v, i);
        if (breach)
            return *why = breach, *where = v->owner[i], KCHECK_ERR_MAPPING;
    }
    return SYS_ERR_OK;
}

errval_t arch_kcheck_mapping(const struct cte *c, const char **why)
{
    const struct vnode *v = kmem_ptr(c->map.vnode);
    if (!c->map.pages || c->map.entry + c->map.pages > VNODE_ENTRIES)
        return *why = "a mapping's record has no entries or runs past its table",
               KCHECK_ERR_MAPPING;
    for (unsigned i = c->map.entry; i < c->map.entry + c->map.pages; i++) {
        if (v->owner[i] != c)
            return *why = "a mapped copy's table does not name it as the owner", KCHECK_ERR_MAPPING;
    }
    return SYS_ERR_OK;
}
