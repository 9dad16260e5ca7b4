/* lib/sys/netctl.c: the client side of netctl (sys/netctl.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/netctl.h>
#include <sys/slot.h>

static struct rpc_chan chan;

struct rpc_chan *netctl_chan(errval_t *err)
{
    *err = rpc_bind_service(&chan, NETCTL_NAME, RPC_CONTROL_TIMEOUT_US);
    return &chan;
}

static MUST_CHECK errval_t call(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, capref_t send,
                                capref_t *got, struct rpc_result *r)
{
    errval_t err;
    struct rpc_chan *c = netctl_chan(&err);
    capref_t slot = NULL_CAP;
    if (err_is_ok(err) && got)
        err = slot_alloc(&slot);
    if (err_is_ok(err))
        err = rpc_call(c, op, a0, a1, a2, send, slot, r);
    if (err_no(err) == CAP_ERR_SLOT_EMPTY) { // netctl ended before: a new one, once
        c = netctl_chan(&err);
        if (err_is_ok(err))
            err = rpc_call(c, op, a0, a1, a2, send, slot, r);
    }
    if (err_is_ok(err))
        err = r->err;
    if (err_is_ok(err) && got && !r->got_cap)
        err = LMP_ERR_CAP_TRANSFER;
    if (got && err_is_ok(err))
        *got = slot;
    else if (slot)
        slot_free(slot);
    return err_is_ok(err) ? err : err_push(err, NETCTL_ERR_CALL);
}

errval_t netctl_vnic_create(struct netctl_vnic *out, capref_t *vnic)
{
    struct rpc_result r;
    errval_t err = call(NETCTL_VNIC_CREATE, 0, 0, 0, NULL_CAP, vnic, &r);
    if (err_is_ok(err))
        memcpy(out, chan.buf, sizeof(*out));
    return err;
}

errval_t netctl_vnic_destroy(capref_t vnic)
{
    struct rpc_result r;
    return call(NETCTL_VNIC_DESTROY, 0, 0, 0, vnic, NULL, &r);
}

errval_t netctl_filter_create(capref_t vnic, const struct netctl_filter *f, capref_t *cap)
{
    struct rpc_result r;
    return call(NETCTL_FILTER_CREATE, f->proto | (uint64_t)f->port << 8, f->peer, 0, vnic, cap, &r);
}

errval_t netctl_filter_destroy(capref_t cap)
{
    struct rpc_result r;
    return call(NETCTL_FILTER_DESTROY, 0, 0, 0, cap, NULL, &r);
}

errval_t netctl_filters(capref_t vnic, struct netctl_filter *out, unsigned max, unsigned *n)
{
    struct rpc_result r;
    errval_t err = call(NETCTL_FILTERS, 0, 0, 0, vnic, NULL, &r);
    if (err_is_ok(err)) {
        *n = r.w[0] < max ? (unsigned)r.w[0] : max;
        memcpy(out, chan.buf, *n * sizeof(*out));
    }
    return err;
}

errval_t netctl_rate(capref_t vnic, uint32_t mbps)
{
    struct rpc_result r;
    return call(NETCTL_RATE, mbps, 0, 0, vnic, NULL, &r);
}

errval_t netctl_vnic_vlan(capref_t vnic, uint16_t vid)
{
    struct rpc_result r;
    return call(NETCTL_VLAN, vid, 0, 0, vnic, NULL, &r);
}

errval_t netctl_vnic_rx_mode(capref_t vnic, unsigned mode)
{
    struct rpc_result r;
    return call(NETCTL_RX_MODE, mode, 0, 0, vnic, NULL, &r);
}

errval_t netctl_list(struct netctl_vnic *out, unsigned max, unsigned *n)
{
    struct rpc_result r;
    errval_t err = call(NETCTL_LIST, 0, 0, 0, NULL_CAP, NULL, &r);
    if (err_is_ok(err)) {
        *n = r.w[0] < max ? (unsigned)r.w[0] : max;
        memcpy(out, chan.buf, *n * sizeof(*out));
    }
    return err;
}
