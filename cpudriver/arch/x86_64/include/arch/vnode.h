/* cpudriver/arch/x86_64/include/arch/vnode.h: VNode objects (user page tables) and mappings. */
#pragma once

#include <caps.h>
#include <invocation.h>

#define VNODE_ENTRIES 512

// A VNode object: the hardware table, and beside it the slot of the cap
// mapped in each entry, so that destroying the table can clear the mapping
// record of every cap still mapped there.
struct vnode {
    uint64_t pte[VNODE_ENTRIES];
    struct cte *owner[VNODE_ENTRIES];
};
_Static_assert(sizeof(struct vnode) == VNODE_SIZE, "kernel/include/caps.h VNODE_SIZE");

// Map pages entries of the VNode in table, from entry on, to src (a Frame
// or DevFrame from page offset on, or a VNode of the next level down).
// Checks everything first: levels, ranges, rights, free entries, that src
// is not mapped already.
errval_t vnode_map(struct cte *table, uint32_t entry, struct cte *src, uint32_t flags,
                   uint64_t offset, uint64_t pages);

// Remove the mapping recorded in cte (PAGING_ERR_NOT_MAPPED if none).
errval_t vnode_unmap(struct cte *cte);

// Invocations on VNodes and on mapped caps.
errval_t vnode_invoke(struct invocation *inv);

// The last cap to a VNode is gone: clear its entries and the records of
// the caps mapped there.
void vnode_destroyed(const struct capability *cap);

// Physical address mapped at user address va in the address space rooted at
// pml4 (a physical address), if present with user access (and writable if
// write); false otherwise.
bool vnode_translate(paddr_t pml4, uint64_t va, bool write, paddr_t *pa);
