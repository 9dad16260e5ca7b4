/* kernel/kcheck.c: the self-check of the capability state behind SYS_CHECK (kcheck.h). */
#include <captypes.h>
#include <dispatch.h>
#include <kcheck.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <lmp.h>
#include <mdb.h>

bool kcheck_enabled;

// The current walk: slot arrays reached (CNodes, then DCBs' caps) and
// tables found. One walk at a time per core, under the kernel lock.
struct span {
    uintptr_t first, end; // kernel addresses of the slots
};
static struct span cnodes[KCHECK_MAX_CNODES], dcbs[KCHECK_MAX_DCBS];
static struct span ranges[KCHECK_MAX_RANGES]; // memory held: global coordinates
static unsigned n_cnodes, n_dcbs, n_vnodes, n_ranges;
static struct capability vnodes[KCHECK_MAX_VNODES];

#define BREACH(e, w, at) (r->why = (w), r->where = (at), (e))

bool kcheck_linked(const struct cte *c)
{
    if (c->cap.type == ObjType_Null || (c->mdb.flags & MDB_FLAG_ZOMBIE))
        return false;
    if (c->mdb.prev ? c->mdb.prev->mdb.next != c : mdb_first() != c)
        return false;
    return !c->mdb.next || c->mdb.next->mdb.prev == c;
}

static bool in_spans(const struct span *s, unsigned n, uintptr_t a)
{
    for (unsigned i = 0; i < n; i++) {
        if (a >= s[i].first && a < s[i].end)
            return true;
    }
    return false;
}

bool kcheck_held(const struct cte *c)
{
    uintptr_t a = (uintptr_t)c;
    return in_spans(cnodes, n_cnodes, a) || in_spans(dcbs, n_dcbs, a);
}

bool kcheck_covered(paddr_t pa, uint64_t bytes)
{
    uint64_t first = (uint64_t)CAPSPACE_PHYS << CAPSPACE_BITS | pa;
    for (unsigned i = 0; i < n_ranges; i++) {
        if (first >= ranges[i].first && first + bytes <= ranges[i].end)
            return true;
    }
    return false;
}

// ---- The mapping database ----

static bool well_formed(const struct capability *cap)
{
    const struct captype *t = captype_of(cap->type);
    if (cap->rights & ~CAP_RIGHTS_ALL)
        return false;
    if (t->layout == CAPLAYOUT_MEM)
        return cap->u.mem.bytes && cap->u.mem.base + cap->u.mem.bytes > cap->u.mem.base &&
               cap->u.mem.base + cap->u.mem.bytes <= CAPSPACE_LIMIT;
    if (cap->type == ObjType_L2CNode)
        return cap->u.cnode.slots == L2_CNODE_SLOTS;
    if (cap->type == ObjType_L1CNode)
        return cap->u.cnode.slots >= L1_CNODE_MIN_SLOTS &&
               !(cap->u.cnode.slots & (cap->u.cnode.slots - 1));
    return true;
}

// Ranges in database order are laminar: open holds the ranges enclosing
// the last one; each new range starts inside the innermost still open
// (and ends inside it) or after all of them.
static MUST_CHECK errval_t check_nesting(const struct cte *c, uint64_t open[][2], unsigned *depth,
                                         struct kcheck_result *r)
{
    uint64_t base, size;
    cap_range(&c->cap, &base, &size);
    while (*depth && open[*depth - 1][1] <= base)
        (*depth)--;
    if (*depth && base + size > open[*depth - 1][1])
        return BREACH(KCHECK_ERR_NESTING, "two objects overlap without one holding the other", c);
    if (*depth && open[*depth - 1][0] == base && open[*depth - 1][1] == base + size)
        return SYS_ERR_OK; // a copy, or a same-sized descendant: already open
    if (*depth == KCHECK_MAX_DEPTH)
        return BREACH(KCHECK_ERR_LIMIT, "objects nest deeper than the check follows", c);
    open[*depth][0] = base;
    open[(*depth)++][1] = base + size;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t check_mdb(struct kcheck_result *r)
{
    size_t count;
    const char *why;
    if (!mdb_check(&count, &why))
        return BREACH(KCHECK_ERR_MDB, why, NULL);
    r->nodes = count;
    uint64_t open[KCHECK_MAX_DEPTH][2];
    unsigned depth = 0;
    for (const struct cte *c = mdb_first(); c; c = c->mdb.next) {
        if (c->mdb.flags & (MDB_FLAG_ZOMBIE | MDB_FLAG_SCANNED))
            return BREACH(KCHECK_ERR_MDB, "a zombie slot in the tree", c);
        if (!well_formed(&c->cap))
            return BREACH(KCHECK_ERR_MDB, "a malformed cap in the tree", c);
        errval_t err = check_nesting(c, open, &depth, r);
        if (err_is_fail(err))
            return err;
        if (c->map.vnode && !(captype_of(c->cap.type)->flags & CAPTYPE_MAPPABLE))
            return BREACH(KCHECK_ERR_MAPPING, "a cap of a type never mapped has a mapping", c);
        if (c->map.vnode && err_is_fail(err = arch_kcheck_mapping(c, &why)))
            return BREACH(err, why, c);
    }
    return SYS_ERR_OK;
}

// ---- The CSpace ----

static MUST_CHECK errval_t add_span(struct span *s, unsigned *n, unsigned max, uintptr_t first,
                                    uintptr_t end, struct kcheck_result *r)
{
    if (in_spans(s, *n, first))
        return SYS_ERR_OK;
    if (*n == max)
        return BREACH(KCHECK_ERR_LIMIT, "more CNodes, dispatchers or tables than the check holds",
                      NULL);
    s[(*n)++] = (struct span){first, end};
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t add_cnode(const struct capability *cap, struct kcheck_result *r)
{
    uintptr_t first = (uintptr_t)kmem_ptr(cap->u.cnode.base);
    return add_span(cnodes, &n_cnodes, KCHECK_MAX_CNODES, first,
                    first + cap->u.cnode.slots * sizeof(struct cte), r);
}

static MUST_CHECK errval_t add_vnode(const struct capability *cap, struct kcheck_result *r)
{
    for (unsigned i = 0; i < n_vnodes; i++) {
        if (vnodes[i].u.vnode.base == cap->u.vnode.base)
            return SYS_ERR_OK;
    }
    if (n_vnodes == KCHECK_MAX_VNODES)
        return BREACH(KCHECK_ERR_LIMIT, "more tables than the check holds", NULL);
    vnodes[n_vnodes++] = *cap;
    return SYS_ERR_OK;
}

// A dispatcher's waiters: each queued dispatcher is blocked on ep, and
// the tail is the last (a cycle shows as a queue longer than can be).
static MUST_CHECK errval_t check_queue(const struct endpoint *ep, const struct dcb *head,
                                       const struct dcb *tail, bool sending,
                                       struct kcheck_result *r)
{
    const struct dcb *last = NULL;
    unsigned n = 0;
    for (const struct dcb *d = head; d; d = d->ep_next) {
        if (d->state != DISP_STATE_BLOCKED || d->blocked_on != ep ||
            !d->blocked_sending != !sending)
            return BREACH(KCHECK_ERR_QUEUE, "an endpoint's waiter is not blocked on it", NULL);
        if (++n > 100000)
            return BREACH(KCHECK_ERR_QUEUE, "an endpoint's queue loops", NULL);
        last = d;
    }
    return last == tail ? SYS_ERR_OK
                        : BREACH(KCHECK_ERR_QUEUE, "an endpoint's queue tail is wrong", NULL);
}

static MUST_CHECK errval_t check_dcb_caps(const struct dcb *d, struct kcheck_result *r);

// One slot of a walked CNode or DCB; queues what it reaches.
static MUST_CHECK errval_t check_slot(const struct cte *c, struct kcheck_result *r)
{
    r->slots++;
    if (c->cap.type == ObjType_Null) {
        if (c->mdb.left || c->mdb.right || c->mdb.prev || c->mdb.next || c->map.vnode)
            return BREACH(KCHECK_ERR_SLOT, "an empty slot keeps links or a mapping", c);
        return SYS_ERR_OK;
    }
    if (c->cap.type >= ObjType_Num)
        return BREACH(KCHECK_ERR_SLOT, "a slot holds no valid type", c);
    if (!kcheck_linked(c))
        return BREACH(KCHECK_ERR_SLOT, "a slot's cap is not in the mapping database", c);
    const struct captype *t = captype_of(c->cap.type);
    if (t->space == CAPSPACE_PHYS) {
        uint64_t base, size;
        cap_range(&c->cap, &base, &size);
        errval_t err = add_span(ranges, &n_ranges, KCHECK_MAX_RANGES, base, base + size, r);
        if (err_is_fail(err))
            return err;
    }
    if (t->flags & CAPTYPE_CNODE)
        return add_cnode(&c->cap, r);
    if (t->flags & CAPTYPE_MAPPABLE && !(t->flags & CAPTYPE_UNTYPED))
        return add_vnode(&c->cap, r);
    if (c->cap.type == ObjType_Dispatcher)
        return check_dcb_caps((const struct dcb *)kmem_ptr(c->cap.u.dispatcher.base), r);
    if (c->cap.type == ObjType_Endpoint) {
        const struct endpoint *ep = kmem_ptr(c->cap.u.endpoint.base);
        errval_t err = check_queue(ep, ep->recv_head, ep->recv_tail, false, r);
        return err_is_ok(err) ? check_queue(ep, ep->send_head, ep->send_tail, true, r) : err;
    }
    return SYS_ERR_OK;
}

// A dispatcher's own caps (CSpace, VSpace, frame, exit endpoint) are held
// by whoever holds the dispatcher: walked once, like a CNode's slots.
static MUST_CHECK errval_t check_dcb_caps(const struct dcb *d, struct kcheck_result *r)
{
    uintptr_t first = (uintptr_t)&d->cspace, end = (uintptr_t)(&d->exit_ep + 1);
    if (in_spans(dcbs, n_dcbs, first))
        return SYS_ERR_OK;
    errval_t err = add_span(dcbs, &n_dcbs, KCHECK_MAX_DCBS, first, end, r);
    const struct cte *own[] = {&d->cspace, &d->vspace, &d->dispframe, &d->exit_ep};
    for (unsigned i = 0; i < 4 && err_is_ok(err); i++) {
        // Its VSpace is checked where a VNode cap to it is held, not here:
        // a dispatcher may run in an address space whose tables its
        // holder does not hold (a thread of another process's).
        if (own[i] == &d->vspace && own[i]->cap.type != ObjType_Null)
            err = kcheck_linked(own[i])
                      ? SYS_ERR_OK
                      : BREACH(KCHECK_ERR_SLOT, "a dispatcher's VSpace cap is not linked", own[i]);
        else
            err = check_slot(own[i], r);
    }
    return err;
}

static MUST_CHECK errval_t walk_cspace(struct kcheck_result *r)
{
    // cnodes[] grows while it is walked: each CNode once, breadth first.
    for (unsigned i = 0; i < n_cnodes; i++) {
        for (uintptr_t a = cnodes[i].first; a < cnodes[i].end; a += sizeof(struct cte)) {
            errval_t err = check_slot((const struct cte *)a, r);
            if (err_is_fail(err))
                return err;
        }
    }
    for (unsigned i = 0; i < n_vnodes; i++) {
        const char *why = "ok";
        const struct cte *where = NULL;
        errval_t err = arch_kcheck_table(&vnodes[i], &r->entries, &why, &where);
        if (err_is_fail(err))
            return BREACH(err, why, where);
    }
    return SYS_ERR_OK;
}

// The run queue: a ring of READY dispatchers, linked both ways.
static MUST_CHECK errval_t check_run_queue(struct kcheck_result *r)
{
    const struct dcb *d = sched.head;
    for (unsigned n = 0; d; n++) {
        if (d->state != DISP_STATE_READY || d->next->prev != d)
            return BREACH(KCHECK_ERR_QUEUE, "the run queue holds a dispatcher not ready", NULL);
        if (n > 100000)
            return BREACH(KCHECK_ERR_QUEUE, "the run queue does not close", NULL);
        d = d->next;
        if (d == sched.head)
            break;
    }
    return SYS_ERR_OK;
}

errval_t kcheck_cspace(const struct capability *root, struct kcheck_result *r)
{
    *r = (struct kcheck_result){.why = "ok"};
    n_cnodes = n_dcbs = n_vnodes = n_ranges = 0;
    errval_t err = check_mdb(r);
    if (err_is_ok(err))
        err = check_run_queue(r);
    if (err_is_ok(err) && root->type == ObjType_L1CNode)
        err = add_cnode(root, r);
    return err_is_ok(err) ? walk_cspace(r) : err;
}

errval_t kcheck_run(struct dcb *d, struct kcheck_result *r)
{
    return kcheck_cspace(&d->cspace.cap, r);
}
