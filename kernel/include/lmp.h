/*
 * kernel/include/lmp.h: LMP, local message passing between dispatchers on a core.
 *
 * An Endpoint is a kernel object with two queues: dispatchers blocked
 * receiving, and dispatchers blocked sending (with their message). A send
 * meets a waiting receiver and is delivered at once: a few words in
 * registers, the badge of the sender's endpoint cap, and optionally one
 * capability, copied from the sender's CSpace into the slot the receiver
 * named. With no receiver, a blocking send waits in the queue and a
 * non-blocking one fails. Interrupts arrive as notifications: their badges
 * are OR-ed into the endpoint's pending word until a receiver takes them.
 */
#pragma once

#include <dispatch.h>

struct endpoint {
    struct dcb *recv_head, *recv_tail;
    struct dcb *send_head, *send_tail;
    uint64_t pending; // notification badges not yet received (OR)
    uint64_t reserved[3];
};
_Static_assert(sizeof(struct endpoint) <= ENDPOINT_SIZE, "fits its object");

struct endpoint *endpoint_of(const struct capability *cap);

// The system calls, for the current dispatcher cur; results are set with
// arch_syscall_result, now or when the operation completes. May block cur
// (it leaves the run queue) or make others ready; with LMP_FLAG_YIELD a
// receiver woken by the send becomes sched.current (directed yield).
void lmp_sys_send(struct dcb *cur);
void lmp_sys_recv(struct dcb *cur);
void lmp_sys_call(struct dcb *cur);

// The fast path of SYS_SEND and SYS_CALL (lmp_fastpath.c), for cur, the
// current dispatcher, whose registers hold the call: when the call
// qualifies, carry it out and return the dispatcher to resume (it is
// sched.current now); else NULL, with nothing changed.
struct dcb *lmp_fastpath(struct dcb *cur);

// For the fast path: d, running, waits to receive on ep (in its queue,
// off the run queue); d leaves this core's list of timed waits.
void lmp_block_recv(struct dcb *d, struct endpoint *ep);
void lmp_timed_remove(struct dcb *d);
// Put d, just blocked, on the timed list: woken with SYS_ERR_TIMEOUT at the
// first tick timeout_us (not 0) or more from now.
void lmp_timed_add(struct dcb *d, uint64_t timeout_us);

// Deliver a notification with badge (an interrupt) to ep.
void lmp_notify(struct endpoint *ep, uint64_t badge);

// d leaves whatever endpoint queue it is in (it is being stopped).
void lmp_unblock(struct dcb *d);

// The timer ticked (now: ticks since boot): timed receives whose tick has
// come end with SYS_ERR_TIMEOUT and are ready to run.
void lmp_timer_expire(uint64_t now);

// ep's object is being destroyed: every waiter fails with LMP_ERR_ENDPOINT_DELETED.
void endpoint_destroyed(struct endpoint *ep);
