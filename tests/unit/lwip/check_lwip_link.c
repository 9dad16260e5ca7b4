/* tests/unit/lwip/check_lwip_link.c: the lwIP port (start-up, input, routing), ARP, ICMP echo. */
#include "lwip/etharp.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "sim.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

static uint32_t zero_clock(void) { return 0; }

// Runs before any fixture has started lwIP (the first test case).
START_TEST(test_init_refuses_missing_hooks)
{
    struct lwip_port_hooks no_random = {.now_ms = zero_clock};
    struct lwip_port_hooks no_clock = {.random32 = zero_clock};
    ck_assert_uint_eq(lwip_port_init(NULL), LWIP_ERR_NO_CLOCK);
    ck_assert_uint_eq(lwip_port_init(&no_clock), LWIP_ERR_NO_CLOCK);
    ck_assert_uint_eq(lwip_port_init(&no_random), LWIP_ERR_NO_RANDOM);
    sim_setup(); // starts lwIP
    struct lwip_port_hooks both = {.now_ms = zero_clock, .random32 = zero_clock};
    ck_assert_uint_eq(lwip_port_init(&both), LWIP_ERR_ALREADY_INIT);
    sim_peer_ping(SIM_B, 1, 1, 8); // the stack runs on the first hooks
    sim_teardown();
}
END_TEST

// ---- lwip_port_input ----

static unsigned sink_count;
static size_t sink_len;

static void sink_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port)
{
    sink_count++;
    sink_len = p->tot_len;
    pbuf_free(p);
}

START_TEST(test_input_bad_arguments)
{
    struct sim_usage before = sim_usage();
    struct pbuf *p = pbuf_alloc(PBUF_RAW, 60, PBUF_POOL);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(lwip_port_input(NULL, p), SYS_ERR_INVALID_ARGS); // p is freed
    ck_assert_uint_eq(lwip_port_input(&SIM_B->netif, NULL), SYS_ERR_INVALID_ARGS);
    netif_input_fn input = SIM_B->netif.input;
    SIM_B->netif.input = NULL;
    p = pbuf_alloc(PBUF_RAW, 60, PBUF_POOL);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(lwip_port_input(&SIM_B->netif, p), SYS_ERR_INVALID_ARGS);
    SIM_B->netif.input = input;
    sim_assert_usage(&before);
}
END_TEST

START_TEST(test_input_frame_length_limit)
{
    static uint8_t data[9000], frame[9100];
    struct udp_pcb *pcb = udp_new();
    ck_assert_int_eq(udp_bind(pcb, &SIM_B->netif.ip_addr, 9), ERR_OK);
    udp_recv(pcb, sink_recv, NULL);
    struct sim_usage before = sim_usage();
    STAT_COUNTER lenerr = lwip_stats.link.lenerr, drop = lwip_stats.link.drop;

    // MTU 1500: a 1514-byte frame is the longest accepted.
    size_t n = build_udp(frame, &sim.peer, 5000, &SIM_B->ep, 9, data, 1472);
    ck_assert_uint_eq(n, 1514);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    ck_assert_uint_eq(sink_count, 1);
    ck_assert_uint_eq(sink_len, 1472);

    // One byte more (a well-formed datagram all the same), and a jumbo frame.
    n = build_udp(frame, &sim.peer, 5000, &SIM_B->ep, 9, data, 1473);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), LWIP_ERR_FRAME_TOO_LONG);
    n = build_udp(frame, &sim.peer, 5000, &SIM_B->ep, 9, data, 8972);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), LWIP_ERR_FRAME_TOO_LONG);
    ck_assert_uint_eq(sink_count, 1);
    ck_assert_uint_eq(lwip_stats.link.lenerr, lenerr + 2);
    ck_assert_uint_eq(lwip_stats.link.drop, drop + 2);
    sim_assert_usage(&before);
    udp_remove(pcb);
}
END_TEST

static err_t refuse_input(struct pbuf *p, struct netif *netif) { return ERR_VAL; }

START_TEST(test_input_refused_is_counted_and_freed)
{
    uint8_t frame[128];
    struct sim_usage before = sim_usage();
    STAT_COUNTER drop = lwip_stats.link.drop, recv = lwip_stats.link.recv;
    netif_input_fn input = SIM_B->netif.input;
    SIM_B->netif.input = refuse_input;
    size_t n = build_icmp_echo(frame, &sim.peer, &SIM_B->ep, 1, 1, "x", 1);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), LWIP_ERR_INPUT_REFUSED);
    SIM_B->netif.input = input;
    ck_assert_uint_eq(lwip_stats.link.drop, drop + 1);
    ck_assert_uint_eq(lwip_stats.link.recv, recv + 1);
    sim_assert_usage(&before);
}
END_TEST

// ---- ARP ----

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6] = {0};

static ip4_addr_t ip_of(uint32_t host_order)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(host_order));
    return a;
}

// The MAC that netif's ARP table holds for ip, or NULL.
static const uint8_t *arp_lookup(struct sim_host *h, uint32_t ip)
{
    struct eth_addr *eth;
    const ip4_addr_t *found;
    ip4_addr_t a = ip_of(ip);
    if (etharp_find_addr(&h->netif, &a, &eth, &found) < 0)
        return NULL;
    return eth->addr;
}

START_TEST(test_arp_announces_on_link_up)
{
    netif_set_link_down(&SIM_B->netif);
    netif_set_link_up(&SIM_B->netif);
    sim_run();
    struct sim_frame *f = sim_peer_recv();
    struct parsed r;
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    ck_assert_mem_eq(r.dst, broadcast, 6);
    ck_assert_uint_eq(r.arp_op, 1);
    ck_assert_mem_eq(r.arp_sha, SIM_B->ep.mac, 6);
    ck_assert_uint_eq(r.arp_spa, SIM_B->ep.ip);
    ck_assert_uint_eq(r.arp_tpa, SIM_B->ep.ip);
    free(f);
    ck_assert_ptr_null(sim_peer_recv());
}
END_TEST

START_TEST(test_arp_resolves_between_hosts)
{
    ip4_addr_t b = ip_of(SIM_B->ep.ip);
    STAT_COUNTER xmit = lwip_stats.etharp.xmit;
    ck_assert_ptr_null(arp_lookup(SIM_A, SIM_B->ep.ip));
    ck_assert_int_eq(etharp_query(&SIM_A->netif, &b, NULL), ERR_OK);
    sim_run();

    const uint8_t *mac = arp_lookup(SIM_A, SIM_B->ep.ip);
    ck_assert_ptr_nonnull(mac);
    ck_assert_mem_eq(mac, SIM_B->ep.mac, 6);
    // B learnt A from the request addressed to it (RFC 826 merge).
    mac = arp_lookup(SIM_B, SIM_A->ep.ip);
    ck_assert_ptr_nonnull(mac);
    ck_assert_mem_eq(mac, SIM_A->ep.mac, 6);
    ck_assert_uint_eq(lwip_stats.etharp.xmit, xmit + 2); // request and reply

    // The peer saw the broadcast request, and not the unicast reply.
    struct sim_frame *f = sim_peer_recv();
    struct parsed r;
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    ck_assert_mem_eq(r.dst, broadcast, 6);
    ck_assert_mem_eq(r.src, SIM_A->ep.mac, 6);
    ck_assert_uint_eq(r.type, ETYPE_ARP);
    ck_assert_uint_eq(r.arp_op, 1);
    ck_assert_mem_eq(r.arp_sha, SIM_A->ep.mac, 6);
    ck_assert_uint_eq(r.arp_spa, SIM_A->ep.ip);
    ck_assert_uint_eq(r.arp_tpa, SIM_B->ep.ip);
    free(f);
    ck_assert_ptr_null(sim_peer_recv());
}
END_TEST

START_TEST(test_arp_answers_the_peer)
{
    uint8_t frame[64];
    size_t n = build_arp(frame, 1, &sim.peer, broadcast, zero_mac, SIM_B->ep.ip);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    sim_run();
    struct sim_frame *f = sim_peer_recv();
    struct parsed r;
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    ck_assert_mem_eq(r.dst, sim.peer.mac, 6);
    ck_assert_mem_eq(r.src, SIM_B->ep.mac, 6);
    ck_assert_uint_eq(r.arp_op, 2);
    ck_assert_mem_eq(r.arp_sha, SIM_B->ep.mac, 6);
    ck_assert_uint_eq(r.arp_spa, SIM_B->ep.ip);
    ck_assert_mem_eq(r.arp_tha, sim.peer.mac, 6);
    ck_assert_uint_eq(r.arp_tpa, sim.peer.ip);
    free(f);
    // Only B answers: A is not the target.
    ck_assert_ptr_null(sim_peer_recv());
}
END_TEST

START_TEST(test_arp_ignores_other_targets)
{
    uint8_t frame[64];
    size_t n = build_arp(frame, 1, &sim.peer, broadcast, zero_mac, 0x0a000077);
    ck_assert_uint_eq(sim_inject(SIM_A, frame, n), SYS_ERR_OK);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    sim_run();
    ck_assert_ptr_null(sim_peer_recv());
    // Not addressed to them: neither host adds the sender (RFC 826 adds
    // only when it is the target).
    ck_assert_ptr_null(arp_lookup(SIM_A, sim.peer.ip));
    ck_assert_ptr_null(arp_lookup(SIM_B, sim.peer.ip));
}
END_TEST

// ARP ageing runs on lwIP's timers, that is on sys_now: the port's clock.
START_TEST(test_arp_entry_ages_out)
{
    ip4_addr_t b = ip_of(SIM_B->ep.ip);
    ck_assert_int_eq(etharp_query(&SIM_A->netif, &b, NULL), ERR_OK);
    sim_run();
    ck_assert_ptr_nonnull(arp_lookup(SIM_A, SIM_B->ep.ip));
    sim_advance((ARP_MAXAGE - 5) * ARP_TMR_INTERVAL);
    ck_assert_ptr_nonnull(arp_lookup(SIM_A, SIM_B->ep.ip));
    sim_advance(10 * ARP_TMR_INTERVAL);
    ck_assert_ptr_null(arp_lookup(SIM_A, SIM_B->ep.ip));
}
END_TEST

// ---- ICMP echo ----

// The first request waits in B's ARP queue until the peer's MAC is known.
START_TEST(test_icmp_echo_waits_for_arp)
{
    uint8_t frame[128];
    struct parsed r;
    size_t n = build_icmp_echo(frame, &sim.peer, &SIM_B->ep, 0x1234, 7, "abcdefgh", 8);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    sim_run();
    struct sim_frame *f = sim_peer_recv();
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    ck_assert_uint_eq(r.type, ETYPE_ARP);
    ck_assert_uint_eq(r.arp_op, 1);
    ck_assert_uint_eq(r.arp_spa, SIM_B->ep.ip);
    ck_assert_uint_eq(r.arp_tpa, sim.peer.ip);
    ck_assert(sim_peer_answer_arp(&r));
    free(f);
    ck_assert_ptr_null(sim_peer_recv());

    sim_run();
    f = sim_peer_recv();
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    ck_assert_uint_eq(r.proto, PROTO_ICMP);
    ck_assert_uint_eq(r.icmp_type, 0);
    ck_assert_uint_eq(r.sport, 0x1234);
    ck_assert_uint_eq(r.dport, 7);
    ck_assert_uint_eq(r.data_len, 8);
    ck_assert_mem_eq(r.data, "abcdefgh", 8);
    free(f);
}
END_TEST

START_TEST(test_icmp_echo_sizes)
{
    static const size_t sizes[] = {0, 1, 2, 55, 56, 57, 1000, 1471, 1472};
    STAT_COUNTER recv = lwip_stats.icmp.recv, xmit = lwip_stats.icmp.xmit;
    struct sim_usage before = sim_usage();
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned ttl = sim_peer_ping(SIM_B, 42, (uint16_t)i, sizes[i]);
        ck_assert_uint_eq(ttl, ICMP_TTL);
    }
    ck_assert_uint_eq(lwip_stats.icmp.recv, recv + 9);
    ck_assert_uint_eq(lwip_stats.icmp.xmit, xmit + 9);
    ck_assert_uint_eq(lwip_stats.icmp.drop, 0);
    sim_assert_usage(&before);
}
END_TEST

// ---- Source routing (lwip_port_route_src) ----

// A and B share a subnet, so routing by destination alone would send
// both hosts' datagrams to the peer through the same netif. Each must
// leave through the netif that owns its source address.
static void send_from(const ip_addr_t *src)
{
    struct udp_pcb *pcb = udp_new();
    ck_assert_int_eq(udp_bind(pcb, src, 4000), ERR_OK);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);
    ck_assert_int_eq(pbuf_take(p, "ping", 4), ERR_OK);
    ip4_addr_t peer = ip_of(sim.peer.ip);
    ck_assert_int_eq(udp_sendto(pcb, p, &peer, 7), ERR_OK);
    pbuf_free(p);
    udp_remove(pcb);
}

// The datagram the peer gets next (answering ARP on the way) came from h.
static void expect_datagram_from(const struct sim_host *h)
{
    struct parsed r;
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(r.proto, PROTO_UDP);
    ck_assert_mem_eq(r.src, h->ep.mac, 6);
    ck_assert_uint_eq(r.ip_src, h->ep.ip);
    ck_assert_uint_eq(r.data_len, 4);
    free(f);
}

START_TEST(test_source_address_picks_the_netif)
{
    send_from(&SIM_A->netif.ip_addr);
    expect_datagram_from(SIM_A);
    send_from(&SIM_B->netif.ip_addr);
    expect_datagram_from(SIM_B);
    send_from(&SIM_A->netif.ip_addr);
    expect_datagram_from(SIM_A);
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("lwip_link");
    TCase *tc = tcase_create("port_init");
    tcase_add_test(tc, test_init_refuses_missing_hooks);
    suite_add_tcase(s, tc);

    tc = tcase_create("port_input");
    tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
    tcase_add_test(tc, test_input_bad_arguments);
    tcase_add_test(tc, test_input_frame_length_limit);
    tcase_add_test(tc, test_input_refused_is_counted_and_freed);
    tcase_add_test(tc, test_source_address_picks_the_netif);
    suite_add_tcase(s, tc);

    tc = tcase_create("arp");
    tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
    tcase_add_test(tc, test_arp_announces_on_link_up);
    tcase_add_test(tc, test_arp_resolves_between_hosts);
    tcase_add_test(tc, test_arp_answers_the_peer);
    tcase_add_test(tc, test_arp_ignores_other_targets);
    tcase_add_test(tc, test_arp_entry_ages_out);
    suite_add_tcase(s, tc);

    tc = tcase_create("icmp");
    tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
    tcase_add_test(tc, test_icmp_echo_waits_for_arp);
    tcase_add_test(tc, test_icmp_echo_sizes);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(link_suite)
