/* tests/unit/net/check_net_udp.c: UDP through the sockets API: echo of every size, fragments, a
 * faulty wire. */
#include "fixture.h"

#include "lwip/stats.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unit.h>

// One echo through blocking sockets: the client (on A, unbound: the
// default stack) sends len bytes, the server (bound to B:7) receives and
// sends them back, the client compares. Both run in this thread: each
// blocking call runs both stacks until it can finish.
static void echo_once(int client, int server, size_t len, uint32_t seed)
{
    static uint8_t out[65536], in[65536], mid[65536];
    struct sockaddr_in to = fx_addr(FX_IP_B, 7), from;
    socklen_t flen = sizeof(from);
    fx_fill(out, len, seed);
    ck_assert_int_eq(net_sock_sendto(client, out, len, 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)len);
    ssize_t n = net_sock_recvfrom(server, mid, sizeof(mid), 0, (struct sockaddr *)&from, &flen);
    ck_assert_int_eq(n, (ssize_t)len);
    ck_assert_uint_eq(flen, sizeof(from));
    ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), FX_IP_A);
    ck_assert_int_eq(net_sock_sendto(server, mid, len, 0, (struct sockaddr *)&from, flen),
                     (ssize_t)len);
    flen = sizeof(from);
    n = net_sock_recvfrom(client, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
    ck_assert_int_eq(n, (ssize_t)len);
    ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), FX_IP_B);
    ck_assert_uint_eq(ntohs(from.sin_port), 7);
    ck_assert_mem_eq(in, out, len);
}

START_TEST(test_echo_every_size)
{
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    int client = fx_socket(SOCK_DGRAM, 0, 0);
    uint64_t frames = fx.w->delivered;
    for (size_t len = 1; len <= 1472; len++)
        echo_once(client, server, len, (uint32_t)len);
    // Each one frame each way (and the ARP exchange once).
    ck_assert_uint_le(fx.w->delivered - frames, 2 * 1472 + 4);
    ck_assert_int_eq(net_sock_close(client), 0);
    ck_assert_int_eq(net_sock_close(server), 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[0]) + simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

START_TEST(test_echo_fragmented)
{
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    int client = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    uint32_t frags = lwip_stats.ip_frag.xmit;
    size_t sizes[] = {1473, 2000, 2961, 8000, 14000, 23672, 23673, 40000, 65507};
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        echo_once(client, server, sizes[i], i);
    ck_assert_uint_gt(lwip_stats.ip_frag.xmit, frags);
    ck_assert_int_eq(net_sock_close(client), 0);
    ck_assert_int_eq(net_sock_close(server), 0);
}
END_TEST

// Clients on A, servers on B: both bound, several pairs at once.
START_TEST(test_several_sockets)
{
    int server[3], client[3];
    for (int i = 0; i < 3; i++) {
        server[i] = fx_socket(SOCK_DGRAM, 0, (uint16_t)(7 + i)); // any address
        client[i] = fx_socket(SOCK_DGRAM, FX_IP_A, (uint16_t)(2000 + i));
    }
    uint8_t buf[64];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 3; i++) {
            struct sockaddr_in to = fx_addr(FX_IP_B, (uint16_t)(7 + i));
            buf[0] = (uint8_t)(round * 3 + i);
            ck_assert_int_eq(
                net_sock_sendto(client[i], buf, 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
        }
        for (int i = 2; i >= 0; i--) {
            struct sockaddr_in from;
            socklen_t flen = sizeof(from);
            ck_assert_int_eq(
                net_sock_recvfrom(server[i], buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
                1);
            ck_assert_uint_eq(buf[0], round * 3 + i);
            ck_assert_uint_eq(ntohs(from.sin_port), 2000 + i);
        }
    }
}
END_TEST

// Connected datagram sockets: send/recv, only the peer's datagrams.
START_TEST(test_connected)
{
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    int client = fx_socket(SOCK_DGRAM, 0, 0);
    int other = fx_socket(SOCK_DGRAM, FX_IP_A, 3000);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7), from;
    socklen_t flen = sizeof(from);
    uint8_t buf[16];
    ck_assert_int_eq(net_sock_connect(client, (struct sockaddr *)&to, sizeof(to)), 0);
    ck_assert_int_eq(net_sock_send(client, "hello", 5, 0), 5);
    ck_assert_int_eq(
        net_sock_recvfrom(server, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
    struct sockaddr_in name;
    socklen_t nlen = sizeof(name);
    ck_assert_int_eq(net_sock_getsockname(client, (struct sockaddr *)&name, &nlen), 0);
    ck_assert_uint_eq(name.sin_port, from.sin_port);
    ck_assert_int_eq(net_sock_getpeername(client, (struct sockaddr *)&name, &nlen), 0);
    ck_assert_uint_eq(ntohs(name.sin_port), 7);
    // A datagram from another port does not reach the connected socket.
    ck_assert_int_eq(net_sock_sendto(server, "x", 1, 0, (struct sockaddr *)&from, flen), 1);
    struct sockaddr_in cl = from;
    struct sockaddr_in oth = fx_addr(FX_IP_A, 3000);
    ck_assert_int_eq(net_sock_sendto(other, "y", 1, 0, (struct sockaddr *)&cl, sizeof(cl)), 1);
    (void)oth;
    ck_assert_int_eq(net_sock_recv(client, buf, sizeof(buf), 0), 1);
    ck_assert_uint_eq(buf[0], 'x');
    fx_run(10000);
    ck_assert_int_eq(net_sock_recv(client, buf, sizeof(buf), MSG_DONTWAIT), -1);
    ck_assert_int_eq(errno, EAGAIN);
    // Shut down, both ways: the end for reading, EPIPE for writing.
    ck_assert_int_eq(net_sock_shutdown(client, SHUT_RDWR), 0);
    ck_assert_int_eq(net_sock_recv(client, buf, sizeof(buf), 0), 0);
    ck_assert_int_eq(net_sock_send(client, "w", 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    struct pollfd p = {.fd = client, .events = POLLIN | POLLOUT};
    ck_assert_int_eq(net_sock_poll(&p, 1, 0), 1);
    ck_assert_int_eq(p.revents, POLLIN);
    // AF_UNSPEC dissolves the association: sendto without an address fails.
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    ck_assert_int_eq(net_sock_connect(client, &unspec, sizeof(unspec)), 0);
    ck_assert_int_eq(net_sock_send(client, "z", 1, 0), -1);
    ck_assert_int_eq(errno, EDESTADDRREQ);
    ck_assert_int_eq(net_sock_shutdown(client, SHUT_RD), -1);
    ck_assert_int_eq(errno, ENOTCONN);
    ck_assert_int_eq(net_sock_getpeername(client, (struct sockaddr *)&name, &nlen), -1);
    ck_assert_int_eq(errno, ENOTCONN);
}
END_TEST

// MSG_PEEK, truncation, and the queue's limit.
START_TEST(test_peek_truncate_queue)
{
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    int client = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    uint8_t buf[64];
    ck_assert_int_eq(net_sock_sendto(client, "abcdef", 6, 0, (struct sockaddr *)&to, sizeof(to)),
                     6);
    ck_assert_int_eq(net_sock_recv(server, buf, sizeof(buf), MSG_PEEK), 6);
    ck_assert_int_eq(net_sock_recv(server, buf, 3, 0), 3); // the rest is lost
    ck_assert_mem_eq(buf, "abc", 3);
    ck_assert_int_eq(net_sock_recv(server, buf, sizeof(buf), MSG_DONTWAIT), -1);
    ck_assert_int_eq(errno, EWOULDBLOCK);
    struct net_sock_stats st;
    net_sock_stats(&st);
    uint64_t full = st.udp_queue_full;
    for (int i = 0; i < 40; i++) {
        buf[0] = (uint8_t)i;
        ck_assert_int_eq(net_sock_sendto(client, buf, 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
        fx_run(100);
    }
    net_sock_stats(&st);
    ck_assert_uint_eq(st.udp_queue_full - full, 40 - 32);
    for (int i = 0; i < 32; i++) {
        ck_assert_int_eq(net_sock_recv(server, buf, sizeof(buf), MSG_DONTWAIT), 1);
        ck_assert_uint_eq(buf[0], i);
    }
}
END_TEST

// The wire loses, duplicates, reorders and corrupts frames: every datagram
// that arrives is intact (checksums), and each is echoed in the end.
static void faulty_echo(unsigned count)
{
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7);
    int client = fx_socket(SOCK_DGRAM, FX_IP_A, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    uint8_t out[1200], in[1300];
    for (unsigned seq = 0; seq < count; seq++) {
        size_t len = 16 + seq * 7 % 1100;
        fx_fill(out, len, seq);
        bool echoed = false;
        for (int tries = 0; !echoed; tries++) {
            ck_assert_int_lt(tries, 50);
            ck_assert_int_eq(
                net_sock_sendto(client, out, len, 0, (struct sockaddr *)&to, sizeof(to)),
                (ssize_t)len);
            fx_run(20000);
            struct sockaddr_in from;
            socklen_t flen = sizeof(from);
            ssize_t n;
            while ((n = net_sock_recvfrom(server, in, sizeof(in), MSG_DONTWAIT,
                                          (struct sockaddr *)&from, &flen)) > 0) {
                ck_assert_int_eq(
                    net_sock_sendto(server, in, (size_t)n, 0, (struct sockaddr *)&from, flen), n);
            }
            ck_assert_int_eq(errno, EAGAIN);
            fx_run(20000);
            while ((n = net_sock_recv(client, in, sizeof(in), MSG_DONTWAIT)) > 0) {
                // Old echoes (duplicates, retries) are whole earlier datagrams.
                uint8_t want[1200];
                uint32_t s = 0;
                for (; s <= seq; s++) {
                    size_t l = 16 + s * 7 % 1100;
                    fx_fill(want, l, s);
                    if ((size_t)n == l && memcmp(in, want, l) == 0)
                        break;
                }
                ck_assert_msg(s <= seq, "a datagram that was never sent arrived (%zd bytes)", n);
                echoed |= s == seq;
            }
        }
    }
}

START_TEST(test_faulty_wire)
{
    fx.w->loss = 100;
    fx.w->dup = 50;
    fx.w->reorder = 100;
    fx.w->corrupt = 50;
    uint32_t chk = lwip_stats.udp.chkerr + lwip_stats.ip.chkerr + lwip_stats.etharp.drop +
                   lwip_stats.link.drop + lwip_stats.udp.drop + lwip_stats.ip.drop;
    faulty_echo(300);
    ck_assert_uint_gt(fx.w->lost, 20);
    ck_assert_uint_gt(fx.w->duplicated, 10);
    ck_assert_uint_gt(fx.w->reordered, 20);
    ck_assert_uint_gt(fx.w->corrupted, 10);
    uint32_t now = lwip_stats.udp.chkerr + lwip_stats.ip.chkerr + lwip_stats.etharp.drop +
                   lwip_stats.link.drop + lwip_stats.udp.drop + lwip_stats.ip.drop;
    ck_assert_uint_gt(now - chk, 5); // corrupted frames were dropped and counted
    fx.w->loss = fx.w->dup = fx.w->reorder = fx.w->corrupt = 0;
    simq_release_held(fx.w);
}
END_TEST

static Suite *udp_suite(void)
{
    Suite *s = suite_create("net_udp");
    TCase *tc = tcase_create("udp");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, test_echo_every_size);
    tcase_add_test(tc, test_echo_fragmented);
    tcase_add_test(tc, test_several_sockets);
    tcase_add_test(tc, test_connected);
    tcase_add_test(tc, test_peek_truncate_queue);
    tcase_add_test(tc, test_faulty_wire);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(udp_suite)
