/*
 * lib/os/net/start.c: net_start, net_mode_arg, net_port_arg and
 * net_listen_tcp, the start of every network application.
 */
#include <net/open.h>
#include <net/start.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *net_mode_arg(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--netd") == 0)
            return "netd";
    }
    return "vnic";
}

bool net_port_arg(const char *s, uint16_t *port)
{
    uint32_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (uint32_t)(*s - '0')) > 65535)
            return false;
    }
    *port = (uint16_t)v;
    return v != 0;
}

errval_t net_start(const char *mode, struct net_stack **out)
{
    struct netq *q;
    errval_t err = net_init(net_platform_sietch());
    if (err_is_fail(err))
        return err;
    err = net_open(mode, &q);
    if (err_is_fail(err))
        return err;
    err = net_stack_open(q, NULL, out);
    if (err_is_fail(err) && q->ops->close != NULL)
        q->ops->close(q); // the stack did not take it
    return err;
}

int net_listen_tcp(uint16_t port, int backlog, bool nonblock)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int l = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0), one = 1;
    if (l < 0)
        return -1;
    if (setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, backlog) < 0) {
        close(l);
        return -1;
    }
    return l;
}
