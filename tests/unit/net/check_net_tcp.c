/* tests/unit/net/check_net_tcp.c: TCP through the sockets API: echo, close and reset, faults, many
 * connections. */
#include "fixture.h"

#include "lwip/stats.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

// The wire's TCP flags, counted by a tap.
struct flags_seen {
    unsigned syn, fin, rst;
};
static struct flags_seen seen;

static bool count_flags(int from, uint8_t *frame, uint16_t *len, void *arg)
{
    struct parsed r;
    if (parse_frame(frame, *len, &r) == NULL && r.type == ETYPE_IPV4 && r.proto == PROTO_TCP) {
        seen.syn += (r.tcp_flags & TCPF_SYN) != 0;
        seen.fin += (r.tcp_flags & TCPF_FIN) != 0;
        seen.rst += (r.tcp_flags & TCPF_RST) != 0;
    }
    return true;
}

static void setup(void)
{
    fx_setup();
    memset(&seen, 0, sizeof(seen));
    fx.w->tap = count_flags;
}

static int listener(uint16_t port, int backlog)
{
    int l = fx_socket(SOCK_STREAM, FX_IP_B, port);
    ck_assert_int_eq(net_sock_listen(l, backlog), 0);
    return l;
}

static int connect_to(uint16_t port)
{
    int c = fx_socket(SOCK_STREAM, 0, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, port);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    return c;
}

// A connection A (client) to B (server): *client, *server.
static void connection(int l, uint16_t port, int *client, int *server)
{
    *client = connect_to(port);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    *server = net_sock_accept(l, (struct sockaddr *)&peer, &plen);
    ck_assert_int_ge(*server, NET_SOCK_FD_BASE);
    ck_assert_uint_eq(plen, sizeof(peer));
    ck_assert_uint_eq(ntohl(peer.sin_addr.s_addr), FX_IP_A);
}

// Move len bytes from fd to fd2 and back with non-blocking calls, both at
// once, until all arrived: the application loop of a single thread.
struct pump {
    const uint8_t *out;
    uint8_t *in;
    size_t len, sent, got;
};

static void pump_step(int from, int to, struct pump *p)
{
    if (p->sent < p->len) {
        ssize_t n = net_sock_send(from, p->out + p->sent, p->len - p->sent, MSG_DONTWAIT);
        if (n < 0)
            ck_assert_int_eq(errno, EAGAIN);
        else
            p->sent += (size_t)n;
    }
    ssize_t n = net_sock_recv(to, p->in + p->got, p->len - p->got, MSG_DONTWAIT);
    if (n < 0)
        ck_assert_int_eq(errno, EAGAIN);
    else
        p->got += (size_t)n;
}

static void exchange(int a, int b, size_t len, uint64_t max_us)
{
    uint8_t *out1 = malloc(len), *out2 = malloc(len), *in1 = malloc(len), *in2 = malloc(len);
    fx_fill(out1, len, 1);
    fx_fill(out2, len, 2);
    struct pump ab = {out1, in2, len, 0, 0}, ba = {out2, in1, len, 0, 0};
    uint64_t start = simq_now_us;
    while (ab.got < len || ba.got < len) {
        ck_assert_msg(simq_now_us - start < max_us, "stalled at %zu and %zu of %zu", ab.got, ba.got,
                      len);
        pump_step(a, b, &ab);
        pump_step(b, a, &ba);
        fx_run(500);
    }
    ck_assert_mem_eq(in2, out1, len);
    ck_assert_mem_eq(in1, out2, len);
    free(out1);
    free(out2);
    free(in1);
    free(in2);
}

START_TEST(test_echo_orderly_close)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    uint8_t out[11680], mid[11680], in[11680];
    size_t sizes[] = {1, 100, 1460, 1461, 5000, 11680};
    for (unsigned i = 0; i < 6; i++) {
        size_t len = sizes[i];
        fx_fill(out, len, i);
        ck_assert_int_eq(net_sock_send(c, out, len, 0), (ssize_t)len);
        ck_assert_int_eq(net_sock_recv(s, mid, len, MSG_WAITALL), (ssize_t)len);
        ck_assert_int_eq(net_sock_send(s, mid, len, 0), (ssize_t)len);
        ck_assert_int_eq(net_sock_recv(c, in, len, MSG_WAITALL), (ssize_t)len);
        ck_assert_mem_eq(in, out, len);
    }
    // The client is done sending; the server sees the end, answers, closes.
    ck_assert_int_eq(net_sock_shutdown(c, SHUT_WR), 0);
    ck_assert_int_eq(net_sock_recv(s, mid, sizeof(mid), 0), 0);
    ck_assert_int_eq(net_sock_send(s, "bye", 3, 0), 3);
    ck_assert_int_eq(net_sock_close(s), 0);
    ck_assert_int_eq(net_sock_recv(c, in, sizeof(in), 0), 3);
    ck_assert_int_eq(net_sock_recv(c, in, sizeof(in), 0), 0);
    ck_assert_int_eq(net_sock_send(c, "x", 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_int_eq(net_sock_close(c), 0);
    ck_assert_int_eq(net_sock_close(l), 0);
    fx_run(1000000);
    ck_assert_uint_eq(seen.syn, 2);
    ck_assert_uint_eq(seen.fin, 2);
    ck_assert_uint_eq(seen.rst, 0);
}
END_TEST

START_TEST(test_big_both_ways)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    exchange(c, s, 200 * 1024, 60 * 1000000ull);
    ck_assert_int_eq(net_sock_close(c), 0);
    ck_assert_int_eq(net_sock_recv(s, NULL, 0, 0), 0);
    uint8_t b;
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), 0); // the end
    ck_assert_int_eq(net_sock_close(s), 0);
    ck_assert_int_eq(net_sock_close(l), 0);
    fx_run(1000000);
    ck_assert_uint_eq(seen.rst, 0);
    ck_assert_uint_eq(simq_rx_out(&fx.w->end[0]) + simq_rx_out(&fx.w->end[1]), 0);
}
END_TEST

START_TEST(test_faulty_wire)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    fx.w->loss = 50;
    fx.w->dup = 60;
    fx.w->reorder = 50;
    fx.w->corrupt = 30;
    uint32_t drops = lwip_stats.tcp.chkerr + lwip_stats.ip.chkerr + lwip_stats.link.drop;
    exchange(c, s, 150 * 1024, 600 * 1000000ull);
    // Each fault happened (the generator is seeded: the same every run).
    ck_assert_uint_gt(fx.w->lost, 10);
    ck_assert_uint_gt(fx.w->duplicated, 5);
    ck_assert_uint_gt(fx.w->reordered, 10);
    ck_assert_uint_gt(fx.w->corrupted, 5);
    ck_assert_uint_gt(lwip_stats.tcp.chkerr + lwip_stats.ip.chkerr + lwip_stats.link.drop, drops);
    fx.w->loss = fx.w->dup = fx.w->reorder = fx.w->corrupt = 0;
    simq_release_held(fx.w);
    ck_assert_int_eq(net_sock_shutdown(c, SHUT_WR), 0);
    uint8_t b;
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), 0);
    ck_assert_int_eq(net_sock_close(s), 0);
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), 0);
    ck_assert_int_eq(net_sock_close(c), 0);
    ck_assert_int_eq(net_sock_close(l), 0);
}
END_TEST

// SO_LINGER with 0 seconds: close resets the connection.
START_TEST(test_reset_by_linger)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    ck_assert_int_eq(net_sock_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    ck_assert_int_eq(net_sock_send(c, "data", 4, 0), 4);
    ck_assert_int_eq(net_sock_close(c), 0);
    uint8_t buf[16];
    // The data came before the reset; then the reset is reported once.
    ck_assert_int_eq(net_sock_recv(s, buf, sizeof(buf), 0), 4);
    ck_assert_int_eq(net_sock_recv(s, buf, sizeof(buf), 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    ck_assert_int_eq(net_sock_recv(s, buf, sizeof(buf), 0), 0);
    ck_assert_int_eq(net_sock_send(s, "x", 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_uint_eq(seen.rst, 1);
    ck_assert_uint_eq(seen.fin, 0);
    struct pollfd p = {.fd = s, .events = POLLIN | POLLOUT};
    ck_assert_int_eq(net_sock_poll(&p, 1, 0), 1);
    ck_assert_int_eq(p.revents, POLLIN | POLLOUT | POLLHUP);
    ck_assert_int_eq(net_sock_close(s), 0);
}
END_TEST

// Closing with data not read resets the connection, as POSIX systems do.
START_TEST(test_reset_unread_data)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    ck_assert_int_eq(net_sock_send(c, "unread", 6, 0), 6);
    fx_run(10000);
    ck_assert_int_eq(net_sock_close(s), 0);
    uint8_t buf[16];
    struct pollfd p = {.fd = c, .events = POLLIN};
    ck_assert_int_eq(net_sock_poll(&p, 1, 1000), 1);
    ck_assert_int_eq(p.revents, POLLIN | POLLHUP | POLLERR);
    int err;
    socklen_t len = sizeof(err);
    ck_assert_int_eq(net_sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, ECONNRESET);
    ck_assert_int_eq(net_sock_recv(c, buf, sizeof(buf), 0), 0); // reported by SO_ERROR
    ck_assert_int_eq(net_sock_send(c, "x", 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_uint_eq(seen.rst, 1);
    ck_assert_int_eq(net_sock_close(c), 0);
}
END_TEST

START_TEST(test_refused)
{
    int c = fx_socket(SOCK_STREAM, FX_IP_A, 5555);
    struct sockaddr_in to = fx_addr(FX_IP_B, 8);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    // Once the server is there, the same socket may try again, from the
    // address it was bound to.
    int l = listener(8, 1);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    struct sockaddr_in name;
    socklen_t nlen = sizeof(name);
    ck_assert_int_eq(net_sock_getsockname(c, (struct sockaddr *)&name, &nlen), 0);
    ck_assert_uint_eq(ntohs(name.sin_port), 5555);
    ck_assert_int_eq(net_sock_close(c), 0);
    ck_assert_int_eq(net_sock_close(l), 0);
    // Non-blocking: EINPROGRESS, then poll reports it, SO_ERROR says why.
    c = fx_socket(SOCK_STREAM, 0, 0);
    ck_assert_int_eq(net_sock_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, EINPROGRESS);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, EALREADY);
    struct pollfd p = {.fd = c, .events = POLLOUT};
    ck_assert_int_eq(net_sock_poll(&p, 1, 1000), 1);
    ck_assert(p.revents & POLLERR);
    int err;
    socklen_t len = sizeof(err);
    ck_assert_int_eq(net_sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, ECONNREFUSED);
    ck_assert_int_eq(net_sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, 0); // read once
    ck_assert_int_eq(net_sock_close(c), 0);
}
END_TEST

START_TEST(test_nonblocking_connect)
{
    int l = listener(7, 4);
    int c = net_sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, EINPROGRESS);
    uint8_t b;
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), -1);
    ck_assert_int_eq(errno, EAGAIN);
    struct pollfd p[2] = {{.fd = c, .events = POLLOUT}, {.fd = l, .events = POLLIN}};
    ck_assert_int_eq(net_sock_poll(p, 2, 1000), 2);
    ck_assert_int_eq(p[0].revents, POLLOUT);
    ck_assert_int_eq(p[1].revents, POLLIN);
    int err;
    socklen_t len = sizeof(err);
    ck_assert_int_eq(net_sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, 0);
    ck_assert_int_eq(net_sock_connect(c, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, EISCONN);
    int s = net_sock_accept(l, NULL, NULL);
    ck_assert_int_ge(s, NET_SOCK_FD_BASE);
    // Names on both sides agree.
    struct sockaddr_in cn, sp;
    socklen_t cl = sizeof(cn), sl = sizeof(sp);
    ck_assert_int_eq(net_sock_getsockname(c, (struct sockaddr *)&cn, &cl), 0);
    ck_assert_int_eq(net_sock_getpeername(s, (struct sockaddr *)&sp, &sl), 0);
    ck_assert_uint_eq(cn.sin_port, sp.sin_port);
    ck_assert_uint_eq(ntohl(cn.sin_addr.s_addr), FX_IP_A);
    ck_assert_uint_eq(ntohl(sp.sin_addr.s_addr), FX_IP_A);
    // Nothing to read yet: POLLOUT only; then data: POLLIN too.
    p[0] = (struct pollfd){.fd = s, .events = POLLIN | POLLOUT};
    ck_assert_int_eq(net_sock_poll(p, 1, 0), 1);
    ck_assert_int_eq(p[0].revents, POLLOUT);
    ck_assert_int_eq(net_sock_send(c, "z", 1, 0), 1);
    ck_assert_int_eq(net_sock_poll(p, 1, 1000), 1);
    ck_assert_int_eq(p[0].revents, POLLIN | POLLOUT);
    // Both directions shut: POLLHUP.
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), 1);
    ck_assert_int_eq(net_sock_shutdown(c, SHUT_WR), 0);
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), 0);
    ck_assert_int_eq(net_sock_shutdown(s, SHUT_WR), 0);
    p[0].events = POLLIN;
    ck_assert_int_eq(net_sock_poll(p, 1, 1000), 1);
    ck_assert_int_eq(p[0].revents, POLLIN | POLLHUP);
    net_sock_close(s);
    net_sock_close(c);
    net_sock_close(l);
}
END_TEST

// Eight connections at once, data on each interleaved; then 40 one
// after another on the same port (SO_REUSEADDR), the client closing first.
START_TEST(test_many_connections)
{
    int l = listener(7, 8), c[6], s[6];
    for (int i = 0; i < 6; i++)
        connection(l, 7, &c[i], &s[i]);
    uint8_t buf[64];
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 6; i++) {
            buf[0] = (uint8_t)(round * 6 + i);
            ck_assert_int_eq(net_sock_send(c[i], buf, 1, 0), 1);
        }
        for (int i = 5; i >= 0; i--) {
            ck_assert_int_eq(net_sock_recv(s[i], buf, sizeof(buf), 0), 1);
            ck_assert_uint_eq(buf[0], round * 6 + i);
            ck_assert_int_eq(net_sock_send(s[i], buf, 1, 0), 1);
        }
        for (int i = 0; i < 6; i++) {
            ck_assert_int_eq(net_sock_recv(c[i], buf, sizeof(buf), 0), 1);
            ck_assert_uint_eq(buf[0], round * 6 + i);
        }
    }
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(net_sock_close(c[i]), 0);
        ck_assert_int_eq(net_sock_recv(s[i], buf, sizeof(buf), 0), 0);
        ck_assert_int_eq(net_sock_close(s[i]), 0);
    }
    // One after another, the server closing first: its side waits in
    // TIME_WAIT on port 7 (lwIP reuses the oldest when PCBs run out).
    for (int i = 0; i < 40; i++) {
        int cc, ss;
        connection(l, 7, &cc, &ss);
        ck_assert_int_eq(net_sock_send(cc, "q", 1, 0), 1);
        ck_assert_int_eq(net_sock_recv(ss, buf, 1, 0), 1);
        ck_assert_int_eq(net_sock_close(ss), 0);
        ck_assert_int_eq(net_sock_recv(cc, buf, 1, 0), 0);
        ck_assert_int_eq(net_sock_close(cc), 0);
    }
    // A new listener on the port: only with SO_REUSEADDR while those wait.
    ck_assert_int_eq(net_sock_close(l), 0);
    fx_run(10000); // the last FIN: every server side is in TIME_WAIT now
    l = net_sock_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in at = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_bind(l, (struct sockaddr *)&at, sizeof(at)), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    int one = 1;
    ck_assert_int_eq(net_sock_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    ck_assert_int_eq(net_sock_bind(l, (struct sockaddr *)&at, sizeof(at)), 0);
    ck_assert_int_eq(net_sock_listen(l, 4), 0);
    int cc, ss;
    connection(l, 7, &cc, &ss);
    net_sock_close(cc);
    net_sock_close(ss);
    ck_assert_uint_eq(seen.rst, 0);
    net_sock_close(l);
}
END_TEST

// listen(2): two connections wait to be accepted, lwIP drops further SYNs
// (the peers retry) until accept() makes room.
START_TEST(test_backlog)
{
    int l = listener(7, 2), c[4];
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    for (int i = 0; i < 4; i++) {
        c[i] = net_sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ck_assert_int_eq(net_sock_connect(c[i], (struct sockaddr *)&to, sizeof(to)), -1);
        ck_assert_int_eq(errno, EINPROGRESS);
    }
    fx_run(500000);
    struct net_sock_stats st;
    net_sock_stats(&st);
    ck_assert_uint_eq(st.unaccepted, 2);
    struct pollfd p[4];
    for (int i = 0; i < 4; i++)
        p[i] = (struct pollfd){.fd = c[i], .events = POLLOUT};
    ck_assert_int_eq(net_sock_poll(p, 4, 0), 2);
    int s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = net_sock_accept(l, NULL, NULL); // blocks until a retried SYN gets in
        ck_assert_int_ge(s[i], 0);
    }
    ck_assert_int_eq(net_sock_poll(p, 4, 1000), 4);
    for (int i = 0; i < 4; i++) {
        net_sock_close(s[i]);
        net_sock_close(c[i]);
    }
    net_sock_close(l);
}
END_TEST

// The peer vanishes (the wire is cut): retransmissions give up and the
// connection ends with ETIMEDOUT; a connect over the cut wire too.
START_TEST(test_peer_vanishes)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    fx.w->cut = true;
    ck_assert_int_eq(net_sock_send(c, "lost", 4, 0), 4); // queued
    uint8_t b;
    uint64_t start = simq_now_us;
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_uint_gt(simq_now_us - start, 60 * 1000000ull); // many retransmissions
    ck_assert_int_eq(net_sock_send(c, "x", 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    net_sock_close(c);
    int c2 = fx_socket(SOCK_STREAM, 0, 0);
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    ck_assert_int_eq(net_sock_connect(c2, (struct sockaddr *)&to, sizeof(to)), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    net_sock_close(c2);
    // B's side never heard anything: it times out too when it sends.
    ck_assert_int_eq(net_sock_send(s, "y", 1, 0), 1);
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    net_sock_close(s);
    net_sock_close(l);
    fx.w->cut = false;
}
END_TEST

// B's stack goes away under a connection: B's socket gets ENETDOWN, and
// A's connection is reset (lwIP aborts B's connections with a RST as the
// interface leaves).
START_TEST(test_stack_gone)
{
    int l = listener(7, 4), c, s;
    connection(l, 7, &c, &s);
    ck_assert_int_eq(net_sock_close(l), 0);
    ck_assert(err_is_ok(net_stack_close(fx.b)));
    fx.b = NULL;
    uint8_t b;
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ENETDOWN);
    ck_assert_int_eq(net_sock_close(s), 0);
    ck_assert(fx.w->end[1].closed);
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    ck_assert_uint_eq(seen.rst, 1);
    net_sock_close(c);
}
END_TEST

// Connections lwIP cannot make (every PCB in use) reach the listener's
// callback without a pcb: counted, no crash, and service goes on.
START_TEST(test_pcb_exhaustion)
{
    int l = listener(7, 16), c[NET_SOCK_MAX], n = 0;
    struct sockaddr_in to = fx_addr(FX_IP_B, 7);
    // MEMP_NUM_TCP_PCB for both stacks: clients take most (as many as
    // there are descriptors, but the listener's and one to accept), the
    // servers' side of their connections the rest.
    for (; n < NET_SOCK_MAX - 2; n++) {
        c[n] = net_sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c[n] < 0) {
            ck_assert_int_eq(errno, ENOBUFS);
            break;
        }
        ck_assert_int_eq(net_sock_connect(c[n], (struct sockaddr *)&to, sizeof(to)), -1);
    }
    ck_assert_int_gt(n, MEMP_NUM_TCP_PCB - 16);
    fx_run(500000);
    struct net_sock_stats st;
    net_sock_stats(&st);
    ck_assert_uint_gt(st.accept_no_pcb, 0);
    ck_assert_uint_lt(st.unaccepted, (unsigned)n);
    // The accepted ones work.
    int s = net_sock_accept(l, NULL, NULL);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(net_sock_send(s, "ok", 2, 0), 2);
    for (int i = 0; i < n; i++)
        net_sock_close(c[i]);
    net_sock_close(s);
    net_sock_close(l);
}
END_TEST

// A connection reset before accept() is still accepted, and reports it.
START_TEST(test_reset_before_accept)
{
    int l = listener(7, 4);
    int c = connect_to(7);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    ck_assert_int_eq(net_sock_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    ck_assert_int_eq(net_sock_close(c), 0);
    fx_run(10000);
    int s = net_sock_accept(l, NULL, NULL);
    ck_assert_int_ge(s, 0);
    uint8_t b;
    ck_assert_int_eq(net_sock_recv(s, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    net_sock_close(s);
    // A listener closed with a connection waiting resets it.
    c = connect_to(7);
    fx_run(10000);
    ck_assert_int_eq(net_sock_close(l), 0);
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    net_sock_close(c);
}
END_TEST

// TCP_NODELAY and the receive timeout on a connection.
START_TEST(test_options)
{
    int l = listener(7, 4), c, s, one = 1, v;
    socklen_t len = sizeof(v);
    ck_assert_int_eq(net_sock_setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    connection(l, 7, &c, &s);
    ck_assert_int_eq(net_sock_getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    ck_assert_int_eq(v, 1); // inherited from the listener
    ck_assert_int_eq(net_sock_getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    ck_assert_int_eq(v, 0);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 250000};
    ck_assert_int_eq(net_sock_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    uint8_t b;
    uint64_t start = simq_now_us;
    ck_assert_int_eq(net_sock_recv(c, &b, 1, 0), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_uint_ge(simq_now_us - start, 250000);
    ck_assert_uint_lt(simq_now_us - start, 260000);
    // MSG_PEEK leaves the data; MSG_WAITALL waits for all of it.
    ck_assert_int_eq(net_sock_send(s, "abc", 3, 0), 3);
    uint8_t buf[8];
    ck_assert_int_eq(net_sock_recv(c, buf, sizeof(buf), MSG_PEEK), 3);
    ck_assert_int_eq(net_sock_recv(c, buf, 2, 0), 2);
    ck_assert_mem_eq(buf, "ab", 2);
    ck_assert_int_eq(net_sock_send(s, "def", 3, 0), 3);
    ck_assert_int_eq(net_sock_recv(c, buf, 4, MSG_WAITALL), 4);
    ck_assert_mem_eq(buf, "cdef", 4);
    // Reading shut: later data is dropped; recv says the end.
    ck_assert_int_eq(net_sock_shutdown(c, SHUT_RD), 0);
    ck_assert_int_eq(net_sock_send(s, "ghi", 3, 0), 3);
    fx_run(10000);
    ck_assert_int_eq(net_sock_recv(c, buf, sizeof(buf), 0), 0);
    ck_assert_uint_eq(seen.rst, 0);
    net_sock_close(c);
    net_sock_close(s);
    net_sock_close(l);
}
END_TEST

static Suite *tcp_suite(void)
{
    Suite *s = suite_create("net_tcp");
    TCase *tc = tcase_create("tcp");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, fx_teardown);
    tcase_add_test(tc, test_echo_orderly_close);
    tcase_add_test(tc, test_big_both_ways);
    tcase_add_test(tc, test_faulty_wire);
    tcase_add_test(tc, test_reset_by_linger);
    tcase_add_test(tc, test_reset_unread_data);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_nonblocking_connect);
    tcase_add_test(tc, test_many_connections);
    tcase_add_test(tc, test_backlog);
    tcase_add_test(tc, test_peer_vanishes);
    tcase_add_test(tc, test_stack_gone);
    tcase_add_test(tc, test_pcb_exhaustion);
    tcase_add_test(tc, test_reset_before_accept);
    tcase_add_test(tc, test_options);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(tcp_suite)
