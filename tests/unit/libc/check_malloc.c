/* tests/unit/libc/check_malloc.c: lib/c's heap against a model, under random operations and abuse.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#include "libc_test.h"
#include "sietch/malloc.h"
#include "sys_host.h"

static struct malloc_stats stats(void)
{
    struct malloc_stats st;
    malloc_get_stats(&st);
    return st;
}

static void assert_heap_ok(void)
{
    const char *err = malloc_check_heap();
    ck_assert_msg(err == NULL, "heap check: %s", err);
}

// The pattern byte i of a block filled with seed: depends on the position,
// so a block copied to the wrong offset shows.
static unsigned char pattern(uint32_t seed, size_t i)
{
    return (unsigned char)((seed ^ (i * 2654435761u)) >> 7);
}

static void fill(unsigned char *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(seed, i);
}

static void verify(const unsigned char *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != pattern(seed, i))
            ck_abort_msg("block %p byte %zu of %zu overwritten", (const void *)p, i, n);
    }
}

START_TEST(test_basics)
{
    ck_assert_uint_eq(stats().heap, 0); // nothing asked of the system yet
    void *zero1 = sietch_malloc(0), *zero2 = sietch_malloc(0);
    ck_assert_ptr_nonnull(zero1);
    ck_assert_ptr_ne(zero1, zero2);
    sietch_free(NULL);
    for (size_t size = 1; size < 5000; size += size / 3 + 1) {
        unsigned char *p = sietch_malloc(size);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        fill(p, size, (uint32_t)size);
        verify(p, size, (uint32_t)size);
        assert_heap_ok();
        sietch_free(p);
    }
    sietch_free(zero1);
    sietch_free(zero2);
    struct malloc_stats st = stats();
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_uint_eq(st.allocs, 0);
    ck_assert_uint_eq(st.heap, 64 * 1024); // one chunk served it all
    ck_assert_uint_eq(st.free + st.overhead, st.heap);
    ck_assert_uint_eq(host_morecore_bad, 0);
    assert_heap_ok();
}
END_TEST

// --- The randomized test against a model of the live blocks.

#define SLOTS 300

struct slot {
    unsigned char *p;
    size_t size;
    uint32_t seed;
};

static struct slot live[SLOTS];

// Sizes from 1 byte to 1 MiB, spread evenly over the powers of two.
static size_t random_size(void) { return 1 + (size_t)rand() % ((size_t)1 << (rand() % 21)); }

// (Hot loops test with if and ck_abort_msg: every ck_assert costs Check a
// system call.)
static void check_no_overlap(int k)
{
    uintptr_t a = (uintptr_t)live[k].p, a_end = a + live[k].size;
    for (int j = 0; j < SLOTS; j++) {
        if (j == k || !live[j].p)
            continue;
        uintptr_t b = (uintptr_t)live[j].p, b_end = b + live[j].size;
        if (a_end > b && b_end > a)
            ck_abort_msg("blocks %d and %d overlap", k, j);
    }
}

static void new_block(int k)
{
    size_t size = random_size();
    int how = rand() % 8;
    unsigned char *p;
    size_t align = 16;
    if (how == 0) {
        p = sietch_calloc(1 + size / 8, 8);
        size = 1 + size / 8;
        size *= 8;
        ck_assert_ptr_nonnull(p);
        for (size_t i = 0; i < size; i++) {
            if (p[i] != 0)
                ck_abort_msg("calloc block not zero at %zu", i);
        }
    } else if (how == 1) {
        align = (size_t)32 << (rand() % 8);
        p = sietch_aligned_alloc(align, size);
    } else {
        p = sietch_malloc(size);
    }
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % align, 0);
    live[k] = (struct slot){p, size, (uint32_t)rand()};
    fill(p, size, live[k].seed);
    check_no_overlap(k);
}

// The most the heap can have held at once: after each call, and during a
// realloc that moves, the old block and the new one (request + header,
// rounded to 16, and at most a 47-byte remainder too small to split off).
static size_t peak_bound;

static void resize_block(int k)
{
    struct slot *s = &live[k];
    size_t size = rand() % 2 ? random_size() : s->size + rand() % 4096; // often a small growth
    size_t in_use_before = stats().in_use;
    unsigned char *p = sietch_realloc(s->p, size);
    if (p != s->p && in_use_before + size + 16 + 47 > peak_bound)
        peak_bound = in_use_before + size + 16 + 47;
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    verify(p, size < s->size ? size : s->size, s->seed); // the common part survived
    *s = (struct slot){p, size, (uint32_t)rand()};
    fill(p, size, s->seed);
    check_no_overlap(k);
}

// Whole blocks cost at least their request plus a header, and at most
// that rounded up to 16 bytes, or the 48-byte minimum block.
static void check_stats(void)
{
    size_t count = 0, lo = 0, hi = 0;
    for (int k = 0; k < SLOTS; k++) {
        if (!live[k].p)
            continue;
        count++;
        lo += live[k].size + 16;
        hi += live[k].size + 16 + 47;
    }
    struct malloc_stats st = stats();
    ck_assert_uint_eq(st.allocs, count);
    ck_assert_uint_ge(st.in_use, lo);
    ck_assert_uint_le(st.in_use, hi);
    ck_assert_uint_ge(st.peak, st.in_use);
    ck_assert_uint_eq(st.heap, st.in_use + st.free + st.overhead);
}

static void stress(unsigned seed, int steps)
{
    srand(seed);
    memset(live, 0, sizeof(live));
    size_t peak_seen = 0;
    peak_bound = 0;
    for (int step = 0; step < steps; step++) {
        int k = rand() % SLOTS;
        if (!live[k].p) {
            new_block(k);
        } else if (rand() % 3 == 0) {
            resize_block(k);
        } else {
            verify(live[k].p, live[k].size, live[k].seed);
            sietch_free(live[k].p);
            live[k].p = NULL;
        }
        size_t in_use = stats().in_use;
        peak_seen = in_use > peak_seen ? in_use : peak_seen;
        if (step % 500 == 0) {
            assert_heap_ok();
            check_stats();
        }
    }
    for (int k = 0; k < SLOTS; k++) {
        if (live[k].p) {
            verify(live[k].p, live[k].size, live[k].seed);
            sietch_free(live[k].p);
        }
    }
    struct malloc_stats st = stats();
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_uint_eq(st.allocs, 0);
    ck_assert_uint_ge(st.peak, peak_seen);
    ck_assert_uint_le(st.peak, peak_bound > peak_seen ? peak_bound : peak_seen);
    ck_assert_uint_eq(st.free + st.overhead, st.heap);
    ck_assert_uint_eq(host_morecore_bad, 0);
    assert_heap_ok();
}

START_TEST(test_stress_contiguous)
{
    stress(11, 20000);
    // The system's memory came back contiguous: one chunk, merged each time.
    ck_assert_uint_eq(stats().overhead, 32);
    ck_assert_uint_gt(host_morecore_calls, 1);
}
END_TEST

START_TEST(test_stress_scattered)
{
    host_heap_gaps(true); // no two pieces of memory adjacent
    stress(12, 20000);
    ck_assert_uint_eq(stats().overhead, 32 * host_morecore_calls);
}
END_TEST

// --- Specific behaviours.

START_TEST(test_coalescing)
{
    // Three neighbours freed in the worst order: the middle one last must
    // merge with both sides.
    unsigned char *a = sietch_malloc(1000), *b = sietch_malloc(1000), *c = sietch_malloc(1000);
    ck_assert_ptr_eq(b, a + 1024); // 1000 + header, rounded to 16
    ck_assert_ptr_eq(c, b + 1024);
    size_t heap = stats().heap;
    sietch_free(a);
    sietch_free(c);
    assert_heap_ok();
    sietch_free(b);
    assert_heap_ok();
    // One free block again: all of the chunk but its header and fence.
    struct malloc_stats st = stats();
    ck_assert_uint_eq(st.free, heap - 32);
    unsigned char *big = sietch_malloc(heap - 32 - 16);
    ck_assert_ptr_eq(big, a);
    ck_assert_uint_eq(stats().heap, heap); // no new memory needed
}
END_TEST

START_TEST(test_realloc)
{
    unsigned char *p = sietch_realloc(NULL, 100); // malloc
    ck_assert_ptr_nonnull(p);
    fill(p, 100, 1);
    // Growing into the free space after it: in place.
    unsigned char *q = sietch_realloc(p, 3000);
    ck_assert_ptr_eq(q, p);
    verify(q, 100, 1);
    fill(q, 3000, 2);
    // Shrinking: in place, and the tail is free again.
    size_t in_use = stats().in_use;
    q = sietch_realloc(q, 200);
    ck_assert_ptr_eq(q, p);
    verify(q, 200, 2);
    ck_assert_uint_eq(stats().in_use, in_use - (3024 - 224));
    // Blocked by a neighbour: moved, contents kept, old block freed.
    unsigned char *wall = sietch_malloc(16);
    ck_assert_ptr_eq(wall, q + 224);
    unsigned char *moved = sietch_realloc(q, 5000);
    ck_assert_ptr_ne(moved, q);
    verify(moved, 200, 2);
    ck_assert_uint_eq(stats().allocs, 2);
    // Size 0: a minimal block, still valid.
    unsigned char *tiny = sietch_realloc(moved, 0);
    ck_assert_ptr_eq(tiny, moved);
    // Impossible sizes: NULL, ENOMEM, the block untouched.
    fill(wall, 16, 3);
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_realloc(wall, SIZE_MAX - 8));
    ck_assert_int_eq(sietch_errno, ENOMEM);
    verify(wall, 16, 3);
    assert_heap_ok();
    sietch_free(wall);
    sietch_free(tiny);
    ck_assert_uint_eq(stats().in_use, 0);
}
END_TEST

START_TEST(test_calloc)
{
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_calloc(SIZE_MAX / 2 + 1, 2)); // the product overflows
    ck_assert_int_eq(sietch_errno, ENOMEM);
    ck_assert_ptr_null(sietch_calloc((size_t)1 << 33, (size_t)1 << 33));
    ck_assert_ptr_null(sietch_calloc(2, SIZE_MAX));
    ck_assert_uint_eq(host_morecore_calls, 0); // refused before asking the system
    void *none = sietch_calloc(0, 100);
    ck_assert_ptr_nonnull(none);
    // Reused memory is zeroed too.
    unsigned char *p = sietch_malloc(4000);
    memset(p, 0xff, 4000);
    sietch_free(p);
    unsigned char *z = sietch_calloc(1000, 4);
    ck_assert_ptr_eq(z, p);
    for (int i = 0; i < 4000; i++)
        ck_assert_int_eq(z[i], 0);
}
END_TEST

START_TEST(test_impossible_sizes)
{
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_malloc(SIZE_MAX));
    ck_assert_int_eq(sietch_errno, ENOMEM);
    ck_assert_ptr_null(sietch_malloc((size_t)1 << 47));
    ck_assert_ptr_null(sietch_aligned_alloc(64, SIZE_MAX - 100));
    ck_assert_ptr_null(sietch_aligned_alloc((size_t)1 << 62, 16));
    ck_assert_uint_eq(host_morecore_calls, 0);
}
END_TEST

START_TEST(test_out_of_memory)
{
    host_heap_limit(1 << 20);
    void *blocks[64];
    int n = 0;
    while (n < 64 && (blocks[n] = sietch_malloc(60000)) != NULL)
        n++;
    ck_assert_int_ge(n, 15); // about 1 MiB of 60000-byte blocks fit
    ck_assert_int_lt(n, 64);
    ck_assert_int_eq(sietch_errno, ENOMEM);
    assert_heap_ok();
    // Freed memory serves again, without the system.
    unsigned calls = host_morecore_calls;
    for (int i = 0; i < n; i++)
        sietch_free(blocks[i]);
    void *again = sietch_malloc(500000);
    ck_assert_ptr_nonnull(again);
    ck_assert_uint_eq(host_morecore_calls, calls);
    assert_heap_ok();
}
END_TEST

START_TEST(test_aligned)
{
    for (size_t align = 1; align <= 65536; align *= 2) {
        for (size_t size = 1; size < 20000; size = size * 3 + 1) {
            void *p = sietch_aligned_alloc(align, size);
            ck_assert_ptr_nonnull(p);
            ck_assert_uint_eq((uintptr_t)p % (align < 16 ? 16 : align), 0);
            memset(p, 0x5a, size);
            void *q = NULL;
            ck_assert_int_eq(sietch_posix_memalign(&q, align < 8 ? 8 : align, size), 0);
            ck_assert_uint_eq((uintptr_t)q % align, 0);
            memset(q, 0xa5, size);
            assert_heap_ok();
            sietch_free(p);
            sietch_free(q);
        }
    }
    ck_assert_uint_eq(stats().in_use, 0);
    assert_heap_ok();
    const size_t bad[] = {0, 3, 48, 100};
    for (size_t i = 0; i < 4; i++) {
        sietch_errno = 0;
        ck_assert_ptr_null(sietch_aligned_alloc(bad[i], 64));
        ck_assert_int_eq(sietch_errno, EINVAL);
    }
    void *q = &q;
    sietch_errno = 0;
    ck_assert_int_eq(sietch_posix_memalign(&q, 4, 64), EINVAL); // not a multiple of void *
    ck_assert_int_eq(sietch_posix_memalign(&q, 24, 64), EINVAL);
    ck_assert_int_eq(sietch_posix_memalign(&q, 64, SIZE_MAX), ENOMEM);
    ck_assert_ptr_eq(q, &q); // untouched on failure
    ck_assert_int_eq(sietch_errno, 0);
}
END_TEST

START_TEST(test_chunk_requests)
{
    sietch_free(sietch_malloc(10));
    ck_assert_uint_eq(host_morecore_calls, 1);
    ck_assert_uint_eq(stats().heap, 64 * 1024);
    void *big = sietch_malloc(1 << 20);
    ck_assert_ptr_nonnull(big);
    struct malloc_stats st = stats();
    ck_assert_uint_eq(st.heap % 4096, 0);
    ck_assert_uint_ge(st.heap, 64 * 1024 + (1 << 20));
    ck_assert_uint_le(st.heap, 64 * 1024 + (1 << 20) + 4096);
    ck_assert_uint_eq(host_morecore_bad, 0);
}
END_TEST

START_TEST(test_heap_grows_geometrically)
{
    // 64 MiB in 64-byte blocks: the heap asks the system a few dozen
    // times (each time for a quarter of what it has), not a thousand.
    enum { N = (64 << 20) / 80 };
    static void *blocks[N];
    for (unsigned i = 0; i < N; i++) {
        blocks[i] = sietch_malloc(64);
        ck_assert_ptr_nonnull(blocks[i]);
        *(unsigned *)blocks[i] = i;
    }
    ck_assert_uint_le(host_morecore_calls, 40);
    ck_assert_uint_eq(host_morecore_bad, 0);
    for (unsigned i = 0; i < N; i++)
        ck_assert_uint_eq(*(unsigned *)blocks[i], i);
    struct malloc_stats st = stats();
    ck_assert_uint_le(st.heap, st.in_use + st.in_use / 4 + 64 * 1024 + st.overhead);
    // Near the end of memory, exactly what is needed is still to be had.
    host_heap_limit(stats().heap + 256 * 1024);
    ck_assert_ptr_nonnull(sietch_malloc(200 * 1024));
    for (unsigned i = 0; i < N; i++)
        sietch_free(blocks[i]);
    assert_heap_ok();
}
END_TEST

// --- Abuse: each ends the program through abort() with a message.

START_TEST(test_double_free)
{
    host_expect_abort("free(");
    void *p = sietch_malloc(100);
    sietch_malloc(100); // keeps p from merging with the rest
    sietch_free(p);
    host_expect_abort("block already freed (double free?)");
    sietch_free(p);
}
END_TEST

START_TEST(test_double_free_after_merge)
{
    // b merges into the free a before it; its old header must still say
    // "freed".
    void *a = sietch_malloc(100), *b = sietch_malloc(100);
    sietch_malloc(100);
    sietch_free(a);
    sietch_free(b);
    host_expect_abort("block already freed");
    sietch_free(b);
}
END_TEST

START_TEST(test_free_stack_pointer)
{
    sietch_free(sietch_malloc(8)); // a heap exists
    int local;
    host_expect_abort("not a pointer from malloc");
    sietch_free(&local);
}
END_TEST

START_TEST(test_free_misaligned)
{
    char *p = sietch_malloc(64);
    host_expect_abort("not a pointer from malloc");
    sietch_free(p + 1);
}
END_TEST

START_TEST(test_free_inside_block)
{
    char *p = sietch_malloc(256);
    memset(p, 0, 256);
    host_expect_abort("not a pointer from malloc (no block header)");
    sietch_free(p + 64);
}
END_TEST

START_TEST(test_overrun_detected)
{
    char *p = sietch_malloc(32);
    sietch_malloc(32);
    memset(p, 'x', 48 + 4); // past the block, over the next header
    host_expect_abort("heap corrupted after the block");
    sietch_free(p);
}
END_TEST

START_TEST(test_realloc_freed)
{
    char *p = sietch_malloc(32);
    sietch_malloc(32);
    sietch_free(p);
    host_expect_abort("realloc(");
    sietch_realloc(p, 64);
}
END_TEST

static Suite *malloc_suite(void)
{
    Suite *s = suite_create("libc_malloc");
    TCase *tc = tcase_create("malloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_basics);
    tcase_add_test(tc, test_stress_contiguous);
    tcase_add_test(tc, test_stress_scattered);
    tcase_add_test(tc, test_coalescing);
    tcase_add_test(tc, test_realloc);
    tcase_add_test(tc, test_calloc);
    tcase_add_test(tc, test_impossible_sizes);
    tcase_add_test(tc, test_out_of_memory);
    tcase_add_test(tc, test_aligned);
    tcase_add_test(tc, test_chunk_requests);
    tcase_add_test(tc, test_heap_grows_geometrically);
    tcase_add_test_raise_signal(tc, test_double_free, SIGABRT);
    tcase_add_test_raise_signal(tc, test_double_free_after_merge, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_stack_pointer, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_misaligned, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_inside_block, SIGABRT);
    tcase_add_test_raise_signal(tc, test_overrun_detected, SIGABRT);
    tcase_add_test_raise_signal(tc, test_realloc_freed, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(malloc_suite)
