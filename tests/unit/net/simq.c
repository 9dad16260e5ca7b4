/* tests/unit/net/simq.c: the simulated netq wire of the network tests. */
#include "simq.h"

#include "../lwip/frames.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

uint64_t simq_now_us = 1000000;

uint64_t simq_clock(void) { return simq_now_us; }

uint32_t simq_random(void)
{
    static uint64_t s = 0x2545f4914f6cdd1du;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return (uint32_t)((s * 0x2545f4914f6cdd1du) >> 32);
}

static struct simq_end *end_of(struct netq *q) { return q->impl; }

static bool roll(struct simq_wire *w, unsigned per_mille)
{
    if (per_mille == 0)
        return false;
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng % 1000 < per_mille;
}

bool simq_inject(struct simq_end *e, const void *frame, uint16_t len)
{
    ck_assert_uint_le(len, NETQ_BUF_BYTES);
    if (e->n_rx_free == 0) {
        e->stats.rx_dropped++;
        return false;
    }
    uint16_t b = e->rx_free[--e->n_rx_free];
    memcpy(e->rxmem[b], frame, len);
    e->rx_len[b] = len;
    e->rx_ring[(e->rx_head + e->rx_count++) % SIMQ_RX_BUFS] = b;
    e->stats.rx_packets++;
    e->stats.rx_bytes += len;
    return true;
}

void simq_release_held(struct simq_wire *w)
{
    if (w->held_to >= 0) {
        simq_inject(&w->end[w->held_to], w->held, w->held_len);
        w->held_to = -1;
        w->reordered++;
        w->delivered++;
    }
}

// A frame from end `from` on the wire: the tap, then the faults.
static void wire_carry(struct simq_wire *w, int from, const uint8_t *data, uint16_t len)
{
    uint8_t f[NETQ_BUF_BYTES];
    int to = 1 - from;
    memcpy(f, data, len);
    w->sent++;
    // A closed end is a NIC that is gone.
    if (w->cut || w->end[to].closed || (w->tap != NULL && !w->tap(from, f, &len, w->tap_arg)) ||
        roll(w, w->loss)) {
        w->lost++;
        return;
    }
    if (roll(w, w->corrupt)) {
        w->rng ^= w->rng << 13;
        f[w->rng % len] ^= (uint8_t)(1u << (w->rng >> 40) % 8);
        w->corrupted++;
    }
    if (w->held_to < 0 && roll(w, w->reorder)) {
        memcpy(w->held, f, len);
        w->held_len = len;
        w->held_to = to;
        return;
    }
    simq_inject(&w->end[to], f, len);
    w->delivered++;
    if (roll(w, w->dup)) {
        simq_inject(&w->end[to], f, len);
        w->duplicated++;
    }
    simq_release_held(w);
}

static unsigned simq_rx(struct netq *q, struct netq_pkt *out, unsigned max)
{
    struct simq_end *e = end_of(q);
    if (e->rx_count == 0) {
        e->stats.polls_empty++;
        simq_now_us++; // polling takes time
        return 0;
    }
    unsigned n = 0;
    for (; n < max && e->rx_count > 0; n++) {
        uint16_t b = e->rx_ring[e->rx_head];
        e->rx_head = (e->rx_head + 1) % SIMQ_RX_BUFS;
        e->rx_count--;
        e->rx_out[b] = true;
        out[n].data = e->rxmem[b];
        out[n].len = e->rx_len[b];
        out[n].buf = b;
        out[n].flags = e->rx_flags;
        if (e->claim_len != 0) {
            out[n].len = e->claim_len;
            e->claim_len = 0;
        }
    }
    return n;
}

static void simq_rx_done(struct netq *q, const struct netq_pkt *pkts, unsigned n)
{
    struct simq_end *e = end_of(q);
    for (unsigned i = 0; i < n; i++) {
        uint16_t b = pkts[i].buf;
        if (b >= SIMQ_RX_BUFS || !e->rx_out[b] || pkts[i].data != e->rxmem[b]) {
            e->bad_returns++;
            continue;
        }
        e->rx_out[b] = false;
        e->rx_free[e->n_rx_free++] = b;
    }
}

static MUST_CHECK errval_t simq_tx_buf(struct netq *q, struct netq_pkt *out)
{
    struct simq_end *e = end_of(q);
    if (e->n_tx_free == 0)
        return SYS_ERR_WOULD_BLOCK;
    uint16_t b = e->tx_free[--e->n_tx_free];
    e->tx_out[b] = true;
    out->data = e->txmem[b];
    out->len = 0;
    out->buf = b;
    out->flags = 0;
    return SYS_ERR_OK;
}

// A device's transmit checksum offload: the IPv4 header checksum from
// scratch, the UDP checksum over the datagram from the pseudo-header sum
// the sender left in its field (0 sent as 0xffff, RFC 768).
static void device_csum(uint8_t *f)
{
    uint8_t *ip = f + HDR_ETH, *udp = ip + HDR_IPV4;
    put16(ip + 10, 0);
    put16(ip + 10, inet_csum(ip, HDR_IPV4, 0));
    uint16_t c = inet_csum(udp, get16(udp + 4), 0);
    put16(udp + 6, c == 0 ? 0xffff : c);
}

static MUST_CHECK errval_t simq_tx(struct netq *q, const struct netq_pkt *pkts, unsigned n,
                                   unsigned *sent)
{
    struct simq_end *e = end_of(q);
    unsigned i = 0;
    e->stats.doorbells++;
    for (; i < n; i++) {
        uint16_t b = pkts[i].buf;
        if (e->tx_limit != 0 && i == e->tx_limit)
            break;
        // A received buffer (NETQ_TX_RX_BUF): known by its address.
        bool from_rx = b < SIMQ_RX_BUFS && e->rx_out[b] && pkts[i].data == e->rxmem[b];
        if ((!from_rx && (b >= SIMQ_TX_BUFS || !e->tx_out[b])) || pkts[i].len > NETQ_FRAME_MAX ||
            (from_rx && !(q->offloads & NETQ_TX_RX_BUF))) {
            e->bad_returns++;
            *sent = i;
            return SYS_ERR_INVALID_ARGS;
        }
        uint8_t *frame = from_rx ? e->rxmem[b] : e->txmem[b];
        if (pkts[i].flags & NETQ_TX_CSUM_IP4_UDP) {
            if (!(q->offloads & NETQ_TX_CSUM_IP4_UDP))
                e->bad_returns++; // asked of a queue that does not offer it
            device_csum(frame);
            e->tx_csum_done++;
        }
        wire_carry(e->wire, e->side, frame, pkts[i].len);
        if (from_rx) { // sent and reaped at once: back to the receive ring
            e->rx_out[b] = false;
            e->rx_free[e->n_rx_free++] = b;
            e->tx_from_rx++;
        } else {
            e->tx_out[b] = false;
            e->tx_free[e->n_tx_free++] = b;
        }
        e->stats.tx_packets++;
        e->stats.tx_bytes += pkts[i].len;
    }
    *sent = i;
    return i < n ? SYS_ERR_WOULD_BLOCK : SYS_ERR_OK;
}

// Nothing arrives while a single thread waits, except what is already on
// the way: time passes, and a held-back frame lands.
static MUST_CHECK errval_t simq_wait(struct netq *q, uint64_t timeout_us)
{
    struct simq_end *e = end_of(q);
    struct simq_wire *w = e->wire;
    e->waits++;
    e->last_wait_us = timeout_us;
    struct simq_end *other = &w->end[1 - e->side];
    if (e->rx_count > 0 || (!other->raw && !other->closed && other->rx_count > 0))
        return SYS_ERR_OK;
    uint64_t t = timeout_us != 0 ? timeout_us : 1000000;
    simq_now_us += t;
    e->waited_us += t;
    simq_release_held(w);
    // As a VNIC's: out of time with nothing come is SYS_ERR_TIMEOUT.
    return timeout_us != 0 && e->rx_count == 0 ? SYS_ERR_TIMEOUT : SYS_ERR_OK;
}

static void simq_stats(struct netq *q, struct netq_stats *out) { *out = end_of(q)->stats; }

static void simq_close(struct netq *q) { end_of(q)->closed = true; }

static const struct netq_ops simq_ops = {
    .rx = simq_rx,
    .rx_done = simq_rx_done,
    .tx_buf = simq_tx_buf,
    .tx = simq_tx,
    .wait = simq_wait,
    .stats = simq_stats,
    .close = simq_close,
};

struct simq_wire *simq_new(void)
{
    struct simq_wire *w = calloc(1, sizeof(*w));
    ck_assert_ptr_nonnull(w);
    w->rng = 0x9e3779b97f4a7c15u;
    w->held_to = -1;
    for (int i = 0; i < 2; i++) {
        struct simq_end *e = &w->end[i];
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
        e->q.ops = &simq_ops;
        e->q.impl = e;
        memcpy(e->q.mac, mac, 6);
        e->q.mac[5] = (uint8_t)(i + 1);
        e->q.ip = __builtin_bswap32(0x0a000001u + (uint32_t)i);
        e->q.netmask = __builtin_bswap32(0xffffff00u);
        e->wire = w;
        e->side = i;
        for (uint16_t b = 0; b < SIMQ_RX_BUFS; b++)
            e->rx_free[e->n_rx_free++] = b;
        for (uint16_t b = 0; b < SIMQ_TX_BUFS; b++)
            e->tx_free[e->n_tx_free++] = b;
    }
    return w;
}

void simq_free(struct simq_wire *w) { free(w); }

void simq_raw_send(struct simq_end *e, const void *frame, uint16_t len)
{
    struct netq_pkt p;
    unsigned sent;
    e->raw = true;
    ck_assert(err_is_ok(simq_tx_buf(&e->q, &p)));
    memcpy(p.data, frame, len);
    p.len = len;
    ck_assert(err_is_ok(simq_tx(&e->q, &p, 1, &sent)));
}

uint16_t simq_raw_recv(struct simq_end *e, void *buf, uint16_t max)
{
    struct netq_pkt p;
    e->raw = true;
    if (simq_rx(&e->q, &p, 1) == 0)
        return 0;
    uint16_t n = p.len < max ? p.len : max;
    memcpy(buf, p.data, n);
    simq_rx_done(&e->q, &p, 1);
    return n;
}

unsigned simq_rx_out(const struct simq_end *e)
{
    unsigned n = 0;
    for (unsigned b = 0; b < SIMQ_RX_BUFS; b++)
        n += e->rx_out[b];
    return n;
}

unsigned simq_tx_out(const struct simq_end *e)
{
    unsigned n = 0;
    for (unsigned b = 0; b < SIMQ_TX_BUFS; b++)
        n += e->tx_out[b];
    return n;
}
