/* lib/os/net/open.c: net_open, the application's network queue by mode. */
#include <net/netd.h>
#include <net/open.h>
#include <net/vnic.h>
#include <stddef.h>
#include <string.h>

// "vnic": netctl grants this application a VF of its own and lib/os/vnic
// drives it (lib/os/vnic/vnic.c); "netd": the netd server's queue, every
// frame copied over IPC (lib/os/vnic/netd_client.c). The stack above sees
// one struct netq either way, so the same binary runs both.
errval_t net_open(const char *mode, struct netq **out)
{
    if (mode == NULL || out == NULL)
        return SYS_ERR_INVALID_ARGS;
    if (strcmp(mode, "vnic") == 0)
        return vnic_open(out);
    if (strcmp(mode, "netd") == 0)
        return netd_open(out);
    return SYS_ERR_INVALID_ARGS;
}
