/* cpudriver/include/bootmem.h: physical memory for the CPU driver's own boot needs. */
#pragma once

#include <kpi/errors.h>
#include <stdint.h>

#define BOOTMEM_PAGE        4096u
#define BOOTMEM_MAX_REGIONS 64

struct bootmem_region {
    uint64_t base, end; // page-aligned, end exclusive
};

// A sorted list of free, page-aligned physical ranges. Boot code adds the
// RAM the firmware reports, reserves what is in use (the image, modules,
// the MBI), then allocates page tables and stacks from what is left. What
// remains free afterwards is handed to user space as untyped RAM.
struct bootmem {
    struct bootmem_region r[BOOTMEM_MAX_REGIONS];
    unsigned n;
    uint64_t allocated; // bytes handed out by bootmem_alloc
};

void bootmem_init(struct bootmem *bm);

// Add RAM [base, base+len), shrunk inward to whole pages (less than a
// whole page adds nothing). Overlapping or adjacent ranges are merged: no
// two ranges in the table touch. Fails with SYS_ERR_OVERFLOW when
// base + len wraps around, SYS_ERR_NO_MEMORY when the region table is full.
MUST_CHECK errval_t bootmem_add(struct bootmem *bm, uint64_t base, uint64_t len);

// Remove [base, base+len), widened outward to whole pages, from the free
// ranges (len 0 removes nothing; a range that runs past the top of the
// address space is cut there, not refused). Fails with SYS_ERR_NO_MEMORY
// if splitting a range overflows the region table.
MUST_CHECK errval_t bootmem_reserve(struct bootmem *bm, uint64_t base, uint64_t len);

// Allocate size bytes (rounded up to pages) aligned to align (a power of two,
// at least a page), from the lowest range that fits. Errors: SYS_ERR_INVALID_ARGS
// for a zero size or bad alignment, SYS_ERR_NO_MEMORY when nothing fits.
MUST_CHECK errval_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align, uint64_t *out);

// Total free bytes.
uint64_t bootmem_free_bytes(const struct bootmem *bm);
