/*
 * usr/tests/systest/procs.c: init's process table over many ends (`systest waiters`).
 *
 * init keeps an ended process's entry, listed, until it needs the entry
 * for a new process (usr/init/procs.c, new_entry), and it takes only an
 * entry whose waiters have all been answered. We start more processes
 * than the table holds, one after another, and wait for each while it
 * still runs, so that init records a waiter every time. If ending a
 * process left its waiter list non-empty, no entry would ever be taken
 * again and the spawns would fail once the table is full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/initsvc.h>
#include <sys/sys.h>

#include "systest.h"

#define TABLE    64 // init's MAX_PROCS (usr/init/init.h)
#define CHILDREN (TABLE + 8)
#define PAUSE_MS 40 // each child's life: long enough that our wait comes first

void pause_ms(uint64_t ms)
{
    uint64_t end = sys_clock_us() + ms * 1000;
    while (sys_clock_us() < end)
        sys_yield();
}

// Start `systest pause`, see it running, wait for it; true if it ran
// and ended well. *early is set if it had ended before we could ask.
static bool one_child(errval_t *err, bool *early)
{
    char line[32];
    uint64_t pid = 0, status = 1;
    uint32_t state = 0;
    snprintf(line, sizeof(line), "systest pause %u", PAUSE_MS);
    *err = proc_spawn_on(0, line, &pid);
    if (err_is_ok(*err))
        *err = proc_status(pid, &state, &status);
    *early = err_is_ok(*err) && state != PROC_RUNNING;
    if (err_is_ok(*err))
        *err = proc_wait(pid, &status); // init answers it when the child ends
    return err_is_ok(*err) && status == 0;
}

void test_waiters(void)
{
    unsigned ran = 0, early = 0;
    errval_t err = SYS_ERR_OK;
    for (unsigned i = 0; i < CHILDREN && err_is_ok(err); i++) {
        bool was_early;
        ran += one_child(&err, &was_early);
        early += was_early;
    }
    // A child that ended before our wait leaves no waiter: too many of
    // those and the test would not show anything.
    report("procs.waited_entries_reused",
           err_is_ok(err) && ran == CHILDREN && early < CHILDREN - TABLE,
           "%u of %u children ran (%s); %u had ended before the wait", ran, CHILDREN,
           err_name(err_root(err)), early);
}
