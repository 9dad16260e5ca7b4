/* tests/unit/net/check_net_native.c: the native zero-copy UDP API beside lwIP on one queue. */
#include "fixture.h"

#include "lwip/stats.h"

#include <check.h>
#include <errno.h>
#include <net/native.h>
#include <string.h>
#include <unit.h>

// Poll until u has datagrams (at most a few rounds of both stacks).
static unsigned native_recv(struct net_udp *u, struct net_udp_pkt *pkts, unsigned max)
{
    unsigned n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        ck_assert(err_is_ok(net_udp_recv(u, pkts, max, &n)));
        if (n == 0)
            fx_run(1000);
    }
    return n;
}

// The native echo server's work: every datagram back where it came from,
// in one batch (one doorbell), and the received buffers given back.
static unsigned native_echo_step(struct net_udp *u)
{
    struct net_udp_pkt rx[NET_BATCH_MAX], tx[NET_BATCH_MAX];
    unsigned n = native_recv(u, rx, NET_BATCH_MAX), got, sent;
    if (n == 0)
        return 0;
    ck_assert(err_is_ok(net_udp_alloc(u, tx, n, &got)));
    ck_assert_uint_eq(got, n);
    for (unsigned i = 0; i < n; i++) {
        memcpy(tx[i].data, rx[i].data, rx[i].len);
        tx[i].len = rx[i].len;
        tx[i].ip = rx[i].ip;
        tx[i].port = rx[i].port;
        memcpy(tx[i].mac, rx[i].mac, 6);
    }
    ck_assert(err_is_ok(net_udp_send(u, tx, n, &sent)));
    ck_assert_uint_eq(sent, n);
    ck_assert(err_is_ok(net_udp_done(u, rx, n)));
    return n;
}

// B's native endpoint on port 7 (64 slots) over a queue offering
// offloads, and a socket on A to reach it from (*client).
static struct net_udp *port7(uint32_t offloads, int *client)
{
    fx.w->end[1].q.offloads = offloads;
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 64, &u)));
    *client = fx_socket(SOCK_DGRAM, 0, 0);
    return u;
}

// A datagram of len bytes from client to B's port 7, echoed by one step
// of u: it comes back whole, from B's port 7.
static void echo_one(struct net_udp *u, int client, size_t len)
{
    struct sockaddr_in to = fx_addr(FX_IP_B, 7), from;
    static uint8_t out[1472], in[1600];
    fx_fill(out, len, (uint32_t)len);
    ck_assert_int_eq(net_sock_sendto(client, out, len, 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)len);
    ck_assert_uint_eq(native_echo_step(u), 1);
    socklen_t flen = sizeof(from);
    ck_assert_int_eq(net_sock_recvfrom(client, in, sizeof(in), 0, (struct sockaddr *)&from, &flen),
                     (ssize_t)len);
    ck_assert_mem_eq(in, out, len);
    ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), FX_IP_B);
    ck_assert_uint_eq(ntohs(from.sin_port), 7);
}

START_TEST(test_native_echo_every_size)
{
    int client;
    struct net_udp *u = port7(0, &client);
    for (size_t len = 1; len <= NET_UDP_MAX_PAYLOAD; len++)
        echo_one(u, client, len);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.rx, NET_UDP_MAX_PAYLOAD);
    ck_assert_uint_eq(st.tx, NET_UDP_MAX_PAYLOAD);
    ck_assert_uint_eq(st.tx_via_lwip, 0); // the requests' MACs were used
    ck_assert_uint_eq(st.held_rx + st.held_tx + st.queued, 0);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// Both ends native: A's endpoint sends arrays to B's, which echoes them.
START_TEST(test_native_both_ends)
{
    struct net_udp *ua, *ub;
    ck_assert(err_is_ok(net_udp_open(fx.a, htons(5000), 64, &ua)));
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 64, &ub)));
    struct net_udp_pkt tx[16], rx[16];
    unsigned got, sent, total = 0;
    for (int round = 0; round < 50; round++) {
        ck_assert(err_is_ok(net_udp_alloc(ua, tx, 16, &got)));
        ck_assert_uint_eq(got, 16);
        for (unsigned i = 0; i < 16; i++) {
            tx[i].len = (uint16_t)(1 + (round * 16 + i) * 13 % NET_UDP_MAX_PAYLOAD);
            fx_fill(tx[i].data, tx[i].len, round * 16 + i);
            tx[i].ip = htonl(FX_IP_B);
            tx[i].port = htons(7);
        }
        // B's MAC: A learnt it from B's announcement.
        ck_assert(err_is_ok(net_udp_send(ua, tx, 16, &sent)));
        ck_assert_uint_eq(sent, 16);
        for (unsigned done = 0, tries = 0; done < 16; tries++) {
            ck_assert_uint_lt(tries, 20);
            done += native_echo_step(ub);
        }
        for (unsigned done = 0; done < 16;) {
            unsigned n = native_recv(ua, rx, 16);
            ck_assert_uint_gt(n, 0);
            for (unsigned i = 0; i < n; i++) {
                uint8_t want[NET_UDP_MAX_PAYLOAD];
                unsigned k = (unsigned)round * 16 + done + i;
                ck_assert_uint_eq(rx[i].len, 1 + k * 13 % NET_UDP_MAX_PAYLOAD);
                fx_fill(want, rx[i].len, k);
                ck_assert_mem_eq(rx[i].data, want, rx[i].len);
                ck_assert_uint_eq(rx[i].port, htons(7));
            }
            ck_assert(err_is_ok(net_udp_done(ua, rx, n)));
            done += n;
            total += n;
        }
    }
    ck_assert_uint_eq(total, 800);
    ck_assert(err_is_ok(net_udp_close(ua)));
    ck_assert(err_is_ok(net_udp_close(ub)));
    struct net_stack_stats sa, sb;
    net_stack_stats(fx.a, &sa);
    net_stack_stats(fx.b, &sb);
    ck_assert_uint_eq(sa.rx_native, 800);
    ck_assert_uint_eq(sb.rx_native, 800);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[0]) + simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

// A batch of n datagrams answered with one net_udp_send: one doorbell per
// tx_batch (32) frames.
static void doorbells_for(struct net_udp *u, int client, unsigned n)
{
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    uint8_t buf[64];
    for (unsigned i = 0; i < n; i++) {
        buf[0] = (uint8_t)i;
        ck_assert_int_eq(net_sock_sendto(client, buf, 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    }
    struct net_udp_pkt rx[NET_BATCH_MAX], tx[NET_BATCH_MAX];
    unsigned got = 0, k, sent;
    while (got < n) {
        k = native_recv(u, rx + got, n - got);
        ck_assert_uint_gt(k, 0);
        got += k;
    }
    ck_assert(err_is_ok(net_udp_alloc(u, tx, n, &k)));
    ck_assert_uint_eq(k, n);
    for (unsigned i = 0; i < n; i++) {
        tx[i].len = 1;
        *(uint8_t *)tx[i].data = *(uint8_t *)rx[i].data;
        tx[i].ip = rx[i].ip;
        tx[i].port = rx[i].port;
    }
    uint64_t before = fx.w->end[1].stats.doorbells;
    struct net_sock_stats st;
    net_sock_stats(&st);
    ck_assert(err_is_ok(net_udp_send(u, tx, n, &sent)));
    ck_assert_uint_eq(fx.w->end[1].stats.doorbells - before, (n + 31) / 32);
    ck_assert(err_is_ok(net_udp_done(u, rx, n)));
    // The client's socket queues 32 datagrams; the rest are dropped and counted.
    unsigned queued = n < 32 ? n : 32;
    for (unsigned i = 0; i < queued; i++) {
        ck_assert_int_eq(net_sock_recv(client, buf, sizeof(buf), 0), 1);
        ck_assert_uint_eq(buf[0], i);
    }
    uint64_t full = st.udp_queue_full;
    net_sock_stats(&st);
    ck_assert_uint_eq(st.udp_queue_full - full, n - queued);
}

START_TEST(test_native_doorbells)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 64, &u)));
    int client = fx_socket(SOCK_DGRAM, FX_IP_A, 4000);
    doorbells_for(u, client, 1);
    doorbells_for(u, client, 32);
    doorbells_for(u, client, 40);
    doorbells_for(u, client, 64);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// The native echo server still answers ARP and ping (lwIP), and an
// unbound port gets lwIP's ICMP port unreachable.
START_TEST(test_native_beside_lwip)
{
    fx_teardown();
    fx_setup_peer();
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    uint8_t frame[NETQ_BUF_BYTES], buf[NETQ_BUF_BYTES], data[300];
    struct parsed r;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = build_arp(frame, 1, &fx.ep_a, bcast, (const uint8_t[6]){0}, FX_IP_B);
    fx_peer_send(frame, n);
    uint16_t len = simq_raw_recv(&fx.w->end[0], buf, sizeof(buf));
    ck_assert_ptr_null(parse_frame(buf, len, &r));
    ck_assert_uint_eq(r.arp_op, 2);
    ck_assert_mem_eq(r.arp_sha, fx.ep_b.mac, 6);
    n = build_icmp_echo(frame, &fx.ep_a, &fx.ep_b, 9, 1, "ping", 4);
    fx_peer_send(frame, n);
    ck_assert(fx_peer_recv(&r, buf));
    ck_assert_uint_eq(r.icmp_type, 0);
    // A datagram to port 7 takes the native path; the echo is checked by
    // the oracle (lengths, IP and UDP checksums).
    fx_fill(data, sizeof(data), 3);
    n = build_udp(frame, &fx.ep_a, 1234, &fx.ep_b, 7, data, sizeof(data));
    fx_peer_send(frame, n);
    ck_assert_uint_eq(native_echo_step(u), 1);
    ck_assert(fx_peer_recv(&r, buf));
    ck_assert_uint_eq(r.proto, PROTO_UDP);
    ck_assert_uint_eq(r.sport, 7);
    ck_assert_uint_eq(r.dport, 1234);
    ck_assert_uint_eq(r.ip_src, FX_IP_B);
    ck_assert_uint_eq(r.ip_dst, FX_IP_A);
    ck_assert_uint_eq(r.ttl, 64);
    ck_assert_mem_eq(r.src, fx.ep_b.mac, 6);
    ck_assert_mem_eq(r.dst, fx.ep_a.mac, 6);
    ck_assert_uint_eq(r.data_len, sizeof(data));
    ck_assert_mem_eq(r.data, data, sizeof(data));
    // Port 8 is nobody's: lwIP answers.
    n = build_udp(frame, &fx.ep_a, 1234, &fx.ep_b, 8, data, 10);
    fx_peer_send(frame, n);
    ck_assert(fx_peer_recv(&r, buf));
    ck_assert_uint_eq(r.proto, PROTO_ICMP);
    ck_assert_uint_eq(r.icmp_type, 3);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// Frames for the native port that are not intact single datagrams go to
// lwIP, which counts and drops them; serving goes on.
START_TEST(test_native_malformed)
{
    fx_teardown();
    fx_setup_peer();
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    uint8_t frame[NETQ_BUF_BYTES], data[100];
    fx_fill(data, sizeof(data), 9);
    uint32_t chk = lwip_stats.udp.chkerr, lenerr = lwip_stats.udp.lenerr,
             ipchk = lwip_stats.ip.chkerr;
    size_t n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    frame[n - 1] ^= 0x40; // the UDP checksum fails
    fx_peer_send(frame, n);
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    put16(frame + HDR_ETH + HDR_IPV4 + 4, 50); // the UDP length disagrees
    put16(frame + HDR_ETH + HDR_IPV4 + 6, 0);  // no checksum, so only the length tells
    fx_peer_send(frame, n);
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    frame[HDR_ETH + 8] = 0; // TTL 0 changes the header: its checksum fails
    fx_peer_send(frame, n);
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    fx_peer_send(frame, n - 20); // cut short: IP length beyond the frame
    ck_assert_uint_eq(lwip_stats.udp.chkerr, chk + 1);
    ck_assert_uint_eq(lwip_stats.udp.lenerr, lenerr + 1);
    ck_assert_uint_eq(lwip_stats.ip.chkerr, ipchk + 1);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.rx + st.queued, 0);
    // A fragmented datagram for the port reaches lwIP, whole, and is dropped there.
    static uint8_t big[3000];
    n = build_ipv4(frame, &fx.ep_a, &fx.ep_b, PROTO_UDP, big, 0); // placeholder, replaced below
    uint8_t udp[2008];
    put16(udp, 1);
    put16(udp + 2, 7);
    put16(udp + 4, sizeof(udp));
    put16(udp + 6, 0);
    memset(udp + 8, 0x11, sizeof(udp) - 8);
    for (int part = 0; part < 2; part++) {
        size_t off = part == 0 ? 0 : 1480, l = part == 0 ? 1480 : sizeof(udp) - 1480;
        n = build_ipv4(frame, &fx.ep_a, &fx.ep_b, PROTO_UDP, udp + off, l);
        put16(frame + HDR_ETH + 4, 77); // one datagram ID
        put16(frame + HDR_ETH + 6, (uint16_t)((part == 0 ? 0x2000 : 0) | off / 8));
        fix_ip_csum(frame);
        fx_peer_send(frame, n);
    }
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.lwip_drops, 1);
    ck_assert_uint_eq(st.rx, 0);
    // Still serving.
    n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    fx_peer_send(frame, n);
    struct net_udp_pkt p;
    unsigned got;
    ck_assert(err_is_ok(net_udp_recv(u, &p, 1, &got)));
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(p.len, sizeof(data));
    ck_assert_mem_eq(p.data, data, sizeof(data));
    ck_assert(err_is_ok(net_udp_done(u, &p, 1)));
    ck_assert(err_is_ok(net_udp_close(u)));
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

// A frame the device says it checked is not checked again (the device
// would have flagged a bad one and the VF driver dropped it: the bad
// checksum here shows that nothing looked); without the mark it is, and
// the frame goes on to lwIP, which drops and counts it.
START_TEST(test_native_rx_csum_offload)
{
    fx_teardown();
    fx_setup_peer();
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    uint8_t frame[NETQ_BUF_BYTES], data[64];
    fx_fill(data, sizeof(data), 3);
    size_t n = build_udp(frame, &fx.ep_a, 1, &fx.ep_b, 7, data, sizeof(data));
    frame[HDR_ETH + HDR_IPV4 + 6] ^= 0x40; // the UDP checksum fails
    uint32_t chk = lwip_stats.udp.chkerr;
    fx.w->end[1].rx_flags = NETQ_RX_CSUM_GOOD;
    fx_peer_send(frame, n);
    fx.w->end[1].rx_flags = 0;
    fx_peer_send(frame, n);
    ck_assert_uint_eq(lwip_stats.udp.chkerr, chk + 1);
    struct net_udp_pkt p[2];
    unsigned got;
    ck_assert(err_is_ok(net_udp_recv(u, p, 2, &got)));
    ck_assert_uint_eq(got, 1);
    ck_assert_mem_eq(p[0].data, data, sizeof(data));
    ck_assert(err_is_ok(net_udp_done(u, p, 1)));
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// On a queue offering transmit checksums the native path leaves them to
// it: every echo asks for them, and arrives with both right (lwIP on the
// other end checks them), at every size.
START_TEST(test_native_tx_csum_offload)
{
    struct simq_end *eb = &fx.w->end[1];
    int client;
    struct net_udp *u = port7(NETQ_TX_CSUM_IP4_UDP, &client);
    uint32_t chk = lwip_stats.udp.chkerr, ipchk = lwip_stats.ip.chkerr;
    unsigned sizes = 0;
    for (size_t len = 1; len <= NET_UDP_MAX_PAYLOAD; len += 37, sizes++)
        echo_one(u, client, len);
    ck_assert_uint_eq(eb->tx_csum_done, sizes);
    ck_assert_uint_eq(lwip_stats.udp.chkerr, chk);
    ck_assert_uint_eq(lwip_stats.ip.chkerr, ipchk);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

START_TEST(test_native_errors)
{
    struct net_udp *u, *v;
    struct net_udp_pkt p[4], copy;
    unsigned n;
    ck_assert_uint_eq(err_no(net_udp_open(NULL, htons(7), 8, &u)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_open(fx.b, 0, 8, &u)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_open(fx.b, htons(7), 0, &u)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_open(fx.b, htons(7), 8, NULL)), SYS_ERR_INVALID_ARGS);
    // A socket's port, and a native endpoint's port for sockets.
    int fd = fx_socket(SOCK_DGRAM, 0, 9);
    ck_assert_uint_eq(err_no(net_udp_open(fx.b, htons(9), 8, &u)), NET_ERR_PORT_IN_USE);
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 2, &u)));
    ck_assert_uint_eq(err_no(net_udp_open(fx.b, htons(7), 8, &v)), NET_ERR_PORT_IN_USE);
    int fd2 = net_sock_socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_bind(fd2, (struct sockaddr *)&a, sizeof(a)), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    // Bad arguments.
    ck_assert_uint_eq(err_no(net_udp_recv(NULL, p, 1, &n)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_recv(u, NULL, 1, &n)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_alloc(u, p, 1, NULL)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_send(u, NULL, 1, &n)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_done(NULL, p, 1)), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(err_no(net_udp_close(NULL)), SYS_ERR_INVALID_ARGS);
    // Too long; no route; given back twice; a forged packet.
    ck_assert(err_is_ok(net_udp_alloc(u, p, 4, &n)));
    ck_assert_uint_eq(n, 4);
    for (int i = 0; i < 4; i++) {
        p[i].ip = htonl(FX_IP_A);
        p[i].port = htons(1);
        p[i].len = 10;
    }
    p[1].len = NET_UDP_MAX_PAYLOAD + 1;
    ck_assert_uint_eq(err_no(net_udp_send(u, p, 4, &n)), NET_ERR_MSG_SIZE);
    ck_assert_uint_eq(n, 1); // the first went
    p[1].len = 10;
    p[1].ip = htonl(0x0b000001); // another subnet, no gateway
    ck_assert_uint_eq(err_no(net_udp_send(u, p + 1, 3, &n)), NET_ERR_NO_ROUTE);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(err_no(net_udp_send(u, p, 1, &n)), NET_ERR_NOT_HELD); // sent already
    copy = p[2];
    ck_assert(err_is_ok(net_udp_done(u, p + 2, 1)));
    ck_assert_uint_eq(err_no(net_udp_done(u, &copy, 1)), NET_ERR_NOT_HELD);
    copy.data = (uint8_t *)copy.data + 1;
    ck_assert_uint_eq(err_no(net_udp_send(u, &copy, 1, &n)), NET_ERR_NOT_HELD);
    ck_assert_uint_eq(err_no(net_udp_close(u)), NET_ERR_BUFFERS_HELD);
    ck_assert(err_is_ok(net_udp_done(u, p + 1, 1)));
    ck_assert(err_is_ok(net_udp_done(u, p + 3, 1)));
    // The ring holds 2: a third datagram is dropped and counted.
    int c = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(net_sock_sendto(c, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
    fx_run(10000);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.queued, 2);
    ck_assert_uint_eq(st.rx_ring_full, 1);
    // Closing returns what is queued; the port is free again.
    ck_assert(err_is_ok(net_udp_close(u)));
    ck_assert_int_eq(net_sock_bind(fd2, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[1]), 0);
    net_sock_close(fd);
    net_sock_close(fd2);
    net_sock_close(c);
}
END_TEST

// Transmit buffers run out: alloc says so, and unsent ones given back
// are used again.
START_TEST(test_native_alloc_exhaustion)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)));
    static struct net_udp_pkt p[SIMQ_TX_BUFS + 8];
    unsigned got, more;
    ck_assert(err_is_ok(net_udp_alloc(u, p, SIMQ_TX_BUFS + 8, &got)));
    ck_assert_uint_eq(got, SIMQ_TX_BUFS);
    ck_assert_uint_eq(err_no(net_udp_alloc(u, p + got, 1, &more)), SYS_ERR_WOULD_BLOCK);
    ck_assert_uint_eq(more, 0);
    ck_assert(err_is_ok(net_udp_done(u, p, got)));
    ck_assert(err_is_ok(net_udp_alloc(u, p, 10, &got)));
    ck_assert_uint_eq(got, 10);
    struct net_stack_stats ss;
    net_stack_stats(fx.b, &ss);
    ck_assert_uint_eq(ss.tx_spare, SIMQ_TX_BUFS - 10);
    ck_assert(err_is_ok(net_udp_done(u, p, got)));
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// No ARP entry for the destination and no MAC hint: lwIP sends a copy
// (resolving the address first).
START_TEST(test_native_via_lwip)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.a, htons(5000), 8, &u)));
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    // Forget B: A's ARP table is flushed by taking A down and up again.
    ck_assert(err_is_ok(net_udp_close(u)));
    ck_assert(err_is_ok(net_stack_close(fx.a)));
    fx.a = fx_open(0, NULL);
    ck_assert(err_is_ok(net_udp_open(fx.a, htons(5000), 8, &u)));
    struct net_udp_pkt p;
    unsigned n;
    ck_assert(err_is_ok(net_udp_alloc(u, &p, 1, &n)));
    memcpy(p.data, "via lwip", 8);
    p.len = 8;
    p.ip = htonl(FX_IP_B);
    p.port = htons(7);
    ck_assert(err_is_ok(net_udp_send(u, &p, 1, &n)));
    ck_assert_uint_eq(n, 1);
    uint8_t buf[16];
    ck_assert_int_eq(net_sock_recv(server, buf, sizeof(buf), 0), 8);
    ck_assert_mem_eq(buf, "via lwip", 8);
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.tx_via_lwip, 1);
    ck_assert_uint_eq(st.held_tx, 0);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// Heavy traffic both ways through native and socket paths at once:
// afterwards every receive buffer is home.
START_TEST(test_native_no_leak)
{
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(7), 64, &u)));
    int client = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    int sock_server = fx_socket(SOCK_DGRAM, FX_IP_B, 9);
    struct sockaddr_in to7 = fx_addr(FX_IP_B, 7), to9 = fx_addr(FX_IP_B, 9);
    uint8_t buf[1500];
    unsigned echoed = 0;
    // Resolve B first: lwIP holds 16 packets for an address it is still
    // resolving (ARP_QUEUE_LEN) and drops the oldest beyond that.
    ck_assert_int_eq(net_sock_sendto(client, buf, 1, 0, (struct sockaddr *)&to9, sizeof(to9)), 1);
    ck_assert_int_eq(net_sock_recv(sock_server, buf, sizeof(buf), 0), 1);
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 20; i++) {
            size_t len = 1 + (size_t)(round * 20 + i) % 1400;
            ck_assert_int_eq(net_sock_sendto(client, buf, len, 0,
                                             (struct sockaddr *)(i % 2 ? &to7 : &to9), sizeof(to7)),
                             (ssize_t)len);
        }
        for (unsigned k = 0, tries = 0; k < 10; tries++) {
            ck_assert_uint_lt(tries, 20);
            k += native_echo_step(u);
        }
        for (int i = 0; i < 10; i++)
            ck_assert_int_gt(net_sock_recv(sock_server, buf, sizeof(buf), 0), 0);
        for (int i = 0; i < 10; i++, echoed++)
            ck_assert_int_gt(net_sock_recv(client, buf, sizeof(buf), 0), 0);
    }
    ck_assert_uint_eq(echoed, 1000);
    fx_run(1000);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[0]) + simq_rx_out(&fx.w->end[1]), 0);
    struct net_stack_stats sa, sb;
    net_stack_stats(fx.a, &sa);
    net_stack_stats(fx.b, &sb);
    ck_assert_uint_eq(sa.rx_held + sb.rx_held, 0);
    ck_assert_uint_ge(sb.rx_zero_copy, 1000);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

// The reply's length for a request of len bytes in the in-place tests:
// the same, then shorter and longer (within the buffer) by turns.
static uint16_t reply_len(size_t len, unsigned k)
{
    if (k % 3 == 1)
        return (uint16_t)(len / 2 + 1);
    if (k % 3 == 2)
        return (uint16_t)(len + 17 <= NET_UDP_MAX_PAYLOAD ? len + 17 : NET_UDP_MAX_PAYLOAD);
    return (uint16_t)len;
}

// Requests of many sizes answered in place (net_udp_reply) with
// reply_len's payload (the request's bytes, then a fill): each arrives
// from B's port 7 with lwIP on A finding both checksums right, and every
// receive buffer of B is back on its ring at the end.
static void reply_sizes(uint32_t offloads)
{
    struct simq_end *eb = &fx.w->end[1];
    int client;
    struct net_udp *u = port7(offloads, &client);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7), from;
    static uint8_t out[1472], in[1600], want[1472];
    uint32_t chk = lwip_stats.udp.chkerr, ipchk = lwip_stats.ip.chkerr;
    unsigned k = 0;
    for (size_t len = 1; len <= NET_UDP_MAX_PAYLOAD; len += 7, k++) {
        fx_fill(out, len, (uint32_t)len);
        ck_assert_int_eq(net_sock_sendto(client, out, len, 0, (struct sockaddr *)&to, sizeof(to)),
                         (ssize_t)len);
        struct net_udp_pkt rx[4];
        unsigned n = native_recv(u, rx, 4), sent;
        ck_assert_uint_eq(n, 1);
        uint16_t rlen = reply_len(len, k);
        memcpy(want, out, len < rlen ? len : rlen);
        if (rlen > len)
            fx_fill(want + len, rlen - len, k);
        memcpy(rx[0].data, want, rlen);
        rx[0].len = rlen;
        rx[0].ip = rx[0].port = 0; // not read: the reply goes to the frame's sender
        ck_assert(err_is_ok(net_udp_reply(u, rx, 1, &sent)));
        ck_assert_uint_eq(sent, 1);
        socklen_t flen = sizeof(from);
        ck_assert_int_eq(
            net_sock_recvfrom(client, in, sizeof(in), 0, (struct sockaddr *)&from, &flen),
            (ssize_t)rlen);
        ck_assert_mem_eq(in, want, rlen);
        ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), FX_IP_B);
        ck_assert_uint_eq(ntohs(from.sin_port), 7);
    }
    ck_assert_uint_eq(lwip_stats.udp.chkerr, chk);
    ck_assert_uint_eq(lwip_stats.ip.chkerr, ipchk);
    ck_assert_uint_eq(eb->tx_from_rx, offloads & NETQ_TX_RX_BUF ? k : 0);
    ck_assert_uint_eq(eb->tx_csum_done, offloads & NETQ_TX_CSUM_IP4_UDP ? k : 0);
    ck_assert_uint_eq(eb->bad_returns, 0);
    fx_run(1000);
    ck_assert_uint_eq(simq_rx_out(eb), 0); // every buffer back on the receive ring
    struct net_udp_stats st;
    net_udp_stats(u, &st);
    ck_assert_uint_eq(st.tx, k);
    ck_assert_uint_eq(st.held_rx + st.held_tx + st.queued, 0);
    ck_assert(err_is_ok(net_udp_close(u)));
}

START_TEST(test_native_reply_in_place) { reply_sizes(NETQ_TX_RX_BUF); }
END_TEST

START_TEST(test_native_reply_csum_offload) { reply_sizes(NETQ_TX_RX_BUF | NETQ_TX_CSUM_IP4_UDP); }
END_TEST

// A queue that cannot send a receive buffer: the reply is copied.
START_TEST(test_native_reply_copied) { reply_sizes(0); }
END_TEST

// Replies of a batch: one doorbell; then the refusals, which change
// nothing: a packet given back, a transmit buffer, one moved or too
// long, and n = 0.
START_TEST(test_native_reply_errors)
{
    struct simq_end *eb = &fx.w->end[1];
    int client;
    struct net_udp *u = port7(NETQ_TX_RX_BUF, &client);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    uint8_t buf[64] = {1, 2, 3};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(net_sock_sendto(client, buf, 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
    struct net_udp_pkt rx[8], tx[1], copy;
    unsigned n = 0, sent = 9, got;
    for (int tries = 0; n < 4 && tries < 10; tries++)
        n += native_recv(u, rx + n, 8 - n);
    ck_assert_uint_eq(n, 4);
    ck_assert(err_is_ok(net_udp_reply(u, rx, 0, &sent)));
    ck_assert_uint_eq(sent, 0);
    ck_assert(err_no(net_udp_reply(u, rx, 1, NULL)) == SYS_ERR_INVALID_ARGS);
    ck_assert(err_no(net_udp_reply(NULL, rx, 1, &sent)) == SYS_ERR_INVALID_ARGS);
    copy = rx[3];
    ck_assert(err_is_ok(net_udp_done(u, &rx[3], 1)));
    ck_assert(err_no(net_udp_reply(u, &copy, 1, &sent)) == SYS_ERR_INVALID_ARGS); // given back
    ck_assert_uint_eq(sent, 0);
    ck_assert(err_is_ok(net_udp_alloc(u, tx, 1, &got)));
    ck_assert(err_no(net_udp_reply(u, tx, 1, &sent)) == SYS_ERR_INVALID_ARGS); // not received
    ck_assert(err_is_ok(net_udp_done(u, tx, 1)));
    rx[2].len = NET_UDP_MAX_PAYLOAD + 1;
    ck_assert(err_no(net_udp_reply(u, &rx[2], 1, &sent)) == NET_ERR_MSG_SIZE);
    rx[2].len = 3;
    rx[2].data = (uint8_t *)rx[2].data + 1;
    ck_assert(err_no(net_udp_reply(u, &rx[2], 1, &sent)) == SYS_ERR_INVALID_ARGS); // moved
    rx[2].data = (uint8_t *)rx[2].data - 1;
    uint64_t bells = eb->stats.doorbells;
    ck_assert(err_is_ok(net_udp_reply(u, rx, 3, &sent)));
    ck_assert_uint_eq(sent, 3);
    ck_assert_uint_eq(eb->stats.doorbells, bells + 1);
    ck_assert(err_no(net_udp_reply(u, rx, 1, &sent)) == SYS_ERR_INVALID_ARGS); // sent already
    ck_assert(err_no(net_udp_done(u, rx, 1)) == NET_ERR_NOT_HELD);
    ck_assert_uint_eq(eb->tx_from_rx, 3);
    ck_assert_uint_eq(eb->bad_returns, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(net_sock_recv(client, buf, sizeof(buf), 0), 3);
    ck_assert_uint_eq(simq_rx_out(eb), 0);
    ck_assert(err_is_ok(net_udp_close(u)));
}
END_TEST

static Suite *native_suite(void)
{
    Suite *s = suite_create("net_native");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, test_native_echo_every_size);
    tcase_add_test(tc, test_native_both_ends);
    tcase_add_test(tc, test_native_doorbells);
    tcase_add_test(tc, test_native_beside_lwip);
    tcase_add_test(tc, test_native_malformed);
    tcase_add_test(tc, test_native_rx_csum_offload);
    tcase_add_test(tc, test_native_tx_csum_offload);
    tcase_add_test(tc, test_native_errors);
    tcase_add_test(tc, test_native_alloc_exhaustion);
    tcase_add_test(tc, test_native_via_lwip);
    tcase_add_test(tc, test_native_no_leak);
    tcase_add_test(tc, test_native_reply_in_place);
    tcase_add_test(tc, test_native_reply_csum_offload);
    tcase_add_test(tc, test_native_reply_copied);
    tcase_add_test(tc, test_native_reply_errors);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(native_suite)
