/* lib/os/net/include/net/open.h: how an application gets its network queue. */
#pragma once

#include <kpi/errors.h>
#include <net/netq.h>

// A queue pair for this application, by mode: "vnic" (its own virtual
// NIC, driven directly) or "netd" (frames copied through the netd
// server), chosen by the application's argument at spawn (e.g.
// `udpecho --netd`). The queue carries the MAC and IPv4 address the
// control plane assigned. Errors: SYS_ERR_INVALID_ARGS (NULL, or an
// unknown mode), and those of the control plane.
MUST_CHECK errval_t net_open(const char *mode, struct netq **out);
