/*
 * lib/sys/include/sys/netctl.h: netctl, the network control plane
 * (usr/netctl, docs/vnic.md): VNICs and their filters.
 *
 * A VNIC is one of the igb's VFs with a MAC and an IPv4 address netctl
 * assigns. netctl grants the VF to the caller through devmgr, who then
 * takes caps to it from devmgr and drives it itself (lib/os/net: vnic.c);
 * the VNIC ends with its owner. Filters are capabilities: creating one
 * returns a cap only netctl can make, which names the filter when given
 * back (destroy).
 */
#pragma once

#include <stdint.h>
#include <sys/rpc.h>

#define NETCTL_NAME        "netctl"
#define NETCTL_MAX_VNICS   7
#define NETCTL_MAX_FILTERS 8 // per VNIC

enum netctl_op {
    NETCTL_VNIC_CREATE = 1,    // -> w0: VNIC id; buf: struct netctl_vnic (the VF granted to us)
    NETCTL_VNIC_DESTROY = 2,   // (vnic)                                             [owner]
    NETCTL_MAILBOX = 3,        // (): let netctl answer the VFs' mailbox requests now
    NETCTL_FILTER_CREATE = 4,  // (vnic, proto | port << 8, peer ip) -> cap: the filter [owner]
    NETCTL_FILTER_DESTROY = 5, // cap: a filter                                     [its holder]
    NETCTL_FILTERS = 6,        // (vnic) -> buf: struct netctl_filter[w0]            [owner]
    NETCTL_RATE = 7,           // (vnic, Mb/s): a transmit rate limit                [owner]
    NETCTL_LIST = 8,           // -> buf: struct netctl_vnic[w0]
    NETCTL_VLAN = 9,           // (vnic, vid): a port VLAN, 0 untagged              [owner]
};

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
    uint64_t rx_packets, tx_packets, rx_octets, tx_octets; // the device's counters for its pool
};

// Client side (lib/sys/netctl.c).
struct rpc_chan *netctl_chan(errval_t *err);
errval_t netctl_vnic_create(struct netctl_vnic *out);
errval_t netctl_vnic_destroy(uint16_t vnic);
errval_t netctl_mailbox(void);
errval_t netctl_filter_create(uint16_t vnic, const struct netctl_filter *f, capref_t *cap);
errval_t netctl_filter_destroy(capref_t cap);
errval_t netctl_filters(uint16_t vnic, struct netctl_filter *out, unsigned max, unsigned *n);
errval_t netctl_rate(uint16_t vnic, uint32_t mbps);
// Put the VNIC on VLAN vid (1..4094) as an access port, programmed in the
// device: it receives only frames tagged vid (untagged by the device) and
// everything it sends is tagged vid; 0 makes it untagged again. Errors:
// NETCTL_ERR_NO_SUCH_VNIC, NETCTL_ERR_NOT_OWNER, SYS_ERR_INVALID_ARGS
// (vid over 4094), IGB_ERR_VLAN_FULL (32 VLANs in use: left untagged).
errval_t netctl_vnic_vlan(uint16_t vnic, uint16_t vid);
errval_t netctl_list(struct netctl_vnic *out, unsigned max, unsigned *n);
