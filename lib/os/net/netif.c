/* lib/os/net/netif.c: an lwIP interface over a netq: zero-copy receive, batched transmit. */
#include "net_priv.h"

#include "lwip/etharp.h"
#include "lwip/stats.h"
#include "lwip_port.h"
#include "netif/ethernet.h"

#include <os/probe.h>
#include <stdlib.h>
#include <string.h>

bool net_netif_removing;

// ---- Receive ---------------------------------------------------------------

void net_rx_return_flush(struct net_stack *s)
{
    if (s->n_rx_done > 0)
        netq_rx_done(s->q, s->rx_done, s->n_rx_done);
    s->n_rx_done = 0;
}

void net_rx_return(struct net_stack *s, const struct netq_pkt *pkt)
{
    if (s->n_rx_done == NET_BATCH_MAX)
        net_rx_return_flush(s);
    s->rx_done[s->n_rx_done++] = *pkt;
}

static void stack_destroy(struct net_stack *s);

// lwIP freed a frame that was lent to it: the buffer goes back to the
// queue. A stack already closed goes when its last buffer comes home.
static void rxbuf_free(struct pbuf *p)
{
    struct net_rxbuf *rb = (struct net_rxbuf *)p;
    struct net_stack *s = rb->stack;
    net_rx_return(s, &rb->pkt);
    rb->next_free = s->rx_free;
    s->rx_free = rb;
    s->rx_held--;
    if (s->closing && s->rx_held == 0)
        stack_destroy(s);
}

// The frame in its own buffer while fewer than rx_hold_max are lent out;
// else a copy in lwIP's pool, and the buffer goes straight back.
// Fragments are always copied: reassembly may keep them for seconds, and
// only lwIP's timers (which run while some stack is polled) free them.
static struct pbuf *rx_wrap(struct net_stack *s, const struct netq_pkt *pkt)
{
    struct net_rxbuf *rb = s->rx_free;
    if (rb != NULL && !net_frag_is(pkt)) {
        rb->pkt = *pkt;
        struct pbuf *p =
            pbuf_alloced_custom(PBUF_RAW, pkt->len, PBUF_REF, &rb->pc, pkt->data, NETQ_BUF_BYTES);
        if (p != NULL) {
            s->rx_free = rb->next_free;
            s->rx_held++;
            s->stats.rx_zero_copy++;
            return p;
        }
    }
    struct pbuf *p = pbuf_alloc(PBUF_RAW, pkt->len, PBUF_POOL);
    if (p != NULL) {
        pbuf_take(p, pkt->data, pkt->len);
        s->stats.rx_copied++;
    }
    net_rx_return(s, pkt);
    return p;
}

// Into lwIP (the frame is consumed whatever the result; drops are counted).
static void rx_lwip(struct net_stack *s, const struct netq_pkt *pkt)
{
    struct pbuf *p = rx_wrap(s, pkt);
    if (p == NULL) {
        s->stats.rx_dropped++;
        LINK_STATS_INC(link.memerr);
        LINK_STATS_INC(link.drop);
        return;
    }
    if (err_is_fail(lwip_port_input(&s->netif, p)))
        s->stats.rx_dropped++;
}

static void rx_one(struct net_stack *s, const struct netq_pkt *pkt)
{
    s->stats.rx_frames++;
    // A queue never hands out more than a buffer; a length beyond one
    // would make lwIP read past it.
    if (pkt->len > NETQ_BUF_BYTES) {
        s->stats.rx_dropped++;
        LINK_STATS_INC(link.lenerr);
        LINK_STATS_INC(link.drop);
        net_rx_return(s, pkt);
        return;
    }
    if (s->native != NULL && net_native_input(s, pkt)) {
        s->stats.rx_native++;
        return;
    }
    if (!net_frag_is(pkt)) {
        rx_lwip(s, pkt);
        return;
    }
    // Read before lwIP: the buffer goes back to the queue in rx_wrap.
    struct net_frag key;
    net_frag_seen(s, pkt, &key);
    uint32_t mark = net_frag_mark();
    rx_lwip(s, pkt);
    net_frag_after(s, &key, mark);
}

unsigned net_rx_drain(struct net_stack *s, unsigned max_batches)
{
    struct netq_pkt pkts[NET_BATCH_MAX];
    unsigned total = 0;
    for (unsigned b = 0; b < max_batches; b++) {
        unsigned n = netq_rx(s->q, pkts, s->cfg.rx_batch);
        for (unsigned i = 0; i < n; i++)
            rx_one(s, &pkts[i]);
        total += n;
        if (n < s->cfg.rx_batch)
            break;
    }
    return total;
}

// ---- Transmit --------------------------------------------------------------

void net_flush(struct net_stack *s)
{
    if (s->n_tx_pend == 0)
        return;
    unsigned sent = 0;
    errval_t err = netq_tx(s->q, s->tx_pend, s->n_tx_pend, &sent);
    s->stats.doorbells++;
    if (sent > s->n_tx_pend)
        sent = s->n_tx_pend; // a queue breaking its contract
    s->stats.tx_frames += sent;
    // What the queue did not take (a full ring: SYS_ERR_WOULD_BLOCK, or a
    // failing queue) stays gathered for the next flush, and is counted.
    if (sent < s->n_tx_pend)
        memmove(s->tx_pend, s->tx_pend + sent, (s->n_tx_pend - sent) * sizeof(s->tx_pend[0]));
    s->n_tx_pend -= sent;
    if (err_is_fail(err) || s->n_tx_pend > 0)
        s->stats.tx_stalls++;
}

bool net_tx_gather(struct net_stack *s, const struct netq_pkt *pkt)
{
    if (s->n_tx_pend >= s->cfg.tx_batch)
        net_flush(s);
    if (s->n_tx_pend == NET_BATCH_MAX)
        return false;
    s->tx_pend[s->n_tx_pend++] = *pkt;
    s->tx_since_poll++;
    if (s->n_tx_pend >= s->cfg.tx_batch)
        net_flush(s);
    return true;
}

errval_t net_tx_buffer(struct net_stack *s, struct netq_pkt *out)
{
    if (s->n_tx_spare > 0) {
        *out = s->tx_spare[--s->n_tx_spare];
        out->flags = 0; // what its last sender asked of the device does not carry over
        return SYS_ERR_OK;
    }
    return netq_tx_buf(s->q, out);
}

bool net_tx_spare(struct net_stack *s, const struct netq_pkt *pkt)
{
    if (s->n_tx_spare == NET_SPARE_MAX)
        return false;
    s->tx_spare[s->n_tx_spare++] = *pkt;
    return true;
}

// lwIP's frame leaves in one copy into a queue buffer (lwIP keeps its
// pbufs: TCP holds them until acknowledged).
static err_t net_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct net_stack *s = netif->state;
    struct netq_pkt pkt;
    if (p->tot_len > NETQ_FRAME_MAX) {
        LINK_STATS_INC(link.lenerr);
        LINK_STATS_INC(link.drop);
        return ERR_IF;
    }
    if (s->n_tx_pend >= s->cfg.tx_batch)
        net_flush(s);
    if (s->n_tx_pend == NET_BATCH_MAX || err_is_fail(net_tx_buffer(s, &pkt))) {
        s->stats.tx_no_buffer++;
        LINK_STATS_INC(link.memerr);
        LINK_STATS_INC(link.drop);
        return ERR_MEM;
    }
    os_probe_push(OS_PROBE_COPY_OUT);
    pkt.len = pbuf_copy_partial(p, pkt.data, p->tot_len, 0);
    os_probe_pop();
    net_tx_gather(s, &pkt); // room was made above
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

// ---- The interface ---------------------------------------------------------

static err_t net_netif_init(struct netif *netif)
{
    struct net_stack *s = netif->state;
    netif->name[0] = 'q';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = net_linkoutput;
    netif->mtu = NETQ_MTU;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, s->q->mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

static bool mac_is_unicast(const uint8_t mac[6])
{
    static const uint8_t zero[6];
    return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

static MUST_CHECK errval_t rxbufs_alloc(struct net_stack *s)
{
    s->rxbufs = calloc(s->cfg.rx_hold_max, sizeof(*s->rxbufs));
    s->native_rx_held = calloc(2, 65536 / 8);
    if (s->rxbufs == NULL || s->native_rx_held == NULL)
        return SYS_ERR_NO_MEMORY;
    s->native_tx_held = s->native_rx_held + 65536 / 8;
    for (unsigned i = 0; i < s->cfg.rx_hold_max; i++) {
        struct net_rxbuf *rb = &s->rxbufs[i];
        rb->pc.custom_free_function = rxbuf_free;
        rb->stack = s;
        rb->next_free = s->rx_free;
        s->rx_free = rb;
    }
    return SYS_ERR_OK;
}

static void stack_free(struct net_stack *s)
{
    free(s->rxbufs);
    free(s->native_rx_held);
    free(s);
}

// Everything the stack held is back: the queue closes.
static void stack_destroy(struct net_stack *s)
{
    net_rx_return_flush(s);
    net_flush(s);
    if (s->q->ops->close != NULL)
        s->q->ops->close(s->q);
    stack_free(s);
}

errval_t net_netif_open(struct net_stack *s)
{
    if (s->q->ip == 0 || !mac_is_unicast(s->q->mac))
        return NET_ERR_NO_ADDRESS;
    errval_t err = rxbufs_alloc(s);
    if (err_is_fail(err))
        return err;
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, s->q->ip);
    ip4_addr_set_u32(&mask, s->q->netmask);
    ip4_addr_set_u32(&gw, s->q->gateway);
    if (netif_add(&s->netif, &ip, &mask, &gw, s, net_netif_init, ethernet_input) == NULL)
        return NET_ERR_NETIF;
    netif_set_up(&s->netif);
    netif_set_link_up(&s->netif);
    return SYS_ERR_OK;
}

void net_netif_open_failed(struct net_stack *s) { stack_free(s); }

void net_netif_close(struct net_stack *s)
{
    // Aborts the TCP connections on its address: their buffers come back.
    net_netif_removing = true;
    netif_remove(&s->netif);
    net_netif_removing = false;
    net_rx_return_flush(s);
    net_flush(s);
    s->closing = true;
    if (s->rx_held == 0)
        stack_destroy(s);
}
