/* lib/os/kv/mem.c: the engine's allocator: dataset blocks counted for used_memory and maxmemory. */
#include "kv_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Redis ends the program when the heap is exhausted (zmalloc's OOM
// handler): every caller then can assume success, and maxmemory is the
// limit that fails gracefully.
static void *check(void *p, size_t n)
{
    if (p == NULL && n != 0) {
        fprintf(stderr, "kv: out of memory allocating %zu bytes\n", n);
        abort();
    }
    return p;
}

void *kv_xalloc(size_t n) { return check(malloc(n), n); }
void *kv_xrealloc(void *p, size_t n) { return check(realloc(p, n), n); }

// Each counted block starts with its size, so kv_free knows what to subtract.
void *kv_alloc(struct kv_mem *m, size_t n)
{
    uint64_t *h = kv_xalloc(n + KV_ALLOC_OVERHEAD);
    h[0] = n;
    m->used += n + KV_ALLOC_OVERHEAD;
    return (char *)h + KV_ALLOC_OVERHEAD;
}

void *kv_realloc(struct kv_mem *m, void *p, size_t n)
{
    if (p == NULL)
        return kv_alloc(m, n);
    uint64_t *h = (uint64_t *)(void *)((char *)p - KV_ALLOC_OVERHEAD);
    uint64_t old = h[0];
    h = kv_xrealloc(h, n + KV_ALLOC_OVERHEAD);
    h[0] = n;
    m->used = m->used - old + n;
    return (char *)h + KV_ALLOC_OVERHEAD;
}

void kv_free(struct kv_mem *m, void *p)
{
    if (p == NULL)
        return;
    uint64_t *h = (uint64_t *)(void *)((char *)p - KV_ALLOC_OVERHEAD);
    m->used -= h[0] + KV_ALLOC_OVERHEAD;
    free(h);
}
