/* tests/unit/cpudriver/check_bootmem.c: the boot-time physical region allocator. */
#include <bootmem.h>
#include <stdlib.h>
#include <unit.h>

#define K 1024ull
#define M (1024 * K)

static struct bootmem bm;

static void setup(void) { bootmem_init(&bm); }

static void assert_region(unsigned i, uint64_t base, uint64_t end)
{
    ck_assert_uint_gt(bm.n, i);
    ck_assert_uint_eq(bm.r[i].base, base);
    ck_assert_uint_eq(bm.r[i].end, end);
}

START_TEST(test_add_rounds_inward_and_merges)
{
    ck_assert_uint_eq(bootmem_add(&bm, 0x1001, 0x3000), SYS_ERR_OK); // -> [0x2000, 0x4000)
    assert_region(0, 0x2000, 0x4000);
    ck_assert_uint_eq(bootmem_add(&bm, 0x4000, 0x1000), SYS_ERR_OK); // touches: merge
    assert_region(0, 0x2000, 0x5000);
    ck_assert_uint_eq(bootmem_add(&bm, 0x10000, 0x1000), SYS_ERR_OK);
    ck_assert_uint_eq(bootmem_add(&bm, 0x0, 0x800), SYS_ERR_OK); // under a page: ignored
    ck_assert_uint_eq(bm.n, 2);
    ck_assert_uint_eq(bootmem_add(&bm, 0x3000, 0x10000), SYS_ERR_OK); // bridges both
    ck_assert_uint_eq(bm.n, 1);
    assert_region(0, 0x2000, 0x13000);
    ck_assert_uint_eq(bootmem_free_bytes(&bm), 0x11000);
    ck_assert_uint_eq(bootmem_add(&bm, UINT64_MAX - 10, 100), SYS_ERR_OVERFLOW);
    // In the last page: rounding the base up wraps to 0, and nothing is added.
    ck_assert_uint_eq(bootmem_add(&bm, UINT64_MAX - 0x7ff, 0x100), SYS_ERR_OK);
    ck_assert_uint_eq(bm.n, 1);
    assert_region(0, 0x2000, 0x13000);
}
END_TEST

START_TEST(test_reserve_splits_trims_and_removes)
{
    ck_assert_uint_eq(bootmem_add(&bm, 0, 16 * M), SYS_ERR_OK);
    ck_assert_uint_eq(bootmem_reserve(&bm, 0, M), SYS_ERR_OK); // trim the front
    assert_region(0, M, 16 * M);
    ck_assert_uint_eq(bootmem_reserve(&bm, 4 * M + 1, 10), SYS_ERR_OK); // split, widened to a page
    assert_region(0, M, 4 * M);
    assert_region(1, 4 * M + 0x1000, 16 * M);
    ck_assert_uint_eq(bootmem_reserve(&bm, 15 * M, 2 * M), SYS_ERR_OK); // trim the back
    assert_region(1, 4 * M + 0x1000, 15 * M);
    ck_assert_uint_eq(bootmem_reserve(&bm, 0, 5 * M), SYS_ERR_OK); // swallow one, trim next
    ck_assert_uint_eq(bm.n, 1);
    assert_region(0, 5 * M, 15 * M);
    ck_assert_uint_eq(bootmem_reserve(&bm, UINT64_MAX - 5, 100), SYS_ERR_OK); // wraps: clamps
    ck_assert_uint_eq(bm.n, 1);
}
END_TEST

START_TEST(test_alloc_alignment_and_exhaustion)
{
    ck_assert_uint_eq(bootmem_add(&bm, 0x1000, 0x5000), SYS_ERR_OK); // [0x1000, 0x6000)
    uint64_t pa;
    ck_assert_uint_eq(bootmem_alloc(&bm, 1, 0x1000, &pa), SYS_ERR_OK);
    ck_assert_uint_eq(pa, 0x1000);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0x1000, 0x4000, &pa), SYS_ERR_OK);
    ck_assert_uint_eq(pa, 0x4000);
    ck_assert_uint_eq(bm.allocated, 0x2000);
    // [0x2000, 0x4000) and [0x5000, 0x6000) remain.
    ck_assert_uint_eq(bootmem_free_bytes(&bm), 0x3000);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0x3000, 0x1000, &pa), SYS_ERR_NO_MEMORY);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0x2000, 0x1000, &pa), SYS_ERR_OK);
    ck_assert_uint_eq(pa, 0x2000);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0, 0x1000, &pa), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0x1000, 0x1800, &pa), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(bootmem_alloc(&bm, 0x1000, 0x800, &pa), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(bootmem_alloc(&bm, UINT64_MAX, 0x1000, &pa), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_region_table_full)
{
    for (unsigned i = 0; i < BOOTMEM_MAX_REGIONS; i++)
        ck_assert_uint_eq(bootmem_add(&bm, i * 0x10000, 0x1000), SYS_ERR_OK);
    ck_assert_uint_eq(bootmem_add(&bm, 0x10000000, 0x1000), SYS_ERR_NO_MEMORY);
    ck_assert_uint_eq(bm.n, BOOTMEM_MAX_REGIONS);
}
END_TEST

// Random adds, reserves and allocations against a page bitmap.
START_TEST(test_random_against_bitmap)
{
    enum { PAGES = 512 };
    static unsigned char model[PAGES];
    srandom(1234);
    for (int round = 0; round < 200; round++) {
        bootmem_init(&bm);
        for (int p = 0; p < PAGES; p++)
            model[p] = 0;
        for (int op = 0; op < 40; op++) {
            uint64_t a = random() % PAGES, n = 1 + random() % 32;
            if (a + n > PAGES)
                n = PAGES - a;
            int kind = random() % 3;
            if (kind == 0 && err_is_ok(bootmem_add(&bm, a * 4096, n * 4096))) {
                for (uint64_t p = a; p < a + n; p++)
                    model[p] = 1;
            } else if (kind == 1 && err_is_ok(bootmem_reserve(&bm, a * 4096, n * 4096))) {
                for (uint64_t p = a; p < a + n; p++)
                    model[p] = 0;
            } else if (kind == 2) {
                uint64_t pa;
                if (err_is_ok(bootmem_alloc(&bm, n * 4096, 4096, &pa))) {
                    for (uint64_t p = pa / 4096; p < pa / 4096 + n; p++) {
                        ck_assert_msg(model[p], "allocated page %lu was not free", p);
                        model[p] = 0;
                    }
                }
            }
            // The region list is sorted, disjoint, non-adjacent and equals the model.
            uint64_t free = 0;
            for (unsigned i = 0; i < bm.n; i++) {
                ck_assert_uint_lt(bm.r[i].base, bm.r[i].end);
                if (i > 0)
                    ck_assert_uint_lt(bm.r[i - 1].end, bm.r[i].base); // merged if touching
                for (uint64_t p = bm.r[i].base / 4096; p < bm.r[i].end / 4096; p++)
                    ck_assert(model[p]);
            }
            for (int p = 0; p < PAGES; p++)
                free += model[p];
            ck_assert_uint_eq(bootmem_free_bytes(&bm), free * 4096);
        }
    }
}
END_TEST

static Suite *bootmem_suite(void)
{
    Suite *s = suite_create("bootmem");
    TCase *tc = tcase_create("bootmem");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_add_rounds_inward_and_merges);
    tcase_add_test(tc, test_reserve_splits_trims_and_removes);
    tcase_add_test(tc, test_alloc_alignment_and_exhaustion);
    tcase_add_test(tc, test_region_table_full);
    tcase_add_test(tc, test_random_against_bitmap);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(bootmem_suite)
