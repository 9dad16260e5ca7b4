/* sys/mm.h: the RAM manager of mem_serv and of the monitors (each further core's mem_serv). */
#pragma once

#include <sys/caps.h>

#define MM_MAX_REGIONS 8

struct mm_interval {
    uint64_t base, end; // free [base, end)
};

// A region's free intervals are sorted and disjoint, and no two touch (a
// range given back is merged with its neighbours): between each two lies
// an allocated range. So a region never has more than live + 1 of them,
// and its array is kept at least that long (lib/sys/mm.c, room()).
struct mm_region {
    capref_t cap; // a RAM cap we hold; allocations are retyped from it
    uint64_t base, bytes;
    struct mm_interval *free; // a growing array, cap_free long
    unsigned nfree, cap_free;
    unsigned live; // allocations carved from it and not back in free (held, lost ones too)
};

// One allocation: our copy of the RAM cap handed out, and whom it is charged to.
struct mm_alloc {
    uint64_t base, bytes, pid;
    capref_t cap;
    bool exported; // a cap over some of it went to another core
};

// Memory taken back whose revoke found copies on other cores: it stays out
// of the free lists until those are gone too (docs/multikernel.md).
struct mm_held {
    struct mm_alloc a;
    bool announced; // handed to whoever revokes on the other cores
};

struct mm {
    struct mm_region regions[MM_MAX_REGIONS];
    unsigned nregions;
    struct mm_alloc *allocs;
    unsigned nallocs, cap_allocs;
    struct mm_held *held;
    unsigned nheld, cap_held;
    uint64_t total, free, held_bytes;
};

// Manage the RAM cap ram (all of it free). MM_ERR_NOT_RAM if it is not a
// RAM cap; SYS_ERR_NO_MEMORY, with nothing changed, if there are
// MM_MAX_REGIONS already or no heap for the region's free intervals.
MUST_CHECK errval_t mm_add(struct mm *m, capref_t ram);

// Retype bytes (a non-zero multiple of OBJSIZE_PAGE) aligned to align (a
// power of two, at least OBJSIZE_PAGE) from free RAM into a new slot
// (*ret), charged to pid. *ret stays mm's (mm_free revokes it): a server
// hands out copies of it. SYS_ERR_INVALID_ARGS for other sizes and
// alignments; MM_ERR_NO_MEMORY if nothing fits; SYS_ERR_NO_MEMORY if
// mm's own heap is short.
MUST_CHECK errval_t mm_alloc(struct mm *m, uint64_t pid, uint64_t bytes, uint64_t align,
                             capref_t *ret);

// Take back the allocation at base (revoking every copy and descendant of
// it); MM_ERR_NOT_OWNER unless it is pid's (any pid if pid is MM_ANY).
#define MM_ANY UINT64_MAX
MUST_CHECK errval_t mm_free(struct mm *m, uint64_t pid, uint64_t base);

// Take back everything charged to pid; returns the bytes reclaimed (held
// ones included).
uint64_t mm_free_all(struct mm *m, uint64_t pid);

// Bytes charged to pid.
uint64_t mm_usage(const struct mm *m, uint64_t pid);

// A cap over memory at base was sent to another core: when its allocation
// is taken back, it is held until the copies there are revoked (even if
// none is left here to say so). MM_ERR_NOT_RAM if base is not allocated.
MUST_CHECK errval_t mm_mark_exported(struct mm *m, uint64_t base);

// A held allocation not yet announced (then marked announced): its
// copies on other cores are to be revoked. False if there is none.
bool mm_next_held(struct mm *m, struct mm_alloc *out);

// The copies of held allocation base on other cores are gone (and our cap
// unexported): free it. MM_ERR_NOT_RAM if nothing is held there.
MUST_CHECK errval_t mm_release_held(struct mm *m, uint64_t base);
