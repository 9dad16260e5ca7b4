/*
 * usr/apps/udpecho/main.c: a UDP echo server, through the native
 * zero-copy API or POSIX sockets.
 *
 *   udpecho [--native [--copy] | --posix] [--vnic | --netd] [--queues 1|2 [--cores 1|2]] [port]
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
 * echoes with one thread per pair; its stats answer counts per pair. With
 * --cores 2 pair 1 is served by a second process on core 1 instead
 * (`udpecho --pair1 NAME PORT`, started here), lent the pair's rings,
 * buffers and the VF's registers over a UMP connection.
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
#include <sys/capops.h>
#include <sys/caps.h>
#include <sys/exception.h>
#include <sys/initsvc.h>
#include <sys/socket.h>
#include <sys/sys.h>
#include <sys/thread.h>
#include <sys/vspace.h>

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

// With --cores 2 pair 1 is another process's, on core 1 (udpecho
// --pair1): both publish what their pair received and echoed on a page
// they share, so either answers the stats ask for both.
struct pair_counts {
    volatile uint64_t rx[2], echoes[2];
};
static struct pair_counts *counts;    // NULL: both pairs are this process's
static unsigned own_pair;             // which pair this process serves (with counts)
static struct net_stack *report_from; // the stack whose report the stats answer ends with

static void publish(const struct pair *p, unsigned i)
{
    struct netq_stats st;
    struct netq *q = net_stack_netq(p->s);
    q->ops->stats(q, &st);
    counts->rx[i] = st.rx_packets;
    counts->echoes[i] = p->echoes;
}

// The stats ask on either pair: what each pair received and echoed (its
// queue's frames: the device's per-pool counters stop in RSS mode), then
// this process's stack report.
static size_t reply_pairs(const void *data, size_t len, char *buf, size_t max)
{
    if (!is_stats_ask(data, len))
        return 0;
    int w = snprintf(buf, max, "queues=2 rss=%s", rss_on ? "on" : "off");
    size_t at = w < 0 ? 0 : (size_t)w;
    if (counts)
        publish(&pairs[own_pair], own_pair);
    for (unsigned i = 0; i < 2 && at < max; i++) {
        struct netq_stats st = {0};
        uint64_t echoed = pairs[i].echoes;
        if (counts) {
            st.rx_packets = counts->rx[i];
            echoed = counts->echoes[i];
        } else {
            struct netq *q = net_stack_netq(pairs[i].s);
            q->ops->stats(q, &st);
        }
        w = snprintf(buf + at, max - at, " q%u.rx=%lu q%u.echoes=%lu", i,
                     (unsigned long)st.rx_packets, i, (unsigned long)echoed);
        at += w < 0 ? 0 : (size_t)w;
    }
    if (counts && at < max) {
        w = snprintf(buf + at, max - at, " cores=2 (pair %u on core %u)", own_pair, sys_core());
        at += w < 0 ? 0 : (size_t)w;
    }
    if (at < max - 2) {
        memcpy(buf + at, "; ", 2);
        at += 2 + net_stack_report(report_from, buf + at + 2, max - at - 2);
    }
    printf("udpecho: %s\n", buf);
    return at < max ? at : max - 1;
}

// A pair's loop: poll its endpoint and echo. With both pairs in this
// process, threads are cooperative and share the dispatcher (one core),
// so an idle pair yields to the other, and both together to the rest of
// the system; they never sleep in the kernel, which would stop the other
// pair too. idle (set with --cores 2, where counts is) is called now and
// then while nothing comes.
static int pair_loop_idle(struct pair *p, bool (*idle)(void))
{
    struct net_udp_pkt rx[BATCH];
    unsigned quiet = 0;
    for (;;) {
        unsigned n;
        err_ignore(net_udp_recv(p->u, rx, BATCH, &n),
                   "n says how many arrived; an error leaves it 0");
        if (n) {
            uint64_t before = echoes; // (no other thread runs inside the batch)
            echo_batch(p->u, rx, n, reply_pairs);
            p->echoes += echoes - before;
            if (counts)
                publish(p, own_pair);
        } else {
            if (idle && ++quiet % 256 == 0) {
                publish(p, own_pair); // (settled: the counts of a quiet pair)
                if (!idle())
                    return 0;
            }
            thread_yield();
            (void)sys_yield(); // only ever "done": nothing to check
        }
    }
}

static int pair_loop(void *arg) { return pair_loop_idle(arg, NULL); }

// With --cores 2: the connection between the two processes (pair 0's
// end or pair 1's), and whether pair 1's process is still there.
#define PAIR1_READY 1u // pair 1 -> pair 0: [READY, error]
static struct ump_conn pair1;
static bool pair1_up;

// Pair 0's idle check: has pair 1's process ended? Then RSS goes off (all
// flows to pair 0 again) and pair 0 serves alone.
static bool pair0_idle(void)
{
    uint64_t w[UMP_WORDS];
    errval_t err;
    if (!pair1_up || !err_has(err = ump_recv(&pair1.chan, w), UMP_ERR_CLOSED))
        return true;
    pair1_up = false;
    err = vnic_rss(net_stack_netq(pairs[0].s), false);
    rss_on = err_is_fail(err);
    printf("udpecho: queue pair 1's process on core 1 ended; %s%s, pair 0 serves alone\n",
           rss_on ? "RSS still on: " : "RSS off", rss_on ? err_msg(err) : "");
    return true;
}

// Give pair 1 to a new `udpecho --pair1` on core 1: its rings, buffers and
// the VF's registers, and the page of counts, over a UMP connection.
static MUST_CHECK errval_t give_pair1(struct net_stack *s0, uint16_t port)
{
    char name[40], cmd[80];
    snprintf(name, sizeof(name), "udpecho.pair1.%lu", (unsigned long)sys_pid());
    snprintf(cmd, sizeof(cmd), "udpecho --pair1 %s %u", name, port);
    struct vnic_queue1 d;
    capref_t ring, bufs, regs, page;
    void *va;
    uint64_t pid, w[UMP_WORDS];
    errval_t err = vnic_queue1_give(net_stack_netq(s0), &d, &ring, &bufs, &regs);
    if (err_is_ok(err))
        err = frame_alloc(&page, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = vspace_map(page, OBJSIZE_PAGE, MAP_WRITE, &va);
    if (err_is_ok(err)) {
        counts = va;
        err = ump_offer(name);
    }
    if (err_is_ok(err))
        err = proc_spawn_on(1, cmd, &pid);
    if (err_is_ok(err))
        err = ump_accept(name, &pair1);
    // (one cap at a time: init holds one for the taker until it takes it)
    capref_t give[4] = {ring, bufs, regs, page};
    for (unsigned i = 0; i < 4 && err_is_ok(err); i++) {
        err = ump_cap_send(&pair1, give[i]);
        if (err_is_ok(err))
            err = ump_recv_wait(&pair1, w); // taken
    }
    if (err_is_ok(err)) {
        uint64_t mac = 0;
        memcpy(&mac, d.mac, 6);
        const uint64_t desc[UMP_WORDS] = {d.ring_iova,
                                          d.bufs_iova,
                                          d.ip | (uint64_t)d.netmask << 32,
                                          d.gateway,
                                          mac | (uint64_t)d.offloads << 48,
                                          d.regs_bytes};
        err = ump_send_wait(&pair1, desc);
    }
    if (err_is_ok(err))
        err = ump_recv_wait(&pair1, w);
    if (err_is_ok(err) && w[0] != PAIR1_READY)
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_ok(err))
        err = (errval_t)w[1];
    pair1_up = err_is_ok(err);
    return err;
}

static int echo_pairs(struct net_stack *s0, uint16_t port, const char *where, unsigned cores)
{
    struct netq *q1;
    pairs[0].s = report_from = s0;
    errval_t err = cores == 2 ? give_pair1(s0, port) : vnic_open_queue1(net_stack_netq(s0), &q1);
    if (err_is_ok(err) && cores == 1)
        err = net_stack_open(q1, NULL, &pairs[1].s);
    for (unsigned i = 0; i < 3 - cores && err_is_ok(err); i++)
        err = net_udp_open(pairs[i].s, htons(port), 256, &pairs[i].u);
    if (err_is_fail(err)) {
        printf("udpecho: queue pair 1, port %u%s: %s\n", port, cores == 2 ? ", on core 1" : "",
               err_msg(err));
        return 1;
    }
    err = vnic_rss(net_stack_netq(s0), true);
    rss_on = err_is_ok(err);
    printf("udpecho: native echo on %s, 2 queue pairs%s, RSS %s%s\n", where,
           cores == 2 ? " on 2 cores" : "",
           rss_on ? "on" : "refused: ", rss_on ? "" : err_msg(err));
    if (cores == 2)
        return pair_loop_idle(&pairs[0], pair0_idle);
    if (!thread_create(pair_loop, &pairs[1], 0)) {
        printf("udpecho: no thread for queue pair 1\n");
        return 1;
    }
    return pair_loop(&pairs[0]);
}

/* ---- Pair 1's process (udpecho --pair1 NAME PORT, started by pair 0's) ---- */

static uintptr_t pair0_mem[3][2]; // [start, end) of what pair 0's process lent us

// Pair 0's process ended and its memory went with it (our mappings of its
// rings, buffers and registers first, before the connection says so): a
// fault there ends us quietly (sys/exception.h: lib/sys tries this after
// the heap's handler; any other fault is reported as ever).
static bool pair1_fault(uint64_t addr, uint64_t error)
{
    (void)error;
    for (unsigned i = 0; i < 3; i++) {
        if (addr >= pair0_mem[i][0] && addr < pair0_mem[i][1]) {
            // (a system call, not stdio: the fault may be inside printf)
            static const char line[] = "udpecho: queue pair 1: pair 0's process ended; so do we\n";
            err_ignore(sys_print(line, sizeof(line) - 1), "we end next either way");
            sys_exit(0);
        }
    }
    return false;
}

// Pair 1's idle check: is pair 0's process still there?
static bool pair1_idle(void)
{
    uint64_t w[UMP_WORDS];
    if (err_has(ump_recv(&pair1.chan, w), UMP_ERR_CLOSED)) {
        printf("udpecho: queue pair 1: pair 0's process ended; so do we\n");
        return false;
    }
    return true;
}

static MUST_CHECK errval_t take_pair1(const char *name, uint16_t port)
{
    capref_t cap[4]; // ring, buffers, registers, the page of counts
    uint64_t w[UMP_WORDS];
    struct netq *q;
    void *va;
    errval_t err = ump_connect(name, &pair1);
    for (unsigned i = 0; i < 4 && err_is_ok(err); i++) {
        err = ump_cap_recv(&pair1, &cap[i]);
        if (err_is_ok(err))
            err = ump_send_wait(&pair1, (const uint64_t[UMP_WORDS]){i}); // taken: the next
    }
    if (err_is_ok(err))
        err = ump_recv_wait(&pair1, w);
    if (err_is_fail(err))
        return err; // (nothing to tell pair 0: no connection, or it ended)
    struct vnic_queue1 d = {.ring_iova = w[0],
                            .bufs_iova = w[1],
                            .ip = (uint32_t)w[2],
                            .netmask = (uint32_t)(w[2] >> 32),
                            .gateway = (uint32_t)w[3],
                            .offloads = (uint16_t)(w[4] >> 48),
                            .regs_bytes = w[5]};
    memcpy(d.mac, &w[4], 6);
    err = net_init(net_platform_sietch());
    if (err_is_ok(err))
        err = vspace_map(cap[3], OBJSIZE_PAGE, MAP_WRITE, &va);
    if (err_is_ok(err)) {
        counts = va;
        err = vnic_queue1_take(&d, cap[0], cap[1], cap[2], &q);
    }
    if (err_is_ok(err))
        err = net_stack_open(q, NULL, &pairs[1].s);
    if (err_is_ok(err))
        err = net_udp_open(pairs[1].s, htons(port), 256, &pairs[1].u);
    if (err_is_ok(err)) {
        vnic_queue1_lent(q, pair0_mem);
        err = exception_add_fault_handler(pair1_fault);
    }
    // (said before pair 0's process hears: its own line comes after ours)
    if (err_is_ok(err))
        printf("udpecho: queue pair 1 on core %u (pid %lu)\n", sys_core(),
               (unsigned long)sys_pid());
    const uint64_t ready[UMP_WORDS] = {PAIR1_READY, err};
    errval_t sent = ump_send_wait(&pair1, ready);
    return err_is_ok(err) ? sent : err;
}

static int pair1_main(const char *name, uint16_t port)
{
    own_pair = 1;
    errval_t err = take_pair1(name, port);
    if (err_is_fail(err)) {
        printf("udpecho: queue pair 1 on core %u: %s\n", sys_core(), err_msg(err));
        return 1;
    }
    report_from = pairs[1].s;
    rss_on = true; // (pair 1 receives only while pair 0's process has RSS on)
    return pair_loop_idle(&pairs[1], pair1_idle);
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
static bool parse_args(int argc, char **argv, bool *native, unsigned *queues, unsigned *cores,
                       uint16_t *port)
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
        } else if (strcmp(argv[i], "--cores") == 0 && i + 1 < argc &&
                   (!strcmp(argv[i + 1], "1") || !strcmp(argv[i + 1], "2"))) {
            *cores = (unsigned)(argv[++i][0] - '0');
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
    unsigned queues = 1, cores = 1;
    uint16_t port = 7;
    if (argc == 4 && strcmp(argv[1], "--pair1") == 0 && net_port_arg(argv[3], &port))
        return pair1_main(argv[2], port); // (started by --cores 2, not by hand)
    const char *mode = net_mode_arg(argc, argv);
    if (!parse_args(argc, argv, &native, &queues, &cores, &port) ||
        (queues == 2 && (!native || strcmp(mode, "vnic") != 0)) || (cores == 2 && queues != 2)) {
        printf("usage: udpecho [--native [--copy] | --posix] [--vnic | --netd] [--queues 1|2 "
               "[--cores 1|2] (native, vnic)] [port (1-65535)]\n");
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
        return echo_pairs(s, port, where, cores);
    return native ? echo_native(s, port, where) : echo_posix(s, port, where);
}
