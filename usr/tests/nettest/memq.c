/* usr/tests/nettest/memq.c: the in-memory netq pair of nettest. */
#include "memq.h"

#include <base/wire.h>
#include <net/netif.h>
#include <stdlib.h>
#include <string.h>
#include <sys/caps.h>

#define RX_BUFS 64
#define TX_BUFS 32

struct memq_end {
    struct netq q;
    struct memq_wire *w;
    int side;
    uint8_t (*rxmem)[NETQ_BUF_BYTES], (*txmem)[NETQ_BUF_BYTES];
    uint16_t ring[RX_BUFS], len[RX_BUFS], rx_free[RX_BUFS], tx_free[TX_BUFS];
    unsigned head, count, n_rx_free, n_tx_free, bad;
    bool rx_out[RX_BUFS], tx_out[TX_BUFS];
    struct netq_stats stats;
};

struct memq_wire {
    struct memq_end end[2];
};

static struct memq_end *E(struct netq *q) { return q->impl; }

static void deliver(struct memq_end *to, const void *data, uint16_t len)
{
    if (to->n_rx_free == 0) {
        to->stats.rx_dropped++;
        return;
    }
    uint16_t b = to->rx_free[--to->n_rx_free];
    memcpy(to->rxmem[b], data, len);
    to->len[b] = len;
    to->ring[(to->head + to->count++) % RX_BUFS] = b;
    to->stats.rx_packets++;
}

static unsigned m_rx(struct netq *q, struct netq_pkt *out, unsigned max)
{
    struct memq_end *e = E(q);
    unsigned n = 0;
    for (; n < max && e->count > 0; n++) {
        uint16_t b = e->ring[e->head];
        e->head = (e->head + 1) % RX_BUFS;
        e->count--;
        e->rx_out[b] = true;
        out[n] = (struct netq_pkt){.data = e->rxmem[b], .len = e->len[b], .buf = b};
    }
    if (n == 0)
        e->stats.polls_empty++;
    return n;
}

static void m_rx_done(struct netq *q, const struct netq_pkt *pkts, unsigned n)
{
    struct memq_end *e = E(q);
    for (unsigned i = 0; i < n; i++) {
        uint16_t b = pkts[i].buf;
        if (b >= RX_BUFS || !e->rx_out[b]) {
            e->bad++;
            continue;
        }
        e->rx_out[b] = false;
        e->rx_free[e->n_rx_free++] = b;
    }
}

static MUST_CHECK errval_t m_tx_buf(struct netq *q, struct netq_pkt *out)
{
    struct memq_end *e = E(q);
    if (e->n_tx_free == 0)
        return SYS_ERR_WOULD_BLOCK;
    uint16_t b = e->tx_free[--e->n_tx_free];
    e->tx_out[b] = true;
    *out = (struct netq_pkt){.data = e->txmem[b], .len = 0, .buf = b};
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t m_tx(struct netq *q, const struct netq_pkt *pkts, unsigned n,
                                unsigned *sent)
{
    struct memq_end *e = E(q);
    e->stats.doorbells++;
    for (unsigned i = 0; i < n; i++) {
        uint16_t b = pkts[i].buf;
        if (b >= TX_BUFS || !e->tx_out[b] || pkts[i].len > NETQ_FRAME_MAX) {
            e->bad++;
            *sent = i;
            return SYS_ERR_INVALID_ARGS;
        }
        deliver(&e->w->end[1 - e->side], e->txmem[b], pkts[i].len);
        e->tx_out[b] = false;
        e->tx_free[e->n_tx_free++] = b;
        e->stats.tx_packets++;
    }
    *sent = n;
    return SYS_ERR_OK;
}

// One thread drives both ends: a frame for either is work to do.
static MUST_CHECK errval_t m_wait(struct netq *q, uint64_t timeout_us)
{
    struct memq_end *e = E(q);
    uint64_t start = net_now_us();
    while (e->count == 0 && e->w->end[1 - e->side].count == 0) {
        if (timeout_us != 0 && net_now_us() - start >= timeout_us)
            return SYS_ERR_TIMEOUT; // as a VNIC's wait
        sys_yield();
    }
    return SYS_ERR_OK;
}

static void m_stats(struct netq *q, struct netq_stats *out) { *out = E(q)->stats; }
static void m_close(struct netq *q) {}

static const struct netq_ops memq_ops = {
    .rx = m_rx,
    .rx_done = m_rx_done,
    .tx_buf = m_tx_buf,
    .tx = m_tx,
    .wait = m_wait,
    .stats = m_stats,
    .close = m_close,
};

struct memq_wire *memq_new(void)
{
    struct memq_wire *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    for (int i = 0; i < 2; i++) {
        struct memq_end *e = &w->end[i];
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0x01, 0};
        e->q.ops = &memq_ops;
        e->q.impl = e;
        memcpy(e->q.mac, mac, 6);
        e->q.mac[5] = (uint8_t)(i + 1);
        e->q.ip = wire_hton32(0x0a010001u + (uint32_t)i);
        e->q.netmask = wire_hton32(0xffffff00u);
        e->w = w;
        e->side = i;
        e->rxmem = malloc(RX_BUFS * NETQ_BUF_BYTES);
        e->txmem = malloc(TX_BUFS * NETQ_BUF_BYTES);
        if (e->rxmem == NULL || e->txmem == NULL)
            return NULL;
        for (uint16_t b = 0; b < RX_BUFS; b++)
            e->rx_free[e->n_rx_free++] = b;
        for (uint16_t b = 0; b < TX_BUFS; b++)
            e->tx_free[e->n_tx_free++] = b;
    }
    return w;
}

struct netq *memq_end(struct memq_wire *w, int i) { return &w->end[i].q; }

unsigned memq_rx_out(struct memq_wire *w, int i)
{
    unsigned n = 0;
    for (unsigned b = 0; b < RX_BUFS; b++)
        n += w->end[i].rx_out[b];
    return n;
}

unsigned memq_bad(struct memq_wire *w, int i) { return w->end[i].bad; }
