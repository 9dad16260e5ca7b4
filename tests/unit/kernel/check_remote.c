/* tests/unit/kernel/check_remote.c: capabilities crossing cores (kernel/remote.c). */
#include "fake_arch.h"
#include <capops.h>
#include <check.h>
#include <remote.h>
#include <string.h>
#include <unit.h>

// One core's view. Memory "of another core" is fake memory this test does
// not otherwise use: the last 256 KiB.
#define OTHER_BASE (FAKE_PHYS_BASE + FAKE_PHYS_SIZE - (256u << 10))

static struct capability mem_cap(enum objtype t, paddr_t base, uint64_t bytes)
{
    struct capability c = {.type = (uint8_t)t, .rights = CAP_RIGHTS_ALL};
    c.u.mem.base = base;
    c.u.mem.bytes = bytes;
    return c;
}

// The world of fake_arch.h, but with its PhysAddr and RAM stopping short
// of OTHER_BASE, which this core does not know: as on a real machine, where
// each core's mapping database covers only its own memory.
static void setup(void)
{
    fake_arch_reset();
    memset(&w, 0, sizeof(w));
    w.ram_next = FAKE_PHYS_BASE;
    struct capability phys = mem_cap(ObjType_PhysAddr, FAKE_PHYS_BASE, OTHER_BASE - FAKE_PHYS_BASE);
    ck_assert_uint_eq(caps_create_root(&w.boot[0], &phys), SYS_ERR_OK);
    ck_assert_uint_eq(
        caps_retype_to_slots(&w.boot[0], ObjType_RAM, 0, phys.u.mem.bytes, 1, &w.boot[1]),
        SYS_ERR_OK);
    world_new(&w.boot[2], ObjType_L1CNode, L1_CNODE_MIN_SLOTS * sizeof(struct cte));
    w.root = &w.boot[2].cap;
    for (uint32_t i = 0; i < 2; i++)
        world_new(cnode_slot(w.root, i), ObjType_L2CNode, L2_CNODE_BYTES);
}

START_TEST(test_export_marks_copies_and_blocks)
{
    struct cte *f = world_slot(0, 1), *copy = world_slot(0, 2), *later = world_slot(0, 3);
    world_new(f, ObjType_RAM, 64 * 1024);
    ck_assert_uint_eq(caps_copy(copy, f, CAP_RIGHTS_ALL), SYS_ERR_OK);
    struct capability out;
    ck_assert_uint_eq(caps_export(f, &out), SYS_ERR_OK);
    ck_assert_uint_eq(out.type, ObjType_RAM);
    ck_assert_uint_eq(out.u.mem.base, f->cap.u.mem.base);
    ck_assert(copy->mdb.flags & MDB_FLAG_EXPORTED);
    ck_assert_uint_eq(caps_copy(later, f, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert(later->mdb.flags & MDB_FLAG_EXPORTED); // copies inherit it
    // Given away: no retype here, and the last copy cannot simply go.
    ck_assert_uint_eq(caps_retype(f, ObjType_Frame, 0, 4096, 1, w.root, 10), CAP_ERR_REMOTE);
    ck_assert_uint_eq(caps_delete(copy), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(later), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(f), CAP_ERR_LAST_COPY_BUSY);
    // Deleting exported copies was noted; so is the revoke. After the
    // monitors have revoked the remote copies, unexport.
    ck_assert(caps_take_remote_pending());
    ck_assert(!caps_take_remote_pending());
    ck_assert_uint_eq(caps_revoke(f), SYS_ERR_OK);
    ck_assert(caps_take_remote_pending());
    caps_unexport(f);
    ck_assert_uint_eq(caps_delete(f), SYS_ERR_OK);
}
END_TEST

START_TEST(test_export_rules)
{
    struct cte *r = world_slot(0, 1), *fr = world_slot(0, 2), *cn = world_slot(0, 3);
    struct capability out;
    world_new(r, ObjType_RAM, 64 * 1024);
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 0, 4096, 1, &cnode_slot(w.root, 0)->cap, 2),
                      SYS_ERR_OK);
    ck_assert_uint_eq(caps_export(r, &out), CAP_ERR_HAS_DESCENDANTS); // in use here
    ck_assert_uint_eq(caps_export(fr, &out), SYS_ERR_OK);             // a Frame is shared
    world_new(cn, ObjType_L2CNode, L2_CNODE_BYTES);
    ck_assert_uint_eq(caps_export(cn, &out), CAP_ERR_NOT_EXPORTABLE);
    ck_assert_uint_eq(caps_export(world_slot(0, 50), &out), CAP_ERR_SLOT_EMPTY);
}
END_TEST

START_TEST(test_import_foreign_frame)
{
    struct cte *a = world_slot(0, 20), *b = world_slot(0, 21), *c = world_slot(0, 22);
    struct capability f = mem_cap(ObjType_Frame, OTHER_BASE, 8192);
    ck_assert_uint_eq(caps_import(a, &f), SYS_ERR_OK);
    ck_assert(a->mdb.flags & MDB_FLAG_FOREIGN);
    ck_assert_uint_eq(caps_import(b, &f), SYS_ERR_OK); // imported twice: copies
    ck_assert(mdb_has_copies(a));
    ck_assert_uint_eq(caps_copy(c, a, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert(c->mdb.flags & MDB_FLAG_FOREIGN);
    ck_assert_uint_eq(caps_retype(a, ObjType_Frame, 0, 4096, 1, &cnode_slot(w.root, 0)->cap, 30),
                      CAP_ERR_REMOTE);
    struct capability out;
    ck_assert_uint_eq(caps_export(a, &out), SYS_ERR_OK); // passed on as it is, unmarked
    ck_assert(!(a->mdb.flags & MDB_FLAG_EXPORTED));
    ck_assert_uint_eq(out.u.mem.base, OTHER_BASE);
    ck_assert_uint_eq(caps_import(a, &f), CAP_ERR_SLOT_OCCUPIED);
    // The owner revokes: every copy here goes.
    ck_assert_uint_eq(caps_revoke_imported(OTHER_BASE, 8192), 1);
    ck_assert(cte_is_empty(a) && cte_is_empty(b) && cte_is_empty(c));
}
END_TEST

// A cap that comes back to the core it was exported from is a copy there.
START_TEST(test_import_home)
{
    struct cte *r = world_slot(0, 1), *f = world_slot(0, 2), *back = world_slot(0, 3);
    struct cte *bad = world_slot(0, 4);
    world_new(r, ObjType_RAM, 64 * 1024);
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 0, 8192, 1, &cnode_slot(w.root, 0)->cap, 2),
                      SYS_ERR_OK);
    struct capability out;
    ck_assert_uint_eq(caps_export(f, &out), SYS_ERR_OK);
    ck_assert_uint_eq(caps_import(back, &out), SYS_ERR_OK);
    ck_assert(!(back->mdb.flags & (MDB_FLAG_IMPORTED | MDB_FLAG_FOREIGN)));
    ck_assert(back->mdb.flags & MDB_FLAG_EXPORTED);
    ck_assert(mdb_has_copies(f));
    // Part of it, or another type over it, is in the way.
    struct capability part = out;
    part.u.mem.bytes = 4096;
    ck_assert_uint_eq(caps_import(bad, &part), CAP_ERR_ROOT_OVERLAP);
    part = out;
    part.type = ObjType_RAM;
    ck_assert_uint_eq(caps_import(bad, &part), CAP_ERR_ROOT_OVERLAP);
    // Revoking the original takes the homecoming copy as well.
    ck_assert_uint_eq(caps_revoke(r), SYS_ERR_OK);
    ck_assert(cte_is_empty(f) && cte_is_empty(back));
}
END_TEST

START_TEST(test_import_given_ram)
{
    struct cte *r = world_slot(0, 20);
    struct capability ram = mem_cap(ObjType_RAM, OTHER_BASE, 64 * 1024);
    ck_assert_uint_eq(caps_import(r, &ram), SYS_ERR_OK);
    ck_assert(!(r->mdb.flags & MDB_FLAG_FOREIGN)); // ours to use
    ck_assert_uint_eq(
        caps_retype(r, ObjType_L2CNode, 0, L2_CNODE_BYTES, 1, &cnode_slot(w.root, 0)->cap, 21),
        SYS_ERR_OK);
    struct cte *cn = world_slot(0, 21);
    ck_assert_uint_eq(cn->cap.type, ObjType_L2CNode);
    // A revoke of the range by its owner takes the objects made from it too.
    ck_assert_uint_eq(caps_revoke_imported(OTHER_BASE, 64 * 1024), 1);
    ck_assert(cte_is_empty(r) && cte_is_empty(cn));
    ck_assert_uint_eq(caps_revoke_imported(OTHER_BASE, 64 * 1024), 0);
}
END_TEST

START_TEST(test_import_errors)
{
    struct cte *d = world_slot(0, 20);
    struct capability bad = mem_cap(ObjType_Frame, OTHER_BASE + 1, 4096);
    ck_assert_uint_eq(caps_import(d, &bad), SYS_ERR_INVALID_ARGS);
    bad = mem_cap(ObjType_Frame, OTHER_BASE, 0);
    ck_assert_uint_eq(caps_import(d, &bad), SYS_ERR_INVALID_ARGS);
    bad = mem_cap(ObjType_L2CNode, OTHER_BASE, 4096);
    ck_assert_uint_eq(caps_import(d, &bad), CAP_ERR_NOT_EXPORTABLE);
    // Memory this core knows as its own is in the way.
    struct capability mine = mem_cap(ObjType_Frame, w.boot[1].cap.u.mem.base, 4096);
    ck_assert_uint_eq(caps_import(d, &mine), CAP_ERR_ROOT_OVERLAP);
    ck_assert(cte_is_empty(d));
}
END_TEST

static Suite *remote_suite(void)
{
    Suite *s = suite_create("remote");
    TCase *tc = tcase_create("remote");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_export_marks_copies_and_blocks);
    tcase_add_test(tc, test_export_rules);
    tcase_add_test(tc, test_import_foreign_frame);
    tcase_add_test(tc, test_import_home);
    tcase_add_test(tc, test_import_given_ram);
    tcase_add_test(tc, test_import_errors);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(remote_suite)
