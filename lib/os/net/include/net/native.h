/*
 * lib/os/net/include/net/native.h: the native zero-copy UDP API
 * (Arrakis/N): arrays of datagrams in the queue's own buffers.
 *
 * An endpoint is one local UDP port on one stack. Datagrams for it are
 * taken off the queue by net_poll before lwIP sees them and wait in the
 * endpoint's ring; net_udp_recv hands them to the application as
 * pointers into the receive buffers (no copy), and net_udp_done gives the
 * buffers back. To send, the application takes transmit buffers
 * (net_udp_alloc), writes payloads where they point, and sends the whole
 * array with net_udp_send: the library writes the Ethernet, IPv4 and UDP
 * headers in front of each payload and rings one doorbell. To answer a
 * datagram, net_udp_reply sends it back from the buffer it came in, with
 * whatever payload the application left there: no copy either way. Everything
 * else on the queue (ARP, ICMP, other ports, TCP) goes to lwIP as usual,
 * so the stack still answers ARP and ping; lwIP also holds the port, so
 * sockets cannot bind it.
 *
 * UDP rather than raw frames: the library must parse every frame to UDP
 * anyway to share the queue with lwIP, and building the headers (with
 * the interface's own addresses and lwIP's ARP table) in the library
 * keeps each application from carrying, and getting wrong, its own
 * Ethernet/IPv4/UDP code. Only whole datagrams that fit one frame take
 * this path (NET_UDP_MAX_PAYLOAD); fragments reach lwIP, which reassembles
 * them, and the datagram is dropped for a native port (counted in
 * lwip_drops, and in the stack's native_not_one_frame).
 *
 * Addresses and ports are in network byte order, as in struct sockaddr_in.
 */
#pragma once

#include <kpi/errors.h>
#include <net/netq.h>
#include <stdint.h>

struct net_stack;
struct net_udp;

#define NET_UDP_HEADERS     42 // Ethernet 14, IPv4 20 (no options), UDP 8
#define NET_UDP_MAX_PAYLOAD 1472

// One datagram in a queue buffer.
struct net_udp_pkt {
    void *data;          // the payload
    uint16_t len;        // payload bytes: as received, or set by the sender
    uint16_t port;       // the peer's port: source when received, destination to send
    uint32_t ip;         // the peer's address, likewise
    uint8_t mac[6];      // received: the sender's MAC. To send: used when lwIP's
                         // ARP table has no entry for the next hop (zero: none,
                         // then the datagram goes through lwIP, which resolves
                         // it: one copy)
    uint8_t dir;         // the library's: which queue the buffer is from
    struct netq_pkt buf; // the library's: the queue buffer
};

struct net_udp_stats {
    uint64_t rx, rx_bytes;
    uint64_t rx_ring_full; // dropped: the endpoint's ring was full
    uint64_t lwip_drops;   // dropped: datagrams for the port that reached lwIP (fragmented, so
                           // reassembled there, or with IP options): not one frame
    uint64_t rx_oversize;  // dropped: a frame longer than the MTU allows
    uint64_t tx, tx_bytes;
    uint64_t tx_via_lwip;      // sent through lwIP (next hop not in the ARP table): one copy
    unsigned queued;           // waiting in the ring
    unsigned held_rx, held_tx; // buffers the application holds
};

// Open an endpoint on port (network order, not 0) of stack s, whose ring
// holds up to ring datagrams (1..4096) not yet received. Stacks on the
// same address (the two queue pairs of one VNIC) may each have an
// endpoint on the port: each gets what its own queue receives (sockets
// with SO_REUSEADDR could then bind the port too). Errors:
// SYS_ERR_INVALID_ARGS, NET_ERR_PORT_IN_USE (a socket or another endpoint
// has it), SYS_ERR_NO_MEMORY.
MUST_CHECK errval_t net_udp_open(struct net_stack *s, uint16_t port, unsigned ring,
                                 struct net_udp **out);

// Close u: datagrams still in its ring go back to the queue, the port is
// free again. Errors: SYS_ERR_INVALID_ARGS, NET_ERR_BUFFERS_HELD (the
// application still holds packets of u: give them back first; nothing
// was done).
MUST_CHECK errval_t net_udp_close(struct net_udp *u);

// Up to max received datagrams into pkts, oldest first; *n says how many.
// Polls the stack first when the ring is empty (so a loop of recv, work,
// send, done and net_wait is a whole server). The application holds
// them until net_udp_done. Errors: SYS_ERR_INVALID_ARGS.
MUST_CHECK errval_t net_udp_recv(struct net_udp *u, struct net_udp_pkt *pkts, unsigned max,
                                 unsigned *n);

// Give back pkts[0..n): received ones to the queue, unsent transmit
// buffers to the stack for reuse. Errors: SYS_ERR_INVALID_ARGS,
// NET_ERR_NOT_HELD (pkts[i] is not a buffer the application holds on
// this stack: given back twice, sent, or never handed out; the ones
// before it were given back, the rest were not).
MUST_CHECK errval_t net_udp_done(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n);

// Up to n transmit buffers into pkts (data points to room for
// NET_UDP_MAX_PAYLOAD bytes, len 0); *got says how many. Errors:
// SYS_ERR_INVALID_ARGS, SYS_ERR_WOULD_BLOCK (the queue has none free now:
// *got is 0).
MUST_CHECK errval_t net_udp_alloc(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n,
                                  unsigned *got);

// Send pkts[0..n) (from net_udp_alloc, len, ip and port set) with one
// doorbell for up to the stack's tx_batch of them. Sent packets are the
// queue's; *sent says how many, in order. Errors (pkts[*sent] and the
// rest are still the application's): SYS_ERR_INVALID_ARGS,
// NET_ERR_NOT_HELD, NET_ERR_MSG_SIZE (len above NET_UDP_MAX_PAYLOAD),
// NET_ERR_NO_ROUTE (no interface reaches ip), SYS_ERR_NO_MEMORY (the copy
// through lwIP found no memory), SYS_ERR_WOULD_BLOCK (the stack cannot
// gather more frames now).
MUST_CHECK errval_t net_udp_send(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n,
                                 unsigned *sent);

// Answer pkts[0..n) (received, still held: from net_udp_recv) each in
// the buffer it arrived in, with no copy: to its frame's sender (the
// source MAC, address and port of the received frame; ip, port and mac
// in pkts are not read), from this endpoint's port, with the len bytes
// of payload the application left at data (len may differ from the
// request's, up to NET_UDP_MAX_PAYLOAD). The library rewrites the
// headers in place (checksums by the device where the queue offers it)
// and rings one doorbell. A replied packet is the queue's: it returns to
// the receive ring once the device has sent it (on a queue that cannot
// send a receive buffer, NETQ_TX_RX_BUF, the reply is copied into a
// transmit buffer and the receive buffer given back at once). *sent
// says how many, in order. Errors (pkts[*sent] and the rest are still
// the application's, to reply to or give back with net_udp_done):
// SYS_ERR_INVALID_ARGS (pkts[*sent] is not a received packet the
// application holds, or its data was moved), NET_ERR_MSG_SIZE,
// SYS_ERR_WOULD_BLOCK (the stack cannot gather more frames now).
MUST_CHECK errval_t net_udp_reply(struct net_udp *u, struct net_udp_pkt *pkts, unsigned n,
                                  unsigned *sent);

void net_udp_stats(struct net_udp *u, struct net_udp_stats *out);
