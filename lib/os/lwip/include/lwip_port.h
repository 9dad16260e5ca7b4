/* lib/os/lwip/include/lwip_port.h: Sietch's lwIP port: start-up, clock and random, frame input. */
#pragma once

#include <kpi/errors.h>
#include <stdint.h>

struct netif;
struct pbuf;

// What lwIP needs from the library OS. Both are required.
struct lwip_port_hooks {
    // Milliseconds since any fixed point, wrapping at 2^32, never going
    // backwards: lwIP's timers (TCP retransmission, delayed ACKs, ARP
    // ageing, reassembly) run on it through sys_now().
    uint32_t (*now_ms)(void);
    // 32 unpredictable bits: TCP initial sequence numbers and the first
    // ephemeral ports.
    uint32_t (*random32)(void);
};

// Start lwIP (lwip_init) with hooks, which are copied. Once per program:
// LWIP_ERR_ALREADY_INIT after that. LWIP_ERR_NO_CLOCK or
// LWIP_ERR_NO_RANDOM when a hook is missing (and lwIP is not started).
MUST_CHECK errval_t lwip_port_init(const struct lwip_port_hooks *hooks);

// A driver's receive path: hand a received Ethernet frame (without FCS)
// to netif's stack. The frame is consumed in every case: on SYS_ERR_OK
// the stack owns it (and counts any protocol-level drop in lwip_stats);
// otherwise it was freed here and counted in lwip_stats as follows:
// LWIP_ERR_FRAME_TOO_LONG (longer than netif->mtu plus the Ethernet
// header; link.lenerr and link.drop), LWIP_ERR_FRAME_TOO_SHORT (an ARP
// frame whose first pbuf does not hold the whole ARP header, which lwIP
// would read past; etharp.lenerr and etharp.drop), LWIP_ERR_INPUT_REFUSED
// (netif->input failed; link.drop), SYS_ERR_INVALID_ARGS (netif or frame
// is NULL, or netif has no input function). Counts every frame but those
// of SYS_ERR_INVALID_ARGS in link.recv.
MUST_CHECK errval_t lwip_port_input(struct netif *netif, struct pbuf *frame);

// Drops that lwIP does not count itself, counted by the port's hooks.
struct lwip_port_stats {
    // SYNs a listener dropped because its backlog was full: connections
    // waiting for accept(), and half-open ones, fill it. The peer sends
    // the SYN again (as when Linux's accept queue is full).
    uint32_t syn_backlog_full;
};
extern struct lwip_port_stats lwip_port_stats;
