/*
 * usr/apps/tcpecho/main.c: a TCP echo server on POSIX sockets, serving
 * many clients at once from one poll() loop.
 *
 *   tcpecho [--vnic | --netd] [port]
 *
 * Port 7 unless given (1-65535; anything else gets the usage line and
 * status 2).
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

#define MAX_CLIENTS 12

static struct pollfd fds[1 + MAX_CLIENTS];
static nfds_t nfds = 1;

static void drop_client(nfds_t i)
{
    close(fds[i].fd);
    fds[i] = fds[--nfds];
}

static void accept_client(void)
{
    int c = accept(fds[0].fd, NULL, NULL);
    if (c < 0)
        return; // the connection went away meanwhile
    if (nfds == 1 + MAX_CLIENTS) {
        close(c);
        return;
    }
    fds[nfds++] = (struct pollfd){.fd = c, .events = POLLIN};
}

// Echo what client i sent; false when it is done (end, error).
static bool serve(nfds_t i)
{
    static char buf[4096];
    ssize_t n = recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN)
        return true;
    if (n <= 0)
        return false;
    // Blocking: the stack runs (and the other clients' data waits in it)
    // until the peer has taken the echo into its window.
    return send(fds[i].fd, buf, (size_t)n, 0) == n;
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
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 8) < 0) {
        printf("tcpecho: port %u: %s\n", port, strerror(errno));
        return 1;
    }
    fds[0] = (struct pollfd){.fd = l, .events = POLLIN};
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    printf("tcpecho: echo on %s:%u (%s)\n", inet_ntoa(ip), port, mode);
    for (;;) {
        if (poll(fds, nfds, -1) < 0) {
            printf("tcpecho: poll: %s\n", strerror(errno));
            return 1;
        }
        for (nfds_t i = nfds - 1; i >= 1; i--) {
            if (fds[i].revents != 0 && !serve(i))
                drop_client(i);
        }
        if (fds[0].revents & POLLIN)
            accept_client();
    }
}
