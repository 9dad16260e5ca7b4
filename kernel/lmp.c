/* kernel/lmp.c: LMP endpoints: send, receive, call, notify, and cap transfer. */
#include <console.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <lmp.h>

struct endpoint *endpoint_of(const struct capability *cap)
{
    return kmem_ptr(cap->u.endpoint.base);
}

// ---- Endpoint queues (singly linked FIFOs through dcb->ep_next). ----

static void enqueue(struct dcb **head, struct dcb **tail, struct dcb *d)
{
    d->ep_next = NULL;
    if (*tail)
        (*tail)->ep_next = d;
    else
        *head = d;
    *tail = d;
}

static struct dcb *dequeue(struct dcb **head, struct dcb **tail)
{
    struct dcb *d = *head;
    if (d) {
        *head = d->ep_next;
        if (!*head)
            *tail = NULL;
        d->ep_next = NULL;
    }
    return d;
}

static void unlink(struct dcb **head, struct dcb **tail, struct dcb *d)
{
    struct dcb *prev = NULL;
    for (struct dcb *p = *head; p; prev = p, p = p->ep_next) {
        if (p != d)
            continue;
        if (prev)
            prev->ep_next = p->ep_next;
        else
            *head = p->ep_next;
        if (*tail == p)
            *tail = prev;
        p->ep_next = NULL;
        return;
    }
}

// ---- Timed receives: this core's list, unordered (it is short). ----

static struct dcb *timed;

// LAB 3 BEGIN timed_list
static void timed_remove(struct dcb *d)
{
    if (!d->wake_tick)
        return;
    d->wake_tick = 0;
    for (struct dcb **p = &timed; *p; p = &(*p)->timed_next) {
        if (*p == d) {
            *p = d->timed_next;
            break;
        }
    }
    d->timed_next = NULL;
}

static void timed_add(struct dcb *d, uint64_t timeout_us)
{
    // Whole seconds apart, so that no timeout overflows the product.
    uint64_t hz = arch_timer_hz();
    uint64_t ticks = timeout_us / 1000000 * hz + ((timeout_us % 1000000) * hz + 999999) / 1000000;
    d->wake_tick = arch_timer_ticks() + (ticks ? ticks : 1);
    d->timed_next = timed;
    timed = d;
}
// LAB 3 STUB
// // Take d off the timed list if it is on it (d->wake_tick != 0), and clear
// // its wake_tick.
// static void timed_remove(struct dcb *d)
// {
//     // LAB 3: your code here: the list is linked through d->timed_next.
//     KPRINTF_ONCE("LAB 3: timed_remove is not written yet (kernel/lmp.c)\n");
//     (void)d;
// }
//
// // Put d, which has just blocked, on the timed list, to be woken with
// // SYS_ERR_TIMEOUT at the first timer tick timeout_us or more from now.
// static void timed_add(struct dcb *d, uint64_t timeout_us)
// {
//     // LAB 3: your code here: convert microseconds to ticks of
//     // arch_timer_hz() rounding up (whole seconds apart, or the product
//     // can overflow), at least 1 tick; d->wake_tick is the tick number
//     // (arch_timer_ticks()) to wake at, never 0 (0 means "not timed").
//     KPRINTF_ONCE("LAB 3: timed_add is not written yet (kernel/lmp.c)\n");
//     (void)d, (void)timeout_us;
//     (void)timed; // the list's head: yours to use
// }
// LAB 3 END

static void block(struct dcb *d, struct endpoint *ep, bool sending)
{
    sched_remove(d);
    d->state = DISP_STATE_BLOCKED;
    d->blocked_on = ep;
    d->blocked_sending = sending;
    if (sending)
        enqueue(&ep->send_head, &ep->send_tail, d);
    else
        enqueue(&ep->recv_head, &ep->recv_tail, d);
}

void lmp_block_recv(struct dcb *d, struct endpoint *ep) { block(d, ep, false); }

void lmp_timed_remove(struct dcb *d) { timed_remove(d); }

void lmp_timed_add(struct dcb *d, uint64_t timeout_us) { timed_add(d, timeout_us); }

void lmp_unblock(struct dcb *d)
{
    struct endpoint *ep = d->blocked_on;
    if (!ep)
        return;
    if (d->blocked_sending)
        unlink(&ep->send_head, &ep->send_tail, d);
    else
        unlink(&ep->recv_head, &ep->recv_tail, d);
    d->blocked_on = NULL;
    d->call_pending = 0;
    timed_remove(d);
}

// Wake d with a result.
static void wake(struct dcb *d, errval_t err, const uint64_t *words, unsigned n)
{
    timed_remove(d);
    d->blocked_on = NULL;
    arch_syscall_result(d, err, words, n);
    sched_make_ready(d);
}

// ---- Delivery ----

// LAB 3 BEGIN deliver
// Copy the sender's cap into the receiver's named slot, without OWNER (the
// receiver's revoke cannot reach the sender's copy); returns LMP_RECV_*.
static uint64_t transfer_cap(struct dcb *from, const struct lmp_msg *m, struct dcb *to)
{
    if (!(m->flags & LMP_FLAG_SEND_CAP))
        return 0;
    struct cte *src, *dst;
    if (!to->recv_slot_level ||
        err_is_fail(caps_lookup_slot(&from->cspace.cap, m->send_cap, m->send_cap_level, &src)) ||
        src->cap.type == ObjType_Null ||
        err_is_fail(caps_lookup_slot(&to->cspace.cap, to->recv_slot, to->recv_slot_level, &dst)) ||
        dst->cap.type != ObjType_Null ||
        err_is_fail(caps_copy(dst, src, CAP_RIGHTS_ALL & ~CAP_RIGHT_OWNER)))
        return LMP_RECV_CAP_LOST;
    return LMP_RECV_CAP;
}

// Hand message m from sender (NULL for the kernel) to the receiver, which
// is either blocked (woken) or the current dispatcher in SYS_RECV.
static void deliver(struct dcb *sender, const struct lmp_msg *m, struct dcb *to, uint64_t rflags)
{
    uint64_t res[LMP_MSG_WORDS + 2] = {m->badge};
    for (unsigned i = 0; i < LMP_MSG_WORDS; i++)
        res[1 + i] = m->words[i];
    if (sender)
        rflags |= transfer_cap(sender, m, to);
    res[LMP_MSG_WORDS + 1] = rflags;
    to->recv_slot_level = 0;
    wake(to, SYS_ERR_OK, res, LMP_MSG_WORDS + 2);
}
// LAB 3 STUB
// // Copy the sender's cap into the receiver's named slot, without OWNER (the
// // receiver's revoke cannot reach the sender's copy); returns LMP_RECV_*.
// static uint64_t transfer_cap(struct dcb *from, const struct lmp_msg *m, struct dcb *to)
// {
//     // LAB 3: your code here: nothing (0) unless m->flags has
//     // LMP_FLAG_SEND_CAP. LMP_RECV_CAP when the cap m names in from's
//     // CSpace (m->send_cap, m->send_cap_level) was copied into the empty
//     // slot to named (to->recv_slot, to->recv_slot_level; level 0: it named
//     // none); LMP_RECV_CAP_LOST when anything is missing or fails
//     // (caps_lookup_slot, an empty source, an occupied slot, caps_copy). The
//     // message is delivered either way.
//     KPRINTF_ONCE("LAB 3: transfer_cap is not written yet (kernel/lmp.c)\n");
//     (void)from, (void)m, (void)to;
//     return LMP_RECV_CAP_LOST;
// }
//
// // Hand message m from sender (NULL for the kernel) to the receiver, which
// // is either blocked (woken) or the current dispatcher in SYS_RECV.
// static void deliver(struct dcb *sender, const struct lmp_msg *m, struct dcb *to, uint64_t rflags)
// {
//     // LAB 3: your code here: the receiver's result (wake) is SYS_ERR_OK
//     // and LMP_MSG_WORDS + 2 words: the badge, the message's words, and the
//     // LMP_RECV_* flags (rflags, with transfer_cap's for a sender's
//     // message). Its receive slot is used up (recv_slot_level = 0).
//     KPRINTF_ONCE("LAB 3: deliver is not written yet (kernel/lmp.c)\n");
//     (void)sender, (void)m, (void)rflags;
//     (void)transfer_cap; // yours to use
//     wake(to, SYS_ERR_NOT_IMPLEMENTED, NULL, 0);
// }
// LAB 3 END

// Receive on ep for d: take a queued sender's message or a pending
// notification if there is one; else block d (unless nonblock).
static void receive(struct dcb *d, struct endpoint *ep, bool nonblock);

// LAB 3 BEGIN rendezvous
// The sender's message has been taken: it continues, or for SYS_CALL it
// now waits for the reply on its reply endpoint.
static void sender_done(struct dcb *s)
{
    if (!s->call_pending) {
        wake(s, SYS_ERR_OK, NULL, 0);
        return;
    }
    s->call_pending = 0;
    s->blocked_on = NULL;
    struct cte *rep;
    errval_t err = caps_lookup_slot(&s->cspace.cap, s->reply_ep, s->reply_ep_level, &rep);
    if (err_is_ok(err) && rep->cap.type != ObjType_Endpoint)
        err = CAP_ERR_WRONG_TYPE;
    if (err_is_ok(err) && !(rep->cap.rights & CAP_RIGHT_READ))
        err = CAP_ERR_NO_RIGHTS;
    if (err_is_fail(err))
        wake(s, err, NULL, 0);
    else
        receive(s, endpoint_of(&rep->cap), false);
}

static void receive(struct dcb *d, struct endpoint *ep, bool nonblock)
{
    struct dcb *s = dequeue(&ep->send_head, &ep->send_tail);
    if (s) {
        deliver(s, &s->out, d, 0);
        sender_done(s);
    } else if (ep->pending) {
        struct lmp_msg n = {.badge = ep->pending};
        ep->pending = 0;
        deliver(NULL, &n, d, LMP_RECV_NOTIFY);
    } else if (nonblock) {
        arch_syscall_result(d, LMP_ERR_NO_MESSAGE, NULL, 0);
    } else {
        block(d, ep, false);
    }
}

// Send d's message d->out on ep: to a waiting receiver at once, else
// queue d (blocking) or fail (non-blocking). Returns the receiver woken.
static struct dcb *send(struct dcb *d, struct endpoint *ep, bool nonblock)
{
    struct dcb *r = dequeue(&ep->recv_head, &ep->recv_tail);
    if (r) {
        deliver(d, &d->out, r, 0);
        sender_done(d);
        return r;
    }
    if (nonblock) {
        d->call_pending = 0;
        arch_syscall_result(d, LMP_ERR_NOT_LISTENING, NULL, 0);
    } else {
        block(d, ep, true);
    }
    return NULL;
}
// LAB 3 STUB
// // The sender's message has been taken: it continues, or for SYS_CALL it
// // now waits for the reply on its reply endpoint.
// static void sender_done(struct dcb *s)
// {
//     // LAB 3: your code here. A send (!s->call_pending): s's result is
//     // SYS_ERR_OK and it is ready (wake). A call: s->call_pending = 0, then
//     // s receives (blocking) on the endpoint its s->reply_ep and
//     // s->reply_ep_level name, which must be an Endpoint
//     // (CAP_ERR_WRONG_TYPE) with CAP_RIGHT_READ (CAP_ERR_NO_RIGHTS); any
//     // error is s's result. (It may be blocked on the endpoint it sent on:
//     // not any more, blocked_on = NULL.)
//     KPRINTF_ONCE("LAB 3: sender_done is not written yet (kernel/lmp.c)\n");
//     wake(s, SYS_ERR_NOT_IMPLEMENTED, NULL, 0);
// }
//
// static void receive(struct dcb *d, struct endpoint *ep, bool nonblock)
// {
//     // LAB 3: your code here. In this order: the first sender queued on
//     // ep (its message, d->out, is delivered and the sender is done); else
//     // a pending notification (delivered as a message from the kernel with
//     // the bits as its badge, LMP_RECV_NOTIFY, and no longer pending); else
//     // LMP_ERR_NO_MESSAGE for nonblock; else d blocks on ep (block).
//     KPRINTF_ONCE("LAB 3: receive is not written yet (kernel/lmp.c)\n");
//     (void)ep, (void)nonblock;
//     (void)sender_done; // yours to use
//     arch_syscall_result(d, SYS_ERR_NOT_IMPLEMENTED, NULL, 0);
// }
//
// // Send d's message d->out on ep: to a waiting receiver at once, else
// // queue d (blocking) or fail (non-blocking). Returns the receiver woken.
// static struct dcb *send(struct dcb *d, struct endpoint *ep, bool nonblock)
// {
//     // LAB 3: your code here. The first receiver queued on ep gets the
//     // message and d is done (sender_done). With none: for nonblock,
//     // LMP_ERR_NOT_LISTENING and no call pending any more; else d blocks
//     // on ep as a sender.
//     KPRINTF_ONCE("LAB 3: send is not written yet (kernel/lmp.c)\n");
//     (void)ep, (void)nonblock;
//     d->call_pending = 0;
//     arch_syscall_result(d, SYS_ERR_NOT_IMPLEMENTED, NULL, 0);
//     return NULL;
// }
// LAB 3 END

// ---- System calls ----

// Resolve the endpoint capref in argument 0 and check rights.
static MUST_CHECK errval_t syscall_endpoint(struct dcb *cur, uint8_t right, struct capability **out)
{
    uint64_t ref = arch_syscall_arg(cur, 0);
    struct cte *c;
    errval_t err = caps_lookup_slot(&cur->cspace.cap, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), &c);
    if (err_is_fail(err))
        return err;
    if (c->cap.type == ObjType_Null)
        return CAP_ERR_SLOT_EMPTY;
    if (c->cap.type != ObjType_Endpoint)
        return CAP_ERR_WRONG_TYPE;
    if (!(c->cap.rights & right))
        return CAP_ERR_NO_RIGHTS;
    *out = &c->cap;
    return SYS_ERR_OK;
}

// Decode a send's arguments into cur->out; check the grant right. extra:
// the flags this system call takes beyond a send's.
static MUST_CHECK errval_t decode_send(struct dcb *cur, uint64_t extra, struct capability **ep)
{
    errval_t err = syscall_endpoint(cur, CAP_RIGHT_WRITE, ep);
    if (err_is_fail(err))
        return err;
    uint64_t flags = arch_syscall_arg(cur, 1);
    if (flags & ~(uint64_t)(LMP_FLAG_NONBLOCK | LMP_FLAG_SEND_CAP | LMP_FLAG_YIELD |
                            LMP_FLAG_NOTIFY | extra))
        return SYS_ERR_INVALID_ARGS;
    if ((flags & LMP_FLAG_NOTIFY) && (flags & LMP_FLAG_SEND_CAP))
        return SYS_ERR_INVALID_ARGS; // a notification carries a badge only
    if ((flags & LMP_FLAG_SEND_CAP) && !((*ep)->rights & CAP_RIGHT_GRANT))
        return CAP_ERR_NO_RIGHTS;
    uint64_t capref = arch_syscall_arg(cur, 2);
    cur->out = (struct lmp_msg){
        .badge = (*ep)->u.endpoint.badge,
        .send_cap = CAPREF_ADDR(capref),
        .send_cap_level = CAPREF_LEVEL(capref),
        .flags = (uint8_t)flags,
    };
    for (unsigned i = 0; i < LMP_MSG_WORDS; i++)
        cur->out.words[i] = arch_syscall_arg(cur, 3 + i);
    return SYS_ERR_OK;
}

static void directed_yield(struct dcb *cur, struct dcb *woken)
{
    if (woken && (cur->out.flags & LMP_FLAG_YIELD || cur->state != DISP_STATE_READY))
        sched.current = woken;
}

void lmp_sys_send(struct dcb *cur)
{
    struct capability *ep;
    errval_t err = decode_send(cur, 0, &ep);
    if (err_is_fail(err)) {
        arch_syscall_result(cur, err, NULL, 0);
        return;
    }
    cur->call_pending = 0;
    if (cur->out.flags & LMP_FLAG_NOTIFY) {
        lmp_notify(endpoint_of(ep), cur->out.badge);
        arch_syscall_result(cur, SYS_ERR_OK, NULL, 0);
        return;
    }
    directed_yield(cur, send(cur, endpoint_of(ep), cur->out.flags & LMP_FLAG_NONBLOCK));
}

// LAB 3 BEGIN timed_recv
void lmp_sys_recv(struct dcb *cur)
{
    struct capability *ep;
    errval_t err = syscall_endpoint(cur, CAP_RIGHT_READ, &ep);
    uint64_t flags = arch_syscall_arg(cur, 1);
    uint64_t timeout_us = arch_syscall_arg(cur, 3);
    if (err_is_ok(err) && (flags & ~(uint64_t)(LMP_FLAG_NONBLOCK | LMP_FLAG_TIMEOUT)))
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_ok(err) && (flags & LMP_FLAG_TIMEOUT) && timeout_us == 0)
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_fail(err)) {
        arch_syscall_result(cur, err, NULL, 0);
        return;
    }
    uint64_t slot = arch_syscall_arg(cur, 2);
    cur->recv_slot = CAPREF_ADDR(slot);
    cur->recv_slot_level = CAPREF_LEVEL(slot);
    receive(cur, endpoint_of(ep), flags & LMP_FLAG_NONBLOCK);
    if ((flags & LMP_FLAG_TIMEOUT) && cur->state == DISP_STATE_BLOCKED)
        timed_add(cur, timeout_us);
}

void lmp_timer_expire(uint64_t now)
{
    struct dcb **p = &timed;
    while (*p) {
        struct dcb *d = *p;
        if (d->wake_tick > now) {
            p = &d->timed_next;
            continue;
        }
        *p = d->timed_next; // off the list before it leaves its endpoint
        d->wake_tick = 0;
        d->timed_next = NULL;
        lmp_unblock(d);
        arch_syscall_result(d, SYS_ERR_TIMEOUT, NULL, 0);
        sched_make_ready(d);
    }
}
// LAB 3 STUB
// void lmp_sys_recv(struct dcb *cur)
// {
//     // LAB 3: your code here. The arguments (arch_syscall_arg): 0 the
//     // endpoint's capref (syscall_endpoint, which needs CAP_RIGHT_READ),
//     // 1 the flags (only LMP_FLAG_NONBLOCK and LMP_FLAG_TIMEOUT, else
//     // SYS_ERR_INVALID_ARGS), 2 the capref of the slot a cap sent is to go
//     // to (cur->recv_slot, recv_slot_level), 3 the timeout in microseconds
//     // (with LMP_FLAG_TIMEOUT; 0 is SYS_ERR_INVALID_ARGS). An error is
//     // cur's result at once. Then receive; if that blocked cur
//     // (cur->state == DISP_STATE_BLOCKED) and the receive is timed, put cur
//     // on the timed list.
//     KPRINTF_ONCE("LAB 3: lmp_sys_recv is not written yet (kernel/lmp.c)\n");
//     (void)receive; // yours to use
//     arch_syscall_result(cur, SYS_ERR_NOT_IMPLEMENTED, NULL, 0);
// }
//
// void lmp_timer_expire(uint64_t now)
// {
//     // LAB 3: your code here: every dispatcher on the timed list whose
//     // wake_tick has come (<= now) leaves the list and its endpoint
//     // (lmp_unblock) and is made ready with SYS_ERR_TIMEOUT. Take it off
//     // the list before lmp_unblock, which would otherwise search the list
//     // for it while you walk it.
//     KPRINTF_ONCE("LAB 3: lmp_timer_expire is not written yet (kernel/lmp.c)\n");
//     (void)now;
// }
// LAB 3 END

void lmp_sys_call(struct dcb *cur)
{
    struct capability *ep;
    errval_t err = decode_send(cur, LMP_FLAG_TIMEOUT, &ep);
    uint64_t timeout_us = arch_syscall_arg(cur, 9);
    if (err_is_ok(err) && (cur->out.flags & LMP_FLAG_NOTIFY))
        err = SYS_ERR_INVALID_ARGS; // nothing to reply to
    if (err_is_ok(err) && (cur->out.flags & LMP_FLAG_TIMEOUT) && timeout_us == 0)
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_fail(err)) {
        arch_syscall_result(cur, err, NULL, 0);
        return;
    }
    uint64_t reply = arch_syscall_arg(cur, 7), slot = arch_syscall_arg(cur, 8);
    cur->call_pending = 1;
    cur->reply_ep = CAPREF_ADDR(reply);
    cur->reply_ep_level = CAPREF_LEVEL(reply);
    cur->recv_slot = CAPREF_ADDR(slot);
    cur->recv_slot_level = CAPREF_LEVEL(slot);
    struct dcb *woken = send(cur, endpoint_of(ep), cur->out.flags & LMP_FLAG_NONBLOCK);
    // One limit for the whole call: queued to send, then waiting for the
    // reply (the timed wait survives the move from one to the other).
    if ((cur->out.flags & LMP_FLAG_TIMEOUT) && cur->state == DISP_STATE_BLOCKED)
        timed_add(cur, timeout_us);
    directed_yield(cur, woken);
}

void lmp_notify(struct endpoint *ep, uint64_t badge)
{
    struct dcb *r = dequeue(&ep->recv_head, &ep->recv_tail);
    if (!r) {
        ep->pending |= badge;
        return;
    }
    struct lmp_msg n = {.badge = badge | ep->pending};
    ep->pending = 0;
    deliver(NULL, &n, r, LMP_RECV_NOTIFY);
}

void endpoint_destroyed(struct endpoint *ep)
{
    struct dcb *d;
    while ((d = dequeue(&ep->recv_head, &ep->recv_tail)))
        wake(d, LMP_ERR_ENDPOINT_DELETED, NULL, 0);
    while ((d = dequeue(&ep->send_head, &ep->send_tail))) {
        d->call_pending = 0;
        wake(d, LMP_ERR_ENDPOINT_DELETED, NULL, 0);
    }
}
