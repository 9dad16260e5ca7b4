/* tests/unit/net/check_net_drops.c: every datagram dropped is counted, once, where the report
 * says: oversize and fragmented ones on the native path, failed reassembly, full socket queues. */
#include "fixture.h"

#include "lwip/ip4_frag.h"
#include "lwip/stats.h"

#include <check.h>
#include <errno.h>
#include <net/native.h>
#include <stdio.h>
#include <string.h>
#include <unit.h>

#define REASS_TIME_US ((uint64_t)(IP_REASS_MAXAGE + 2) * IP_TMR_INTERVAL * 1000)

// Stack B's report has "<what> <n>" in it.
static void assert_reported(const char *what, uint64_t n)
{
    char line[1024], want[128];
    net_stack_report(fx.b, line, sizeof(line));
    snprintf(want, sizeof(want), "%s %lu", what, (unsigned long)n);
    ck_assert_msg(strstr(line, want) != NULL, "no '%s' in '%s'", want, line);
}

static struct net_stack_stats stats_b(void)
{
    struct net_stack_stats st;
    net_stack_stats(fx.b, &st);
    return st;
}

// The peer sends a UDP datagram of len data bytes (id, to B's port) as
// fragments of at most frag bytes of IP payload (a multiple of 8), the
// first `first` of them only (all: UINT32_MAX).
static void send_fragments(uint16_t id, uint16_t port, size_t len, size_t frag, unsigned first)
{
    static uint8_t udp[65536], frame[NETQ_BUF_BYTES];
    size_t total = 8 + len;
    fx_fill(udp + 8, len, id);
    put16(udp, 4000);
    put16(udp + 2, port);
    put16(udp + 4, (uint16_t)total);
    put16(udp + 6, 0); // no checksum: the test need not sum 64 KiB
    unsigned i = 0;
    for (size_t off = 0; off < total && i < first; off += frag, i++) {
        size_t l = total - off < frag ? total - off : frag;
        size_t n = build_ipv4(frame, &fx.ep_a, &fx.ep_b, PROTO_UDP, udp + off, l);
        put16(frame + HDR_ETH + 4, id);
        put16(frame + HDR_ETH + 6, (uint16_t)((off + l < total ? 0x2000 : 0) | off / 8));
        fix_ip_csum(frame);
        fx_peer_send(frame, n);
    }
}

// Run B through lwIP's reassembly time; answer its ARP and take what it
// sends the peer (ICMP time exceeded for a datagram whose first fragment
// came).
static void wait_reassembly_time(void)
{
    struct parsed r;
    uint8_t buf[NETQ_BUF_BYTES];
    fx_run(REASS_TIME_US);
    while (fx_peer_recv(&r, buf))
        ck_assert_uint_eq(r.proto, PROTO_ICMP);
}

// A frame longer than the MTU allows for a native port (a queue that
// passes such frames: the simulated one takes up to NETQ_FRAME_MAX):
// dropped there and counted, never handed out.
START_TEST(test_native_oversize_frame)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    static uint8_t frame[NETQ_BUF_BYTES], data[1600];
    fx_fill(data, sizeof(data), 3);
    size_t n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, 1473);
    fx_peer_send(frame, n); // 1515 bytes: one over
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, NETQ_FRAME_MAX - NET_UDP_HEADERS);
    fx_peer_send(frame, n);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.rx_oversize, 2);
    ck_assert_uint_eq(st.rx + st.queued, 0);
    ck_assert_uint_eq(stats_b().native_oversize, 2);
    assert_reported("native oversize", 2);
    // The largest that fits one frame still arrives.
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, NET_UDP_MAX_PAYLOAD);
    fx_peer_send(frame, n);
    struct net_udp_pkt p;
    unsigned got;
    ck_assert(err_is_ok(net_udp_recv(u, &p, 1, &got)));
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(p.len, NET_UDP_MAX_PAYLOAD);
    ck_assert(err_is_ok(net_udp_done(u, &p, 1)));
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// Datagrams of 1473 to 65507 bytes for a native port come in fragments:
// lwIP reassembles each, and the native endpoint drops it, counted once
// per datagram: sent = received + counted.
START_TEST(test_native_fragmented)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    static const size_t sizes[] = {1473, 3000, 23673, 65507};
    struct net_stack_stats before = stats_b();
    for (unsigned i = 0; i < 4; i++)
        send_fragments((uint16_t)(100 + i), 7, sizes[i], 1480, UINT32_MAX);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    struct net_stack_stats after = stats_b();
    ck_assert_uint_eq(st.lwip_drops, 4);
    ck_assert_uint_eq(st.rx + st.queued, 0);
    ck_assert_uint_eq(after.native_not_one_frame - before.native_not_one_frame, 4);
    ck_assert_uint_eq(after.rx_reassembled - before.rx_reassembled, 4);
    ck_assert_uint_eq(after.rx_reass_failed - before.rx_reass_failed, 0);
    assert_reported("native not one frame", after.native_not_one_frame);
    assert_reported("reassembled", after.rx_reassembled);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// Reassembly that fails, each way once, is one failed datagram each,
// counted when lwIP's reassembly time is up: a fragment that never came;
// more fragments than reassembly holds; no pool buffer for fragments
// (two 65507-byte datagrams waiting unread in a socket hold 90 of 96).
START_TEST(test_reassembly_failures)
{
    int sock = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    struct net_stack_stats before = stats_b();
    uint32_t memerr = lwip_stats.ip_frag.memerr, linkmem = lwip_stats.link.memerr;
    send_fragments(200, 9, 5000, 1480, 3); // the last of 4 lost
    send_fragments(201, 9, 8 * IP_REASS_MAX_PBUFS, 8, UINT32_MAX);
    ck_assert_uint_eq(lwip_stats.ip_frag.memerr, memerr + 1);
    ck_assert_uint_eq(stats_b().rx_reass_failed, before.rx_reass_failed); // not yet
    wait_reassembly_time();
    struct net_stack_stats mid = stats_b();
    ck_assert_uint_eq(mid.rx_reass_failed - before.rx_reass_failed, 2);
    ck_assert_uint_eq(mid.rx_reassembled - before.rx_reassembled, 0);
    for (unsigned i = 0; i < 3; i++)
        send_fragments((uint16_t)(210 + i), 9, 65507, 1480, UINT32_MAX);
    ck_assert_uint_gt(lwip_stats.link.memerr, linkmem); // fragments found no pool buffer
    wait_reassembly_time();
    struct net_stack_stats after = stats_b();
    ck_assert_uint_eq(after.rx_reassembled - mid.rx_reassembled, 2);
    ck_assert_uint_eq(after.rx_reass_failed - mid.rx_reass_failed, 1);
    assert_reported("reassembly failed", after.rx_reass_failed);
    static uint8_t buf[65536];
    for (unsigned i = 0; i < 2; i++)
        ck_assert_int_eq(net_sock_recv(sock, buf, sizeof(buf), MSG_DONTWAIT), 65507);
    ck_assert_int_eq(net_sock_recv(sock, buf, sizeof(buf), MSG_DONTWAIT), -1);
    ck_assert_int_eq(errno, EWOULDBLOCK);
    // Buffers free again: a whole datagram gets through.
    send_fragments(220, 9, 65507, 1480, UINT32_MAX);
    ck_assert_int_eq(net_sock_recv(sock, buf, sizeof(buf), MSG_DONTWAIT), 65507);
    ck_assert_int_eq(net_sock_close(sock), 0);
}
END_TEST

// A socket nobody reads keeps 32 datagrams; the rest are counted, once
// each: sent = read + counted.
START_TEST(test_socket_queue_overflow)
{
    int sock = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    struct net_sock_stats st;
    net_sock_stats(&st);
    uint64_t full = st.udp_queue_full;
    static uint8_t frame[NETQ_BUF_BYTES];
    for (unsigned i = 0; i < 50; i++) {
        uint8_t d = (uint8_t)i;
        size_t n = build_udp(frame, &fx.ep_a, 4000, &fx.ep_b, 9, &d, 1);
        fx_peer_send(frame, n);
    }
    send_fragments(300, 9, 3000, 1480, UINT32_MAX); // a reassembled one too
    net_sock_stats(&st);
    ck_assert_uint_eq(st.udp_queue_full - full, 51 - 32);
    assert_reported("socket queue full", st.udp_queue_full);
    uint8_t buf[64];
    unsigned read = 0;
    while (net_sock_recv(sock, buf, sizeof(buf), MSG_DONTWAIT) == 1)
        ck_assert_uint_eq(buf[0], read++);
    ck_assert_uint_eq(read, 32);
    ck_assert_uint_eq(read + (st.udp_queue_full - full), 51);
    ck_assert_int_eq(net_sock_close(sock), 0);
}
END_TEST

static Suite *drops_suite(void)
{
    Suite *s = suite_create("net_drops");
    TCase *tc = tcase_create("drops");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fx_setup_peer, fx_teardown);
    tcase_add_test(tc, test_native_oversize_frame);
    tcase_add_test(tc, test_native_fragmented);
    tcase_add_test(tc, test_reassembly_failures);
    tcase_add_test(tc, test_socket_queue_overflow);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(drops_suite)
