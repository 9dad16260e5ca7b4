/*
 * usr/tests/kfuzz/gen.c: the supervisor: generations of two fuzzers, the
 * kernel's check after each, and the reclaim that must leave nothing.
 *
 * A generation carves everything it uses from one RAM cap (the pool): the
 * fuzzers' CSpace (an L1 CNode and three L2 CNodes), a cap of every type an
 * application can hold, and the two fuzzer dispatchers. The fuzzers share
 * that CSpace and run in our address space, holding no cap of ours. When
 * both have spent their budget (or stopped, or stalled), we stop them and
 * ask the kernel to check itself (SYS_CHECK: our CSpace reaches theirs
 * through their dispatchers); then one revoke of the pool takes everything
 * back, and a retype of the whole pool proves that nothing derived from it
 * survived.
 */
#include "kfuzz.h"
#include <kpi/dispatcher.h>
#include <kpi/syscalls.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define POOL_BYTES  (512u << 10)
#define STACK_BYTES (16u << 10)
#define STALL_MS    200 // no call for this long: the fuzzers are stuck
#define CHECK_EVERY 16  // generations between checks after the reclaim too

// Where each object of a generation lies in the pool.
enum {
    OFF_L1 = 0,
    OFF_L2 = 24 << 10, // three, 24 KiB each
    OFF_EP = 96 << 10,
    OFF_FRAME = 100 << 10,
    OFF_FRAME_BIG = 104 << 10,
    OFF_VNODES = 120 << 10, // PML4, PDPT, PD, PT: 8 KiB each
    OFF_DISP = 152 << 10,
    OFF_IOL4 = 156 << 10,
    OFF_IOL1 = 164 << 10,
    OFF_FUZZ_DISP = 172 << 10, // the two fuzzers' dispatchers
    OFF_LEND = 180 << 10,      // the frame lent to the other core
    OFF_RAM_SMALL = 184 << 10,
    OFF_RAM = 256 << 10,
};
#define RAM_BYTES       (256u << 10)
#define RAM_SMALL_BYTES (16u << 10)

// Our side of a generation: slots reused by every generation (each empty
// again after the reclaim), and what lives for the whole run.
static struct {
    capref_t pool, root, l2[N_L2], tmp, disp[2], lend, spare;
    capref_t frame[2];
    void *frame_va[2];
    uint64_t stack_top[2];
} g;

static struct fuzzer fuzzers[2];

static MUST_CHECK errval_t carve(capref_t dest, enum objtype type, uint64_t off, uint64_t bytes)
{
    return invoke_ram_retype(g.pool, type, off, bytes, 1, cap_cnode(dest), cap_slot(dest));
}

// Copy (or mint) src into slot i of the fuzzers' CNodes A and C (the
// spare copy they restock A from).
static MUST_CHECK errval_t give(uint32_t i, capref_t src, uint8_t rights, uint64_t badge)
{
    errval_t err = SYS_ERR_OK;
    for (unsigned cn = 0; cn < N_L2 && err_is_ok(err); cn += 2) {
        if (badge)
            err = invoke_cnode_mint(cap_root, g.l2[cn], i, src, rights, badge, 0);
        else
            err = invoke_cnode_copy(cap_root, g.l2[cn], i, src, rights);
    }
    return err;
}

// Carve an object into tmp, give it to slot i of A, drop tmp.
static MUST_CHECK errval_t give_new(uint32_t i, enum objtype type, uint64_t off, uint64_t bytes)
{
    errval_t err = carve(g.tmp, type, off, bytes);
    if (err_is_ok(err))
        err = give(i, g.tmp, CAP_RIGHTS_ALL, 0);
    errval_t del = invoke_cnode_delete(cap_root, g.tmp);
    return err_is_ok(err) ? del : err;
}

// The CSpace: root, A, B, C; C also in A (P_L2COPY), the root in A.
static MUST_CHECK errval_t make_cspace(void)
{
    errval_t err = carve(g.root, ObjType_L1CNode, OFF_L1, OBJSIZE_CTE * L1_CNODE_MIN_SLOTS);
    for (uint32_t i = 0; i < N_L2 && err_is_ok(err); i++) {
        err = carve(g.l2[i], ObjType_L2CNode, OFF_L2 + i * OBJSIZE_L2CNODE, OBJSIZE_L2CNODE);
        if (err_is_ok(err))
            err = invoke_cnode_copy(cap_root, g.root, i, g.l2[i], CAP_RIGHTS_ALL);
    }
    if (err_is_ok(err))
        err = give(P_ROOT, g.root, CAP_RIGHTS_ALL, 0);
    if (err_is_ok(err))
        err = give(P_L2COPY, g.l2[2], CAP_RIGHTS_ALL, 0);
    return err;
}

static MUST_CHECK errval_t make_pool(capref_t theirs)
{
    static const struct {
        uint32_t slot;
        uint8_t type;
        uint32_t off, bytes;
    } objs[] = {
        {P_RAM, ObjType_RAM, OFF_RAM, RAM_BYTES},
        {P_RAM_SMALL, ObjType_RAM, OFF_RAM_SMALL, RAM_SMALL_BYTES},
        {P_FRAME_BIG, ObjType_Frame, OFF_FRAME_BIG, 4 * OBJSIZE_PAGE},
        {P_PML4, ObjType_VNodePML4, OFF_VNODES, OBJSIZE_VNODE},
        {P_PDPT, ObjType_VNodePDPT, OFF_VNODES + OBJSIZE_VNODE, OBJSIZE_VNODE},
        {P_PD, ObjType_VNodePD, OFF_VNODES + 2 * OBJSIZE_VNODE, OBJSIZE_VNODE},
        {P_PT, ObjType_VNodePT, OFF_VNODES + 3 * OBJSIZE_VNODE, OBJSIZE_VNODE},
        {P_DISP, ObjType_Dispatcher, OFF_DISP, OBJSIZE_DISPATCHER},
        {P_IOL4, ObjType_IOVNodeL4, OFF_IOL4, OBJSIZE_IOVNODE},
        {P_IOL1, ObjType_IOVNodeL1, OFF_IOL1, OBJSIZE_IOVNODE},
    };
    errval_t err = SYS_ERR_OK;
    for (unsigned i = 0; i < sizeof(objs) / sizeof(objs[0]) && err_is_ok(err); i++)
        err = give_new(objs[i].slot, objs[i].type, objs[i].off, objs[i].bytes);
    // The endpoint and the frame with their second copies (badged, read-only).
    if (err_is_ok(err))
        err = carve(g.tmp, ObjType_Endpoint, OFF_EP, OBJSIZE_ENDPOINT);
    if (err_is_ok(err))
        err = give(P_EP, g.tmp, CAP_RIGHTS_ALL, 0);
    if (err_is_ok(err))
        err = give(P_EP_BADGED, g.tmp, CAP_RIGHTS_ALL, 0x42);
    err_ignore(invoke_cnode_delete(cap_root, g.tmp),
               "cleanup of a scratch slot: an empty slot is fine");
    if (err_is_ok(err))
        err = carve(g.tmp, ObjType_Frame, OFF_FRAME, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = give(P_FRAME, g.tmp, CAP_RIGHTS_ALL, 0);
    if (err_is_ok(err))
        err = give(P_FRAME_RO, g.tmp, CAP_RIGHT_READ, 0);
    err_ignore(invoke_cnode_delete(cap_root, g.tmp),
               "cleanup of a scratch slot: an empty slot is fine");
    // The other core revokes its frame during its own generation, which
    // may have begun: then it is gone before we could give it.
    if (err_is_ok(err) && theirs &&
        err_no(err = give(P_REMOTE, theirs, CAP_RIGHTS_ALL, 0)) == CAP_ERR_SLOT_EMPTY)
        err = SYS_ERR_OK;
    return err;
}

static MUST_CHECK errval_t start_fuzzers(const struct run *r, uint64_t gen)
{
    errval_t err = SYS_ERR_OK;
    for (unsigned i = 0; i < 2 && err_is_ok(err); i++) {
        struct fuzzer *f = &fuzzers[i];
        memset(f, 0, sizeof(*f));
        f->budget = r->batch;
        f->seed = fuzz_seed(r->seed, gen, i);
        f->id = i;
        struct dispatcher_frame *df = g.frame_va[i];
        memset(df, 0, sizeof(*df));
        // A panic names the dispatcher it ran: this says which generation.
        snprintf(df->name, sizeof(df->name), "kfuzz-%u gen %lu", i, gen);
        err = carve(g.disp[i], ObjType_Dispatcher, OFF_FUZZ_DISP + i * OBJSIZE_PAGE,
                    OBJSIZE_DISPATCHER);
        // The stack's top is 16-byte aligned less 8: as if fuzz_main had been called.
        if (err_is_ok(err))
            err = invoke_dispatcher_setup(g.disp[i], g.root, cap_vroot, g.frame[i],
                                          (uint64_t)fuzz_main, g.stack_top[i] - 8, (uint64_t)f);
    }
    for (unsigned i = 0; i < 2 && err_is_ok(err); i++)
        err = invoke_dispatcher_run(g.disp[i]);
    return err;
}

static uint64_t ms_since(uint64_t t0) { return (sys_rdtsc() - t0) * 1000 / sys_tsc_hz(); }

static bool stopped(capref_t d)
{
    uint64_t state = 0, status;
    return err_is_fail(invoke_dispatcher_info(d, &state, &status)) || state == DISP_STATE_STOPPED;
}

// Wait for both fuzzers (yielding to them); lend's copies on the other
// core are revoked when the calls reach revoke_at. True if they stopped on
// their own (spent, exited or killed), false if they stalled.
static bool wait_fuzzers(uint64_t revoke_at, struct totals *t)
{
    uint64_t last = 0, t_last = sys_rdtsc();
    bool revoked = !g.lend;
    for (;;) {
        sys_yield();
        uint64_t calls = fuzzers[0].calls + fuzzers[1].calls;
        if (!revoked && calls >= revoke_at) {
            errval_t err = peer_revoke(g.lend);
            t->revokes_remote += err_is_ok(err);
            revoked = true;
        }
        if (stopped(g.disp[0]) && stopped(g.disp[1]))
            return true;
        if (calls != last) {
            last = calls;
            t_last = sys_rdtsc();
        } else if (ms_since(t_last) > STALL_MS) {
            return false;
        }
    }
}

static void print_ring(const struct run *r, const struct fuzzer *f)
{
    uint64_t n = f->calls, first = n > RING ? n - RING : 0;
    printf("%s: fuzzer %u, seed %#lx, its last %lu calls:\n", r->who, f->id, f->seed, n - first);
    for (uint64_t i = first; i < n; i++) {
        const struct call *c = &f->ring[i % RING];
        printf("  #%lu %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %s\n", i,
               fuzz_op_name(c->op), c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5], c->a[6],
               c->a[7], err_name(c->err));
    }
}

static void report_breach(const struct run *r, uint64_t gen, const char *what, errval_t err)
{
    printf("%s: BREACH %s: %s (run seed %#lx, generation %lu: FUZZ_SEED=%#lx FUZZ_GEN=%lu "
           "reproduces it)\n",
           r->who, what, err_name(err), r->seed, gen, r->seed, gen);
    print_ring(r, &fuzzers[0]);
    print_ring(r, &fuzzers[1]);
}

static MUST_CHECK errval_t kernel_check(struct totals *t)
{
    struct sysret s = syscall10(SYS_CHECK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    t->checks++;
    t->nodes = s.w[0];
    t->entries += s.w[2];
    return s.err;
}

// Take the generation back: one revoke of the pool (reaching other cores
// if a copy went there), then the whole pool as one Frame: it fails if
// anything made from the pool survived.
static MUST_CHECK errval_t reclaim(void)
{
    errval_t err = cap_revoke(g.pool);
    if (err_is_ok(err))
        err = carve(g.spare, ObjType_Frame, 0, POOL_BYTES);
    if (err_is_ok(err))
        err = invoke_cnode_delete(cap_root, g.spare);
    return err;
}

// One generation. 0: fine; 1: breach or leak (reported); -1: the partner
// on the other core has ended the run.
static int generation(const struct run *r, uint64_t gen, struct totals *t)
{
    capref_t theirs = NULL_CAP;
    errval_t err = SYS_ERR_OK;
    if (r->peer) {
        err = carve(g.lend, ObjType_Frame, OFF_LEND, OBJSIZE_PAGE);
        if (err_is_ok(err) && !peer_exchange(g.lend, &theirs))
            return -1; // the partner is done (or gone: its own report says why)
    }
    if (err_is_ok(err))
        err = make_cspace();
    if (err_is_ok(err))
        err = make_pool(theirs);
    if (err_is_ok(err) && r->peer)
        err = give(P_EXPORTED, g.lend, CAP_RIGHTS_ALL, 0);
    if (err_is_ok(err))
        err = start_fuzzers(r, gen);
    if (err_is_fail(err)) {
        printf("%s: generation %lu set-up: %s\n", r->who, gen, err_name(err));
        return 1;
    }
    uint64_t revoke_at = fuzz_seed(r->seed, gen, 7) % (2 * r->batch);
    bool finished = wait_fuzzers(revoke_at, t);
    err_ignore(invoke_dispatcher_stop(g.disp[0]), "cleanup: the test's children end with the test");
    err_ignore(invoke_dispatcher_stop(g.disp[1]), "cleanup: the test's children end with the test");
    t->calls += fuzzers[0].calls + fuzzers[1].calls;
    for (unsigned i = 0; i < 2; i++) {
        for (unsigned op = 0; op < OPS; op++) {
            t->made[op] += fuzzers[i].made[op];
            t->ok[op] += fuzzers[i].ok[op];
        }
    }
    t->ended_early += !finished || fuzzers[0].calls < r->batch || fuzzers[1].calls < r->batch;
    if (r->verbose) {
        print_ring(r, &fuzzers[0]);
        print_ring(r, &fuzzers[1]);
    }
    errval_t breach = kernel_check(t);
    if (err_is_fail(breach))
        report_breach(r, gen, "after the calls", breach);
    if (theirs) {
        // Empty already if the other core revoked it: either way the slot is free.
        err_ignore(invoke_cnode_delete(cap_root, theirs),
                   "cleanup of a scratch slot: an empty slot is fine");
        slot_free(theirs);
    }
    err = reclaim();
    if (err_is_ok(err) && err_is_ok(breach) && gen % CHECK_EVERY == 0)
        err = kernel_check(t);
    if (err_is_fail(err))
        report_breach(r, gen, "after the reclaim (a leak if the retype failed)", err);
    return err_is_fail(breach) || err_is_fail(err);
}

// Slots and the fuzzers' frames and stacks, once for the run.
static MUST_CHECK errval_t setup_run(void)
{
    capref_t *slots[] = {&g.root,    &g.l2[0],   &g.l2[1], &g.l2[2], &g.tmp,
                         &g.disp[0], &g.disp[1], &g.lend,  &g.spare};
    // The pool is the RAM cap mem_serv sent: revoking it each generation
    // must spare mem_serv's own copy (it came without CAP_RIGHT_OWNER), or
    // the memory checks after the run see memory lost.
    errval_t err = ram_alloc(&g.pool, POOL_BYTES, OBJSIZE_PAGE);
    for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]) && err_is_ok(err); i++)
        err = slot_alloc(slots[i]);
    for (unsigned i = 0; i < 2 && err_is_ok(err); i++) {
        capref_t stack;
        void *va;
        err = frame_alloc(&g.frame[i], OBJSIZE_PAGE);
        if (err_is_ok(err))
            err = vspace_map(g.frame[i], OBJSIZE_PAGE, MAP_WRITE, &g.frame_va[i]);
        if (err_is_ok(err))
            err = frame_alloc(&stack, STACK_BYTES);
        if (err_is_ok(err))
            err = vspace_map(stack, STACK_BYTES, MAP_WRITE, &va);
        g.stack_top[i] = (uint64_t)va + STACK_BYTES;
    }
    return err;
}

int run_generations(const struct run *r, struct totals *t)
{
    errval_t err = setup_run();
    if (err_is_fail(err)) {
        printf("%s: set-up: %s\n", r->who, err_name(err));
        return 1;
    }
    uint64_t t0 = sys_rdtsc(), next_progress = 100000;
    int bad = 0;
    for (uint64_t gen = r->first_gen; !bad; gen++) {
        if (r->max_gens ? t->gens >= r->max_gens : t->calls >= r->calls)
            break;
        bad = generation(r, gen, t);
        if (bad < 0) {
            bad = !r->helper; // the partner stops us; it never stops by itself
            break;
        }
        t->gens++;
        if (t->calls >= next_progress) {
            printf("%s: %lu calls, %lu generations, %lu checks, %lu s\n", r->who, t->calls, t->gens,
                   t->checks, ms_since(t0) / 1000);
            next_progress += 100000;
        }
    }
    if (!bad)
        err = kernel_check(t);
    if (err_is_fail(err)) {
        report_breach(r, 0, "at the end", err);
        bad = 1;
    }
    // The fuzzers' frames and stacks stay mapped until we exit: our
    // process's end returns them with everything else.
    err = ram_free(g.pool);
    if (err_is_fail(err)) {
        printf("%s: giving the pool back: %s\n", r->who, err_name(err));
        bad = 1;
    }
    return bad;
}
