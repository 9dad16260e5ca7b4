/* tests/unit/net/fixture.c: the network tests' two stacks on a simulated wire. */
#include "fixture.h"

#include "lwip/memp.h"
#include "lwip/stats.h"

#include <check.h>
#include <string.h>

struct fx fx;

struct net_config fx_config(void)
{
    struct net_config c;
    net_config_defaults(&c);
    c.spin_us = 0;
    return c;
}

static void start_once(void)
{
    static bool started;
    if (started)
        return;
    struct net_platform p = {.now_us = simq_clock, .random32 = simq_random};
    errval_t err = net_init(&p);
    // A test of net_init itself may have started it, with this platform.
    if (err_no(err) == NET_ERR_ALREADY_INIT && net_now_us() == simq_now_us)
        err = SYS_ERR_OK;
    ck_assert_msg(err_is_ok(err), "net_init: %s", err_name(err));
    started = true;
}

struct net_stack *fx_open(int i, const struct net_config *cfg)
{
    struct net_config c = fx_config();
    struct net_stack *s;
    fx.w->end[i].closed = false; // a queue opened again
    errval_t err = net_stack_open(&fx.w->end[i].q, cfg != NULL ? cfg : &c, &s);
    ck_assert_msg(err_is_ok(err), "net_stack_open: %s", err_name(err));
    return s;
}

static void endpoints(void)
{
    for (int i = 0; i < 2; i++) {
        struct endpoint *ep = i == 0 ? &fx.ep_a : &fx.ep_b;
        memcpy(ep->mac, fx.w->end[i].q.mac, 6);
        ep->ip = FX_IP_A + (uint32_t)i;
    }
}

void fx_setup(void)
{
    start_once();
    memset(&fx, 0, sizeof(fx));
    fx.w = simq_new();
    endpoints();
    fx.a = fx_open(0, NULL);
    fx.b = fx_open(1, NULL);
    fx_run(10000); // the gratuitous ARPs cross
}

void fx_setup_peer(void)
{
    start_once();
    memset(&fx, 0, sizeof(fx));
    fx.w = simq_new();
    endpoints();
    fx.w->end[0].raw = true;
    fx.b = fx_open(1, NULL);
    uint8_t buf[NETQ_BUF_BYTES];
    while (simq_raw_recv(&fx.w->end[0], buf, sizeof(buf)) != 0)
        ; // B's gratuitous ARP
}

// lwIP holds nothing: no connection (TIME_WAIT included), no datagram
// waiting for its fragments.
static bool quiet(void *arg)
{
    return lwip_stats.memp[MEMP_TCP_PCB]->used == 0 &&
           lwip_stats.memp[MEMP_TCP_PCB_LISTEN]->used == 0 &&
           lwip_stats.memp[MEMP_REASSDATA]->used == 0 && lwip_stats.memp[MEMP_PBUF_POOL]->used == 0;
}

void fx_teardown(void)
{
    for (int fd = NET_SOCK_FD_BASE; fd < NET_SOCK_FD_BASE + NET_SOCK_MAX; fd++)
        net_sock_close(fd); // EBADF for the ones not open
    // TIME_WAIT lasts 2 MSL (two minutes), reassembly 15 s.
    ck_assert_msg(fx_run_until(quiet, NULL, 300 * 1000000ull),
                  "lwIP still holds %u TCP PCBs, %u pool buffers",
                  (unsigned)lwip_stats.memp[MEMP_TCP_PCB]->used,
                  (unsigned)lwip_stats.memp[MEMP_PBUF_POOL]->used);
    struct net_stack *st[2] = {fx.a, fx.b};
    for (int i = 0; i < 2; i++) {
        if (st[i] == NULL)
            continue;
        struct net_stack_stats ss;
        net_stack_stats(st[i], &ss);
        ck_assert(err_is_ok(net_stack_close(st[i])));
        struct simq_end *e = &fx.w->end[i];
        ck_assert_msg(e->closed, "end %d: queue not closed (%u buffers lent)", i, ss.rx_held);
        ck_assert_uint_eq(simq_rx_out(e), 0);
        ck_assert_uint_le(simq_tx_out(e), ss.tx_spare);
        ck_assert_uint_eq(e->bad_returns, 0);
    }
    ck_assert_uint_eq(lwip_stats.memp[MEMP_UDP_PCB]->used, 0);
    ck_assert_uint_eq(lwip_stats.memp[MEMP_PBUF_POOL]->used, 0);
    simq_free(fx.w);
    fx.w = NULL;
}

bool fx_run_until(bool (*done)(void *), void *arg, uint64_t max_us)
{
    uint64_t start = simq_now_us;
    for (;;) {
        while (net_poll_all() > 0)
            ;
        if (done != NULL && done(arg))
            return true;
        if (simq_now_us - start >= max_us)
            return false;
        ck_assert(err_is_ok(net_wait_all(max_us - (simq_now_us - start))));
    }
}

void fx_run(uint64_t us) { fx_run_until(NULL, NULL, us); }

struct sockaddr_in fx_addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

int fx_socket(int type, uint32_t ip, uint16_t port)
{
    int fd = net_sock_socket(AF_INET, type, 0);
    ck_assert_int_ge(fd, NET_SOCK_FD_BASE);
    if (ip != 0 || port != 0) {
        struct sockaddr_in a = fx_addr(ip, port);
        ck_assert_int_eq(net_sock_bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    }
    return fd;
}

void fx_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + (uint32_t)len + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

bool fx_peer_take(struct parsed *r, uint8_t *buf)
{
    struct simq_end *a = &fx.w->end[0];
    for (;;) {
        uint16_t len = simq_raw_recv(a, buf, NETQ_BUF_BYTES);
        if (len == 0)
            return false;
        const char *why = parse_frame(buf, len, r);
        ck_assert_msg(why == NULL, "B sent a malformed frame: %s", why);
        if (r->type == ETYPE_ARP && r->arp_op == 1 && r->arp_tpa == fx.ep_a.ip) {
            uint8_t reply[64];
            size_t n = build_arp(reply, 2, &fx.ep_a, r->src, r->arp_sha, r->arp_spa);
            fx_peer_send(reply, n);
            continue;
        }
        if (r->type == ETYPE_ARP)
            continue; // announcements, replies to others
        return true;
    }
}

bool fx_peer_recv(struct parsed *r, uint8_t *buf)
{
    for (int tries = 0; tries < 100; tries++) {
        if (fx_peer_take(r, buf))
            return true;
        net_poll(fx.b);
    }
    return false;
}

void fx_peer_send(const void *frame, size_t len)
{
    simq_raw_send(&fx.w->end[0], frame, (uint16_t)len);
    net_poll(fx.b);
}
