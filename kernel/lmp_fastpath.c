/*
 * kernel/lmp_fastpath.c: the LMP fast path, SYS_SEND and SYS_CALL in their
 * common case straight from the sender's entry to the resume of whoever
 * runs next.
 *
 * The common case: a message in registers (no cap, no notification; a
 * time limit only on a call's wait for the reply) on an endpoint cap with
 * WRITE in the caller's CSpace, a receiver of this core waiting at the
 * head of the endpoint's queue and able to run, and for SYS_CALL a reply
 * endpoint cap with READ on which nothing is queued to send and no
 * notification is pending (so the caller blocks there, timed if asked).
 * Every check comes before the first change; anything else returns NULL
 * having changed nothing, and the general path (lmp.c) runs. When the
 * fast path is taken, the endpoints, dispatchers, run queue and result
 * registers end up as the general path leaves them (the host test
 * check_lmp_fastpath runs both on the same random sequences), except the
 * caller's scratch fields (out, reply_ep), which mean nothing once the
 * message has been delivered.
 */
#include <kernel_arch.h>
#include <lmp.h>
#include <mdb.h>

// Slot i of a CNode whose type the caller checked, as cnode_slot finds it.
static inline struct cte *fast_cnode_slot(const struct capability *cnode, uint32_t i)
{
    if (i >= cnode->u.cnode.slots)
        return NULL;
    return (struct cte *)kmem_ptr(cnode->u.cnode.base) + i;
}

// The slot a capref names in root's CSpace, as caps_lookup_slot finds it;
// NULL wherever that fails.
static inline struct cte *fast_slot(const struct capability *root, uint64_t ref)
{
    capaddr_t addr = CAPREF_ADDR(ref);
    uint8_t level = CAPREF_LEVEL(ref);
    if (root->type != ObjType_L1CNode)
        return NULL;
    if (level == CAP_LEVEL_L1)
        return fast_cnode_slot(root, addr);
    if (level != CAP_LEVEL_L2)
        return NULL;
    struct cte *l1 = fast_cnode_slot(root, CAPADDR_L1(addr));
    if (!l1 || l1->cap.type != ObjType_L2CNode || (l1->mdb.flags & MDB_FLAG_ZOMBIE))
        return NULL;
    return fast_cnode_slot(&l1->cap, CAPADDR_L2(addr));
}

// The endpoint capref names with right, or NULL.
static inline const struct capability *fast_endpoint(const struct capability *root, uint64_t ref,
                                                     uint8_t right)
{
    const struct cte *c = fast_slot(root, ref);
    if (!c || c->cap.type != ObjType_Endpoint || !(c->cap.rights & right))
        return NULL;
    return &c->cap;
}

static inline struct endpoint *fast_endpoint_of(const struct capability *cap)
{
    return kmem_ptr(cap->u.endpoint.base);
}

// What kernel_exit checks before it resumes a dispatcher.
static inline bool fast_runnable(const struct dcb *d)
{
    return d->cspace.cap.type == ObjType_L1CNode && d->vspace.cap.type == ObjType_VNodePML4 &&
           d->dispframe.cap.type == ObjType_Frame;
}

// The receiver waiting on ep, if the message may go to it fast.
static inline struct dcb *fast_receiver(const struct dcb *cur, struct endpoint *ep)
{
    struct dcb *r = ep->recv_head;
    if (!r || r->core != cur->core || !fast_runnable(r))
        return NULL;
    return r;
}

// Deliver the message in cur's argument registers to r, the head of ep's
// receive queue, and make r ready (lmp.c: deliver and wake).
static inline void fast_deliver(struct dcb *cur, const struct capability *epcap,
                                struct endpoint *ep, struct dcb *r)
{
    struct trap_frame *in = &cur->regs, *out = &r->regs;
    ep->recv_head = r->ep_next;
    if (!ep->recv_head)
        ep->recv_tail = NULL;
    r->ep_next = NULL;
    r->blocked_on = NULL;
    r->recv_slot_level = 0;
    if (r->wake_tick)
        lmp_timed_remove(r);
    out->rax = SYS_ERR_OK;
    *trap_frame_ret(out, 0) = epcap->u.endpoint.badge;
    *trap_frame_ret(out, 1) = *trap_frame_arg(in, 3);
    *trap_frame_ret(out, 2) = *trap_frame_arg(in, 4);
    *trap_frame_ret(out, 3) = *trap_frame_arg(in, 5);
    *trap_frame_ret(out, 4) = *trap_frame_arg(in, 6);
    *trap_frame_ret(out, 5) = 0; // no LMP_RECV_* flags
    sched_make_ready(r);
}

static struct dcb *fast_send(struct dcb *cur, const struct capability *epcap, uint64_t flags)
{
    struct endpoint *ep = fast_endpoint_of(epcap);
    struct dcb *r = fast_receiver(cur, ep);
    if (!r)
        return NULL;
    fast_deliver(cur, epcap, ep, r);
    cur->call_pending = 0;
    cur->regs.rax = SYS_ERR_OK;
    sched_make_ready(cur); // (it is: the running dispatcher is on the run queue)
    // The sender stays ready; with LMP_FLAG_YIELD the receiver runs first.
    sched.current = flags & LMP_FLAG_YIELD ? r : cur;
    return sched.current;
}

static struct dcb *fast_call(struct dcb *cur, const struct capability *epcap, uint64_t flags)
{
    struct trap_frame *in = &cur->regs;
    const struct capability *rcap =
        fast_endpoint(&cur->cspace.cap, *trap_frame_arg(in, 7), CAP_RIGHT_READ);
    if (!rcap)
        return NULL;
    struct endpoint *ep = fast_endpoint_of(epcap), *rep = fast_endpoint_of(rcap);
    if (rep->send_head || rep->pending)
        return NULL; // the reply phase would not block
    struct dcb *r = fast_receiver(cur, ep);
    if (!r)
        return NULL;
    fast_deliver(cur, epcap, ep, r);
    uint64_t slot = *trap_frame_arg(in, 8);
    cur->recv_slot = CAPREF_ADDR(slot);
    cur->recv_slot_level = CAPREF_LEVEL(slot);
    cur->call_pending = 0;
    lmp_block_recv(cur, rep);
    if (flags & LMP_FLAG_TIMEOUT)
        lmp_timed_add(cur, *trap_frame_arg(in, 9)); // (not 0: checked)
    sched.current = r;
    return r;
}

struct dcb *lmp_fastpath(struct dcb *cur)
{
    struct trap_frame *in = &cur->regs;
    uint64_t flags = *trap_frame_arg(in, 1);
    if ((flags & ~(uint64_t)(LMP_FLAG_NONBLOCK | LMP_FLAG_YIELD)) && // (the common case: one test)
        (in->rax != SYS_CALL ||
         (flags & ~(uint64_t)(LMP_FLAG_NONBLOCK | LMP_FLAG_YIELD | LMP_FLAG_TIMEOUT)) ||
         *trap_frame_arg(in, 9) == 0))
        return NULL; // a cap, a notification, a timed send, a time limit of 0 (invalid)
    const struct capability *epcap =
        fast_endpoint(&cur->cspace.cap, *trap_frame_arg(in, 0), CAP_RIGHT_WRITE);
    if (!epcap)
        return NULL;
    if (in->rax == SYS_SEND)
        return fast_send(cur, epcap, flags);
    if (in->rax == SYS_CALL)
        return fast_call(cur, epcap, flags);
    return NULL;
}
