/*
 * lib/os/net/start.c: net_start, net_mode_arg and net_port_arg, the start
 * of every network application.
 */
#include <net/open.h>
#include <net/start.h>
#include <stddef.h>
#include <string.h>

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
