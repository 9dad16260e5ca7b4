/* tests/unit/net/check_net_tcp_peer.c: TCP against a hand-driven peer: windows closed both ways
 * (the persist timer, no ACK loop), many connections, listen-backlog overflow. */
#include "fixture.h"

#include "lwip/opt.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip_port.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

// The peer's side of one connection to B's port 7, kept by the test as
// RFC 793 says a receiver must, and as BSD's TCP (QEMU's user network)
// does: a segment outside its window (with a window of 0, any segment but
// an empty one at RCV.NXT) is answered with an ACK and dropped, its ACK
// field unread; a segment at RCV.NXT into a window of 0 (a probe) loses
// its data, is ACKed, and its ACK field counts. Data in order is taken up
// to the window, and what the peer takes closes its window (it never
// reads). The peer's own probes (peer_probe) do not move SND.NXT, so its
// ACKs carry the probe's sequence number until B acknowledges the byte.
struct conn {
    uint16_t port;
    uint32_t snd_nxt, rcv_nxt;
    uint32_t snd_max; // beyond the peer's last probe byte
    uint16_t wnd;     // the window the peer advertises
    uint16_t b_wnd;   // the window B last advertised
    bool synced, fin_in, reset;
    uint8_t got[16384];
    size_t ngot;
};

#define PEER_ISS  1000u
#define PEER_MSS  536   // the peer's SYN has no MSS option: RFC 1122's default
#define FRAME_CAP 20000 // B's frames the peer answers before giving up (a loop)

// What the peer saw of B, over all connections.
static struct {
    unsigned frames, pure_acks, probes, unacceptable, syn_acks, rsts;
    uint64_t probe_us[64];
} seen;

static void setup(void)
{
    fx_setup_peer();
    memset(&seen, 0, sizeof(seen));
}

static void peer_segment(struct conn *c, uint8_t flags, const void *data, size_t len)
{
    uint8_t f[ETH_MAX_FRAME];
    size_t n = build_tcp_wnd(f, &fx.ep_a, c->port, &fx.ep_b, 7, c->snd_nxt, c->rcv_nxt, flags,
                             c->wnd, data, len);
    c->snd_nxt += (uint32_t)len + ((flags & (TCPF_SYN | TCPF_FIN)) != 0);
    if ((int32_t)(c->snd_nxt - c->snd_max) > 0)
        c->snd_max = c->snd_nxt;
    fx_peer_send(f, n);
}

static void peer_ack(struct conn *c) { peer_segment(c, TCPF_ACK, NULL, 0); }

// A zero-window probe from the peer, as BSD sends it: the byte at SND.NXT,
// SND.NXT left where it was (only SND.MAX covers the byte).
static void peer_probe(struct conn *c, const uint8_t *byte)
{
    peer_segment(c, TCPF_ACK, byte, 1);
    c->snd_nxt--;
}

static bool acceptable(const struct conn *c, uint32_t seq, size_t len)
{
    if (len == 0)
        return c->wnd == 0 ? seq == c->rcv_nxt : seq - c->rcv_nxt < c->wnd;
    return c->wnd > 0 && seq == c->rcv_nxt; // only in order: this peer keeps no gaps
}

// One segment from B for connection c.
static void peer_input(struct conn *c, const struct parsed *r)
{
    size_t len = r->data_len + ((r->tcp_flags & TCPF_FIN) != 0);
    c->b_wnd = r->tcp_wnd;
    if (r->tcp_flags & TCPF_RST) {
        c->reset = true;
        seen.rsts++;
        return;
    }
    if (r->tcp_flags & TCPF_SYN) { // B's SYN-ACK (again, if our ACK was lost)
        seen.syn_acks++;
        c->rcv_nxt = r->seq + 1;
        c->synced = true;
        peer_ack(c);
        return;
    }
    if (r->data_len == 1 && c->wnd == 0 && r->seq == c->rcv_nxt && seen.probes < 64)
        seen.probe_us[seen.probes++] = simq_now_us;
    else if (len == 0)
        seen.pure_acks++;
    bool at_edge = c->wnd == 0 && len > 0 && r->seq == c->rcv_nxt; // B's probe
    if (!acceptable(c, r->seq, len) && !at_edge) {
        seen.unacceptable++;
        peer_ack(c);
        return;
    }
    // B acknowledged the peer's probe byte: SND.NXT moves past it.
    if ((int32_t)(r->ack - c->snd_nxt) > 0 && (int32_t)(r->ack - c->snd_max) <= 0)
        c->snd_nxt = r->ack;
    if (at_edge) {
        peer_ack(c);
        return;
    }
    size_t take = r->data_len < c->wnd ? r->data_len : c->wnd;
    ck_assert_uint_le(c->ngot + take, sizeof(c->got));
    memcpy(c->got + c->ngot, r->data, take);
    c->ngot += take;
    c->rcv_nxt += (uint32_t)take;
    c->wnd = (uint16_t)(c->wnd - take);
    if ((r->tcp_flags & TCPF_FIN) && take == r->data_len) {
        c->rcv_nxt++;
        c->fin_in = true;
    }
    if (len > 0)
        peer_ack(c);
}

static struct conn *conns;
static unsigned nconns;

// Answer every frame B has sent; false once B sent more than FRAME_CAP.
static bool peer_drain(void)
{
    struct parsed r;
    uint8_t buf[NETQ_BUF_BYTES];
    while (seen.frames < FRAME_CAP && fx_peer_take(&r, buf)) {
        if (r.type != ETYPE_IPV4 || r.proto != PROTO_TCP)
            continue;
        seen.frames++;
        for (unsigned i = 0; i < nconns; i++) {
            if (conns[i].port == r.dport)
                peer_input(&conns[i], &r);
        }
    }
    return seen.frames < FRAME_CAP;
}

// Run B and the peer for us of simulated time, in steps of 10 ms.
static void peer_run(uint64_t us)
{
    uint64_t end = simq_now_us + us;
    while (peer_drain() && simq_now_us < end)
        fx_run(end - simq_now_us < 10000 ? end - simq_now_us : 10000);
}

static struct conn *peer_connect(struct conn *c, uint16_t port, uint16_t wnd)
{
    memset(c, 0, sizeof(*c));
    c->port = port;
    c->snd_nxt = c->snd_max = PEER_ISS;
    c->wnd = wnd;
    peer_segment(c, TCPF_SYN, NULL, 0);
    return c;
}

// ---- Both windows closed ---------------------------------------------------

static struct conn zc;
static uint8_t b_out[6000], a_out[8 * TCP_MSS + 64];

// A connection on which neither side reads: B's application sends 6000
// bytes into the peer's window of 2144, the peer fills B's window
// (TCP_WND); then neither window opens. Returns B's socket.
static int both_windows_closed(void)
{
    int l = fx_socket(SOCK_STREAM, FX_IP_B, 7);
    ck_assert_int_eq(net_sock_listen(l, 4), 0);
    conns = &zc;
    nconns = 1;
    peer_connect(&zc, 40000, 4 * PEER_MSS);
    peer_run(10000);
    ck_assert(zc.synced);
    int s = net_sock_accept(l, NULL, NULL);
    ck_assert_int_ge(s, NET_SOCK_FD_BASE);
    net_sock_close(l);
    fx_fill(b_out, sizeof(b_out), 7);
    fx_fill(a_out, sizeof(a_out), 8);
    ck_assert_int_eq(net_sock_send(s, b_out, sizeof(b_out), MSG_DONTWAIT), (ssize_t)sizeof(b_out));
    for (size_t off = 0; off < TCP_WND; off += TCP_MSS) {
        peer_segment(&zc, TCPF_ACK, a_out + off, TCP_MSS);
        peer_run(1000);
    }
    peer_run(500000); // delayed ACKs
    ck_assert_uint_eq(zc.ngot, 4 * PEER_MSS);
    ck_assert_uint_eq(zc.wnd, 0);
    ck_assert_uint_eq(zc.b_wnd, 0);
    return s;
}

// B probes the closed window with backoff, answers the peer's probes, and
// never answers an acceptable ACK with another: no ACK loop. Probes that
// are answered keep the connection, beyond TCP_MAXRTX of them; when the
// window opens, everything arrives.
START_TEST(test_zero_windows_no_ack_loop)
{
    int s = both_windows_closed();
    uint64_t t0 = simq_now_us;
    unsigned acks0 = seen.pure_acks, peer_probes = 0;
    // 12 minutes; the peer probes B's window every 30 s with its next byte.
    for (int i = 0; i < 24 && seen.frames < FRAME_CAP; i++) {
        peer_run(30 * 1000000ull);
        peer_probe(&zc, a_out + TCP_WND); // not taken: the same byte again next time
        peer_probes++;
    }
    ck_assert_msg(seen.frames < FRAME_CAP, "ACK loop: B sent %u frames (%u pure ACKs) in %llu ms",
                  seen.frames, seen.pure_acks - acks0,
                  (unsigned long long)(simq_now_us - t0) / 1000);
    // One ACK per probe of the peer; B's own probes need no other frame.
    ck_assert_uint_le(seen.pure_acks - acks0, peer_probes);
    ck_assert_uint_gt(seen.probes, TCP_MAXRTX);
    ck_assert_uint_lt(seen.probes, 30);
    ck_assert_uint_lt(seen.probe_us[0] - t0, 2000000); // the timer ran while the window closed
    uint64_t prev = 1000000;                           // the first gap is a second or more
    for (unsigned i = 1; i < seen.probes; i++) {
        uint64_t gap = seen.probe_us[i] - seen.probe_us[i - 1];
        ck_assert_msg(gap + 500000 >= prev, "probe %u after %llu ms, the one before after %llu", i,
                      (unsigned long long)gap / 1000, (unsigned long long)prev / 1000);
        ck_assert_uint_le(gap, 60500000); // a probe at least every minute
        prev = gap;
    }
    ck_assert_uint_ge(prev, 50000000); // backed off to the limit
    // The peer reads: its window opens, the rest of B's data arrives.
    zc.wnd = 8192;
    peer_ack(&zc);
    peer_run(2000000);
    ck_assert_uint_eq(zc.ngot, sizeof(b_out));
    ck_assert_mem_eq(zc.got, b_out, sizeof(b_out));
    uint8_t in[TCP_WND];
    ck_assert_int_eq(net_sock_recv(s, in, sizeof(in), MSG_WAITALL), TCP_WND);
    ck_assert_mem_eq(in, a_out, TCP_WND);
    ck_assert_uint_eq(seen.rsts, 0);
    peer_segment(&zc, TCPF_RST, NULL, 0);
    ck_assert_int_eq(net_sock_recv(s, in, 1, 0), -1);
    ck_assert_int_eq(errno, ECONNRESET);
}
END_TEST

// B's window has room for a few bytes but is announced as 0 (its
// application read less than a segment: silly window avoidance), B has
// probed the peer's window, and the peer probes B's: B takes the byte
// and ACKs it. The peer, a BSD TCP with its window closed, reads that
// ACK only if it carries the peer's RCV.NXT, not B's SND.NXT (one beyond,
// past B's probe byte); otherwise it drops it with an ACK from before the
// byte, an old duplicate that B must answer, and each side answers the
// other at once. Here: one ACK from B, and the peer learns the byte
// arrived.
START_TEST(test_zero_windows_probe_taken_no_ack_loop)
{
    int s = both_windows_closed();
    uint64_t t0 = simq_now_us;
    peer_run(2000000);
    ck_assert_uint_eq(seen.probes, 1); // B's SND.NXT is past the peer's RCV.NXT
    uint8_t in[100];
    ck_assert_int_eq(net_sock_recv(s, in, sizeof(in), MSG_DONTWAIT), (ssize_t)sizeof(in));
    ck_assert_mem_eq(in, a_out, sizeof(in));
    peer_run(500000);
    ck_assert_uint_eq(zc.b_wnd, 0); // 100 bytes free: no window update
    unsigned frames0 = seen.frames, acks0 = seen.pure_acks;
    uint32_t probe_seq = zc.snd_nxt;
    peer_probe(&zc, a_out + TCP_WND);
    peer_run(1000000); // B's delayed ACK, and anything it starts
    ck_assert_msg(seen.frames < FRAME_CAP, "ACK loop: B sent %u frames (%u pure ACKs) in %llu ms",
                  seen.frames - frames0, seen.pure_acks - acks0,
                  (unsigned long long)(simq_now_us - t0) / 1000);
    ck_assert_uint_eq(seen.frames - frames0, 1);  // the ACK of the byte, nothing after it
    ck_assert_uint_eq(zc.snd_nxt, probe_seq + 1); // the peer read that ACK
    ck_assert_uint_eq(seen.probes, 1);
    // The peer reads: everything arrives, the probe byte once.
    zc.wnd = 8192;
    peer_ack(&zc);
    peer_run(2000000);
    ck_assert_uint_eq(zc.ngot, sizeof(b_out));
    ck_assert_mem_eq(zc.got, b_out, sizeof(b_out));
    uint8_t rest[TCP_WND + 1 - sizeof(in)]; // B's window, the probe byte, less what was read
    ck_assert_int_eq(net_sock_recv(s, rest, sizeof(rest), MSG_WAITALL), (ssize_t)sizeof(rest));
    ck_assert_mem_eq(rest, a_out + sizeof(in), sizeof(rest));
    ck_assert_uint_eq(seen.rsts, 0);
    peer_segment(&zc, TCPF_RST, NULL, 0);
}
END_TEST

// The peer vanishes while B's data waits for its window: the unanswered
// probes end the connection (ETIMEDOUT) after TCP_MAXRTX of them.
START_TEST(test_zero_window_peer_vanishes)
{
    int s = both_windows_closed();
    uint64_t t0 = simq_now_us;
    fx.w->cut = true;
    struct pollfd p = {.fd = s, .events = 0}; // POLLERR and POLLHUP only
    int n = net_sock_poll(&p, 1, 20 * 60 * 1000);
    ck_assert_int_eq(n, 1);
    ck_assert(p.revents & POLLERR);
    ck_assert_uint_gt(simq_now_us - t0, 5 * 60 * 1000000ull);
    int err = 0;
    socklen_t len = sizeof(err);
    ck_assert_int_eq(net_sock_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len), 0);
    ck_assert_int_eq(err, ETIMEDOUT);
    uint8_t b;
    ck_assert_int_eq(net_sock_send(s, &b, 1, 0), -1);
    ck_assert_int_eq(errno, EPIPE);
    fx.w->cut = false;
}
END_TEST

// ---- Many connections, backlog overflow ------------------------------------

#define N_CONNS 100
#define BACKLOG 16

static struct conn many[N_CONNS];

// The application: an echo server from one poll loop, non-blocking, as
// usr/apps/tcpecho is (the messages here always fit the send buffer).
static struct pollfd app_fds[1 + N_CONNS];
static unsigned app_n;

static void app_step(void)
{
    ck_assert_int_ge(net_sock_poll(app_fds, app_n, 0), 0);
    for (unsigned i = app_n - 1; i >= 1; i--) {
        if (app_fds[i].revents == 0)
            continue;
        char buf[64];
        ssize_t n = net_sock_recv(app_fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN)
            continue;
        if (n > 0) {
            ck_assert_int_eq(net_sock_send(app_fds[i].fd, buf, (size_t)n, MSG_DONTWAIT), n);
            continue;
        }
        ck_assert_int_eq(net_sock_close(app_fds[i].fd), 0);
        app_fds[i] = app_fds[--app_n];
    }
    int c;
    while (app_n < 1 + N_CONNS && (c = net_sock_accept(app_fds[0].fd, NULL, NULL)) >= 0)
        app_fds[app_n++] = (struct pollfd){.fd = c, .events = POLLIN};
}

static void many_connect(void)
{
    for (unsigned i = 0; i < N_CONNS; i++) {
        if (!many[i].synced)
            peer_connect(&many[i], (uint16_t)(41000 + i), 8192);
    }
}

// The peer's side of the exchange: once connected, a message; once it
// came back, FIN. True when every connection is done (echoed, both FINs).
static bool many_step(void)
{
    bool done = true;
    for (unsigned i = 0; i < N_CONNS; i++) {
        struct conn *c = &many[i];
        char msg[16];
        int len = snprintf(msg, sizeof(msg), "conn %u", i);
        if (c->synced && c->snd_nxt == PEER_ISS + 1)
            peer_segment(c, TCPF_ACK | TCPF_PSH, msg, (size_t)len);
        else if (c->ngot == (size_t)len && c->snd_nxt == PEER_ISS + 1 + (uint32_t)len)
            peer_segment(c, TCPF_ACK | TCPF_FIN, NULL, 0);
        done = done && c->fin_in && c->ngot == (size_t)len && memcmp(c->got, msg, c->ngot) == 0;
    }
    return done;
}

// A hundred clients connect at once to a listener with a backlog of 16:
// the SYNs beyond it are dropped and counted, not answered (no RST); as
// the application accepts, the peers' retried SYNs get in, and every
// connection echoes and closes in order.
START_TEST(test_many_connections_backlog)
{
    app_fds[0] =
        (struct pollfd){.fd = fx_socket(SOCK_STREAM | SOCK_NONBLOCK, FX_IP_B, 7), .events = POLLIN};
    app_n = 1;
    ck_assert_int_eq(net_sock_listen(app_fds[0].fd, BACKLOG), 0);
    conns = many;
    nconns = N_CONNS;
    uint32_t full0 = lwip_port_stats.syn_backlog_full;
    many_connect();
    peer_run(100000); // not accepted yet
    ck_assert_uint_eq(seen.syn_acks, BACKLOG);
    ck_assert_uint_eq(lwip_port_stats.syn_backlog_full - full0, N_CONNS - BACKLOG);
    ck_assert_uint_eq(seen.rsts, 0);
    uint64_t start = simq_now_us, retry = simq_now_us;
    while (!many_step()) {
        ck_assert_msg(simq_now_us - start < 60 * 1000000ull, "not done in a minute");
        app_step();
        peer_run(10000);
        if (simq_now_us - retry >= 1000000) { // the peers' SYN timer
            many_connect();
            retry = simq_now_us;
        }
    }
    ck_assert_uint_eq(seen.rsts, 0);
    ck_assert_uint_ge(seen.syn_acks, N_CONNS);
    ck_assert_uint_lt(seen.frames, 10 * N_CONNS);
    for (int i = 0; i < 100 && app_n > 1; i++) {
        app_step(); // the last EOFs: the server closes, lwIP sends FIN
        peer_run(10000);
    }
    ck_assert_uint_eq(app_n, 1);
    ck_assert_uint_eq(seen.rsts, 0);
}
END_TEST

// ---- Tiny segments out of order ----------------------------------------------

// One peer sends a thousand one-byte segments into B's window, each past a
// hole it never fills; another connection then sends a message. The holes'
// segments wait in the first connection's out-of-order queue, which has a
// limit of its own (TCP_OOSEQ_MAX_PBUFS, TCP_OOSEQ_MAX_BYTES): the rest are
// dropped, the stack's buffers are not used up (without the limit, the
// queue took all 34 the pool had left, until lwIP's last resort freed
// every connection's), and the second connection is served with no frame
// dropped.
static unsigned ooseq_pbufs(uint16_t remote_port)
{
    unsigned n = 0;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
        for (struct tcp_seg *s = p->remote_port == remote_port ? p->ooseq : NULL; s; s = s->next)
            n += pbuf_clen(s->p);
    }
    return n;
}

START_TEST(test_tiny_segments_out_of_order)
{
    app_fds[0] =
        (struct pollfd){.fd = fx_socket(SOCK_STREAM | SOCK_NONBLOCK, FX_IP_B, 7), .events = POLLIN};
    app_n = 1;
    ck_assert_int_eq(net_sock_listen(app_fds[0].fd, 4), 0);
    static struct conn two[2];
    conns = two;
    nconns = 2;
    peer_connect(&two[0], 42000, 8192);
    peer_run(100000);
    app_step();
    ck_assert(two[0].synced);
    struct net_stack_stats before, after;
    net_stack_stats(fx.b, &before);
    uint8_t byte = 'x';
    for (unsigned i = 0; i < 1000; i++) {
        uint32_t nxt = two[0].snd_nxt;
        two[0].snd_nxt = nxt + 1 + 2 * (i % 4000); // past the hole at nxt
        peer_segment(&two[0], TCPF_ACK, &byte, 1);
        two[0].snd_nxt = nxt;
        if (i % 50 == 49)
            peer_run(1000);
    }
    peer_run(100000);
    ck_assert_uint_le(ooseq_pbufs(42000), TCP_OOSEQ_MAX_PBUFS);
    ck_assert_uint_gt(ooseq_pbufs(42000), 0);
    peer_connect(&two[1], 42001, 8192);
    uint64_t start = simq_now_us;
    while (!two[1].synced || two[1].ngot < 5) {
        ck_assert_msg(simq_now_us - start < 10 * 1000000ull, "the second connection not served");
        if (two[1].synced && two[1].snd_nxt == PEER_ISS + 1)
            peer_segment(&two[1], TCPF_ACK | TCPF_PSH, "hello", 5);
        app_step();
        peer_run(10000);
    }
    ck_assert_mem_eq(two[1].got, "hello", 5);
    net_stack_stats(fx.b, &after);
    ck_assert_uint_eq(after.rx_dropped, before.rx_dropped); // every frame had a buffer
    ck_assert_uint_eq(seen.rsts, 0);
    for (unsigned i = 0; i < 2; i++) // the peer resets both: nothing left for teardown
        peer_segment(&two[i], TCPF_RST | TCPF_ACK, NULL, 0);
    peer_run(100000);
    app_step();
}
END_TEST

static Suite *tcp_peer_suite(void)
{
    Suite *s = suite_create("net_tcp_peer");
    TCase *tc = tcase_create("zero_window");
    tcase_add_checked_fixture(tc, setup, fx_teardown);
    tcase_add_test(tc, test_zero_windows_no_ack_loop);
    tcase_add_test(tc, test_zero_windows_probe_taken_no_ack_loop);
    tcase_add_test(tc, test_zero_window_peer_vanishes);
    suite_add_tcase(s, tc);
    tc = tcase_create("many");
    tcase_add_checked_fixture(tc, setup, fx_teardown);
    tcase_add_test(tc, test_many_connections_backlog);
    tcase_add_test(tc, test_tiny_segments_out_of_order);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(tcp_peer_suite)
