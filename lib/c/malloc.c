/* lib/c/malloc.c: the heap: segregated free lists with boundary tags and coalescing. */
#include <errno.h>
#include <sietch/malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

// The heap is a list of chunks of memory from libc_sys_morecore, each cut
// into blocks that tile it exactly:
//
//   chunk       [struct mchunk][block][block]...[block][fence]
//   used block  [struct mhdr][payload .......................]
//   free block  [struct mhdr][next][prev] ........ [size: footer]
//
// Block sizes include the 16-byte header and are multiples of 16, so every
// payload is 16-aligned. A free block ends with its size (the boundary
// tag), and the header after it has PREV_FREE set: free() finds the block
// before its own through that tag and merges with it. Free neighbours are
// always merged, so no two free blocks are adjacent. The fence is a header
// that ends the chunk and is never free, so merging stops there. Free
// blocks sit in bins by size: exact bins every 16 bytes below 1 KiB, then
// one bin per power of two, with a bitmap of the bins that hold anything.

#define ALIGN       16
#define HDR         16
#define MIN_BLOCK   48 // header, two links and the footer
#define PAGE        4096
#define CHUNK_MIN   (64 * 1024)
#define REQUEST_MAX ((size_t)1 << 46) // larger requests fail with ENOMEM at once
#define PREV_FREE   ((size_t)1)
#define SIZE_FLAGS  ((size_t)ALIGN - 1)

#define MAGIC_USED  0x55534544u // "USED"
#define MAGIC_FREE  0x46524545u // "FREE"
#define MAGIC_FENCE 0x46454e43u // "FENC"

#define SMALL_BINS 64 // bins 0..63: block size / 16, below 1 KiB
#define NBINS      128

struct mhdr {
    size_t size;    // block bytes, header included, | PREV_FREE
    uint32_t magic; // MAGIC_*: what this block is
    uint32_t unused;
};
_Static_assert(sizeof(struct mhdr) == HDR, "payloads must stay 16-aligned");

struct mfree {
    struct mhdr h;
    struct mfree *next, *prev;
};

struct mchunk {
    struct mchunk *next;
    size_t size; // bytes from the chunk's start to the end of its fence
};
_Static_assert(sizeof(struct mchunk) == ALIGN, "the first block must be 16-aligned");

static struct {
    struct mfree *bins[NBINS];
    uint64_t nonempty[NBINS / 64];
    struct mchunk *chunks; // newest first
    uintptr_t lo, hi;      // the span of all chunks: the cheap pointer check
    struct malloc_stats st;
} heap;

static size_t bsize(const struct mhdr *h) { return h->size & ~SIZE_FLAGS; }

static struct mhdr *at_offset(struct mhdr *h, size_t off)
{
    return (struct mhdr *)((char *)h + off);
}

static struct mhdr *after(struct mhdr *h) { return at_offset(h, bsize(h)); }

static size_t *footer(struct mhdr *h) { return (size_t *)((char *)h + bsize(h)) - 1; }

// The free block before h (h has PREV_FREE), found by its footer.
static struct mhdr *before(struct mhdr *h)
{
    return (struct mhdr *)((char *)h - ((size_t *)h)[-1]);
}

// --- Bins.

static int bin_of(size_t size)
{
    if (size < SMALL_BINS * ALIGN)
        return size / ALIGN;
    int log2 = 63 - __builtin_clzl(size);
    return SMALL_BINS + log2 - 10;
}

static void bin_insert(struct mhdr *h)
{
    struct mfree *f = (struct mfree *)h;
    int b = bin_of(bsize(h));
    f->prev = NULL;
    f->next = heap.bins[b];
    if (f->next)
        f->next->prev = f;
    heap.bins[b] = f;
    heap.nonempty[b / 64] |= 1ull << (b % 64);
    heap.st.free += bsize(h);
}

static void bin_remove(struct mfree *f)
{
    int b = bin_of(bsize(&f->h));
    if (f->prev)
        f->prev->next = f->next;
    else
        heap.bins[b] = f->next;
    if (f->next)
        f->next->prev = f->prev;
    if (!heap.bins[b])
        heap.nonempty[b / 64] &= ~(1ull << (b % 64));
    heap.st.free -= bsize(&f->h);
}

// The first bin at or above from that holds a block, or -1.
static int first_nonempty(int from)
{
    for (int w = from / 64; w < NBINS / 64; w++) {
        uint64_t bits = heap.nonempty[w];
        if (w == from / 64)
            bits &= ~0ull << (from % 64);
        if (bits)
            return w * 64 + __builtin_ctzll(bits);
    }
    return -1;
}

// A free block of at least need bytes, or NULL. Power-of-two bins hold
// blocks of different sizes and are searched first-fit; any block in a
// higher bin is big enough.
static struct mfree *find_fit(size_t need)
{
    int b = bin_of(need);
    if (b >= SMALL_BINS) {
        for (struct mfree *f = heap.bins[b]; f; f = f->next) {
            if (bsize(&f->h) >= need)
                return f;
        }
        b++;
    }
    b = first_nonempty(b);
    return b < 0 ? NULL : heap.bins[b];
}

// --- Blocks.

// Make the region h (bsize(h) bytes, PREV_FREE right, in no bin, not
// counted as in use) a free block, merged with free neighbours.
static void release(struct mhdr *h)
{
    size_t size = bsize(h);
    // Also marks h's header as freed when it is merged into the block
    // before, so that a second free() of it is still recognized.
    h->magic = MAGIC_FREE;
    if (h->size & PREV_FREE) {
        struct mhdr *prev = before(h);
        bin_remove((struct mfree *)prev);
        size += bsize(prev);
        h = prev;
    }
    struct mhdr *next = at_offset(h, size);
    if (next->magic == MAGIC_FREE) {
        bin_remove((struct mfree *)next);
        size += bsize(next);
        next = at_offset(h, size);
    }
    h->size = size; // the block before a free block is never free
    h->magic = MAGIC_FREE;
    *footer(h) = size;
    next->size |= PREV_FREE;
    bin_insert(h);
}

// Note the peak once a call's blocks have their final sizes, so that a
// block briefly larger before a trim does not count.
static void note_peak(void)
{
    if (heap.st.in_use > heap.st.peak)
        heap.st.peak = heap.st.in_use;
}

// Cut the used block h down to keep bytes when the rest can be a block of
// its own, and free the rest.
static void shrink_block(struct mhdr *h, size_t keep)
{
    size_t size = bsize(h);
    if (size - keep < MIN_BLOCK)
        return;
    struct mhdr *tail = at_offset(h, keep);
    tail->size = size - keep; // h, before it, is used
    h->size = keep | (h->size & PREV_FREE);
    heap.st.in_use -= size - keep;
    release(tail);
}

// Get a new chunk of at least need usable bytes from the system, or extend
// the newest chunk when the new memory directly follows it. The heap grows
// by a quarter of its size at least, so a program that allocates many
// small blocks asks the system a few dozen times, not once per CHUNK_MIN
// (the system keeps a bounded table of what it gave); when that much is
// not to be had, exactly what is needed is asked for.
static bool grow(size_t need)
{
    size_t bytes = (need + sizeof(struct mchunk) + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
    if (bytes < CHUNK_MIN)
        bytes = CHUNK_MIN;
    size_t ahead = (heap.st.heap / 4 + PAGE - 1) & ~(size_t)(PAGE - 1);
    char *mem = NULL;
    if (ahead > bytes && (mem = libc_sys_morecore(ahead)) != NULL)
        bytes = ahead;
    else
        mem = libc_sys_morecore(bytes);
    if (!mem)
        return false;
    if ((uintptr_t)mem % PAGE != 0)
        libc_fatal("malloc: libc_sys_morecore returned %p, not page-aligned", (void *)mem);
    struct mchunk *last = heap.chunks;
    struct mhdr *h;
    if (last && mem == (char *)last + last->size) {
        // The old fence becomes the header of the new free block.
        h = (struct mhdr *)(mem - HDR);
        h->size = bytes | (h->size & PREV_FREE);
        last->size += bytes;
    } else {
        struct mchunk *c = (struct mchunk *)mem;
        c->next = heap.chunks;
        c->size = bytes;
        heap.chunks = c;
        h = (struct mhdr *)(c + 1);
        h->size = bytes - sizeof(*c) - HDR;
        heap.st.overhead += sizeof(*c) + HDR;
    }
    struct mhdr *fence = (struct mhdr *)(mem + bytes - HDR);
    fence->size = HDR;
    fence->magic = MAGIC_FENCE;
    heap.st.heap += bytes;
    if (!heap.lo || (uintptr_t)mem < heap.lo)
        heap.lo = (uintptr_t)mem;
    if ((uintptr_t)mem + bytes > heap.hi)
        heap.hi = (uintptr_t)mem + bytes;
    release(h);
    return true;
}

// A used block of at least need bytes, or NULL when the system has no more
// memory. Lock held.
static struct mhdr *alloc_block(size_t need)
{
    struct mfree *f = find_fit(need);
    if (!f && grow(need))
        f = find_fit(need);
    if (!f)
        return NULL;
    bin_remove(f);
    struct mhdr *h = &f->h;
    h->magic = MAGIC_USED;
    after(h)->size &= ~PREV_FREE;
    heap.st.in_use += bsize(h);
    heap.st.allocs++;
    shrink_block(h, need);
    return h;
}

// The block size for a request of size bytes; false when it is too large
// to ever be met.
static bool block_size(size_t size, size_t *need)
{
    if (size > REQUEST_MAX)
        return false;
    size_t n = (size + HDR + ALIGN - 1) & ~SIZE_FLAGS;
    *need = n < MIN_BLOCK ? MIN_BLOCK : n;
    return true;
}

// The used block of payload p, after the checks that are cheap: p lies in
// the heap, is aligned, has a used block's header, and the headers around
// it are sane. Anything else ends the program with a message. Lock held.
static struct mhdr *block_of(void *p, const char *fn)
{
    uintptr_t a = (uintptr_t)p;
    if (a % ALIGN != 0 || a < heap.lo + sizeof(struct mchunk) + HDR || a >= heap.hi)
        libc_fatal("%s(%p): not a pointer from malloc", fn, p);
    struct mhdr *h = (struct mhdr *)p - 1;
    if (h->magic == MAGIC_FREE)
        libc_fatal("%s(%p): block already freed (double free?)", fn, p);
    if (h->magic != MAGIC_USED)
        libc_fatal("%s(%p): not a pointer from malloc (no block header)", fn, p);
    size_t size = bsize(h);
    if (size < MIN_BLOCK || size > heap.hi - (uintptr_t)h)
        libc_fatal("%s(%p): block header overwritten", fn, p);
    struct mhdr *next = after(h);
    uint32_t m = next->magic;
    if ((m != MAGIC_USED && m != MAGIC_FREE && m != MAGIC_FENCE) || (next->size & PREV_FREE))
        libc_fatal("%s(%p): heap corrupted after the block (written past its end?)", fn, p);
    if (h->size & PREV_FREE) {
        struct mhdr *prev = before(h);
        if ((uintptr_t)prev < heap.lo || prev->magic != MAGIC_FREE ||
            bsize(prev) != ((size_t *)h)[-1])
            libc_fatal("%s(%p): heap corrupted before the block", fn, p);
    }
    return h;
}

// --- The C interface.

void *malloc(size_t size)
{
    size_t need;
    struct mhdr *h = NULL;
    if (block_size(size, &need)) {
        libc_lock(LIBC_LOCK_MALLOC);
        h = alloc_block(need);
        note_peak();
        libc_unlock(LIBC_LOCK_MALLOC);
    }
    if (!h) {
        errno = ENOMEM;
        return NULL;
    }
    return h + 1;
}

void free(void *p)
{
    if (!p)
        return;
    libc_lock(LIBC_LOCK_MALLOC);
    struct mhdr *h = block_of(p, "free");
    heap.st.in_use -= bsize(h);
    heap.st.allocs--;
    release(h);
    libc_unlock(LIBC_LOCK_MALLOC);
}

void *calloc(size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(nmemb * size);
    if (p)
        memset(p, 0, nmemb * size);
    return p;
}

// Resize the used block h to need bytes where it lies, taking in the free
// block after it when growing. False when it cannot grow in place.
static bool resize(struct mhdr *h, size_t need)
{
    struct mhdr *next = after(h);
    if (need > bsize(h) && next->magic == MAGIC_FREE && bsize(h) + bsize(next) >= need) {
        bin_remove((struct mfree *)next);
        heap.st.in_use += bsize(next);
        h->size += bsize(next);
        after(h)->size &= ~PREV_FREE;
    }
    if (need > bsize(h))
        return false;
    shrink_block(h, need);
    return true;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    size_t need;
    if (!block_size(size, &need)) {
        errno = ENOMEM;
        return NULL;
    }
    libc_lock(LIBC_LOCK_MALLOC);
    struct mhdr *h = block_of(p, "realloc");
    size_t old = bsize(h) - HDR;
    bool in_place = resize(h, need);
    note_peak();
    libc_unlock(LIBC_LOCK_MALLOC);
    if (in_place)
        return p;
    void *q = malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, old); // old < size: it did not fit in place
    free(p);
    return q;
}

// Move the payload of the used block h up to a multiple of align, freeing
// the bytes before it, and trim the block to need. h has room for need,
// align and a minimal block besides.
static struct mhdr *align_block(struct mhdr *h, size_t align, size_t need)
{
    uintptr_t payload = (uintptr_t)(h + 1);
    uintptr_t want = (payload + align - 1) & ~(uintptr_t)(align - 1);
    if (want != payload) {
        // The bytes skipped must be able to form a free block.
        if (want - payload < MIN_BLOCK)
            want += align;
        size_t front = want - payload;
        struct mhdr *a = (struct mhdr *)want - 1;
        a->size = bsize(h) - front;
        a->magic = MAGIC_USED;
        h->size = front | (h->size & PREV_FREE);
        heap.st.in_use -= front;
        release(h);
        h = a;
    }
    shrink_block(h, need);
    return h;
}

void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= ALIGN)
        return malloc(size);
    size_t need;
    struct mhdr *h = NULL;
    if (align <= REQUEST_MAX && block_size(size, &need)) {
        libc_lock(LIBC_LOCK_MALLOC);
        h = alloc_block(need + align + MIN_BLOCK);
        if (h)
            h = align_block(h, align, need);
        note_peak();
        libc_unlock(LIBC_LOCK_MALLOC);
    }
    if (!h) {
        errno = ENOMEM;
        return NULL;
    }
    return h + 1;
}

int posix_memalign(void **memptr, size_t align, size_t size)
{
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = aligned_alloc(align, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

// --- Statistics and checking.

void malloc_get_stats(struct malloc_stats *out)
{
    libc_lock(LIBC_LOCK_MALLOC);
    *out = heap.st;
    libc_unlock(LIBC_LOCK_MALLOC);
}

// Walk the blocks of chunk c, adding them up in *sum (in_use, free,
// allocs) and counting free blocks in *nfree.
static const char *check_chunk(struct mchunk *c, struct malloc_stats *sum, size_t *nfree)
{
    struct mhdr *fence = (struct mhdr *)((char *)c + c->size - HDR);
    bool prev_free = false;
    struct mhdr *h = (struct mhdr *)(c + 1);
    for (; h < fence; h = after(h)) {
        size_t size = bsize(h);
        if (size < MIN_BLOCK || size % ALIGN || (char *)h + size > (char *)fence)
            return "block size out of range";
        if (((h->size & PREV_FREE) != 0) != prev_free)
            return "PREV_FREE flag disagrees with the block before";
        if (h->magic == MAGIC_USED) {
            sum->in_use += size;
            sum->allocs++;
        } else if (h->magic == MAGIC_FREE) {
            if (prev_free)
                return "two adjacent free blocks";
            if (*footer(h) != size)
                return "free block's footer differs from its header";
            sum->free += size;
            (*nfree)++;
        } else {
            return "bad block magic";
        }
        prev_free = h->magic == MAGIC_FREE;
    }
    if (h != fence || fence->magic != MAGIC_FENCE || bsize(fence) != HDR)
        return "chunk fence missing or overwritten";
    if (((fence->size & PREV_FREE) != 0) != prev_free)
        return "PREV_FREE flag of the fence disagrees with the last block";
    return NULL;
}

// Check every bin's list and the bitmap; count the blocks and bytes.
static const char *check_bins(size_t *nfree, size_t *free_bytes)
{
    for (int b = 0; b < NBINS; b++) {
        bool bit = (heap.nonempty[b / 64] >> (b % 64)) & 1;
        if (bit != (heap.bins[b] != NULL))
            return "bin bitmap disagrees with the bins";
        struct mfree *prev = NULL;
        for (struct mfree *f = heap.bins[b]; f; prev = f, f = f->next) {
            if (f->h.magic != MAGIC_FREE || bin_of(bsize(&f->h)) != b)
                return "a bin holds a block that does not belong there";
            if (f->prev != prev)
                return "broken back link in a bin";
            (*nfree)++;
            *free_bytes += bsize(&f->h);
        }
    }
    return NULL;
}

static const char *check_locked(void)
{
    struct malloc_stats sum = {0};
    size_t walked_free = 0, binned_free = 0, binned_bytes = 0, chunk_bytes = 0;
    for (struct mchunk *c = heap.chunks; c; c = c->next) {
        const char *err = check_chunk(c, &sum, &walked_free);
        if (err)
            return err;
        chunk_bytes += c->size;
    }
    const char *err = check_bins(&binned_free, &binned_bytes);
    if (err)
        return err;
    if (walked_free != binned_free || sum.free != binned_bytes)
        return "free blocks in the heap and in the bins differ";
    const struct malloc_stats *st = &heap.st;
    if (sum.in_use != st->in_use || sum.free != st->free || sum.allocs != st->allocs)
        return "statistics disagree with the heap";
    if (chunk_bytes != st->heap || st->heap != st->in_use + st->free + st->overhead)
        return "heap size disagrees with the chunks";
    if (st->peak < st->in_use)
        return "peak below current use";
    return NULL;
}

const char *malloc_check_heap(void)
{
    libc_lock(LIBC_LOCK_MALLOC);
    const char *err = check_locked();
    libc_unlock(LIBC_LOCK_MALLOC);
    return err;
}
