/*
 * usr/apps/udpecho/main.c: a UDP echo server, through the native
 * zero-copy API or POSIX sockets.
 *
 *   udpecho [--native | --posix] [--vnic | --netd] [port]
 *
 * Port 7 unless given; POSIX sockets unless --native; the application's
 * own VNIC unless --netd (the queue through the netd server).
 *
 * A datagram that is exactly "udpecho:stats" is answered (and printed)
 * with the stack's counters instead of echoed: what was moved, and what was
 * dropped where and why (tests and benchmarks ask over the network).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/native.h>
#include <net/netif.h>
#include <net/start.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH     32
#define STATS_ASK "udpecho:stats"

static bool is_stats_ask(const void *data, size_t len)
{
    return len == sizeof(STATS_ASK) - 1 && memcmp(data, STATS_ASK, len) == 0;
}

// The counters as the reply's text (and on the console); its length.
static size_t stats_reply(struct net_stack *s, char *buf, size_t n)
{
    size_t len = net_stack_report(s, buf, n);
    printf("udpecho: %s\n", buf);
    return len;
}

// Arrakis/N: datagrams arrive in receive buffers and are copied once,
// into transmit buffers, as the replies; a batch goes with one doorbell.
static int echo_native(struct net_stack *s, uint16_t port, const char *where)
{
    struct net_udp *u;
    struct net_udp_pkt rx[BATCH], tx[BATCH];
    errval_t err = net_udp_open(s, htons(port), 256, &u);
    if (err_is_fail(err)) {
        printf("udpecho: port %u: %s\n", port, err_msg(err));
        return 1;
    }
    printf("udpecho: native echo on %s\n", where);
    for (;;) {
        unsigned n, got = 0, sent = 0;
        net_udp_recv(u, rx, BATCH, &n);
        if (n == 0) {
            net_wait(s, 0);
            continue;
        }
        net_udp_alloc(u, tx, n, &got); // short of buffers: the rest are not echoed
        for (unsigned i = 0; i < got; i++) {
            if (is_stats_ask(rx[i].data, rx[i].len)) {
                tx[i].len = (uint16_t)stats_reply(s, tx[i].data, NET_UDP_MAX_PAYLOAD);
            } else {
                memcpy(tx[i].data, rx[i].data, rx[i].len);
                tx[i].len = rx[i].len;
            }
            tx[i].ip = rx[i].ip;
            tx[i].port = rx[i].port;
            memcpy(tx[i].mac, rx[i].mac, 6);
        }
        net_udp_send(u, tx, got, &sent);
        net_udp_done(u, tx + sent, got - sent);
        net_udp_done(u, rx, n);
    }
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
        if (is_stats_ask(buf, (size_t)n))
            n = (ssize_t)stats_reply(s, buf, 1024);
        // A reply that finds no buffer (ENOBUFS) is lost, as UDP allows.
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
}

int main(int argc, char **argv)
{
    bool native = false;
    uint16_t port = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--native") == 0)
            native = true;
        else if (argv[i][0] != '-')
            port = (uint16_t)atoi(argv[i]);
    }
    const char *mode = net_mode_arg(argc, argv);
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
    return native ? echo_native(s, port, where) : echo_posix(s, port, where);
}
