/* cpudriver/arch/x86_64/include/arch/vnode.h: VNodes (CPU and IOMMU page tables), mappings. */
#pragma once

#include <caps.h>
#include <invocation.h>
#include <kernel_arch.h>

#define VNODE_ENTRIES 512

// A VNode object: the hardware table, and beside it the slot of the cap
// mapped in each entry, so that destroying the table can clear the mapping
// record of every cap still mapped there. CPU page tables (VNode*) and
// IOMMU second-level tables (IOVNode*) share this shape and the code below;
// they differ in their entry format and in what must be flushed.
struct vnode {
    uint64_t pte[VNODE_ENTRIES];
    struct cte *owner[VNODE_ENTRIES];
};
_Static_assert(sizeof(struct vnode) == VNODE_SIZE, "kernel/include/caps.h VNODE_SIZE");

// struct mapping.flags: the MAP_* flags of the mapping, and this bit when
// the entries are in an IOMMU table (unmapping then invalidates the IOTLB
// instead of the CPU's TLB).
#define VNODE_MAPPED_IOMMU (1u << 31)

static inline struct vnode *vnode_of(const struct capability *cap)
{
    return kmem_ptr(cap->u.vnode.base);
}

// Map pages entries of the VNode in table, from entry on, to src (a Frame
// or DevFrame from page offset on, or a VNode of the next level down).
// Checks everything first: levels, ranges, rights, free entries, that src
// is not mapped already.
MUST_CHECK errval_t vnode_map(struct cte *table, uint32_t entry, struct cte *src, uint32_t flags,
                              uint64_t offset, uint64_t pages);

// Remove the mapping recorded in cte (PAGING_ERR_NOT_MAPPED if none), and
// flush what may cache it: the TLB, or for an IOMMU table the IOTLB.
MUST_CHECK errval_t vnode_unmap(struct cte *cte);

// Invocations (decode/invoke pairs of the invocation table, invocation.h):
// VNodeCmd_Map on a VNode, MappedCmd_Unmap on any mapped copy.
MUST_CHECK errval_t vnode_map_decode(struct invocation *inv, struct inv_decoded *d);
void vnode_map_invoke(struct invocation *inv, const struct inv_decoded *d);
MUST_CHECK errval_t mapped_unmap_decode(struct invocation *inv, struct inv_decoded *d);
void mapped_unmap_invoke(struct invocation *inv, const struct inv_decoded *d);

// The last cap to a VNode is gone: clear its entries and the records of
// the caps mapped there.
void vnode_destroyed(const struct capability *cap);

// Physical address mapped at user address va in the address space rooted at
// pml4 (a physical address), if present with user access (and writable if
// write); false otherwise.
bool vnode_translate(paddr_t pml4, uint64_t va, bool write, paddr_t *pa);

/* ---- Shared by every kind of table (vnode.c, iommu_vnode.c) ---- */

// The checks every map makes once the table's kind has accepted the types
// and flags: entries [entry, entry + pages) lie below limit (else
// CAP_ERR_SLOT_RANGE); src is not mapped already (PAGING_ERR_SLOT_USED);
// a table src is mapped whole (pages 1, offset 0: SYS_ERR_INVALID_ARGS),
// a frame src has the pages (PAGING_ERR_FRAME_RANGE) and the rights the
// MAP_* flags need, READ always (CAP_ERR_NO_RIGHTS); and no entry in the
// range has any of the present bits set (PAGING_ERR_SLOT_USED).
MUST_CHECK errval_t vnode_check_map(const struct cte *table, uint32_t entry, uint32_t limit,
                                    const struct cte *src, uint32_t flags, uint64_t offset,
                                    uint64_t pages, uint64_t present);

// Write pages entries from entry on: first, then first + 4 KiB and so on
// (the address field of both formats starts at bit 12), each owned by
// src, and record the mapping (with map_flags) in src's slot.
void vnode_set_entries(struct cte *table, uint32_t entry, struct cte *src, uint64_t first,
                       uint64_t pages, uint32_t map_flags);

// Clear entries [0, n) and the mapping record of every cap mapped there.
void vnode_clear(struct vnode *v, unsigned n);
