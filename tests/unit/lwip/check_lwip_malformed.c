/* tests/unit/lwip/check_lwip_malformed.c: malformed frames are dropped and counted; the stack
 * serves on. */
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip_port.h"
#include "sim.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define ECHO_PORT 7
#define TCP_PORT  5001
#define FRAME_MAX 9100

static struct udp_pcb *echo;
static struct tcp_pcb *listener;
static uint8_t payload[64];

static unsigned refused, no_pcb;

// A server that turns every connection away. lwIP calls it with no pcb
// (and ERR_MEM) when all PCBs are in use; its default accept function
// asserts on that (2.1.3), so every listener needs one of its own.
static err_t refuse_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    if (pcb == NULL) {
        ck_assert_int_eq(err, ERR_MEM);
        no_pcb++;
        return ERR_MEM;
    }
    refused++;
    tcp_abort(pcb);
    return ERR_ABRT;
}

static void start_listener(void)
{
    struct tcp_pcb *pcb = tcp_new();
    ck_assert_ptr_nonnull(pcb);
    ck_assert_int_eq(tcp_bind(pcb, &SIM_B->netif.ip_addr, TCP_PORT), ERR_OK);
    listener = tcp_listen(pcb);
    ck_assert_ptr_nonnull(listener);
    tcp_accept(listener, refuse_accept);
    refused = no_pcb = 0;
}

static void setup(void)
{
    sim_setup();
    echo = sim_udp_echo_start(SIM_B, ECHO_PORT);
    sim_fill(payload, sizeof(payload), 77);
}

static void teardown(void)
{
    udp_remove(echo);
    if (listener != NULL)
        tcp_close(listener);
    listener = NULL;
    sim_teardown();
}

// ---- The frames: each starts from a good one and breaks one thing ----

#define PEER  (&sim.peer)
#define B     (&SIM_B->ep)
#define IP(f) ((f) + HDR_ETH)
#define L4(f) ((f) + HDR_ETH + HDR_IPV4)

static size_t good_udp(uint8_t *f) { return build_udp(f, PEER, 4000, B, ECHO_PORT, payload, 64); }

// The UDP checksum over the bytes as they are (what a sender that wrote
// a wrong length field, but summed correctly, would send).
static void udp_resum(uint8_t *f, size_t ip_payload)
{
    put16(L4(f) + 6, 0);
    uint16_t c = inet_csum(L4(f), ip_payload, pseudo_sum(PEER->ip, B->ip, PROTO_UDP, ip_payload));
    put16(L4(f) + 6, c ? c : 0xffff);
}

static size_t eth_runt(uint8_t *f)
{
    good_udp(f);
    return 10;
}

static size_t eth_header_only(uint8_t *f)
{
    good_udp(f);
    return HDR_ETH;
}

static size_t eth_unknown_type(uint8_t *f)
{
    size_t n = good_udp(f);
    put16(f + 12, 0x88b5); // IEEE 802 local experimental
    return n;
}

static size_t arp_cut_short(uint8_t *f)
{
    static const uint8_t any[6];
    return build_arp(f, 1, PEER, SIM_B->ep.mac, any, B->ip) - 8;
}

static size_t arp_bad_hwtype(uint8_t *f)
{
    static const uint8_t any[6];
    size_t n = build_arp(f, 1, PEER, SIM_B->ep.mac, any, B->ip);
    put16(f + HDR_ETH, 6); // IEEE 802 networks, not Ethernet
    return n;
}

static size_t ip_cut_short(uint8_t *f)
{
    good_udp(f);
    return HDR_ETH + 10;
}

static size_t ip_bad_version(uint8_t *f)
{
    size_t n = good_udp(f);
    IP(f)[0] = 0x65;
    fix_ip_csum(f);
    return n;
}

static size_t ip_ihl_too_small(uint8_t *f)
{
    size_t n = good_udp(f);
    IP(f)[0] = 0x44; // a 16-byte header: below the minimum of 20
    return n;
}

static size_t ip_length_beyond_frame(uint8_t *f)
{
    size_t n = good_udp(f);
    put16(IP(f) + 2, 1000);
    fix_ip_csum(f);
    return n;
}

static size_t ip_bad_checksum(uint8_t *f)
{
    size_t n = good_udp(f);
    IP(f)[10] ^= 0x5a;
    return n;
}

static size_t ip_not_for_us(uint8_t *f)
{
    struct endpoint other = *B;
    other.ip = 0x0a000032; // 10.0.0.50: no netif of this stack
    return build_udp(f, PEER, 4000, &other, ECHO_PORT, payload, 64);
}

static size_t udp_shorter_than_header(uint8_t *f)
{
    return build_ipv4(f, PEER, B, PROTO_UDP, "\x0f\xa0\x00\x07", 4);
}

static size_t udp_length_too_long(uint8_t *f)
{
    size_t n = good_udp(f);
    put16(L4(f) + 4, HDR_UDP + 64 + 10);
    put16(L4(f) + 6, 0); // no checksum: only the length field could tell
    return n;
}

static size_t udp_length_too_short(uint8_t *f)
{
    size_t n = good_udp(f);
    put16(L4(f) + 4, HDR_UDP + 60);
    put16(L4(f) + 6, 0);
    return n;
}

static size_t udp_length_wrong_checksum_right(uint8_t *f)
{
    size_t n = good_udp(f);
    put16(L4(f) + 4, HDR_UDP + 32);
    udp_resum(f, HDR_UDP + 64);
    return n;
}

static size_t udp_bad_checksum(uint8_t *f)
{
    size_t n = good_udp(f);
    L4(f)[6] ^= 0x01;
    return n;
}

static size_t icmp_cut_short(uint8_t *f)
{
    return build_ipv4(f, PEER, B, PROTO_ICMP, "\x08\x00", 2);
}

static size_t icmp_bad_checksum(uint8_t *f)
{
    size_t n = build_icmp_echo(f, PEER, B, 1, 1, payload, 64);
    L4(f)[2] ^= 0x80;
    return n;
}

static size_t tcp_shorter_than_header(uint8_t *f)
{
    uint8_t t[10] = {0x9c, 0x40, 0x13, 0x89};
    return build_ipv4(f, PEER, B, PROTO_TCP, t, sizeof(t));
}

static size_t tcp_offset_too_small(uint8_t *f)
{
    size_t n = build_tcp(f, PEER, 40000, B, TCP_PORT, 1, 0, TCPF_SYN, NULL, 0);
    L4(f)[12] = 0x40; // 16 bytes
    put16(L4(f) + 16, 0);
    put16(L4(f) + 16, inet_csum(L4(f), HDR_TCP, pseudo_sum(PEER->ip, B->ip, PROTO_TCP, HDR_TCP)));
    return n;
}

static size_t tcp_bad_checksum(uint8_t *f)
{
    size_t n = build_tcp(f, PEER, 40000, B, TCP_PORT, 1, 0, TCPF_SYN, NULL, 0);
    L4(f)[16] ^= 0xff;
    return n;
}

static size_t frame_one_byte_too_long(uint8_t *f)
{
    uint8_t data[1473] = {0};
    return build_udp(f, PEER, 4000, B, ECHO_PORT, data, sizeof(data));
}

static size_t frame_jumbo(uint8_t *f)
{
    static uint8_t data[8972];
    return build_udp(f, PEER, 4000, B, ECHO_PORT, data, sizeof(data));
}

struct bad_frame {
    const char *name;
    size_t (*build)(uint8_t *frame);
    STAT_COUNTER *counter; // goes up by exactly one
    errval_t input;        // what lwip_port_input returns
};

static const struct bad_frame bad_frames[] = {
    {"Ethernet runt (10 bytes)", eth_runt, &lwip_stats.etharp.proterr, SYS_ERR_OK},
    {"Ethernet header only", eth_header_only, &lwip_stats.etharp.proterr, SYS_ERR_OK},
    {"unknown EtherType", eth_unknown_type, &lwip_stats.etharp.proterr, SYS_ERR_OK},
    {"ARP cut short", arp_cut_short, &lwip_stats.etharp.lenerr, LWIP_ERR_FRAME_TOO_SHORT},
    {"ARP for another hardware", arp_bad_hwtype, &lwip_stats.etharp.proterr, SYS_ERR_OK},
    {"IP header cut short", ip_cut_short, &lwip_stats.ip.lenerr, SYS_ERR_OK},
    {"IP version 6 in an IPv4 frame", ip_bad_version, &lwip_stats.ip.err, SYS_ERR_OK},
    {"IP header length below 20", ip_ihl_too_small, &lwip_stats.ip.lenerr, SYS_ERR_OK},
    {"IP length beyond the frame", ip_length_beyond_frame, &lwip_stats.ip.lenerr, SYS_ERR_OK},
    {"IP header checksum", ip_bad_checksum, &lwip_stats.ip.chkerr, SYS_ERR_OK},
    {"IP not for this host", ip_not_for_us, &lwip_stats.ip.drop, SYS_ERR_OK},
    {"UDP shorter than its header", udp_shorter_than_header, &lwip_stats.udp.lenerr, SYS_ERR_OK},
    {"UDP length past the datagram", udp_length_too_long, &lwip_stats.udp.lenerr, SYS_ERR_OK},
    {"UDP length short of the datagram", udp_length_too_short, &lwip_stats.udp.lenerr, SYS_ERR_OK},
    {"UDP length wrong, checksum right", udp_length_wrong_checksum_right, &lwip_stats.udp.lenerr,
     SYS_ERR_OK},
    {"UDP checksum", udp_bad_checksum, &lwip_stats.udp.chkerr, SYS_ERR_OK},
    {"ICMP cut short", icmp_cut_short, &lwip_stats.icmp.lenerr, SYS_ERR_OK},
    {"ICMP checksum", icmp_bad_checksum, &lwip_stats.icmp.chkerr, SYS_ERR_OK},
    {"TCP shorter than its header", tcp_shorter_than_header, &lwip_stats.tcp.lenerr, SYS_ERR_OK},
    {"TCP data offset below 5", tcp_offset_too_small, &lwip_stats.tcp.lenerr, SYS_ERR_OK},
    {"TCP checksum", tcp_bad_checksum, &lwip_stats.tcp.chkerr, SYS_ERR_OK},
    {"frame one byte over the MTU", frame_one_byte_too_long, &lwip_stats.link.lenerr,
     LWIP_ERR_FRAME_TOO_LONG},
    {"jumbo frame", frame_jumbo, &lwip_stats.link.lenerr, LWIP_ERR_FRAME_TOO_LONG},
};
#define N_BAD (int)(sizeof(bad_frames) / sizeof(bad_frames[0]))

// One malformed frame from the peer to B (with a listener on B's TCP
// port): counted where it should be, answered with nothing, nothing held
// afterwards, and B still answers a ping and a UDP echo.
START_TEST(test_malformed_frame)
{
    static uint8_t frame[FRAME_MAX];
    const struct bad_frame *c = &bad_frames[_i];
    start_listener();
    size_t n = c->build(frame);
    struct sim_usage before = sim_usage();
    STAT_COUNTER was = *c->counter;
    errval_t err = sim_inject(SIM_B, frame, n);
    ck_assert_msg(err == c->input, "%s: lwip_port_input returned %s", c->name, err_name(err));
    ck_assert_msg(*c->counter == was + 1, "%s: counter went from %u to %u", c->name, (unsigned)was,
                  (unsigned)*c->counter);
    sim_run();
    ck_assert_msg(sim_peer_flush() == 0, "%s: B answered it", c->name);
    sim_assert_usage(&before);
    sim_peer_ping(SIM_B, 1, (uint16_t)_i, 64);
    sim_peer_udp_echo(SIM_B, ECHO_PORT, 100);
}
END_TEST

// Without the port's check, lwIP would take the missing bytes of a short
// ARP request from the buffer's previous frame (the same request, whole)
// and answer it.
START_TEST(test_short_arp_does_not_reuse_stale_bytes)
{
    uint8_t frame[64];
    static const uint8_t any[6];
    size_t n = build_arp(frame, 1, PEER, SIM_B->ep.mac, any, B->ip);
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
    sim_run();
    ck_assert_uint_eq(sim_peer_flush(), 1); // the reply
    ck_assert_uint_eq(sim_inject(SIM_B, frame, n - 8), LWIP_ERR_FRAME_TOO_SHORT);
    sim_run();
    ck_assert_uint_eq(sim_peer_flush(), 0);
}
END_TEST

// Half-open connections from a peer that never completes them take every
// PCB; further SYNs are refused and counted, and all is freed once the
// SYN-ACK retransmissions give up.
START_TEST(test_syn_flood)
{
    static uint8_t frame[128];
    start_listener();
    struct sim_usage before = sim_usage();
    for (uint16_t i = 0; i < MEMP_NUM_TCP_PCB + 24; i++) {
        size_t n = build_tcp(frame, PEER, 20000 + i, B, TCP_PORT, 1000u * i, 0, TCPF_SYN, NULL, 0);
        ck_assert_uint_eq(sim_inject(SIM_B, frame, n), SYS_ERR_OK);
        sim_run();
        sim_peer_flush();
    }
    ck_assert_uint_eq(sim_usage().tcp, before.tcp + MEMP_NUM_TCP_PCB);
    ck_assert_uint_eq(no_pcb, 24);
    ck_assert_uint_eq(refused, 0);
    sim_advance(400 * 1000);
    sim_peer_flush();
    sim_assert_usage(&before);
    sim_peer_ping(SIM_B, 3, 3, 64); // and the stack serves on
}
END_TEST

// ---- Random corruption ----

#define FUZZ_FRAMES 5000
#define SINK_PORT   9

static unsigned sink_ok;

// What reaches an application must be what was sent: a corrupted datagram
// getting through would be a missing length or checksum check.
static void sink_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port)
{
    uint8_t got[sizeof(payload)];
    ck_assert_uint_eq(p->tot_len, sizeof(payload));
    pbuf_copy_partial(p, got, sizeof(payload), 0);
    ck_assert(memcmp(got, payload, sizeof(payload)) == 0);
    sink_ok++;
    pbuf_free(p);
}

static uint32_t fuzz_rng = 12345;

static uint32_t rnd(void)
{
    fuzz_rng ^= fuzz_rng << 13;
    fuzz_rng ^= fuzz_rng >> 17;
    fuzz_rng ^= fuzz_rng << 5;
    return fuzz_rng;
}

// A good frame of one of five kinds, to be corrupted.
static size_t fuzz_base(uint8_t *f, unsigned kind)
{
    static const uint8_t any[6];
    size_t n;
    switch (kind) {
    case 0: return build_udp(f, PEER, 4000, B, SINK_PORT, payload, sizeof(payload));
    case 1: return build_icmp_echo(f, PEER, B, 9, 9, payload, sizeof(payload));
    case 2: return build_arp(f, 1, PEER, SIM_B->ep.mac, any, B->ip);
    case 3:
        return build_tcp(f, PEER, 40000 + (rnd() & 1023), B, TCP_PORT, rnd(), 0, TCPF_SYN, NULL, 0);
    default: // the first fragment of a datagram
        n = build_udp(f, PEER, 4000, B, SINK_PORT, payload, sizeof(payload));
        put16(IP(f) + 6, 0x2000);
        fix_ip_csum(f);
        return n;
    }
}

// Overwrite one to four bytes; sometimes cut the frame or add bytes.
static size_t fuzz_mutate(uint8_t *f, size_t n)
{
    for (unsigned k = 1 + rnd() % 4; k > 0; k--)
        f[rnd() % n] = (uint8_t)rnd();
    unsigned what = rnd() % 10;
    if (what == 0)
        return rnd() % n;
    if (what == 1) {
        size_t more = rnd() % 200;
        for (size_t i = 0; i < more; i++)
            f[n + i] = (uint8_t)rnd();
        return n + more;
    }
    return n;
}

// Everything B sends must be well formed, and an echo reply must carry
// the request's data unchanged.
static void check_peer_inbox(void)
{
    struct sim_frame *f;
    while ((f = sim_peer_recv()) != NULL) {
        struct parsed r;
        const char *why = parse_frame(f->data, f->len, &r);
        ck_assert_msg(why == NULL, "B sent a bad frame: %s", why);
        if (r.type == ETYPE_IPV4 && r.proto == PROTO_ICMP && r.icmp_type == 0) {
            ck_assert_uint_eq(r.data_len, sizeof(payload));
            ck_assert(memcmp(r.data, payload, sizeof(payload)) == 0);
        }
        free(f);
    }
}

static STAT_COUNTER drops(void)
{
    struct stats_ *s = &lwip_stats;
    return s->link.drop + s->etharp.drop + s->ip.drop + s->ip_frag.drop + s->icmp.drop +
           s->udp.drop + s->tcp.drop;
}

START_TEST(test_random_corruption)
{
    static uint8_t frame[FRAME_MAX];
    struct udp_pcb *sink = udp_new();
    ck_assert_int_eq(udp_bind(sink, &SIM_B->netif.ip_addr, SINK_PORT), ERR_OK);
    udp_recv(sink, sink_recv, NULL);
    start_listener();
    struct sim_usage before = sim_usage();
    STAT_COUNTER dropped = drops(), memerr = lwip_stats.tcp.memerr;

    for (unsigned i = 0; i < FUZZ_FRAMES; i++) {
        size_t n = fuzz_mutate(frame, fuzz_base(frame, i % 5));
        // The port refuses some (too long, ARP cut short): counted in drops().
        (void)sim_inject(SIM_B, frame, n);
        sim_run();
        check_peer_inbox();
    }
    // Half-open connections, fragments and unresolved ARP entries all
    // time out, ARP entries (some from corrupted replies) age out.
    sim_advance(400 * 1000);
    check_peer_inbox();
    sim_assert_usage(&before);
    ck_assert_uint_gt(drops() - dropped, FUZZ_FRAMES / 2);
    ck_assert_uint_gt(sink_ok, 0);
    // The SYNs among them made half-open connections; any that found
    // every PCB in use (test_syn_flood makes sure of it) was told to the
    // listener (no pcb, ERR_MEM) and counted.
    ck_assert_uint_eq(lwip_stats.tcp.memerr - memerr, no_pcb);
    sim_peer_ping(SIM_B, 2, 2, 64);
    sim_peer_udp_echo(SIM_B, ECHO_PORT, 100);
    udp_remove(sink);
}
END_TEST

static Suite *malformed_suite(void)
{
    Suite *s = suite_create("lwip_malformed");
    TCase *tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_malformed_frame, 0, N_BAD);
    tcase_add_test(tc, test_short_arp_does_not_reuse_stale_bytes);
    tcase_add_test(tc, test_syn_flood);
    tcase_add_test(tc, test_random_corruption);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(malformed_suite)
