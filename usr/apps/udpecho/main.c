/*
 * usr/apps/udpecho/main.c: a UDP echo server, through the native
 * zero-copy API or POSIX sockets.
 *
 *   udpecho [--native [--copy] | --posix] [--vnic | --netd] [--queues 1|2] [port]
 *
 * Port 7 unless given (1-65535; anything else gets the usage line and
 * status 2); POSIX sockets unless --native; the application's
 * own VNIC unless --netd (the queue through the netd server).
 * --native answers each datagram in the buffer it came in
 * (net_udp_reply: no copy); with --copy, and always with --queues 2, it
 * copies it into a transmit buffer instead (net_udp_alloc, net_udp_send:
 * lab 8's echo_batch).
 * `--native --queues 2` opens both of the VNIC's queue pairs, a stack and
 * an endpoint on each, asks for RSS (flows hashed across the pairs) and
 * echoes with one thread per pair; its stats answer counts per pair.
 *
 * A datagram that is exactly "udpecho:stats" is answered (and printed)
 * with the stack's counters instead of echoed: what was moved, and what was
 * dropped where and why (tests and benchmarks ask over the network).
 * "probe:reset" turns the data path's phase probes on (os/probe.h) and
 * starts them from zero, in netd too on the netd path; "probe:report" is
 * answered with the echoes since and the cycles of each phase (make bench).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/native.h>
#include <net/netd.h>
#include <net/netif.h>
#include <net/start.h>
#include <net/vnic.h>
#include <netinet/in.h>
#include <os/probe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/caps.h>
#include <sys/socket.h>
#include <sys/sys.h>
#include <sys/thread.h>

#define BATCH        32
#define STATS_ASK    "udpecho:stats"
#define PROBE_RESET  "probe:reset"
#define PROBE_REPORT "probe:report"

static uint64_t echoes; // since the last probe:reset

static bool is_ask(const char *ask, const void *data, size_t len)
{
    return len == strlen(ask) && memcmp(data, ask, len) == 0;
}

static bool is_stats_ask(const void *data, size_t len) { return is_ask(STATS_ASK, data, len); }

// "probe:reset" or "probe:report" answered into buf (its length), or 0
// for any other datagram. On the netd path netd's own tables follow ours,
// names prefixed "netdrpc." (its work inside our requests) and "netd."
// (the rest).
static size_t probe_reply(struct net_stack *s, const void *data, size_t len, char *buf, size_t n)
{
    struct netq *q = net_stack_netq(s);
    struct os_probe ours, netd[2];
    bool reset = is_ask(PROBE_RESET, data, len);
    if (!reset && !is_ask(PROBE_REPORT, data, len))
        return 0;
    os_probe_snapshot(&ours);
    errval_t err = netd_probe(q, reset, netd); // not netd's queue: SYS_ERR_INVALID_ARGS
    bool via_netd = err_is_ok(err);
    if (reset) {
        os_probe_reset();
        echoes = 0;
        return (size_t)snprintf(buf, n, "probe: reset%s", via_netd ? " (and netd's)" : "");
    }
    int w = snprintf(buf, n, "probe echoes=%lu hz=%lu", (unsigned long)echoes,
                     (unsigned long)sys_tsc_hz());
    size_t at = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
    at += os_probe_format(&ours, "", buf + at, n - at);
    if (via_netd) {
        at += os_probe_format(&netd[0], "netdrpc.", buf + at, n - at);
        at += os_probe_format(&netd[1], "netd.", buf + at, n - at);
    }
    return at;
}

// The counters as the reply's text (and on the console); its length.
static size_t stats_reply(struct net_stack *s, char *buf, size_t n)
{
    size_t len = net_stack_report(s, buf, n);
    printf("udpecho: %s\n", buf);
    return len;
}

// LAB 8 BEGIN echo_batch
// One batch: replies in transmit buffers (probe and stats asks answered
// with text by reply), sent with one doorbell, buffers given back.
static void echo_batch(struct net_udp *u, struct net_udp_pkt *rx, unsigned n,
                       size_t (*reply)(const void *data, size_t len, char *buf, size_t max))
{
    struct net_udp_pkt tx[BATCH];
    unsigned got = 0, sent = 0;
    err_ignore(net_udp_alloc(u, tx, n, &got),
               "short of buffers: the rest are not echoed (got says how many)");
    for (unsigned i = 0; i < got; i++) {
        size_t text = reply(rx[i].data, rx[i].len, tx[i].data, NET_UDP_MAX_PAYLOAD);
        if (text) {
            tx[i].len = (uint16_t)text;
        } else {
            memcpy(tx[i].data, rx[i].data, rx[i].len);
            tx[i].len = rx[i].len;
            echoes++;
        }
        tx[i].ip = rx[i].ip;
        tx[i].port = rx[i].port;
        memcpy(tx[i].mac, rx[i].mac, 6);
    }
    err_ignore(net_udp_send(u, tx, got, &sent),
               "a datagram not sent is dropped, as UDP allows; sent says how many went");
    err_ignore(net_udp_done(u, tx + sent, got - sent),
               "giving buffers back cannot fail for buffers we hold");
    err_ignore(net_udp_done(u, rx, n), "giving buffers back cannot fail for buffers we hold");
}
// LAB 8 STUB
// // One batch: replies in transmit buffers (probe and stats asks answered
// // with text by reply), sent with one doorbell, buffers given back.
// static void echo_batch(struct net_udp *u, struct net_udp_pkt *rx, unsigned n,
//                        size_t (*reply)(const void *data, size_t len, char *buf, size_t max))
// {
//     // LAB 8: your code here: take n transmit buffers (net_udp_alloc; it
//     // may give fewer), and for each received datagram rx[i] write the
//     // reply into tx[i]: reply()'s text when it returns a length (the stats
//     // and probe asks), else a copy of the datagram (count it in echoes);
//     // address it back to the sender (ip, port and mac). Send them all with
//     // one net_udp_send (one doorbell); give back what was not sent and
//     // every receive buffer (net_udp_done). The contracts are in
//     // lib/os/net/include/net/native.h.
//     static bool said;
//     (void)u, (void)reply;
//     if (!said) {
//         said = true;
//         printf("LAB 8: echo_batch is not written yet (usr/apps/udpecho/main.c)\n");
//     }
//     err_ignore(net_udp_done(u, rx, n), "giving buffers back cannot fail for buffers we hold");
// }
// LAB 8 END

static bool copy_echo; // --copy: echo_batch, else echo_in_place (one queue pair)

// One batch answered in place (net_udp_reply): each datagram goes back in
// the buffer it came in, the probe and stats asks with reply's text
// written over them; what could not be sent is given back.
static void echo_in_place(struct net_udp *u, struct net_udp_pkt *rx, unsigned n,
                          size_t (*reply)(const void *data, size_t len, char *buf, size_t max))
{
    static char text[NET_UDP_MAX_PAYLOAD]; // (threads of pairs never switch inside a batch)
    unsigned sent = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t len = reply(rx[i].data, rx[i].len, text, sizeof(text));
        if (len) {
            memcpy(rx[i].data, text, len);
            rx[i].len = (uint16_t)len;
        } else {
            echoes++;
        }
    }
    err_ignore(net_udp_reply(u, rx, n, &sent),
               "a datagram not sent is dropped, as UDP allows; sent says how many went");
    err_ignore(net_udp_done(u, rx + sent, n - sent),
               "giving buffers back cannot fail for buffers we hold");
}

// One batch, as the options say. (Marked unused: lab 8's echo_native,
// written by a student as its page says, calls echo_batch instead.)
__attribute__((unused)) static void echo_any(struct net_udp *u, struct net_udp_pkt *rx, unsigned n,
                                             size_t (*reply)(const void *data, size_t len,
                                                             char *buf, size_t max))
{
    if (copy_echo)
        echo_batch(u, rx, n, reply);
    else
        echo_in_place(u, rx, n, reply);
}

static struct net_stack *stack0; // the one stack (queue pair 0's)

static size_t reply_one(const void *data, size_t len, char *buf, size_t max)
{
    size_t probe = probe_reply(stack0, data, len, buf, max);
    if (probe)
        return probe;
    return is_stats_ask(data, len) ? stats_reply(stack0, buf, max) : 0;
}

// LAB 8 BEGIN echo_native
// Arrakis/N: datagrams arrive in receive buffers and go back from them
// (or, with --copy, are copied once into transmit buffers), a batch with
// one doorbell.
static int echo_native(struct net_stack *s, uint16_t port, const char *where)
{
    struct net_udp *u;
    struct net_udp_pkt rx[BATCH];
    errval_t err = net_udp_open(s, htons(port), 256, &u);
    if (err_is_fail(err)) {
        printf("udpecho: port %u: %s\n", port, err_msg(err));
        return 1;
    }
    stack0 = s;
    printf("udpecho: native echo on %s\n", where);
    for (;;) {
        unsigned n;
        os_probe_push(OS_PROBE_WAIT); // the polling loop (not the frame that ends it)
        for (err_ignore(net_udp_recv(u, rx, BATCH, &n),
                        "n says how many arrived; an error leaves it 0");
             n == 0; err_ignore(net_udp_recv(u, rx, BATCH, &n),
                                "n says how many arrived; an error leaves it 0"))
            err_ignore(net_wait(s, 0),
                       "a wait that fails or times out returns to the loop, which polls");
        os_probe_pop();
        echo_any(u, rx, n, reply_one);
    }
}
// LAB 8 STUB
// // Arrakis/N: datagrams arrive in receive buffers and are copied once,
// // into transmit buffers, as the replies; a batch goes with one doorbell.
// static int echo_native(struct net_stack *s, uint16_t port, const char *where)
// {
//     // LAB 8: your code here: open a UDP endpoint on port (net_udp_open,
//     // the port in network order, 256 receive buffers), set stack0 (for
//     // reply_one), print "udpecho: native echo on <where>" (the tests wait
//     // for it), then forever: receive up to BATCH datagrams (net_udp_recv);
//     // when none came, wait for the device (net_wait) and poll again; echo
//     // each batch with echo_batch(u, rx, n, reply_one). Bracket the waiting
//     // with os_probe_push(OS_PROBE_WAIT) and os_probe_pop() so that make
//     // bench can tell waiting from work.
//     (void)s, (void)port, (void)where, (void)reply_one; // reply_one is given: yours to use
//     printf("LAB 8: echo_native is not written yet (usr/apps/udpecho/main.c)\n");
//     return 1;
// }
// LAB 8 END

/* ---- Both queue pairs: one stack, endpoint and thread each ---- */

struct pair {
    struct net_stack *s;
    struct net_udp *u;
    uint64_t echoes; // datagrams this pair echoed
};
static struct pair pairs[2];
static bool rss_on;

// The stats ask on either pair: what each pair received and echoed (its
// queue's frames: the device's per-pool counters stop in RSS mode), then
// pair 0's stack report.
static size_t reply_pairs(const void *data, size_t len, char *buf, size_t max)
{
    if (!is_stats_ask(data, len))
        return 0;
    int w = snprintf(buf, max, "queues=2 rss=%s", rss_on ? "on" : "off");
    size_t at = w < 0 ? 0 : (size_t)w;
    for (unsigned i = 0; i < 2 && at < max; i++) {
        struct netq_stats st;
        struct netq *q = net_stack_netq(pairs[i].s);
        q->ops->stats(q, &st);
        w = snprintf(buf + at, max - at, " q%u.rx=%lu q%u.echoes=%lu", i,
                     (unsigned long)st.rx_packets, i, (unsigned long)pairs[i].echoes);
        at += w < 0 ? 0 : (size_t)w;
    }
    if (at < max - 2) {
        memcpy(buf + at, "; ", 2);
        at += 2 + net_stack_report(pairs[0].s, buf + at + 2, max - at - 2);
    }
    printf("udpecho: %s\n", buf);
    return at < max ? at : max - 1;
}

// A pair's thread: poll its endpoint and echo. Threads are cooperative
// and share the dispatcher (one core), so an idle pair yields to the
// other, and both together to the rest of the system; they never sleep
// in the kernel, which would stop the other pair too.
static int pair_loop(void *arg)
{
    struct pair *p = arg;
    struct net_udp_pkt rx[BATCH];
    for (;;) {
        unsigned n;
        err_ignore(net_udp_recv(p->u, rx, BATCH, &n),
                   "n says how many arrived; an error leaves it 0");
        if (n) {
            uint64_t before = echoes; // (no other thread runs inside the batch)
            echo_batch(p->u, rx, n, reply_pairs);
            p->echoes += echoes - before;
        } else {
            thread_yield();
            (void)sys_yield(); // only ever "done": nothing to check
        }
    }
    return 0;
}

static int echo_pairs(struct net_stack *s0, uint16_t port, const char *where)
{
    struct netq *q1;
    pairs[0].s = s0;
    errval_t err = vnic_open_queue1(net_stack_netq(s0), &q1);
    if (err_is_ok(err))
        err = net_stack_open(q1, NULL, &pairs[1].s);
    for (unsigned i = 0; i < 2 && err_is_ok(err); i++)
        err = net_udp_open(pairs[i].s, htons(port), 256, &pairs[i].u);
    if (err_is_fail(err)) {
        printf("udpecho: queue pair 1, port %u: %s\n", port, err_msg(err));
        return 1;
    }
    err = vnic_rss(net_stack_netq(s0), true);
    rss_on = err_is_ok(err);
    printf("udpecho: native echo on %s, 2 queue pairs, RSS %s%s\n", where,
           rss_on ? "on" : "refused: ", rss_on ? "" : err_msg(err));
    if (!thread_create(pair_loop, &pairs[1], 0)) {
        printf("udpecho: no thread for queue pair 1\n");
        return 1;
    }
    return pair_loop(&pairs[0]);
}

// Arrakis/P: the same with sockets (lwIP underneath).
static int echo_posix(struct net_stack *s, uint16_t port, const char *where)
{
    static char buf[65536];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        printf("udpecho: port %u: %s\n", port, strerror(errno));
        return 1;
    }
    printf("udpecho: POSIX echo on %s\n", where);
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
        if (n < 0) {
            printf("udpecho: recvfrom: %s\n", strerror(errno));
            return 1;
        }
        size_t probe = probe_reply(s, buf, (size_t)n, buf, 1024);
        if (probe)
            n = (ssize_t)probe;
        else if (is_stats_ask(buf, (size_t)n))
            n = (ssize_t)stats_reply(s, buf, 1024);
        else
            echoes++;
        // A reply that finds no buffer (ENOBUFS) is lost, as UDP allows.
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
}

// The options and the port; false for anything else (or a second port).
static bool parse_args(int argc, char **argv, bool *native, unsigned *queues, uint16_t *port)
{
    static const char *const options[] = {"--native", "--posix", "--vnic", "--netd", "--copy"};
    bool have_port = false;
    for (int i = 1; i < argc; i++) {
        bool option = false;
        for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++)
            option |= strcmp(argv[i], options[k]) == 0;
        if (strcmp(argv[i], "--queues") == 0 && i + 1 < argc &&
            (!strcmp(argv[i + 1], "1") || !strcmp(argv[i + 1], "2"))) {
            *queues = (unsigned)(argv[++i][0] - '0');
        } else if (option) {
            *native = *native || strcmp(argv[i], "--native") == 0;
            copy_echo = copy_echo || strcmp(argv[i], "--copy") == 0;
        } else if (have_port || !net_port_arg(argv[i], port)) {
            return false;
        } else {
            have_port = true;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    bool native = false;
    unsigned queues = 1;
    uint16_t port = 7;
    const char *mode = net_mode_arg(argc, argv);
    if (!parse_args(argc, argv, &native, &queues, &port) ||
        (queues == 2 && (!native || strcmp(mode, "vnic") != 0))) {
        printf("usage: udpecho [--native [--copy] | --posix] [--vnic | --netd] [--queues 1|2 "
               "(native, vnic)] [port (1-65535)]\n");
        return 2;
    }
    struct net_stack *s;
    errval_t err = net_start(mode, &s);
    if (err_is_fail(err)) {
        printf("udpecho: no network (%s): %s\n", mode, err_msg(err));
        return 1;
    }
    // "10.0.2.15:7 (vnic)": the address the control plane gave, and the path.
    static char where[48];
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    snprintf(where, sizeof(where), "%s:%u (%s)", inet_ntoa(ip), port, mode);
    if (queues == 2)
        return echo_pairs(s, port, where);
    return native ? echo_native(s, port, where) : echo_posix(s, port, where);
}
