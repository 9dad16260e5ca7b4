/*
 * lib/os/vnic/include/net/netd.h: netd, the kernel-mediated network path
 * for experiments (usr/netd, docs/vnic.md): one server owns a VNIC and
 * switches frames between it and its clients over IPC, with copies, as a
 * kernel's network driver would. A client's stack runs in the client, on a
 * netq whose every operation is an RPC to netd.
 *
 * Clients share netd's MAC; each has its own IPv4 address. netd sends a
 * client the broadcasts and the frames for its address (IPv4 destination,
 * ARP target), and sends out only frames with netd's MAC and the client's
 * address as source (what the device does not check, netd does).
 */
#pragma once

#include <net/netq.h>
#include <os/probe.h>
#include <stdint.h>

#define NETD_NAME        "netd"
#define NETD_MAX_CLIENTS 8
#define NETD_FIRST_IP    0x0a000228u // 10.0.2.40: client k gets .40 + k

enum netd_op {
    NETD_OPEN = 1,  // -> w0: client; buf: struct netd_info
    NETD_TX = 2,    // (room) buf: frames -> w0: frames sent; w1: frames received into buf
                    // (at most room: those already queued for the client, as NETD_RX's)
    NETD_RX = 3,    // (wait, timeout us) -> buf: frames, w0: how many (wait: not before
                    // one has come or, with a timeout (not 0), the time has passed)
    NETD_STATS = 4, // -> buf: struct netq_stats of our traffic through netd
    NETD_PROBE = 5, // (reset) -> buf: netd's two struct os_probe (os/probe.h), reset if asked
};

struct netd_info {
    uint8_t mac[6];
    uint32_t ip, netmask, gateway; // network order
};

// Frames in the shared page: a count, then each frame as a 16-bit length
// and its bytes, padded to 2.
#define NETD_PAGE_FRAMES 16
struct netd_page {
    uint16_t count;
    uint8_t data[4094];
};

// A netq over netd (the client side): errors as NETD_OPEN's.
MUST_CHECK errval_t netd_open(struct netq **out);

// netd's own phase tables (os/probe.h: its share of the path) into out:
// out[0] what it did inside clients' requests, out[1] the rest (its
// interrupt and idle work); then, if reset, both start again from zero
// (and its probes are on). SYS_ERR_INVALID_ARGS if q is not a queue from
// netd_open.
MUST_CHECK errval_t netd_probe(struct netq *q, bool reset, struct os_probe out[2]);
