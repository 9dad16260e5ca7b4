/*
 * usr/apps/udpping/main.c: a UDP echo client on the application's own VNIC, through the native
 * zero-copy API, timed with the TSC: the guest-to-guest load generator (docs/experiments.md).
 *
 *   udpping IP [PORT] COMMAND...
 *
 * sends to the echo server at IP:PORT (7 by default) and runs each command in turn, printing
 * one line for each in the format of the host's tools/netload (times in ns):
 *
 *   echo N SIZE           N ping-pong echoes of SIZE bytes, a lost one (1 s) sent again:
 *                         "udpping: echo done= lost="
 *   lat N SIZE GAP_US     N timed ping-pong echoes, GAP_US apart: "udpping: lat n= got= lost=
 *                         p50= p99= min= max= mean="
 *   tput SIZE MS WINDOW   WINDOW echoes kept in flight for MS milliseconds, then the last
 *                         window waited for (200 ms): "udpping: tput size= sent= got= after=
 *                         lost= late= ns=" (sent = got + after + lost)
 *
 * then "udpping: done tx= rx= bad=" and exits. Sizes are 8-1472 bytes: an 8-byte sequence
 * number and a fixed pattern, checked byte for byte in every echo. The first datagram goes
 * out through lwIP, which resolves the server's MAC (ARP); the rest go with the MAC the
 * echoes came from, one doorbell per batch.
 */
#include <arpa/inet.h>
#include <net/native.h>
#include <net/netif.h>
#include <net/start.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sys.h>

#define BATCH      32
#define MAX_WINDOW 256
#define MAX_LAT    20000
#define PATTERN    'x'
#define SPORT      40000
#define MS         1000000ull // ns

struct pinger {
    struct net_stack *s;
    struct net_udp *u;
    uint32_t ip;   // the server's, network order
    uint16_t port; // likewise
    uint8_t mac[6];
    uint64_t seq;           // the last sent
    uint64_t ns_per_tick32; // ns per TSC tick, times 2^32
    uint64_t tx, rx, bad;   // datagrams sent, received, received but not an echo of ours
};

// The echoes received in one call of take(): (sequence number) each, 0 for a bad one.
struct batch {
    uint64_t seq[BATCH];
    unsigned n;
};

static uint64_t now_ns(const struct pinger *p)
{
    return (uint64_t)((unsigned __int128)sys_rdtsc() * p->ns_per_tick32 >> 32);
}

static void fill(uint8_t *d, size_t size, uint64_t seq)
{
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)(seq >> (56 - 8 * i));
    memset(d + 8, PATTERN, size - 8);
}

// The sequence number of an echo of size bytes, or 0 if it is not one of ours.
static uint64_t echo_seq(const struct net_udp_pkt *k, size_t size)
{
    const uint8_t *d = k->data;
    uint64_t seq = 0;
    if (k->len != size)
        return 0;
    for (int i = 0; i < 8; i++)
        seq = seq << 8 | d[i];
    for (size_t i = 8; i < size; i++)
        if (d[i] != PATTERN)
            return 0;
    return seq;
}

// Send n new datagrams of size bytes with one doorbell; how many went.
static unsigned send_new(struct pinger *p, size_t size, unsigned n)
{
    struct net_udp_pkt tx[BATCH];
    unsigned got = 0, sent = 0;
    n = n < BATCH ? n : BATCH;
    if (err_is_fail(net_udp_alloc(p->u, tx, n, &got)))
        return 0; // no buffer free now: the caller polls and comes back
    for (unsigned i = 0; i < got; i++) {
        fill(tx[i].data, size, ++p->seq);
        tx[i].len = (uint16_t)size;
        tx[i].ip = p->ip;
        tx[i].port = p->port;
        memcpy(tx[i].mac, p->mac, 6);
    }
    err_ignore(net_udp_send(p->u, tx, got, &sent), "the unsent are given back below");
    if (sent < got) {
        err_ignore(net_udp_done(p->u, tx + sent, got - sent), "they are ours: cannot fail");
        p->seq -= got - sent;
    }
    p->tx += sent;
    return sent;
}

// Wait until deadline (ns) for datagrams; their sequence numbers (as echoes of size bytes) in
// *b. False at the deadline with none.
static bool take(struct pinger *p, size_t size, uint64_t deadline, struct batch *b)
{
    struct net_udp_pkt rx[BATCH];
    for (;;) {
        unsigned n = 0;
        err_ignore(net_udp_recv(p->u, rx, BATCH, &n), "fails only for a bad argument");
        b->n = 0;
        for (unsigned i = 0; i < n; i++) {
            bool ours = rx[i].ip == p->ip && rx[i].port == p->port;
            uint64_t seq = ours ? echo_seq(&rx[i], size) : 0;
            if (ours)
                memcpy(p->mac, rx[i].mac, 6);
            p->bad += seq == 0;
            b->seq[b->n++] = seq;
        }
        p->rx += n;
        err_ignore(net_udp_done(p->u, rx, n), "received just now: ours to give back");
        if (n)
            return true;
        uint64_t t = now_ns(p);
        if (t >= deadline)
            return false;
        err_ignore(net_wait(p->s, (deadline - t) / 1000 + 1), "woken early: looked at again");
    }
}

// One ping-pong echo: its round trip in ns, or 0 if none came within timeout.
static uint64_t ping(struct pinger *p, size_t size, uint64_t timeout)
{
    uint64_t t0 = now_ns(p), seq;
    struct batch b;
    while (!send_new(p, size, 1)) {
        if (now_ns(p) > t0 + timeout)
            return 0;
        net_poll(p->s);
    }
    seq = p->seq;
    while (take(p, size, t0 + timeout, &b))
        for (unsigned i = 0; i < b.n; i++)
            if (b.seq[i] == seq)
                return now_ns(p) - t0;
    return 0;
}

static void cmd_echo(struct pinger *p, unsigned n, size_t size)
{
    unsigned done = 0, lost = 0;
    while (done < n && lost < 100)
        ping(p, size, 1000 * MS) ? done++ : lost++;
    printf("udpping: echo done=%u lost=%u\n", done, lost);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sleep_ns(struct pinger *p, uint64_t ns)
{
    uint64_t end = now_ns(p) + ns;
    for (uint64_t t = now_ns(p); t < end; t = now_ns(p))
        err_ignore(net_wait(p->s, (end - t) / 1000 + 1), "a frame may end it early");
}

static void cmd_lat(struct pinger *p, unsigned n, size_t size, unsigned gap_us)
{
    static uint64_t rtt[MAX_LAT];
    unsigned got = 0;
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        if (gap_us)
            sleep_ns(p, gap_us * 1000ull);
        uint64_t r = ping(p, size, 1000 * MS);
        if (r) {
            rtt[got++] = r;
            sum += r;
        }
    }
    if (!got) {
        printf("udpping: lat n=%u got=0 lost=%u\n", n, n);
        return;
    }
    qsort(rtt, got, sizeof(rtt[0]), cmp_u64);
    unsigned p99 = (unsigned)((uint64_t)got * 99 / 100);
    printf("udpping: lat n=%u got=%u lost=%u p50=%lu p99=%lu min=%lu max=%lu mean=%lu\n", n, got,
           n - got, (unsigned long)rtt[got / 2], (unsigned long)rtt[p99 < got ? p99 : got - 1],
           (unsigned long)rtt[0], (unsigned long)rtt[got - 1], (unsigned long)(sum / got));
}

// As tools/netload's tput: numbers below first were counted lost with their window.
static void cmd_tput(struct pinger *p, size_t size, unsigned ms, unsigned window)
{
    uint64_t sent = 0, got = 0, after = 0, lost = 0, late = 0, first = p->seq + 1;
    uint64_t t0 = now_ns(p), end = t0 + ms * MS, elapsed = 0;
    unsigned inflight = 0;
    struct batch b;
    for (;;) {
        uint64_t t = now_ns(p);
        if (t >= end && !elapsed)
            elapsed = t - t0;
        while (!elapsed && inflight < window) {
            unsigned k = send_new(p, size, window - inflight);
            if (!k)
                break; // no transmit buffer now: take echoes first
            inflight += k;
            sent += k;
        }
        if (elapsed && !inflight)
            break;
        if (!take(p, size, now_ns(p) + 200 * MS, &b)) {
            lost += inflight;
            inflight = 0;
            first = p->seq + 1;
            continue;
        }
        for (unsigned i = 0; i < b.n; i++) {
            uint64_t seq = b.seq[i];
            if (seq >= first && seq <= p->seq && inflight) {
                *(elapsed ? &after : &got) += 1;
                inflight--;
            } else if (seq && seq < first) {
                late++;
            }
        }
    }
    printf("udpping: tput size=%u sent=%lu got=%lu after=%lu lost=%lu late=%lu ns=%lu\n",
           (unsigned)size, (unsigned long)sent, (unsigned long)got, (unsigned long)after,
           (unsigned long)lost, (unsigned long)late, (unsigned long)elapsed);
}

static bool number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

// Run the commands of argv[0..argc); false at the first one that makes no sense (nothing of
// it is run).
static bool run(struct pinger *p, int argc, char **argv)
{
    for (int i = 0; i < argc;) {
        unsigned a, b, c;
        const char *cmd = argv[i];
        if (!strcmp(cmd, "echo") && i + 2 < argc && number(argv[i + 1], 1, 1000000, &a) &&
            number(argv[i + 2], 8, NET_UDP_MAX_PAYLOAD, &b)) {
            cmd_echo(p, a, b);
            i += 3;
        } else if (!strcmp(cmd, "lat") && i + 3 < argc && number(argv[i + 1], 1, MAX_LAT, &a) &&
                   number(argv[i + 2], 8, NET_UDP_MAX_PAYLOAD, &b) &&
                   number(argv[i + 3], 0, 1000000, &c)) {
            cmd_lat(p, a, b, c);
            i += 4;
        } else if (!strcmp(cmd, "tput") && i + 3 < argc &&
                   number(argv[i + 1], 8, NET_UDP_MAX_PAYLOAD, &a) &&
                   number(argv[i + 2], 1, 600000, &b) && number(argv[i + 3], 1, MAX_WINDOW, &c)) {
            cmd_tput(p, a, b, c);
            i += 4;
        } else {
            printf("udpping: cannot read the command at '%s'\n", cmd);
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    static struct pinger p;
    struct in_addr ip;
    uint16_t port = 7;
    int at = 2;
    if (argc < 3 || !inet_aton(argv[1], &ip)) {
        printf("usage: udpping IP [PORT] (echo N SIZE | lat N SIZE GAP_US | tput SIZE MS "
               "WINDOW)...\n");
        return 2;
    }
    if (net_port_arg(argv[2], &port))
        at = 3;
    p.ip = ip.s_addr;
    p.port = htons(port);
    p.ns_per_tick32 = (1000000000ull << 32) / sys_tsc_hz();
    errval_t err = net_start("vnic", &p.s);
    if (err_is_ok(err))
        err = net_udp_open(p.s, htons(SPORT), 256, &p.u);
    if (err_is_fail(err)) {
        printf("udpping: no network: %s\n", err_msg(err));
        return 1;
    }
    struct in_addr me = {.s_addr = net_stack_netq(p.s)->ip};
    printf("udpping: from %s to %s:%u\n", inet_ntoa(me), argv[1], port);
    bool ok = run(&p, argc - at, argv + at);
    printf("udpping: done tx=%lu rx=%lu bad=%lu\n", (unsigned long)p.tx, (unsigned long)p.rx,
           (unsigned long)p.bad);
    return ok ? 0 : 2;
}
