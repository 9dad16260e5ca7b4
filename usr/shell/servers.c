/*
 * usr/shell/servers.c: `servers`: each system server's table of client
 * channels (how many are open, how many closed as their client ended), and
 * devmgr's interrupt vectors and IOMMU domains. After clients come and go,
 * these return to where they were: nothing a client held stays behind.
 */
#include "shell.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/rpc.h>

static const char *const names[] = {"devmgr", "netctl", "storctl", "netd", "stord"};

// One server's table, through a channel of our own that we close again
// (so it is not counted).
static void show(const char *name)
{
    capref_t bind;
    struct rpc_chan c;
    uint64_t used = 0, all = 0, reaped = 0;
    errval_t err = name_lookup(name, &bind);
    if (err_has(err, NAME_ERR_NOT_FOUND)) {
        printf("%-8s not running\n", name);
        return;
    }
    if (err_is_ok(err)) {
        err = rpc_bind(&c, bind, NULL_CAP);
        cap_destroy(bind);
    }
    if (err_is_ok(err)) {
        err = rpc_stats(&c, &used, &all, &reaped);
        errval_t cerr = rpc_close(&c);
        err = err_is_fail(err) ? err : cerr;
    }
    if (err_is_fail(err)) {
        printf("%-8s %s\n", name, err_msg(err_root(err)));
        return;
    }
    printf("%-8s clients %lu of %lu, %lu ended and closed", name, used - 1, all, reaped);
    uint64_t vectors, domains, vectors_all;
    if (!strcmp(name, "devmgr") && err_is_ok(devmgr_stats(&vectors, &domains, &vectors_all)))
        printf("; vectors %lu of %lu, IOMMU domains %lu", vectors, vectors_all, domains);
    printf("\n");
}

int cmd_servers(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        printf("usage: servers\n");
        return 1;
    }
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        show(names[i]);
    return 0;
}
