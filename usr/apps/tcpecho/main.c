/*
 * usr/apps/tcpecho/main.c: a TCP echo server on POSIX sockets, serving
 * up to MAX_CLIENTS clients at once from one poll() loop.
 *
 *   tcpecho [--vnic | --netd] [port]
 *
 * Port 7 unless given (1-65535; anything else gets the usage line and
 * status 2).
 *
 * Every socket is non-blocking and each client has its own buffer of
 * echo not yet sent: a client that sends without reading fills its
 * buffer, then tcpecho stops reading from it (its data waits in the
 * stack, whose window for it closes), and the others are served as
 * before. With MAX_CLIENTS connected the listener is not polled: new
 * connections wait in its backlog, and SYNs beyond it are dropped (and
 * retried by their peers), as on Linux.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/netif.h>
#include <net/start.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// With the backlog, within lwIP's 128 TCP PCBs (lib/os/lwip's
// lwipopts.h) and the socket layer's 128 descriptors.
#define MAX_CLIENTS 100
#define BACKLOG     16
#define CLIENT_BUF  2048 // echo waiting to be sent, per client

struct client {
    char buf[CLIENT_BUF];
    size_t len; // buf[0, len) waits to be sent
    bool eof;   // the client finished sending: close once its echo is out
};

// fds[0] is the listener; fds[i] and clients[i - 1] are a client.
static struct pollfd fds[1 + MAX_CLIENTS];
static struct client clients[MAX_CLIENTS];
static nfds_t nfds = 1;

static void drop_client(nfds_t i)
{
    close(fds[i].fd);
    nfds--;
    fds[i] = fds[nfds];
    clients[i - 1] = clients[nfds - 1];
}

static void accept_clients(void)
{
    while (nfds < 1 + MAX_CLIENTS) {
        int c = accept(fds[0].fd, NULL, NULL);
        if (c < 0)
            return; // none waiting (EAGAIN), or it went away meanwhile
        fds[nfds] = (struct pollfd){.fd = c};
        clients[nfds - 1] = (struct client){.len = 0, .eof = false};
        nfds++;
    }
}

// Send what client i has waiting, as far as its peer takes it now;
// false when the connection failed.
static bool flush(nfds_t i)
{
    struct client *c = &clients[i - 1];
    size_t sent = 0;
    while (sent < c->len) {
        ssize_t n = send(fds[i].fd, c->buf + sent, c->len - sent, MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN)
            return false;
        if (n < 0)
            break;
        sent += (size_t)n;
    }
    memmove(c->buf, c->buf + sent, c->len - sent);
    c->len -= sent;
    return true;
}

// Read what client i sent into its buffer and echo it; false when the
// client is done (its end of the stream and all echoed, or an error).
static bool serve(nfds_t i)
{
    struct client *c = &clients[i - 1];
    if (!c->eof && c->len < CLIENT_BUF) {
        ssize_t n = recv(fds[i].fd, c->buf + c->len, CLIENT_BUF - c->len, MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN)
            return false;
        if (n == 0)
            c->eof = true;
        if (n > 0)
            c->len += (size_t)n;
    }
    return flush(i) && !(c->eof && c->len == 0);
}

// What to wait for: input while a client's buffer has room, output while
// an echo waits; the listener only while there is room for a client.
static void set_events(void)
{
    fds[0].events = nfds < 1 + MAX_CLIENTS ? POLLIN : 0;
    for (nfds_t i = 1; i < nfds; i++) {
        const struct client *c = &clients[i - 1];
        bool in = !c->eof && c->len < CLIENT_BUF;
        fds[i].events = (short)((in ? POLLIN : 0) | (c->len > 0 ? POLLOUT : 0));
    }
}

// The options and the port; false for anything else (or a second port).
static bool parse_args(int argc, char **argv, uint16_t *port)
{
    bool have_port = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vnic") == 0 || strcmp(argv[i], "--netd") == 0)
            continue;
        if (have_port || !net_port_arg(argv[i], port))
            return false;
        have_port = true;
    }
    return true;
}

int main(int argc, char **argv)
{
    uint16_t port = 7;
    if (!parse_args(argc, argv, &port)) {
        printf("usage: tcpecho [--vnic | --netd] [port (1-65535)]\n");
        return 2;
    }
    const char *mode = net_mode_arg(argc, argv);
    struct net_stack *s;
    errval_t err = net_start(mode, &s);
    if (err_is_fail(err)) {
        printf("tcpecho: no network (%s): %s\n", mode, err_msg(err));
        return 1;
    }
    int l = net_listen_tcp(port, BACKLOG, true);
    if (l < 0) {
        printf("tcpecho: port %u: %s\n", port, strerror(errno));
        return 1;
    }
    fds[0] = (struct pollfd){.fd = l};
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    printf("tcpecho: echo on %s:%u (%s), up to %u clients\n", inet_ntoa(ip), port, mode,
           MAX_CLIENTS);
    for (;;) {
        set_events();
        if (poll(fds, nfds, -1) < 0) {
            printf("tcpecho: poll: %s\n", strerror(errno));
            return 1;
        }
        for (nfds_t i = nfds - 1; i >= 1; i--) {
            if (fds[i].revents != 0 && !serve(i))
                drop_client(i);
        }
        if (fds[0].revents & POLLIN)
            accept_clients();
    }
}
