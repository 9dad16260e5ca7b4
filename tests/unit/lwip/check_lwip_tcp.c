/* tests/unit/lwip/check_lwip_tcp.c: TCP between two lwIP netifs over the raw API, on a fake clock.
 */
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "sim.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define PORT       5001
#define A_TO_B     (200 * 1024)
#define B_TO_A     (150 * 1024)
#define ISN_OF_A   0x8badf00du
#define MAX_SIM_MS (10 * 60 * 1000)

// One end of the connection: what it sends, what it got, how it ended.
struct side {
    struct tcp_pcb *pcb;
    uint8_t *tx, *rx;
    size_t tx_len, tx_queued, tx_acked;
    size_t rx_len, rx_want;
    bool active, fin, closed, errored;
    err_t err;
};

static struct side a, b;
static struct tcp_pcb *listener;

// What went over the wire, as seen by sim's drop hook.
static struct {
    unsigned segments, fins[2], rsts, syns, retransmits, lost;
    uint32_t syn_seq_of_a;
    uint32_t next_seq[2]; // per sender: the highest sequence number sent + 1
    bool seq_known[2];
    unsigned lose_every; // lose every n-th data segment (0: none)
    unsigned data_segments;
} wire;

static void side_init(struct side *s, size_t tx_len, size_t rx_want, uint32_t seed, bool active)
{
    memset(s, 0, sizeof(*s));
    s->tx = malloc(tx_len);
    s->rx = malloc(rx_want);
    ck_assert(s->tx != NULL && s->rx != NULL);
    sim_fill(s->tx, tx_len, seed);
    s->tx_len = tx_len;
    s->rx_want = rx_want;
    s->active = active;
}

// Queue as much of the data as lwIP takes now; the sent callback resumes.
static void push(struct side *s)
{
    while (s->tx_queued < s->tx_len && tcp_sndbuf(s->pcb) > 0) {
        size_t n = s->tx_len - s->tx_queued;
        if (n > tcp_sndbuf(s->pcb))
            n = tcp_sndbuf(s->pcb);
        err_t err = tcp_write(s->pcb, s->tx + s->tx_queued, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM)
            break; // the segment queue is full
        ck_assert_int_eq(err, ERR_OK);
        s->tx_queued += n;
    }
    ck_assert_int_eq(tcp_output(s->pcb), ERR_OK);
}

// The orderly close: A, once it has everything and all it sent is
// acknowledged; B when A's FIN came and its own data is acknowledged.
static void maybe_close(struct side *s)
{
    bool ready = s->tx_acked == s->tx_len && (s->active ? s->rx_len == s->rx_want : s->fin);
    if (s->closed || !ready)
        return;
    tcp_arg(s->pcb, NULL);
    tcp_recv(s->pcb, NULL);
    tcp_sent(s->pcb, NULL);
    tcp_err(s->pcb, NULL);
    ck_assert_int_eq(tcp_close(s->pcb), ERR_OK);
    s->pcb = NULL;
    s->closed = true;
}

static err_t side_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct side *s = arg;
    ck_assert_int_eq(err, ERR_OK);
    if (p == NULL) {
        s->fin = true;
    } else {
        ck_assert_uint_le(s->rx_len + p->tot_len, s->rx_want);
        pbuf_copy_partial(p, s->rx + s->rx_len, p->tot_len, 0);
        s->rx_len += p->tot_len;
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
    }
    maybe_close(s);
    return ERR_OK;
}

static err_t side_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct side *s = arg;
    s->tx_acked += len;
    push(s);
    maybe_close(s);
    return ERR_OK;
}

static void side_err(void *arg, err_t err)
{
    struct side *s = arg;
    s->errored = true;
    s->err = err;
    s->pcb = NULL; // lwIP has freed it
}

static void side_attach(struct side *s, struct tcp_pcb *pcb)
{
    s->pcb = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, side_recv);
    tcp_sent(pcb, side_sent);
    tcp_err(pcb, side_err);
}

static err_t b_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    ck_assert_int_eq(err, ERR_OK);
    ck_assert_ptr_null(b.pcb);
    side_attach(&b, pcb);
    push(&b);
    return ERR_OK;
}

static err_t a_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    ck_assert_int_eq(err, ERR_OK);
    push(&a);
    return ERR_OK;
}

// Sees every frame; loses some data segments when asked.
static bool watch(const struct sim_frame *f, void *arg)
{
    struct parsed r;
    ck_assert_ptr_null(parse_frame(f->data, f->len, &r));
    if (r.type != ETYPE_IPV4 || r.proto != PROTO_TCP)
        return false;
    int from = f->from;
    ck_assert(from == 0 || from == 1);
    wire.segments++;
    wire.rsts += (r.tcp_flags & TCPF_RST) != 0;
    if (r.tcp_flags & TCPF_SYN) {
        wire.syns++;
        if (from == 0 && !(r.tcp_flags & TCPF_ACK))
            wire.syn_seq_of_a = r.seq;
    }
    wire.fins[from] += (r.tcp_flags & TCPF_FIN) != 0;
    uint32_t end = r.seq + (uint32_t)r.data_len;
    if (r.data_len > 0 && wire.seq_known[from] && (int32_t)(r.seq - wire.next_seq[from]) < 0)
        wire.retransmits++;
    if (!wire.seq_known[from] || (int32_t)(end - wire.next_seq[from]) > 0)
        wire.next_seq[from] = end;
    wire.seq_known[from] = true;
    if (r.data_len > 0 && wire.lose_every && ++wire.data_segments % wire.lose_every == 0) {
        wire.lost++;
        return true;
    }
    return false;
}

static void setup(void)
{
    sim_setup();
    memset(&wire, 0, sizeof(wire));
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    sim.drop = watch;
    listener = tcp_new();
    ck_assert_ptr_nonnull(listener);
    ck_assert_int_eq(tcp_bind(listener, &SIM_B->netif.ip_addr, PORT), ERR_OK);
    listener = tcp_listen(listener);
    ck_assert_ptr_nonnull(listener);
    tcp_accept(listener, b_accept);
}

static void teardown(void)
{
    ck_assert_int_eq(tcp_close(listener), ERR_OK);
    free(a.tx);
    free(a.rx);
    free(b.tx);
    free(b.rx);
    sim_teardown();
}

static void start(size_t a_to_b, size_t b_to_a)
{
    side_init(&a, a_to_b, b_to_a, 1, true);
    side_init(&b, b_to_a, a_to_b, 2, false);
    struct tcp_pcb *pcb = tcp_new();
    ck_assert_ptr_nonnull(pcb);
    ck_assert_int_eq(tcp_bind(pcb, &SIM_A->netif.ip_addr, 0), ERR_OK);
    side_attach(&a, pcb);
    sim_next_random = ISN_OF_A; // the ISN hook's next random number
    ck_assert_int_eq(tcp_connect(pcb, &SIM_B->netif.ip_addr, PORT, a_connected), ERR_OK);
}

static bool both_closed(void *arg) { return a.closed && b.closed; }

static void check_transfer(void)
{
    ck_assert_msg(!a.errored && !b.errored, "connection error: A %d, B %d", a.err, b.err);
    ck_assert_uint_eq(a.rx_len, a.rx_want);
    ck_assert_uint_eq(b.rx_len, b.rx_want);
    ck_assert(memcmp(b.rx, a.tx, a.tx_len) == 0);
    ck_assert(memcmp(a.rx, b.tx, b.tx_len) == 0);
    // The ISN hook's number (lwIP puts its SYN at iss - 1, snd_lbb).
    ck_assert_uint_eq(wire.syn_seq_of_a, ISN_OF_A - 1);
    // One FIN each way (retransmitted ones aside), and no reset.
    ck_assert_uint_ge(wire.fins[0], 1);
    ck_assert_uint_ge(wire.fins[1], 1);
    ck_assert_uint_eq(wire.rsts, 0);
}

// Ends the test: TIME_WAIT lasts 2 MSL on the fake clock, then nothing
// of the connection is left.
static void check_time_wait(const struct sim_usage *before)
{
    // B's pcb went when its FIN was acknowledged; A's (the active closer)
    // waits in TIME_WAIT.
    ck_assert_uint_eq(sim_usage().tcp, before->tcp + 1);
    sim_advance(2 * TCP_MSL - 1000);
    ck_assert_uint_eq(sim_usage().tcp, before->tcp + 1);
    sim_advance(2000);
    sim_assert_usage(before);
}

START_TEST(test_tcp_transfer_both_ways_and_close)
{
    struct sim_usage before = sim_usage();
    STAT_COUNTER chkerr = lwip_stats.tcp.chkerr, drop = lwip_stats.tcp.drop;
    start(A_TO_B, B_TO_A);
    ck_assert(sim_run_until(both_closed, NULL, MAX_SIM_MS));
    check_transfer();
    ck_assert_uint_eq(wire.fins[0], 1);
    ck_assert_uint_eq(wire.fins[1], 1);
    ck_assert_uint_eq(wire.retransmits, 0);
    ck_assert_uint_eq(lwip_stats.tcp.chkerr, chkerr);
    ck_assert_uint_eq(lwip_stats.tcp.drop, drop);
    check_time_wait(&before);
}
END_TEST

// Every fifth data segment is lost: retransmission timers (on the fake
// clock) and fast retransmit repair it.
START_TEST(test_tcp_survives_loss)
{
    struct sim_usage before = sim_usage();
    wire.lose_every = 5;
    uint32_t t0 = sim_now_ms;
    start(64 * 1024, 48 * 1024);
    ck_assert(sim_run_until(both_closed, NULL, MAX_SIM_MS));
    check_transfer();
    ck_assert_uint_gt(wire.lost, 10);
    ck_assert_uint_ge(wire.retransmits, wire.lost);
    ck_assert_uint_gt(sim_now_ms - t0, 0);
    check_time_wait(&before);
}
END_TEST

static void refused_err(void *arg, err_t err) { *(err_t *)arg = err; }

START_TEST(test_tcp_connect_refused)
{
    static err_t got = ERR_OK;
    struct sim_usage before = sim_usage();
    struct tcp_pcb *pcb = tcp_new();
    ck_assert_int_eq(tcp_bind(pcb, &SIM_A->netif.ip_addr, 0), ERR_OK);
    tcp_arg(pcb, &got);
    tcp_err(pcb, refused_err);
    ck_assert_int_eq(tcp_connect(pcb, &SIM_B->netif.ip_addr, PORT + 1, a_connected), ERR_OK);
    sim_run();
    ck_assert_int_eq(got, ERR_RST);
    ck_assert_uint_eq(wire.rsts, 1);
    sim_assert_usage(&before);
}
END_TEST

// The peer opens a connection by hand: B's SYN-ACK is checked against
// RFC 793 (and B's MSS option), then the peer resets it.
START_TEST(test_tcp_syn_ack_to_peer)
{
    static uint8_t frame[128];
    struct sim_usage before = sim_usage();
    uint32_t isn = 0x01020304;
    size_t n = build_tcp(frame, &sim.peer, 40000, &SIM_B->ep, PORT, isn, 0, TCPF_SYN, NULL, 0);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    struct parsed r;
    struct sim_frame *f = sim_peer_await(&r);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(r.proto, PROTO_TCP);
    ck_assert_uint_eq(r.tcp_flags, TCPF_SYN | TCPF_ACK);
    ck_assert_uint_eq(r.sport, PORT);
    ck_assert_uint_eq(r.dport, 40000);
    ck_assert_uint_eq(r.ack, isn + 1);
    // Options: MSS (kind 2, length 4) = 1460.
    ck_assert_uint_eq(r.l4[12] >> 4, 6);
    ck_assert_uint_eq(r.l4[20], 2);
    ck_assert_uint_eq(r.l4[21], 4);
    ck_assert_uint_eq(get16(r.l4 + 22), TCP_MSS);
    free(f);
    n = build_tcp(frame, &sim.peer, 40000, &SIM_B->ep, PORT, isn + 1, 0, TCPF_RST, NULL, 0);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    sim_run();
    ck_assert_ptr_null(b.pcb);                      // never accepted
    ck_assert_uint_eq(sim_usage().tcp, before.tcp); // the half-open pcb is gone
}
END_TEST

static Suite *tcp_suite(void)
{
    Suite *s = suite_create("lwip_tcp");
    TCase *tc = tcase_create("tcp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tcp_transfer_both_ways_and_close);
    tcase_add_test(tc, test_tcp_survives_loss);
    tcase_add_test(tc, test_tcp_connect_refused);
    tcase_add_test(tc, test_tcp_syn_ack_to_peer);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(tcp_suite)
