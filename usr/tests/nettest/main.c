/*
 * usr/tests/nettest/main.c: the library OS's network stack in Sietch's
 * user world (the host tests run it on the build machine): two stacks on
 * an in-memory cable, the TSC clock and RDRAND, lib/c's socket headers and
 * the POSIX names, UDP echo through sockets and the native API, TCP echo,
 * poll's timeout, and every buffer home afterwards. `run nettest`.
 */
#include "memq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/native.h>
#include <net/netif.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <test/report.h>
#include <unistd.h>

#define IP_A "10.1.0.1"
#define IP_B "10.1.0.2"

static struct memq_wire *wire;
static struct net_stack *sa, *sb;

static struct sockaddr_in addr(const char *ip, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void test_start(void)
{
    errval_t err = net_init(net_platform_sietch());
    uint64_t t0 = net_now_us();
    for (volatile int i = 0; i < 100000; i++)
        ;
    report("net.init", err_is_ok(err) && net_now_us() > t0, "%s", err_msg(err));
    wire = memq_new();
    err = wire == NULL ? SYS_ERR_NO_MEMORY : net_stack_open(memq_end(wire, 0), NULL, &sa);
    if (err_is_ok(err))
        err = net_stack_open(memq_end(wire, 1), NULL, &sb);
    report("net.stacks", err_is_ok(err), "%s", err_msg(err));
}

static void test_udp_posix(void)
{
    static uint8_t out[1472], in[1472];
    int server = socket(AF_INET, SOCK_DGRAM, 0), client = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = addr(IP_B, 7), from;
    bool ok = bind(server, (struct sockaddr *)&at, sizeof(at)) == 0;
    size_t len = 1;
    for (; ok && len <= sizeof(out); len++) {
        socklen_t flen = sizeof(from);
        fill(out, len, (unsigned)len);
        ok = sendto(client, out, len, 0, (struct sockaddr *)&at, sizeof(at)) == (ssize_t)len &&
             recvfrom(server, in, sizeof(in), 0, (struct sockaddr *)&from, &flen) == (ssize_t)len &&
             sendto(server, in, len, 0, (struct sockaddr *)&from, flen) == (ssize_t)len &&
             recv(client, in, sizeof(in), 0) == (ssize_t)len && memcmp(in, out, len) == 0;
    }
    report("net.udp_posix_echo", ok, "size %zu: errno %d", len, errno);
    close(server);
    close(client);
}

static bool native_echo(struct net_udp *u)
{
    struct net_udp_pkt rx[8], tx[8];
    unsigned n = 0, got, sent;
    for (int i = 0; i < 1000 && n == 0; i++) {
        net_poll_all();
        err_ignore(net_udp_recv(u, rx, 8, &n), "n says how many arrived; an error leaves it 0");
    }
    if (n == 0 || err_is_fail(net_udp_alloc(u, tx, n, &got)) || got != n)
        return false;
    for (unsigned i = 0; i < n; i++) {
        memcpy(tx[i].data, rx[i].data, rx[i].len);
        tx[i].len = rx[i].len;
        tx[i].ip = rx[i].ip;
        tx[i].port = rx[i].port;
        memcpy(tx[i].mac, rx[i].mac, 6);
    }
    return err_is_ok(net_udp_send(u, tx, n, &sent)) && sent == n &&
           err_is_ok(net_udp_done(u, rx, n));
}

static void test_udp_native(void)
{
    static uint8_t out[NET_UDP_MAX_PAYLOAD], in[NET_UDP_MAX_PAYLOAD];
    struct net_udp *u;
    errval_t err = net_udp_open(sb, htons(9), 16, &u);
    int client = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = addr(IP_B, 9);
    bool ok = err_is_ok(err);
    size_t len = 1;
    for (; ok && len <= NET_UDP_MAX_PAYLOAD; len++) {
        fill(out, len, (unsigned)len + 1);
        ok = sendto(client, out, len, 0, (struct sockaddr *)&at, sizeof(at)) == (ssize_t)len &&
             native_echo(u) && recv(client, in, sizeof(in), 0) == (ssize_t)len &&
             memcmp(in, out, len) == 0;
    }
    report("net.udp_native_echo", ok, "size %zu: %s", len, err_msg(err));
    close(client);
    if (err_is_ok(err))
        err_ignore(net_udp_close(u), "cleanup at the end of the test");
}

// Both directions at once with non-blocking calls, as one thread must.
static bool tcp_exchange(int c, int s, size_t len)
{
    static uint8_t out[65536], mid[65536], in[65536];
    size_t sent = 0, got = 0, back = 0, echoed = 0;
    fill(out, len, 3);
    uint64_t t0 = net_now_us();
    while (echoed < len && net_now_us() - t0 < 20000000) {
        ssize_t n;
        if (sent < len && (n = send(c, out + sent, len - sent, MSG_DONTWAIT)) > 0)
            sent += (size_t)n;
        if ((n = recv(s, mid + got, len - got, MSG_DONTWAIT)) > 0)
            got += (size_t)n;
        if (back < got && (n = send(s, mid + back, got - back, MSG_DONTWAIT)) > 0)
            back += (size_t)n;
        if ((n = recv(c, in + echoed, len - echoed, MSG_DONTWAIT)) > 0)
            echoed += (size_t)n;
        net_poll_all();
    }
    printf("nettest: %zu sent, %zu received, %zu back, %zu echoed in %lu us\n", sent, got, back,
           echoed, (unsigned long)(net_now_us() - t0));
    return echoed == len && memcmp(in, out, len) == 0;
}

static void test_tcp(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in at = addr(IP_B, 7);
    bool ok = bind(l, (struct sockaddr *)&at, sizeof(at)) == 0 && listen(l, 4) == 0 &&
              connect(c, (struct sockaddr *)&at, sizeof(at)) == 0;
    int s = ok ? accept(l, NULL, NULL) : -1;
    ok = s >= 0 && tcp_exchange(c, s, 65536);
    report("net.tcp_echo", ok, "errno %d", errno);
    uint8_t b;
    ok = shutdown(c, SHUT_WR) == 0 && recv(s, &b, 1, 0) == 0 && close(s) == 0 &&
         recv(c, &b, 1, 0) == 0 && close(c) == 0 && close(l) == 0;
    report("net.tcp_orderly_close", ok, "errno %d", errno);
}

static void test_poll_timeout(void)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = addr(IP_A, 99);
    bind(u, (struct sockaddr *)&at, sizeof(at));
    struct pollfd p = {.fd = u, .events = POLLIN};
    uint64_t t0 = net_now_us();
    int r = poll(&p, 1, 50);
    uint64_t took = net_now_us() - t0;
    report("net.poll_timeout", r == 0 && took >= 50000 && took < 2000000, "%d after %lu us", r,
           (unsigned long)took);
    close(u);
}

static void test_no_leak(void)
{
    for (int i = 0; i < 10; i++)
        net_poll_all();
    struct net_stack_stats a, b;
    net_stack_stats(sa, &a);
    net_stack_stats(sb, &b);
    unsigned out = memq_rx_out(wire, 0) + memq_rx_out(wire, 1);
    unsigned bad = memq_bad(wire, 0) + memq_bad(wire, 1);
    report("net.buffers_home", out == 0 && bad == 0 && a.rx_held + b.rx_held == 0,
           "%u out, %u misused, %u lent", out, bad, a.rx_held + b.rx_held);
    printf("nettest: B took %lu frames (%lu zero-copy, %lu native), sent %lu with %lu doorbells\n",
           (unsigned long)b.rx_frames, (unsigned long)b.rx_zero_copy, (unsigned long)b.rx_native,
           (unsigned long)b.tx_frames, (unsigned long)b.doorbells);
}

int main(void)
{
    test_start();
    if (tests_failed == 0) {
        test_udp_posix();
        test_udp_native();
        test_tcp();
        test_poll_timeout();
        test_no_leak();
    }
    printf("nettest: done, %d failed\n", tests_failed);
    return tests_failed != 0;
}
