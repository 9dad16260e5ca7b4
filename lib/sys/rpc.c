/* lib/sys/rpc.c: the client side of RPC channels. */
#include <string.h>
#include <sys/capops.h>
#include <sys/lmp.h>
#include <sys/ram.h>
#include <sys/rpc.h>
#include <sys/slot.h>
#include <sys/vspace.h>

// An object of one page (or bytes) made from RAM we keep, so that the RAM
// can go back to mem_serv when the channel closes (obj_alloc's objects
// stay charged to us until we end).
static MUST_CHECK errval_t make(enum objtype type, uint64_t objsize, uint64_t bytes, capref_t *obj,
                                capref_t *ram)
{
    errval_t err = ram_alloc(ram, bytes, OBJSIZE_PAGE);
    if (err_is_fail(err))
        return err;
    err = slot_alloc(obj);
    if (err_is_ok(err)) {
        err = cap_retype(*obj, *ram, type, 0, objsize, 1);
        if (err_is_fail(err))
            slot_free(*obj);
    }
    if (err_is_fail(err)) {
        err_ignore(
            ram_free(*ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
        *ram = NULL_CAP;
    }
    return err;
}

static MUST_CHECK errval_t call(capref_t ep, capref_t reply, uint64_t timeout_us, uint64_t op,
                                const uint64_t a[3], capref_t send, capref_t recv,
                                struct rpc_result *r)
{
    uint64_t w[4] = {op, a[0], a[1], a[2]};
    struct lmp_recv_msg m;
    uint32_t flags = send ? LMP_FLAG_SEND_CAP | LMP_FLAG_YIELD : LMP_FLAG_YIELD;
    errval_t err = timeout_us ? lmp_call_timeout(ep, flags, send, w, reply, recv, timeout_us, &m)
                              : lmp_call(ep, flags, send, w, reply, recv, &m);
    if (err_is_fail(err))
        return err;
    r->err = m.words[0];
    for (int i = 0; i < 3; i++)
        r->w[i] = m.words[1 + i];
    r->got_cap = (m.flags & LMP_RECV_CAP) != 0;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t bind(struct rpc_chan *c, capref_t bind_cap, capref_t reply_ep,
                                uint64_t timeout_us)
{
    memset(c, 0, sizeof(*c));
    errval_t err = SYS_ERR_OK;
    if (!reply_ep) {
        err = make(ObjType_Endpoint, OBJSIZE_ENDPOINT, OBJSIZE_PAGE, &reply_ep, &c->reply_ram);
        c->own_reply = err_is_ok(err);
    }
    c->reply = reply_ep;
    // The server gets a send cap to our reply endpoint (grant: it may
    // send caps back); we get a send cap badged for the channel.
    capref_t reply_send = NULL_CAP, chan_cap = NULL_CAP;
    if (err_is_ok(err))
        err = slot_alloc(&reply_send);
    if (err_is_ok(err))
        err = cap_mint(reply_send, reply_ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, 1, 0);
    if (err_is_ok(err))
        err = slot_alloc(&chan_cap);
    struct rpc_result r = {0};
    const uint64_t none[3] = {0, 0, 0};
    if (err_is_ok(err))
        err = call(bind_cap, reply_ep, timeout_us, RPC_OP_BIND, none, reply_send, chan_cap, &r);
    if (err_is_ok(err))
        err = err_is_fail(r.err) ? r.err : r.got_cap ? SYS_ERR_OK : LMP_ERR_CAP_TRANSFER;
    if (reply_send)
        cap_destroy(reply_send); // the server holds its copy
    if (err_is_fail(err)) {
        if (chan_cap)
            slot_free(chan_cap);
        if (c->own_reply) {
            cap_destroy(reply_ep);
            err_ignore(ram_free(c->reply_ram), "mem_serv refused the RAM back: it stays charged to "
                                               "us and is reclaimed when we end");
        }
        memset(c, 0, sizeof(*c));
        return err;
    }
    c->ep = chan_cap;
    c->bound = true;
    c->timeout_us = timeout_us;
    return SYS_ERR_OK;
}

errval_t rpc_bind(struct rpc_chan *c, capref_t bind_cap, capref_t reply_ep)
{
    return bind(c, bind_cap, reply_ep, 0);
}

errval_t rpc_bind_timeout(struct rpc_chan *c, capref_t bind_cap, uint64_t timeout_us)
{
    if (!timeout_us)
        return SYS_ERR_INVALID_ARGS;
    // (A failed bind frees its own reply endpoint: a late answer to a bind
    // that timed out has nowhere to go either.)
    return bind(c, bind_cap, NULL_CAP, timeout_us);
}

errval_t rpc_share(struct rpc_chan *c)
{
    capref_t frame, ram;
    void *va;
    errval_t err = make(ObjType_Frame, RPC_BUF_SIZE, RPC_BUF_SIZE, &frame, &ram);
    if (err_is_fail(err))
        return err;
    err = vspace_map(frame, RPC_BUF_SIZE, MAP_WRITE, &va);
    bool mapped = err_is_ok(err);
    capref_t copy = NULL_CAP;
    if (err_is_ok(err))
        err = slot_alloc(&copy);
    if (err_is_ok(err))
        err = cap_copy(copy, frame, CAP_RIGHTS_ALL);
    struct rpc_result r = {0};
    if (err_is_ok(err))
        err = rpc_call(c, RPC_OP_SHARE, 0, 0, 0, copy, NULL_CAP, &r);
    if (copy)
        cap_destroy(copy);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err)) {
        c->buf = va;
        c->buf_frame = frame;
        c->buf_ram = ram;
    } else {
        if (mapped)
            err_ignore(
                vspace_unmap(frame),
                "fails only for a frame not mapped here; deleting the frame unmaps it anyway");
        cap_destroy(frame);
        err_ignore(
            ram_free(ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
    }
    return err;
}

// Free what the channel holds here; the RAM goes back to mem_serv.
static void release(struct rpc_chan *c)
{
    cap_destroy(c->ep);
    if (c->own_reply) {
        cap_destroy(c->reply);
        err_ignore(
            ram_free(c->reply_ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
    }
    if (c->buf) {
        err_ignore(vspace_unmap(c->buf_frame),
                   "fails only for a frame not mapped here; deleting the frame unmaps it anyway");
        cap_destroy(c->buf_frame);
        err_ignore(
            ram_free(c->buf_ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
    }
    memset(c, 0, sizeof(*c));
}

errval_t rpc_close(struct rpc_chan *c)
{
    if (!c->bound)
        return SYS_ERR_NOT_FOUND;
    struct rpc_result r = {0};
    errval_t err = rpc_call(c, RPC_OP_CLOSE, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (c->bound) // (a call that timed out released it already)
        release(c);
    return err;
}

errval_t rpc_stats(struct rpc_chan *c, uint64_t *used, uint64_t *all, uint64_t *reaped)
{
    struct rpc_result r = {0};
    errval_t err = rpc_call(c, RPC_OP_STATS, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err)) {
        *used = r.w[0];
        *all = r.w[1];
        *reaped = r.w[2];
    }
    return err;
}

errval_t rpc_usage(struct rpc_chan *c, uint64_t pid, uint64_t out[3])
{
    struct rpc_result r = {0};
    errval_t err = rpc_call(c, RPC_OP_USAGE, pid, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    for (unsigned i = 0; i < 3 && err_is_ok(err); i++)
        out[i] = r.w[i];
    return err;
}

errval_t rpc_failpoint(struct rpc_chan *c, unsigned n)
{
    struct rpc_result r = {0};
    errval_t err = rpc_call(c, RPC_OP_FAILPOINT, n, 0, 0, NULL_CAP, NULL_CAP, &r);
    return err_is_ok(err) ? r.err : err;
}

errval_t rpc_call(struct rpc_chan *c, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                  capref_t send, capref_t recv, struct rpc_result *r)
{
    if (!c->bound)
        return SYS_ERR_NOT_FOUND;
    const uint64_t a[3] = {a0, a1, a2};
    errval_t err = call(c->ep, c->reply, c->timeout_us, op, a, send, recv, r);
    if (rpc_server_gone(err) && c->own_reply)
        release(c); // abandoned: the server's copies go with our RAM
    return err;
}

bool rpc_server_gone(errval_t err)
{
    return err_no(err) == SYS_ERR_TIMEOUT || err_no(err) == CAP_ERR_SLOT_EMPTY ||
           err_no(err) == LMP_ERR_ENDPOINT_DELETED;
}
