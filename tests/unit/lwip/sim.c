/* tests/unit/lwip/sim.c: the simulated Ethernet segment, fake clock and peer of the lwIP tests. */
#include "sim.h"

#include "lwip/etharp.h"
#include "lwip/memp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "netif/ethernet.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct sim sim;
uint32_t sim_now_ms = 1000;
uint32_t sim_next_random;

static uint32_t fake_now(void) { return sim_now_ms; }

// xorshift64*: deterministic, so every run sends the same frames.
static uint32_t fake_random(void)
{
    static uint64_t s = 0x9e3779b97f4a7c15u;
    if (sim_next_random != 0) {
        uint32_t v = sim_next_random;
        sim_next_random = 0;
        return v;
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return (uint32_t)((s * 0x2545f4914f6cdd1du) >> 32);
}

void sim_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + (uint32_t)len + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static void list_append(struct sim_frame **head, struct sim_frame **tail, struct sim_frame *f)
{
    f->next = NULL;
    if (*tail != NULL)
        (*tail)->next = f;
    else
        *head = f;
    *tail = f;
}

static struct sim_frame *list_pop(struct sim_frame **head, struct sim_frame **tail)
{
    struct sim_frame *f = *head;
    if (f != NULL) {
        *head = f->next;
        if (*head == NULL)
            *tail = NULL;
    }
    return f;
}

static void list_free(struct sim_frame **head, struct sim_frame **tail)
{
    struct sim_frame *f;
    while ((f = list_pop(head, tail)) != NULL)
        free(f);
}

// A netif's driver: copy the frame onto the wire. Delivery waits for
// sim_run, as it would on a real link: lwIP is not re-entered from here.
static err_t sim_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct sim_host *h = netif->state;
    struct sim_frame *f = malloc(sizeof(*f) + p->tot_len);
    ck_assert_ptr_nonnull(f);
    f->from = (int)(h - sim.host);
    f->len = p->tot_len;
    ck_assert_uint_eq(pbuf_copy_partial(p, f->data, p->tot_len, 0), p->tot_len);
    if (f->len > sim.longest)
        sim.longest = f->len;
    list_append(&sim.wire_head, &sim.wire_tail, f);
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

static err_t sim_netif_init(struct netif *netif)
{
    struct sim_host *h = netif->state;
    netif->name[0] = 's';
    netif->name[1] = (char)('a' + (h - sim.host));
    netif->output = etharp_output;
    netif->linkoutput = sim_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, h->ep.mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

static void endpoint_init(struct endpoint *ep, uint8_t n)
{
    static const uint8_t base[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x00};
    memcpy(ep->mac, base, 6);
    ep->mac[5] = n;
    ep->ip = 0x0a000000u | n;
}

void sim_setup(void)
{
    static bool started;
    if (!started) {
        struct lwip_port_hooks hooks = {.now_ms = fake_now, .random32 = fake_random};
        errval_t err = lwip_port_init(&hooks);
        ck_assert_msg(err_is_ok(err), "lwip_port_init: %s", err_name(err));
        started = true;
    }
    memset(&sim, 0, sizeof(sim));
    for (uint8_t i = 0; i < 2; i++) {
        struct sim_host *h = &sim.host[i];
        ip4_addr_t ip, mask, gw;
        endpoint_init(&h->ep, (uint8_t)(i + 1));
        ip4_addr_set_u32(&ip, lwip_htonl(h->ep.ip));
        IP4_ADDR(&mask, 255, 255, 255, 0);
        ip4_addr_set_zero(&gw);
        ck_assert_ptr_nonnull(
            netif_add(&h->netif, &ip, &mask, &gw, h, sim_netif_init, ethernet_input));
        netif_set_up(&h->netif);
        netif_set_link_up(&h->netif);
    }
    endpoint_init(&sim.peer, 9);
    // Bringing a link up announces the address (a gratuitous ARP
    // request, RFC 5227): tests start after that.
    sim_run();
    sim_peer_flush();
}

void sim_teardown(void)
{
    netif_remove(&SIM_A->netif);
    netif_remove(&SIM_B->netif);
    list_free(&sim.wire_head, &sim.wire_tail);
    list_free(&sim.inbox_head, &sim.inbox_tail);
}

errval_t sim_inject(struct sim_host *h, const void *frame, size_t len)
{
    ck_assert_uint_le(len, 0xffff);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    ck_assert_msg(p != NULL, "receive pool exhausted (%u in use)",
                  (unsigned)lwip_stats.memp[MEMP_PBUF_POOL]->used);
    ck_assert_int_eq(pbuf_take(p, frame, (u16_t)len), ERR_OK);
    return lwip_port_input(&h->netif, p);
}

// Switch a frame: to the station with its destination MAC, or to every
// other station for a group (broadcast or multicast) address.
static void deliver(struct sim_frame *f)
{
    bool group = f->data[0] & 1, taken = false;
    for (int i = 0; i < 2; i++) {
        if (i != f->from && (group || memcmp(f->data, sim.host[i].ep.mac, 6) == 0)) {
            // lwIP never sends what lwip_port_input would refuse.
            errval_t err = sim_inject(&sim.host[i], f->data, f->len);
            ck_assert_msg(err_is_ok(err), "delivery: %s", err_name(err));
            taken = true;
        }
    }
    sim.delivered++;
    if (f->from >= 0 && (group || memcmp(f->data, sim.peer.mac, 6) == 0)) {
        list_append(&sim.inbox_head, &sim.inbox_tail, f);
        return;
    }
    if (!taken)
        sim.unknown_dst++;
    free(f);
}

unsigned sim_run(void)
{
    unsigned n = 0;
    struct sim_frame *f;
    while ((f = list_pop(&sim.wire_head, &sim.wire_tail)) != NULL) {
        ck_assert_msg(++n < 1000000, "the wire never goes quiet");
        if (sim.drop != NULL && sim.drop(f, sim.drop_arg)) {
            sim.dropped++;
            free(f);
            continue;
        }
        deliver(f);
    }
    return n;
}

bool sim_run_until(bool (*done)(void *), void *arg, uint32_t max_ms)
{
    uint32_t start = sim_now_ms;
    for (;;) {
        sim_run();
        sys_check_timeouts();
        sim_run();
        if (done != NULL && done(arg))
            return true;
        uint32_t elapsed = sim_now_ms - start;
        if (elapsed >= max_ms)
            return false;
        // Jump straight to the next timeout: nothing happens in between.
        uint32_t step = sys_timeouts_sleeptime();
        if (step == 0)
            step = 1;
        if (step > max_ms - elapsed)
            step = max_ms - elapsed;
        sim_now_ms += step;
    }
}

void sim_advance(uint32_t ms) { sim_run_until(NULL, NULL, ms); }

struct sim_frame *sim_peer_recv(void) { return list_pop(&sim.inbox_head, &sim.inbox_tail); }

unsigned sim_peer_flush(void)
{
    unsigned n = 0;
    struct sim_frame *f;
    while ((f = sim_peer_recv()) != NULL) {
        free(f);
        n++;
    }
    return n;
}

bool sim_peer_answer_arp(const struct parsed *r)
{
    uint8_t frame[64];
    if (r->type != ETYPE_ARP || r->arp_op != 1 || r->arp_tpa != sim.peer.ip)
        return false;
    for (int i = 0; i < 2; i++) {
        if (memcmp(r->src, sim.host[i].ep.mac, 6) == 0) {
            size_t n = build_arp(frame, 2, &sim.peer, r->src, r->arp_sha, r->arp_spa);
            ck_assert(err_is_ok(sim_inject(&sim.host[i], frame, n)));
            return true;
        }
    }
    ck_abort_msg("an ARP request from an unknown station");
    return false;
}

struct sim_frame *sim_peer_await(struct parsed *r)
{
    for (int round = 0; round < 3; round++) {
        sim_run();
        struct sim_frame *f;
        while ((f = sim_peer_recv()) != NULL) {
            const char *why = parse_frame(f->data, f->len, r);
            ck_assert_msg(why == NULL, "the peer got a bad frame: %s", why);
            if (!sim_peer_answer_arp(r))
                return f;
            free(f);
        }
    }
    return NULL;
}

// The reply to the peer's datagram or echo request went back the way it came.
static void check_reply(const struct sim_host *h, const struct parsed *r, uint8_t proto,
                        const uint8_t *data, size_t len)
{
    ck_assert_mem_eq(r->dst, sim.peer.mac, 6);
    ck_assert_mem_eq(r->src, h->ep.mac, 6);
    ck_assert_uint_eq(r->ip_src, h->ep.ip);
    ck_assert_uint_eq(r->ip_dst, sim.peer.ip);
    ck_assert_uint_eq(r->proto, proto);
    ck_assert_uint_eq(r->data_len, len);
    ck_assert(len == 0 || memcmp(r->data, data, len) == 0);
}

unsigned sim_peer_ping(struct sim_host *h, uint16_t id, uint16_t seq, size_t len)
{
    static uint8_t payload[1500], frame[1600];
    struct parsed r;
    ck_assert_uint_le(len, 1472);
    sim_fill(payload, len, (uint32_t)id << 16 | seq);
    size_t n = build_icmp_echo(frame, &sim.peer, &h->ep, id, seq, payload, len);
    ck_assert(err_is_ok(sim_inject(h, frame, n)));
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_msg(f != NULL, "no echo reply from %c%c", h->netif.name[0], h->netif.name[1]);
    check_reply(h, &r, PROTO_ICMP, payload, len);
    ck_assert_uint_eq(r.icmp_type, 0);
    ck_assert_uint_eq(r.sport, id);
    ck_assert_uint_eq(r.dport, seq);
    unsigned ttl = r.ttl;
    free(f);
    return ttl;
}

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
    ck_assert_int_eq(udp_sendto(pcb, p, addr, port), ERR_OK);
    pbuf_free(p);
}

struct udp_pcb *sim_udp_echo_start(struct sim_host *h, uint16_t port)
{
    struct udp_pcb *pcb = udp_new();
    ck_assert_ptr_nonnull(pcb);
    ck_assert_int_eq(udp_bind(pcb, &h->netif.ip_addr, port), ERR_OK);
    udp_recv(pcb, udp_echo_recv, NULL);
    return pcb;
}

void sim_peer_udp_echo(struct sim_host *h, uint16_t port, size_t len)
{
    static uint8_t payload[1500], frame[1600];
    struct parsed r;
    ck_assert_uint_le(len, 1472);
    sim_fill(payload, len, port + len);
    size_t n = build_udp(frame, &sim.peer, 33333, &h->ep, port, payload, len);
    ck_assert(err_is_ok(sim_inject(h, frame, n)));
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_msg(f != NULL, "no UDP echo from %c%c", h->netif.name[0], h->netif.name[1]);
    check_reply(h, &r, PROTO_UDP, payload, len);
    ck_assert_uint_eq(r.sport, port);
    ck_assert_uint_eq(r.dport, 33333);
    free(f);
}

struct sim_usage sim_usage(void)
{
    struct stats_mem **m = lwip_stats.memp;
    return (struct sim_usage){
        .pool = m[MEMP_PBUF_POOL]->used,
        .pbuf = m[MEMP_PBUF]->used,
        .seg = m[MEMP_TCP_SEG]->used,
        .tcp = m[MEMP_TCP_PCB]->used,
        .reass = m[MEMP_REASSDATA]->used,
        .arpq = m[MEMP_ARP_QUEUE]->used,
        .frag = m[MEMP_FRAG_PBUF]->used,
        .heap = lwip_stats.mem.used,
    };
}

void sim_assert_usage(const struct sim_usage *b)
{
    struct sim_usage n = sim_usage();
    ck_assert_uint_eq(n.pool, b->pool);
    ck_assert_uint_eq(n.pbuf, b->pbuf);
    ck_assert_uint_eq(n.seg, b->seg);
    ck_assert_uint_eq(n.tcp, b->tcp);
    ck_assert_uint_eq(n.reass, b->reass);
    ck_assert_uint_eq(n.arpq, b->arpq);
    ck_assert_uint_eq(n.frag, b->frag);
    ck_assert_uint_eq(n.heap, b->heap);
}
