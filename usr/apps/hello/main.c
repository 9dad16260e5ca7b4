/*
 * usr/apps/hello/main.c: the smallest network application on the library
 * OS, the one to copy when writing a new one (docs/apps.md, "Writing an
 * application"): a TCP server that answers each line with a greeting.
 *
 *   hello [--vnic | --netd] [port]
 *
 * Port 7000 unless given. net_start gives the program its network: its own
 * VNIC (or netd's queue with --netd) and lwIP on it; from there it is POSIX
 * sockets. One client at a time, blocking calls: enough for an example.
 */
#include <arpa/inet.h>
#include <net/netif.h>
#include <net/start.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    uint16_t port = 7000;
    if (argc > 1 && argv[argc - 1][0] != '-' && !net_port_arg(argv[argc - 1], &port)) {
        printf("usage: hello [--vnic | --netd] [port (1-65535)]\n");
        return 2;
    }
    struct net_stack *s;
    errval_t err = net_start(net_mode_arg(argc, argv), &s);
    if (err_is_fail(err)) {
        printf("hello: no network: %s\n", err_msg(err));
        return 1;
    }
    int l = net_listen_tcp(port, 4, false); // socket, bind, listen
    if (l < 0) {
        printf("hello: port %u: cannot listen\n", port);
        return 1;
    }
    struct in_addr ip = {.s_addr = net_stack_netq(s)->ip};
    printf("hello: on %s:%u\n", inet_ntoa(ip), port);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            continue;
        char line[256], reply[300];
        ssize_t n;
        while ((n = recv(c, line, sizeof(line) - 1, 0)) > 0) {
            line[n] = '\0';
            line[strcspn(line, "\r\n")] = '\0';
            int len = snprintf(reply, sizeof(reply), "hello, %s\n", line);
            send(c, reply, (size_t)len, 0);
        }
        close(c);
    }
}
