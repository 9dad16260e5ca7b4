/* lib/c/include/sietch/malloc.h: Sietch's heap statistics and heap checker. */
#pragma once

#include <stddef.h>

// A snapshot of the heap. Sizes are of whole blocks, 16-byte headers
// included, so heap == in_use + free + overhead always holds.
struct malloc_stats {
    size_t in_use;   // bytes in allocated blocks
    size_t free;     // bytes in free blocks
    size_t peak;     // the highest in_use so far
    size_t heap;     // bytes obtained from libc_sys_morecore (never given back)
    size_t overhead; // chunk headers and end fences
    size_t allocs;   // blocks allocated now
};

// Fill *out with the current statistics.
void malloc_get_stats(struct malloc_stats *out);

// Walk the whole heap and check every invariant: block headers, boundary
// tags, no two free blocks adjacent, free lists and their bitmap, the
// statistics. Returns NULL when all holds, else a description of the first
// problem found. Takes time proportional to the heap: for tests.
const char *malloc_check_heap(void);
