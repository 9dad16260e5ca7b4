/*
 * lib/sys/umpconn.c: UMP connections between processes, brokered by init
 * and the monitors (docs/multikernel.md): a server offers a name and
 * accepts; a client connects; init hands both sides a frame for the rings
 * and each the other's wake-up vector. Caps cross the same way.
 */
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/slot.h>
#include <sys/vspace.h>

static capref_t wake_cap; // our wake-up vector, connected to our endpoint

// A vector on our core from our monitor, connected to our endpoint: peers
// raise it when they leave us a message while we sleep.
static MUST_CHECK errval_t wake_setup(void)
{
    if (wake_cap)
        return SYS_ERR_OK;
    errval_t err;
    struct rpc_chan *ch = initsvc_chan(&err);
    capref_t v = NULL_CAP;
    struct rpc_result r;
    if (err_is_ok(err))
        err = slot_alloc(&v);
    if (err_is_ok(err))
        err = rpc_call(ch, INIT_WAKE_VECTOR, 0, 0, 0, NULL_CAP, v, &r);
    if (err_is_ok(err))
        err = err_is_fail(r.err) ? r.err : r.got_cap ? SYS_ERR_OK : LMP_ERR_CAP_TRANSFER;
    if (err_is_ok(err))
        err = irq_connect(v, cap_selfep, UMP_WAKE_BIT);
    if (err_is_ok(err))
        wake_cap = v;
    return err;
}

// A call with the name in the shared page, a cap out, a cap back.
static MUST_CHECK errval_t call(uint64_t op, const char *name, uint64_t a0, capref_t send,
                                capref_t *got, struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *ch = initsvc_chan(&err);
    if (err_is_fail(err))
        return err;
    if (name) {
        if (strlen(name) > NAME_MAX_LEN)
            return NAME_ERR_BAD_NAME;
        strcpy(ch->buf, name);
    }
    capref_t slot = NULL_CAP;
    if (got && err_is_fail(err = slot_alloc(&slot)))
        return err;
    err = rpc_call(ch, op, a0, 0, 0, send, slot, r);
    if (err_is_ok(err))
        err = r->err;
    if (err_is_ok(err) && got && !r->got_cap)
        err = LMP_ERR_CAP_TRANSFER;
    if (got) {
        if (err_is_ok(err))
            *got = slot;
        else
            slot_free(slot);
    }
    return err;
}

errval_t ump_offer(const char *name)
{
    struct rpc_result r;
    errval_t err = wake_setup();
    return err_is_ok(err) ? call(INIT_UMP_OFFER, name, 0, wake_cap, NULL, &r) : err;
}

// Map the connection's frame and take our side of it.
static MUST_CHECK errval_t open_conn(struct ump_conn *c, uint64_t id, bool side_a)
{
    void *va;
    struct rpc_result r;
    c->id = id;
    errval_t err = vspace_map(c->frame, UMP_CONN_BYTES, MAP_WRITE, &va);
    if (err_is_ok(err))
        err = call(INIT_UMP_PEERWAKE, NULL, id, NULL_CAP, &c->peer_wake, &r);
    // A peer that has already ended: what it sent can still be read (the
    // rings are marked closed), and no one needs waking.
    if (err_no(err) == UMP_ERR_CLOSED) {
        err = SYS_ERR_OK;
        c->peer_wake = NULL_CAP;
    }
    if (err_is_fail(err))
        return err;
    ump_init(&c->chan, va, UMP_CONN_BYTES, side_a);
    c->chan.wake = c->peer_wake;
    return SYS_ERR_OK;
}

errval_t ump_accept(const char *name, struct ump_conn *c)
{
    struct rpc_result r;
    memset(c, 0, sizeof(*c));
    errval_t err = call(INIT_UMP_ACCEPT, name, 0, NULL_CAP, &c->frame, &r);
    return err_is_ok(err) ? open_conn(c, r.w[0], false) : err;
}

errval_t ump_connect(const char *name, struct ump_conn *c)
{
    struct rpc_result r;
    memset(c, 0, sizeof(*c));
    errval_t err = wake_setup();
    if (err_is_ok(err))
        err = call(INIT_UMP_CONNECT, name, 0, wake_cap, &c->frame, &r);
    return err_is_ok(err) ? open_conn(c, r.w[0], true) : err;
}

errval_t ump_recv_wait(struct ump_conn *c, uint64_t w[UMP_WORDS])
{
    errval_t err;
    while (err_no(err = ump_recv(&c->chan, w)) == LMP_ERR_NO_MESSAGE) {
        if (ump_prepare_sleep(&c->chan)) {
            ump_awake(&c->chan);
            continue;
        }
        struct lmp_recv_msg m;
        // the wake-up (or any message)
        err_ignore(lmp_recv(cap_selfep, 0, NULL_CAP, &m),
                   "any message (or none) ends the wait: the caller checks the state itself");
        ump_awake(&c->chan);
    }
    return err;
}

errval_t ump_send_wait(struct ump_conn *c, const uint64_t w[UMP_WORDS])
{
    errval_t err;
    while (err_no(err = ump_send(&c->chan, w)) == SYS_ERR_WOULD_BLOCK)
        sys_yield();
    return err;
}

errval_t ump_cap_send(struct ump_conn *c, capref_t cap)
{
    struct rpc_result r;
    return call(INIT_CAP_SEND, NULL, c->id, cap, NULL, &r);
}

errval_t ump_cap_recv(struct ump_conn *c, capref_t *cap)
{
    struct rpc_result r;
    return call(INIT_CAP_RECV, NULL, c->id, NULL_CAP, cap, &r);
}

errval_t cap_revoke_remote(capref_t cap)
{
    struct rpc_result r;
    return call(INIT_REMOTE_REVOKE, NULL, 0, cap, NULL, &r);
}
