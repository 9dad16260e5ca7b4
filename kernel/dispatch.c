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
                err_ignore(caps_delete(slots[i]), "cannot fail on a non-empty slot");
        }
    }
}

// ---- Invocations (decode/invoke pairs of the invocation table) ----

static struct dcb *target_dcb(const struct invocation *inv) { return dcb_of(&inv->target->cap); }

// Setup: (CSpace root, VSpace root, dispatcher frame, entry, stack, arg).
static MUST_CHECK errval_t decode_setup(struct invocation *inv, struct inv_decoded *a)
{
    struct dcb *d = target_dcb(inv);
    if (d->state != DISP_STATE_NEW || d->cspace.cap.type != ObjType_Null)
        return DISP_ERR_ALREADY_RUNNING;
    errval_t err = inv_lookup_typed(inv, inv->arg[0], ObjType_L1CNode, &a->src);
    if (err_is_ok(err))
        err = inv_lookup_typed(inv, inv->arg[1], ObjType_VNodePML4, &a->dest);
    if (err_is_ok(err))
        err = inv_lookup_typed(inv, inv->arg[2], ObjType_Frame, &a->more);
    if (err_is_fail(err))
        return err;
    const struct capability *f = &a->more->cap;
    if (f->u.mem.bytes < BASE_PAGE_SIZE ||
        (f->rights & (CAP_RIGHT_READ | CAP_RIGHT_WRITE)) != (CAP_RIGHT_READ | CAP_RIGHT_WRITE))
        return DISP_ERR_BAD_FRAME;
    if (!arch_user_range_ok(inv->arg[3], 1) || !arch_user_range_ok(inv->arg[4] - 8, 8))
        return PAGING_ERR_KERNEL_RANGE;
    return SYS_ERR_OK;
}

// Copies into the DCB's empty slots of caps decode found: cannot fail.
static void invoke_setup(struct invocation *inv, const struct inv_decoded *a)
{
    struct dcb *d = target_dcb(inv);
    static const char why[] = "decode found the sources full and the DCB's slots empty";
    err_ignore(caps_copy(&d->cspace, a->src, CAP_RIGHTS_ALL), why);
    err_ignore(caps_copy(&d->vspace, a->dest, CAP_RIGHTS_ALL), why);
    err_ignore(caps_copy(&d->dispframe, a->more, CAP_RIGHTS_ALL), why);
    d->id = ++sched.next_id;
    d->core = sched.core;
    arch_dispatcher_init(d, inv->arg[3], inv->arg[4], inv->arg[5]);
}

static MUST_CHECK errval_t decode_run(struct invocation *inv, struct inv_decoded *a)
{
    (void)a;
    struct dcb *d = target_dcb(inv);
    if (d->cspace.cap.type == ObjType_Null)
        return DISP_ERR_NOT_SETUP;
    if (d->state == DISP_STATE_STOPPED)
        return DISP_ERR_STOPPED;
    return d->state == DISP_STATE_NEW ? SYS_ERR_OK : DISP_ERR_ALREADY_RUNNING;
}

static void invoke_run(struct invocation *inv, const struct inv_decoded *a)
{
    (void)a;
    sched_make_ready(target_dcb(inv));
}

static MUST_CHECK errval_t decode_stop(struct invocation *inv, struct inv_decoded *a)
{
    (void)a;
    return target_dcb(inv)->state == DISP_STATE_STOPPED ? DISP_ERR_STOPPED : SYS_ERR_OK;
}

static void invoke_stop(struct invocation *inv, const struct inv_decoded *a)
{
    (void)a;
    dispatcher_stop(target_dcb(inv), DISP_EXIT_KILLED);
}

static MUST_CHECK errval_t decode_info(struct invocation *inv, struct inv_decoded *a)
{
    (void)inv;
    (void)a;
    return SYS_ERR_OK;
}

static void invoke_info(struct invocation *inv, const struct inv_decoded *a)
{
    (void)a;
    const struct dcb *d = target_dcb(inv);
    inv->ret[0] = d->state;
    inv->ret[1] = d->exit_status;
    inv->ret[2] = d->core;
}

// NotifyExit: (endpoint capref) with the write right.
static MUST_CHECK errval_t decode_notify_exit(struct invocation *inv, struct inv_decoded *a)
{
    errval_t err = inv_lookup_typed(inv, inv->arg[0], ObjType_Endpoint, &a->src);
    if (err_is_fail(err))
        return err;
    return a->src->cap.rights & CAP_RIGHT_WRITE ? SYS_ERR_OK : CAP_ERR_NO_RIGHTS;
}

// Keep a copy of the endpoint cap in place of the one before: deleting a
// full slot of an endpoint cap and copying into the emptied slot cannot fail.
static void invoke_notify_exit(struct invocation *inv, const struct inv_decoded *a)
{
    struct dcb *d = target_dcb(inv);
    if (d->exit_ep.cap.type != ObjType_Null)
        err_ignore(caps_delete(&d->exit_ep), "a full slot of an endpoint cap");
    err_ignore(caps_copy(&d->exit_ep, a->src, CAP_RIGHTS_ALL), "into the slot just emptied");
}

const struct inv_handler dispatcher_invocations[INV_CMDS] = {
    [DispatcherCmd_Setup] = {CAP_RIGHT_WRITE, decode_setup, invoke_setup},
    [DispatcherCmd_Run] = {CAP_RIGHT_WRITE, decode_run, invoke_run},
    [DispatcherCmd_Stop] = {CAP_RIGHT_WRITE, decode_stop, invoke_stop},
    [DispatcherCmd_Info] = {CAP_RIGHT_READ, decode_info, invoke_info},
    [DispatcherCmd_NotifyExit] = {CAP_RIGHT_WRITE, decode_notify_exit, invoke_notify_exit},
};
_Static_assert(DispatcherCmd_Num <= INV_CMDS, "the table has room");
