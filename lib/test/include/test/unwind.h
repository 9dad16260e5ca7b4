/*
 * lib/test/include/test/unwind.h: set-up that unwinds, a failure injected
 * at each step (sys/failpoint.h).
 *
 * A case names a set-up (attempt) and where its failure counter is (arm:
 * here, or a server's for the next request through rpc_failpoint). The
 * run fails it at step 1, 2, ... until it succeeds; each failure must
 * carry FAIL_ERR_INJECTED in its chain and leave everything as it was:
 * this program's memory (and with whole, mem_serv's free memory: a set-up
 * done in a server or init spends others'), devmgr's vectors and IOMMU
 * domains, the devices the program holds (a count the program gives: its
 * VNICs, its VSICs) and init's processes. One report() line per case.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>

struct unwind_case {
    const char *id, *what;
    bool whole; // the set-up runs in a server or init: mem_serv's free memory counts
    errval_t (*arm)(unsigned n);
    bool (*pending)(void);     // the armed step was not reached (the set-up ran out of steps)
    errval_t (*attempt)(void); // the set-up, and its undo when it succeeds
};

// The devices of one kind this program holds, for the leak check: their
// name ("VNICs") and how many there are now.
struct unwind_devices {
    const char *name;
    MUST_CHECK errval_t (*count)(unsigned *n);
};

void unwind_run(const struct unwind_case *c, const struct unwind_devices *devs);

// arm and pending for a set-up in this program: its own failure counter.
MUST_CHECK errval_t unwind_arm_here(unsigned n);
bool unwind_pending_here(void);
// pending for a set-up in a server: its counter is armed per request, so
// a success means the steps ran out.
bool unwind_pending_server(void);
