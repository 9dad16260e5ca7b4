/*
 * lib/sys/include/sys/vspace.h: this domain's address space.
 *
 * Page tables are VNode caps. Those below 1 GiB sit where kpi/init.h says
 * (PAGECN); the rest lib/sys makes with obj_alloc and remembers. The heap
 * (HEAP_BASE..HEAP_LIMIT) is reserved by morecore and backed lazily: a
 * page fault in a reserved range maps a frame retyped from RAM reserved
 * with it, so nothing in the fault path asks another domain for anything.
 */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

// Map bytes (a page multiple) of frame somewhere in the mapping region.
MUST_CHECK errval_t vspace_map(capref_t frame, uint64_t bytes, uint32_t flags, void **va);

// Map bytes of frame at va (page-aligned), making page tables as needed.
MUST_CHECK errval_t vspace_map_at(uint64_t va, capref_t frame, uint64_t bytes, uint32_t flags);

// Remove frame's mapping; vspace_map uses its addresses again.
MUST_CHECK errval_t vspace_unmap(capref_t frame);

// Reserve bytes of heap address space backed by RAM from ram_alloc, mapped
// on first touch. Returns the start, or NULL with *err set.
void *vspace_heap_grow(uint64_t bytes, errval_t *err);

// Heap statistics: bytes reserved and bytes mapped so far.
void vspace_heap_stats(uint64_t *reserved, uint64_t *mapped);

// Called by the exception handler for a page fault at addr: true if it was
// in the heap and is now mapped.
bool vspace_heap_fault(uint64_t addr);
