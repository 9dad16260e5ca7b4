/* tests/unit/kernel/check_mdb.c: the mapping database against brute force. */
#include "fake_arch.h"
#include <captypes.h>
#include <stdlib.h>
#include <unit.h>

static void setup(void) { fake_arch_reset(); }

static struct capability mem(enum objtype type, paddr_t base, uint64_t bytes)
{
    struct capability c = {.type = type, .rights = CAP_RIGHTS_ALL};
    c.u.mem.base = base;
    c.u.mem.bytes = bytes;
    return c;
}

static void assert_tree_ok(size_t expect)
{
    size_t n;
    const char *why;
    ck_assert_msg(mdb_check(&n, &why), "mdb_check: %s", why);
    ck_assert_uint_eq(n, expect);
}

START_TEST(test_empty)
{
    assert_tree_ok(0);
    ck_assert_ptr_null(mdb_first());
    struct capability c = mem(ObjType_RAM, 0, 4096);
    ck_assert_ptr_null(mdb_lower_bound(&c));
    ck_assert_ptr_null(mdb_find_overlap(NULL, 0, UINT64_MAX));
}
END_TEST

// Barrelfish's order: base ascending, size descending, ancestor types first,
// copies adjacent; other name spaces after physical memory.
START_TEST(test_order_and_relations)
{
    static struct cte c[8];
    c[0].cap = mem(ObjType_Frame, 0x10000, 0x1000);
    c[1].cap = mem(ObjType_RAM, 0x10000, 0x10000);
    c[2].cap = mem(ObjType_RAM, 0x10000, 0x1000);
    c[3].cap = mem(ObjType_RAM, 0x10000, 0x10000); // a copy of c[1]
    c[4].cap = mem(ObjType_PhysAddr, 0x10000, 0x10000);
    c[5].cap = (struct capability){.type = ObjType_IO, .u.io = {0, 0xffff}};
    c[6].cap = mem(ObjType_Frame, 0x12000, 0x2000);
    c[7].cap = (struct capability){.type = ObjType_Kernel};
    for (int i = 0; i < 8; i++)
        mdb_insert(&c[i]);
    assert_tree_ok(8);
    // Expected order: PhysAddr, RAM 64K (two copies, by address), RAM 4K, Frame 4K, Frame 8K, IO,
    // Kernel.
    struct cte *order[] = {&c[4], &c[1], &c[3], &c[2], &c[0], &c[6], &c[5], &c[7]};
    struct cte *n = mdb_first();
    for (int i = 0; i < 8; i++, n = n->mdb.next)
        ck_assert_ptr_eq(n, order[i]);
    ck_assert_ptr_null(n);
    ck_assert(mdb_has_copies(&c[1]) && mdb_has_copies(&c[3]));
    ck_assert(!mdb_has_copies(&c[2]) && !mdb_has_copies(&c[4]));
    ck_assert(mdb_has_descendants(&c[4]) && mdb_has_descendants(&c[1]));
    ck_assert(mdb_has_descendants(&c[3]) && mdb_has_descendants(&c[2]));
    ck_assert(!mdb_has_descendants(&c[0]) && !mdb_has_descendants(&c[6]));
    ck_assert(!mdb_has_descendants(&c[5]) && !mdb_has_descendants(&c[7]));
    ck_assert(mdb_is_ancestor(&c[1].cap, &c[6].cap));
    ck_assert(!mdb_is_ancestor(&c[6].cap, &c[1].cap));
    ck_assert(!mdb_is_ancestor(&c[1].cap, &c[3].cap)); // copies are not ancestors
    ck_assert_ptr_eq(mdb_last_copy(&c[1]), &c[3]);
    ck_assert_ptr_eq(mdb_last_copy(&c[3]), &c[3]);
    ck_assert_ptr_eq(mdb_lower_bound(&c[3].cap), &c[1]);
    // Overlaps of [0x12000, 0x13000) after RAM 64K: Frame 8K (the 4K caps end earlier).
    uint64_t b = (uint64_t)CAPSPACE_PHYS << CAPSPACE_BITS;
    ck_assert_ptr_eq(mdb_find_overlap(&c[1].cap, b + 0x12000, b + 0x13000), &c[6]);
    ck_assert_ptr_eq(mdb_find_overlap(&c[1].cap, b + 0x10000, b + 0x11000), &c[2]);
    ck_assert_ptr_null(mdb_find_overlap(&c[6].cap, b + 0x12000, b + 0x14000));
    ck_assert_ptr_eq(mdb_find_overlap(NULL, b + 0x1f000, b + 0x20000), &c[4]);
    ck_assert_ptr_null(mdb_find_overlap(NULL, b + 0x20000, b + 0x30000));
    for (int i = 0; i < 8; i++) {
        mdb_remove(&c[(i * 3) % 8]);
        assert_tree_ok(7 - i);
    }
    ck_assert_uint_eq(mdb_generation(), 8);
}
END_TEST

// Objects of a laminar family: node k of a binary tree over [0, 1 MiB),
// as RAM, or as a Frame of the same range.
#define POOL 300
static struct cte pool[POOL];
static bool in_tree[POOL];

static struct capability object(unsigned k, bool frame)
{
    unsigned depth = 0;
    while ((2u << depth) - 1 <= k)
        depth++;
    uint64_t size = (1u << 20) >> depth, index = k - ((1u << depth) - 1);
    return mem(frame ? ObjType_Frame : ObjType_RAM, index * size, size);
}

// The order, from the fields of RAM and Frame caps only.
static int brute_cmp(const struct cte *a, const struct cte *b)
{
    const struct capability *x = &a->cap, *y = &b->cap;
    if (x->u.mem.base != y->u.mem.base)
        return x->u.mem.base < y->u.mem.base ? -1 : 1;
    if (x->u.mem.bytes != y->u.mem.bytes)
        return x->u.mem.bytes > y->u.mem.bytes ? -1 : 1;
    if (x->type != y->type)
        return x->type == ObjType_RAM ? -1 : 1;
    return a < b ? -1 : a > b;
}

static bool brute_same(const struct cte *a, const struct cte *b)
{
    return a->cap.type == b->cap.type && a->cap.u.mem.base == b->cap.u.mem.base &&
           a->cap.u.mem.bytes == b->cap.u.mem.bytes;
}

static bool brute_desc(const struct cte *a, const struct cte *d)
{
    const struct capability *x = &a->cap, *y = &d->cap;
    bool inside = y->u.mem.base >= x->u.mem.base &&
                  y->u.mem.base + y->u.mem.bytes <= x->u.mem.base + x->u.mem.bytes;
    return inside && !brute_same(a, d) && brute_cmp(a, d) < 0;
}

static size_t live_count(void)
{
    size_t live = 0;
    for (int i = 0; i < POOL; i++)
        live += in_tree[i];
    return live;
}

static void check_against_brute(void)
{
    assert_tree_ok(live_count());
    uint64_t sp = (uint64_t)CAPSPACE_PHYS << CAPSPACE_BITS;
    for (int i = 0; i < POOL; i++) {
        if (!in_tree[i])
            continue;
        bool copies = false, desc = false;
        const struct cte *last = &pool[i], *over = NULL;
        uint64_t qb = pool[i].cap.u.mem.base, qe = qb + pool[i].cap.u.mem.bytes / 2;
        for (int j = 0; j < POOL; j++) {
            if (!in_tree[j] || j == i)
                continue;
            copies |= brute_same(&pool[i], &pool[j]);
            desc |= brute_desc(&pool[i], &pool[j]);
            if (brute_same(&pool[i], &pool[j]) && brute_cmp(last, &pool[j]) < 0)
                last = &pool[j];
            bool after = brute_cmp(&pool[i], &pool[j]) < 0 && !brute_same(&pool[i], &pool[j]);
            uint64_t b = pool[j].cap.u.mem.base, e = b + pool[j].cap.u.mem.bytes;
            if (after && b < qe && e > qb && (!over || brute_cmp(&pool[j], over) < 0))
                over = &pool[j];
        }
        ck_assert_int_eq(mdb_has_copies(&pool[i]), copies);
        ck_assert_int_eq(mdb_has_descendants(&pool[i]), desc);
        ck_assert_ptr_eq(mdb_last_copy(&pool[i]), last);
        ck_assert_ptr_eq(mdb_find_overlap(&pool[i].cap, sp + qb, sp + qe), over);
    }
}

START_TEST(test_random_against_brute_force)
{
    srandom(42);
    for (int i = 0; i < POOL; i++) {
        in_tree[i] = false;
        // Objects 0..62 (six levels), each a few times, some as Frames.
        pool[i].cap = object(random() % 63, random() % 4 == 0);
    }
    for (int step = 0; step < 3000; step++) {
        int i = random() % POOL;
        if (in_tree[i])
            mdb_remove(&pool[i]);
        else
            mdb_insert(&pool[i]);
        in_tree[i] = !in_tree[i];
        if (step % 10 == 0)
            check_against_brute();
        else
            assert_tree_ok(live_count());
    }
}
END_TEST

// Ascending, descending and repeated keys stress the rebalancing paths.
START_TEST(test_sequential_insert_remove)
{
    static struct cte c[512];
    for (int i = 0; i < 512; i++) {
        c[i].cap = mem(ObjType_RAM, (uint64_t)i << 12, 4096);
        mdb_insert(&c[i]);
    }
    assert_tree_ok(512);
    for (int i = 511; i >= 0; i -= 2)
        mdb_remove(&c[i]);
    assert_tree_ok(256);
    for (int i = 0; i < 512; i += 2)
        mdb_remove(&c[i]);
    assert_tree_ok(0);
    for (int i = 0; i < 512; i++) { // all copies of one object
        c[i].cap = mem(ObjType_RAM, 0, 4096);
        mdb_insert(&c[i]);
    }
    assert_tree_ok(512);
    ck_assert_ptr_eq(mdb_last_copy(&c[0]), &c[511]);
    ck_assert_ptr_eq(mdb_lower_bound(&c[300].cap), &c[0]);
    for (int i = 0; i < 512; i++)
        mdb_remove(&c[(i * 7) % 512]);
    assert_tree_ok(0);
}
END_TEST

// mdb_check notices corruption.
START_TEST(test_check_detects_corruption)
{
    static struct cte c[16];
    for (int i = 0; i < 16; i++) {
        c[i].cap = mem(ObjType_RAM, (uint64_t)i << 12, 4096);
        mdb_insert(&c[i]);
    }
    size_t n;
    const char *why;
    c[5].mdb.subtree_end++;
    ck_assert(!mdb_check(&n, &why));
    ck_assert_str_eq(why, "subtree end is stale");
    c[5].mdb.subtree_end--;
    struct cte *saved = c[15].mdb.prev;
    c[15].mdb.prev = NULL;
    ck_assert(!mdb_check(&n, &why));
    ck_assert_str_eq(why, "thread does not match the tree");
    c[15].mdb.prev = saved;
    c[15].mdb.next = &c[0];
    ck_assert(!mdb_check(&n, &why));
    ck_assert_str_eq(why, "thread runs past the last node");
    c[15].mdb.next = NULL;
    uint32_t level = c[0].mdb.level;
    c[0].mdb.level = 2;
    ck_assert(!mdb_check(&n, &why));
    c[0].mdb.level = level;
    c[3].cap.u.mem.base = 0x1000; // before c[2], with the same end
    c[3].cap.u.mem.bytes = 0x3000;
    ck_assert(!mdb_check(&n, &why));
    ck_assert_str_eq(why, "tree out of order");
    c[3].cap.u.mem.base = 0x3000;
    c[3].cap.u.mem.bytes = 0x1000;
    c[3].cap.type = ObjType_Null;
    ck_assert(!mdb_check(&n, &why));
    c[3].cap.type = ObjType_RAM;
    ck_assert(mdb_check(&n, &why));
}
END_TEST

static Suite *mdb_suite(void)
{
    Suite *s = suite_create("mdb");
    TCase *tc = tcase_create("mdb");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_order_and_relations);
    tcase_add_test(tc, test_random_against_brute_force);
    tcase_add_test(tc, test_sequential_insert_remove);
    tcase_add_test(tc, test_check_detects_corruption);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(mdb_suite)
