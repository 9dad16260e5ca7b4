/*
 * usr/tests/systest/main.c: user-space foundation tests, run from
 * the shell: `run systest <test> [args]`. Each prints TEST PASS/FAIL lines
 * with stable IDs and exits with 0 only if all passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/memserv.h>
#include <sys/ram.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/storctl.h>
#include <sys/sys.h>
#include <sys/thread.h>
#include <sys/vspace.h>
#include <test/report.h>

#include "systest.h"

volatile uint64_t crash_address = 16;

// `systest args a b c`: the arguments arrive as given.
static void test_args(int argc, char **argv)
{
    bool ok = argc == 5 && !strcmp(argv[0], "systest") && !strcmp(argv[2], "a") &&
              !strcmp(argv[3], "b") && !strcmp(argv[4], "c") && argv[5] == NULL;
    report("spawn.args", ok, "argc %d", argc);
    report("spawn.pid", sys_pid() > 1, "pid %lu", sys_pid());
}

// The heap grows by page faults: reserving is not mapping.
static void test_heap(void)
{
    const size_t bytes = 8u << 20;
    uint64_t r0, m0, r1, m1, r2, m2;
    vspace_heap_stats(&r0, &m0);
    unsigned char *p = malloc(bytes);
    vspace_heap_stats(&r1, &m1);
    bool ok = p != NULL;
    for (size_t i = 0; ok && i < bytes; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    for (size_t i = 0; ok && i < bytes; i += 4096)
        ok = p[i] == (unsigned char)(i >> 12);
    vspace_heap_stats(&r2, &m2);
    report("heap.grows_by_faults",
           ok && r1 >= r0 + bytes && m1 < m0 + bytes && m2 >= m1 + bytes - (64u << 10),
           "reserved %lu->%lu, mapped %lu->%lu->%lu", r0, r1, m0, m1, m2);
    free(p);
    // 40 MiB in 256-byte blocks: the heap grows a few dozen times, by a
    // quarter each, and the 640 chunks fault in one after another with no
    // other slot taken between them (the fault handler has one kept for each).
    enum { SMALL = 256, COUNT = (40u << 20) / SMALL };
    static unsigned char *blocks[COUNT];
    unsigned n = 0;
    for (; n < COUNT && (blocks[n] = malloc(SMALL - 16)) != NULL; n++)
        blocks[n][0] = (unsigned char)n;
    ok = n == COUNT;
    for (unsigned i = 0; i < n; i++) {
        ok = ok && blocks[i][0] == (unsigned char)i;
        free(blocks[i]);
    }
    report("heap.many_small_blocks", ok, "%u of %u blocks", n, COUNT);
}

// Many random allocations, checked for overlap through their contents.
static void test_malloc(void)
{
    enum { N = 2000 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    unsigned seed = 7;
    bool ok = true;
    for (int round = 0; round < 20 && ok; round++) {
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245 + 12345;
            if (blocks[i] && (seed >> 16) % 2) {
                for (size_t k = 0; k < sizes[i] && ok; k++)
                    ok = blocks[i][k] == (unsigned char)(i + k);
                free(blocks[i]);
                blocks[i] = NULL;
            } else if (!blocks[i]) {
                sizes[i] = 1 + (seed >> 8) % ((seed >> 28) ? 256 : 65536);
                blocks[i] = malloc(sizes[i]);
                ok = blocks[i] && ((uintptr_t)blocks[i] & 15) == 0;
                for (size_t k = 0; ok && k < sizes[i]; k++)
                    blocks[i][k] = (unsigned char)(i + k);
            }
        }
    }
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    report("malloc.stress", ok, "a block was corrupted, misaligned or not given");
}

// Threads: a counter under a mutex, with yields inside the critical section.
static struct thread_mutex lock = THREAD_MUTEX_INIT;
static int counter, inside, violations;

static int worker(void *arg)
{
    for (int i = 0; i < 200; i++) {
        thread_mutex_lock(&lock);
        if (inside++)
            violations++;
        int v = counter;
        thread_yield(); // others run now, but must not get in
        counter = v + 1;
        inside--;
        thread_mutex_unlock(&lock);
        thread_yield();
    }
    return (int)(uintptr_t)arg;
}

// A producer and a consumer through a condition variable: every item
// arrives, in order, though the consumer often waits for an empty queue.
static struct thread_cond nonempty = THREAD_COND_INIT, nonfull = THREAD_COND_INIT;
static int queue[4], qhead, qlen, received_sum, out_of_order, waits;

static int producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 100; i++) {
        thread_mutex_lock(&lock);
        while (qlen == 4)
            thread_cond_wait(&nonfull, &lock);
        queue[(qhead + qlen++) % 4] = i;
        thread_cond_signal(&nonempty);
        thread_mutex_unlock(&lock);
        if (i % 7 == 0)
            thread_yield();
    }
    return 0;
}

static int consumer(void *arg)
{
    (void)arg;
    for (int expect = 1; expect <= 100; expect++) {
        thread_mutex_lock(&lock);
        while (qlen == 0) {
            waits++;
            thread_cond_wait(&nonempty, &lock);
        }
        int v = queue[qhead];
        qhead = (qhead + 1) % 4;
        qlen--;
        thread_cond_signal(&nonfull);
        thread_mutex_unlock(&lock);
        out_of_order += v != expect;
        received_sum += v;
    }
    return 0;
}

static void test_condvar(void)
{
    struct thread *c = thread_create(consumer, NULL, 0), *p = thread_create(producer, NULL, 0);
    bool joined = c && p && err_is_ok(thread_join(p, NULL)) && err_is_ok(thread_join(c, NULL));
    report("threads.condvar", joined && received_sum == 5050 && !out_of_order && waits > 0,
           "joined %d, sum %d, out of order %d, waits %d", joined, received_sum, out_of_order,
           waits);
}

static void test_threads(void)
{
    struct thread *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = thread_create(worker, (void *)(uintptr_t)(i + 10), 0);
    int sum = 0, r;
    for (int i = 0; i < 4; i++) {
        if (t[i] && err_is_ok(thread_join(t[i], &r)))
            sum += r;
    }
    report("threads.mutex", counter == 800 && violations == 0 && sum == 10 + 11 + 12 + 13,
           "counter %d, violations %d, results %d", counter, violations, sum);
    test_condvar();
}

// The name service: register an endpoint, a child looks it up and calls.
#define NAME "systest.echo"

static void echo_handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    resp->w[0] = req->a[0] + 1;
    resp->w[1] = req->chan->pid;
}

static void test_names(void)
{
    static struct server_chan chans[4];
    static struct server srv = {.chans = chans, .nchans = 4, .handle = echo_handle};
    srv.ep = cap_selfep;
    errval_t err = name_register(NAME, cap_selfep);
    errval_t again = name_register(NAME, cap_selfep);
    capref_t none;
    errval_t missing = name_lookup("no.such.service", &none);
    report("names.register",
           err_is_ok(err) && err_has(again, NAME_ERR_EXISTS) &&
               err_has(missing, NAME_ERR_NOT_FOUND),
           "%s, %s, %s", err_name(err), err_name(again), err_name(missing));
    uint64_t pid = 0, status = 1;
    // Only spawn the client if the lookup works here: otherwise it could
    // never bind, and we would wait for it forever.
    err = name_lookup(NAME, &none);
    if (err_is_ok(err)) {
        cap_destroy(none);
        err = proc_spawn("systest client", &pid);
    }
    if (err_is_ok(err)) {
        server_step(&srv); // its bind
        server_step(&srv); // its call
        err = proc_wait(pid, &status);
    }
    report("names.lookup_and_call", err_is_ok(err) && status == 0, "%s, client status %lu",
           err_name(err), status);
}

static int client(void)
{
    capref_t bind;
    struct rpc_chan c;
    struct rpc_result r = {0};
    errval_t err = name_lookup(NAME, &bind);
    if (err_is_ok(err))
        err = rpc_bind(&c, bind, NULL_CAP);
    if (err_is_ok(err))
        err = rpc_call(&c, 42, 41, 0, 0, NULL_CAP, NULL_CAP, &r);
    bool ok = err_is_ok(err) && r.w[0] == 42 && r.w[1] == sys_pid();
    if (!ok)
        printf("systest client: %s, answer %lu from pid %lu\n", err_name(err), r.w[0], r.w[1]);
    return ok ? 0 : 1;
}

// mem_serv: allocate, free, run out (with a clear error), and give it all back.
static void test_memserv(void)
{
    uint64_t total, free0, mine0, free1, mine1;
    errval_t err = memserv_stats(&total, &free0, &mine0);
    capref_t one;
    if (err_is_ok(err))
        err = ram_alloc(&one, 1u << 20, 4096);
    err_ignore(
        memserv_stats(&total, &free1, &mine1),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("memserv.alloc",
           err_is_ok(err) && mine1 == mine0 + (1u << 20) && free1 == free0 - (1u << 20),
           "%s, mine %lu->%lu", err_name(err), mine0, mine1);
    err = ram_free(one);
    err_ignore(
        memserv_stats(&total, &free1, &mine1),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("memserv.free", err_is_ok(err) && free1 == free0 && mine1 == mine0, "%s, free %lu->%lu",
           err_name(err), free0, free1);
    static capref_t held[64];
    unsigned n = 0;
    while (n < 64 && err_is_ok(err = ram_alloc(&held[n], 64u << 20, 4096)))
        n++;
    report("memserv.exhaustion", err_has(err, MM_ERR_NO_MEMORY) && n > 0, "after %u x 64 MiB: %s",
           n, err_name(err));
    errval_t big = ram_alloc(&one, 1ull << 40, 4096);
    report("memserv.too_big", err_has(big, MM_ERR_NO_MEMORY), "%s", err_name(big));
    while (n)
        err_ignore(ram_free(held[--n]),
                   "cleanup: what is not taken back is reclaimed when the test ends");
    err_ignore(
        memserv_stats(&total, &free1, &mine1),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("memserv.all_back", free1 == free0, "free %lu, was %lu", free1, free0);
}

// Time limits on calls (rpc_bind_timeout): we serve "systest slowclient",
// whose channel has a 300 ms limit. Its second call finds our handler
// waiting for it to end: the call times out and the client abandons the
// channel (its RAM back, which takes our copy of its reply cap); its next
// bind waits in our endpoint's queue, where no one receives, and times out
// too. When the handler answers at last, the answer finds no reply
// endpoint and the library closes the channel; the bind that timed out
// left nothing in our queue.
#define SLOW_NAME "systest.slow"
#define OP_ECHO   1
#define OP_STUCK  2 // answered once the client has ended
#define SLOW_US   300000

static uint64_t slow_client;

static void slow_handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    uint64_t status;
    if (req->op == OP_STUCK)
        err_ignore(proc_wait(slow_client, &status),
                   "the child's status is not what this test checks");
    resp->w[0] = req->a[0] + 1;
}

static void test_timeout(void)
{
    static struct server_chan chans[4];
    static struct server srv = {.chans = chans, .nchans = 4, .handle = slow_handle};
    srv.ep = cap_selfep;
    uint64_t status = 1;
    errval_t err = name_register(SLOW_NAME, cap_selfep);
    if (err_is_ok(err))
        err = proc_spawn("systest slowclient", &slow_client);
    if (err_is_ok(err)) {
        server_step(&srv); // its first bind
        server_step(&srv); // a call
        server_step(&srv); // its close
        server_step(&srv); // its second bind
        server_step(&srv); // the call that gets stuck, until it has ended
        err = proc_wait(slow_client, &status);
    }
    struct lmp_recv_msg m = {0};
    errval_t left = lmp_recv_timeout(cap_selfep, 0, NULL_CAP, 100000, &m);
    unsigned open = server_clients(&srv);
    report("timeout.server_side",
           err_is_ok(err) && status == 0 && open == 0 && err_has(left, SYS_ERR_TIMEOUT),
           "%s, client status %lu, channels open %u, queue: %s", err_name(err), status, open,
           err_name(left));
}

static int slow_client_main(void)
{
    capref_t bind;
    struct rpc_chan c;
    struct rpc_result r = {0};
    uint64_t total, free, mine0 = 0, mine1 = 0;
    errval_t err = name_lookup(SLOW_NAME, &bind);
    // A first channel, opened and closed, so that what our slot and page
    // allocators keep for good is already there when we count.
    if (err_is_ok(err))
        err = rpc_bind_timeout(&c, bind, SLOW_US);
    if (err_is_ok(err))
        err = rpc_call(&c, OP_ECHO, 41, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = rpc_close(&c);
    if (err_is_ok(err))
        err = memserv_stats(&total, &free, &mine0);
    if (err_is_ok(err))
        err = rpc_bind_timeout(&c, bind, SLOW_US);
    report("timeout.bind_and_call", err_is_ok(err) && r.w[0] == 42, "%s, answer %lu", err_name(err),
           r.w[0]);
    if (err_is_fail(err))
        return 1;
    uint64_t t0 = sys_clock_us();
    err = rpc_call(&c, OP_STUCK, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    uint64_t us = sys_clock_us() - t0;
    err_ignore(
        memserv_stats(&total, &free, &mine1),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("timeout.call",
           err_has(err, SYS_ERR_TIMEOUT) && us >= SLOW_US - 20000 && us < 10 * SLOW_US &&
               !c.bound && mine1 == mine0,
           "%s after %lu us (limit %u), bound %d, RAM held %lu then %lu", err_name(err), us,
           SLOW_US, c.bound, mine0, mine1);
    t0 = sys_clock_us();
    err = rpc_bind_timeout(&c, bind, SLOW_US);
    us = sys_clock_us() - t0;
    err_ignore(
        memserv_stats(&total, &free, &mine1),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("timeout.bind",
           err_has(err, SYS_ERR_TIMEOUT) && us >= SLOW_US - 20000 && us < 10 * SLOW_US &&
               !c.bound && mine1 == mine0,
           "%s after %lu us (limit %u), RAM held %lu then %lu", err_name(err), us, SLOW_US, mine0,
           mine1);
    return tests_failed;
}

// Watching a process: status without waiting, a signal when it ends.
// A receive with a time limit on our own endpoint: it ends with
// SYS_ERR_TIMEOUT after about the time asked (whole 10 ms ticks, the first
// partly gone), and at once when a notification is already there.
static void test_lmp(void)
{
    struct lmp_recv_msg m = {0};
    uint64_t t0 = sys_clock_us();
    errval_t err = lmp_recv_timeout(cap_selfep, 0, NULL_CAP, 30000, &m);
    uint64_t us = sys_clock_us() - t0;
    report("lmp.recv_timeout", err_has(err, SYS_ERR_TIMEOUT) && us >= 19000 && us < 2000000,
           "%s after %lu us (30000 asked)", err_name(err), us);
    errval_t zero = lmp_recv_timeout(cap_selfep, 0, NULL_CAP, 0, &m);
    capref_t note = NULL_CAP;
    err = notify_cap(cap_selfep, (1ull << 9), &note);
    if (err_is_ok(err))
        err = lmp_send(note, LMP_FLAG_NOTIFY, NULL_CAP, (uint64_t[4]){0});
    t0 = sys_clock_us();
    if (err_is_ok(err))
        err = lmp_recv_timeout(cap_selfep, 0, NULL_CAP, 5000000, &m);
    us = sys_clock_us() - t0;
    report("lmp.message_before_timeout",
           err_is_ok(err) && (m.flags & LMP_RECV_NOTIFY) && (m.badge & (1ull << 9)) &&
               us < 1000000 && err_has(zero, SYS_ERR_INVALID_ARGS),
           "%s after %lu us, flags %#lx badge %#lx; timeout 0: %s", err_name(err), us, m.flags,
           m.badge, err_name(zero));
    if (note)
        cap_destroy(note);
}

static void test_watch(void)
{
    uint64_t pid = 0, status = 0;
    uint32_t state = 0, after = 0;
    capref_t note = NULL_CAP;
    errval_t err = proc_spawn("systest spin", &pid);
    if (err_is_ok(err))
        err = notify_cap(cap_selfep, (1ull << 7), &note);
    if (err_is_ok(err))
        err = proc_watch(pid, note);
    if (err_is_ok(err))
        err = proc_status(pid, &state, &status);
    errval_t kill = err_is_ok(err) ? proc_kill(pid) : err;
    struct lmp_recv_msg m = {0};
    if (err_is_ok(kill))
        err = lmp_recv(cap_selfep, 0, NULL_CAP, &m); // the signal: nothing else comes here
    errval_t st = proc_status(pid, &after, &status);
    report("watch.signal_on_end",
           err_is_ok(err) && err_is_ok(kill) && state == PROC_RUNNING &&
               (m.flags & LMP_RECV_NOTIFY) && (m.badge & (1ull << 7)) && err_is_ok(st) &&
               after == PROC_KILLED && status == DISP_EXIT_KILLED,
           "%s, kill %s, state %u then %u, flags %#lx badge %#lx", err_name(err), err_name(kill),
           state, after, m.flags, m.badge);
    errval_t late = note ? proc_watch(pid, note) : SYS_ERR_INVALID_ARGS;
    errval_t none = proc_status(99999, &state, &status);
    report("watch.errors", err_has(late, PROC_ERR_NO_SUCH) && err_has(none, PROC_ERR_NO_SUCH),
           "%s, %s", err_name(late), err_name(none));
    if (note)
        cap_destroy(note);
}

// devmgr and the drivers it started: ownership, refusals, the IOMMU.
static const struct devmgr_dev *find_dev(const struct devmgr_dev *d, unsigned n, uint16_t vendor,
                                         uint16_t device, bool vf)
{
    for (unsigned i = 0; i < n; i++) {
        if (d[i].vendor == vendor && d[i].device == device && !!(d[i].flags & DEVMGR_DEV_VF) == vf)
            return &d[i];
    }
    return NULL;
}

static uint64_t pid_of(const char *name)
{
    static struct proc_info procs[PROC_LIST_MAX];
    unsigned n = 0;
    err_ignore(proc_list(procs, PROC_LIST_MAX, &n), "n stays 0 and the check that follows fails");
    for (unsigned i = 0; i < n; i++) {
        if (procs[i].state == PROC_RUNNING && !strcmp(procs[i].name, name))
            return procs[i].pid;
    }
    return 0;
}

// Wait (up to 10 s) until the service called name is there.
static bool service_up(const char *name)
{
    capref_t bind;
    if (err_is_fail(name_lookup_wait(name, 10000, &bind)))
        return false;
    cap_destroy(bind);
    return true;
}

// The NVMe controller's interrupts through interrupt remapping: storctl
// points its MSI-X entry at its own entry, at one devmgr wrote for one of
// storctl's VFs, at one never written, and at the compatibility-format
// message (sys/storctl.h: STORCTL_IR_*).
static void test_intremap(struct rpc_chan *ch, const struct devmgr_dev *nvme)
{
    struct rpc_result r = {0};
    errval_t err = ch ? rpc_call(ch, STORCTL_CHECK_INTREMAP, 0, 0, 0, NULL_CAP, NULL_CAP, &r)
                      : SYS_ERR_NOT_FOUND;
    if (err_is_ok(err))
        err = r.err;
    // devmgr said the other entry was the VF's, not the controller's, and
    // the vector went back to it afterwards.
    bool listed = (r.w[0] & (STORCTL_IR_OTHER_LISTED | STORCTL_IR_GIVEN_BACK)) ==
                      (STORCTL_IR_OTHER_LISTED | STORCTL_IR_GIVEN_BACK) &&
                  r.w[2] != nvme->rid;
#define IR_WHY                                                                                     \
    "%s, results %#lx (remapped 1, own delivered 2, other blocked 4, absent blocked 8, compat "    \
    "delivered 16, restored 32, other listed 64, given back 128); other entry %lu of %04lx%s"
    report(
        "intremap.own_entry_delivered",
        err_is_ok(err) &&
            (r.w[0] & (STORCTL_IR_OWN_REMAPPED | STORCTL_IR_OWN_DELIVERED | STORCTL_IR_RESTORED)) ==
                (STORCTL_IR_OWN_REMAPPED | STORCTL_IR_OWN_DELIVERED | STORCTL_IR_RESTORED),
        IR_WHY, err_name(err), r.w[0], r.w[1], r.w[2], "");
    report("intremap.other_device_entry_blocked",
           err_is_ok(err) && listed && (r.w[0] & STORCTL_IR_OTHER_BLOCKED), IR_WHY, err_name(err),
           r.w[0], r.w[1], r.w[2],
           listed ? "" : " (not listed as that device's, or not given back)");
    report("intremap.absent_entry_blocked", err_is_ok(err) && (r.w[0] & STORCTL_IR_ABSENT_BLOCKED),
           IR_WHY, err_name(err), r.w[0], r.w[1], r.w[2], "");
    // QEMU's gap, not Sietch's behaviour: it delivers compatibility-format
    // MSIs with GSTS.CFIS clear. A QEMU that blocks them fails this test:
    // then the docs and this expectation change (hardware blocks them).
    report("intremap.qemu_delivers_compat_format",
           err_is_ok(err) && (r.w[0] & STORCTL_IR_COMPAT_DELIVERED), IR_WHY, err_name(err), r.w[0],
           r.w[1], r.w[2],
           err_is_ok(err) && !(r.w[0] & STORCTL_IR_COMPAT_DELIVERED)
               ? " (this QEMU blocks compatibility-format MSIs now: update docs/devices.md)"
               : "");
#undef IR_WHY
}

static void test_devices(void)
{
    static struct devmgr_dev devs[DEVMGR_MAX_DEVS];
    unsigned n = 0, vfs = 0;
    // The drivers devmgr started may still be bringing their devices up.
    bool up = service_up(STORCTL_NAME) && service_up("netctl");
    errval_t err = up ? devmgr_list(devs, DEVMGR_MAX_DEVS, &n) : SYS_ERR_TIMEOUT;
    const struct devmgr_dev *nvme = find_dev(devs, n, 0x1b36, 0x0010, false);
    const struct devmgr_dev *igb = find_dev(devs, n, 0x8086, 0x10c9, false);
    for (unsigned i = 0; i < n; i++)
        vfs += devs[i].vendor == 0x8086 && devs[i].device == 0x10ca &&
               (devs[i].flags & DEVMGR_DEV_VF) && igb && devs[i].owner == igb->owner;
    uint64_t storctl = pid_of("storctl"), netctl = pid_of("netctl");
    report("devices.owners",
           err_is_ok(err) && nvme && igb && nvme->owner == storctl && storctl &&
               igb->owner == netctl && netctl && (nvme->flags & DEVMGR_DEV_BOUND) &&
               igb->vfs == 7 && vfs == 7,
           "%s, %u devices, NVMe owner %lu (storctl %lu, domain %s), igb owner %lu (netctl %lu), "
           "%u VFs of 7",
           err_name(err), n, nvme ? nvme->owner : 0, storctl,
           nvme && (nvme->flags & DEVMGR_DEV_BOUND) ? "yes" : "no", igb ? igb->owner : 0, netctl,
           vfs);
    if (!nvme || !igb)
        return;
    // Caps to a device are its owner's only; a device that is not there is not.
    capref_t cap = NULL_CAP, root = NULL_CAP;
    uint64_t bytes, msi_addr;
    uint32_t vector, msi_data;
    uint16_t dom = 0, first, stride;
    errval_t bar = devmgr_bar(nvme->rid, 0, &cap, &bytes);
    errval_t cfg = devmgr_config(igb->rid, &cap);
    errval_t irq = devmgr_irq(nvme->rid, &cap, &vector, &msi_addr, &msi_data);
    errval_t sriov = devmgr_sriov(igb->rid, 2, &first, &stride);
    errval_t grant = devmgr_grant(nvme->rid, sys_pid());
    errval_t none = devmgr_bar(0xfff8, 0, &cap, &bytes);
    errval_t domain = devmgr_domain(&root, &dom);
    errval_t attach = devmgr_attach(nvme->rid, dom, NULL_CAP);
    report("devices.owner_only",
           err_has(bar, DEVMGR_ERR_NOT_OWNER) && err_has(cfg, DEVMGR_ERR_NOT_OWNER) &&
               err_has(irq, DEVMGR_ERR_NOT_OWNER) && err_has(sriov, DEVMGR_ERR_NOT_OWNER) &&
               err_has(grant, DEVMGR_ERR_NOT_OWNER) && err_has(none, PCI_ERR_NO_DEVICE) &&
               err_is_ok(domain) && dom && err_has(attach, DEVMGR_ERR_NOT_OWNER),
           "bar %s, config %s, irq %s, sriov %s, grant %s, absent %s, domain %s, attach %s",
           err_name(bar), err_name(cfg), err_name(irq), err_name(sriov), err_name(grant),
           err_name(none), err_name(domain), err_name(attach));
    // The NVMe controller, told to write outside its domain, is stopped.
    capref_t bind;
    struct rpc_chan ch;
    struct rpc_result r = {0};
    err = name_lookup(STORCTL_NAME, &bind);
    if (err_is_ok(err))
        err = rpc_bind(&ch, bind, NULL_CAP);
    bool bound = err_is_ok(err);
    if (err_is_ok(err))
        err = rpc_call(&ch, STORCTL_CHECK_ISOLATION, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    // (QEMU completes the command with success status although its data
    // never arrived: STORCTL_ISO_FAILED_STATUS is not asked for.)
    const uint64_t want = STORCTL_ISO_ALL & ~STORCTL_ISO_FAILED_STATUS;
    report("devices.dma_outside_domain_blocked", err_is_ok(err) && (r.w[0] & want) == want,
           "%s, results %#lx of %#lx (completed 1, owner signalled 4, fault logged 8, memory "
           "unchanged 16, inside works 32), page %#lx",
           err_name(err), r.w[0], want, r.w[1]);
    uint64_t faults = 0, addr = 0, reason = 0;
    err = devmgr_faults(nvme->rid, &faults, &addr, &reason);
    report("devices.fault_recorded", err_is_ok(err) && faults >= 1 && addr == r.w[1],
           "%s, %lu faults, last at %#lx (reason %#lx), wanted %#lx", err_name(err), faults, addr,
           reason, r.w[1]);
    test_intremap(bound ? &ch : NULL, nvme);
}

// `systest print N MS`: N lines, MS milliseconds apart, from a program
// that runs beside the shell (the console's edit line is tested with it).
static void print_lines(int argc, char **argv)
{
    unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
    unsigned long ms = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    if (n == 0 || n > 1000 || ms == 0 || ms > 60000) {
        printf("usage: systest print <lines 1-1000> <ms 1-60000>\n");
        tests_failed = 1;
        return;
    }
    for (unsigned long i = 1; i <= n; i++) {
        uint64_t end = sys_clock_us() + ms * 1000;
        for (uint64_t now; (now = sys_clock_us()) < end;) { // nothing comes: it times out
            struct lmp_recv_msg m;
            err_ignore(lmp_recv_timeout(cap_selfep, 0, NULL_CAP, end - now + 1, &m),
                       "a pause: the timeout is the point");
        }
        printf("systest: line %lu of %lu\n", i, n);
    }
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    if (!strcmp(t, "args"))
        test_args(argc, argv);
    else if (!strcmp(t, "heap"))
        test_heap();
    else if (!strcmp(t, "malloc"))
        test_malloc();
    else if (!strcmp(t, "threads"))
        test_threads();
    else if (!strcmp(t, "names"))
        test_names();
    else if (!strcmp(t, "client"))
        return client();
    else if (!strcmp(t, "memserv"))
        test_memserv();
    else if (!strcmp(t, "watch"))
        test_watch();
    else if (!strcmp(t, "lmp"))
        test_lmp();
    else if (!strcmp(t, "timeout"))
        test_timeout();
    else if (!strcmp(t, "slowclient"))
        return slow_client_main();
    else if (!strcmp(t, "lostpage"))
        test_lostpage();
    else if (!strcmp(t, "lostclient") || !strcmp(t, "pageclient"))
        return lostpage_client(t[0] == 'l');
    else if (!strcmp(t, "devices"))
        test_devices();
    else if (!strcmp(t, "limits"))
        test_limits();
    else if (!strcmp(t, "limited"))
        limited_main();
    else if (!strcmp(t, "neighbour"))
        neighbour_main();
    else if (!strcmp(t, "waiters"))
        test_waiters();
    else if (!strcmp(t, "pause") && argc == 3)
        pause_ms(strtoul(argv[2], NULL, 10));
    else if (!strcmp(t, "print"))
        print_lines(argc, argv);
    else if (!strcmp(t, "spin"))
        for (;;)
            sys_yield();
    else if (!strcmp(t, "crash"))
        *(volatile int *)(uintptr_t)crash_address = 1; // nothing is mapped there
    else
        printf("usage: systest "
               "args|heap|malloc|threads|names|memserv|watch|lmp|timeout|lostpage|devices|limits|"
               "waiters|pause|print|spin|crash\n");
    return tests_failed;
}
