/*
 * usr/tests/kutest/bench.c: microbenchmarks of the CPU driver (make bench).
 *
 * Each prints "BENCH <name> iterations=N cycles=C ns=T": the mean per
 * operation in TSC cycles and in nanoseconds of guest time. Under QEMU's
 * -icount shift=0 every guest instruction takes exactly 1 ns of guest time,
 * so there ns is a deterministic instruction count.
 */
#include "kutest.h"
#include <stdio.h>

#define ROUNDS 2000

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t tsc_hz;

static void result(const char *name, uint64_t t0, uint64_t t1, unsigned n)
{
    uint64_t cycles = (t1 - t0) / n;
    uint64_t ns = (t1 - t0) * 1000000000ull / tsc_hz / n;
    printf("BENCH %s iterations=%u cycles=%lu ns=%lu\n", name, n, cycles, ns);
}

// The echo server as seL4 writes one: the reply and the wait for the next
// request in one system call (SYS_CALL on the caller's reply endpoint,
// waiting on its own), so each request finds it waiting.
static void echo_child(uint64_t arg)
{
    capref_t ep = cap_at(0, 0), reply = cap_at(0, 1);
    (void)arg;
    struct lmp_recv_msg m;
    if (err_is_fail(lmp_recv(ep, 0, NULL_CAP, &m)))
        sys_exit(1);
    for (;;) {
        uint64_t w[4] = {m.words[0], 0, 0, 0};
        if (err_is_fail(lmp_call(reply, LMP_FLAG_YIELD, NULL_CAP, w, ep, NULL_CAP, &m)))
            sys_exit(1);
    }
}

// The same server as a receive, then a send with directed yield: the
// caller runs before the server waits again, so each request waits in the
// endpoint's send queue and the server takes it with its receive (three
// kernel entries a round trip, the general path for two).
static void echo_child_recv_send(uint64_t arg)
{
    capref_t ep = cap_at(0, 0), reply = cap_at(0, 1);
    (void)arg;
    for (;;) {
        struct lmp_recv_msg m;
        if (err_is_fail(lmp_recv(ep, 0, NULL_CAP, &m)))
            sys_exit(1);
        uint64_t w[4] = {m.words[0], 0, 0, 0};
        err_ignore(lmp_send(reply, LMP_FLAG_YIELD, NULL_CAP, w),
                   "a notification or answer to a process that may have ended: nothing to do then");
    }
}

static void bench_lmp(const char *name, void (*server)(uint64_t))
{
    capref_t ping = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t pong = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t l2, root = cspace_new(&l2);
    err_ignore(invoke_cnode_copy(cap_root, l2, 0, ping, CAP_RIGHTS_ALL),
               "set-up of a benchmark: a failed copy fails the calls timed next");
    err_ignore(invoke_cnode_copy(cap_root, l2, 1, pong, CAP_RIGHTS_ALL),
               "set-up of a benchmark: a failed copy fails the calls timed next");
    capref_t child = child_start(server, 0, root, NULL);
    uint64_t w[4] = {1, 0, 0, 0};
    struct lmp_recv_msg m;
    // warm up
    err_ignore(lmp_call(ping, LMP_FLAG_YIELD, NULL_CAP, w, pong, NULL_CAP, &m),
               "timed calls: a failure shows as the benchmark's wrong count");
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < ROUNDS; i++)
        err_ignore(lmp_call(ping, LMP_FLAG_YIELD, NULL_CAP, w, pong, NULL_CAP, &m),
                   "timed calls: a failure shows as the benchmark's wrong count");
    result(name, t0, rdtsc(), ROUNDS);
    err_ignore(invoke_dispatcher_stop(child), "cleanup: the test's children end with the test");
}

void bench(void)
{
    uint64_t info[3];
    err_ignore(invoke_kernel_info(cap_kernel, info),
               "the figures before and after are compared: a failure shows there");
    tsc_hz = info[1];
    printf("BENCH tsc_hz=%lu\n", tsc_hz);

    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < ROUNDS; i++)
        syscall0(999);
    result("null_syscall", t0, rdtsc(), ROUNDS);

    t0 = rdtsc();
    for (unsigned i = 0; i < ROUNDS; i++)
        err_ignore(invoke_kernel_info(cap_kernel, info),
                   "the figures before and after are compared: a failure shows there");
    result("invoke_kernel_info", t0, rdtsc(), ROUNDS);

    capref_t f = kt_make(ObjType_Frame, 4096);
    // make the page tables first
    err_ignore(kt_map_at(TEST_VA_BASE, f, MAP_WRITE, 1),
               "warm-up: the page tables exist after either outcome");
    err_ignore(invoke_unmap(f), "cleanup between measurements: the next map would fail and say so");
    t0 = rdtsc();
    for (unsigned i = 0; i < ROUNDS; i++) {
        err_ignore(kt_map_at(TEST_VA_BASE, f, MAP_WRITE, 1),
                   "warm-up: the page tables exist after either outcome");
        err_ignore(invoke_unmap(f),
                   "cleanup between measurements: the next map would fail and say so");
    }
    result("map_unmap", t0, rdtsc(), ROUNDS);

    bench_lmp("lmp_roundtrip", echo_child);
    bench_lmp("lmp_roundtrip_recv_send", echo_child_recv_send);
}
