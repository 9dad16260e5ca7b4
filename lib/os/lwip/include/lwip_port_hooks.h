/* lib/os/lwip/include/lwip_port_hooks.h: the hook functions lwipopts.h plugs into lwIP. */
#pragma once

// lwIP includes this (LWIP_HOOK_FILENAME) in the sources that call hooks,
// after its own headers; it is not for the libOS's code.
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"

// LWIP_HOOK_IP4_ROUTE_SRC: the netif that is up and owns address src, so
// that a packet leaves through its own interface; NULL (lwIP's routing by
// destination decides) when src is NULL, any, or no netif's address.
struct netif *lwip_port_route_src(const ip4_addr_t *src, const ip4_addr_t *dest);

// LWIP_HOOK_IP4_INPUT: called by ip4_input before it checks the IP header.
// Returns 1 after freeing p (and counting udp.lenerr, udp.drop) when p
// is an unfragmented UDP datagram whose UDP length field differs from the
// length its IP header gives; 0 to let lwIP go on (also for any packet
// too malformed to tell, which ip4_input then drops and counts).
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp);

// LWIP_HOOK_TCP_ISN: a random initial sequence number for a new
// connection (from the random hook of lwip_port_init).
u32_t lwip_port_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                        u16_t remote_port);

// LWIP_HOOK_TCP_INPACKET_PCB: called by tcp_input with the pcb (active,
// TIME_WAIT or listening) a segment is for, hdr in host byte order.
// Counts a SYN that a listener will drop because its backlog is full
// (lwip_port_stats.syn_backlog_full, tcp.drop), which lwIP does silently;
// always ERR_OK: lwIP goes on as without the hook.
err_t lwip_port_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                             u8_t *opt2, struct pbuf *p);
