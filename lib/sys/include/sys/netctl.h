/*
 * lib/sys/include/sys/netctl.h: netctl, the network control plane
 * (usr/netctl, docs/vnic.md): VNICs and their filters.
 *
 * A VNIC is one of the igb's VFs with a MAC and an IPv4 address netctl
 * assigns. netctl grants the VF to the caller through devmgr, who then
 * takes caps to it from devmgr and drives it itself (lib/os/net: vnic.c);
 * the VNIC ends with its owner. The VNIC itself is a capability: creating
 * one returns a cap only netctl can make, and every operation on the VNIC
 * is an invocation of it (the cap travels with the request; whoever holds
 * it may use it). Filters are capabilities too, named the same way.
 */
#pragma once

#include <stdint.h>
#include <sys/rpc.h>

#define NETCTL_NAME        "netctl"
#define NETCTL_MAX_VNICS   7
#define NETCTL_MAX_FILTERS 8 // per VNIC

// [vnic cap]: the request carries the VNIC's capability, which names it.
enum netctl_op {
    NETCTL_VNIC_CREATE = 1,  // -> w0: VNIC id, cap: the VNIC; buf: struct netctl_vnic
    NETCTL_VNIC_DESTROY = 2, // ()                                              [vnic cap]
    // 3 is unused: netctl answers the VFs' mailboxes on the PF's interrupt.
    NETCTL_FILTER_CREATE = 4,  // (proto | port << 8, peer ip) -> cap: the filter [vnic cap]
    NETCTL_FILTER_DESTROY = 5, // cap: a filter                                   [its holder]
    NETCTL_FILTERS = 6,        // () -> buf: struct netctl_filter[w0]            [vnic cap]
    NETCTL_RATE = 7,           // (Mb/s): a transmit rate limit                   [vnic cap]
    NETCTL_LIST = 8,           // -> buf: struct netctl_vnic[w0]
    NETCTL_VLAN = 9,           // (vid): a port VLAN, 0 untagged                 [vnic cap]
    NETCTL_RX_MODE = 10,       // (NETCTL_RX_*): broadcast, multicast             [vnic cap]
};

// What a VNIC receives besides unicast for its MAC (netctl_vnic_rx_mode).
#define NETCTL_RX_BCAST 1 // broadcast (on at creation: ARP needs it)
#define NETCTL_RX_MCAST 2 // multicast

// What the device in use enforces (struct netctl_vnic's enforced).
#define NETCTL_ENFORCES_ANTISPOOF  1 // source MAC and VLAN of what a VNIC sends
#define NETCTL_ENFORCES_RATE_LIMIT 2 // a VNIC's transmit rate

// A filter admits traffic of protocol proto (NETCTL_PROTO_*) to local
// port port (0: any) from peer (0: any; an IPv4 address, network order).
#define NETCTL_PROTO_ANY  0
#define NETCTL_PROTO_ICMP 1
#define NETCTL_PROTO_TCP  6
#define NETCTL_PROTO_UDP  17

struct netctl_filter {
    uint8_t proto;
    uint16_t port;
    uint32_t peer;
};

struct netctl_vnic {
    uint16_t id, rid; // VNIC id (the VF index), the VF's routing ID
    uint8_t mac[6];
    uint32_t ip, netmask, gateway; // network order
    uint64_t owner;                // pid (0: free)
    uint16_t nfilters;
    uint16_t vlan;                                         // the port VLAN (0: untagged)
    uint8_t rx_mode;                                       // NETCTL_RX_*
    uint8_t enforced;                                      // NETCTL_ENFORCES_* (the device's)
    uint32_t rate_mbps;                                    // transmit limit programmed (0: none)
    uint64_t spoofed;                                      // times the device caught it spoofing
    uint64_t rx_packets, tx_packets, rx_octets, tx_octets; // the device's counters for its pool
};

// Client side (lib/sys/netctl.c). The VNIC operations take the VNIC's
// cap (from netctl_vnic_create); a cap that is not one, or names a VNIC
// that has ended, gets NETCTL_ERR_NOT_VNIC_CAP.
struct rpc_chan *netctl_chan(errval_t *err);
MUST_CHECK errval_t netctl_vnic_create(struct netctl_vnic *out, capref_t *vnic);
MUST_CHECK errval_t netctl_vnic_destroy(capref_t vnic);
MUST_CHECK errval_t netctl_filter_create(capref_t vnic, const struct netctl_filter *f,
                                         capref_t *cap);
MUST_CHECK errval_t netctl_filter_destroy(capref_t cap);
MUST_CHECK errval_t netctl_filters(capref_t vnic, struct netctl_filter *out, unsigned max,
                                   unsigned *n);
// A transmit rate limit (0: none), programmed in the device's rate
// scheduler: IGB_ERR_NO_RATE_LIMIT where the device has none (QEMU).
MUST_CHECK errval_t netctl_rate(capref_t vnic, uint32_t mbps);
// Put the VNIC on VLAN vid (1..4094) as an access port, programmed in the
// device: it receives only frames tagged vid (untagged by the device) and
// everything it sends is tagged vid; 0 makes it untagged again. Errors:
// SYS_ERR_INVALID_ARGS (vid over 4094), IGB_ERR_VLAN_FULL (32 VLANs in
// use: left untagged).
MUST_CHECK errval_t netctl_vnic_vlan(capref_t vnic, uint16_t vid);
// What the device delivers to the VNIC besides unicast for its MAC
// (NETCTL_RX_BCAST, NETCTL_RX_MCAST), decided in the device's pool filter.
MUST_CHECK errval_t netctl_vnic_rx_mode(capref_t vnic, unsigned mode);
MUST_CHECK errval_t netctl_list(struct netctl_vnic *out, unsigned max, unsigned *n);
