/* tests/unit/kernel/check_retype.c: retype rules, sizes, alignment, ranges, overlap. */
#include "fake_arch.h"
#include <capops.h>
#include <captypes.h>
#include <unit.h>

#define L1_BYTES (L1_CNODE_MIN_SLOTS * sizeof(struct cte))
#define PAGE     BASE_PAGE_SIZE

static struct cte *ram;  // 256 KiB of RAM in L1 slot 3
static struct cte *dest; // the L2 CNode in L1 slot 0
static paddr_t ram_base;

static void setup(void)
{
    world_setup();
    ram = cnode_slot(w.root, 3);
    world_new(ram, ObjType_RAM, 256 * 1024);
    ram_base = ram->cap.u.mem.base;
    dest = cnode_slot(w.root, 0);
}

static MUST_CHECK errval_t retype(struct cte *src, enum objtype t, uint64_t off, uint64_t size,
                                  uint64_t n, uint32_t slot)
{
    return caps_retype(src, t, off, size, n, &dest->cap, slot);
}

static struct cte *d(uint32_t i) { return cnode_slot(&dest->cap, i); }

static void assert_sound(void)
{
    size_t n;
    const char *why;
    ck_assert_msg(mdb_check(&n, &why), "mdb_check: %s", why);
}

// Every type RAM may become, with its size, zeroed and inside RAM.
START_TEST(test_retype_ram_into_each_type)
{
    struct {
        enum objtype type;
        uint64_t size;
    } t[] = {
        {ObjType_RAM, 2 * PAGE},           {ObjType_Frame, PAGE},
        {ObjType_L1CNode, L1_BYTES},       {ObjType_L1CNode, 2 * L1_BYTES},
        {ObjType_L2CNode, L2_CNODE_BYTES}, {ObjType_VNodePML4, VNODE_SIZE},
        {ObjType_VNodePDPT, VNODE_SIZE},   {ObjType_VNodePD, VNODE_SIZE},
        {ObjType_VNodePT, VNODE_SIZE},     {ObjType_Dispatcher, DISPATCHER_SIZE},
        {ObjType_Endpoint, ENDPOINT_SIZE}, {ObjType_IOVNodeL4, VNODE_SIZE},
        {ObjType_IOVNodeL3, VNODE_SIZE},   {ObjType_IOVNodeL2, VNODE_SIZE},
        {ObjType_IOVNodeL1, VNODE_SIZE},
    };
    uint64_t off = 0;
    for (uint32_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        errval_t err = retype(ram, t[i].type, off, t[i].size, 1, i);
        ck_assert_msg(err == SYS_ERR_OK, "%s: %s", captype_name(t[i].type), err_name(err));
        struct cap_info info;
        caps_identify(&d(i)->cap, &info);
        ck_assert_uint_eq(info.type, t[i].type);
        if (t[i].type != ObjType_Endpoint) {
            ck_assert_uint_eq(info.bytes, t[i].size);
            ck_assert_uint_eq(info.base, ram_base + off);
        } else {
            ck_assert_uint_eq(info.bytes, ram_base + off); // an endpoint's identity: its address
        }
        bool zeroed = t[i].type != ObjType_RAM;
        ck_assert_msg(fake_mem_is(ram_base + off, t[i].size, zeroed ? 0 : 0xa5), "%s memory",
                      captype_name(t[i].type));
        ck_assert(mdb_is_ancestor(&ram->cap, &d(i)->cap));
        off += (t[i].size + PAGE - 1) / PAGE * PAGE;
    }
    ck_assert_uint_eq(d(2)->cap.u.cnode.slots, 256);
    ck_assert_uint_eq(d(3)->cap.u.cnode.slots, 512);
    ck_assert_uint_eq(d(4)->cap.u.cnode.slots, L2_CNODE_SLOTS);
    ck_assert_uint_eq(d(10)->cap.u.endpoint.badge, 0);
    ck_assert(mdb_has_descendants(ram));
    assert_sound();
}
END_TEST

START_TEST(test_retype_many_and_rights)
{
    struct cte *ro = cnode_slot(w.root, 4);
    ck_assert_uint_eq(caps_copy(ro, ram, CAP_RIGHT_READ | CAP_RIGHT_WRITE), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ro, ObjType_Endpoint, 128, ENDPOINT_SIZE, 100, 50), SYS_ERR_OK);
    for (uint32_t i = 0; i < 100; i++) {
        ck_assert_uint_eq(d(50 + i)->cap.type, ObjType_Endpoint);
        ck_assert_uint_eq(d(50 + i)->cap.u.endpoint.base, ram_base + 128 + 64 * i);
        ck_assert_uint_eq(d(50 + i)->cap.rights, CAP_RIGHT_READ | CAP_RIGHT_WRITE);
    }
    ck_assert_uint_eq(d(49)->cap.type, ObjType_Null);
    ck_assert_uint_eq(d(150)->cap.type, ObjType_Null);
    ck_assert(fake_mem_is(ram_base, 128, 0xa5)); // before the first object: untouched
    ck_assert(fake_mem_is(ram_base + 128, 6400, 0));
    // Descendants of a copy are descendants of every copy.
    ck_assert(mdb_has_descendants(ram));
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 1, 0), CAP_ERR_RETYPE_OVERLAP);
    assert_sound();
}
END_TEST

START_TEST(test_retype_type_rules)
{
    struct cte *f = cnode_slot(w.root, 4), *df = cnode_slot(w.root, 5);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, 4 * PAGE, 1, 0), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(f, d(0), CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(d(0)), SYS_ERR_OK);
    // PhysAddr -> DevFrame (not zeroed), DevFrame -> DevFrame.
    struct cte *phys = &w.boot[30];
    struct capability dev = {.type = ObjType_PhysAddr, .rights = CAP_RIGHTS_ALL};
    dev.u.mem.base = 0xfe000000, dev.u.mem.bytes = 1 << 20;
    ck_assert_uint_eq(caps_create_root(phys, &dev), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(phys, ObjType_DevFrame, 0, 1 << 16, 1, w.root, 5), SYS_ERR_OK);
    ck_assert_uint_eq(retype(df, ObjType_DevFrame, PAGE, PAGE, 2, 0), SYS_ERR_OK);
    ck_assert_uint_eq(retype(phys, ObjType_PhysAddr, 1 << 16, 1 << 16, 1, 2), SYS_ERR_OK);
    enum objtype bad[][2] = {
        {ObjType_RAM, ObjType_PhysAddr},
        {ObjType_RAM, ObjType_DevFrame},
        {ObjType_RAM, ObjType_IO},
        {ObjType_RAM, ObjType_Null},
        {ObjType_Frame, ObjType_RAM},
        {ObjType_Frame, ObjType_L2CNode},
        {ObjType_Frame, ObjType_Endpoint},
        {ObjType_Frame, ObjType_IOVNodeL1},
        {ObjType_DevFrame, ObjType_IOVNodeL4},
        {ObjType_DevFrame, ObjType_Frame},
        {ObjType_DevFrame, ObjType_L2CNode},
        {ObjType_PhysAddr, ObjType_Frame},
        {ObjType_PhysAddr, ObjType_L1CNode},
        {ObjType_L2CNode, ObjType_Frame},
        {ObjType_Endpoint, ObjType_Endpoint},
    };
    struct cte *src_of[ObjType_Num] = {[ObjType_RAM] = ram,
                                       [ObjType_Frame] = f,
                                       [ObjType_DevFrame] = df,
                                       [ObjType_PhysAddr] = phys,
                                       [ObjType_L2CNode] = dest};
    world_new(cnode_slot(w.root, 6), ObjType_Endpoint, ENDPOINT_SIZE);
    src_of[ObjType_Endpoint] = cnode_slot(w.root, 6);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errval_t err = retype(src_of[bad[i][0]], bad[i][1], 0, PAGE, 1, 100);
        ck_assert_msg(err == CAP_ERR_RETYPE_TYPE, "%s -> %s: %s", captype_name(bad[i][0]),
                      captype_name(bad[i][1]), err_name(err));
    }
    ck_assert_uint_eq(caps_retype_check(ram, ObjType_Num, 0, PAGE, 1), CAP_ERR_RETYPE_TYPE);
    ck_assert_uint_eq(caps_retype_check(ram, 1ull << 40, 0, PAGE, 1), CAP_ERR_RETYPE_TYPE);
    ck_assert_uint_eq(retype(f, ObjType_Frame, PAGE, PAGE, 1, 100), SYS_ERR_OK);
    ck_assert(fake_mem_is(f->cap.u.mem.base + PAGE, PAGE, 0)); // Frames zeroed
    ck_assert(mdb_is_ancestor(&f->cap, &d(100)->cap) && mdb_is_ancestor(&ram->cap, &d(100)->cap));
    assert_sound();
}
END_TEST

START_TEST(test_retype_size_errors)
{
    struct {
        enum objtype type;
        uint64_t size;
    } bad[] = {
        {ObjType_Frame, 0},
        {ObjType_Frame, 100},
        {ObjType_RAM, PAGE + 1},
        {ObjType_L2CNode, L2_CNODE_BYTES - sizeof(struct cte)},
        {ObjType_L2CNode, PAGE},
        {ObjType_L1CNode, 128 * sizeof(struct cte)},          // below the minimum
        {ObjType_L1CNode, 384 * sizeof(struct cte)},          // not a power of two
        {ObjType_L1CNode, L1_BYTES + 1},                      // not whole slots
        {ObjType_L1CNode, (1ull << 32) * sizeof(struct cte)}, // beyond 32-bit slots
        {ObjType_L1CNode, 0},
        {ObjType_VNodePT, PAGE},
        {ObjType_Dispatcher, 2 * PAGE},
        {ObjType_Endpoint, 128},
        {ObjType_Endpoint, 0},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errval_t err = retype(ram, bad[i].type, 0, bad[i].size, 1, 0);
        ck_assert_msg(err == CAP_ERR_RETYPE_SIZE, "%s of %llu: %s", captype_name(bad[i].type),
                      (unsigned long long)bad[i].size, err_name(err));
    }
    // The source's own type over its whole range would be a copy.
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 0, 256 * 1024, 1, 0), CAP_ERR_RETYPE_SIZE);
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 0, 128 * 1024, 2, 0), SYS_ERR_OK);
    ck_assert_uint_eq(d(0)->mdb.level > 0, 1);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, 256 * 1024, 1, 5), CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(dest->cap.type, ObjType_L2CNode);
    assert_sound();
}
END_TEST

START_TEST(test_retype_count_alignment_range)
{
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 0, 0), CAP_ERR_RETYPE_COUNT);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0x800, PAGE, 1, 0), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(retype(ram, ObjType_Endpoint, 32, 64, 1, 0), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(retype(ram, ObjType_VNodePT, 0x800, VNODE_SIZE, 1, 0), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(retype(ram, ObjType_L2CNode, 0x100, L2_CNODE_BYTES, 1, 0), SYS_ERR_ALIGNMENT);
    // VNodes need only page alignment, not their size.
    ck_assert_uint_eq(retype(ram, ObjType_VNodePT, PAGE, VNODE_SIZE, 1, 0), SYS_ERR_OK);
    uint64_t bytes = 256 * 1024;
    ck_assert_uint_eq(retype(ram, ObjType_Frame, bytes, PAGE, 1, 1), CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, bytes + PAGE, PAGE, 1, 1), CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, bytes - PAGE, 2 * PAGE, 1, 1),
                      CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 65, 1), CAP_ERR_RETYPE_RANGE);
    // Values that wrap offset + count * size.
    ck_assert_uint_eq(retype(ram, ObjType_Frame, UINT64_MAX & ~0xfffull, PAGE, 1, 1),
                      CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, PAGE, PAGE, UINT64_MAX, 1), CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, PAGE, UINT64_MAX & ~0xfffull, 2, 1),
                      CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, bytes - PAGE, PAGE, 1, 1), SYS_ERR_OK);
    assert_sound();
}
END_TEST

START_TEST(test_retype_destination_errors)
{
    struct cte *ro = cnode_slot(w.root, 4);
    ck_assert_uint_eq(caps_copy(ro, dest, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(ram, ObjType_Frame, 0, PAGE, 1, &ram->cap, 0), CAP_ERR_NOT_CNODE);
    ck_assert_uint_eq(caps_retype(ram, ObjType_Frame, 0, PAGE, 1, &ro->cap, 0), CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 1, 256), CAP_ERR_SLOT_RANGE);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 10, 250), CAP_ERR_RETYPE_COUNT);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, PAGE, 6, 250), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 8 * PAGE, PAGE, 3, 248), CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(d(248)->cap.type, ObjType_Null); // nothing half done
    ck_assert_uint_eq(caps_retype(ram, ObjType_Frame, 8 * PAGE, PAGE, 2, w.root, 250),
                      SYS_ERR_OK); // an L1 CNode is a destination too
    // Source errors come first.
    struct cte *nowrite = cnode_slot(w.root, 5);
    ck_assert_uint_eq(caps_copy(nowrite, ram, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert_uint_eq(retype(nowrite, ObjType_Frame, 0, PAGE, 1, 0), CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(retype(cnode_slot(w.root, 100), ObjType_Frame, 0, PAGE, 1, 0),
                      CAP_ERR_SLOT_EMPTY);
    // Into slots outside CNodes (the CPU driver's boot path).
    struct cte *boot = &w.boot[40];
    ck_assert_uint_eq(caps_retype_to_slots(ram, ObjType_Frame, 20 * PAGE, PAGE, 2, boot),
                      SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype_to_slots(ram, ObjType_Frame, 30 * PAGE, PAGE, 2, boot + 1),
                      CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(caps_retype_to_slots(ram, ObjType_Frame, 20 * PAGE, PAGE, 1, boot + 5),
                      CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(caps_retype_to_slots(ram, ObjType_Frame, 0, 0, 1, boot + 5),
                      CAP_ERR_RETYPE_SIZE);
    assert_sound();
}
END_TEST

START_TEST(test_retype_overlap)
{
    // RAM -> RAM child -> Frames; the parent may not reuse any of it.
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 64 * 1024, 64 * 1024, 1, 0), SYS_ERR_OK);
    ck_assert_uint_eq(retype(d(0), ObjType_Frame, 16 * 1024, PAGE, 2, 1), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 60 * 1024, 8 * 1024, 1, 5),
                      CAP_ERR_RETYPE_OVERLAP); // straddles the child's start
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 124 * 1024, 8 * 1024, 1, 5),
                      CAP_ERR_RETYPE_OVERLAP); // straddles its end
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, 256 * 1024 - PAGE, 1, 5),
                      CAP_ERR_RETYPE_OVERLAP); // covers it
    ck_assert_uint_eq(retype(d(0), ObjType_Frame, 17 * 1024 - 1024, PAGE, 1, 5),
                      CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(retype(d(0), ObjType_Frame, 0, 16 * 1024, 1, 5), SYS_ERR_OK); // beside
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 0, 64 * 1024, 1, 6), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_Frame, 128 * 1024, 128 * 1024, 1, 7), SYS_ERR_OK);
    // The child RAM's last copy goes; its Frames still block the parent.
    ck_assert_uint_eq(caps_delete(d(0)), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 64 * 1024, 32 * 1024, 1, 0), CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(caps_delete(d(1)), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(d(2)), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 64 * 1024, 32 * 1024, 1, 0),
                      CAP_ERR_RETYPE_OVERLAP); // d(5) is there still
    ck_assert_uint_eq(caps_delete(d(5)), SYS_ERR_OK);
    ck_assert_uint_eq(retype(ram, ObjType_RAM, 64 * 1024, 64 * 1024, 1, 0), SYS_ERR_OK);
    // A same-range child of another type blocks retyping its parent anew.
    ck_assert_uint_eq(retype(d(0), ObjType_Frame, 0, 64 * 1024, 1, 1), SYS_ERR_OK);
    ck_assert_uint_eq(retype(d(0), ObjType_Frame, 0, PAGE, 1, 2), CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(retype(d(1), ObjType_Frame, 0, PAGE, 1, 2), SYS_ERR_OK); // Frame -> Frame
    ck_assert(mdb_is_ancestor(&d(0)->cap, &d(2)->cap));
    assert_sound();
}
END_TEST

// A PhysAddr root near the top of the physical space: arithmetic near 2^56.
START_TEST(test_retype_high_addresses)
{
    struct cte *top = &w.boot[30];
    struct capability c = {.type = ObjType_PhysAddr, .rights = CAP_RIGHTS_ALL};
    c.u.mem.base = (1ull << 56) - (1ull << 30), c.u.mem.bytes = 1ull << 30;
    ck_assert_uint_eq(caps_create_root(top, &c), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(top, ObjType_RAM, (1ull << 30) - PAGE, PAGE, 1, w.root, 10),
                      SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(top, ObjType_RAM, (1ull << 30) - PAGE, PAGE, 2, w.root, 11),
                      CAP_ERR_RETYPE_RANGE);
    ck_assert_uint_eq(caps_retype(top, ObjType_DevFrame, 0, 1ull << 29, 2, w.root, 11),
                      CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(caps_retype(top, ObjType_DevFrame, 0, 1ull << 29, 1, w.root, 11), SYS_ERR_OK);
    struct cap_info i;
    caps_identify(&cnode_slot(w.root, 10)->cap, &i);
    ck_assert_uint_eq(i.base, (1ull << 56) - PAGE);
    assert_sound();
}
END_TEST

static Suite *retype_suite(void)
{
    Suite *s = suite_create("retype");
    TCase *tc = tcase_create("retype");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_retype_ram_into_each_type);
    tcase_add_test(tc, test_retype_many_and_rights);
    tcase_add_test(tc, test_retype_type_rules);
    tcase_add_test(tc, test_retype_size_errors);
    tcase_add_test(tc, test_retype_count_alignment_range);
    tcase_add_test(tc, test_retype_destination_errors);
    tcase_add_test(tc, test_retype_overlap);
    tcase_add_test(tc, test_retype_high_addresses);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(retype_suite)
