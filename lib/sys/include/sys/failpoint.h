/*
 * lib/sys/include/sys/failpoint.h: failures a test injects into set-up code,
 * to check that a set-up function undoes what it built when a later step
 * fails (docs/architecture.md, "Set-up that unwinds").
 *
 * A set-up step is written FAILPOINT(call): with failpoint_arm(n) the n-th
 * such step from then on does not run and yields FAIL_ERR_INJECTED instead;
 * the others run as usual. Off (0) by default: a step then costs one load
 * and a compare. A test arms 1, 2, 3 ... in turn until the set-up succeeds
 * (failpoint_pending: the armed step was never reached) and checks after
 * each failure that nothing is left behind.
 *
 * Servers take it per request: a client arms its channel with
 * rpc_failpoint (sys/rpc.h), and the server library arms the counter for
 * that channel's next request only (lib/sys/server.c), so no other
 * client's request ever fails by it.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>

extern unsigned failpoint_countdown; // steps until the injected failure; 0: off

// The n-th FAILPOINT step from now fails (0: none).
static inline void failpoint_arm(unsigned n) { failpoint_countdown = n; }

// Armed, and the failing step not reached yet (the set-up had fewer steps).
static inline bool failpoint_pending(void) { return failpoint_countdown != 0; }

// Is this step the one to fail? (Counts it.)
static inline bool failpoint_hit(void) { return failpoint_countdown && --failpoint_countdown == 0; }

// A set-up step: call, unless it is the step to fail.
#define FAILPOINT(call) (failpoint_hit() ? (errval_t)FAIL_ERR_INJECTED : (call))
