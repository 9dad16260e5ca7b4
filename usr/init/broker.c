/*
 * usr/init/broker.c: UMP connections and caps across cores, brokered by init.
 *
 * A server offers a name (with its wake-up vector) and accepts; a client
 * connects (with its own). init makes a frame for the two rings from a pool
 * of its own, and hands each side the frame and the other's wake-up cap,
 * directly on core 0 or exported to a process's core through its monitor.
 * A cap sent on a connection waits in a box until the other side asks for
 * it. A revoke that reports copies on other cores ends here: init revokes
 * the imported copies on every core, then unexports the cap.
 */
#include "init.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/vspace.h>

#define MAX_OFFERS 16
#define MAX_CONNS  64
#define WAKE_FIRST 65  // vectors we hand out on core 0 (64: the shell's console)
#define WAKE_LAST  149 // (150-199: devmgr's, 200: MON_WAKE_VECTOR)

enum { SIDE_A, SIDE_B }; // A: the client (connect), B: the server (accept)

struct side {
    uint64_t pid;
    bool gone;
    capref_t box;            // a cap sent to this side, not yet taken
    struct requester waiter; // a CAP_RECV waiting, if waiting
    bool waiting;
};

struct conn {
    bool used;
    uint64_t id;
    char name[NAME_MAX_LEN + 1];
    unsigned frame; // index in frames[]
    struct side side[2];
    bool accepted;
};

// The rings' frames: from our own RAM (no process's death can take one
// from the other side), mapped here to be zeroed when reused.
struct ring_frame {
    capref_t cap;
    void *va;
    bool busy;
};
static struct ring_frame frames[MAX_CONNS];
static unsigned nframes;

struct offer {
    bool used;
    char name[NAME_MAX_LEN + 1];
    uint64_t pid;
    struct requester accept; // an ACCEPT waiting for a client
    bool accepting;
};

static struct offer offers[MAX_OFFERS];
static struct conn conns[MAX_CONNS];
static uint64_t next_conn = 1;
static bool vector_used[256];

// ---- Replies ----

void answer(const struct requester *rq, errval_t err, uint64_t w0, capref_t cap, bool drop)
{
    bool here = rq->chan != NULL;
    if (here && rq->chan->pid == rq->pid) // (unless it has gone meanwhile)
        err_ignore(server_reply(rq->chan, &(struct server_resp){.err = err, .w = {w0}, .cap = cap}),
                   "the client may have ended meanwhile: nobody is left to answer");
    else if (!here)
        cores_reply(rq->core, rq->tag, err, w0, cap);
    if (cap && drop)
        cap_destroy(cap);
}

static void answer_err(const struct requester *rq, errval_t err)
{
    answer(rq, err, 0, NULL_CAP, false);
}

// ---- Wake-up vectors on core 0 ----

static void op_wake_vector(const struct requester *rq)
{
    struct proc_rec *p = proc_find(rq->pid);
    if (!p || p->vector) {
        answer_err(rq, p ? SYS_ERR_EXISTS : PROC_ERR_NO_SUCH);
        return;
    }
    uint32_t v = WAKE_FIRST;
    while (v <= WAKE_LAST && vector_used[v])
        v++;
    capref_t copy;
    errval_t err = v > WAKE_LAST ? IRQ_ERR_NO_VECTOR : slot_alloc(&copy);
    if (err_is_ok(err))
        err = cap_copy(copy, cap_at(ROOTCN_SLOT_IRQCN, v), CAP_RIGHTS_ALL);
    if (err_is_fail(err)) {
        answer_err(rq, err);
        return;
    }
    vector_used[v] = true;
    p->vector = v;
    answer(rq, SYS_ERR_OK, v, copy, true);
}

// Keep the process's wake-up cap (the first one it gives us).
static void keep_wake(uint64_t pid, capref_t cap)
{
    struct proc_rec *p = proc_find(pid);
    if (p && !p->wake && cap) {
        p->wake = cap;
        return;
    }
    if (cap)
        cap_destroy(cap);
}

static capref_t wake_of(uint64_t pid)
{
    struct proc_rec *p = proc_find(pid);
    return p ? p->wake : NULL_CAP;
}

// ---- Offers and connections ----

static struct offer *find_offer(const char *name)
{
    for (unsigned i = 0; i < MAX_OFFERS; i++) {
        if (offers[i].used && !strcmp(offers[i].name, name))
            return &offers[i];
    }
    return NULL;
}

static struct conn *find_conn(uint64_t id, uint64_t pid, int *side)
{
    for (unsigned i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &conns[i];
        if (!c->used || c->id != id)
            continue;
        for (int s = 0; s < 2; s++) {
            if (c->side[s].pid == pid) {
                *side = s;
                return c;
            }
        }
    }
    return NULL;
}

static void op_offer(const struct requester *rq, capref_t wake, const char *name)
{
    keep_wake(rq->pid, wake);
    if (!name[0] || strlen(name) > NAME_MAX_LEN) {
        answer_err(rq, NAME_ERR_BAD_NAME);
        return;
    }
    if (find_offer(name)) {
        answer_err(rq, NAME_ERR_EXISTS);
        return;
    }
    struct offer *o = NULL;
    for (unsigned i = 0; i < MAX_OFFERS && !o; i++)
        o = offers[i].used ? NULL : &offers[i];
    if (!o) {
        answer_err(rq, SYS_ERR_NO_MEMORY);
        return;
    }
    *o = (struct offer){.used = true, .pid = rq->pid};
    strcpy(o->name, name);
    answer_err(rq, SYS_ERR_OK);
}

// Give an accepting server a connection that waits for it.
static void hand_to_server(struct offer *o)
{
    for (unsigned i = 0; i < MAX_CONNS && o->accepting; i++) {
        struct conn *c = &conns[i];
        if (!c->used || c->accepted || strcmp(c->name, o->name))
            continue;
        c->accepted = true;
        c->side[SIDE_B].pid = o->pid;
        o->accepting = false;
        answer(&o->accept, SYS_ERR_OK, c->id, frames[c->frame].cap, false);
    }
}

static void op_accept(const struct requester *rq, const char *name)
{
    struct offer *o = find_offer(name);
    if (!o || o->pid != rq->pid) {
        answer_err(rq, NAME_ERR_NOT_FOUND);
        return;
    }
    if (o->accepting) {
        answer_err(rq, SYS_ERR_BUSY);
        return;
    }
    o->accept = *rq;
    o->accepting = true;
    hand_to_server(o);
}

static MUST_CHECK errval_t new_frame(unsigned *index)
{
    for (unsigned i = 0; i < nframes; i++) {
        if (!frames[i].busy) {
            memset(frames[i].va, 0, UMP_CONN_BYTES);
            frames[i].busy = true;
            *index = i;
            return SYS_ERR_OK;
        }
    }
    if (nframes == MAX_CONNS)
        return SYS_ERR_NO_MEMORY;
    struct ring_frame *f = &frames[nframes];
    errval_t err = frame_alloc(&f->cap, UMP_CONN_BYTES);
    if (err_is_ok(err))
        err = vspace_map(f->cap, UMP_CONN_BYTES, MAP_WRITE, &f->va);
    if (err_is_fail(err))
        return err;
    f->busy = true;
    *index = nframes++;
    return SYS_ERR_OK;
}

static void frame_released(void *arg, errval_t err)
{
    struct ring_frame *f = arg;
    cap_invoke(cap_kernel, KernelCmd_Unexport, f->cap, 0, 0, 0, 0, 0);
    f->busy = false; // reusable: no copy of it is left anywhere but ours
    (void)err;
}

// Take every copy of a connection's frame back, here and on other cores.
static void release_frame(unsigned i)
{
    struct ring_frame *f = &frames[i];
    struct sysret r = cap_invoke(cap_root, CNodeCmd_Revoke, f->cap, 0, 0, 0, 0, 0);
    struct cap_info ci;
    if (r.w[0] && err_is_ok(cap_identify(f->cap, &ci)))
        cores_revoke(ci.base, ci.bytes, 0, frame_released, f);
    else
        f->busy = false;
}

static void op_connect(const struct requester *rq, capref_t wake, const char *name)
{
    keep_wake(rq->pid, wake);
    struct offer *o = find_offer(name);
    struct conn *c = NULL;
    for (unsigned i = 0; i < MAX_CONNS && !c; i++)
        c = conns[i].used ? NULL : &conns[i];
    errval_t err = !o ? NAME_ERR_NOT_FOUND : !c ? SYS_ERR_NO_MEMORY : SYS_ERR_OK;
    unsigned frame = 0;
    if (err_is_ok(err))
        err = new_frame(&frame);
    if (err_is_fail(err)) {
        answer_err(rq, err);
        return;
    }
    *c = (struct conn){.used = true, .id = next_conn++, .frame = frame};
    strcpy(c->name, name);
    c->side[SIDE_A].pid = rq->pid;
    c->side[SIDE_B].pid = o->pid; // the server, once it accepts (its wake-up is known now)
    answer(rq, SYS_ERR_OK, c->id, frames[frame].cap, false);
    hand_to_server(o);
}

static void op_peer_wake(const struct requester *rq, uint64_t id)
{
    int s;
    struct conn *c = find_conn(id, rq->pid, &s);
    capref_t wake = c ? wake_of(c->side[!s].pid) : NULL_CAP;
    if (!c)
        answer_err(rq, SYS_ERR_NOT_FOUND);
    else if (c->side[!s].gone)
        answer_err(rq, UMP_ERR_CLOSED); // nobody to wake any more
    else if (!wake)
        answer_err(rq, SYS_ERR_WOULD_BLOCK);
    else
        answer(rq, SYS_ERR_OK, 0, wake, false);
}

static void op_cap_send(const struct requester *rq, uint64_t id, capref_t cap)
{
    int s;
    struct conn *c = find_conn(id, rq->pid, &s);
    struct side *to = c ? &c->side[!s] : NULL;
    errval_t err = !c         ? SYS_ERR_NOT_FOUND
                   : !cap     ? SYS_ERR_INVALID_ARGS
                   : to->gone ? UMP_ERR_CLOSED
                   : to->box  ? SYS_ERR_BUSY
                              : SYS_ERR_OK;
    if (err_is_fail(err)) {
        if (cap)
            cap_destroy(cap);
        answer_err(rq, err);
        return;
    }
    answer_err(rq, SYS_ERR_OK);
    if (to->waiting) {
        to->waiting = false;
        answer(&to->waiter, SYS_ERR_OK, 0, cap, true);
    } else {
        to->box = cap;
    }
}

static void op_cap_recv(const struct requester *rq, uint64_t id)
{
    int s;
    struct conn *c = find_conn(id, rq->pid, &s);
    if (!c || c->side[s].waiting) {
        answer_err(rq, !c ? SYS_ERR_NOT_FOUND : SYS_ERR_BUSY);
        return;
    }
    struct side *me = &c->side[s];
    if (me->box) {
        capref_t cap = me->box;
        me->box = NULL_CAP;
        answer(rq, SYS_ERR_OK, 0, cap, true);
    } else if (c->side[!s].gone) {
        answer_err(rq, UMP_ERR_CLOSED);
    } else {
        me->waiter = *rq;
        me->waiting = true;
    }
}

// ---- Revoking across cores ----

struct revoke_job {
    struct requester rq;
    capref_t cap;
};

static void revoke_done(void *arg, errval_t err)
{
    struct revoke_job *job = arg;
    if (err_is_ok(err))
        err = cap_invoke(cap_kernel, KernelCmd_Unexport, job->cap, 0, 0, 0, 0, 0).err;
    answer_err(&job->rq, err);
    cap_destroy(job->cap);
    free(job);
}

static void op_remote_revoke(const struct requester *rq, capref_t cap)
{
    struct cap_info ci;
    // (A process on another core asks its monitor, which holds the caps
    // to unexport: MON_REVOKE.)
    errval_t err = cap && rq->chan ? cap_identify(cap, &ci) : SYS_ERR_INVALID_ARGS;
    struct revoke_job *job = err_is_ok(err) ? malloc(sizeof(*job)) : NULL;
    if (err_is_ok(err) && !job)
        err = SYS_ERR_NO_MEMORY;
    if (err_is_fail(err)) {
        if (cap)
            cap_destroy(cap);
        answer_err(rq, err);
        return;
    }
    *job = (struct revoke_job){*rq, cap};
    cores_revoke(ci.base, ci.bytes, rq->core, revoke_done, job);
}

void broker_handle(const struct requester *rq, uint64_t op, uint64_t a0, capref_t cap,
                   const char *name)
{
    switch (op) {
    case INIT_WAKE_VECTOR: op_wake_vector(rq); break;
    case INIT_UMP_OFFER: op_offer(rq, cap, name); return;
    case INIT_UMP_ACCEPT: op_accept(rq, name); break;
    case INIT_UMP_CONNECT: op_connect(rq, cap, name); return;
    case INIT_UMP_PEERWAKE: op_peer_wake(rq, a0); break;
    case INIT_CAP_SEND: op_cap_send(rq, a0, cap); return;
    case INIT_CAP_RECV: op_cap_recv(rq, a0); break;
    case INIT_REMOTE_REVOKE: op_remote_revoke(rq, cap); return;
    default: answer_err(rq, SYS_ERR_ILLEGAL_INVOCATION);
    }
    if (cap)
        cap_destroy(cap);
}

// A process ended: its offers go, its side of each connection is gone (a
// connection both sides have left is released), its vector is free again.
void broker_proc_ended(struct proc_rec *p)
{
    for (unsigned i = 0; i < MAX_OFFERS; i++) {
        if (offers[i].used && offers[i].pid == p->pid)
            offers[i].used = false;
    }
    for (unsigned i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &conns[i];
        bool mine = false;
        for (int s = 0; c->used && s < 2; s++) {
            if (c->side[s].pid != p->pid)
                continue;
            mine = true;
            c->side[s].gone = true;
            c->side[s].waiting = false;
            if (c->side[s].box)
                cap_destroy(c->side[s].box);
            c->side[s].box = NULL_CAP;
        }
        if (!mine)
            continue;
        // (A connection not yet accepted stays for the server to accept:
        // it finds what the client sent, then the channel closed.)
        if (c->side[SIDE_A].gone && c->side[SIDE_B].gone) {
            release_frame(c->frame);
            c->used = false;
        } else {
            // The other side learns it is alone: closed rings, a wake-up.
            int alone = c->side[SIDE_A].gone ? SIDE_B : SIDE_A;
            ump_close_buffer(frames[c->frame].va, UMP_CONN_BYTES);
            if (c->side[alone].waiting) {
                c->side[alone].waiting = false;
                answer_err(&c->side[alone].waiter, UMP_ERR_CLOSED);
            }
            capref_t wake = wake_of(c->side[alone].pid);
            if (wake)
                err_ignore(invoke_irqdest_notify(wake),
                           "a wake-up to a core or process that may have ended");
        }
    }
    if (p->vector)
        vector_used[p->vector] = false;
    if (p->wake)
        cap_destroy(p->wake);
    p->wake = NULL_CAP;
    p->vector = 0;
}
