/* tests/unit/kernel/check_kcheck.c: the kernel self-check finds each kind of breach. */
#include "fake_dispatch.h"
#include <captypes.h>
#include <dispatch.h>
#include <kcheck.h>
#include <string.h>
#include <unit.h>

static void setup(void) { world_setup(); }

static MUST_CHECK errval_t run(struct kcheck_result *r) { return kcheck_cspace(w.root, r); }

// A world with a little of everything: RAM, a Frame retyped from it and
// copied, an Endpoint, and a third L2 CNode reached only through a copy.
static void populate(void)
{
    world_new(world_slot(0, 1), ObjType_RAM, 64 << 10);
    const struct capability *l2 = &cnode_slot(w.root, 0)->cap;
    ck_assert_uint_eq(caps_retype(world_slot(0, 1), ObjType_Frame, 0, 4096, 2, l2, 2), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(world_slot(1, 0), world_slot(0, 2), CAP_RIGHTS_ALL), SYS_ERR_OK);
    world_new(world_slot(1, 1), ObjType_Endpoint, OBJSIZE_ENDPOINT);
    world_new(world_slot(1, 2), ObjType_L2CNode, L2_CNODE_BYTES);
}

START_TEST(test_sound_world)
{
    populate();
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
    ck_assert_str_eq(r.why, "ok");
    size_t count;
    const char *why;
    ck_assert(mdb_check(&count, &why));
    ck_assert_uint_eq(r.nodes, count);
    // The root and three L2 CNodes of 256 slots each.
    ck_assert_uint_eq(r.slots, 4 * 256);
    ck_assert(kcheck_held(world_slot(1, 2)));
    ck_assert(!kcheck_held(&w.boot[0]));
}
END_TEST

START_TEST(test_broken_thread)
{
    populate();
    struct cte *c = world_slot(0, 3);
    struct cte *saved = c->mdb.next;
    c->mdb.next = c; // the thread no longer matches the tree
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_MDB);
    c->mdb.next = saved;
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
}
END_TEST

START_TEST(test_slot_not_in_mdb)
{
    populate();
    // A cap written into a slot behind the database's back.
    struct cte *c = world_slot(1, 9);
    c->cap = world_slot(0, 2)->cap;
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_SLOT);
    ck_assert_ptr_eq(r.where, c);
}
END_TEST

START_TEST(test_empty_slot_with_links)
{
    populate();
    struct cte *c = world_slot(1, 10);
    c->mdb.prev = world_slot(0, 2); // a dangling link left by a bad delete
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_SLOT);
    ck_assert_ptr_eq(r.where, c);
}
END_TEST

START_TEST(test_invalid_type)
{
    populate();
    struct cte *c = world_slot(0, 2);
    mdb_remove(c);
    c->cap.type = ObjType_Num; // garbage in a slot
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_SLOT);
}
END_TEST

START_TEST(test_partial_overlap)
{
    populate();
    // A Frame straddling the end of the 64 KiB RAM: two unrelated objects
    // that overlap, which retype must never make.
    struct cte *ram = world_slot(0, 1), *c = world_slot(1, 11);
    c->cap = (struct capability){.type = ObjType_Frame, .rights = CAP_RIGHTS_ALL};
    c->cap.u.mem.base = ram->cap.u.mem.base + (60 << 10);
    c->cap.u.mem.bytes = 8 << 10;
    mdb_insert(c);
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_NESTING);
    mdb_remove(c);
    c->cap = (struct capability){0};
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
}
END_TEST

START_TEST(test_mapping_on_unmappable)
{
    populate();
    world_slot(1, 1)->map.vnode = 0x1000; // an Endpoint is never mapped
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), KCHECK_ERR_MAPPING);
}
END_TEST

START_TEST(test_run_queue)
{
    static struct dcb a, b;
    a.state = b.state = DISP_STATE_READY;
    sched_make_ready(&a);
    sched_make_ready(&b);
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
    b.state = DISP_STATE_STOPPED; // queued but not ready
    ck_assert_uint_eq(run(&r), KCHECK_ERR_QUEUE);
    sched_remove(&b);
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
    sched_remove(&a);
}
END_TEST

START_TEST(test_copies_walked_once)
{
    // 180 copies of the root are one CNode: the walk visits it once.
    populate();
    for (uint32_t i = 20; i < 200; i++)
        ck_assert_uint_eq(caps_copy(world_slot(1, i), &w.boot[2], CAP_RIGHTS_ALL), SYS_ERR_OK);
    struct kcheck_result r;
    ck_assert_uint_eq(run(&r), SYS_ERR_OK);
    ck_assert_uint_eq(r.slots, 4 * 256);
}
END_TEST

// A dispatcher blocked in a receive: the walk reaches its DCB's caps
// through its Dispatcher cap, and the endpoint's queue through the
// Endpoint's; a waiter that does not point back is a breach.
START_TEST(test_dispatcher_and_queue)
{
    fake_dispatch_reset();
    struct dcb *d = new_dispatcher(5);
    world_new(world_slot(0, 10), ObjType_Endpoint, ENDPOINT_SIZE);
    uint64_t args[] = {CAPREF(CAPADDR(0, 10), CAP_LEVEL_L2), 0, 0};
    do_syscall(d, SYS_RECV, args, 3);
    ck_assert_uint_eq(d->state, DISP_STATE_BLOCKED);
    struct kcheck_result r;
    ck_assert_uint_eq(kcheck_run(d, &r), SYS_ERR_OK);
    ck_assert(kcheck_held(&d->dispframe)); // reached through the Dispatcher cap
    ck_assert(kcheck_covered(d->dispframe.cap.u.mem.base, 4096));
    struct endpoint *saved = d->blocked_on;
    d->blocked_on = NULL;
    ck_assert_uint_eq(kcheck_run(d, &r), KCHECK_ERR_QUEUE);
    d->blocked_on = saved;
    ck_assert_uint_eq(kcheck_run(d, &r), SYS_ERR_OK);
}
END_TEST

// SYS_CHECK: refused without the kernel argument; with it, the counts; a
// breach is returned and printed with the slot.
START_TEST(test_syscall)
{
    fake_dispatch_reset();
    struct dcb *d = new_dispatcher(5);
    kcheck_enabled = false;
    do_syscall(d, SYS_CHECK, NULL, 0);
    ck_assert_uint_eq(result_err(d), SYS_ERR_ILLEGAL_SYSCALL);
    kcheck_enabled = true;
    do_syscall(d, SYS_CHECK, NULL, 0);
    ck_assert_uint_eq(result_err(d), SYS_ERR_OK);
    size_t count;
    const char *why;
    ck_assert(mdb_check(&count, &why));
    ck_assert_uint_eq(result_word(d, 0), count);
    ck_assert_uint_ge(result_word(d, 1), 3 * 256);
    world_slot(1, 5)->map.vnode = 0x1000; // a Dispatcher is never mapped
    do_syscall(d, SYS_CHECK, NULL, 0);
    ck_assert_uint_eq(result_err(d), KCHECK_ERR_MAPPING);
    ck_assert_ptr_nonnull(strstr(fd.console, "kcheck: dispatcher"));
    world_slot(1, 5)->map.vnode = 0;
    mdb_remove(world_slot(1, 5)); // in a slot, not in the database
    do_syscall(d, SYS_CHECK, NULL, 0);
    ck_assert_uint_eq(result_err(d), KCHECK_ERR_SLOT);
    kcheck_enabled = false;
}
END_TEST

static Suite *kcheck_suite(void)
{
    Suite *s = suite_create("kcheck");
    TCase *tc = tcase_create("kcheck");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_sound_world);
    tcase_add_test(tc, test_broken_thread);
    tcase_add_test(tc, test_slot_not_in_mdb);
    tcase_add_test(tc, test_empty_slot_with_links);
    tcase_add_test(tc, test_invalid_type);
    tcase_add_test(tc, test_partial_overlap);
    tcase_add_test(tc, test_mapping_on_unmappable);
    tcase_add_test(tc, test_run_queue);
    tcase_add_test(tc, test_copies_walked_once);
    tcase_add_test(tc, test_dispatcher_and_queue);
    tcase_add_test(tc, test_syscall);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(kcheck_suite)
