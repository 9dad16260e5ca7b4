/* lib/os/net/start.c: net_start and net_mode_arg, the start of every network application. */
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
