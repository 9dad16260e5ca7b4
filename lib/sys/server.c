/* lib/sys/server.c: the server loop of RPC channels. */
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/exception.h>
#include <sys/failpoint.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/vspace.h>

static capref_t recv_slot; // where the next received cap lands

errval_t server_bind_cap(struct server *s, capref_t dest, uint64_t pid)
{
    return cap_mint(dest, s->ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, RPC_BADGE_BIND | pid, 0);
}

errval_t server_reply(struct server_chan *c, const struct server_resp *resp)
{
    if (!c->used)
        return SYS_ERR_NOT_FOUND; // its client has gone (server_forget)
    if (c->lost)
        return RPC_ERR_PAGE_LOST;
    uint64_t w[4] = {resp->err, resp->w[0], resp->w[1], resp->w[2]};
    uint32_t flags = LMP_FLAG_NONBLOCK | (resp->cap ? LMP_FLAG_SEND_CAP : 0);
    return lmp_send(c->reply, flags, resp->cap, w);
}

// The client's reply endpoint is gone (it abandoned the channel after a
// call timed out, and its RAM was revoked), or its page is (server_reply
// sent nothing): nothing is to reach it again.
static bool reply_gone(errval_t err)
{
    return err_no(err) == CAP_ERR_SLOT_EMPTY || err_no(err) == RPC_ERR_PAGE_LOST;
}

// Close one channel: the server's hook first, then what the library holds.
static void close_chan(struct server *s, struct server_chan *c)
{
    if (s->chan_closing)
        s->chan_closing(s, c);
    if (c->buf) {
        // (gone already if its memory was reclaimed; if the channel was
        // lost, the slot holds the scratch page's copy mapped in its place)
        err_ignore(vspace_unmap(c->buf_frame),
                   "fails only for a frame not mapped here; deleting the "
                   "frame unmaps it anyway");
        cap_destroy(c->buf_frame);
    }
    if (c->lost) {
        s->lost_open--;
        s->lost++;
    }
    cap_destroy(c->reply);
    *c = (struct server_chan){0};
}

void server_close(struct server *s, struct server_chan *c)
{
    if (c->used)
        close_chan(s, c);
}

void server_forget(struct server *s, uint64_t pid)
{
    for (unsigned i = 0; i < s->nchans; i++) {
        if (s->chans[i].used && s->chans[i].pid == pid)
            close_chan(s, &s->chans[i]);
    }
}

unsigned server_chans_of(const struct server *s, uint64_t pid)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->nchans; i++)
        n += s->chans[i].used && s->chans[i].pid == pid;
    return n;
}

unsigned server_clients(const struct server *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->nchans; i++)
        n += s->chans[i].used;
    return n;
}

// Ask init to signal us when new client pid ends; its answer has pid's
// limits.
static MUST_CHECK errval_t watch(struct server *s, uint64_t pid, struct proc_limits *limits)
{
    errval_t err = SYS_ERR_OK;
    if (!s->watch_note) {
        capref_t note;
        err = notify_cap(s->ep, SERVER_CLIENT_ENDED_BIT, &note);
        if (err_is_fail(err))
            return err;
        s->watch_note = note;
    }
    return proc_watch_limits(pid, s->watch_note, limits);
}

// The limits of client pid, and whether it may open one more channel:
// a client with a channel open is watched already and its limits are on
// that channel; a new one's come with the watch, or from the server's
// hook. init itself (pid 0) never ends and has no limits.
static MUST_CHECK errval_t bind_limits(struct server *s, uint64_t pid, struct proc_limits *out)
{
    unsigned open = 0;
    *out = proc_limits_none;
    for (unsigned i = 0; i < s->nchans; i++) {
        if (s->chans[i].used && s->chans[i].pid == pid) {
            *out = s->chans[i].limits;
            open++;
        }
    }
    errval_t err = SYS_ERR_OK;
    if (!open && pid != 0 && s->watch_clients)
        err = watch(s, pid, out);
    else if (!open && pid != 0 && s->client_limits)
        s->client_limits(s, pid, out);
    return err_is_ok(err) ? limit_check(out, LIMIT_CHANS, open, 1) : err;
}

// Some watched client ended: close the channels of every client that is
// not running any more, after the server's hook.
static void reap(struct server *s)
{
    for (unsigned i = 0; i < s->nchans; i++) {
        uint64_t pid = s->chans[i].pid, status;
        uint32_t state;
        if (!s->chans[i].used || pid == 0)
            continue;
        if (err_is_ok(proc_status(pid, &state, &status)) && state == PROC_RUNNING)
            continue;
        if (s->client_ended)
            s->client_ended(s, pid);
        for (unsigned k = i; k < s->nchans; k++)
            s->reaped += s->chans[k].used && s->chans[k].pid == pid;
        server_forget(s, pid);
    }
}

// A bind: a free channel, the client's reply cap, a badged cap back. A
// bind that fails is answered with the error (the client waits for it).
static void do_bind(struct server *s, uint64_t pid, capref_t reply, struct server_resp *resp)
{
    unsigned i = 0;
    while (i < s->nchans && s->chans[i].used)
        i++;
    capref_t chan_cap = NULL_CAP;
    struct proc_limits limits;
    resp->err = bind_limits(s, pid, &limits);
    if (err_is_ok(resp->err) && i == s->nchans)
        resp->err = RPC_ERR_SERVER_FULL;
    if (err_is_ok(resp->err))
        resp->err = slot_alloc(&chan_cap);
    if (err_is_ok(resp->err))
        resp->err =
            cap_mint(chan_cap, s->ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, RPC_BADGE_CHAN | i, 0);
    if (err_is_fail(resp->err)) {
        if (chan_cap)
            slot_free(chan_cap);
        uint64_t w[4] = {resp->err, 0, 0, 0};
        err_ignore(lmp_send(reply, LMP_FLAG_NONBLOCK, NULL_CAP, w),
                   "a notification or answer to a process that may have ended: nothing to do then");
        cap_destroy(reply);
        resp->defer = true; // answered already
        return;
    }
    s->chans[i] = (struct server_chan){.used = true, .pid = pid, .reply = reply, .limits = limits};
    errval_t sent = server_reply(&s->chans[i], &(struct server_resp){.cap = chan_cap});
    cap_destroy(chan_cap); // the client has its copy
    resp->defer = true;    // answered already
    if (reply_gone(sent))
        close_chan(s, &s->chans[i]);
}

// ---- Shared pages that go away ----
//
// A client's page goes with its memory (it ended, or gave the page back),
// and the server's mapping with it: the kernel deletes the server's copy
// of the frame, which unmaps it, and leaves the slot empty. A fault in
// the window of such a page is made harmless: a copy of the scratch page
// goes into the channel's own frame slot and is mapped at the window,
// where the frame was, so the access runs on and the library's
// bookkeeping (the slot; vspace_map's record of the frame's addresses)
// is as for any shared page: close_chan unmaps and deletes what the slot
// holds. The handler maps into a page table that exists already, copies
// into a slot the channel holds: it asks no one for memory.

static struct server *paged; // the servers that have had a page shared (next_paged)
static capref_t scratch_frame;
static void *scratch; // our own mapping of it, to zero

// The access at addr in c's window faulted: map the scratch page there
// (zeroed: what an earlier lost channel left is not seen), if the frame
// is really gone (its slot is empty; else this is another kind of fault).
static bool lose(struct server *s, struct server_chan *c)
{
    if (err_is_fail(cap_copy(c->buf_frame, scratch_frame, CAP_RIGHTS_ALL)))
        return false;
    memset(scratch, 0, RPC_BUF_SIZE);
    if (err_is_fail(vspace_map_at((uint64_t)c->buf, c->buf_frame, RPC_BUF_SIZE, MAP_WRITE))) {
        err_ignore(cap_delete(c->buf_frame),
                   "a copy made just now, in a slot of ours: its deletion cannot fail");
        return false;
    }
    c->lost = true;
    s->lost_open++;
    return true;
}

// The library's page-fault handler (exception_add_fault_handler): a data
// access to a page not present, in the window of a channel's page.
static bool page_fault(uint64_t addr, uint64_t error)
{
    if (error & (EXC_PF_PRESENT | EXC_PF_FETCH))
        return false;
    for (struct server *s = paged; s; s = s->next_paged) {
        for (unsigned i = 0; i < s->nchans; i++) {
            struct server_chan *c = &s->chans[i];
            if (c->used && c->buf && !c->lost && addr - (uint64_t)c->buf < RPC_BUF_SIZE)
                return lose(s, c);
        }
    }
    return false;
}

// Before s maps its first page (or as server_run starts): the scratch
// page and the fault handler (once for the process), and s in the
// handler's list.
static MUST_CHECK errval_t watch_pages(struct server *s)
{
    errval_t err = SYS_ERR_OK;
    if (!scratch) {
        capref_t frame;
        void *va = NULL;
        err = frame_alloc(&frame, RPC_BUF_SIZE);
        if (err_is_fail(err))
            return err;
        err = vspace_map(frame, RPC_BUF_SIZE, MAP_WRITE, &va);
        if (err_is_ok(err))
            err = exception_add_fault_handler(page_fault);
        if (err_is_fail(err)) {
            if (va)
                err_ignore(vspace_unmap(frame), "the frame is deleted next, which unmaps it too");
            cap_destroy(frame);
            return err;
        }
        scratch_frame = frame;
        scratch = va;
    }
    if (!s->paged) {
        s->paged = true;
        s->next_paged = paged;
        paged = s;
    }
    return err;
}

static void do_share(struct server *s, struct server_chan *c, capref_t frame,
                     struct server_resp *resp)
{
    void *va;
    if (c->buf) {
        resp->err = SYS_ERR_EXISTS;
        cap_destroy(frame);
        return;
    }
    resp->err = watch_pages(s);
    if (err_is_ok(resp->err))
        resp->err = vspace_map(frame, RPC_BUF_SIZE, MAP_WRITE, &va);
    if (err_is_ok(resp->err)) {
        c->buf = va;
        c->buf_frame = frame;
    } else {
        cap_destroy(frame);
    }
}

// An answer has gone (sent: how): the cap it carried freed if asked, and
// the channel closed if its client abandoned it.
static void answered(struct server *s, struct server_chan *c, const struct server_resp *resp,
                     errval_t sent)
{
    if (resp->cap && resp->cap_drop)
        cap_destroy(resp->cap);
    if (reply_gone(sent))
        close_chan(s, c);
}

// Send the answer still waiting, if any.
static void flush_reply(struct server *s)
{
    struct server_chan *c = s->reply_chan;
    if (c == NULL)
        return;
    s->reply_chan = NULL;
    answered(s, c, &s->reply, server_reply(c, &s->reply));
}

void server_answer(struct server *s, struct server_chan *c, const struct server_resp *resp)
{
    flush_reply(s);
    s->reply_chan = c;
    s->reply = *resp;
}

// Close the channels lost since the last look, with no answer: one that
// waits to go to such a channel is dropped (server_reply refuses it).
static void close_lost(struct server *s)
{
    if (s->reply_chan && s->reply_chan->lost)
        flush_reply(s);
    for (unsigned i = 0; s->lost_open && i < s->nchans; i++) {
        if (s->chans[i].used && s->chans[i].lost)
            close_chan(s, &s->chans[i]);
    }
}

// Route one received message by its badge; the answer waits in
// s->reply_chan and s->reply unless the request was answered already.
static void dispatch(struct server *s, const struct lmp_recv_msg *m, capref_t cap)
{
    struct server_req req = {
        .op = m->words[0], .a = {m->words[1], m->words[2], m->words[3]}, .cap = cap};
    struct server_resp resp = {0};
    uint64_t low = RPC_BADGE_LOW(m->badge);
    if (m->badge & RPC_BADGE_BIND) {
        if (req.op == RPC_OP_BIND && cap)
            do_bind(s, low, cap, &resp);
        else if (cap)
            cap_destroy(cap);
        return; // nothing else is answered on a bind cap
    }
    if (!(m->badge & RPC_BADGE_CHAN) || low >= s->nchans || !s->chans[low].used) {
        if (cap)
            cap_destroy(cap);
        return;
    }
    req.chan = &s->chans[low];
    if (req.op == RPC_OP_SHARE && cap) {
        do_share(s, req.chan, cap, &resp);
    } else if (req.op == RPC_OP_CLOSE) {
        if (cap)
            cap_destroy(cap);
        err_ignore(server_reply(req.chan, &resp),
                   "the client may have ended meanwhile: nobody is left to answer");
        close_chan(s, req.chan);
        return;
    } else if (req.op == RPC_OP_STATS) {
        resp.w[0] = server_clients(s);
        resp.w[1] = s->nchans;
        resp.w[2] = s->reaped;
        if (cap)
            cap_destroy(cap);
    } else if (req.op == RPC_OP_USAGE) {
        resp.w[0] = server_chans_of(s, req.a[0]);
        if (s->usage)
            s->usage(s, req.a[0], &resp.w[1]);
        if (cap)
            cap_destroy(cap);
    } else if (req.op == RPC_OP_FAILPOINT) {
        req.chan->failpoint = (unsigned)req.a[0]; // for this channel's next request
        if (cap)
            cap_destroy(cap);
    } else {
        failpoint_arm(req.chan->failpoint); // (0: off)
        req.chan->failpoint = 0;
        s->handle(s, &req, &resp);
        failpoint_arm(0); // reached or not, it ends with the request
    }
    if (resp.defer) {
        answered(s, req.chan, &resp, SYS_ERR_OK);
        return;
    }
    flush_reply(s);           // one the handler gave server_answer goes first
    s->reply_chan = req.chan; // sent by the step (server_step) or the next receive (server_run)
    s->reply = resp;
}

// Handle every waiting UMP message; true if there was one.
static bool poll_umps(struct server *s)
{
    bool any = false;
    for (unsigned i = 0; i < s->numps; i++) {
        struct server_ump *u = &s->umps[i];
        uint64_t w[UMP_WORDS];
        while (u->active && err_is_ok(ump_recv(u->chan, w))) {
            u->handle(s, u, w);
            any = true;
        }
    }
    return any;
}

// Ask every channel's peer for a wake-up; false if a message slipped in.
static bool may_sleep(struct server *s)
{
    bool ok = true;
    for (unsigned i = 0; i < s->numps; i++) {
        if (s->umps[i].active && ump_prepare_sleep(s->umps[i].chan))
            ok = false;
    }
    return ok;
}

static void awake(struct server *s)
{
    for (unsigned i = 0; i < s->numps; i++) {
        if (s->umps[i].active)
            ump_awake(s->umps[i].chan);
    }
}

// The waiting answer (there is one) sent and the next message received in
// one SYS_CALL. A send that fails (the client is gone or no longer
// waits) receives nothing: then the answer is handled as server_reply's
// failure would be, and the receive is made alone.
static MUST_CHECK errval_t reply_and_recv(struct server *s, uint64_t limit, struct lmp_recv_msg *m)
{
    struct server_chan *c = s->reply_chan;
    const struct server_resp *r = &s->reply;
    s->reply_chan = NULL;
    if (c->used && !c->lost) {
        uint64_t w[4] = {r->err, r->w[0], r->w[1], r->w[2]};
        uint32_t flags = LMP_FLAG_NONBLOCK | (r->cap ? LMP_FLAG_SEND_CAP : 0);
        errval_t err =
            limit ? lmp_call_timeout(c->reply, flags, r->cap, w, s->ep, recv_slot, limit, m)
                  : lmp_call(c->reply, flags, r->cap, w, s->ep, recv_slot, m);
        bool sent = err_is_ok(err) || err_no(err) == SYS_ERR_TIMEOUT;
        answered(s, c, r, sent ? SYS_ERR_OK : err);
        if (sent)
            return err;
    } else { // its client has gone meanwhile, or its page
        answered(s, c, r, c->used ? RPC_ERR_PAGE_LOST : SYS_ERR_NOT_FOUND);
    }
    return limit ? lmp_recv_timeout(s->ep, 0, recv_slot, limit, m)
                 : lmp_recv(s->ep, 0, recv_slot, m);
}

// One step. The answer to what it dispatched (or one given to
// server_answer) is left waiting: the next step sends it with its receive.
static void step(struct server *s)
{
    if (s->lost_open)
        close_lost(s); // lost in the last step's handler or hooks
    if (s->numps)
        flush_reply(s); // UMP handlers may close channels: answers go first
    if (poll_umps(s))
        return;
    if (s->idle && s->idle(s)) {
        flush_reply(s);
        return; // it found work: do not sleep
    }
    if (!may_sleep(s)) {
        awake(s);
        flush_reply(s);
        return;
    }
    if (s->lost_open)
        close_lost(s); // lost in the idle hook
    if (!recv_slot && err_is_fail(slot_alloc(&recv_slot)))
        recv_slot = NULL_CAP; // receive without caps until slots return
    struct lmp_recv_msg m = {0};
    uint64_t limit = s->sleep_us ? s->sleep_us(s) : 0;
    errval_t err = s->reply_chan ? reply_and_recv(s, limit, &m)
                   : limit       ? lmp_recv_timeout(s->ep, 0, recv_slot, limit, &m)
                                 : lmp_recv(s->ep, 0, recv_slot, &m);
    awake(s);
    if (err_no(err) == SYS_ERR_TIMEOUT)
        return; // the next step's idle hook does what was due
    if (err_is_fail(err)) {
        printf("server: receive failed: %s\n", err_msg(err));
        return;
    }
    if (m.flags & LMP_RECV_NOTIFY) {
        uint64_t bits = m.badge & ~(RPC_BADGE_NOTIFY | UMP_WAKE_BIT | SERVER_CLIENT_ENDED_BIT);
        if (m.badge & SERVER_CLIENT_ENDED_BIT)
            reap(s);
        if (bits && s->notify)
            s->notify(s, bits);
        return; // a UMP wake-up needs nothing more: the next step polls
    }
    capref_t cap = NULL_CAP;
    if (m.flags & LMP_RECV_CAP) {
        cap = recv_slot;
        recv_slot = NULL_CAP;
    }
    dispatch(s, &m, cap);
}

void server_step(struct server *s)
{
    step(s);
    flush_reply(s);
    if (s->lost_open)
        close_lost(s);
}

void server_run(struct server *s)
{
    // The scratch page now rather than at the first page shared, so that
    // what a running server holds does not grow when a client first comes.
    err_ignore(watch_pages(s),
               "tried again at the first page shared, which is refused if it fails");
    for (;;)
        step(s);
}
