/*
 * usr/apps/memcache/main.c: a memcached-compatible cache (the text
 * protocol) on the library OS: TCP through POSIX sockets (Arrakis/P) and
 * UDP, with memcached's 8-byte frame header, on the native zero-copy API
 * (Arrakis/N). The protocol and the cache are lib/os/mc (os/mc.h); this
 * file is the sockets, the clock and the loop.
 *
 *   memcache [--vnic | --netd] [-p tcp_port] [-U udp_port] [-m MB] [-I bytes] [-M]
 *
 * As memcached: port 11211 for both (-U 0: no UDP), -m the items' memory
 * in megabytes (default 64), -I the largest item (default 1 MB), -M
 * refuse stores instead of evicting. The application's own VNIC unless
 * --netd. One thread serves every client from one loop: sockets polled
 * without waiting, then the UDP endpoint, then a wait for the network
 * when neither had work.
 *
 * The clock counts seconds since the program started, from a base of
 * MEMCACHE_EPOCH: Sietch has no wall clock, so an absolute expiry time
 * (over 30 days) is read against that base.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/native.h>
#include <net/netif.h>
#include <net/start.h>
#include <netinet/in.h>
#include <os/mc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sys.h>
#include <unistd.h>

#define MAX_CLIENTS    100         // within lwIP's 128 TCP PCBs (lwipopts.h)
#define BACKLOG        64          // clients connecting at once
#define READ_BYTES     16384       // one recv
#define OUT_HIGH       (256 << 10) // replies waiting: stop reading from that client
#define UDP_BATCH      32
#define MEMCACHE_EPOCH 1000000000ull // "now" at start (2001-09-09), in Unix seconds

static struct mc_cache *cache;
static struct pollfd fds[1 + MAX_CLIENTS]; // [0]: the listener
static struct mc_conn *conns[1 + MAX_CLIENTS];
static bool closing[1 + MAX_CLIENTS]; // close once the output is out
static nfds_t nfds = 1;
static uint64_t start_tsc, tsc_hz;

static uint64_t clock_s(void *arg)
{
    (void)arg;
    return MEMCACHE_EPOCH + (sys_rdtsc() - start_tsc) / tsc_hz;
}

// ---- TCP ----

static void drop_client(nfds_t i)
{
    close(fds[i].fd);
    mc_conn_free(conns[i]);
    nfds--;
    fds[i] = fds[nfds];
    conns[i] = conns[nfds];
    closing[i] = closing[nfds];
}

// memcached's answer to a client past its connection limit, then the close
// (a client left unaccepted in the backlog would wait for ever).
static void reject(int c)
{
    static const char full[] = "ERROR Too many open connections\r\n";
    send(c, full, sizeof(full) - 1, MSG_DONTWAIT);
    close(c);
    mc_cache_stats(cache)->rejected_connections++;
}

static bool accept_clients(void)
{
    bool any = false;
    for (;;) {
        int c = accept(fds[0].fd, NULL, NULL);
        if (c < 0)
            break; // none waiting (EAGAIN), or it went away meanwhile
        if (nfds == 1 + MAX_CLIENTS) {
            reject(c);
            continue;
        }
        struct mc_conn *mc;
        if (err_is_fail(mc_conn_new(cache, &mc))) {
            close(c); // no memory for its state: refused
            continue;
        }
        fds[nfds] = (struct pollfd){.fd = c};
        conns[nfds] = mc;
        closing[nfds] = false;
        nfds++;
        any = true;
    }
    return any;
}

// Write what client i has waiting, as far as its peer takes it now;
// false when the connection failed.
static bool flush(nfds_t i)
{
    size_t len;
    const char *out = mc_conn_output(conns[i], &len);
    while (len > 0) {
        ssize_t n = send(fds[i].fd, out, len, MSG_DONTWAIT);
        if (n < 0)
            return errno == EAGAIN;
        mc_conn_consume(conns[i], (size_t)n);
        out = mc_conn_output(conns[i], &len);
    }
    return true;
}

static size_t pending(nfds_t i)
{
    size_t len;
    mc_conn_output(conns[i], &len);
    return len;
}

// Read and serve client i; false when it is done (closed by either side,
// or an error).
static bool serve(nfds_t i)
{
    static char buf[READ_BYTES];
    if (!closing[i] && pending(i) < OUT_HIGH) {
        ssize_t n = recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            return false;
        if (n > 0 && mc_conn_feed(conns[i], buf, (size_t)n))
            closing[i] = true;
    }
    if (!flush(i))
        return false;
    return !(closing[i] && pending(i) == 0);
}

static void set_events(void)
{
    fds[0].events = POLLIN;
    for (nfds_t i = 1; i < nfds; i++) {
        bool in = !closing[i] && pending(i) < OUT_HIGH;
        fds[i].events = (short)((in ? POLLIN : 0) | (pending(i) ? POLLOUT : 0));
    }
}

// One round over the sockets without waiting; true if anything happened.
static bool poll_tcp(void)
{
    set_events();
    int ready = poll(fds, nfds, 0);
    if (ready <= 0)
        return false;
    for (nfds_t i = nfds - 1; i >= 1; i--) {
        if (fds[i].revents != 0 && !serve(i))
            drop_client(i);
    }
    if (fds[0].revents & POLLIN)
        accept_clients();
    return true;
}

// ---- UDP (native) ----

// The replies of one request, as transmit buffers addressed to its sender.
struct udp_reply {
    struct net_udp *u;
    const struct net_udp_pkt *req;
    struct net_udp_pkt tx[UDP_BATCH];
    unsigned n;
    uint64_t dropped; // reply datagrams with no transmit buffer
};

static void udp_send(struct udp_reply *r)
{
    unsigned sent = 0;
    err_ignore(net_udp_send(r->u, r->tx, r->n, &sent),
               "a datagram not sent is dropped, as UDP allows; sent says how many went");
    // (not sent: back unsent)
    err_ignore(net_udp_done(r->u, r->tx + sent, r->n - sent),
               "giving buffers back cannot fail for buffers we hold");
    r->dropped += r->n - sent;
    r->n = 0;
}

static void udp_emit(void *arg, const void *dgram, size_t len)
{
    struct udp_reply *r = arg;
    if (r->n == UDP_BATCH)
        udp_send(r);
    unsigned got = 0;
    err_ignore(net_udp_alloc(r->u, &r->tx[r->n], 1, &got),
               "short of buffers: the rest are not sent (got says how many)");
    if (!got) {
        r->dropped++;
        return;
    }
    struct net_udp_pkt *p = &r->tx[r->n++];
    memcpy(p->data, dgram, len);
    p->len = (uint16_t)len;
    p->ip = r->req->ip;
    p->port = r->req->port;
    memcpy(p->mac, r->req->mac, 6);
}

// Serve what waits on the endpoint; true if there was any.
static bool poll_udp(struct net_udp *u, uint64_t *dropped)
{
    struct net_udp_pkt rx[UDP_BATCH];
    unsigned n = 0;
    err_ignore(net_udp_recv(u, rx, UDP_BATCH, &n), "n says how many arrived; an error leaves it 0");
    struct udp_reply r = {.u = u};
    for (unsigned i = 0; i < n; i++) {
        r.req = &rx[i];
        // (bad ones: counted)
        err_ignore(mc_udp_request(cache, rx[i].data, rx[i].len, udp_emit, &r),
                   "a bad request is counted and answered with an error by the engine");
        udp_send(&r);
    }
    err_ignore(net_udp_done(u, rx, n), "giving buffers back cannot fail for buffers we hold");
    *dropped += r.dropped;
    return n > 0;
}

// ---- Start ----

struct options {
    uint16_t tcp_port, udp_port;
    unsigned long mb, item_max;
    bool no_evict;
};

static bool number_arg(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return false;
    *out = strtoul(s, &end, 10);
    return *end == '\0' && *out <= max;
}

static bool parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (!strcmp(a, "--vnic") || !strcmp(a, "--netd"))
            continue;
        if (!strcmp(a, "-M")) {
            o->no_evict = true;
            continue;
        }
        if (!strcmp(a, "-p") && net_port_arg(v ? v : "", &o->tcp_port)) {
        } else if (!strcmp(a, "-U") && v && !strcmp(v, "0")) {
            o->udp_port = 0;
        } else if (!strcmp(a, "-U") && net_port_arg(v ? v : "", &o->udp_port)) {
        } else if (!strcmp(a, "-m") && number_arg(v, 1u << 20, &n) && n > 0) {
            o->mb = n;
        } else if (!strcmp(a, "-I") && number_arg(v, MC_ITEM_SIZE_MAX, &n) && n >= 1024) {
            o->item_max = n;
        } else {
            return false;
        }
        i++; // the value
    }
    return true;
}

int main(int argc, char **argv)
{
    struct options o = {.tcp_port = 11211, .udp_port = 11211, .mb = 64, .item_max = 1 << 20};
    if (!parse_args(argc, argv, &o)) {
        printf("usage: memcache [--vnic | --netd] [-p tcp_port] [-U udp_port | -U 0] [-m MB] "
               "[-I item_bytes] [-M]\n");
        return 2;
    }
    start_tsc = sys_rdtsc();
    tsc_hz = sys_tsc_hz();
    struct mc_config cfg;
    mc_config_init(&cfg);
    cfg.max_bytes = (size_t)o.mb << 20;
    cfg.item_size_max = o.item_max;
    cfg.no_evict = o.no_evict;
    cfg.clock = clock_s;
    cfg.pid = (uint32_t)sys_pid();
    cfg.max_conns = MAX_CLIENTS;
    cfg.threads = 1;
    cfg.tcp_port = o.tcp_port;
    cfg.udp_port = o.udp_port;
    errval_t err = mc_cache_new(&cfg, &cache);
    if (err_is_fail(err)) {
        printf("memcache: cannot make the cache: %s\n", err_msg(err));
        return 1;
    }
    const char *mode = net_mode_arg(argc, argv);
    struct net_stack *s;
    err = net_start(mode, &s);
    if (err_is_fail(err)) {
        printf("memcache: no network (%s): %s\n", mode, err_msg(err));
        return 1;
    }
    int l = net_listen_tcp(o.tcp_port, BACKLOG, true);
    if (l < 0) {
        printf("memcache: TCP port %u: %s\n", o.tcp_port, strerror(errno));
        return 1;
    }
    fds[0] = (struct pollfd){.fd = l};
    struct net_udp *u = NULL;
    if (o.udp_port) {
        err = net_udp_open(s, htons(o.udp_port), 1024, &u);
        if (err_is_fail(err)) {
            printf("memcache: UDP port %u: %s\n", o.udp_port, err_msg(err));
            return 1;
        }
    }
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    char udp[16] = "off";
    if (o.udp_port)
        snprintf(udp, sizeof(udp), "%u", o.udp_port);
    printf("memcache: on %s (%s): TCP port %u, UDP port %s; %lu MB, items up to %lu bytes\n",
           inet_ntoa(ip), mode, o.tcp_port, udp, o.mb, o.item_max);
    uint64_t udp_dropped = 0;
    for (;;) {
        bool busy = poll_tcp();
        if (u)
            busy = poll_udp(u, &udp_dropped) || busy;
        if (!busy)
            err_ignore(net_wait(s, 0),
                       "a wait that fails or times out returns to the loop, which polls");
    }
}
