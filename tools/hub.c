/*
 * tools/hub.c: a learning Ethernet switch joining several QEMU dgram links into one link, so
 * that three or more machines share it (docs/experiments.md).
 *
 *   hub [--status FILE] [--age SECONDS] Q0:P0 Q1:P1 [Q2:P2 ...]
 *
 * Each Qi:Pi is one machine's `tools/qemu --dgram Qi:Pi`: that QEMU takes frames on
 * 127.0.0.1:Qi and sends the frames its NIC transmits to 127.0.0.1:Pi. The hub binds every Pi
 * (port i) and sends the frames meant for machine i to 127.0.0.1:Qi. It takes a datagram on
 * Pi only from 127.0.0.1:Qi, as one whole Ethernet frame (no FCS), and forwards it as a
 * learning switch does (IEEE 802.1D's filtering database, without spanning tree or VLANs):
 *
 *   - the frame's source MAC, if unicast, is learned on port i (a table of HUB_MACS entries;
 *     an entry not refreshed for --age seconds, 300 by default, is forgotten; when the table
 *     is full the least recently refreshed entry gives way);
 *   - a frame to a broadcast or multicast address, or to a unicast address not in the table,
 *     is flooded: sent to every port but i;
 *   - a frame to a learned address goes to that address's port only, or nowhere if that is
 *     port i (filtered).
 *
 * A datagram shorter than an Ethernet header (14 bytes), longer than HUB_MAX_FRAME, from a
 * multicast source MAC, or from anywhere but 127.0.0.1:Qi is dropped and counted. Frames are
 * forwarded as they come, in host time: there is no model of loss, latency, bandwidth or
 * queueing beyond the host's socket buffers.
 *
 * Counters, one line of key=value words ("hub in0= out0= ... flooded= ..."): printed on
 * stdout on SIGUSR1 and at the end; with --status, FILE is replaced by the same line at most
 * once a second while they change, on SIGUSR1 and at the end. SIGTERM or SIGINT ends the hub
 * (status 0). Exit status 2: bad arguments; 1: a port could not be bound, or the status file
 * written (checked at the start).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HUB_MAX_PORTS     16
#define HUB_MACS          256  // learned addresses kept: a test bed's machines and their VNICs
#define HUB_ETH_HLEN      14   // destination, source, EtherType
#define HUB_MAX_FRAME     9018 // a 9000-byte jumbo payload, its header and one VLAN tag
#define HUB_BATCH         64   // datagrams taken from one port before the next port's turn
#define HUB_DEFAULT_AGE_S 300  // IEEE 802.1D's default ageing time
#define HUB_MAX_PATH      4000 // the status file's name

struct hub_port {
    int fd;                  // bound to 127.0.0.1:hport
    uint16_t qport, hport;   // QEMU's port (frames go there), the hub's (frames come here)
    struct sockaddr_in qemu; // 127.0.0.1:qport
    uint64_t in, out;        // frames taken from and sent to this machine
};

// One learned address: frames to mac go to port.
struct hub_mac {
    uint8_t mac[6];
    uint8_t port;
    bool used;
    uint64_t seen_ns; // the last frame from mac
};

struct hub_counters {
    uint64_t unicast;  // frames sent to the one port their destination was learned on
    uint64_t flooded;  // frames sent to every other port (broadcast, multicast, unknown)
    uint64_t filtered; // frames whose destination is on the port they came from: not sent
    uint64_t short_;   // dropped: shorter than an Ethernet header
    uint64_t long_;    // dropped: longer than HUB_MAX_FRAME
    uint64_t foreign;  // dropped: not from the QEMU of the port they came to
    uint64_t bad_src;  // dropped: a multicast source address
    uint64_t send_err; // frames (one per port) the host's sendto refused
    uint64_t learned;  // addresses added to the table
    uint64_t moved;    // learned addresses seen on another port since
    uint64_t evicted;  // live addresses dropped from a full table
};

struct hub {
    struct hub_port port[HUB_MAX_PORTS];
    unsigned nports;
    struct hub_mac macs[HUB_MACS];
    uint64_t age_ns;
    struct hub_counters c;
    const char *status; // the status file, or NULL
};

static volatile sig_atomic_t stop_signal, report_signal;

static void on_stop(int sig) { stop_signal = sig; }

static void on_report(int sig)
{
    (void)sig; // only SIGUSR1 is caught here
    report_signal = 1;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static bool is_group(const uint8_t *mac) { return mac[0] & 1; }

// The live entry for mac (one refreshed within the ageing time), or NULL.
static struct hub_mac *mac_find(struct hub *h, const uint8_t *mac, uint64_t now)
{
    for (unsigned i = 0; i < HUB_MACS; i++) {
        struct hub_mac *e = &h->macs[i];
        if (e->used && now - e->seen_ns <= h->age_ns && !memcmp(e->mac, mac, 6))
            return e;
    }
    return NULL;
}

// The entry a new address takes: a free or aged one, else the least recently refreshed.
static struct hub_mac *mac_slot(struct hub *h, uint64_t now)
{
    struct hub_mac *oldest = &h->macs[0];
    for (unsigned i = 0; i < HUB_MACS; i++) {
        struct hub_mac *e = &h->macs[i];
        if (!e->used || now - e->seen_ns > h->age_ns)
            return e;
        if (e->seen_ns < oldest->seen_ns)
            oldest = e;
    }
    h->c.evicted++;
    return oldest;
}

// Learn that mac (a unicast address) is on port.
static void mac_learn(struct hub *h, const uint8_t *mac, unsigned port, uint64_t now)
{
    struct hub_mac *e = mac_find(h, mac, now);
    if (e && e->port != port)
        h->c.moved++;
    if (!e) {
        e = mac_slot(h, now);
        memcpy(e->mac, mac, 6);
        e->used = true;
        h->c.learned++;
    }
    e->port = (uint8_t)port;
    e->seen_ns = now;
}

// The live entries of the table.
static unsigned mac_count(const struct hub *h, uint64_t now)
{
    unsigned n = 0;
    for (unsigned i = 0; i < HUB_MACS; i++)
        n += h->macs[i].used && now - h->macs[i].seen_ns <= h->age_ns;
    return n;
}

static void send_to(struct hub *h, unsigned to, const uint8_t *frame, size_t len)
{
    struct hub_port *p = &h->port[to];
    if (sendto(p->fd, frame, len, 0, (const struct sockaddr *)&p->qemu, sizeof(p->qemu)) < 0)
        h->c.send_err++;
    else
        p->out++;
}

// Forward one well-formed frame that came from port `from`.
static void forward(struct hub *h, unsigned from, const uint8_t *frame, size_t len)
{
    uint64_t now = now_ns();
    mac_learn(h, frame + 6, from, now);
    struct hub_mac *dst = is_group(frame) ? NULL : mac_find(h, frame, now);
    if (dst && dst->port == from) {
        h->c.filtered++;
    } else if (dst) {
        h->c.unicast++;
        send_to(h, dst->port, frame, len);
    } else {
        h->c.flooded++;
        for (unsigned i = 0; i < h->nports; i++)
            if (i != from)
                send_to(h, i, frame, len);
    }
}

// Check one datagram that came to port i from `src`, len bytes long (before truncation to
// the buffer), and forward it or count why not.
static void take(struct hub *h, unsigned i, const struct sockaddr_in *src, const uint8_t *frame,
                 size_t len)
{
    struct hub_port *p = &h->port[i];
    if (src->sin_addr.s_addr != p->qemu.sin_addr.s_addr || src->sin_port != p->qemu.sin_port)
        h->c.foreign++;
    else if (len < HUB_ETH_HLEN)
        h->c.short_++;
    else if (len > HUB_MAX_FRAME)
        h->c.long_++;
    else if (is_group(frame + 6))
        h->c.bad_src++;
    else {
        p->in++;
        forward(h, i, frame, len);
    }
}

// Take what is waiting on port i, up to HUB_BATCH datagrams.
static void drain(struct hub *h, unsigned i)
{
    static uint8_t buf[HUB_MAX_FRAME + 1];
    for (unsigned n = 0; n < HUB_BATCH; n++) {
        struct sockaddr_in src;
        socklen_t slen = sizeof(src);
        // MSG_TRUNC: the datagram's whole length, so that one too long is seen as such.
        ssize_t len = recvfrom(h->port[i].fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
                               (struct sockaddr *)&src, &slen);
        if (len < 0)
            return; // EAGAIN: nothing more; any other error is the next poll's to see
        take(h, i, &src, buf, (size_t)len);
    }
}

// The counters as one line (no newline) in buf.
static void format_counters(const struct hub *h, char *buf, size_t size)
{
    const struct hub_counters *c = &h->c;
    size_t at = (size_t)snprintf(buf, size, "hub");
    for (unsigned i = 0; i < h->nports && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, " in%u=%" PRIu64 " out%u=%" PRIu64, i,
                               h->port[i].in, i, h->port[i].out);
    if (at < size)
        snprintf(buf + at, size - at,
                 " unicast=%" PRIu64 " flooded=%" PRIu64 " filtered=%" PRIu64 " short=%" PRIu64
                 " long=%" PRIu64 " foreign=%" PRIu64 " bad_src=%" PRIu64 " send_err=%" PRIu64
                 " macs=%u learned=%" PRIu64 " moved=%" PRIu64 " evicted=%" PRIu64,
                 c->unicast, c->flooded, c->filtered, c->short_, c->long_, c->foreign, c->bad_src,
                 c->send_err, mac_count(h, now_ns()), c->learned, c->moved, c->evicted);
}

// Replace the status file by the counters' line: written beside it, then renamed, so that a
// reader sees the old line or the new one, whole. False, with the reason on stderr, if it
// could not be.
static bool write_status(const struct hub *h, const char *line)
{
    char tmp[HUB_MAX_PATH + 8];
    if (!h->status)
        return true;
    snprintf(tmp, sizeof(tmp), "%s.tmp", h->status); // fits: parse_option checked
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "hub: %s: %s\n", tmp, strerror(errno));
        return false;
    }
    bool ok = fprintf(f, "%s\n", line) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, h->status) < 0) {
        fprintf(stderr, "hub: %s: %s\n", h->status, strerror(errno));
        (void)unlink(tmp); // the status file stays as it was; the next write tries again
        return false;
    }
    return true;
}

// Print the counters on stdout and, if asked, to the status file; false if the status file
// could not be written.
static bool report(const struct hub *h, bool to_stdout)
{
    char line[2048];
    format_counters(h, line, sizeof(line));
    bool ok = write_status(h, line); // first: a reader of stdout may look at the file next
    if (to_stdout) {
        printf("%s\n", line);
        fflush(stdout);
    }
    return ok;
}

static bool parse_port(const char *s, char **end, uint16_t *port)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, end, 10);
    if (errno || v < 1 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

// Whether port is one of the first n machines' (theirs or the hub's).
static bool port_taken(const struct hub *h, unsigned n, uint16_t port)
{
    for (unsigned j = 0; j < n; j++)
        if (h->port[j].qport == port || h->port[j].hport == port)
            return true;
    return false;
}

// One machine's "Q:P" into port i; false with the reason on stderr.
static bool parse_machine(struct hub *h, unsigned i, const char *arg)
{
    struct hub_port *p = &h->port[i];
    char *end;
    if (!parse_port(arg, &end, &p->qport) || *end != ':' || !parse_port(end + 1, &end, &p->hport) ||
        *end) {
        fprintf(stderr, "hub: '%s' is not QEMU_PORT:HUB_PORT (ports 1-65535)\n", arg);
        return false;
    }
    // Each port one socket's: a hub port that is also a QEMU's would take that QEMU's frames.
    uint16_t dup = p->qport == p->hport || port_taken(h, i, p->qport) ? p->qport
                   : port_taken(h, i, p->hport)                       ? p->hport
                                                                      : 0;
    if (dup) {
        fprintf(stderr, "hub: '%s': port %u is named twice\n", arg, dup);
        return false;
    }
    return true;
}

static bool parse_option(struct hub *h, const char *opt, const char *val)
{
    char *end;
    unsigned long secs;
    if (strcmp(opt, "--status") && strcmp(opt, "--age")) {
        fprintf(stderr, "hub: unknown option '%s'\n", opt);
        return false;
    }
    if (!val) {
        fprintf(stderr, "hub: %s needs a value\n", opt);
        return false;
    }
    if (!strcmp(opt, "--status") && strlen(val) > HUB_MAX_PATH) {
        fprintf(stderr, "hub: --status: a path of at most %d bytes\n", HUB_MAX_PATH);
        return false;
    }
    if (!strcmp(opt, "--status")) {
        h->status = val;
        return true;
    }
    secs = strtoul(val, &end, 10);
    if (*val < '0' || *val > '9' || *end || secs < 1 || secs > 1000000) {
        fprintf(stderr, "hub: --age wants seconds (1-1000000), not '%s'\n", val);
        return false;
    }
    h->age_ns = secs * 1000000000ull;
    return true;
}

static bool parse_args(struct hub *h, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i += 2)
        if (!parse_option(h, argv[i], argv[i + 1]))
            return false;
    if (argc - i < 2 || argc - i > HUB_MAX_PORTS) {
        fprintf(stderr, "hub: wants 2 to %d machines, not %d\n", HUB_MAX_PORTS, argc - i);
        return false;
    }
    for (h->nports = 0; i < argc; i++, h->nports++)
        if (!parse_machine(h, h->nports, argv[i]))
            return false;
    return true;
}

static void close_ports(struct hub *h, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        close(h->port[i].fd);
}

// Bind every port on 127.0.0.1; on failure close those already bound, say why, false.
static bool open_ports(struct hub *h)
{
    for (unsigned i = 0; i < h->nports; i++) {
        struct hub_port *p = &h->port[i];
        struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(p->hport)};
        me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        p->qemu = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(p->qport)};
        p->qemu.sin_addr = me.sin_addr;
        p->fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
            fprintf(stderr, "hub: 127.0.0.1:%u: %s\n", p->hport, strerror(errno));
            if (p->fd >= 0)
                close(p->fd);
            close_ports(h, i);
            return false;
        }
        int rcvbuf = 4 << 20;
        (void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)); // best effort
    }
    return true;
}

// Catch SIGTERM, SIGINT and SIGUSR1, blocked except while the hub waits in ppoll (so none is
// missed between a check of its flag and the wait). Fills `wait_mask` with that mask.
static void catch_signals(sigset_t *wait_mask)
{
    struct sigaction stop = {.sa_handler = on_stop}, rep = {.sa_handler = on_report};
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, wait_mask);
    sigdelset(wait_mask, SIGTERM);
    sigdelset(wait_mask, SIGINT);
    sigdelset(wait_mask, SIGUSR1);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGUSR1, &rep, NULL);
    signal(SIGPIPE, SIG_IGN); // a reader of stdout gone is no reason to stop switching
}

// Forward until SIGTERM or SIGINT.
static void run(struct hub *h)
{
    struct pollfd pfd[HUB_MAX_PORTS];
    sigset_t wait_mask;
    catch_signals(&wait_mask);
    for (unsigned i = 0; i < h->nports; i++)
        pfd[i] = (struct pollfd){.fd = h->port[i].fd, .events = POLLIN};
    struct hub_counters last = h->c;
    uint64_t next_status = 0;
    const struct timespec second = {.tv_sec = 1};
    while (!stop_signal) {
        int n = ppoll(pfd, h->nports, &second, &wait_mask);
        for (unsigned i = 0; n > 0 && i < h->nports; i++)
            if (pfd[i].revents & POLLIN)
                drain(h, i);
        if (report_signal) {
            report_signal = 0;
            (void)report(h, true); // a failed write said why on stderr; switching goes on
        } else if (h->status && now_ns() >= next_status && memcmp(&last, &h->c, sizeof(last))) {
            (void)report(h, false); // as above; every frame moves one of h->c's counters
            last = h->c;
            next_status = now_ns() + 1000000000u;
        }
    }
}

int main(int argc, char **argv)
{
    static struct hub h = {.age_ns = HUB_DEFAULT_AGE_S * 1000000000ull};
    if (!parse_args(&h, argc, argv)) {
        fprintf(stderr, "usage: hub [--status FILE] [--age SECONDS] Q0:P0 Q1:P1 [Q2:P2 ...]\n"
                        "  (each Qi:Pi one machine's tools/qemu --dgram Qi:Pi; "
                        "see tools/hub.c)\n");
        return 2;
    }
    if (!open_ports(&h))
        return 1;
    if (!report(&h, false)) { // the status file is writable before any frame moves
        close_ports(&h, h.nports);
        return 1;
    }
    printf("hub: %u ports on 127.0.0.1:", h.nports);
    for (unsigned i = 0; i < h.nports; i++)
        printf(" %u->%u", h.port[i].hport, h.port[i].qport);
    printf("\n");
    fflush(stdout);
    run(&h);
    bool ok = report(&h, true);
    close_ports(&h, h.nports);
    return ok ? 0 : 1;
}
