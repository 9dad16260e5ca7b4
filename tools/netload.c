/*
 * tools/netload.c: a UDP echo load generator on a raw Ethernet link (make bench's host client,
 * docs/experiments.md).
 *
 *   netload --port H --qemu Q --peer IP [--ip IP] [--mac MAC] [--dport P] [--sport P]
 *
 * QEMU's `-netdev dgram,local...port=Q,remote...port=H` sends each frame its NIC transmits as
 * one UDP datagram to 127.0.0.1:H and takes each datagram sent to 127.0.0.1:Q as a frame.
 * This program is the other end of that link, and so the whole network the guest sees: it
 * builds and parses the Ethernet, ARP (RFC 826), IPv4 (RFC 791) and UDP (RFC 768) headers
 * itself, answers the guest's ARP requests for its own address (10.0.2.2 by default: the
 * gateway the guests expect from QEMU's user network), resolves the guest's address, and
 * sends UDP datagrams to the guest's echo server, checking every checksum of what comes back.
 * No host network stack and no slirp are on the path: a frame crosses one host socket each
 * way, and QEMU's dgram backend.
 *
 * Commands come on stdin, one a line; each is answered with one line on stdout (key=value
 * words; times in ns):
 *
 *   arp                       resolve the peer: "arp mac=.. ms=.." or "arp none"
 *   ask TEXT                  send TEXT, print the first datagram back: "reply TEXT" (5 tries
 *                             of 3 s) or "noreply"; what came before it, unread (a late
 *                             answer, a late echo), is dropped first
 *   echo N SIZE               N ping-pong echoes of SIZE bytes, each lost one (1 s) sent again
 *   lat N SIZE GAP_US         N timed ping-pong echoes GAP_US apart: "lat n= got= lost= p50=
 *                             p99= min= max= mean="
 *   rtts                      the last lat's round trips, in ns, in increasing order: "rtts
 *                             n=N R1 R2 ..." (the latency figures)
 *   tput SIZE SECONDS WINDOW  WINDOW echoes of SIZE bytes kept in flight for SECONDS: "tput
 *                             size= sent= got= after= lost= late= ns=" (a window unanswered
 *                             for 200 ms is counted lost and refilled; the last window is
 *                             waited for, its echoes counted as after: sent = got + after +
 *                             lost)
 *   stats                     the link's counters: "stats tx= rx= arp_answered= ..."
 *   quit
 *
 * Payloads are an 8-byte big-endian sequence number and a fixed pattern; an echo counts only
 * when it is byte for byte what was sent, from the peer's address and port to ours.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN    14
#define IP_HLEN     20
#define UDP_HLEN    8
#define HDRS        (ETH_HLEN + IP_HLEN + UDP_HLEN)
#define MAX_PAYLOAD 1472 // one 1500-byte IP packet, unfragmented
#define ETH_P_IPV4  0x0800
#define ETH_P_ARP   0x0806
#define MAX_WINDOW  1024
#define MAX_LAT     100000
#define PATTERN     'x'

struct counters {
    uint64_t tx, rx;       // frames
    uint64_t arp_answered; // requests for our address, answered
    uint64_t arp_learned;  // replies from the peer
    uint64_t bad_ip_csum;  // IPv4 header checksum wrong: dropped
    uint64_t bad_udp_csum; // UDP checksum wrong: dropped
    uint64_t bad_echo;     // from the peer, but not an echo of ours (length or bytes)
    uint64_t other;        // frames of anything else (other hosts, protocols, fragments)
};

struct link {
    int fd;
    struct sockaddr_in qemu; // where QEMU takes frames
    uint8_t mac[6], peer_mac[6];
    bool peer_known;
    uint32_t ip, peer_ip; // network order
    uint16_t sport, dport;
    uint16_t ident;
    uint64_t seq; // the last sequence number sent
    struct counters c;
};

// A received echo: its payload in the frame buffer.
struct echo {
    const uint8_t *data;
    size_t len;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

// The one's-complement sum of len bytes (RFC 1071), not yet complemented, added to sum.
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

// The UDP checksum of the segment udp[0..len) between src and dst (network order): the
// pseudo-header, then the segment (RFC 768).
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    uint8_t pseudo[12];
    memcpy(pseudo, &src, 4);
    memcpy(pseudo + 4, &dst, 4);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, (uint16_t)len);
    return csum_fold(csum_add(csum_add(0, pseudo, 12), udp, len));
}

static void send_frame(struct link *l, const uint8_t *f, size_t len)
{
    // A frame the socket cannot take now is lost, as on a wire.
    if (sendto(l->fd, f, len, 0, (const struct sockaddr *)&l->qemu, sizeof(l->qemu)) ==
        (ssize_t)len)
        l->c.tx++;
}

static void send_arp(struct link *l, uint16_t op, const uint8_t *to_mac, uint32_t to_ip)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t f[60] = {0}; // padded to Ethernet's minimum
    memcpy(f, op == 1 ? bcast : to_mac, 6);
    memcpy(f + 6, l->mac, 6);
    put16(f + 12, ETH_P_ARP);
    uint8_t *a = f + ETH_HLEN;
    put16(a, 1); // Ethernet
    put16(a + 2, ETH_P_IPV4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, l->mac, 6);
    memcpy(a + 14, &l->ip, 4);
    if (op == 2)
        memcpy(a + 18, to_mac, 6);
    memcpy(a + 24, &to_ip, 4);
    send_frame(l, f, sizeof(f));
}

// Send one UDP datagram of len payload bytes to the peer.
static void send_udp(struct link *l, const void *payload, size_t len)
{
    uint8_t f[HDRS + MAX_PAYLOAD];
    memcpy(f, l->peer_mac, 6);
    memcpy(f + 6, l->mac, 6);
    put16(f + 12, ETH_P_IPV4);
    uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN;
    memset(ip, 0, IP_HLEN);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(IP_HLEN + UDP_HLEN + len));
    put16(ip + 4, l->ident++);
    put16(ip + 6, 0x4000); // don't fragment
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &l->ip, 4);
    memcpy(ip + 16, &l->peer_ip, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
    put16(udp, l->sport);
    put16(udp + 2, l->dport);
    put16(udp + 4, (uint16_t)(UDP_HLEN + len));
    put16(udp + 6, 0);
    memcpy(udp + UDP_HLEN, payload, len);
    uint16_t c = udp_csum(l->ip, l->peer_ip, udp, UDP_HLEN + len);
    put16(udp + 6, c ? c : 0xffff); // 0 means "none": all ones stands for it
    size_t n = HDRS + len;
    if (n < 60) { // pad to Ethernet's minimum
        memset(f + n, 0, 60 - n);
        n = 60;
    }
    send_frame(l, f, n);
}

// An ARP frame: answer a request for our address, learn the peer's reply.
static void on_arp(struct link *l, const uint8_t *f, size_t len)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + 28 || get16(a) != 1 || get16(a + 2) != ETH_P_IPV4 || a[4] != 6 ||
        a[5] != 4) {
        l->c.other++;
        return;
    }
    uint32_t spa, tpa;
    memcpy(&spa, a + 14, 4);
    memcpy(&tpa, a + 24, 4);
    if (get16(a + 6) == 1 && tpa == l->ip) {
        send_arp(l, 2, a + 8, spa);
        l->c.arp_answered++;
    } else if (get16(a + 6) == 2 && spa == l->peer_ip) {
        memcpy(l->peer_mac, a + 8, 6);
        l->peer_known = true;
        l->c.arp_learned++;
    } else {
        l->c.other++;
    }
}

// An IPv4 frame: the UDP payload in *e if it is a datagram from the peer's port to ours with
// every checksum right; false (counted) otherwise.
static bool on_ipv4(struct link *l, const uint8_t *f, size_t len, struct echo *e)
{
    const uint8_t *ip = f + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    if (len < ETH_HLEN + IP_HLEN || ip[0] >> 4 != 4 || ihl < IP_HLEN || len < ETH_HLEN + ihl) {
        l->c.other++;
        return false;
    }
    if (csum_fold(csum_add(0, ip, ihl)) != 0) {
        l->c.bad_ip_csum++;
        return false;
    }
    size_t total = get16(ip + 2);
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    if (ip[9] != 17 || (get16(ip + 6) & 0x3fff) != 0 || total < ihl + UDP_HLEN ||
        ETH_HLEN + total > len || src != l->peer_ip || dst != l->ip) {
        l->c.other++; // not UDP, a fragment, or not between the peer and us
        return false;
    }
    const uint8_t *udp = ip + ihl;
    size_t ulen = get16(udp + 4);
    if (ulen < UDP_HLEN || ulen > total - ihl || get16(udp) != l->dport ||
        get16(udp + 2) != l->sport) {
        l->c.other++;
        return false;
    }
    if (get16(udp + 6) != 0 && udp_csum(src, dst, udp, ulen) != 0) {
        l->c.bad_udp_csum++;
        return false;
    }
    e->data = udp + UDP_HLEN;
    e->len = ulen - UDP_HLEN;
    return true;
}

// Wait until deadline (ns) for a datagram from the peer, answering ARP on the way: true with
// *e (pointing into buf), false at the deadline.
static bool recv_udp(struct link *l, uint8_t *buf, size_t size, uint64_t deadline, struct echo *e)
{
    for (;;) {
        ssize_t n = recv(l->fd, buf, size, MSG_DONTWAIT);
        if (n < 0) {
            uint64_t t = now_ns();
            if (t >= deadline)
                return false;
            struct pollfd p = {.fd = l->fd, .events = POLLIN};
            int ms = (int)((deadline - t + 999999) / 1000000);
            (void)poll(&p, 1, ms); // EINTR or a timeout: looked at again above
            continue;
        }
        l->c.rx++;
        if ((size_t)n >= ETH_HLEN && get16(buf + 12) == ETH_P_ARP)
            on_arp(l, buf, (size_t)n);
        else if ((size_t)n >= ETH_HLEN && get16(buf + 12) == ETH_P_IPV4 &&
                 on_ipv4(l, buf, (size_t)n, e))
            return true;
        else if ((size_t)n < ETH_HLEN || get16(buf + 12) != ETH_P_IPV4)
            l->c.other++;
    }
}

static void fill_payload(uint8_t *p, size_t size, uint64_t seq)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(seq >> (56 - 8 * i));
    memset(p + 8, PATTERN, size - 8);
}

static uint64_t payload_seq(const uint8_t *p)
{
    uint64_t s = 0;
    for (int i = 0; i < 8; i++)
        s = s << 8 | p[i];
    return s;
}

// Whether e is the echo of a payload of size bytes numbered seq.
static bool is_echo(const struct echo *e, size_t size, uint64_t seq)
{
    if (e->len != size || payload_seq(e->data) != seq)
        return false;
    for (size_t i = 8; i < size; i++)
        if (e->data[i] != PATTERN)
            return false;
    return true;
}

// One ping-pong echo of size bytes: its round trip in ns, or 0 if none came within timeout.
static uint64_t ping(struct link *l, size_t size, uint64_t timeout)
{
    uint8_t p[MAX_PAYLOAD], buf[2048];
    uint64_t seq = ++l->seq;
    fill_payload(p, size, seq);
    uint64_t t0 = now_ns();
    send_udp(l, p, size);
    struct echo e;
    while (recv_udp(l, buf, sizeof(buf), t0 + timeout, &e)) {
        if (is_echo(&e, size, seq))
            return now_ns() - t0;
        if (e.len < 8 || payload_seq(e.data) > seq || e.len != size)
            l->c.bad_echo++; // a late echo of an earlier one is neither
    }
    return 0;
}

static void cmd_arp(struct link *l)
{
    uint64_t t0 = now_ns();
    uint8_t buf[2048];
    struct echo e;
    l->peer_known = false;
    for (int i = 0; i < 10 && !l->peer_known; i++) {
        send_arp(l, 1, NULL, l->peer_ip);
        uint64_t end = now_ns() + 1000000000u;
        while (!l->peer_known && recv_udp(l, buf, sizeof(buf), end, &e))
            ; // a datagram from the peer meanwhile: not what we wait for
        if (!l->peer_known)
            continue;
    }
    if (!l->peer_known) {
        printf("arp none\n");
        return;
    }
    const uint8_t *m = l->peer_mac;
    printf("arp mac=%02x:%02x:%02x:%02x:%02x:%02x ms=%.1f\n", m[0], m[1], m[2], m[3], m[4], m[5],
           (double)(now_ns() - t0) / 1e6);
}

static void cmd_ask(struct link *l, const char *text)
{
    size_t n = strlen(text);
    uint8_t buf[2048];
    struct echo e;
    if (n > MAX_PAYLOAD)
        n = MAX_PAYLOAD;
    while (recv_udp(l, buf, sizeof(buf), 0, &e))
        ; // waiting unread (counted in rx): not the answer to this question
    for (int i = 0; i < 5; i++) {
        send_udp(l, text, n);
        if (!recv_udp(l, buf, sizeof(buf), now_ns() + 3000000000u, &e))
            continue;
        printf("reply ");
        for (size_t k = 0; k < e.len; k++)
            putchar(e.data[k] >= 32 && e.data[k] < 127 ? e.data[k] : '.');
        putchar('\n');
        return;
    }
    printf("noreply\n");
}

static void cmd_echo(struct link *l, unsigned n, size_t size)
{
    unsigned done = 0, lost = 0;
    while (done < n && lost < 100)
        ping(l, size, 1000000000u) ? done++ : lost++;
    printf("echo done=%u lost=%u\n", done, lost);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

// The last lat command's round trips (ns), sorted, for rtts.
static uint64_t rtt[MAX_LAT];
static unsigned rtt_n;

static void cmd_lat(struct link *l, unsigned n, size_t size, unsigned gap_us)
{
    unsigned got = 0;
    rtt_n = 0;
    double sum = 0;
    for (unsigned i = 0; i < n; i++) {
        if (gap_us) {
            struct timespec t = {.tv_sec = gap_us / 1000000, .tv_nsec = gap_us % 1000000 * 1000};
            nanosleep(&t, NULL);
        }
        uint64_t r = ping(l, size, 1000000000u);
        if (r) {
            rtt[got++] = r;
            sum += (double)r;
        }
    }
    if (!got) {
        printf("lat n=%u got=0 lost=%u\n", n, n);
        return;
    }
    qsort(rtt, got, sizeof(rtt[0]), cmp_u64);
    rtt_n = got;
    unsigned p99 = (unsigned)((uint64_t)got * 99 / 100);
    printf("lat n=%u got=%u lost=%u p50=%" PRIu64 " p99=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64
           " mean=%.0f\n",
           n, got, n - got, rtt[got / 2], rtt[p99 < got ? p99 : got - 1], rtt[0], rtt[got - 1],
           sum / got);
}

// Keep window echoes in flight for seconds, then wait up to 200 ms for the last window.
// Sequence numbers below `first` were counted lost (a window unanswered for 200 ms); an echo
// of one of them is late, not counted again. sent = got + after + lost.
static void cmd_tput(struct link *l, size_t size, double seconds, unsigned window)
{
    uint8_t p[MAX_PAYLOAD], buf[2048];
    uint64_t sent = 0, got = 0, after = 0, lost = 0, late = 0, first = l->seq + 1;
    uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), elapsed = 0;
    unsigned inflight = 0;
    struct echo e;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end && !elapsed)
            elapsed = t - t0; // time is up: the window is no longer refilled
        for (; !elapsed && inflight < window; inflight++, sent++) {
            fill_payload(p, size, ++l->seq);
            send_udp(l, p, size);
        }
        if (elapsed && !inflight)
            break;
        if (!recv_udp(l, buf, sizeof(buf), now_ns() + 200000000u, &e)) {
            lost += inflight; // the window is refilled with new numbers
            inflight = 0;
            first = l->seq + 1;
            continue;
        }
        uint64_t seq = e.len >= 8 ? payload_seq(e.data) : 0;
        if (seq >= first && seq <= l->seq && is_echo(&e, size, seq)) {
            *(elapsed ? &after : &got) += 1;
            inflight--;
        } else if (seq > 0 && seq < first && is_echo(&e, size, seq))
            late++;
        else
            l->c.bad_echo++;
    }
    printf("tput size=%zu sent=%" PRIu64 " got=%" PRIu64 " after=%" PRIu64 " lost=%" PRIu64
           " late=%" PRIu64 " ns=%" PRIu64 "\n",
           size, sent, got, after, lost, late, elapsed);
}

static void cmd_rtts(void)
{
    printf("rtts n=%u", rtt_n);
    for (unsigned i = 0; i < rtt_n; i++)
        printf(" %" PRIu64, rtt[i]);
    putchar('\n');
}

static void cmd_stats(const struct link *l)
{
    const struct counters *c = &l->c;
    printf("stats tx=%" PRIu64 " rx=%" PRIu64 " arp_answered=%" PRIu64 " arp_learned=%" PRIu64
           " bad_ip_csum=%" PRIu64 " bad_udp_csum=%" PRIu64 " bad_echo=%" PRIu64 " other=%" PRIu64
           "\n",
           c->tx, c->rx, c->arp_answered, c->arp_learned, c->bad_ip_csum, c->bad_udp_csum,
           c->bad_echo, c->other);
}

// One command line; false at quit or a line that makes no sense (its error on stdout).
static bool run_command(struct link *l, char *line)
{
    unsigned n, size, gap, window;
    double secs;
    line[strcspn(line, "\n")] = 0;
    if (!strcmp(line, "arp"))
        cmd_arp(l);
    else if (!strncmp(line, "ask ", 4))
        cmd_ask(l, line + 4);
    else if (sscanf(line, "echo %u %u", &n, &size) == 2 && size >= 8 && size <= MAX_PAYLOAD)
        cmd_echo(l, n, size);
    else if (sscanf(line, "lat %u %u %u", &n, &size, &gap) == 3 && size >= 8 &&
             size <= MAX_PAYLOAD && n <= MAX_LAT)
        cmd_lat(l, n, size, gap);
    else if (sscanf(line, "tput %u %lf %u", &size, &secs, &window) == 3 && size >= 8 &&
             size <= MAX_PAYLOAD && window >= 1 && window <= MAX_WINDOW && secs > 0)
        cmd_tput(l, size, secs, window);
    else if (!strcmp(line, "rtts"))
        cmd_rtts();
    else if (!strcmp(line, "stats"))
        cmd_stats(l);
    else if (!strcmp(line, "quit"))
        return false;
    else
        printf("error: cannot read '%s' (sizes 8-%d, window 1-%d)\n", line, MAX_PAYLOAD,
               MAX_WINDOW);
    fflush(stdout);
    return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return true;
}

static bool parse_port(const char *s, uint16_t *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool parse_args(int argc, char **argv, struct link *l, uint16_t *port, uint16_t *qport)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        bool ok = !strcmp(o, "--port")    ? parse_port(v, port)
                  : !strcmp(o, "--qemu")  ? parse_port(v, qport)
                  : !strcmp(o, "--dport") ? parse_port(v, &l->dport)
                  : !strcmp(o, "--sport") ? parse_port(v, &l->sport)
                  : !strcmp(o, "--peer")  ? inet_pton(AF_INET, v, &l->peer_ip) == 1
                  : !strcmp(o, "--ip")    ? inet_pton(AF_INET, v, &l->ip) == 1
                  : !strcmp(o, "--mac")   ? parse_mac(v, l->mac)
                                          : false;
        if (!ok)
            return false;
    }
    return argc % 2 == 1 && *port && *qport && l->peer_ip;
}

int main(int argc, char **argv)
{
    static struct link l = {
        .mac = {0x02, 0x00, 0x0a, 0x00, 0x02, 0x02}, .dport = 7, .sport = 40000};
    uint16_t port = 0, qport = 0;
    inet_pton(AF_INET, "10.0.2.2", &l.ip);
    if (!parse_args(argc, argv, &l, &port, &qport)) {
        fprintf(stderr, "usage: netload --port H --qemu Q --peer IP [--ip IP] [--mac MAC] "
                        "[--dport P] [--sport P] (commands on stdin: see tools/netload.c)\n");
        return 2;
    }
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(port)};
    l.qemu = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(qport)};
    inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
    l.qemu.sin_addr = me.sin_addr;
    l.fd = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 4 << 20;
    if (l.fd < 0 || bind(l.fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
        fprintf(stderr, "netload: 127.0.0.1:%u: %s\n", port, strerror(errno));
        return 1;
    }
    (void)setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)); // best effort
    printf("netload: on 127.0.0.1:%u, QEMU at 127.0.0.1:%u\n", port, qport);
    fflush(stdout);
    char line[2048];
    while (fgets(line, sizeof(line), stdin) && run_command(&l, line))
        ;
    close(l.fd);
    return 0;
}
