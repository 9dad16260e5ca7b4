/* lib/os/net/native.c: the native zero-copy UDP API (Arrakis/N) beside lwIP on one queue. */
#include "net_priv.h"

#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/udp.h"

#include <os/probe.h>
#include <stdlib.h>
#include <string.h>

// Header offsets: IEEE 802.3 (Ethernet), RFC 791 3.1 (IPv4), RFC 768 (UDP).
#define OFF_ETH_TYPE     12
#define LEN_ETH          14
#define OFF_IP_VHL       0 // version 4, header length 5 words: 0x45
#define OFF_IP_LEN       2
#define OFF_IP_ID        4
#define OFF_IP_FRAG      6 // flags and fragment offset
#define OFF_IP_TTL       8
#define OFF_IP_PROTO     9
#define OFF_IP_CSUM      10
#define OFF_IP_SRC       12
#define OFF_IP_DST       16
#define LEN_IP           20
#define OFF_UDP_SPORT    0
#define OFF_UDP_DPORT    2
#define OFF_UDP_LEN      4
#define OFF_UDP_CSUM     6
#define LEN_UDP          8
#define ETYPE_IPV4_NUM   0x0800
#define PROTO_UDP_NUM    17
#define IP_MF_AND_OFFSET 0x3fff // the More Fragments flag and the offset
_Static_assert(LEN_ETH + LEN_IP + LEN_UDP == NET_UDP_HEADERS, "native headers");

enum { NET_DIR_RX = 1, NET_DIR_TX = 2 };

struct net_udp {
    struct net_stack *s;
    struct net_udp *next;
    uint16_t port;       // network order
    struct udp_pcb *pcb; // holds the port in lwIP
    struct net_udp_pkt *ring;
    unsigned cap, head;
    struct net_udp_stats st;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

// The one's-complement sum of the UDP pseudo-header (RFC 768), unfolded,
// in memory order like inet_chksum's.
static uint32_t pseudo_sum(const uint8_t *iph, uint16_t ulen)
{
    uint16_t w[4];
    memcpy(w, iph + OFF_IP_SRC, 8); // source and destination, as in memory
    return (uint32_t)w[0] + w[1] + w[2] + w[3] + lwip_htons(PROTO_UDP_NUM) + lwip_htons(ulen);
}

// The one's-complement sum of the UDP pseudo-header and the datagram,
// folded; 0xffff over a datagram with a correct checksum.
static uint16_t udp_sum(const uint8_t *iph, const uint8_t *udp, uint16_t ulen)
{
    return fold((uint16_t)~inet_chksum(udp, ulen) + pseudo_sum(iph, ulen));
}

static struct net_udp *find_port(struct net_stack *s, uint16_t port)
{
    for (struct net_udp *u = s->native; u != NULL; u = u->next) {
        if (u->port == port)
            return u;
    }
    return NULL;
}

static bool bit_get(const uint8_t *map, uint16_t i) { return map[i / 8] & (1u << (i % 8)); }
static void bit_set(uint8_t *map, uint16_t i, bool on)
{
    if (on)
        map[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

// Are the IPv4 header checksum and the UDP checksum (0: none sent) right?
static bool csum_good(const uint8_t *ip, const uint8_t *udp, uint16_t ulen)
{
    if (inet_chksum(ip, LEN_IP) != 0)
        return false;
    return rd16(udp + OFF_UDP_CSUM) == 0 || udp_sum(ip, udp, ulen) == 0xffff;
}

// An intact, unfragmented IPv4/UDP datagram without IP options for our
// address: its endpoint, or NULL (lwIP takes the frame and counts what is
// wrong with it). The checksums are checked here unless the device did
// (NETQ_RX_CSUM_GOOD: a frame it found bad never gets here).
static struct net_udp *classify(struct net_stack *s, const struct netq_pkt *pkt)
{
    const uint8_t *f = pkt->data, *ip = f + LEN_ETH, *udp = ip + LEN_IP;
    uint16_t len = pkt->len;
    if (len < NET_UDP_HEADERS || rd16(f + OFF_ETH_TYPE) != ETYPE_IPV4_NUM ||
        ip[OFF_IP_VHL] != 0x45 || ip[OFF_IP_PROTO] != PROTO_UDP_NUM ||
        (rd16(ip + OFF_IP_FRAG) & IP_MF_AND_OFFSET) != 0 ||
        memcmp(ip + OFF_IP_DST, &s->q->ip, 4) != 0)
        return NULL;
    uint16_t port;
    memcpy(&port, udp + OFF_UDP_DPORT, 2);
    struct net_udp *u = find_port(s, port);
    if (u == NULL)
        return NULL;
    uint16_t total = rd16(ip + OFF_IP_LEN), ulen = rd16(udp + OFF_UDP_LEN);
    if (total < LEN_IP + LEN_UDP || total > len - LEN_ETH || ulen != total - LEN_IP)
        return NULL;
    if (!(pkt->flags & NETQ_RX_CSUM_GOOD) && !csum_good(ip, udp, ulen))
        return NULL;
    return u;
}

bool net_native_input(struct net_stack *s, const struct netq_pkt *pkt)
{
    uint8_t *f = pkt->data;
    struct net_udp *u = classify(s, pkt);
    if (u == NULL)
        return false;
    // Longer than an Ethernet frame can be (a queue that passes jumbo
    // frames): not a datagram the native API hands out.
    if (pkt->len > LEN_ETH + NETQ_MTU) {
        u->st.rx_oversize++;
        s->stats.native_oversize++;
        net_rx_return(s, pkt);
        return true;
    }
    if (u->st.queued == u->cap) {
        u->st.rx_ring_full++;
        s->stats.native_ring_full++;
        net_rx_return(s, pkt);
        return true;
    }
    struct net_udp_pkt *p = &u->ring[(u->head + u->st.queued++) % u->cap];
    const uint8_t *ip = f + LEN_ETH;
    p->buf = *pkt;
    p->data = f + NET_UDP_HEADERS;
    p->len = (uint16_t)(rd16(ip + OFF_IP_LEN) - LEN_IP - LEN_UDP);
    memcpy(&p->ip, ip + OFF_IP_SRC, 4);
    memcpy(&p->port, ip + LEN_IP + OFF_UDP_SPORT, 2);
    memcpy(p->mac, f + 6, 6);
    p->dir = NET_DIR_RX;
    u->st.rx++;
    u->st.rx_bytes += p->len;
    return true;
}

// What lwIP gets for the port: fragmented datagrams, reassembled, and
// datagrams with IP options. The native path takes single frames
// without options only (zero copy: a datagram is one queue buffer), so
// they are dropped here, counted.
static void reserved_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
    struct net_udp *u = arg;
    u->st.lwip_drops++;
    u->s->stats.native_not_one_frame++;
    pbuf_free(p);
}

// Has another stack of ours on s's address (a VNIC's second queue pair:
// vnic_open_queue1) a native endpoint on port? Then both take the port:
// each gets the datagrams its own queue receives.
static bool port_shared(const struct net_stack *s, uint16_t port)
{
    for (const struct net_stack *o = net_stacks; o != NULL; o = o->next) {
        if (o == s || !ip4_addr_cmp(netif_ip4_addr(&o->netif), netif_ip4_addr(&s->netif)))
            continue;
        for (const struct net_udp *u = o->native; u != NULL; u = u->next) {
            if (u->port == port) {
                ip_set_option(u->pcb, SOF_REUSEADDR); // lwIP wants it on both
                return true;
            }
        }
    }
    return false;
}

errval_t net_udp_open(struct net_stack *s, uint16_t port, unsigned ring, struct net_udp **out)
{
    if (s == NULL || port == 0 || ring == 0 || ring > 4096 || out == NULL)
        return SYS_ERR_INVALID_ARGS;
    struct net_udp *u = calloc(1, sizeof(*u));
    if (u != NULL)
        u->ring = calloc(ring, sizeof(*u->ring));
    if (u != NULL && u->ring != NULL)
        u->pcb = udp_new();
    if (u == NULL || u->ring == NULL || u->pcb == NULL) {
        if (u != NULL)
            free(u->ring);
        free(u);
        return SYS_ERR_NO_MEMORY;
    }
    if (port_shared(s, port))
        ip_set_option(u->pcb, SOF_REUSEADDR); // the other endpoint still keeps sockets off it
    if (udp_bind(u->pcb, netif_ip_addr4(&s->netif), lwip_ntohs(port)) != ERR_OK) {
        udp_remove(u->pcb);
        free(u->ring);
        free(u);
        return NET_ERR_PORT_IN_USE;
    }
    udp_recv(u->pcb, reserved_recv, u);
    u->s = s;
    u->port = port;
    u->cap = ring;
    u->next = s->native;
    s->native = u;
    *out = u;
    return SYS_ERR_OK;
}

errval_t net_udp_close(struct net_udp *u)
{
    if (u == NULL)
        return SYS_ERR_INVALID_ARGS;
    if (u->st.held_rx > 0 || u->st.held_tx > 0)
        return NET_ERR_BUFFERS_HELD;
    struct net_stack *s = u->s;
    for (; u->st.queued > 0; u->st.queued--, u->head = (u->head + 1) % u->cap)
        net_rx_return(s, &u->ring[u->head].buf);
    net_rx_return_flush(s);
    for (struct net_udp **pp = &s->native; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    udp_remove(u->pcb);
    free(u->ring);
    free(u);
    return SYS_ERR_OK;
}

errval_t net_udp_recv(struct net_udp *u, struct net_udp_pkt *pkts, unsigned max, unsigned *n)
{
    if (u == NULL || n == NULL || (pkts == NULL && max > 0))
        return SYS_ERR_INVALID_ARGS;
    os_probe_push(OS_PROBE_API);
    if (u->st.queued == 0)
        net_poll(u->s);
    unsigned i = 0;
    for (; i < max && u->st.queued > 0; i++) {
        pkts[i] = u->ring[u->head];
        bit_set(u->s->native_rx_held, pkts[i].buf.buf, true);
        u->head = (u->head + 1) % u->cap;
        u->st.queued--;
        u->st.held_rx++;
    }
    *n = i;
    os_probe_pop_as(i ? OS_PROBE_API : OS_PROBE_WAIT);
    return SYS_ERR_OK;
}

// Is p a buffer the application holds (as handed out: dir and bitmap)?
static bool held(struct net_udp *u, const struct net_udp_pkt *p)
{
    if (p->dir == NET_DIR_RX)
        return u->st.held_rx > 0 && bit_get(u->s->native_rx_held, p->buf.buf);
    if (p->dir == NET_DIR_TX)
        return u->st.held_tx > 0 && bit_get(u->s->native_tx_held, p->buf.buf) &&
               p->data == (uint8_t *)p->buf.data + NET_UDP_HEADERS;
    return false;
}

errval_t net_udp_done(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n)
{
    if (u == NULL || (pkts == NULL && n > 0))
        return SYS_ERR_INVALID_ARGS;
    if (n == 0)
        return SYS_ERR_OK; // (an echo that sent all it took gives back no transmit buffer)
    struct net_stack *s = u->s;
    os_probe_push(OS_PROBE_API);
    for (unsigned i = 0; i < n; i++) {
        struct net_udp_pkt *p = &pkts[i];
        if (!held(u, p)) {
            os_probe_pop();
            return NET_ERR_NOT_HELD;
        }
        if (p->dir == NET_DIR_RX) {
            bit_set(s->native_rx_held, p->buf.buf, false);
            u->st.held_rx--;
            net_rx_return(s, &p->buf);
        } else {
            bit_set(s->native_tx_held, p->buf.buf, false);
            u->st.held_tx--;
            s->native_tx_out--;
            net_tx_spare(s, &p->buf); // room: alloc keeps out + spare within it
        }
        p->dir = 0;
    }
    net_rx_return_flush(s);
    os_probe_pop();
    return SYS_ERR_OK;
}

errval_t net_udp_alloc(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n, unsigned *got)
{
    if (u == NULL || got == NULL || (pkts == NULL && n > 0))
        return SYS_ERR_INVALID_ARGS;
    struct net_stack *s = u->s;
    unsigned i = 0;
    os_probe_push(OS_PROBE_API);
    // Every transmit buffer the application holds must fit the spare
    // list when given back unsent.
    for (; i < n && s->native_tx_out + s->n_tx_spare < NET_SPARE_MAX; i++) {
        struct netq_pkt b;
        if (err_is_fail(net_tx_buffer(s, &b)))
            break;
        memset(&pkts[i], 0, sizeof(pkts[i]));
        pkts[i].buf = b;
        pkts[i].data = (uint8_t *)b.data + NET_UDP_HEADERS;
        pkts[i].dir = NET_DIR_TX;
        bit_set(s->native_tx_held, b.buf, true);
        u->st.held_tx++;
        s->native_tx_out++;
    }
    *got = i;
    os_probe_pop();
    return i == 0 && n > 0 ? SYS_ERR_WOULD_BLOCK : SYS_ERR_OK;
}

// The next hop's MAC for p->ip: from lwIP's ARP table, the broadcast
// address, or the application's hint. SYS_ERR_NOT_FOUND when there is
// none, NET_ERR_NO_ROUTE when the stack cannot reach p->ip.
static MUST_CHECK errval_t next_hop_mac(struct net_stack *s, const struct net_udp_pkt *p,
                                        uint8_t mac[6])
{
    static const uint8_t zero[6];
    if (p->ip == 0xffffffffu) {
        memset(mac, 0xff, 6);
        return SYS_ERR_OK;
    }
    ip4_addr_t hop;
    if (((p->ip ^ s->q->ip) & s->q->netmask) == 0)
        ip4_addr_set_u32(&hop, p->ip);
    else if (s->q->gateway != 0)
        ip4_addr_set_u32(&hop, s->q->gateway);
    else
        return NET_ERR_NO_ROUTE;
    // The entry of the last hop first: one entry checked (it may have
    // changed or gone since) instead of a walk of lwIP's table.
    struct eth_addr *eth;
    ip4_addr_t *eip;
    struct netif *enetif;
    if (etharp_get_entry(s->arp_hint, &eip, &enetif, &eth) && enetif == &s->netif &&
        ip4_addr_cmp(eip, &hop)) {
        memcpy(mac, eth->addr, 6);
        return SYS_ERR_OK;
    }
    const ip4_addr_t *entry;
    ssize_t i = etharp_find_addr(&s->netif, &hop, &eth, &entry);
    if (i >= 0) {
        s->arp_hint = (size_t)i;
        memcpy(mac, eth->addr, 6);
        return SYS_ERR_OK;
    }
    if (memcmp(p->mac, zero, 6) != 0) {
        memcpy(mac, p->mac, 6);
        return SYS_ERR_OK;
    }
    return SYS_ERR_NOT_FOUND;
}

// The checksums of the datagram at ip (the IPv4 header's and the UDP
// one, whose field is zero): by the device where the queue offers it
// (the UDP field then holds the pseudo-header's sum), else here.
static uint16_t write_csums(struct net_stack *s, uint8_t *ip, uint8_t *udp, uint16_t ulen)
{
    memset(ip + OFF_IP_CSUM, 0, 2);
    if (s->q->offloads & NETQ_TX_CSUM_IP4_UDP) {
        uint16_t seed = fold(pseudo_sum(ip, ulen));
        memcpy(udp + OFF_UDP_CSUM, &seed, 2);
        return NETQ_TX_CSUM_IP4_UDP;
    }
    uint16_t csum = inet_chksum(ip, LEN_IP);
    memcpy(ip + OFF_IP_CSUM, &csum, 2);
    csum = (uint16_t)~udp_sum(ip, udp, ulen);
    if (csum == 0)
        csum = 0xffff; // RFC 768: 0 would mean "no checksum"
    memcpy(udp + OFF_UDP_CSUM, &csum, 2);
    return 0;
}

static void build_headers(struct net_udp *u, struct net_udp_pkt *p, const uint8_t mac[6])
{
    struct net_stack *s = u->s;
    uint8_t *f = p->buf.data, *ip = f + LEN_ETH, *udp = ip + LEN_IP;
    uint16_t ulen = (uint16_t)(LEN_UDP + p->len);
    memcpy(f, mac, 6);
    memcpy(f + 6, s->q->mac, 6);
    wr16(f + OFF_ETH_TYPE, ETYPE_IPV4_NUM);
    ip[OFF_IP_VHL] = 0x45;
    ip[1] = 0;
    wr16(ip + OFF_IP_LEN, (uint16_t)(LEN_IP + ulen));
    wr16(ip + OFF_IP_ID, s->ip_id++);
    wr16(ip + OFF_IP_FRAG, 0);
    ip[OFF_IP_TTL] = 64;
    ip[OFF_IP_PROTO] = PROTO_UDP_NUM;
    memcpy(ip + OFF_IP_SRC, &s->q->ip, 4);
    memcpy(ip + OFF_IP_DST, &p->ip, 4);
    memcpy(udp + OFF_UDP_SPORT, &u->port, 2);
    memcpy(udp + OFF_UDP_DPORT, &p->port, 2);
    wr16(udp + OFF_UDP_LEN, ulen);
    p->buf.len = (uint16_t)(NET_UDP_HEADERS + p->len);
    memset(udp + OFF_UDP_CSUM, 0, 2);
    p->buf.flags = write_csums(s, ip, udp, ulen);
}

// The next hop is not resolved: lwIP sends a copy (and resolves it);
// the buffer is kept for reuse.
static MUST_CHECK errval_t send_via_lwip(struct net_udp *u, struct net_udp_pkt *p)
{
    struct pbuf *pb = pbuf_alloc(PBUF_TRANSPORT, p->len, PBUF_RAM);
    if (pb == NULL)
        return SYS_ERR_NO_MEMORY;
    memcpy(pb->payload, p->data, p->len);
    ip_addr_t dst;
    ip_addr_set_ip4_u32(&dst, p->ip);
    err_t e = udp_sendto(u->pcb, pb, &dst, lwip_ntohs(p->port));
    pbuf_free(pb);
    if (e == ERR_MEM || e == ERR_BUF)
        return SYS_ERR_NO_MEMORY;
    if (e != ERR_OK)
        return NET_ERR_NO_ROUTE;
    net_tx_spare(u->s, &p->buf);
    u->st.tx_via_lwip++;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t send_one(struct net_udp *u, struct net_udp_pkt *p)
{
    struct net_stack *s = u->s;
    if (p->dir != NET_DIR_TX || !held(u, p))
        return NET_ERR_NOT_HELD;
    if (p->len > NET_UDP_MAX_PAYLOAD)
        return NET_ERR_MSG_SIZE;
    uint8_t mac[6];
    errval_t err = next_hop_mac(s, p, mac);
    if (err_no(err) == SYS_ERR_NOT_FOUND)
        err = send_via_lwip(u, p);
    else if (err_is_ok(err)) {
        build_headers(u, p, mac);
        if (!net_tx_gather(s, &p->buf))
            return SYS_ERR_WOULD_BLOCK;
    }
    if (err_is_fail(err))
        return err;
    bit_set(s->native_tx_held, p->buf.buf, false);
    u->st.held_tx--;
    s->native_tx_out--;
    u->st.tx++;
    u->st.tx_bytes += p->len;
    p->dir = 0;
    return SYS_ERR_OK;
}

// Turn received frame p into its reply in place: back to the frame's
// sender (its MAC, address and port), from ours, p->len bytes of payload.
static void reply_headers(struct net_udp *u, struct net_udp_pkt *p)
{
    struct net_stack *s = u->s;
    uint8_t *f = p->buf.data, *ip = f + LEN_ETH, *udp = ip + LEN_IP;
    uint16_t ulen = (uint16_t)(LEN_UDP + p->len);
    memcpy(f, f + 6, 6);
    memcpy(f + 6, s->q->mac, 6);
    ip[1] = 0;
    wr16(ip + OFF_IP_LEN, (uint16_t)(LEN_IP + ulen));
    wr16(ip + OFF_IP_ID, s->ip_id++);
    wr16(ip + OFF_IP_FRAG, 0);
    ip[OFF_IP_TTL] = 64;
    memcpy(ip + OFF_IP_DST, ip + OFF_IP_SRC, 4);
    memcpy(ip + OFF_IP_SRC, &s->q->ip, 4);
    memcpy(udp + OFF_UDP_DPORT, udp + OFF_UDP_SPORT, 2);
    memcpy(udp + OFF_UDP_SPORT, &u->port, 2);
    wr16(udp + OFF_UDP_LEN, ulen);
    memset(udp + OFF_UDP_CSUM, 0, 2);
    p->buf.flags = write_csums(s, ip, udp, ulen);
    p->buf.len = (uint16_t)(NET_UDP_HEADERS + p->len);
}

// The reply in its own buffer where the queue takes received buffers for
// sending; else a copy in a transmit buffer, and the receive buffer goes
// back to the queue.
static MUST_CHECK errval_t reply_one(struct net_udp *u, struct net_udp_pkt *p)
{
    struct net_stack *s = u->s;
    if (p->dir != NET_DIR_RX || !held(u, p) || p->data != (uint8_t *)p->buf.data + NET_UDP_HEADERS)
        return SYS_ERR_INVALID_ARGS;
    if (p->len > NET_UDP_MAX_PAYLOAD)
        return NET_ERR_MSG_SIZE;
    // Room first: a packet refused must keep its headers (a second try
    // would swap them back).
    if (s->n_tx_pend >= s->cfg.tx_batch)
        net_flush(s);
    struct netq_pkt t = {0};
    if (s->n_tx_pend == NET_BATCH_MAX ||
        (!(s->q->offloads & NETQ_TX_RX_BUF) && err_is_fail(net_tx_buffer(s, &t))))
        return SYS_ERR_WOULD_BLOCK;
    reply_headers(u, p);
    if (t.data == NULL) {
        (void)net_tx_gather(s, &p->buf); // (room was made above)
    } else {
        os_probe_push(OS_PROBE_COPY_OUT);
        memcpy(t.data, p->buf.data, p->buf.len);
        os_probe_pop();
        t.len = p->buf.len;
        t.flags = p->buf.flags;
        (void)net_tx_gather(s, &t); // (room was made above)
        net_rx_return(s, &p->buf);
    }
    bit_set(s->native_rx_held, p->buf.buf, false);
    u->st.held_rx--;
    u->st.tx++;
    u->st.tx_bytes += p->len;
    p->dir = 0;
    return SYS_ERR_OK;
}

// pkts[0..n) through one (send_one, reply_one) until one fails, then the
// batch out with one doorbell (and, for replies, the receive buffers the
// copy fallback gave back).
static MUST_CHECK errval_t each(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n,
                                unsigned *sent,
                                errval_t (*one)(struct net_udp *, struct net_udp_pkt *))
{
    if (u == NULL || sent == NULL || (pkts == NULL && n > 0))
        return SYS_ERR_INVALID_ARGS;
    errval_t err = SYS_ERR_OK;
    unsigned i = 0;
    os_probe_push(OS_PROBE_STACK_OUT);
    for (; i < n; i++) {
        err = one(u, &pkts[i]);
        if (err_is_fail(err))
            break;
    }
    *sent = i;
    net_flush(u->s);
    if (one == reply_one)
        net_rx_return_flush(u->s);
    os_probe_pop();
    return err;
}

errval_t net_udp_send(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n, unsigned *sent)
{
    return each(u, pkts, n, sent, send_one);
}

errval_t net_udp_reply(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n, unsigned *sent)
{
    return each(u, pkts, n, sent, reply_one);
}

void net_udp_stats(struct net_udp *u, struct net_udp_stats *out) { *out = u->st; }
