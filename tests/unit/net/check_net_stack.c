/* tests/unit/net/check_net_stack.c: the netif glue: start-up, ARP and ping, batching, zero copy,
 * waiting. */
#include "fixture.h"

#include "lwip/stats.h"

#include <check.h>
#include <errno.h>
#include <net/native.h>
#include <string.h>
#include <unit.h>

// Runs first (its own process, or before any fixture without fork).
START_TEST(test_init_errors)
{
    struct net_platform none = {0}, clock_only = {.now_us = simq_clock};
    struct net_platform ok = {.now_us = simq_clock, .random32 = simq_random};
    struct simq_wire *w = simq_new();
    struct net_stack *s;
    if (net_now_us() == 0) {
        ck_assert_uint_eq(err_no(net_stack_open(&w->end[0].q, NULL, &s)), NET_ERR_NOT_INIT);
        ck_assert_int_eq(net_sock_socket(AF_INET, SOCK_DGRAM, 0), -1);
        ck_assert_int_eq(errno, ENETDOWN);
        ck_assert_uint_eq(err_no(net_init(NULL)), NET_ERR_NO_PLATFORM);
        ck_assert_uint_eq(err_no(net_init(&none)), NET_ERR_NO_PLATFORM);
        ck_assert_uint_eq(err_no(net_init(&clock_only)), NET_ERR_NO_PLATFORM);
        ck_assert(err_is_ok(net_init(&ok)));
    }
    ck_assert_uint_eq(err_no(net_init(&ok)), NET_ERR_ALREADY_INIT);
    ck_assert_uint_eq(net_now_us(), simq_now_us);
    simq_free(w);
}
END_TEST

START_TEST(test_open_errors)
{
    struct netq *q = &fx.w->end[0].q; // the peer's end: no stack on it
    struct net_stack *s;
    struct net_config c = fx_config();
    ck_assert_uint_eq(err_no(net_stack_open(NULL, NULL, &s)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_stack_open(q, NULL, NULL)), SYS_ERR_INVALID_ARGS);
    struct net_config bad[5] = {c, c, c, c, c};
    bad[0].rx_batch = 0;
    bad[1].rx_batch = NET_BATCH_MAX + 1;
    bad[2].tx_batch = 0;
    bad[3].rx_hold_max = 0;
    bad[4].rx_hold_max = 5000;
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(err_no(net_stack_open(q, &bad[i], &s)), NET_ERR_BAD_CONFIG);
    uint32_t ip = q->ip;
    q->ip = 0;
    ck_assert_uint_eq(err_no(net_stack_open(q, NULL, &s)), NET_ERR_NO_ADDRESS);
    q->ip = ip;
    q->mac[0] |= 1; // a group address
    ck_assert_uint_eq(err_no(net_stack_open(q, NULL, &s)), NET_ERR_NO_ADDRESS);
    memset(q->mac, 0, 6);
    ck_assert_uint_eq(err_no(net_stack_open(q, NULL, &s)), NET_ERR_NO_ADDRESS);
    memcpy(q->mac, fx.ep_a.mac, 6);
    // Nothing was sent or taken by the failed opens.
    ck_assert_uint_eq(fx.w->end[0].stats.doorbells, 0);
    ck_assert_uint_eq(simq_tx_out(&fx.w->end[0]), 0);
    ck_assert_uint_eq(err_no(net_stack_close(NULL)), SYS_ERR_INVALID_ARGS);
}
END_TEST

// Opening a stack announces its address (a gratuitous ARP request).
START_TEST(test_announce)
{
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    ck_assert(fx.w->end[1].closed);
    fx.b = fx_open(1, NULL);
    uint8_t buf[NETQ_BUF_BYTES];
    struct parsed r;
    uint16_t len = simq_raw_recv(&fx.w->end[0], buf, sizeof(buf));
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_null(parse_frame(buf, len, &r));
    ck_assert_uint_eq(r.type, ETYPE_ARP);
    ck_assert_uint_eq(r.arp_op, 1);
    ck_assert_uint_eq(r.arp_spa, FX_IP_B);
    ck_assert_uint_eq(r.arp_tpa, FX_IP_B);
    ck_assert_mem_eq(r.arp_sha, fx.ep_b.mac, 6);
    ck_assert_uint_eq(simq_raw_recv(&fx.w->end[0], buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_arp_and_ping)
{
    uint8_t frame[NETQ_BUF_BYTES], buf[NETQ_BUF_BYTES], data[1472];
    struct parsed r;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = build_arp(frame, 1, &fx.ep_a, bcast, (const uint8_t[6]){0}, FX_IP_B);
    simq_raw_send(&fx.w->end[0], frame, (uint16_t)n);
    net_poll(fx.b);
    uint16_t len = simq_raw_recv(&fx.w->end[0], buf, sizeof(buf));
    ck_assert_ptr_null(parse_frame(buf, len, &r));
    ck_assert_uint_eq(r.arp_op, 2);
    ck_assert_uint_eq(r.arp_spa, FX_IP_B);
    ck_assert_mem_eq(r.arp_sha, fx.ep_b.mac, 6);
    ck_assert_mem_eq(r.dst, fx.ep_a.mac, 6);
    size_t sizes[] = {0, 1, 56, 1000, 1472};
    for (unsigned i = 0; i < 5; i++) {
        fx_fill(data, sizes[i], (uint32_t)i);
        n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 7, (uint16_t)i, data, sizes[i]);
        fx_peer_send(frame, n);
        ck_assert(fx_peer_recv(&r, buf));
        ck_assert_uint_eq(r.proto, PROTO_ICMP);
        ck_assert_uint_eq(r.icmp_type, 0);
        ck_assert_uint_eq(r.sport, 7);
        ck_assert_uint_eq(r.dport, i);
        ck_assert_uint_eq(r.data_len, sizes[i]);
        ck_assert_mem_eq(r.data, data, sizes[i]);
    }
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_ge(ss.rx_zero_copy, 6);
    ck_assert_uint_eq(ss.rx_held, 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

// Replies lwIP makes in one poll leave together: one doorbell per batch.
static void ping_batch(unsigned count, unsigned tx_batch)
{
    struct net_config c = fx_config();
    c.tx_batch = tx_batch;
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = fx_open(1, &c);
    uint8_t frame[128], buf[NETQ_BUF_BYTES];
    struct parsed r;
    // The peer's MAC is known to B first, so no reply waits for ARP.
    size_t n = build_arp(frame, 2, &fx.ep_a, fx.ep_b.mac, fx.ep_b.mac, FX_IP_B);
    fx_peer_send(frame, n);
    while (simq_raw_recv(&fx.w->end[0], buf, sizeof(buf)) != 0)
        ;
    for (unsigned i = 0; i < count; i++) {
        n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 1, (uint16_t)i, "ping", 4);
        ck_assert(simq_inject(&fx.w->end[1], frame, (uint16_t)n));
    }
    uint64_t before = fx.w->end[1].stats.doorbells;
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(net_poll(fx.b), 2 * count);
    ck_assert_uint_eq(fx.w->end[1].stats.doorbells - before, (count + tx_batch - 1) / tx_batch);
    struct net_stack_stats after;
    net_stack_stats(fx.b, &after);
    ck_assert_uint_eq(after.doorbells - ss.doorbells, (count + tx_batch - 1) / tx_batch);
    for (unsigned i = 0; i < count; i++) {
        ck_assert(fx_peer_recv(&r, buf));
        ck_assert_uint_eq(r.dport, i); // in order
    }
}

START_TEST(test_doorbell_per_batch)
{
    ping_batch(20, 32);
    ping_batch(20, 8);
    ping_batch(64, 64);
}
END_TEST

// A ring that takes fewer frames than offered: the rest wait, in order.
START_TEST(test_tx_ring_full)
{
    uint8_t frame[128], buf[NETQ_BUF_BYTES];
    struct parsed r;
    size_t n = build_arp(frame, 2, &fx.ep_a, fx.ep_b.mac, fx.ep_b.mac, FX_IP_B);
    fx_peer_send(frame, n);
    fx.w->end[1].tx_limit = 3;
    for (unsigned i = 0; i < 10; i++) {
        n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 1, (uint16_t)i, "x", 1);
        ck_assert(simq_inject(&fx.w->end[1], frame, (uint16_t)n));
    }
    net_poll(fx.b);
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_ge(ss.tx_stalls, 1);
    unsigned got = 0;
    for (int polls = 0; polls < 10 && got < 10; polls++) {
        net_poll(fx.b);
        uint16_t len;
        while ((len = simq_raw_recv(&fx.w->end[0], buf, sizeof(buf))) != 0) {
            ck_assert_ptr_null(parse_frame(buf, len, &r));
            if (r.type == ETYPE_IPV4) {
                ck_assert_uint_eq(r.dport, got); // in order
                got++;
            }
        }
    }
    ck_assert_uint_eq(got, 10);
    fx.w->end[1].tx_limit = 0;
}
END_TEST

// lwIP keeps at most rx_hold_max queue buffers; beyond that, copies.
START_TEST(test_zero_copy_limit)
{
    struct net_config c = fx_config();
    c.rx_hold_max = 4;
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = fx_open(1, &c);
    int fd = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    uint8_t frame[256], data[100], buf[200];
    for (unsigned i = 0; i < 10; i++) {
        fx_fill(data, 100, i);
        size_t n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, data, 100);
        ck_assert(simq_inject(&fx.w->end[1], frame, (uint16_t)n));
    }
    net_poll(fx.b);
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(ss.rx_held, 4);
    ck_assert_uint_eq(ss.rx_copied, 6);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 4); // the copied ones went home
    for (unsigned i = 0; i < 10; i++) {
        fx_fill(data, 100, i);
        ck_assert_int_eq(net_sock_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 100);
        ck_assert_mem_eq(buf, data, 100);
    }
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(ss.rx_held, 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
    ck_assert_int_eq(net_sock_close(fd), 0);
}
END_TEST

START_TEST(test_adaptive_wait)
{
    struct net_config c = fx_config();
    c.spin_us = 200;
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = fx_open(1, &c);
    struct simq_end *e = &fx.w->end[1];
    uint8_t frame[128];
    size_t n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 1, 1, "x", 1);
    ck_assert(simq_inject(e, frame, (uint16_t)n));
    ck_assert_uint_gt(net_poll(fx.b), 0); // traffic
    struct net_stack_stats ss;
    unsigned waits = e->waits;
    // Within spin_us of traffic: no sleep, the caller polls again.
    for (int i = 0; i < 50; i++) {
        ck_assert(err_is_ok(net_wait(fx.b, 0)));
        ck_assert_uint_eq(net_poll(fx.b), 0);
    }
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(e->waits, waits);
    ck_assert_uint_eq(ss.spins, 50);
    // Each empty poll takes a simulated microsecond: spinning ends.
    simq_now_us += 200;
    ck_assert(err_is_ok(net_wait(fx.b, 0)));
    ck_assert_uint_eq(e->waits, waits + 1);
    ck_assert_uint_le(e->last_wait_us, 1000000); // lwIP's next timer at most
    ck_assert_uint_gt(e->last_wait_us, 0);
    // The caller's timeout bounds a sleep too (once no timer is due).
    for (int i = 0; e->waits == waits + 1; i++) {
        ck_assert_int_lt(i, 1000); // spinning may come first: lwIP's timer sent something
        net_poll(fx.b);
        ck_assert(err_is_ok(net_wait(fx.b, 300)));
    }
    ck_assert_uint_le(e->last_wait_us, 300);
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(ss.sleeps, 2);
}
END_TEST

static bool stat_grew(uint32_t before, uint32_t now) { return now == before + 1; }

// Frames that are wrong in every way: each counted once, none answered,
// no buffer kept, and B still serves.
START_TEST(test_malformed_frames)
{
    uint8_t frame[NETQ_BUF_BYTES], buf[NETQ_BUF_BYTES], data[64];
    struct parsed r;
    int fd = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    fx_fill(data, sizeof(data), 1);
    size_t n = build_arp(frame, 2, &fx.ep_a, fx.ep_b.mac, fx.ep_b.mac, FX_IP_B);
    fx_peer_send(frame, n);

    uint32_t lenerr = lwip_stats.link.lenerr, ipchk = lwip_stats.ip.chkerr,
             udpchk = lwip_stats.udp.chkerr, proterr = lwip_stats.etharp.proterr;
    memset(frame, 0, 10); // a runt
    fx_peer_send(frame, 10);
    ck_assert(stat_grew(proterr, lwip_stats.etharp.proterr));
    n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, data, sizeof(data));
    frame[HDR_ETH + 10] ^= 0xff; // IP header checksum
    fx_peer_send(frame, n);
    ck_assert(stat_grew(ipchk, lwip_stats.ip.chkerr));
    n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, data, sizeof(data));
    frame[n - 1] ^= 0x01; // the data, under the UDP checksum
    fx_peer_send(frame, n);
    ck_assert(stat_grew(udpchk, lwip_stats.udp.chkerr));
    memset(frame, 0x5a, 1515); // one byte over the MTU
    memcpy(frame, fx.ep_b.mac, 6);
    fx_peer_send(frame, 1515);
    ck_assert(stat_grew(lenerr, lwip_stats.link.lenerr));
    // A queue claiming a frame longer than its buffers: dropped here.
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    fx.w->end[1].claim_len = NETQ_BUF_BYTES + 1;
    n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, data, sizeof(data));
    fx_peer_send(frame, n);
    struct net_stack_stats after;
    net_stack_stats(fx.b, &after);
    ck_assert_uint_eq(after.rx_dropped, ss.rx_dropped + 1);
    ck_assert(stat_grew(lenerr + 1, lwip_stats.link.lenerr));
    // Nothing reached the socket, nothing was answered, nothing is held.
    ck_assert_int_eq(net_sock_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    ck_assert_uint_eq(simq_raw_recv(&fx.w->end[0], buf, sizeof(buf)), 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
    // Still serving.
    n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, data, sizeof(data));
    fx_peer_send(frame, n);
    ck_assert_int_eq(net_sock_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), (int)sizeof(data));
    ck_assert_mem_eq(buf, data, sizeof(data));
    n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 3, 4, data, 8);
    fx_peer_send(frame, n);
    ck_assert(fx_peer_recv(&r, buf));
    ck_assert_uint_eq(r.icmp_type, 0);
    ck_assert_int_eq(net_sock_close(fd), 0);
}
END_TEST

// A closed stack keeps its queue open while a socket holds one of its
// buffers; the queue closes when the last comes home.
START_TEST(test_close_with_lent_buffers)
{
    int fd = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    uint8_t frame[256];
    size_t n = build_udp(frame, &fx.ep_a, 1000, &fx.ep_b, 9, "held", 4);
    fx_peer_send(frame, n);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 1);
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = NULL;
    ck_assert(!fx.w->end[1].closed);
    ck_assert_int_eq(net_sock_close(fd), 0);
    ck_assert(fx.w->end[1].closed);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

START_TEST(test_close_busy)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    ck_assert_uint_eq(err_no(net_stack_close(fx.b)), NET_ERR_BUSY);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

START_TEST(test_no_stack)
{
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = NULL;
    ck_assert_uint_eq(err_no(net_wait_all(1000)), NET_ERR_NO_STACK);
    ck_assert_uint_eq(net_poll_all(), 0);
}
END_TEST

// RFC 1071's sum the plain way: 16-bit words as they lie in memory
// (little-endian here), an odd last byte padded with a zero.
static uint16_t chksum_reference(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] | p[i + 1] << 8);
    if (n & 1)
        sum += p[n - 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

// The port's 64-bit checksum (lwIP's and the native path's) against the
// reference: every length to 80 at every alignment, random data; then
// lengths to 9000 of all-ones bytes (every add carries) and random.
START_TEST(test_chksum)
{
    static uint8_t buf[9000 + 8];
    uint32_t seed = 1;
    for (size_t i = 0; i < sizeof(buf); i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 80; n++)
            ck_assert_uint_eq(lwip_port_chksum(buf + off, (int)n), chksum_reference(buf + off, n));
    for (size_t n = 81; n <= 9000; n += 37)
        ck_assert_uint_eq(lwip_port_chksum(buf + 3, (int)n), chksum_reference(buf + 3, n));
    memset(buf, 0xff, sizeof(buf));
    for (size_t n = 0; n <= 9000; n += 61)
        ck_assert_uint_eq(lwip_port_chksum(buf + 1, (int)n), chksum_reference(buf + 1, n));
    ck_assert_uint_eq(lwip_port_chksum(buf, -1), 0); // lwIP passes an int: nothing below 0
}
END_TEST

static Suite *stack_suite(void)
{
    Suite *s = suite_create("net_stack");
    TCase *init = tcase_create("init");
    tcase_add_test(init, test_init_errors);
    tcase_add_test(init, test_chksum);
    suite_add_tcase(s, init);
    TCase *tc = tcase_create("stack");
    tcase_add_checked_fixture(tc, fx_setup_peer, fx_teardown);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_announce);
    tcase_add_test(tc, test_arp_and_ping);
    tcase_add_test(tc, test_doorbell_per_batch);
    tcase_add_test(tc, test_tx_ring_full);
    tcase_add_test(tc, test_zero_copy_limit);
    tcase_add_test(tc, test_adaptive_wait);
    tcase_add_test(tc, test_malformed_frames);
    tcase_add_test(tc, test_close_with_lent_buffers);
    tcase_add_test(tc, test_close_busy);
    tcase_add_test(tc, test_no_stack);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(stack_suite)
