/*
 * usr/tests/kfuzz/main.c: the CPU driver under a hostile process.
 *
 *   kfuzz [-n calls] [-s seed] [-b batch] [-g first generation] [-G generations] [-c core]
 *         [-v 1]
 *
 * Runs generations of two fuzzers (gen.c, calls.c) until they made at least
 * `calls` system calls and invocations, with the kernel's self-check
 * (SYS_CHECK: boot with the `kcheck` kernel argument) after each. With a
 * second core, a partner (`kfuzz helper SEED BATCH`) does the same there,
 * and the two swap frames and revoke them across cores (peer.c). The seed
 * is printed; -s with it repeats each fuzzer's sequence of calls, and -g
 * (with -G 1) one generation alone; -v 1 prints each fuzzer's last calls
 * after every generation. Exits with 0 only if no check found a
 * breach and nothing leaked, on either core.
 */
#include "kfuzz.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/initsvc.h>
#include <sys/sys.h>

// How many calls of each kind succeeded: the mix reaches the work, not
// only the checks.
static void print_mix(const struct run *r, const struct totals *t)
{
    char line[400];
    int n = snprintf(line, sizeof(line), "%s: succeeded/made:", r->who);
    for (unsigned op = 0; op < OPS && n < (int)sizeof(line); op++) {
        if (t->made[op])
            n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %lu/%lu", fuzz_op_name(op),
                          t->ok[op], t->made[op]);
    }
    printf("%s\n", line);
}

static void print_totals(const struct run *r, const struct totals *t, uint64_t t0, int bad)
{
    print_mix(r, t);
    uint64_t ms = (sys_rdtsc() - t0) * 1000 / sys_tsc_hz();
    printf("%s: done: %lu calls in %lu generations (%lu ended early), %lu kernel checks "
           "(%lu caps in the database at the last), %lu page-table entries checked, %lu "
           "cross-core revokes, %lu.%03lu s: %s\n",
           r->who, t->calls, t->gens, t->ended_early, t->checks, t->nodes, t->entries,
           t->revokes_remote, ms / 1000, ms % 1000, bad ? "FAILED" : "0 breaches, 0 leaks");
}

static int helper(uint64_t seed, uint64_t batch)
{
    struct run r = {.seed = seed,
                    .calls = UINT64_MAX,
                    .batch = batch,
                    .peer = true,
                    .helper = true,
                    .who = "kfuzz@1"};
    struct totals t = {0};
    uint64_t t0 = sys_rdtsc();
    errval_t err = peer_connect();
    if (err_is_fail(err)) {
        printf("kfuzz@1: connect: %s\n", err_name(err));
        return 1;
    }
    int bad = run_generations(&r, &t);
    print_totals(&r, &t, t0, bad);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "helper"))
        return helper(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
    struct run r = {.calls = 50000, .batch = 1000, .who = "kfuzz"};
    r.seed = sys_rdtsc() * 0x9e3779b97f4a7c15ull | 1;
    long core = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        uint64_t v = strtoull(argv[i + 1], NULL, 0);
        if (!strcmp(argv[i], "-n"))
            r.calls = v;
        else if (!strcmp(argv[i], "-s"))
            r.seed = v;
        else if (!strcmp(argv[i], "-b"))
            r.batch = v ? v : 1;
        else if (!strcmp(argv[i], "-g"))
            r.first_gen = v;
        else if (!strcmp(argv[i], "-G"))
            r.max_gens = v;
        else if (!strcmp(argv[i], "-c"))
            core = (long)v;
        else if (!strcmp(argv[i], "-v"))
            r.verbose = v;
    }
    printf("kfuzz: seed %#lx (FUZZ_SEED=%#lx repeats it), %lu calls, %lu per fuzzer and "
           "generation\n",
           r.seed, r.seed, r.calls, r.batch);
    uint64_t pid = 0, status = 0, t0 = sys_rdtsc();
    errval_t err = core >= 0 ? peer_start((unsigned)core, &r, &pid) : SYS_ERR_OK;
    r.peer = core >= 0 && err_is_ok(err);
    if (core >= 0 && err_is_fail(err))
        printf("kfuzz: no partner on core %ld (%s): this core alone\n", core, err_name(err));
    struct totals t = {0};
    int bad = run_generations(&r, &t);
    if (r.peer) {
        peer_finish(true);
        err = proc_wait(pid, &status);
        if (err_is_fail(err) || status)
            printf("kfuzz: the partner on core %ld: %s, status %lu\n", core, err_name(err), status);
        bad |= err_is_fail(err) || status;
    }
    print_totals(&r, &t, t0, bad);
    return bad;
}
