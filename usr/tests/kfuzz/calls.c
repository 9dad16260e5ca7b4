/*
 * usr/tests/kfuzz/calls.c: the fuzzer's calls: valid and invalid
 * invocations chosen by the types of the caps in its pool.
 *
 * Runs as a bare dispatcher in the supervisor's address space: only system
 * calls and writes to its own struct fuzzer (no library state, no heap).
 * Arguments are mostly plausible (a pool slot, a free slot, an object size
 * of the type, a page offset) and sometimes not (a stale slot, an index out
 * of range, a wrong level, a huge or misaligned size, bad flags), so that
 * both the checks and the work behind them are reached.
 */
#include "kfuzz.h"
#include <kpi/syscalls.h>
#include <sys/syscall.h>

// What the calls make lands in slots FREE_FIRST.. FREE_FIRST + RESULT_SLOTS
// of each L2 CNode: few enough that later calls find it again.
#define RESULT_SLOTS 24

enum op {
    OP_PROLOGUE,
    OP_RETYPE,
    OP_COPY,
    OP_MINT,
    OP_DELETE,
    OP_REVOKE,
    OP_IDENTIFY,
    OP_MAP,
    OP_UNMAP,
    OP_SEND,
    OP_RECV,
    OP_CALL,
    OP_DISPATCHER,
    OP_RAW,
    OP_RESTOCK,
    OP_NUM
};
_Static_assert(OP_NUM == OPS, "kfuzz.h counts every kind of call");

static const char *const op_names[OP_NUM] = {
    "prologue", "retype", "copy", "mint", "delete", "revoke", "identify", "map",
    "unmap",    "send",   "recv", "call", "disp",   "raw",    "restock",
};

const char *fuzz_op_name(uint64_t op) { return op < OP_NUM ? op_names[op] : "?"; }

// Weights of the operations (out of 128).
static const uint8_t op_weight[OP_NUM] = {
    [OP_RETYPE] = 20,  [OP_COPY] = 14,      [OP_MINT] = 6,  [OP_DELETE] = 12, [OP_REVOKE] = 4,
    [OP_IDENTIFY] = 4, [OP_MAP] = 16,       [OP_UNMAP] = 6, [OP_SEND] = 10,   [OP_RECV] = 10,
    [OP_CALL] = 3,     [OP_DISPATCHER] = 5, [OP_RAW] = 12,  [OP_RESTOCK] = 6,
};

static uint64_t pick(uint64_t *s, uint64_t n) { return fuzz_rand(s) % n; }

static capref_t slot_a(uint32_t i) { return CAPREF(CAPADDR(0, i), CAP_LEVEL_L2); }

// A slot where calls put what they make (see dest()).
static uint64_t result_slot(uint64_t *s)
{
    return CAPREF(CAPADDR(pick(s, N_L2), FREE_FIRST + pick(s, RESULT_SLOTS)), CAP_LEVEL_L2);
}

// A cap address: mostly a pool slot or one where results land; sometimes
// an L1 slot, an empty or out-of-range one, a wrong level, or any word.
static uint64_t any_slot(uint64_t *s)
{
    uint64_t r = pick(s, 100);
    if (r < 45)
        return slot_a((uint32_t)pick(s, P_NUM));
    if (r < 75)
        return pick(s, 4) ? result_slot(s)
                          : CAPREF(CAPADDR(pick(s, N_L2), pick(s, 32)), CAP_LEVEL_L2);
    if (r < 85)
        return CAPREF(pick(s, 8), CAP_LEVEL_L1);
    if (r < 92)
        return CAPREF(CAPADDR(pick(s, 300), pick(s, 256)), CAP_LEVEL_L2);
    if (r < 96)
        return CAPREF(pick(s, 1u << 20), pick(s, 4));
    return fuzz_rand(s);
}

// A slot to delete or revoke: mostly something made by the calls; the
// pool's caps less often (the pool would be gone early in a generation),
// our root or an L1 slot only rarely (that ends the generation).
static uint64_t victim_slot(uint64_t *s)
{
    uint64_t r = pick(s, 4) ? result_slot(s) : any_slot(s);
    if ((r == slot_a(P_ROOT) || CAPREF_LEVEL(r) == CAP_LEVEL_L1) && pick(s, 64))
        return slot_a(P_RAM_SMALL);
    return r;
}

// A destination CNode (a cap address of a CNode) and a slot in it.
static void dest(uint64_t *s, uint64_t *cnode, uint64_t *slot)
{
    uint64_t r = pick(s, 100);
    *cnode = r < 85 ? CAPREF(pick(s, N_L2), CAP_LEVEL_L1) : r < 92 ? slot_a(P_ROOT) : any_slot(s);
    *slot = pick(s, 16)   ? FREE_FIRST + pick(s, RESULT_SLOTS)
            : pick(s, 16) ? pick(s, 300)
                          : fuzz_rand(s);
}

static const uint64_t type_size[] = {
    [ObjType_RAM] = 4096,
    [ObjType_Frame] = 4096,
    [ObjType_L1CNode] = OBJSIZE_CTE * L1_CNODE_MIN_SLOTS,
    [ObjType_L2CNode] = OBJSIZE_L2CNODE,
    [ObjType_VNodePML4] = OBJSIZE_VNODE,
    [ObjType_VNodePDPT] = OBJSIZE_VNODE,
    [ObjType_VNodePD] = OBJSIZE_VNODE,
    [ObjType_VNodePT] = OBJSIZE_VNODE,
    [ObjType_Dispatcher] = OBJSIZE_DISPATCHER,
    [ObjType_Endpoint] = OBJSIZE_ENDPOINT,
    [ObjType_IOVNodeL4] = OBJSIZE_IOVNODE,
    [ObjType_IOVNodeL1] = OBJSIZE_IOVNODE,
};

static uint64_t any_type(uint64_t *s)
{
    return pick(s, 8) ? pick(s, ObjType_Num) : pick(s, 4) ? pick(s, 256) : fuzz_rand(s);
}

// A size: the type's, a page multiple, or something wrong.
static uint64_t any_size(uint64_t *s, uint64_t type)
{
    uint64_t r = pick(s, 16);
    if (r < 8 && type < sizeof(type_size) / sizeof(type_size[0]) && type_size[type])
        return type_size[type] << (pick(s, 4) == 0 ? pick(s, 3) : 0);
    if (r < 13)
        return 4096ull << pick(s, 6);
    const uint64_t bad[] = {0, 1, 4097, 96, 1ull << 40, 1ull << 63, ~0ull, 4096ull * 3};
    return bad[pick(s, 8)];
}

static uint64_t any_offset(uint64_t *s)
{
    uint64_t r = pick(s, 16);
    return r < 2 ? 0 : r < 13 ? 4096 * pick(s, 64) : r < 15 ? pick(s, 8192) : fuzz_rand(s);
}

static uint64_t any_rights(uint64_t *s) { return pick(s, 8) ? pick(s, 16) : fuzz_rand(s); }

static uint64_t word(uint64_t *s)
{
    const uint64_t small[] = {0, 1, 2, 3, 4, 511, 512, 4096, ~0ull};
    return pick(s, 4) ? small[pick(s, 9)] : fuzz_rand(s);
}

// ---- The operations: fill a[] and make the call ----

static MUST_CHECK errval_t invoke(uint64_t *a, uint32_t cmd)
{
    return cap_invoke(a[0], cmd, a[1], a[2], a[3], a[4], a[5], a[6]).err;
}

static MUST_CHECK errval_t op_retype(uint64_t *s, uint64_t *a)
{
    a[0] = pick(s, 4) ? slot_a(pick(s, 2)   ? P_RAM
                               : pick(s, 2) ? P_RAM_SMALL
                                            : P_FRAME_BIG)
                      : any_slot(s);
    static const uint8_t useful[] = {ObjType_Frame,    ObjType_Frame,      ObjType_RAM,
                                     ObjType_VNodePT,  ObjType_VNodePD,    ObjType_L2CNode,
                                     ObjType_Endpoint, ObjType_Dispatcher, ObjType_IOVNodeL1};
    uint64_t r = pick(s, 8);
    a[1] = r < 4   ? useful[pick(s, sizeof(useful))]
           : r < 7 ? ObjType_RAM + pick(s, 19)
                   : any_type(s);
    a[2] = any_offset(s);
    a[3] = any_size(s, a[1]);
    a[4] = pick(s, 8) ? 1 + pick(s, 4) : word(s);
    dest(s, &a[5], &a[6]);
    return invoke(a, RAMCmd_Retype);
}

static MUST_CHECK errval_t op_copy(uint64_t *s, uint64_t *a, bool mint)
{
    a[0] = pick(s, 8) ? slot_a(P_ROOT) : any_slot(s); // the CNode invoked
    dest(s, &a[1], &a[2]);
    static const uint8_t worth[] = {P_FRAME, P_FRAME_BIG, P_REMOTE,   P_EXPORTED, P_EP,
                                    P_PT,    P_RAM_SMALL, P_FRAME_RO, P_DISP};
    a[3] = pick(s, 2) ? slot_a(worth[pick(s, sizeof(worth))]) : any_slot(s);
    a[4] = pick(s, 2) ? CAP_RIGHTS_ALL : any_rights(s);
    a[5] = mint ? word(s) : 0;
    a[6] = mint ? word(s) : 0;
    return invoke(a, mint ? CNodeCmd_Mint : CNodeCmd_Copy);
}

static MUST_CHECK errval_t op_cnode1(uint64_t *s, uint64_t *a, uint32_t cmd)
{
    a[0] = pick(s, 8) ? slot_a(P_ROOT) : any_slot(s);
    a[1] = cmd == CNodeCmd_Identify ? any_slot(s) : victim_slot(s);
    return invoke(a, cmd);
}

// A table slot, biased to the pool's tables.
static uint64_t table_slot(uint64_t *s)
{
    const uint32_t tables[] = {P_PML4, P_PDPT, P_PD, P_PT, P_IOL4, P_IOL1};
    return pick(s, 4) ? slot_a(tables[pick(s, 6)]) : any_slot(s);
}

static MUST_CHECK errval_t op_map(uint64_t *s, uint64_t *a)
{
    if (pick(s, 2)) { // most likely to succeed: one page of a made or copied frame
        a[0] = slot_a(pick(s, 4) ? P_PT : P_IOL1);
        a[1] = pick(s, 512);
        a[2] = result_slot(s);
        a[3] = pick(s, 2) ? MAP_WRITE : 0;
        a[5] = 1;
        return invoke(a, VNodeCmd_Map);
    }
    a[0] = table_slot(s);
    a[1] = pick(s, 8) ? pick(s, 512) : word(s); // entry
    a[2] = any_slot(s);
    a[3] = pick(s, 8) ? pick(s, 8) : fuzz_rand(s); // MAP_* flags
    a[4] = pick(s, 4) ? pick(s, 2) : word(s);      // offset in pages
    a[5] = pick(s, 4) ? 1 + pick(s, 4) : word(s);  // pages
    a[6] = 0;
    return invoke(a, VNodeCmd_Map);
}

static uint64_t ep_slot(uint64_t *s)
{
    return pick(s, 4) ? slot_a(pick(s, 2) ? P_EP : P_EP_BADGED) : any_slot(s);
}

// Send flags: mostly non-blocking (two fuzzers may both block for good).
static uint64_t send_flags(uint64_t *s)
{
    uint64_t f = LMP_FLAG_NONBLOCK * (pick(s, 16) != 0) | LMP_FLAG_SEND_CAP * pick(s, 2) |
                 LMP_FLAG_YIELD * (pick(s, 4) == 0) | LMP_FLAG_NOTIFY * (pick(s, 8) == 0);
    return pick(s, 16) ? f : fuzz_rand(s);
}

static MUST_CHECK errval_t op_send(uint64_t *s, uint64_t *a)
{
    a[0] = ep_slot(s);
    a[1] = send_flags(s);
    a[2] = any_slot(s);
    for (unsigned i = 3; i < 7; i++)
        a[i] = word(s);
    return syscall10(SYS_SEND, a[0], a[1], a[2], a[3], a[4], a[5], a[6], 0, 0, 0).err;
}

// Receives wait a tick or two, or not at all, or (rarely) for good.
static uint64_t recv_flags(uint64_t *s, uint64_t *timeout)
{
    uint64_t r = pick(s, 16);
    *timeout = pick(s, 4) ? 1 + pick(s, 20000) : word(s);
    return r < 7 ? LMP_FLAG_NONBLOCK : r < 15 ? LMP_FLAG_TIMEOUT : r == 15 ? 0 : fuzz_rand(s);
}

static MUST_CHECK errval_t op_recv(uint64_t *s, uint64_t *a)
{
    a[0] = ep_slot(s);
    a[1] = recv_flags(s, &a[3]);
    uint64_t cn;
    dest(s, &cn, &a[2]);
    a[2] = CAPREF(CAPADDR(CAPREF_ADDR(cn) % N_L2, a[2] % 256), CAP_LEVEL_L2);
    if (!pick(s, 8))
        a[2] = any_slot(s);
    return syscall10(SYS_RECV, a[0], a[1], a[2], a[3], 0, 0, 0, 0, 0, 0).err;
}

static MUST_CHECK errval_t op_call(uint64_t *s, uint64_t *a)
{
    uint64_t timeout;
    a[0] = ep_slot(s);
    a[1] = (send_flags(s) & ~(uint64_t)LMP_FLAG_NONBLOCK) | recv_flags(s, &timeout);
    a[2] = any_slot(s);
    a[3] = word(s);
    a[4] = ep_slot(s);
    a[5] = any_slot(s);
    a[6] = timeout;
    return syscall10(SYS_CALL, a[0], a[1], a[2], a[3], 0, 0, 0, a[4], a[5], a[6]).err;
}

// The dispatcher in the pool: set up (with caps of the right types or
// not), asked about, stopped; made to run only rarely (it faults at once
// in an address space with one page, and the kernel says so).
static MUST_CHECK errval_t op_dispatcher(uint64_t *s, uint64_t *a)
{
    a[0] = pick(s, 4) ? slot_a(P_DISP) : any_slot(s);
    uint64_t r = pick(s, 64);
    uint32_t cmd = r < 24   ? DispatcherCmd_Setup
                   : r < 48 ? DispatcherCmd_Info
                   : r < 62 ? DispatcherCmd_Stop
                   : r < 63 ? DispatcherCmd_Run
                            : (uint32_t)pick(s, 8);
    a[1] = pick(s, 4) ? slot_a(P_ROOT) : any_slot(s);
    a[2] = pick(s, 4) ? slot_a(P_PML4) : any_slot(s);
    a[3] = pick(s, 4) ? slot_a(P_FRAME_BIG) : any_slot(s);
    a[4] = word(s);
    a[5] = word(s);
    a[6] = word(s);
    a[7] = cmd;
    return cap_invoke(a[0], cmd, a[1], a[2], a[3], a[4], a[5], a[6]).err;
}

// Any system call with any arguments (printing and the check excepted:
// garbage on the console, and a check is no attack).
static MUST_CHECK errval_t op_raw(uint64_t *s, uint64_t *a)
{
    uint64_t num = pick(s, 16) ? pick(s, SYS_COUNT) : fuzz_rand(s);
    if (num == SYS_PRINT || num == SYS_CHECK || (num == SYS_EXIT && pick(s, 4096)))
        num = SYS_YIELD;
    a[0] = any_slot(s);
    a[1] = num == SYS_INVOKE ? pick(s, 10) : word(s);
    for (unsigned i = 2; i < 7; i++)
        a[i] = pick(s, 2) ? any_slot(s) : word(s);
    a[7] = num;
    return syscall10(num, a[0], a[1], a[2], a[3], a[4], a[5], a[6], word(s), any_slot(s), 100).err;
}

static MUST_CHECK errval_t make_call(uint64_t op, uint64_t *s, uint64_t *a)
{
    switch (op) {
    case OP_RETYPE: return op_retype(s, a);
    case OP_COPY: return op_copy(s, a, false);
    case OP_MINT: return op_copy(s, a, true);
    case OP_DELETE: return op_cnode1(s, a, CNodeCmd_Delete);
    case OP_REVOKE: return op_cnode1(s, a, CNodeCmd_Revoke);
    case OP_IDENTIFY: return op_cnode1(s, a, CNodeCmd_Identify);
    case OP_MAP: return op_map(s, a);
    case OP_UNMAP: a[0] = any_slot(s); return invoke(a, MappedCmd_Unmap);
    case OP_SEND: return op_send(s, a);
    case OP_RECV: return op_recv(s, a);
    case OP_CALL: return op_call(s, a);
    case OP_DISPATCHER: return op_dispatcher(s, a);
    case OP_RESTOCK: // a pool cap again in A, from the spare in C
        a[0] = slot_a(P_ROOT), a[1] = CAPREF(0, CAP_LEVEL_L1), a[2] = pick(s, P_NUM);
        a[3] = CAPREF(CAPADDR(2, a[2]), CAP_LEVEL_L2), a[4] = CAP_RIGHTS_ALL;
        return invoke(a, CNodeCmd_Copy);
    default: return op_raw(s, a);
    }
}

static uint64_t pick_op(uint64_t *s)
{
    uint64_t r = pick(s, 128);
    for (uint64_t op = 0; op < OP_NUM; op++) {
        if (r < op_weight[op])
            return op;
        r -= op_weight[op];
    }
    return OP_RAW;
}

static void record(struct fuzzer *f, uint64_t op, const uint64_t *a, errval_t err)
{
    struct call *c = &f->ring[f->calls % RING];
    c->op = op;
    for (unsigned i = 0; i < 8; i++)
        c->a[i] = a[i];
    c->err = err;
    f->made[op]++;
    f->ok[op] += err_is_ok(err);
    f->calls++;
}

// Fuzzer 0 first maps its tables into each other and two frames into the
// PT, so that deletes, revokes and unmaps meet live mappings.
static void prologue(struct fuzzer *f)
{
    const uint32_t steps[][5] = {
        {P_PML4, 0, P_PDPT, 0, 1},
        {P_PDPT, 0, P_PD, 0, 1},
        {P_PD, 0, P_PT, 0, 1},
        {P_PT, 0, P_FRAME, MAP_WRITE, 1},
        {P_PT, 8, P_FRAME_BIG, MAP_WRITE, 4},
        {P_PT, 1, P_FRAME_RO, 0, 1},
        {P_PT, 16, P_REMOTE, MAP_WRITE, 1},
        {P_PT, 17, P_EXPORTED, MAP_WRITE, 1},
    };
    for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        uint64_t a[8] = {slot_a(steps[i][0]), steps[i][1], slot_a(steps[i][2]),
                         steps[i][3],         0,           steps[i][4]};
        record(f, OP_PROLOGUE, a, invoke(a, VNodeCmd_Map));
    }
}

void fuzz_main(uint64_t arg)
{
    struct fuzzer *f = (struct fuzzer *)arg;
    uint64_t s = f->seed;
    if (f->id == 0)
        prologue(f);
    while (f->calls < f->budget) {
        uint64_t a[8] = {0};
        uint64_t op = pick_op(&s);
        errval_t err = make_call(op, &s, a);
        record(f, op, a, err);
    }
    sys_exit(0);
}
