/* kernel/dispatch.c: dispatcher objects, their invocations, and round-robin scheduling. */
#include <base/string.h>
#include <dispatch.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <lmp.h>

struct sched sched;

struct dcb *dcb_of(const struct capability *cap) { return kmem_ptr(cap->u.dispatcher.base); }

// ---- Run queue: a circular list, head runs next (dispatch.h). ----

void sched_rotate(void)
{
    // The current dispatcher had its slice: whoever follows it goes next.
    struct dcb *cur = sched.current;
    if (cur && sched_queued(cur))
        sched.head = cur->next;
    else if (sched.head)
        sched.head = sched.head->next;
}

void dispatcher_stop(struct dcb *d, uint64_t status)
{
    bool was_running = d->state != DISP_STATE_STOPPED;
    lmp_unblock(d);
    sched_remove(d);
    d->state = DISP_STATE_STOPPED;
    d->exit_status = status;
    if (d->dispframe.cap.type == ObjType_Frame) {
        struct dispatcher_frame *f = kmem_ptr(d->dispframe.cap.u.mem.base);
        f->exit_status = status;
    }
    if (sched.current == d)
        sched.current = NULL;
    if (was_running && d->exit_ep.cap.type == ObjType_Endpoint)
        lmp_notify(endpoint_of(&d->exit_ep.cap), d->exit_ep.cap.u.endpoint.badge);
}

void dispatcher_destroyed(struct dcb *d)
{
    dispatcher_stop(d, d->state == DISP_STATE_STOPPED ? d->exit_status : DISP_EXIT_KILLED);
    // Its own slots hold caps; release them once the capability core is done
    // with the current operation.
    if (!d->in_cleanup) {
        d->in_cleanup = 1;
        d->cleanup_next = sched.cleanup;
        sched.cleanup = d;
    }
}

void dispatcher_cleanup_pending(void)
{
    while (sched.cleanup) {
        struct dcb *d = sched.cleanup;
        sched.cleanup = d->cleanup_next;
        struct cte *slots[] = {&d->cspace, &d->vspace, &d->dispframe, &d->exit_ep};
        for (unsigned i = 0; i < 4; i++) {
            if (slots[i]->cap.type != ObjType_Null)
                caps_delete(slots[i]); // cannot fail on a non-empty slot
        }
    }
}

// ---- Invocations ----

// Look up a capref argument in the caller's CSpace and check its type.
static errval_t lookup_typed(const struct invocation *inv, uint64_t ref, enum objtype type,
                             struct cte **out)
{
    errval_t err = caps_lookup_slot(inv->root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), out);
    if (err_is_fail(err))
        return err;
    if ((*out)->cap.type == ObjType_Null)
        return CAP_ERR_SLOT_EMPTY;
    return (*out)->cap.type == type ? SYS_ERR_OK : CAP_ERR_WRONG_TYPE;
}

struct setup_args {
    struct cte *cspace, *vspace, *frame;
    uint64_t entry, stack, arg;
};

static errval_t dispatcher_decode_setup(struct invocation *inv, struct dcb *d, struct setup_args *a)
{
    if (d->state != DISP_STATE_NEW || d->cspace.cap.type != ObjType_Null)
        return DISP_ERR_ALREADY_RUNNING;
    errval_t err = lookup_typed(inv, inv->arg[0], ObjType_L1CNode, &a->cspace);
    if (err_is_ok(err))
        err = lookup_typed(inv, inv->arg[1], ObjType_VNodePML4, &a->vspace);
    if (err_is_ok(err))
        err = lookup_typed(inv, inv->arg[2], ObjType_Frame, &a->frame);
    if (err_is_fail(err))
        return err;
    const struct capability *f = &a->frame->cap;
    if (f->u.mem.bytes < BASE_PAGE_SIZE ||
        (f->rights & (CAP_RIGHT_READ | CAP_RIGHT_WRITE)) != (CAP_RIGHT_READ | CAP_RIGHT_WRITE))
        return DISP_ERR_BAD_FRAME;
    a->entry = inv->arg[3];
    a->stack = inv->arg[4];
    a->arg = inv->arg[5];
    if (!arch_user_range_ok(a->entry, 1) || !arch_user_range_ok(a->stack - 8, 8))
        return PAGING_ERR_KERNEL_RANGE;
    return SYS_ERR_OK;
}

static void dispatcher_invoke_setup(struct dcb *d, const struct setup_args *a)
{
    caps_copy(&d->cspace, a->cspace, CAP_RIGHTS_ALL);
    caps_copy(&d->vspace, a->vspace, CAP_RIGHTS_ALL);
    caps_copy(&d->dispframe, a->frame, CAP_RIGHTS_ALL);
    d->id = ++sched.next_id;
    d->core = sched.core;
    arch_dispatcher_init(d, a->entry, a->stack, a->arg);
}

// Decode: an endpoint cap with the write right; invoke: keep a copy of it.
static errval_t dispatcher_notify_exit(struct invocation *inv, struct dcb *d)
{
    struct cte *ep;
    errval_t err = lookup_typed(inv, inv->arg[0], ObjType_Endpoint, &ep);
    if (err_is_fail(err))
        return err;
    if (!(ep->cap.rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (d->exit_ep.cap.type != ObjType_Null)
        caps_delete(&d->exit_ep); // a full slot: cannot fail
    caps_copy(&d->exit_ep, ep, CAP_RIGHTS_ALL);
    return SYS_ERR_OK;
}

errval_t dispatcher_invoke(struct invocation *inv)
{
    const struct capability *cap = &inv->target->cap;
    struct dcb *d = dcb_of(cap);
    uint8_t need = inv->cmd == DispatcherCmd_Info ? CAP_RIGHT_READ : CAP_RIGHT_WRITE;
    if (!(cap->rights & need))
        return CAP_ERR_NO_RIGHTS;
    switch (inv->cmd) {
    case DispatcherCmd_Setup: {
        struct setup_args a;
        errval_t err = dispatcher_decode_setup(inv, d, &a);
        if (err_is_ok(err))
            dispatcher_invoke_setup(d, &a);
        return err;
    }
    case DispatcherCmd_Run:
        if (d->cspace.cap.type == ObjType_Null)
            return DISP_ERR_NOT_SETUP;
        if (d->state == DISP_STATE_STOPPED)
            return DISP_ERR_STOPPED;
        if (d->state != DISP_STATE_NEW)
            return DISP_ERR_ALREADY_RUNNING;
        sched_make_ready(d);
        return SYS_ERR_OK;
    case DispatcherCmd_Stop:
        if (d->state == DISP_STATE_STOPPED)
            return DISP_ERR_STOPPED;
        dispatcher_stop(d, DISP_EXIT_KILLED);
        return SYS_ERR_OK;
    case DispatcherCmd_Info:
        inv->ret[0] = d->state;
        inv->ret[1] = d->exit_status;
        inv->ret[2] = d->core;
        return SYS_ERR_OK;
    case DispatcherCmd_NotifyExit: return dispatcher_notify_exit(inv, d);
    default: return SYS_ERR_ILLEGAL_INVOCATION;
    }
}
