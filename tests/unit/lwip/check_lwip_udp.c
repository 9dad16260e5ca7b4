/* tests/unit/lwip/check_lwip_udp.c: UDP echo between two lwIP netifs, every size, and fragmented.
 */
#include "lwip/ip4_frag.h"
#include "lwip/udp.h"
#include "sim.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define ECHO_PORT  7
#define MAX_DGRAM  65507 /* UDP's largest over IPv4: 45 fragments, within IP_REASS_MAX_PBUFS */
#define ARP_DGRAM  23672 /* the most ARP_QUEUE_LEN (16) fragments carry */
#define FRAME_OVER (HDR_ETH + HDR_IPV4 + HDR_UDP)

// What the client on A received.
static struct {
    uint8_t buf[MAX_DGRAM + 16];
    size_t len;
    unsigned count;
    ip_addr_t from;
    u16_t port;
} got;

static struct udp_pcb *server, *client;

static void client_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    got.count++;
    got.len = p->tot_len;
    ck_assert_uint_le(got.len, sizeof(got.buf));
    ck_assert_uint_eq(pbuf_copy_partial(p, got.buf, p->tot_len, 0), p->tot_len);
    ip_addr_copy(got.from, *addr);
    got.port = port;
    pbuf_free(p);
}

static void setup(void)
{
    sim_setup();
    // The echo server on B sends each datagram back in the pbuf it came
    // in, as a zero-copy libOS application would.
    server = sim_udp_echo_start(SIM_B, ECHO_PORT);
    client = udp_new();
    ck_assert_int_eq(udp_bind(client, &SIM_A->netif.ip_addr, 0), ERR_OK);
    udp_recv(client, client_recv, NULL);
    memset(&got, 0, sizeof(got));
}

static void teardown(void)
{
    udp_remove(server);
    udp_remove(client);
    sim_teardown();
}

// Send len bytes (pattern seed) from A to B's echo port and run the wire.
static void send_echo(size_t len, uint32_t seed)
{
    static uint8_t data[MAX_DGRAM + 16];
    sim_fill(data, len, seed);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(pbuf_take(p, data, (u16_t)len), ERR_OK);
    got.count = 0;
    ck_assert_int_eq(udp_sendto(client, p, &SIM_B->netif.ip_addr, ECHO_PORT), ERR_OK);
    pbuf_free(p);
    sim_run();
}

// The echo of send_echo(len, seed) came back intact, once, from B's port.
static void check_echo(size_t len, uint32_t seed)
{
    static uint8_t want[MAX_DGRAM + 16];
    sim_fill(want, len, seed);
    ck_assert_msg(got.count == 1, "size %zu: %u replies", len, got.count);
    ck_assert_msg(got.len == len, "size %zu: reply of %zu bytes", len, got.len);
    ck_assert_msg(memcmp(got.buf, want, len) == 0, "size %zu: reply differs", len);
    ck_assert(ip_addr_cmp(&got.from, &SIM_B->netif.ip_addr));
    ck_assert_uint_eq(got.port, ECHO_PORT);
}

START_TEST(test_udp_echo_every_size)
{
    struct sim_usage before = sim_usage();
    STAT_COUNTER xmit = lwip_stats.udp.xmit, frag = lwip_stats.ip_frag.xmit;
    for (size_t len = 1; len <= 1472; len++) {
        sim.longest = 0;
        send_echo(len, (uint32_t)len);
        check_echo(len, (uint32_t)len);
        // Unfragmented: one frame each way, exactly as long as it must be.
        ck_assert_uint_eq(sim.longest, FRAME_OVER + len);
    }
    ck_assert_uint_eq(lwip_stats.udp.xmit, xmit + 2 * 1472);
    ck_assert_uint_eq(lwip_stats.ip_frag.xmit, frag);
    ck_assert_uint_eq(lwip_stats.udp.drop, 0);
    ck_assert_uint_eq(sim.longest, ETH_MAX_FRAME);
    sim_assert_usage(&before);
}
END_TEST

START_TEST(test_udp_echo_fragmented)
{
    static const size_t sizes[] = {1473, 2952, 2953, 8000, 16000, ARP_DGRAM, 40000, MAX_DGRAM};
    struct sim_usage before = sim_usage();
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        STAT_COUNTER frags = lwip_stats.ip_frag.xmit;
        sim.longest = 0;
        send_echo(sizes[i], 1000 + i);
        check_echo(sizes[i], 1000 + i);
        ck_assert_uint_eq(sim.longest, ETH_MAX_FRAME);
        // Both ways, one fragment per 1480 bytes of IP payload.
        unsigned n = (unsigned)((sizes[i] + HDR_UDP + 1479) / 1480);
        ck_assert_uint_eq(lwip_stats.ip_frag.xmit, frags + 2 * n);
    }
    sim_assert_usage(&before);
}
END_TEST

// The first datagram to B waits for ARP in A's queue, every fragment of
// it (up to ARP_QUEUE_LEN fragments).
START_TEST(test_udp_large_datagram_waits_for_arp)
{
    send_echo(ARP_DGRAM, 5);
    check_echo(ARP_DGRAM, 5);
}
END_TEST

// One fragment more than reassembly holds (small fragments: a UDP
// datagram of 1480-byte ones never needs that many): the datagram is
// dropped and counted, its fragments are freed when reassembly times
// out (a failed datagram in the MIB2 counters), and UDP goes on working.
START_TEST(test_udp_too_many_fragments)
{
    static uint8_t frame[128];
    uint8_t udp[8 * (IP_REASS_MAX_PBUFS + 1)];
    struct sim_usage before = sim_usage();
    STAT_COUNTER drop = lwip_stats.ip_frag.drop, memerr = lwip_stats.ip_frag.memerr;
    u32_t fails = lwip_stats.mib2.ipreasmfails;
    send_echo(10, 6); // resolves ARP both ways
    check_echo(10, 6);
    sim_peer_flush();
    sim_fill(udp, sizeof(udp), 7);
    put16(udp, 5555);
    put16(udp + 2, ECHO_PORT);
    put16(udp + 4, sizeof(udp));
    put16(udp + 6, 0);
    for (unsigned i = 0; i <= IP_REASS_MAX_PBUFS; i++) {
        size_t n = build_ipv4(frame, &sim.peer, &SIM_B->ep, PROTO_UDP, udp + 8 * i, 8);
        put16(frame + HDR_ETH + 4, 99); // one datagram ID
        put16(frame + HDR_ETH + 6, (uint16_t)((i < IP_REASS_MAX_PBUFS ? 0x2000 : 0) | i));
        fix_ip_csum(frame);
        ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    }
    ck_assert_uint_eq(lwip_stats.ip_frag.memerr, memerr + 1);
    ck_assert_uint_eq(lwip_stats.ip_frag.drop, drop + 1);
    ck_assert_uint_eq(sim_peer_flush(), 0); // no echo
    sim_advance((IP_REASS_MAXAGE + 2) * IP_TMR_INTERVAL);
    ck_assert_uint_eq(lwip_stats.mib2.ipreasmfails, fails + 1);
    // ICMP time exceeded (the first fragment had come) after ARP for the peer.
    struct parsed r;
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(r.proto, PROTO_ICMP);
    ck_assert_uint_eq(r.icmp_type, 11);
    free(f);
    sim_assert_usage(&before);
    send_echo(100, 8);
    check_echo(100, 8);
}
END_TEST

// No socket on the port: ICMP port unreachable (RFC 1122 3.2.2.1),
// quoting the datagram's IP header and first 8 bytes.
START_TEST(test_udp_closed_port)
{
    static uint8_t frame[256];
    STAT_COUNTER proterr = lwip_stats.udp.proterr;
    size_t n = build_udp(frame, &sim.peer, 5555, &SIM_B->ep, 9, "hello", 5);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    struct parsed r;
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(r.proto, PROTO_ICMP);
    ck_assert_uint_eq(r.icmp_type, 3);
    ck_assert_uint_eq(r.l4[1], 3); // code: port unreachable
    ck_assert_mem_eq(r.data, frame + HDR_ETH, HDR_IPV4 + HDR_UDP);
    ck_assert_uint_eq(lwip_stats.udp.proterr, proterr + 1);
    free(f);
}
END_TEST

static Suite *udp_suite(void)
{
    Suite *s = suite_create("lwip_udp");
    TCase *tc = tcase_create("udp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_udp_echo_every_size);
    tcase_add_test(tc, test_udp_echo_fragmented);
    tcase_add_test(tc, test_udp_large_datagram_waits_for_arp);
    tcase_add_test(tc, test_udp_too_many_fragments);
    tcase_add_test(tc, test_udp_closed_port);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(udp_suite)
