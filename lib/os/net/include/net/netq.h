/*
 * lib/os/net/include/net/netq.h: a network queue pair as the library OS
 * sees it: where frames go out and come in, whoever is behind it.
 *
 * Three kinds implement it: a VNIC (the application's own VF, driven
 * directly: lib/os/net/vnic.c), netd (a server that owns one VF
 * and copies frames to and from applications over IPC: the
 * kernel-mediated path for experiments), and in host tests a simulated
 * wire. The stack (lwIP netif glue), the native API and the sockets API
 * sit on top and do not know which.
 *
 * Buffers are the queue's: a received frame stays in its buffer until the
 * receiver gives it back (netq_rx_done); a frame to send is written into a
 * buffer taken from the queue (netq_tx_buf) and handed back by netq_tx,
 * which owns it from then on. So a VNIC moves frames with no copy: the
 * buffers are DMA memory the NIC reads and writes.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stdint.h>

#define NETQ_MTU       1500
#define NETQ_FRAME_MAX 1518 // an Ethernet frame without FCS, with a VLAN tag's room
#define NETQ_BUF_BYTES 2048 // every buffer

// Checksum offloads, in netq_pkt.flags:
// - NETQ_RX_CSUM_GOOD on a received frame: the device checked its IPv4
//   header checksum and its UDP checksum and both were right. Absent, the
//   receiver checks them itself (the device did not, or cannot).
// - NETQ_TX_CSUM_IP4_UDP on a frame to send (an IPv4/UDP datagram without
//   IP options): the device computes its IPv4 header checksum and its UDP
//   checksum, which holds the pseudo-header's folded sum (RFC 768) when
//   the frame is handed over. Only on a queue whose offloads have it.
#define NETQ_RX_CSUM_GOOD    (1u << 0)
#define NETQ_TX_CSUM_IP4_UDP (1u << 1)

// In netq.offloads only: tx also takes a received buffer (as rx handed it
// out, its frame rewritten in place: a reply in the buffer the request
// came in), instead of rx_done. The queue owns it from then on and puts
// it back on its receive ring once the device has sent it (reaped), as
// rx_done would have; the caller must not give it back too.
#define NETQ_TX_RX_BUF (1u << 2)

// One frame in a queue buffer.
struct netq_pkt {
    void *data;     // the frame (Ethernet header first)
    uint16_t len;   // bytes of frame
    uint16_t buf;   // the queue's buffer index
    uint16_t flags; // NETQ_RX_* set by the queue, NETQ_TX_* by the sender
};

struct netq_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors; // dropped: no buffer; errors: bad frames
    // Times the receive ring ran out of buffers (the device drops what
    // comes meanwhile, and may not count it: a VNIC on QEMU's igb does not).
    uint64_t rx_ring_exhausted;
    uint64_t tx_packets, tx_bytes, tx_dropped;
    uint64_t doorbells; // tail writes (one per batch)
    uint64_t interrupts, polls_empty;
};

struct netq;

struct netq_ops {
    // Up to max received frames into out (in arrival order); 0 if none.
    unsigned (*rx)(struct netq *q, struct netq_pkt *out, unsigned max);
    // Give received buffers back (they may be refilled at once).
    void (*rx_done)(struct netq *q, const struct netq_pkt *pkts, unsigned n);
    // A free transmit buffer (data, NETQ_BUF_BYTES), or SYS_ERR_WOULD_BLOCK.
    errval_t (*tx_buf)(struct netq *q, struct netq_pkt *out);
    // Send pkts[0..n) (each from tx_buf, len set; or from rx, where
    // offloads has NETQ_TX_RX_BUF) with one doorbell; the queue owns them now. *sent: how many were
    // queued (the rest are still the caller's: SYS_ERR_WOULD_BLOCK when the ring is full).
    errval_t (*tx)(struct netq *q, const struct netq_pkt *pkts, unsigned n, unsigned *sent);
    // Block until a frame may have arrived or timeout_us passed (0: no
    // limit): by interrupt where the queue has one, else by polling.
    // SYS_ERR_TIMEOUT when the time passed with nothing come.
    errval_t (*wait)(struct netq *q, uint64_t timeout_us);
    void (*stats)(struct netq *q, struct netq_stats *out);
    void (*close)(struct netq *q);
};

struct netq {
    const struct netq_ops *ops;
    uint8_t mac[6];
    uint32_t ip, netmask, gateway; // the address the control plane assigned (network order)
    uint32_t offloads;             // the NETQ_TX_* flags this queue's tx honours
    void *impl;
};

static inline unsigned netq_rx(struct netq *q, struct netq_pkt *out, unsigned max)
{
    return q->ops->rx(q, out, max);
}
static inline void netq_rx_done(struct netq *q, const struct netq_pkt *pkts, unsigned n)
{
    q->ops->rx_done(q, pkts, n);
}
static inline MUST_CHECK errval_t netq_tx_buf(struct netq *q, struct netq_pkt *out)
{
    return q->ops->tx_buf(q, out);
}
static inline MUST_CHECK errval_t netq_tx(struct netq *q, const struct netq_pkt *pkts, unsigned n,
                                          unsigned *sent)
{
    return q->ops->tx(q, pkts, n, sent);
}
static inline MUST_CHECK errval_t netq_wait(struct netq *q, uint64_t timeout_us)
{
    return q->ops->wait(q, timeout_us);
}
