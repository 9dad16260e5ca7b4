/* tests/unit/kernel/check_lmp_fastpath.c: the LMP fast path against the general path. */
#include "fake_dispatch.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

// Each sequence is run twice from the same world: once with every system
// call on the general path (syscall_handle), once with SYS_SEND and
// SYS_CALL offered to lmp_fastpath first, as the CPU driver's entry does.
// The dispatcher that runs each step is the one kernel_exit picks; events
// between steps (timer ticks, interrupts, a dispatcher losing its VSpace)
// come from the same random stream. After every step the two runs must
// agree on every dispatcher (state, registers, queues, receive slot,
// timed wait), every endpoint (both queues, pending badges), the run
// queue, the list of timed waits, the receive slots' contents, and who
// runs next; where the fast path was taken, it must have named that one.
//
// LMPFP_SEED, LMPFP_SEQUENCES, LMPFP_STEPS in the environment override the
// defaults for longer runs.

#define NDISP 4
#define NEP   3
#define NREF  16 // endpoint caps and other cap references the calls use

// World layout: dispatchers in (1, i), endpoints in (0, 10 + e), minted
// copies in (0, 20+), a Frame in (0, 50), receive slots in (0, 100 + i).
static uint64_t ref(uint32_t l1, uint32_t l2) { return CAPREF(CAPADDR(l1, l2), CAP_LEVEL_L2); }

static struct dcb *disp[NDISP];
static struct endpoint *eps[NEP];
static uint64_t refs[NREF];
static unsigned nrefs;

struct snap {
    struct {
        struct trap_frame regs;
        uint8_t state, blocked_sending, recv_slot_level, call_pending;
        int blocked_on, ep_next;
        capaddr_t recv_slot;
        uint64_t wake_tick, exit_status;
        bool queued;
    } d[NDISP];
    struct {
        int recv[NDISP + 1], send[NDISP + 1];
        uint64_t pending;
    } e[NEP];
    int runq[NDISP + 1], timed[NDISP + 1];
    int current, next;
    uint8_t slot_type[NDISP];
};

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

static int disp_index(const struct dcb *d)
{
    for (int i = 0; i < NDISP; i++) {
        if (disp[i] == d)
            return i;
    }
    ck_assert_msg(d == NULL, "a dispatcher outside the test");
    return -1;
}

static int ep_index(const struct endpoint *e)
{
    for (int i = 0; i < NEP; i++) {
        if (eps[i] == e)
            return i;
    }
    ck_assert_msg(e == NULL, "an endpoint outside the test");
    return -1;
}

// A queue through ep_next as indices, ended by -1.
static void queue_of(const struct dcb *head, int *out)
{
    unsigned n = 0;
    for (const struct dcb *d = head; d; d = d->ep_next) {
        ck_assert_uint_lt(n, NDISP);
        out[n++] = disp_index(d);
    }
    out[n] = -1;
}

static void take_snap(struct snap *s, const struct dcb *next)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < NDISP; i++) {
        const struct dcb *d = disp[i];
        s->d[i].regs = d->regs;
        s->d[i].state = d->state;
        s->d[i].blocked_sending = d->blocked_on ? d->blocked_sending : 0;
        s->d[i].recv_slot_level = d->recv_slot_level;
        s->d[i].recv_slot = d->recv_slot_level ? d->recv_slot : 0;
        s->d[i].call_pending = d->call_pending;
        s->d[i].blocked_on = ep_index(d->blocked_on);
        s->d[i].ep_next = disp_index(d->ep_next);
        s->d[i].wake_tick = d->wake_tick;
        s->d[i].exit_status = d->exit_status;
        s->d[i].queued = d->next != NULL;
        struct cte *slot = world_slot(0, 100 + i);
        s->slot_type[i] = slot->cap.type;
    }
    for (int e = 0; e < NEP; e++) {
        queue_of(eps[e]->recv_head, s->e[e].recv);
        queue_of(eps[e]->send_head, s->e[e].send);
        s->e[e].pending = eps[e]->pending;
    }
    unsigned n = 0;
    if (sched.head) {
        const struct dcb *d = sched.head;
        do {
            ck_assert_uint_lt(n, NDISP);
            s->runq[n++] = disp_index(d);
            d = d->next;
        } while (d != sched.head);
    }
    s->runq[n] = -1;
    n = 0;
    for (int i = 0; i < NDISP; i++) { // the timed waits, as a set
        if (disp[i]->wake_tick)
            s->timed[n++] = i;
    }
    s->timed[n] = -1;
    s->current = disp_index(sched.current);
    s->next = disp_index(next);
}

// Print what differs between two snapshots (for a failure's message).
static void snap_diff(const struct snap *a, const struct snap *b)
{
    for (int i = 0; i < NDISP; i++) {
        const uint64_t *ra = (const uint64_t *)&a->d[i].regs, *rb = (const uint64_t *)&b->d[i].regs;
        for (unsigned k = 0; k < sizeof(struct trap_frame) / 8; k++) {
            if (ra[k] != rb[k])
                printf("dispatcher %d: register word %u: %#lx / %#lx\n", i, k, ra[k], rb[k]);
        }
        if (memcmp(&a->d[i].state, &b->d[i].state, sizeof(a->d[i]) - sizeof(a->d[i].regs)))
            printf("dispatcher %d: state %u/%u on %d/%d sending %u/%u call %u/%u slot %u/%u "
                   "wake %lu/%lu queued %d/%d\n",
                   i, a->d[i].state, b->d[i].state, a->d[i].blocked_on, b->d[i].blocked_on,
                   a->d[i].blocked_sending, b->d[i].blocked_sending, a->d[i].call_pending,
                   b->d[i].call_pending, a->d[i].recv_slot_level, b->d[i].recv_slot_level,
                   a->d[i].wake_tick, b->d[i].wake_tick, a->d[i].queued, b->d[i].queued);
    }
    if (memcmp(a->e, b->e, sizeof(a->e)))
        printf("endpoints differ\n");
    if (memcmp(a->runq, b->runq, sizeof(a->runq)) || a->current != b->current || a->next != b->next)
        printf("run queue or current differ: current %d/%d next %d/%d\n", a->current, b->current,
               a->next, b->next);
}

static void world(void)
{
    fake_dispatch_reset();
    for (int i = 0; i < NDISP; i++) {
        disp[i] = new_dispatcher(i);
        sched_make_ready(disp[i]);
    }
    nrefs = 0;
    for (int e = 0; e < NEP; e++) {
        world_new(world_slot(0, 10 + e), ObjType_Endpoint, ENDPOINT_SIZE);
        eps[e] = endpoint_of(&world_slot(0, 10 + e)->cap);
        refs[nrefs++] = ref(0, 10 + e);
        // Badged copies: send-only with grant, receive-only, send-only.
        static const uint8_t rights[] = {CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, CAP_RIGHT_READ,
                                         CAP_RIGHT_WRITE};
        for (unsigned k = 0; k < 3; k++) {
            uint32_t slot = 20 + e * 3 + k;
            ck_assert_uint_eq(caps_mint(world_slot(0, slot), world_slot(0, 10 + e), rights[k],
                                        0x100 * (e + 1) + k, 0),
                              SYS_ERR_OK);
            refs[nrefs++] = ref(0, slot);
        }
    }
    world_new(world_slot(0, 50), ObjType_Frame, BASE_PAGE_SIZE);
    refs[nrefs++] = ref(0, 50);                          // not an endpoint
    refs[nrefs++] = ref(0, 60);                          // empty
    refs[nrefs++] = CAPREF(10, CAP_LEVEL_L1);            // an L1 slot, empty
    refs[nrefs++] = CAPREF(CAPADDR(9, 0), CAP_LEVEL_L2); // no L2 CNode there
    ck_assert_uint_eq(nrefs, NREF);
}

// Mostly an endpoint cap with every right, else any endpoint cap, and
// sometimes anything.
static uint64_t some_ref(void)
{
    unsigned k = pick(8);
    if (k < 5)
        return refs[4 * pick(NEP)];
    if (k < 7)
        return refs[pick(4 * NEP)];
    return refs[pick(NREF)];
}

static uint64_t some_flags(bool call)
{
    uint64_t f = 0;
    if (pick(4))
        f |= LMP_FLAG_NONBLOCK;
    if (pick(2) == 0)
        f |= LMP_FLAG_YIELD;
    if (pick(16) == 0)
        f |= LMP_FLAG_SEND_CAP;
    if (!call && pick(16) == 0)
        f |= LMP_FLAG_NOTIFY;
    if (call && pick(12) == 0)
        f |= LMP_FLAG_TIMEOUT;
    if (pick(64) == 0)
        f |= 1u << 7; // invalid
    return f;
}

// A receive slot: mostly none or the dispatcher's own, emptied first now and then.
static uint64_t some_slot(int i)
{
    if (pick(4) == 0 && world_slot(0, 100 + i)->cap.type != ObjType_Null)
        ck_assert_uint_eq(caps_delete(world_slot(0, 100 + i)), SYS_ERR_OK);
    return pick(3) ? 0 : ref(0, 100 + i);
}

struct counts {
    unsigned fast, offered;
};

// One system call by cur; returns what the fast path resumed (NULL: not taken).
static struct dcb *one_call(struct dcb *cur, bool fast, struct counts *c)
{
    int i = disp_index(cur);
    unsigned op = pick(10);
    uint64_t a[10] = {0};
    uint64_t num;
    if (op < 3) { // SYS_CALL
        num = SYS_CALL;
        a[0] = some_ref();
        a[1] = some_flags(true);
        a[2] = ref(0, 50);
        a[7] = some_ref();
        a[8] = some_slot(i);
        a[9] = pick(4) ? 1 + pick(30000) : 0;
    } else if (op < 5) { // SYS_SEND
        num = SYS_SEND;
        a[0] = some_ref();
        a[1] = some_flags(false);
        a[2] = pick(2) ? ref(0, 50) : ref(0, 60);
    } else if (op < 9) { // SYS_RECV
        num = SYS_RECV;
        a[0] = some_ref();
        a[1] = (pick(4) == 0 ? LMP_FLAG_NONBLOCK : 0) | (pick(4) == 0 ? LMP_FLAG_TIMEOUT : 0);
        a[2] = some_slot(i);
        a[3] = pick(4) ? 1 + pick(30000) : 0;
    } else {
        num = SYS_YIELD;
    }
    for (unsigned k = 3; k < 7 && num != SYS_RECV; k++)
        a[k] = rnd();
    enter_syscall(cur, num, a);
    if (fast && (num == SYS_SEND || num == SYS_CALL)) {
        c->offered++;
        struct dcb *next = lmp_fastpath(cur);
        if (next) {
            c->fast++;
            return next;
        }
    }
    syscall_handle(cur);
    return NULL;
}

// What happens between steps, from the same random stream in both runs.
static void event(void)
{
    switch (pick(24)) {
    case 0:
    case 1: // a timer tick (or a few)
        fake.ticks += 1 + pick(2);
        lmp_timer_expire(fake.ticks);
        break;
    case 2: // an interrupt
        lmp_notify(eps[pick(NEP)], 1ull << pick(8));
        break;
    case 3: { // a dispatcher loses its VSpace: stopped when it is picked
        struct dcb *d = disp[pick(NDISP)];
        if (pick(32) == 0 && d->vspace.cap.type != ObjType_Null)
            ck_assert_uint_eq(caps_delete(&d->vspace), SYS_ERR_OK);
        break;
    }
    default: break;
    }
}

// Run one sequence; record (fast false) or compare (fast true) the snapshots.
static void run(uint64_t seed, unsigned steps, bool fast, struct snap *rec, struct counts *c)
{
    world();
    rng = seed;
    struct snap s;
    for (unsigned t = 0; t < steps; t++) {
        event();
        struct dcb *cur = run_kernel_exit();
        if (!cur) { // idle: an interrupt or a tick may wake someone
            fake.ticks += 1 + pick(4);
            lmp_timer_expire(fake.ticks);
            lmp_notify(eps[pick(NEP)], 1ull << pick(8));
            cur = run_kernel_exit();
        }
        if (!cur) { // all wait to send: one gives up, as a timed wait would
            struct dcb *d = disp[pick(NDISP)];
            if (d->state == DISP_STATE_BLOCKED) {
                lmp_unblock(d);
                arch_syscall_result(d, SYS_ERR_TIMEOUT, NULL, 0);
                sched_make_ready(d);
            }
            cur = run_kernel_exit();
        }
        struct dcb *resumed = cur ? one_call(cur, fast, c) : NULL;
        struct dcb *next = run_kernel_exit();
        if (resumed)
            ck_assert_msg(resumed == next,
                          "seed %#lx step %u: the fast path resumed %d, "
                          "kernel_exit picks %d",
                          seed, t, disp_index(resumed), disp_index(next));
        take_snap(&s, next);
        if (!fast) {
            rec[t] = s;
            continue;
        }
        if (memcmp(&s, &rec[t], sizeof(s)))
            snap_diff(&rec[t], &s);
        ck_assert_msg(memcmp(&s, &rec[t], sizeof(s)) == 0,
                      "seed %#lx step %u: fast and general paths disagree", seed, t);
    }
    // Empty the core's list of timed waits (lmp.c's, which outlives the
    // world) before the next world reuses the memory.
    lmp_timer_expire(UINT64_MAX);
}

static unsigned env_or(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    return v ? (unsigned)strtoul(v, NULL, 0) : dflt;
}

START_TEST(test_fast_and_general_paths_agree)
{
    uint64_t seed0 = env_or("LMPFP_SEED", 0x5eed);
    unsigned nseq = env_or("LMPFP_SEQUENCES", 100), steps = env_or("LMPFP_STEPS", 400);
    struct snap *rec = calloc(steps, sizeof(*rec));
    ck_assert_ptr_nonnull(rec);
    struct counts slow = {0}, fast = {0};
    for (unsigned q = 0; q < nseq; q++) {
        uint64_t seed = seed0 * 0x9e3779b97f4a7c15ull + q + 1;
        run(seed, steps, false, rec, &slow);
        run(seed, steps, true, rec, &fast);
    }
    free(rec);
    // The sequences must exercise the fast path, and the general one.
    printf("lmp_fastpath: fast path taken %u times of %u\n", fast.fast, fast.offered);
    ck_assert_msg(fast.fast * 10 > fast.offered && fast.fast < fast.offered,
                  "fast path taken %u times of %u", fast.fast, fast.offered);
}
END_TEST

// The fast path declines, changing nothing, each case it does not cover.
START_TEST(test_fast_path_declines)
{
    world();
    struct dcb *s = disp[0], *r = disp[1];
    uint64_t recv_args[10] = {ref(0, 10)};
    enter_syscall(r, SYS_RECV, recv_args);
    syscall_handle(r);
    ck_assert_uint_eq(r->state, DISP_STATE_BLOCKED);
    struct {
        uint64_t num, ep, flags, reply;
    } cases[] = {
        {SYS_SEND, ref(0, 10), LMP_FLAG_SEND_CAP, 0},          // a cap
        {SYS_SEND, ref(0, 10), LMP_FLAG_NOTIFY, 0},            // a notification
        {SYS_CALL, ref(0, 10), LMP_FLAG_TIMEOUT, ref(0, 11)},  // a time limit of 0
        {SYS_SEND, ref(0, 10), LMP_FLAG_TIMEOUT, 0},           // a timed send
        {SYS_SEND, ref(0, 21), 0, 0},                          // no WRITE
        {SYS_SEND, ref(0, 11), 0, 0},                          // no receiver
        {SYS_CALL, ref(0, 10), 0, ref(0, 50)},                 // reply: not an endpoint
        {SYS_CALL, ref(0, 10), 0, ref(0, 20)},                 // reply: no READ
        {SYS_SEND, ref(0, 50), 0, 0},                          // not an endpoint
        {SYS_SEND, CAPREF(CAPADDR(9, 0), CAP_LEVEL_L2), 0, 0}, // no L2 CNode
        {SYS_SEND, CAPREF(0, 3), 0, 0},                        // no such level
        {SYS_RECV, ref(0, 10), 0, 0},                          // not a send
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t a[10] = {cases[i].ep, cases[i].flags, 0, 1, 2, 3, 4, cases[i].reply};
        enter_syscall(s, cases[i].num, a);
        struct snap before, after;
        take_snap(&before, NULL);
        ck_assert_msg(lmp_fastpath(s) == NULL, "case %u taken", i);
        take_snap(&after, NULL);
        ck_assert_msg(memcmp(&before, &after, sizeof(before)) == 0, "case %u changed state", i);
    }
    // A pending notification on the reply endpoint: the call would not block.
    lmp_notify(eps[1], 1);
    uint64_t a[10] = {ref(0, 10), 0, 0, 1, 2, 3, 4, ref(0, 11)};
    enter_syscall(s, SYS_CALL, a);
    ck_assert_ptr_null(lmp_fastpath(s));
    // A receiver that cannot run (its VSpace is gone) is left to the general path.
    ck_assert_uint_eq(caps_delete(&r->vspace), SYS_ERR_OK);
    uint64_t b[10] = {ref(0, 10), 0, 0, 1, 2, 3, 4};
    enter_syscall(s, SYS_SEND, b);
    ck_assert_ptr_null(lmp_fastpath(s));
}
END_TEST

// The common case, checked by hand: a call meets its server, then the
// server's reply meets the caller.
START_TEST(test_fast_call_and_reply)
{
    world();
    struct dcb *client = disp[0], *server = disp[1];
    uint64_t recv_args[10] = {ref(0, 10), 0, ref(0, 101)};
    enter_syscall(server, SYS_RECV, recv_args);
    syscall_handle(server);
    uint64_t call[10] = {ref(0, 20), LMP_FLAG_YIELD, 0, 7, 8, 9, 10, ref(0, 11), ref(0, 100)};
    enter_syscall(client, SYS_CALL, call);
    ck_assert_ptr_eq(lmp_fastpath(client), server);
    ck_assert_ptr_eq(sched.current, server);
    ck_assert_uint_eq(client->state, DISP_STATE_BLOCKED);
    ck_assert_ptr_eq(client->blocked_on, eps[1]);
    ck_assert_uint_eq(client->recv_slot_level, CAP_LEVEL_L2);
    ck_assert_uint_eq(result_err(server), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(server, 0), 0x100); // the badge of (0, 20)
    ck_assert_uint_eq(result_word(server, 1), 7);
    ck_assert_uint_eq(result_word(server, 4), 10);
    ck_assert_uint_eq(result_word(server, 5), 0);
    ck_assert_uint_eq(server->recv_slot_level, 0);
    uint64_t reply[10] = {ref(0, 11), LMP_FLAG_NONBLOCK, 0, 70, 80, 90, 100};
    enter_syscall(server, SYS_SEND, reply);
    ck_assert_ptr_eq(lmp_fastpath(server), server); // no yield: the server goes on
    ck_assert_uint_eq(client->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_word(client, 1), 70);
    ck_assert_uint_eq(result_word(client, 4), 100);
    ck_assert_ptr_null(eps[1]->recv_head);
}
END_TEST

// A call with a time limit on its reply (a server's answer-and-wait with
// a deadline) is taken, and the caller waits on the timed list.
START_TEST(test_fast_timed_call)
{
    world();
    struct dcb *client = disp[0], *server = disp[1];
    uint64_t recv_args[10] = {ref(0, 10)};
    enter_syscall(server, SYS_RECV, recv_args);
    syscall_handle(server);
    uint64_t call[10] = {ref(0, 20), LMP_FLAG_TIMEOUT, 0, 7, 8, 9, 10, ref(0, 11), 0, 5000};
    enter_syscall(client, SYS_CALL, call);
    ck_assert_ptr_eq(lmp_fastpath(client), server);
    ck_assert_uint_eq(client->state, DISP_STATE_BLOCKED);
    ck_assert_uint_ne(client->wake_tick, 0);
    lmp_timer_expire(client->wake_tick); // no reply in time
    ck_assert_uint_eq(client->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_err(client), SYS_ERR_TIMEOUT);
    ck_assert_ptr_null(eps[1]->recv_head);
}
END_TEST

static Suite *lmp_fastpath_suite(void)
{
    Suite *s = suite_create("lmp_fastpath");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fast_path_declines);
    tcase_add_test(tc, test_fast_call_and_reply);
    tcase_add_test(tc, test_fast_timed_call);
    tcase_add_test(tc, test_fast_and_general_paths_agree);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(lmp_fastpath_suite)
