/*
 * usr/tests/mctest/main.c: multikernel tests, run from the shell
 * on core 0: `run mctest all`. The parent spawns its partners on core 1
 * (`mctest <role>`) and talks to them over UMP connections. Prints TEST
 * PASS/FAIL lines and exits with the number of failures; `mctest bench N`
 * prints BENCH lines instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>
#include <test/report.h>

#define REMOTE   1 // the core the partners run on
#define DONE     UINT64_MAX
#define PATTERN  0x5ce7c0de00000000ull
#define FRAME_KB 16

// Start "mctest <role>" on core REMOTE.
static MUST_CHECK errval_t partner(const char *role, uint64_t *pid)
{
    char line[64];
    snprintf(line, sizeof(line), "mctest %s", role);
    return proc_spawn_on(REMOTE, line, pid);
}

// Offer name, start the partner that connects to it, accept it.
static MUST_CHECK errval_t open_with(const char *name, const char *role, struct ump_conn *c,
                                     uint64_t *pid)
{
    errval_t err = ump_offer(name);
    if (err_has(err, NAME_ERR_EXISTS))
        err = SYS_ERR_OK; // ours, from an earlier test
    if (err_is_ok(err))
        err = partner(role, pid);
    if (err_is_ok(err))
        err = ump_accept(name, c);
    return err;
}

static void send_words(struct ump_conn *c, uint64_t a, uint64_t b, uint64_t d)
{
    const uint64_t w[UMP_WORDS] = {a, b, d};
    err_ignore(ump_send_wait(c, w), "the peer's answer (checked next) shows whether it arrived");
}

// ---- Spawning on a chosen core ----

static void test_spawn(void)
{
    uint64_t pid = 0, status = 0;
    errval_t err = partner("whereami", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    report("mc.spawn_on_core1", err_is_ok(err) && status == 40 + REMOTE, "%s, status %lu",
           err_name(err), status);
    errval_t none = proc_spawn_on(63, "mctest whereami", &pid);
    errval_t missing = proc_spawn_on(REMOTE, "no-such-program", &pid);
    report("mc.spawn_errors",
           err_has(none, PROC_ERR_NO_CORE) && err_has(missing, SPAWN_ERR_NOT_FOUND), "%s, %s",
           err_name(none), err_name(missing));
    // Our own core, for contrast.
    report("mc.own_core", sys_core() == 0, "core %u", sys_core());
    // Core 1's CPU driver knows the IOMMU too (it invalidates after changes
    // to IOMMU tables there): a map into an IOMMU table works on core 1.
    pid = 0;
    err = partner("iommu", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    report("mc.iommu_tables_on_core1", err_is_ok(err) && status == 0, "%s, status %lu (%s)",
           err_name(err), status, status ? err_name(status) : "ok");
    // Names and the process table are core 0's: a clear error elsewhere.
    pid = 0;
    err = partner("core0only", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    report("mc.core0_services", err_is_ok(err) && status == 0,
           "%s, status %lu (1: wrong error for a name lookup, 2: for a process list)",
           err_name(err), status);
}

static int iommu_tables(void)
{
    capref_t l4, l3, frame;
    errval_t err = obj_alloc(&l4, ObjType_IOVNodeL4, OBJSIZE_IOVNODE);
    if (err_is_ok(err))
        err = obj_alloc(&l3, ObjType_IOVNodeL3, OBJSIZE_IOVNODE);
    if (err_is_ok(err))
        err = invoke_iovnode_map(l4, 0, l3, 0, 0, 1);
    capref_t l2, l1;
    if (err_is_ok(err))
        err = obj_alloc(&l2, ObjType_IOVNodeL2, OBJSIZE_IOVNODE);
    if (err_is_ok(err))
        err = invoke_iovnode_map(l3, 0, l2, 0, 0, 1);
    if (err_is_ok(err))
        err = obj_alloc(&l1, ObjType_IOVNodeL1, OBJSIZE_IOVNODE);
    if (err_is_ok(err))
        err = invoke_iovnode_map(l2, 0, l1, 0, 0, 1);
    if (err_is_ok(err))
        err = frame_alloc(&frame, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = invoke_iovnode_map(l1, 1, frame, MAP_WRITE, 0, 1);
    if (err_is_ok(err))
        err = invoke_unmap(frame);
    return (int)err; // the error's code as the exit status (0: all worked)
}

static int core0only(void)
{
    capref_t cap;
    struct proc_info info[4];
    unsigned n;
    if (!err_has(name_lookup("anything", &cap), MON_ERR_CORE0_ONLY))
        return 1;
    if (!err_has(proc_list(info, 4, &n), MON_ERR_CORE0_ONLY))
        return 2;
    return 0;
}

// ---- Ping-pong with payload checks ----

#define ROUNDS 500

static void test_pingpong(void)
{
    struct ump_conn c;
    uint64_t pid = 0, status = 1;
    errval_t err = open_with("mc.pp", "pong", &c, &pid);
    unsigned good = 0, bad = 0;
    uint64_t first_bad[UMP_WORDS] = {0};
    for (uint64_t i = 0; i < ROUNDS && err_is_ok(err); i++) {
        uint64_t w[UMP_WORDS];
        for (int j = 0; j < UMP_WORDS; j++)
            w[j] = PATTERN ^ (i << 8) ^ (uint64_t)j;
        w[0] = i;
        err = ump_send_wait(&c, w);
        if (err_is_ok(err))
            err = ump_recv_wait(&c, w);
        bool ok = w[0] == i && w[6] == REMOTE;
        for (int j = 1; j < 6; j++)
            ok = ok && w[j] == ~(PATTERN ^ (i << 8) ^ (uint64_t)j);
        if (ok) {
            good++;
        } else if (!bad++) {
            memcpy(first_bad, w, sizeof(w));
        }
    }
    if (err_is_ok(err))
        send_words(&c, DONE, 0, 0);
    if (pid)
        err_ignore(proc_wait(pid, &status), "the child's status is not what this test checks");
    report("mc.ump_pingpong", err_is_ok(err) && good == ROUNDS && status == 0,
           "%s, %u of %u good (first bad: %#lx %#lx .. core %lu), partner status %lu",
           err_name(err), good, ROUNDS, first_bad[0], first_bad[1], first_bad[6], status);
    report("mc.ump_wakeups", c.chan.wakeups > 0 && c.chan.wakeups <= ROUNDS + 1,
           "%lu wake-ups for %u messages", c.chan.wakeups, ROUNDS + 1);
}

static int pong(void)
{
    struct ump_conn c;
    errval_t err = ump_connect("mc.pp", &c);
    uint64_t w[UMP_WORDS];
    while (err_is_ok(err) && err_is_ok(err = ump_recv_wait(&c, w)) && w[0] != DONE) {
        for (int j = 1; j < 6; j++)
            w[j] = ~w[j];
        w[6] = sys_core();
        err = ump_send_wait(&c, w);
    }
    if (err_is_fail(err))
        printf("mctest pong: %s\n", err_name(err));
    return err_is_ok(err) ? 0 : 1;
}

// ---- Caps across cores, and revoking them from the owning core ----

enum { MSG_VERIFIED = 1, MSG_CHECK, MSG_GONE, MSG_SENT, MSG_STATS };

static bool pattern_ok(const uint64_t *p, size_t words, uint64_t seed)
{
    for (size_t i = 0; i < words; i++) {
        if (p[i] != (seed ^ i))
            return false;
    }
    return true;
}

static void fill(uint64_t *p, size_t words, uint64_t seed)
{
    for (size_t i = 0; i < words; i++)
        p[i] = seed ^ i;
}

static void test_caps(void)
{
    struct ump_conn c;
    uint64_t pid = 0, status = 1, w[UMP_WORDS] = {0};
    const size_t bytes = FRAME_KB << 10, words = bytes / 8, half = words / 2;
    capref_t frame = NULL_CAP, theirs = NULL_CAP;
    uint64_t *mem = NULL;
    errval_t err = open_with("mc.caps", "capchild", &c, &pid);
    if (err_is_ok(err))
        err = frame_alloc(&frame, bytes);
    if (err_is_ok(err))
        err = vspace_map(frame, bytes, MAP_WRITE, (void **)&mem);
    if (err_is_ok(err)) {
        fill(mem, half, PATTERN);
        memset(mem + half, 0, bytes / 2);
        err = ump_cap_send(&c, frame);
    }
    // It checks our half and writes its own into the other.
    if (err_is_ok(err))
        err = ump_recv_wait(&c, w);
    report("mc.frame_to_core1",
           err_is_ok(err) && w[0] == MSG_VERIFIED && w[1] == 1 &&
               pattern_ok(mem + half, half, ~PATTERN),
           "%s, message %lu, it saw our data: %lu, we see its: %d", err_name(err), w[0], w[1],
           mem ? pattern_ok(mem + half, half, ~PATTERN) : 0);
    // Revoke on our core: its copy on core 1 must go.
    errval_t rev = err_is_ok(err) ? cap_revoke(frame) : err;
    if (err_is_ok(err)) {
        send_words(&c, MSG_CHECK, 0, 0);
        err = ump_recv_wait(&c, w);
    }
    report("mc.revoke_reaches_core1",
           err_is_ok(rev) && err_is_ok(err) && w[0] == MSG_GONE && w[1] == CAP_ERR_SLOT_EMPTY,
           "revoke %s, %s, its copy: %s", err_name(rev), err_name(err),
           w[0] == MSG_GONE ? err_name(w[1]) : "no answer");
    // A frame of core 1's memory comes here; when its owner ends, the
    // monitor there takes the memory back and our copy goes too.
    uint64_t *theirs_mem = NULL;
    if (err_is_ok(err))
        err = ump_cap_recv(&c, &theirs);
    struct cap_info ci = {0};
    if (err_is_ok(err))
        err = cap_identify(theirs, &ci);
    if (err_is_ok(err))
        err = vspace_map(theirs, bytes, 0, (void **)&theirs_mem);
    report("mc.frame_from_core1",
           err_is_ok(err) && ci.type == ObjType_Frame && pattern_ok(theirs_mem, words, PATTERN + 1),
           "%s, type %u", err_name(err), ci.type);
    if (err_is_ok(err))
        send_words(&c, DONE, 0, 0);
    if (pid)
        err = proc_wait(pid, &status);
    struct cap_info after;
    errval_t gone = theirs ? cap_identify(theirs, &after) : SYS_ERR_INVALID_ARGS;
    report("mc.owner_exit_revokes",
           err_is_ok(err) && status == 0 && err_has(gone, CAP_ERR_SLOT_EMPTY),
           "%s, partner status %lu, our copy: %s", err_name(err), status, err_name(gone));
    if (theirs && err_has(gone, CAP_ERR_SLOT_EMPTY))
        slot_free(theirs);
    else if (theirs)
        cap_destroy(theirs);
    if (frame) {
        err_ignore(vspace_unmap(frame), "cleanup: deleting the frame next unmaps it anyway");
        cap_destroy(frame);
    }
}

static int capchild(void)
{
    struct ump_conn c;
    const size_t bytes = FRAME_KB << 10, words = bytes / 8, half = words / 2;
    capref_t got = NULL_CAP, mine = NULL_CAP;
    uint64_t *mem = NULL, *own = NULL, w[UMP_WORDS];
    struct cap_info ci = {0};
    errval_t err = ump_connect("mc.caps", &c);
    if (err_is_ok(err))
        err = ump_cap_recv(&c, &got);
    if (err_is_ok(err))
        err = cap_identify(got, &ci);
    if (err_is_ok(err) && (ci.type != ObjType_Frame || ci.bytes != bytes))
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_ok(err))
        err = vspace_map(got, bytes, MAP_WRITE, (void **)&mem);
    bool saw = mem && pattern_ok(mem, half, PATTERN);
    if (err_is_ok(err))
        fill(mem + half, half, ~PATTERN);
    send_words(&c, MSG_VERIFIED, saw, 0);
    // Told to look: the parent has revoked its frame on core 0.
    if (err_is_ok(err))
        err = ump_recv_wait(&c, w);
    struct cap_info after;
    errval_t look = cap_identify(got, &after);
    send_words(&c, MSG_GONE, look, 0);
    // A frame of our core's memory for the parent.
    if (err_is_ok(err))
        err = frame_alloc(&mine, bytes);
    if (err_is_ok(err))
        err = vspace_map(mine, bytes, MAP_WRITE, (void **)&own);
    if (err_is_ok(err)) {
        fill(own, words, PATTERN + 1);
        err = ump_cap_send(&c, mine);
    }
    if (err_is_ok(err))
        err = ump_recv_wait(&c, w); // DONE
    if (err_is_fail(err))
        printf("mctest capchild: %s\n", err_name(err));
    return err_is_ok(err) ? 0 : 1;
}

// ---- Memory on core 1 comes from core 1 ----

static void test_local_memory(void)
{
    struct ump_conn c;
    uint64_t pid = 0, status = 1, w[UMP_WORDS] = {0};
    uint64_t total = 0, free0 = 0, mine = 0;
    errval_t err = memserv_stats(&total, &free0, &mine);
    if (err_is_ok(err))
        err = open_with("mc.mem", "memchild", &c, &pid);
    if (err_is_ok(err))
        err = ump_recv_wait(&c, w);
    if (pid)
        err_ignore(proc_wait(pid, &status), "the child's status is not what this test checks");
    // Its allocator is its monitor: less RAM than ours (core 0's), and
    // what it allocated was charged there while it ran.
    report("mc.local_alloc",
           err_is_ok(err) && w[0] == MSG_STATS && w[1] && w[1] < total && w[3] >= (1u << 20) &&
               status == 0,
           "%s, its allocator manages %lu KiB (ours %lu KiB), it held %lu KiB, status %lu",
           err_name(err), w[1] >> 10, total >> 10, w[3] >> 10, status);
}

static int memchild(void)
{
    struct ump_conn c;
    uint64_t total = 0, free = 0, mine = 0;
    capref_t ram = NULL_CAP;
    errval_t err = ump_connect("mc.mem", &c);
    if (err_is_ok(err))
        err = ram_alloc(&ram, 1u << 20, 4096);
    if (err_is_ok(err))
        err = memserv_stats(&total, &free, &mine);
    uint64_t w[UMP_WORDS] = {MSG_STATS, total, free, mine};
    err_ignore(ump_send_wait(&c, w), "the peer's answer (checked next) shows whether it arrived");
    return err_is_ok(err) ? 0 : 1;
}

// ---- A process killed while it talks to one on another core ----

// Memory free on core REMOTE, as a partner there sees it (minus its own).
static uint64_t remote_free(void)
{
    struct ump_conn c;
    uint64_t pid = 0, status, w[UMP_WORDS] = {0};
    errval_t err = open_with("mc.mem", "memchild", &c, &pid);
    if (err_is_ok(err))
        err = ump_recv_wait(&c, w);
    if (pid)
        err_ignore(proc_wait(pid, &status), "the child's status is not what this test checks");
    return err_is_ok(err) ? w[2] + w[3] : 0;
}

static void test_kill(void)
{
    uint64_t before = remote_free();
    // A sender on core 1, killed while it floods us: we take what came,
    // then learn the channel closed.
    struct ump_conn c;
    uint64_t pid = 0, status = 0, w[UMP_WORDS];
    errval_t err = open_with("mc.flood", "flood", &c, &pid);
    unsigned got = 0;
    while (err_is_ok(err) && got < 100 && err_is_ok(err = ump_recv_wait(&c, w)))
        got++;
    errval_t kill = err_is_ok(err) ? proc_kill(pid) : err;
    if (err_is_ok(kill))
        err = proc_wait(pid, &status);
    errval_t end = err;
    while (err_is_ok(err) && err_is_ok(end = ump_recv_wait(&c, w)))
        got++;
    report("mc.kill_sender",
           err_is_ok(kill) && err_is_ok(err) && status == DISP_EXIT_KILLED &&
               err_has(end, UMP_ERR_CLOSED),
           "kill %s, wait %s, status %lu, then %s after %u messages", err_name(kill), err_name(err),
           status, err_name(end), got);
    // A receiver on core 1, asleep in the kernel, killed: our sends fail
    // rather than wait for it.
    struct ump_conn d;
    pid = 0;
    err = open_with("mc.sink", "sink", &d, &pid);
    const uint64_t m[UMP_WORDS] = {1};
    if (err_is_ok(err))
        err = ump_send_wait(&d, m);
    kill = err_is_ok(err) ? proc_kill(pid) : err;
    if (err_is_ok(kill))
        err = proc_wait(pid, &status);
    unsigned sent = 0;
    end = err;
    while (err_is_ok(err) && err_is_ok(end = ump_send_wait(&d, m)) && sent < 100000)
        sent++;
    report("mc.kill_receiver",
           err_is_ok(kill) && err_is_ok(err) && status == DISP_EXIT_KILLED &&
               err_has(end, UMP_ERR_CLOSED) && sent == 0,
           "kill %s, wait %s, status %lu, then %s after %u more sends", err_name(kill),
           err_name(err), status, err_name(end), sent);
    // A client that connected, sent and ended before we accepted: we still
    // get its connection and its message, then the channel closed.
    struct ump_conn e;
    uint64_t w2[UMP_WORDS] = {0};
    pid = 0;
    err = ump_offer("mc.early");
    if (err_is_ok(err))
        err = partner("early", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    if (err_is_ok(err))
        err = ump_accept("mc.early", &e);
    if (err_is_ok(err))
        err = ump_recv_wait(&e, w2);
    end = err_is_ok(err) ? ump_recv_wait(&e, w) : err;
    report("mc.accept_after_client_left",
           err_is_ok(err) && status == 0 && w2[0] == 42 && err_has(end, UMP_ERR_CLOSED),
           "%s, status %lu, message %lu, then %s", err_name(err), status, w2[0], err_name(end));
    uint64_t after = remote_free();
    report("mc.kill_memory_back", before && after == before,
           "core %u free: %lu KiB before, %lu after", REMOTE, before >> 10, after >> 10);
}

// `mctest waitfor PID`: wait for PID, a process on another core;
// WAITFOR_KILLED if it was killed (not 0: an answer meant for another call
// of ours, all zeros, is not taken for it).
#define WAITFOR_KILLED 42
static int waitfor(const char *arg)
{
    uint64_t status = 0;
    errval_t err = proc_wait(strtoull(arg, NULL, 10), &status);
    if (err_is_fail(err) || status != DISP_EXIT_KILLED)
        printf("mctest waitfor %s: %s, status %#lx\n", arg, err_name(err), status);
    return err_is_ok(err) && status == DISP_EXIT_KILLED ? WAITFOR_KILLED : 1;
}

// A process on core REMOTE killed from here, core 0, while a process on
// core 0 waits for it: init has the monitor stop it; then the end reaches
// init's table (killed, on core REMOTE), the waiter (the status), and the
// monitor (all its memory back).
static void test_kill_remote(void)
{
    uint64_t before = remote_free(), pid = 0, waiter = 0, status = 0, wstatus = 0;
    uint32_t state = 0, after = 0;
    char line[48];
    errval_t err = proc_spawn_on(REMOTE, "systest spin", &pid);
    if (err_is_ok(err)) {
        snprintf(line, sizeof(line), "mctest waitfor %lu", pid);
        err = proc_spawn_on(0, line, &waiter);
    }
    uint64_t end = sys_clock_us() + 100 * 1000; // the waiter's wait reaches init
    while (err_is_ok(err) && sys_clock_us() < end)
        sys_yield();
    if (err_is_ok(err))
        err = proc_status(pid, &state, &status);
    errval_t kill = err_is_ok(err) ? proc_kill(pid) : err;
    // The waiter is answered when init has ended the process (not at all
    // if the kill failed: then the two are left running).
    errval_t wait = err_is_ok(kill) ? proc_wait(waiter, &wstatus) : kill;
    errval_t st = err_is_ok(kill) ? proc_status(pid, &after, &status) : kill;
    uint64_t left = remote_free();
    report("mc.kill_remote",
           err_is_ok(err) && state == PROC_RUNNING && err_is_ok(kill) && err_is_ok(wait) &&
               wstatus == WAITFOR_KILLED && err_is_ok(st) && after == PROC_KILLED &&
               status == DISP_EXIT_KILLED && before && left == before,
           "%s, running %u, kill %s, waiter %s status %lu, then %s state %u status %#lx; core %u "
           "free %lu KiB before, %lu after",
           err_name(err_root(err)), state, err_name(err_root(kill)), err_name(err_root(wait)),
           wstatus, err_name(err_root(st)), after, status, REMOTE, before >> 10, left >> 10);
}

static int flood(void)
{
    struct ump_conn c;
    errval_t err = ump_connect("mc.flood", &c);
    for (uint64_t i = 0; err_is_ok(err); i++) {
        const uint64_t w[UMP_WORDS] = {i};
        err = ump_send_wait(&c, w);
    }
    return 1; // killed before it gets here
}

static int early(void)
{
    struct ump_conn c;
    const uint64_t w[UMP_WORDS] = {42};
    errval_t err = ump_connect("mc.early", &c);
    if (err_is_ok(err))
        err = ump_send_wait(&c, w);
    return err_is_ok(err) ? 0 : 1;
}

static int sink(void)
{
    struct ump_conn c;
    uint64_t w[UMP_WORDS];
    errval_t err = ump_connect("mc.sink", &c);
    while (err_is_ok(err))
        err = ump_recv_wait(&c, w);
    return 1;
}

// ---- Benchmark: UMP round trips between cores ----

// Round trips on an open connection: polling (both sides spin) or
// sleeping (both block in the kernel and wake each other by IPI).
static void rtt(struct ump_conn *c, bool poll, unsigned n)
{
    uint64_t w[UMP_WORDS] = {0, poll};
    // the mode
    err_ignore(ump_send_wait(c, w), "the peer's answer (checked next) shows whether it arrived");
    err_ignore(ump_recv_wait(c, w), "the words checked next show whether it arrived");
    uint64_t wake0 = c->chan.wakeups, t0 = sys_rdtsc();
    for (unsigned i = 1; i <= n; i++) {
        w[0] = i;
        err_ignore(ump_send_wait(c, w),
                   "the peer's answer (checked next) shows whether it arrived");
        if (poll) {
            while (err_has(ump_recv(&c->chan, w), LMP_ERR_NO_MESSAGE))
                ;
        } else {
            err_ignore(ump_recv_wait(c, w), "the words checked next show whether it arrived");
        }
    }
    uint64_t cycles = (sys_rdtsc() - t0) / n;
    uint64_t wakes = c->chan.wakeups - wake0;
    printf("BENCH ump_rtt_%s cycles=%lu our_wakeups=%lu rounds=%u\n", poll ? "poll" : "sleep",
           cycles, wakes, n);
}

static void bench(unsigned n)
{
    struct ump_conn c;
    uint64_t pid = 0, status;
    errval_t err = open_with("mc.bench", "echo", &c, &pid);
    if (err_is_fail(err)) {
        printf("mctest bench: %s\n", err_name(err));
        tests_failed++;
        return;
    }
    rtt(&c, true, n);
    rtt(&c, false, n);
    send_words(&c, DONE, 0, 0);
    err_ignore(proc_wait(pid, &status), "the child's status is not what this test checks");
}

static int echo(void)
{
    struct ump_conn c;
    uint64_t w[UMP_WORDS];
    bool poll = false;
    errval_t err = ump_connect("mc.bench", &c);
    while (err_is_ok(err)) {
        if (poll) {
            while (err_has(err = ump_recv(&c.chan, w), LMP_ERR_NO_MESSAGE))
                ;
        } else {
            err = ump_recv_wait(&c, w);
        }
        if (err_is_fail(err) || w[0] == DONE)
            break;
        if (w[0] == 0)
            poll = w[1]; // a new mode
        err = ump_send_wait(&c, w);
    }
    return err_is_ok(err) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    static const struct {
        const char *role;
        int (*fn)(void);
    } roles[] = {{"pong", pong},           {"capchild", capchild}, {"memchild", memchild},
                 {"flood", flood},         {"sink", sink},         {"echo", echo},
                 {"core0only", core0only}, {"early", early},       {"iommu", iommu_tables}};
    for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (!strcmp(t, roles[i].role))
            return roles[i].fn();
    }
    if (!strcmp(t, "whereami"))
        return 40 + (int)sys_core();
    bool all = !strcmp(t, "all");
    if (all || !strcmp(t, "spawn"))
        test_spawn();
    if (all || !strcmp(t, "pingpong"))
        test_pingpong();
    if (all || !strcmp(t, "caps"))
        test_caps();
    if (all || !strcmp(t, "memory"))
        test_local_memory();
    if (!strcmp(t, "waitfor") && argc == 3)
        return waitfor(argv[2]);
    if (all || !strcmp(t, "kill"))
        test_kill();
    if (all || !strcmp(t, "kill") || !strcmp(t, "killremote"))
        test_kill_remote();
    if (!strcmp(t, "bench"))
        bench(argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000);
    else if (!all && (!t[0] || !strstr("spawn pingpong caps memory kill killremote", t)))
        printf("usage: mctest all|spawn|pingpong|caps|memory|kill|killremote|bench [rounds]\n");
    return tests_failed;
}
