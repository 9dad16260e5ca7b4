/* lib/os/net/open.c: net_open, a placeholder until the VNIC control plane provides it. */
#include <net/open.h>
#include <stddef.h>
#include <string.h>

// The VNIC (lib/os/net/vnic.c) and netd queues come with the control
// plane (issue 8), which replaces this file.
errval_t net_open(const char *mode, struct netq **out)
{
    if (mode == NULL || out == NULL || (strcmp(mode, "vnic") != 0 && strcmp(mode, "netd") != 0))
        return SYS_ERR_INVALID_ARGS;
    return SYS_ERR_NOT_IMPLEMENTED;
}
