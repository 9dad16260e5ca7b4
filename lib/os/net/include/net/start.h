/* lib/os/net/include/net/start.h: an application's network in one call (user world). */
#pragma once

#include <kpi/errors.h>
#include <net/netif.h>
#include <stdbool.h>
#include <stdint.h>

// The queue mode an application's arguments ask for: "netd" when one of
// argv[1..argc) is "--netd", else "vnic" ("--vnic", or nothing said).
const char *net_mode_arg(int argc, char **argv);

// A port number argument: decimal digits only, 1-65535. False for anything
// else (a port the user did not mean is never used).
bool net_port_arg(const char *s, uint16_t *port);

// net_init with Sietch's platform, net_open(mode) and net_stack_open with
// the defaults: the application's stack. Errors: those of the three.
MUST_CHECK errval_t net_start(const char *mode, struct net_stack **out);

// A TCP listener on port of every address of the stack, SO_REUSEADDR,
// with backlog (1..64) and, if nonblock, non-blocking: its descriptor, or
// -1 with errno set (EADDRINUSE: the port is taken).
int net_listen_tcp(uint16_t port, int backlog, bool nonblock);
