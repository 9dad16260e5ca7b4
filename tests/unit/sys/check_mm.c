/* tests/unit/sys/check_mm.c: the RAM manager of mem_serv and the monitors (lib/sys/mm.c) over
 * a fake CSpace: first fit with alignment, splitting and merging free intervals, owners, and
 * memory held while other cores have copies; a random sequence against a page map; and the most
 * free intervals a region can have. */
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/mm.h>
#include <sys/slot.h>
#include <unit.h>

// ---- A fake CSpace: slot i is capref i + 1 (0 is NULL_CAP) ----

#define NSLOTS 8192

static struct fake_cap {
    bool used, full;
    uint8_t type;
    uint64_t base, bytes;
    bool exported; // a copy of it went to another core
} slots[NSLOTS];
static unsigned slots_hi; // every used slot is below it
static unsigned revokes, revokes_remote;

static struct fake_cap *fc(capref_t c)
{
    ck_assert_msg(c >= 1 && c <= NSLOTS, "capref %lu out of range", c);
    return &slots[c - 1];
}

errval_t slot_alloc(capref_t *ret)
{
    for (unsigned i = 0; i < NSLOTS; i++) {
        if (!slots[i].used) {
            slots[i] = (struct fake_cap){.used = true};
            *ret = i + 1;
            if (i + 1 > slots_hi)
                slots_hi = i + 1;
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NO_MEMORY;
}

void slot_free(capref_t slot)
{
    ck_assert_msg(!fc(slot)->full, "slot %lu freed with a cap in it", slot);
    fc(slot)->used = false;
}

errval_t cap_identify(capref_t cap, struct cap_info *info)
{
    if (!fc(cap)->full)
        return CAP_ERR_SLOT_EMPTY;
    *info =
        (struct cap_info){.type = fc(cap)->type, .bytes = fc(cap)->bytes, .base = fc(cap)->base};
    return SYS_ERR_OK;
}

errval_t cap_retype(capref_t dest, capref_t src, enum objtype type, uint64_t offset,
                    uint64_t objsize, uint64_t count)
{
    struct fake_cap *s = fc(src), *d = fc(dest);
    ck_assert(s->full && !d->full && count == 1 && type == ObjType_RAM);
    ck_assert_msg(offset + objsize <= s->bytes, "retype past the region");
    // No two live allocations overlap (the kernel would refuse). (A
    // ck_assert that passes costs a write to Check's pipe: not per slot.)
    uint64_t base = s->base + offset;
    for (unsigned i = 0; i < slots_hi; i++) {
        const struct fake_cap *o = &slots[i];
        if (o->full && o != s && o->bytes < s->bytes && base + objsize > o->base &&
            o->base + o->bytes > base)
            ck_abort_msg("%#lx+%#lx overlaps a live allocation at %#lx+%#lx", base, objsize,
                         o->base, o->bytes);
    }
    *d =
        (struct fake_cap){.used = true, .full = true, .type = type, .base = base, .bytes = objsize};
    return SYS_ERR_OK;
}

errval_t cap_delete(capref_t cap)
{
    if (!fc(cap)->full)
        return CAP_ERR_SLOT_EMPTY;
    if (fc(cap)->exported)
        return CAP_ERR_LAST_COPY_BUSY;
    fc(cap)->full = false;
    return SYS_ERR_OK;
}

void cap_destroy(capref_t cap)
{
    fc(cap)->full = false;
    fc(cap)->used = false;
}

errval_t cap_revoke_here(capref_t cap, bool *remote)
{
    revokes++;
    *remote = fc(cap)->exported;
    revokes_remote += *remote;
    return fc(cap)->full ? SYS_ERR_OK : CAP_ERR_SLOT_EMPTY;
}

// ---- Set-up ----

#define REGION_BASE  0x100000ull
#define REGION_BYTES (4ull << 20)

static struct mm m;

static capref_t region(uint64_t base, uint64_t bytes)
{
    capref_t c;
    ck_assert_uint_eq(slot_alloc(&c), SYS_ERR_OK);
    *fc(c) = (struct fake_cap){
        .used = true, .full = true, .type = ObjType_RAM, .base = base, .bytes = bytes};
    return c;
}

// A fresh mm over one region of bytes at REGION_BASE.
static void reset(uint64_t bytes)
{
    memset(slots, 0, sizeof(slots));
    slots_hi = 0;
    for (unsigned i = 0; i < m.nregions; i++)
        free(m.regions[i].free);
    free(m.allocs);
    free(m.held);
    memset(&m, 0, sizeof(m));
    revokes = revokes_remote = 0;
    ck_assert_uint_eq(mm_add(&m, region(REGION_BASE, bytes)), SYS_ERR_OK);
}

static void setup(void) { reset(REGION_BYTES); }

static uint64_t alloc_at(uint64_t pid, uint64_t bytes, uint64_t align)
{
    capref_t c;
    ck_assert_uint_eq(mm_alloc(&m, pid, bytes, align, &c), SYS_ERR_OK);
    ck_assert(fc(c)->full && fc(c)->bytes == bytes);
    return fc(c)->base;
}

// The one region's free intervals are exactly the runs of pages not used
// (page p at REGION_BASE + p * 4096), in order, and m.free counts them;
// the array holds them, and they are no more than the live allocations + 1.
static void check_intervals(const bool *used, uint64_t pages)
{
    const struct mm_region *r = &m.regions[0];
    ck_assert_msg(r->nfree <= r->cap_free, "%u intervals in an array of %u", r->nfree, r->cap_free);
    unsigned n = 0;
    uint64_t free_bytes = 0;
    for (uint64_t p = 0, q; p < pages; p = q) {
        for (q = p + 1; q < pages && used[q] == used[p]; q++)
            ;
        if (used[p])
            continue;
        if (n >= r->nfree || r->free[n].base != REGION_BASE + p * 4096 ||
            r->free[n].end != REGION_BASE + q * 4096)
            ck_abort_msg("free pages %lu..%lu are not interval %u (of %u)", p, q - 1, n, r->nfree);
        free_bytes += (q - p) * 4096;
        n++;
    }
    ck_assert_uint_eq(r->nfree, n);
    ck_assert_uint_eq(m.free, free_bytes);
    ck_assert_uint_le(r->nfree, r->live + 1);
}

// ---- Tests ----

START_TEST(test_first_fit_and_alignment)
{
    ck_assert_uint_eq(alloc_at(1, 4096, 4096), REGION_BASE);
    ck_assert_uint_eq(alloc_at(1, 8192, 4096), REGION_BASE + 4096);
    // 64 KiB aligned: the first such address past what is taken; the gap
    // before it stays free and is used by the next small allocation.
    ck_assert_uint_eq(alloc_at(2, 65536, 65536), REGION_BASE + 65536);
    ck_assert_uint_eq(alloc_at(2, 4096, 4096), REGION_BASE + 12288);
    ck_assert_uint_eq(m.free, REGION_BYTES - 4096 - 8192 - 65536 - 4096);
    ck_assert_uint_eq(mm_usage(&m, 1), 12288);
    ck_assert_uint_eq(mm_usage(&m, 2), 65536 + 4096);
}
END_TEST

START_TEST(test_bad_requests)
{
    capref_t c;
    ck_assert_uint_eq(mm_alloc(&m, 1, 0, 4096, &c), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(mm_alloc(&m, 1, 100, 4096, &c), SYS_ERR_INVALID_ARGS);   // not pages
    ck_assert_uint_eq(mm_alloc(&m, 1, 4096, 2048, &c), SYS_ERR_INVALID_ARGS);  // below a page
    ck_assert_uint_eq(mm_alloc(&m, 1, 4096, 12288, &c), SYS_ERR_INVALID_ARGS); // not a power of 2
    ck_assert_uint_eq(mm_alloc(&m, 1, REGION_BYTES + 4096, 4096, &c), MM_ERR_NO_MEMORY);
    ck_assert_uint_eq(mm_alloc(&m, 1, 4096, 1ull << 40, &c), MM_ERR_NO_MEMORY);
    ck_assert_uint_eq(mm_free(&m, 1, REGION_BASE), MM_ERR_NOT_RAM); // nothing there
    uint64_t a = alloc_at(1, 4096, 4096);
    ck_assert_uint_eq(mm_free(&m, 2, a), MM_ERR_NOT_OWNER);
    ck_assert_uint_eq(mm_free(&m, 1, a + 4096), MM_ERR_NOT_RAM);
    ck_assert_uint_eq(mm_free(&m, MM_ANY, a), SYS_ERR_OK);
    ck_assert_uint_eq(m.free, REGION_BYTES);
    // Not RAM: refused as a region.
    capref_t f = region(0x10000000, 4096);
    fc(f)->type = ObjType_Frame;
    ck_assert_uint_eq(mm_add(&m, f), MM_ERR_NOT_RAM);
}
END_TEST

// Whatever the order of frees, the free list merges back to one interval.
START_TEST(test_merge_back)
{
    uint64_t a[16];
    for (unsigned i = 0; i < 16; i++)
        a[i] = alloc_at(1 + i % 3, 4096 * (1 + i % 4), 4096);
    unsigned order[16] = {5, 0, 15, 7, 3, 9, 1, 14, 11, 2, 13, 6, 10, 4, 12, 8};
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(mm_free(&m, MM_ANY, a[order[i]]), SYS_ERR_OK);
    ck_assert_uint_eq(m.regions[0].nfree, 1);
    ck_assert_uint_eq(m.regions[0].free[0].base, REGION_BASE);
    ck_assert_uint_eq(m.regions[0].free[0].end, REGION_BASE + REGION_BYTES);
    ck_assert_uint_eq(m.free, REGION_BYTES);
    ck_assert_uint_eq(m.nallocs, 0);
    ck_assert_uint_eq(revokes, 16);
}
END_TEST

START_TEST(test_free_all_and_regions)
{
    ck_assert_uint_eq(mm_add(&m, region(0x40000000, 1 << 20)), SYS_ERR_OK);
    ck_assert_uint_eq(m.total, REGION_BYTES + (1 << 20));
    // Larger than what is left in the first region: from the second.
    alloc_at(7, REGION_BYTES - 8192, 4096);
    ck_assert_uint_eq(alloc_at(7, 65536, 4096), 0x40000000);
    alloc_at(8, 4096, 4096);
    ck_assert_uint_eq(mm_free_all(&m, 7), REGION_BYTES - 8192 + 65536);
    ck_assert_uint_eq(mm_usage(&m, 7), 0);
    ck_assert_uint_eq(mm_usage(&m, 8), 4096);
    ck_assert_uint_eq(mm_free_all(&m, 7), 0);
}
END_TEST

// Memory a copy of which went to another core is held, not reused, until
// its copies there are gone.
START_TEST(test_held_until_released)
{
    capref_t c;
    ck_assert_uint_eq(mm_alloc(&m, 3, 8192, 4096, &c), SYS_ERR_OK);
    uint64_t a = fc(c)->base;
    ck_assert_uint_eq(mm_mark_exported(&m, a + 4096), SYS_ERR_OK); // any address inside
    ck_assert_uint_eq(mm_mark_exported(&m, a + 8192), MM_ERR_NOT_RAM);
    fc(c)->exported = true; // the kernel's mark on our copy
    ck_assert_uint_eq(mm_free_all(&m, 3), 8192);
    ck_assert_uint_eq(m.held_bytes, 8192);
    ck_assert_uint_eq(m.free, REGION_BYTES - 8192);
    // Not handed out again meanwhile.
    uint64_t b = alloc_at(4, 8192, 4096);
    ck_assert(b >= a + 8192 || b + 8192 <= a);
    struct mm_alloc h;
    ck_assert(mm_next_held(&m, &h));
    ck_assert_uint_eq(h.base, a);
    ck_assert(!mm_next_held(&m, &h)); // announced once
    // Still exported: the release is refused and the memory stays held.
    ck_assert_uint_eq(mm_release_held(&m, a), CAP_ERR_LAST_COPY_BUSY);
    ck_assert_uint_eq(m.held_bytes, 8192);
    fc(c)->exported = false; // init revoked the copies and unexported ours
    ck_assert_uint_eq(mm_release_held(&m, a), SYS_ERR_OK);
    ck_assert_uint_eq(mm_release_held(&m, a), MM_ERR_NOT_RAM);
    ck_assert_uint_eq(m.held_bytes, 0);
    ck_assert_uint_eq(m.free, REGION_BYTES - 8192);
}
END_TEST

// A random sequence of allocations and frees against a map of pages.
START_TEST(test_random_against_page_map)
{
    enum { PAGES = REGION_BYTES / 4096, LIVE = 200 };
    static uint16_t owner[PAGES]; // 0: free
    memset(owner, 0, sizeof(owner));
    struct {
        uint64_t base, bytes, pid;
    } live[LIVE];
    unsigned nlive = 0;
    uint64_t rng = 0x2545f4914f6cdd1dull;
    for (unsigned step = 0; step < 20000; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        if (nlive < LIVE && (rng & 3)) {
            uint64_t bytes = 4096 * (1 + (rng >> 8) % 24), align = 4096ull << ((rng >> 20) % 5);
            uint64_t pid = 1 + (rng >> 32) % 5;
            capref_t c;
            errval_t err = mm_alloc(&m, pid, bytes, align, &c);
            // The model: is there an aligned free run of that size?
            bool fits = false;
            for (uint64_t p = 0; p + bytes / 4096 <= PAGES && !fits; p += align / 4096) {
                if ((REGION_BASE + p * 4096) % align)
                    continue;
                fits = true;
                for (uint64_t q = p; q < p + bytes / 4096 && fits; q++)
                    fits = !owner[q];
            }
            ck_assert_msg(err_is_ok(err) == fits, "step %u: alloc %lu aligned %lu: %s", step, bytes,
                          align, err_name(err));
            if (err_is_fail(err))
                continue;
            uint64_t base = fc(c)->base;
            ck_assert_uint_eq(base % align, 0);
            for (uint64_t q = (base - REGION_BASE) / 4096; q < (base - REGION_BASE + bytes) / 4096;
                 q++) {
                ck_assert_msg(!owner[q], "step %u: page %lu handed out twice", step, q);
                owner[q] = (uint16_t)pid;
            }
            live[nlive].base = base;
            live[nlive].bytes = bytes;
            live[nlive++].pid = pid;
        } else if (nlive) {
            unsigned i = (unsigned)((rng >> 16) % nlive);
            ck_assert_uint_eq(mm_free(&m, live[i].pid, live[i].base), SYS_ERR_OK);
            for (uint64_t q = (live[i].base - REGION_BASE) / 4096;
                 q < (live[i].base - REGION_BASE + live[i].bytes) / 4096; q++)
                owner[q] = 0;
            live[i] = live[--nlive];
        }
        uint64_t used = 0;
        for (unsigned i = 0; i < nlive; i++)
            used += live[i].bytes;
        ck_assert_uint_eq(m.free, REGION_BYTES - used);
    }
    for (uint64_t pid = 1; pid <= 5; pid++)
        mm_free_all(&m, pid);
    ck_assert_uint_eq(m.regions[0].nfree, 1);
    ck_assert_uint_eq(m.free, REGION_BYTES);
}
END_TEST

// More free intervals than allocations ever split: 2052 one-page
// allocations from the front of a 16 MiB region (first fit carves each
// from the one interval, splitting nothing), then every other one freed,
// which needs 1026 intervals (the allocator once had room for 1024).
START_TEST(test_every_other_page)
{
    enum { PAGES = (16 << 20) / 4096, N = 2052 };
    static bool used[PAGES];
    memset(used, 0, sizeof(used));
    reset(PAGES * 4096ull);
    for (unsigned i = 0; i < N; i++) {
        ck_assert_uint_eq(alloc_at(1, 4096, 4096), REGION_BASE + i * 4096ull);
        used[i] = true;
    }
    ck_assert_uint_eq(m.regions[0].nfree, 1);
    for (unsigned i = 1; i < N; i += 2) {
        ck_assert_uint_eq(mm_free(&m, 1, REGION_BASE + i * 4096ull), SYS_ERR_OK);
        used[i] = false;
        check_intervals(used, PAGES);
    }
    ck_assert_uint_eq(m.regions[0].nfree, N / 2); // the last one freed joined the tail
    for (unsigned i = 0; i < N; i += 2) {
        ck_assert_uint_eq(mm_free(&m, 1, REGION_BASE + i * 4096ull), SYS_ERR_OK);
        used[i] = false;
        check_intervals(used, PAGES);
    }
    ck_assert_uint_eq(m.regions[0].nfree, 1);
    ck_assert_uint_eq(m.regions[0].free[0].base, REGION_BASE);
    ck_assert_uint_eq(m.regions[0].free[0].end, REGION_BASE + PAGES * 4096ull);
    ck_assert_uint_eq(m.free, m.total);
    ck_assert_uint_eq(m.nallocs, 0);
}
END_TEST

// The most intervals there can be: a region filled with allocations of
// one size, then every other one freed from the end backwards, leaves
// live + 1 of them when the count is odd (or a free tail follows); then
// the rest freed leaves one. Sizes that pass the array's first length
// (256), the old fixed one (1024), and fill 16 MiB.
START_TEST(test_most_intervals)
{
    static const struct {
        unsigned region_pages, alloc_pages;
    } cases[] = {{513, 1}, {2049, 1}, {4095, 1}, {4097, 2}, {3075, 3}};
    static bool used[4097];
    for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        unsigned pages = cases[c].region_pages, size = cases[c].alloc_pages, n = pages / size;
        memset(used, 0, sizeof(used));
        reset(pages * 4096ull);
        for (unsigned i = 0; i < n; i++) {
            ck_assert_uint_eq(alloc_at(1 + i % 2, size * 4096ull, 4096),
                              REGION_BASE + i * size * 4096ull);
            memset(&used[i * size], 1, size);
        }
        ck_assert_uint_eq(mm_usage(&m, 1) + mm_usage(&m, 2), n * size * 4096ull);
        for (unsigned i = (n - 1) & ~1u; i < n; i -= 2) { // evens, last first
            ck_assert_uint_eq(mm_free(&m, 1, REGION_BASE + i * size * 4096ull), SYS_ERR_OK);
            memset(&used[i * size], 0, size);
        }
        check_intervals(used, pages);
        ck_assert_msg(m.regions[0].nfree == m.regions[0].live + 1,
                      "case %u: %u intervals around %u allocations", c, m.regions[0].nfree,
                      m.regions[0].live);
        ck_assert_uint_eq(m.regions[0].nfree, (n + 1) / 2 + (pages % size != 0 && n % 2 == 0));
        ck_assert_uint_eq(mm_free_all(&m, 2), n / 2 * size * 4096ull);
        memset(used, 0, sizeof(used));
        check_intervals(used, pages);
        ck_assert_uint_eq(m.regions[0].nfree, 1);
        ck_assert_uint_eq(m.free, m.total);
    }
}
END_TEST

static Suite *mm_suite(void)
{
    Suite *s = suite_create("mm");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_first_fit_and_alignment);
    tcase_add_test(tc, test_bad_requests);
    tcase_add_test(tc, test_merge_back);
    tcase_add_test(tc, test_free_all_and_regions);
    tcase_add_test(tc, test_held_until_released);
    tcase_add_test(tc, test_random_against_page_map);
    tcase_add_test(tc, test_every_other_page);
    tcase_add_test(tc, test_most_intervals);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(mm_suite)
