/*
 * lib/os/vnic/netd_client.c: a netq over netd (net/netd.h): each receive,
 * send and wait is an RPC to netd, frames copied through the channel's
 * shared page and into buffers of ours.
 */
#include <net/netd.h>
#include <os/probe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/initsvc.h>
#include <sys/rpc.h>
#include <sys/sys.h>

#define NBUF 64 // receive buffers and transmit buffers each

struct ndq {
    struct netq q;
    struct rpc_chan chan;
    uint8_t rx[NBUF][NETQ_BUF_BYTES], tx[NBUF][NETQ_BUF_BYTES];
    uint16_t rx_len[NBUF];
    bool rx_busy[NBUF];              // handed to the stack, not given back yet
    unsigned nbusy;                  // how many are
    unsigned rx_ready[NBUF], nready; // received, not yet taken (in order)
    uint16_t free_tx[NBUF];
    unsigned nfree_tx;
    struct netq_stats st;
};

static struct ndq *nd(struct netq *q) { return q->impl; }

// Take the frames netd put in the page into free buffers of ours.
static unsigned unpack(struct ndq *d, unsigned count)
{
    const struct netd_page *pg = d->chan.buf;
    size_t off = 0;
    unsigned got = 0;
    for (unsigned i = 0; i < count && off + 2 <= sizeof(pg->data); i++) {
        uint16_t len;
        memcpy(&len, pg->data + off, 2);
        off += 2;
        unsigned b = 0;
        while (b < NBUF && (d->rx_busy[b] || d->rx_len[b]))
            b++;
        if (b == NBUF || len > NETQ_BUF_BYTES || off + len > sizeof(pg->data)) {
            d->st.rx_dropped++;
        } else {
            memcpy(d->rx[b], pg->data + off, len);
            d->rx_len[b] = len;
            d->rx_ready[d->nready++] = b;
            got++;
        }
        off += (len + 1u) & ~1u;
    }
    return got;
}

// A round trip that brought nothing, or that slept until a frame came,
// is waiting; one that brought frames is the path's IPC.
static MUST_CHECK errval_t fetch(struct ndq *d, bool wait, uint64_t timeout_us)
{
    struct rpc_result r;
    os_probe_push(OS_PROBE_IPC);
    errval_t err = rpc_call(&d->chan, NETD_RX, wait, timeout_us, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_fail(err))
        err = err_push(err, NETD_ERR_CALL); // (a wait that ran out: SYS_ERR_TIMEOUT below it)
    bool got = err_is_ok(err) && r.w[0] > 0;
    os_probe_pop_as(got && !wait ? OS_PROBE_IPC : OS_PROBE_WAIT);
    if (got) {
        os_probe_push(OS_PROBE_COPY_IN);
        unpack(d, (unsigned)r.w[0]);
        os_probe_pop();
    }
    return err;
}

static unsigned q_rx(struct netq *q, struct netq_pkt *out, unsigned max)
{
    struct ndq *d = nd(q);
    if (!d->nready)
        err_ignore(fetch(d, false, 0), "nothing to hand back yet: the caller polls again");
    os_probe_push(OS_PROBE_DRV_RX);
    unsigned n = 0;
    for (; n < max && n < d->nready; n++) {
        unsigned b = d->rx_ready[n];
        out[n] = (struct netq_pkt){.data = d->rx[b], .len = d->rx_len[b], .buf = (uint16_t)b};
        d->rx_busy[b] = true;
        d->nbusy++;
        d->st.rx_packets++;
        d->st.rx_bytes += d->rx_len[b];
    }
    memmove(d->rx_ready, d->rx_ready + n, (d->nready - n) * sizeof(d->rx_ready[0]));
    d->nready -= n;
    if (!n)
        d->st.polls_empty++;
    os_probe_pop_as(n ? OS_PROBE_DRV_RX : OS_PROBE_WAIT);
    return n;
}

static void q_rx_done(struct netq *q, const struct netq_pkt *pkts, unsigned n)
{
    struct ndq *d = nd(q);
    for (unsigned i = 0; i < n; i++) {
        d->nbusy -= d->rx_busy[pkts[i].buf];
        d->rx_busy[pkts[i].buf] = false;
        d->rx_len[pkts[i].buf] = 0;
    }
}

static MUST_CHECK errval_t q_tx_buf(struct netq *q, struct netq_pkt *out)
{
    struct ndq *d = nd(q);
    if (!d->nfree_tx)
        return SYS_ERR_WOULD_BLOCK;
    unsigned b = d->free_tx[--d->nfree_tx];
    *out = (struct netq_pkt){.data = d->tx[b], .buf = (uint16_t)b};
    return SYS_ERR_OK;
}

// Frames into the page, as many as fit, then one NETD_TX, whose answer
// brings the frames netd has queued for us, as many as we have free
// receive buffers for: the next q_rx finds them without a call of its own.
static MUST_CHECK errval_t q_tx(struct netq *q, const struct netq_pkt *pkts, unsigned n,
                                unsigned *sent)
{
    struct ndq *d = nd(q);
    *sent = 0;
    while (*sent < n) {
        struct netd_page *pg = d->chan.buf;
        size_t off = 0;
        unsigned k = 0;
        os_probe_push(OS_PROBE_COPY_OUT);
        while (*sent + k < n && k < NETD_PAGE_FRAMES) {
            const struct netq_pkt *p = &pkts[*sent + k];
            if (off + 2 + p->len > sizeof(pg->data))
                break;
            memcpy(pg->data + off, &p->len, 2);
            memcpy(pg->data + off + 2, d->tx[p->buf], p->len);
            off += 2 + ((p->len + 1u) & ~1u);
            k++;
        }
        pg->count = (uint16_t)k;
        os_probe_pop();
        struct rpc_result r;
        os_probe_push(OS_PROBE_IPC);
        unsigned room = NBUF - d->nbusy - d->nready;
        errval_t err = rpc_call(&d->chan, NETD_TX, room, 0, 0, NULL_CAP, NULL_CAP, &r);
        os_probe_pop();
        if (err_is_ok(err))
            err = r.err;
        if (err_is_ok(err) && r.w[1]) {
            os_probe_push(OS_PROBE_COPY_IN);
            unpack(d, (unsigned)r.w[1]);
            os_probe_pop();
        }
        if (err_is_fail(err))
            err = err_push(err, NETD_ERR_CALL);
        d->st.doorbells++;
        for (unsigned i = 0; i < k; i++) { // the page has them: the buffers are free
            d->free_tx[d->nfree_tx++] = pkts[*sent + i].buf;
            d->st.tx_bytes += pkts[*sent + i].len;
        }
        d->st.tx_packets += k;
        *sent += k;
        if (err_is_fail(err))
            return err;
    }
    return SYS_ERR_OK;
}

// netd answers when a frame has come, or when the time has passed (the
// kernel-mediated way: the client sleeps in an IPC).
static MUST_CHECK errval_t q_wait_here(struct netq *q, uint64_t timeout_us)
{
    struct ndq *d = nd(q);
    if (d->nready)
        return SYS_ERR_OK;
    errval_t err = fetch(d, true, timeout_us);
    if (err_is_ok(err) && !d->nready)
        return SYS_ERR_TIMEOUT;
    return err;
}

static MUST_CHECK errval_t q_wait(struct netq *q, uint64_t timeout_us)
{
    os_probe_push(OS_PROBE_WAIT);
    errval_t err = q_wait_here(q, timeout_us);
    os_probe_pop();
    return err;
}

static void q_stats(struct netq *q, struct netq_stats *out) { *out = nd(q)->st; }

static void q_close(struct netq *q) { (void)q; } // netd forgets us when we end

static const struct netq_ops ops = {q_rx, q_rx_done, q_tx_buf, q_tx, q_wait, q_stats, q_close};

errval_t netd_open(struct netq **out)
{
    struct ndq *d = calloc(1, sizeof(*d));
    if (!d)
        return SYS_ERR_NO_MEMORY;
    struct rpc_result r;
    errval_t err = rpc_bind_service(&d->chan, NETD_NAME, 0); // a data path: no time limit
    if (err_is_ok(err))
        err = rpc_call(&d->chan, NETD_OPEN, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_fail(err)) {
        if (d->chan.bound) // give the channel back: netd forgets a closed one
            err_ignore(rpc_close(&d->chan), "the open's own error is the one to report");
        free(d);
        return err_push(err, NETD_ERR_CALL);
    }
    const struct netd_info *info = d->chan.buf;
    d->q = (struct netq){
        .ops = &ops, .ip = info->ip, .netmask = info->netmask, .gateway = info->gateway, .impl = d};
    memcpy(d->q.mac, info->mac, 6);
    for (unsigned i = 0; i < NBUF; i++)
        d->free_tx[d->nfree_tx++] = (uint16_t)i;
    *out = &d->q;
    return SYS_ERR_OK;
}

errval_t netd_probe(struct netq *q, bool reset, struct os_probe out[2])
{
    if (q == NULL || q->ops != &ops || out == NULL)
        return SYS_ERR_INVALID_ARGS;
    struct ndq *d = nd(q);
    struct rpc_result r;
    errval_t err = rpc_call(&d->chan, NETD_PROBE, reset, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_ok(err))
        err = r.err;
    if (err_is_fail(err))
        return err_push(err, NETD_ERR_CALL);
    memcpy(out, d->chan.buf, 2 * sizeof(*out));
    return SYS_ERR_OK;
}
