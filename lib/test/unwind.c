/* lib/test/unwind.c: set-up that unwinds, a failure injected at each step (test/unwind.h). */
#include <stdio.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/sys.h>
#include <test/report.h>
#include <test/unwind.h>

struct held {
    uint64_t mine, free, vectors, domains;
    unsigned devices, procs;
};

static MUST_CHECK errval_t held_now(const struct unwind_devices *d, struct held *h)
{
    uint64_t total, all;
    struct proc_info procs[PROC_LIST_MAX];
    unsigned np = 0;
    *h = (struct held){0};
    errval_t err = memserv_stats(&total, &h->free, &h->mine);
    if (err_is_ok(err))
        err = devmgr_stats(&h->vectors, &h->domains, &all);
    if (err_is_ok(err))
        err = d->count(&h->devices);
    if (err_is_ok(err))
        err = proc_list(procs, PROC_LIST_MAX, &np);
    h->procs = np;
    return err;
}

// Compare with before; what differs is printed.
static bool unchanged(const struct unwind_case *c, const struct unwind_devices *d, unsigned n,
                      const struct held *a)
{
    struct held b;
    errval_t err = held_now(d, &b);
    bool same = err_is_ok(err) && a->mine == b.mine && a->vectors == b.vectors &&
                a->domains == b.domains && a->devices == b.devices && a->procs == b.procs &&
                (!c->whole || a->free == b.free);
    if (!same)
        printf("%s, step %u failed: left behind: memory %ld bytes (free %ld), vectors %ld, "
               "domains %ld, %s %d, processes %d (%s)\n",
               c->what, n, (long)(b.mine - a->mine), (long)(b.free - a->free),
               (long)(b.vectors - a->vectors), (long)(b.domains - a->domains), d->name,
               (int)b.devices - (int)a->devices, (int)b.procs - (int)a->procs, err_name(err));
    return same;
}

void unwind_run(const struct unwind_case *c, const struct unwind_devices *d)
{
    struct held before;
    errval_t err = c->attempt(); // warm-up: tables, slots and heap made once
    // Measured twice: the first time sets up what the measuring itself
    // makes once (a channel's shared buffer for a list, 8 KiB).
    if (err_is_ok(err))
        err = held_now(d, &before);
    if (err_is_ok(err))
        err = held_now(d, &before);
    unsigned n = 0, leaks = 0, wrong = 0;
    bool done = false;
    while (err_is_ok(err) && !done && ++n < 100) {
        err = c->arm(n);
        errval_t got = err_is_ok(err) ? c->attempt() : err;
        done = err_is_ok(got) && c->pending();
        if (!done && !err_has(got, FAIL_ERR_INJECTED)) {
            wrong++;
            err_print_chain("unwind: not the injected failure", got);
        }
        if (n == 1 && err_is_fail(got))
            err_print_chain("unwind: step 1 (as an application sees it)", got);
        if (!done) // (a spawn that succeeds leaves its ended process listed)
            leaks += !unchanged(c, d, n, &before);
        err_ignore(c->arm(0), "disarming: the next attempt would show a failure it left armed");
    }
    report(c->id, err_is_ok(err) && done && n > 1 && !leaks && !wrong,
           "%u steps failed one at a time, %u left something behind, %u failed otherwise; then "
           "it succeeded: %s (%s)",
           n - 1, leaks, wrong, done ? "yes" : "no", err_name(err));
}

errval_t unwind_arm_here(unsigned n)
{
    failpoint_arm(n);
    return SYS_ERR_OK;
}

bool unwind_pending_here(void) { return failpoint_pending(); }

bool unwind_pending_server(void) { return true; }
