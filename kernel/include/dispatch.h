/*
 * kernel/include/dispatch.h: dispatchers (Sietch's schedulable contexts) and
 * the per-core scheduler.
 *
 * A dispatcher control block (DCB) lives in a Dispatcher object retyped
 * from RAM. It holds the saved user registers, copies of the caps it runs
 * with (CSpace root, VSpace root, dispatcher frame), and its scheduling and
 * LMP state. The CPU driver has one kernel stack per core and keeps no
 * kernel context across a switch: every entry saves the user registers into
 * the current DCB, and every exit resumes some DCB from its saved registers.
 */
#pragma once

#include <arch/regs.h>
#include <caps.h>
#include <invocation.h>
#include <kpi/syscalls.h>

struct endpoint;

// A message in flight: what a blocked sender waits to deliver.
struct lmp_msg {
    uint64_t badge;
    uint64_t words[LMP_MSG_WORDS];
    capaddr_t send_cap; // in the sender's CSpace, if LMP_FLAG_SEND_CAP
    uint8_t send_cap_level;
    uint8_t flags; // LMP_FLAG_*
};

struct dcb {
    struct trap_frame regs; // saved user context while not running (arch/regs.h)
    struct cte cspace;      // copy of the root CNode cap
    struct cte vspace;      // copy of the PML4 cap
    struct cte dispframe;   // copy of the dispatcher frame cap
    struct cte exit_ep;     // notified when the dispatcher stops (may be empty)
    uint8_t state;          // DISP_STATE_*
    uint8_t in_cleanup;     // queued for release of its slots
    uint16_t reserved;
    uint32_t core;
    uint64_t id; // unique, for messages and `ps`
    uint64_t exit_status;
    struct dcb *next, *prev; // run queue (circular), when READY

    // LMP state while BLOCKED.
    struct endpoint *blocked_on; // the endpoint whose queue holds us
    struct dcb *ep_next;         // next in that queue
    uint8_t blocked_sending;     // in the send queue (else the receive queue)
    struct lmp_msg out;          // the message we wait to send
    capaddr_t recv_slot;         // where a received cap goes (in our CSpace)
    uint8_t recv_slot_level;     // 0: no receive slot
    uint8_t call_pending;        // SYS_CALL: receive on reply_ep after the send
    capaddr_t reply_ep;
    uint8_t reply_ep_level;
    struct dcb *cleanup_next;
    // A receive with LMP_FLAG_TIMEOUT: the tick it ends at (0: none), and
    // the next in this core's list of timed waits.
    uint64_t wake_tick;
    struct dcb *timed_next;
};
_Static_assert(sizeof(struct dcb) <= DISPATCHER_SIZE, "the DCB fits its object");

// Per-core scheduler state.
struct sched {
    struct dcb *current; // running (or about to), NULL when idle
    struct dcb *head;    // run queue: circular list of READY dispatchers
    struct dcb *cleanup; // destroyed DCBs whose slots are still to be released
    uint64_t next_id;
    uint32_t core;
};

extern struct sched sched; // this core's scheduler (one core for now)

// The DCB in a Dispatcher cap's object.
struct dcb *dcb_of(const struct capability *cap);

// Run-queue operations (scheduling policy: round robin), inline for the
// LMP fast path. The run queue is a circular list; its head runs next.
static inline bool sched_queued(const struct dcb *d) { return d->next != NULL; }

// Make d ready: append it if not already queued.
static inline void sched_make_ready(struct dcb *d)
{
    d->state = DISP_STATE_READY;
    if (sched_queued(d))
        return;
    if (!sched.head) {
        d->next = d->prev = d;
        sched.head = d;
        return;
    }
    // Append: insert before the head.
    d->next = sched.head;
    d->prev = sched.head->prev;
    sched.head->prev->next = d;
    sched.head->prev = d;
}

// Take d off the run queue.
static inline void sched_remove(struct dcb *d)
{
    if (!sched_queued(d))
        return;
    if (d->next == d) {
        sched.head = NULL;
    } else {
        d->prev->next = d->next;
        d->next->prev = d->prev;
        if (sched.head == d)
            sched.head = d->next;
    }
    d->next = d->prev = NULL;
}

void sched_rotate(void); // timer tick: current goes to the back

// Who runs next (NULL: idle): the current dispatcher while it is ready,
// else the head of the run queue.
static inline struct dcb *sched_next(void)
{
    struct dcb *cur = sched.current;
    return cur && cur->state == DISP_STATE_READY ? cur : sched.head;
}

// Stop d for good (exit, kill, or a fatal exception): off every queue,
// state STOPPED. If it is current, current becomes NULL.
void dispatcher_stop(struct dcb *d, uint64_t status);

// Release the slots of DCBs destroyed during this kernel entry (deferred so
// the capability core never re-enters itself). Called before leaving the kernel.
void dispatcher_cleanup_pending(void);

// Called by arch_object_destroy for a Dispatcher object.
void dispatcher_destroyed(struct dcb *d);

// Dispatcher invocations: their row of the invocation table (invocation.h).
extern const struct inv_handler dispatcher_invocations[INV_CMDS];
