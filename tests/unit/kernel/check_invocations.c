/* tests/unit/kernel/check_invocations.c: the invocation table, decode checks and arch routing. */
#include "fake_arch.h"
#include <captypes.h>
#include <unit.h>

#define PAGE       BASE_PAGE_SIZE
#define L2(l1, l2) CAPREF(CAPADDR(l1, l2), CAP_LEVEL_L2)
#define L1(i)      CAPREF(i, CAP_LEVEL_L1)

static void setup(void) { world_setup(); }

static size_t mdb_count(void)
{
    size_t n;
    const char *why;
    ck_assert_msg(mdb_check(&n, &why), "mdb_check: %s", why);
    return n;
}

// Invoke command cmd on the cap in target, the caller's CSpace being the world's.
static MUST_CHECK errval_t invoke(struct cte *target, uint32_t cmd, uint64_t a0, uint64_t a1,
                                  uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                                  struct invocation *out)
{
    struct invocation inv = {.root = w.root, .target = target, .cmd = cmd};
    uint64_t args[] = {a0, a1, a2, a3, a4, a5};
    for (int i = 0; i < INVOCATION_ARGS; i++)
        inv.arg[i] = args[i];
    errval_t err = invocation_dispatch(&inv);
    if (out)
        *out = inv;
    return err;
}

#define ROOT (&w.boot[2])

START_TEST(test_copy_and_mint)
{
    struct cte *f = world_slot(1, 0), *ep = world_slot(1, 1);
    world_new(f, ObjType_Frame, PAGE);
    world_new(ep, ObjType_Endpoint, ENDPOINT_SIZE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 5, L2(1, 0), CAP_RIGHT_READ, 0, 0, NULL),
                      SYS_ERR_OK);
    ck_assert(cap_same_object(&world_slot(0, 5)->cap, &f->cap));
    ck_assert_uint_eq(world_slot(0, 5)->cap.rights, CAP_RIGHT_READ);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Mint, L1(0), 6, L2(1, 1), CAP_RIGHTS_ALL, 42, 0, NULL),
                      SYS_ERR_OK);
    ck_assert_uint_eq(world_slot(0, 6)->cap.u.endpoint.badge, 42);
    // Into the L1 CNode itself, through a copy of the root in the CSpace.
    ck_assert_uint_eq(caps_copy(world_slot(1, 2), ROOT, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L2(1, 2), 9, L1(0), CAP_RIGHTS_ALL, 0, 0, NULL),
                      SYS_ERR_OK);
    ck_assert_uint_eq(cnode_slot(w.root, 9)->cap.type, ObjType_L2CNode);
    ck_assert_uint_eq(world_slot(9, 5)->cap.type, ObjType_Frame); // the same L2 CNode
    ck_assert_uint_eq(mdb_count(), 5 + 3 + 3);
}
END_TEST

START_TEST(test_copy_and_mint_errors)
{
    struct cte *f = world_slot(1, 0), *ep = world_slot(1, 1);
    world_new(f, ObjType_Frame, PAGE);
    world_new(ep, ObjType_Endpoint, ENDPOINT_SIZE);
    size_t n = mdb_count();
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 5, L2(1, 9), 0xf, 0, 0, NULL),
                      CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(5), 5, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_NOT_CNODE); // an empty L1 slot
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L2(1, 1), 5, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_NOT_CNODE); // an Endpoint
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 256, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_SLOT_RANGE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 1ull << 32, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_SLOT_RANGE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(1), 1, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(
        invoke(ROOT, CNodeCmd_Copy, L1(0), 1, L2(1, 0), CAP_RIGHTS_ALL + 1, 0, 0, NULL),
        SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 1, L2(1, 0), 1ull << 40, 0, 0, NULL),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(300), 1, L2(1, 0), 0xf, 0, 0, NULL),
                      err_push(CAP_ERR_SLOT_RANGE, CAP_ERR_LOOKUP_L1));
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 1, L2(7, 0), 0xf, 0, 0, NULL),
                      err_push(CAP_ERR_NOT_CNODE, CAP_ERR_LOOKUP_L2));
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 1, CAPREF(0, 3), 0xf, 0, 0, NULL),
                      SYS_ERR_INVALID_ARGS); // level 3
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0) | 1ull << 45, 1, L2(1, 0), 0xf, 0, 0, NULL),
                      SYS_ERR_INVALID_ARGS); // junk above the level
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Mint, L1(0), 6, L2(1, 1), 0xf, 0, 0, NULL),
                      CAP_ERR_BADGE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Mint, L1(0), 6, L2(1, 0), 0xf, 1, 0, NULL),
                      CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Mint, L1(0), 6, L2(1, 9), 0xf, 1, 0, NULL),
                      CAP_ERR_SLOT_EMPTY);
    // Rights: WRITE on the invoked CNode and on the destination CNode.
    struct cte *ro_root = &w.boot[10];
    ck_assert_uint_eq(caps_copy(ro_root, ROOT, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ro_root, CNodeCmd_Copy, L1(0), 5, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(ro_root, CNodeCmd_Mint, L1(0), 5, L2(1, 1), 0xf, 3, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(caps_copy(cnode_slot(w.root, 8), cnode_slot(w.root, 0), CAP_RIGHT_READ),
                      SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(8), 5, L2(1, 0), 0xf, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(mdb_count(), n + 2); // only the two copies made directly
}
END_TEST

START_TEST(test_delete_revoke_identify)
{
    struct cte *r = world_slot(1, 0);
    world_new(r, ObjType_RAM, 16 * PAGE);
    ck_assert_uint_eq(caps_copy(world_slot(1, 1), r, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 0, PAGE, 4, &cnode_slot(w.root, 0)->cap, 0),
                      SYS_ERR_OK);
    struct invocation inv;
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L2(0, 3), 0, 0, 0, 0, 0, &inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0], ObjType_Frame | CAP_RIGHTS_ALL << 8);
    ck_assert_uint_eq(inv.ret[1], r->cap.u.mem.base + 3 * PAGE);
    ck_assert_uint_eq(inv.ret[2], PAGE);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L1(0), 0, 0, 0, 0, 0, &inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0], ObjType_L2CNode | CAP_RIGHTS_ALL << 8 | 256ull << 32);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L2(0, 9), 0, 0, 0, 0, 0, &inv),
                      CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Delete, L2(0, 3), 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(world_slot(0, 3)->cap.type, ObjType_Null);
    ck_assert_uint_eq(fake.destroys, 1);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Delete, L2(0, 3), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Revoke, L2(1, 1), 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(r->cap.type, ObjType_Null); // the other copy
    ck_assert_uint_eq(world_slot(0, 0)->cap.type, ObjType_Null);
    ck_assert_uint_eq(fake.destroys, 4);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Revoke, L2(1, 0), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_SLOT_EMPTY);
    // Rights: delete and revoke need WRITE, identify READ.
    struct cte *ro = &w.boot[10], *wo = &w.boot[11];
    ck_assert_uint_eq(caps_copy(ro, ROOT, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(wo, ROOT, CAP_RIGHT_WRITE), SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ro, CNodeCmd_Delete, L2(1, 1), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(ro, CNodeCmd_Revoke, L2(1, 1), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(wo, CNodeCmd_Identify, L2(1, 1), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(ro, CNodeCmd_Identify, L2(1, 1), 0, 0, 0, 0, 0, &inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0] & 0xff, ObjType_RAM);
}
END_TEST

START_TEST(test_retype)
{
    struct cte *r = cnode_slot(w.root, 3);
    world_new(r, ObjType_RAM, 64 * PAGE);
    size_t n = mdb_count();
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, PAGE, PAGE, 3, L1(0), 10, NULL),
                      SYS_ERR_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(world_slot(0, 10 + i)->cap.u.mem.base,
                          r->cap.u.mem.base + PAGE * (1 + i));
    ck_assert_uint_eq(mdb_count(), n + 3);
    // Each error changes nothing.
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 0, PAGE, 2, L1(0), 20, NULL),
                      CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 8 * PAGE, PAGE, 2, L1(0), 11, NULL),
                      CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 8 * PAGE, PAGE, 2, L1(0), 255, NULL),
                      CAP_ERR_RETYPE_COUNT);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, 999, 8 * PAGE, PAGE, 2, L1(0), 20, NULL),
                      CAP_ERR_RETYPE_TYPE);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 8 * PAGE, PAGE, 2, L1(7), 20, NULL),
                      CAP_ERR_NOT_CNODE);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 8 * PAGE, PAGE, 2, L1(256), 20, NULL),
                      err_push(CAP_ERR_SLOT_RANGE, CAP_ERR_LOOKUP_L1));
    ck_assert_uint_eq(mdb_count(), n + 3);
    // The destination resolves in the caller's CSpace (inv->root).
    struct invocation inv = {.root = NULL, .target = r, .cmd = RAMCmd_Retype};
    inv.arg[0] = ObjType_Frame, inv.arg[1] = 8 * PAGE, inv.arg[2] = PAGE, inv.arg[3] = 1;
    inv.arg[4] = L1(0), inv.arg[5] = 20;
    ck_assert_uint_eq(invocation_dispatch(&inv), CAP_ERR_WRONG_TYPE);
    // Frames, DevFrames and PhysAddr retype too.
    ck_assert_uint_eq(
        invoke(world_slot(0, 10), RAMCmd_Retype, ObjType_Frame, 0, PAGE, 1, L1(0), 20, NULL),
        CAP_ERR_RETYPE_SIZE); // the whole Frame as a Frame: a copy
    ck_assert_uint_eq(invoke(&w.boot[0], RAMCmd_Retype, ObjType_PhysAddr, FAKE_PHYS_SIZE - PAGE,
                             PAGE, 1, L1(0), 20, NULL),
                      CAP_ERR_RETYPE_OVERLAP); // the world's RAM covers it all
}
END_TEST

// What the core does not own goes to the architecture's half of the table, untouched.
START_TEST(test_arch_routing)
{
    struct cte *v = world_slot(1, 0), *f = world_slot(1, 1);
    world_new(v, ObjType_VNodePML4, VNODE_SIZE);
    world_new(f, ObjType_Frame, PAGE);
    ck_assert_uint_eq(invoke(v, 0, 1, 2, 3, 4, 5, 6, NULL), SYS_ERR_ILLEGAL_INVOCATION);
    ck_assert_uint_eq(fake.invokes, 1);
    ck_assert_ptr_eq(fake.last_invoke.target, v);
    ck_assert_uint_eq(fake.last_invoke.arg[5], 6);
    fake.invoke_result = SYS_ERR_OK;
    ck_assert_uint_eq(invoke(f, RAMCmd_Num, 0, 0, 0, 0, 0, 0, NULL), SYS_ERR_OK); // unmap, say
    ck_assert_uint_eq(fake.last_invoke.cmd, RAMCmd_Num);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Num, 0, 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(invoke(cnode_slot(w.root, 0), CNodeCmd_Copy, 0, 0, 0, 0, 0, 0, NULL),
                      SYS_ERR_OK); // L2 CNodes have no core commands
    ck_assert_uint_eq(fake.invokes, 4);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L1(0), 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(fake.invokes, 4); // handled by the core
}
END_TEST

// Every object type: a command past the table's row (or far past it) is
// refused by the table itself, before any decode, whatever the cap.
START_TEST(test_table_rejects_commands_out_of_range)
{
    fake.invoke_result = SYS_ERR_OK;
    static const uint32_t bad[] = {INV_CMDS, INV_CMDS + 1, 1000, UINT32_MAX};
    for (unsigned t = 0; t < ObjType_Num; t++) {
        struct cte c = {.cap = {.type = (uint8_t)t, .rights = CAP_RIGHTS_ALL}};
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            ck_assert_msg(invoke(&c, bad[i], 0, 0, 0, 0, 0, 0, NULL) == SYS_ERR_ILLEGAL_INVOCATION,
                          "type %u command %u", t, bad[i]);
    }
    // A type number past the table (a corrupt slot) is refused too.
    struct cte c = {.cap = {.type = ObjType_Num, .rights = CAP_RIGHTS_ALL}};
    ck_assert_uint_eq(invoke(&c, 0, 0, 0, 0, 0, 0, 0, NULL), SYS_ERR_ILLEGAL_INVOCATION);
    ck_assert_uint_eq(fake.invokes, 0);
}
END_TEST

// The core's types: each command's missing right is refused before its decode,
// and commands of the type's enumeration past its last are refused.
START_TEST(test_table_rights_and_core_rows)
{
    struct cte *d = world_slot(1, 0), *ro = world_slot(1, 1), *ep = world_slot(1, 2);
    world_new(d, ObjType_Dispatcher, DISPATCHER_SIZE);
    world_new(ep, ObjType_Endpoint, ENDPOINT_SIZE);
    ck_assert_uint_eq(caps_mint(ro, d, CAP_RIGHT_READ, 0, 0), SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ro, DispatcherCmd_Run, 0, 0, 0, 0, 0, 0, NULL), CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(ro, DispatcherCmd_NotifyExit, L2(1, 2), 0, 0, 0, 0, 0, NULL),
                      CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(invoke(ro, DispatcherCmd_Info, 0, 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    // A read-only copy of the root CNode: identify only.
    ck_assert_uint_eq(caps_mint(world_slot(1, 3), ROOT, CAP_RIGHT_READ, 0, 0), SYS_ERR_OK);
    struct cte *rootro = world_slot(1, 3);
    for (uint32_t cmd = CNodeCmd_Copy; cmd < CNodeCmd_Num; cmd++)
        ck_assert_uint_eq(invoke(rootro, cmd, L2(1, 2), 7, L2(1, 2), 0, 0, 0, NULL),
                          cmd == CNodeCmd_Identify ? SYS_ERR_OK : CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(fake.invokes, 0);
}
END_TEST

// Every capref argument of every core command goes through the one checked
// lookup: bits above the level byte, a bad level, an L1 index past the
// root, an L2 lookup through a slot that is no CNode. Each is refused and
// nothing changes.
START_TEST(test_table_rejects_caprefs_out_of_range)
{
    struct cte *f = world_slot(1, 0), *d = world_slot(1, 1), *ram = world_slot(1, 2);
    world_new(f, ObjType_Frame, PAGE);
    world_new(d, ObjType_Dispatcher, DISPATCHER_SIZE);
    world_new(ram, ObjType_RAM, 4 * PAGE);
    world_new(world_slot(1, 4), ObjType_VNodePML4, VNODE_SIZE);
    ck_assert_uint_eq(caps_copy(world_slot(1, 3), ROOT, CAP_RIGHTS_ALL), SYS_ERR_OK);
    size_t before = mdb_count();
    const uint64_t good = L2(1, 0);
    static const struct {
        uint64_t ref;
        errval_t want;
    } refs[] = {
        {L2(1, 0) | 1ull << 40, SYS_ERR_INVALID_ARGS},
        {L2(1, 0) | 1ull << 63, SYS_ERR_INVALID_ARGS},
        {CAPREF(CAPADDR(1, 0), 3), SYS_ERR_INVALID_ARGS}, // no such level
        {L1(1000), CAP_ERR_LOOKUP_L1},                    // past the root's slots
        {CAPREF(CAPADDR(300, 0), CAP_LEVEL_L2), CAP_ERR_LOOKUP_L1},
        {L2(5, 0), CAP_ERR_LOOKUP_L2}, // L1 slot 5 holds no CNode
    };
    // (target, command, which argument is the capref) for every capref argument.
    struct {
        struct cte *target;
        uint32_t cmd;
        unsigned arg;
    } uses[] = {
        {ROOT, CNodeCmd_Copy, 0},     {ROOT, CNodeCmd_Copy, 2},    {ROOT, CNodeCmd_Mint, 0},
        {ROOT, CNodeCmd_Mint, 2},     {ROOT, CNodeCmd_Delete, 0},  {ROOT, CNodeCmd_Revoke, 0},
        {ROOT, CNodeCmd_Identify, 0}, {ram, RAMCmd_Retype, 4},     {d, DispatcherCmd_Setup, 0},
        {d, DispatcherCmd_Setup, 1},  {d, DispatcherCmd_Setup, 2}, {d, DispatcherCmd_NotifyExit, 0},
    };
    for (unsigned u = 0; u < sizeof(uses) / sizeof(uses[0]); u++) {
        for (unsigned r = 0; r < sizeof(refs) / sizeof(refs[0]); r++) {
            uint64_t a[INVOCATION_ARGS] = {good, 9, good, CAP_RIGHTS_ALL, 0, 0};
            if (uses[u].target == ram) { // retype one Frame into L1 slot 1's CNode
                a[0] = ObjType_Frame, a[1] = 0, a[2] = PAGE, a[3] = 1, a[4] = L1(1), a[5] = 9;
            } else if (uses[u].target == d && uses[u].cmd == DispatcherCmd_Setup) {
                a[0] = L2(1, 3), a[1] = L2(1, 4), a[2] = L2(1, 0), a[3] = 0x401000;
                a[4] = 0x7ff000;
            }
            a[uses[u].arg] = refs[r].ref;
            errval_t err =
                invoke(uses[u].target, uses[u].cmd, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
            ck_assert_msg(err_no(err) == err_no(refs[r].want), "command %u arg %u ref %u: %s",
                          uses[u].cmd, uses[u].arg, r, err_name(err));
        }
    }
    ck_assert_uint_eq(mdb_count(), before);
    ck_assert_uint_eq(fake.invokes, 0);
    // The lookup itself, as the architecture's decoders call it.
    struct invocation inv = {.root = w.root};
    struct cte *out;
    ck_assert_uint_eq(inv_lookup(&inv, good | 1ull << 45, &out), SYS_ERR_INVALID_ARGS);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(inv_lookup_full(&inv, L2(1, 77), &out), CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(inv_lookup_typed(&inv, good, ObjType_Endpoint, &out), CAP_ERR_WRONG_TYPE);
    ck_assert_uint_eq(inv_lookup_typed(&inv, good, ObjType_Frame, &out), SYS_ERR_OK);
    ck_assert_ptr_eq(out, f);
}
END_TEST

// The worked example of docs/caps.md, step by step.
START_TEST(test_docs_worked_example)
{
    ck_assert_uint_eq(caps_copy(world_slot(0, 0), ROOT, CAP_RIGHTS_ALL), SYS_ERR_OK);
    paddr_t pa = world_alloc(0x10000, 0x100000);
    ck_assert_uint_eq(pa, 0x200000);
    ck_assert_uint_eq(caps_retype(&w.boot[1], ObjType_RAM, pa - FAKE_PHYS_BASE, 0x10000, 1,
                                  &cnode_slot(w.root, 0)->cap, 1),
                      SYS_ERR_OK);
    struct cte *r = world_slot(0, 1);
    // 1. RAM -> an L2 CNode, into L1 slot 2 (through the root's copy at (0, 0)).
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_L2CNode, 0, 24576, 1, L2(0, 0), 2, NULL),
                      SYS_ERR_OK);
    struct cte *cn = cnode_slot(w.root, 2);
    ck_assert_uint_eq(cn->cap.type, ObjType_L2CNode);
    ck_assert_uint_eq(cn->cap.u.cnode.base, 0x200000);
    // 2. RAM -> a Frame after the CNode, into its slot 0; the CNode's range is taken.
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 0x6000, 4096, 1, L1(2), 0, NULL),
                      SYS_ERR_OK);
    ck_assert_uint_eq(world_slot(2, 0)->cap.u.mem.base, 0x206000);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 0x1000, 4096, 1, L1(2), 1, NULL),
                      CAP_ERR_RETYPE_OVERLAP);
    // 3. An Endpoint, a badged copy of it, a read-only copy of the Frame.
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Endpoint, 0x7000, 64, 1, L1(2), 1, NULL),
                      SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Mint, L1(2), 2, L2(2, 1),
                             CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, 42, 0, NULL),
                      SYS_ERR_OK);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Copy, L1(0), 5, L2(2, 0), CAP_RIGHT_READ, 0, 0, NULL),
                      SYS_ERR_OK);
    struct invocation inv;
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L2(0, 5), 0, 0, 0, 0, 0, &inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0], ObjType_Frame | CAP_RIGHT_READ << 8);
    ck_assert_uint_eq(inv.ret[1], 0x206000);
    ck_assert_uint_eq(inv.ret[2], 4096);
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Identify, L2(2, 2), 0, 0, 0, 0, 0, &inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0], ObjType_Endpoint | (CAP_RIGHT_WRITE | CAP_RIGHT_GRANT) << 8);
    ck_assert_uint_eq(inv.ret[1], 42);
    // The database in order: R, the CNode, the Frame twice, the Endpoint twice.
    struct cte *n = mdb_lower_bound(&r->cap);
    struct cte *order[] = {
        r, cn, world_slot(2, 0), world_slot(0, 5), world_slot(2, 1), world_slot(2, 2)};
    if (world_slot(0, 5) < world_slot(2, 0)) // copies order by slot address
        order[2] = world_slot(0, 5), order[3] = world_slot(2, 0);
    for (int i = 0; i < 6; i++, n = n->mdb.next)
        ck_assert_ptr_eq(n, order[i]);
    // 4. Revoke R: the CNode and everything in it, and the Frame's copy, go.
    ck_assert_uint_eq(invoke(ROOT, CNodeCmd_Revoke, L2(0, 1), 0, 0, 0, 0, 0, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(cn->cap.type | world_slot(0, 5)->cap.type, ObjType_Null);
    ck_assert_uint_eq(r->cap.type, ObjType_RAM);
    ck_assert(!mdb_has_descendants(r));
    ck_assert_uint_eq(fake.destroys, 3);
    ck_assert_uint_eq(fake.destroyed[0].type, ObjType_Endpoint);
    ck_assert_uint_eq(fake.destroyed[1].type, ObjType_L2CNode);
    ck_assert_uint_eq(fake.destroyed[2].type, ObjType_Frame);
    ck_assert_uint_eq(invoke(r, RAMCmd_Retype, ObjType_Frame, 0, 0x10000 / 2, 2, L1(0), 10, NULL),
                      SYS_ERR_OK); // all of R is free again
}
END_TEST

static Suite *invocations_suite(void)
{
    Suite *s = suite_create("invocations");
    TCase *tc = tcase_create("invocations");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_copy_and_mint);
    tcase_add_test(tc, test_copy_and_mint_errors);
    tcase_add_test(tc, test_delete_revoke_identify);
    tcase_add_test(tc, test_retype);
    tcase_add_test(tc, test_arch_routing);
    tcase_add_test(tc, test_table_rejects_commands_out_of_range);
    tcase_add_test(tc, test_table_rights_and_core_rows);
    tcase_add_test(tc, test_table_rejects_caprefs_out_of_range);
    tcase_add_test(tc, test_docs_worked_example);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(invocations_suite)
