/*
 * drivers/igb/include/igb/igb_vf.h: the 82576 virtual-function driver (an
 * application's VNIC, driven from its library OS).
 *
 * It needs only the VF's register BAR (a struct mmio) and memory of the
 * application's own, given with both the CPU's address and the device's
 * (an IOVA in the VF's IOMMU domain). It allocates nothing and maps
 * nothing. One receive and one transmit queue per struct igb_vf (the
 * VF's queue pair 0; igb_vf_queue1 gives a second handle for pair 1) with
 * advanced descriptors, one buffer per frame; frames larger than a receive
 * buffer, and frames the device flags with errors, are dropped and counted.
 * Everything the PF must do first (link, VMDq, this VF's MAC) is
 * igb_pf.h's; this side asks for its MAC through the mailbox.
 */
#pragma once

#include <base/mmio.h>
#include <igb/igb_stats.h>
#include <kpi/errors.h>
#include <stdbool.h>
#include <stdint.h>

#define IGB_VF_MIN_DESC 8    // ring sizes: a multiple of 8 (128 bytes) ...
#define IGB_VF_MAX_DESC 256  // ... up to this many descriptors
#define IGB_MIN_FRAME   14   // an Ethernet header; the device pads short frames (TCTL.PSP)
#define IGB_MAX_FRAME   1514 // without FCS: the PF keeps jumbo frames off (no LPE)

// Memory the device reaches: where the CPU sees it and the device's address.
struct igb_dma {
    void *va;
    uint64_t iova;
    uint64_t bytes;
};

// A frame buffer: a transmit frame or a receive buffer (len: the frame's
// length, or for a posted receive buffer, unused). flags: on a received
// frame, the low half of its descriptor's status (IGB_RXD_STAT_*: which
// checksums the device checked, igb_rxd_udp_csum_good); on a frame to
// send, IGB_TX_CSUM_IP4_UDP to have the device write its checksums, or 0.
#define IGB_TX_CSUM_IP4_UDP 2 // an IPv4/UDP frame, 14-byte Ethernet and 20-byte IP headers

struct igb_pkt {
    void *va;
    uint64_t iova;
    uint16_t len;
    uint16_t flags;
};

// Kept by the driver: rx_drops are frames too large for a receive buffer
// (spanning descriptors), rx_errors frames the device flagged (checksum
// or receive errors); neither reaches the caller. rx_ring_exhausted
// counts the times igb_vf_rx found every posted receive descriptor
// filled (or none posted) after it had last found room: the device then
// drops what comes for the queue until buffers are posted again (the
// 82576 counts them in RQDPC; QEMU's igb counts them nowhere), so frames
// may have been lost, uncounted.
struct igb_vf_stats {
    uint64_t rx_packets, rx_bytes, rx_drops, rx_errors;
    uint64_t rx_ring_exhausted;
    uint64_t tx_packets, tx_bytes;
};

struct igb_vf_ring {
    struct igb_dma mem;
    unsigned n;                           // descriptors
    unsigned head;                        // RX: next to receive; TX: next to reap
    unsigned tail;                        // next to fill: what the device was last told (RDT/TDT)
    struct igb_pkt slot[IGB_VF_MAX_DESC]; // the buffer behind each descriptor
};

struct igb_vf {
    struct mmio regs;
    uint64_t (*clock_us)(void *arg); // monotonic microseconds, for timeouts
    void (*idle)(void *arg);         // called while waiting for the PF; may be NULL
    void *arg;
    uint8_t mac[6];
    bool reset_done; // the PF acknowledged our reset and gave a MAC
    bool rings_up;
    bool in_frame;     // receiving the middle of a frame that spans descriptors
    bool rx_exhausted; // the last igb_vf_rx found no free receive descriptor
    uint32_t mbx_bits; // read-to-clear mailbox bits seen and not yet consumed
    uint16_t rx_buf_size;
    uint32_t irq_mask; // the MSI-X vectors mapped (bit per vector)
    uint32_t qoff;     // queue pair 0 (0) or 1 (IGB_VF_QUEUE_STRIDE): igb_vf_queue1
    struct igb_vf_ring rx, tx;
    struct igb_vf_stats stats;
};

// Start driving the VF whose register BAR is regs. idle (if not NULL) is
// called in every loop that waits for the PF, with arg, as is clock_us.
// Errors: IGB_ERR_GONE (the BAR reads all ones: not mapped, or VFs off).
MUST_CHECK errval_t igb_vf_init(struct igb_vf *vf, const struct mmio *regs,
                                uint64_t (*clock_us)(void *arg), void (*idle)(void *arg),
                                void *arg);

// Reset the VF (CTRL.RST: the device stops its queues) and ask the PF to
// reset it (VF_RESET), waiting up to timeout_us in all: first for the PF
// to have finished its own reset, then for the reply with our MAC
// (vf->mac). Rings must be set up again afterwards. Errors:
// IGB_ERR_PF_NOT_READY, IGB_ERR_MBX_BUSY, IGB_ERR_MBX_TIMEOUT,
// IGB_ERR_NO_MAC (the PF has none for us), IGB_ERR_MBX_PROTOCOL, IGB_ERR_GONE.
MUST_CHECK errval_t igb_vf_reset(struct igb_vf *vf, uint64_t timeout_us);

// Ask the PF to make mac our address (SET_MAC_ADDR). The PF only agrees to
// the MAC it assigned; on a refusal vf->mac stays. Errors: IGB_ERR_NOT_RESET,
// IGB_ERR_MBX_NACK, IGB_ERR_MBX_BUSY, IGB_ERR_MBX_TIMEOUT, IGB_ERR_MBX_PROTOCOL.
MUST_CHECK errval_t igb_vf_set_mac(struct igb_vf *vf, const uint8_t mac[6], uint64_t timeout_us);

// Set up the receive ring (rx_n descriptors in rx, buffers of rx_buf_size
// bytes each) and the transmit ring (tx_n in tx), both empty, and enable
// both queues. The transmit ring's first descriptor is then a context
// descriptor (index 0: IPv4 without options over Ethernet, UDP) for the
// frames that ask for checksums (flags); frames go from the second.
// Sizes: IGB_VF_MIN_DESC..IGB_VF_MAX_DESC, multiples of 8; rings 128-byte
// aligned (IOVA); rx_buf_size a multiple of 1024 from 1024 to 16384.
// Errors: IGB_ERR_NOT_RESET, SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT,
// SYS_ERR_TIMEOUT (a queue did not report enabled).
MUST_CHECK errval_t igb_vf_rings(struct igb_vf *vf, struct igb_dma rx, unsigned rx_n,
                                 uint16_t rx_buf_size, struct igb_dma tx, unsigned tx_n);

// Give the device up to n receive buffers (each rx_buf_size bytes), as
// many as fit (the ring holds rx_n - 1), with one tail write. *posted says
// how many. Errors: IGB_ERR_NOT_RESET, SYS_ERR_INVALID_ARGS (an IOVA of 0;
// nothing posted), IGB_ERR_RING_FULL (none fit).
MUST_CHECK errval_t igb_vf_rx_refill(struct igb_vf *vf, const struct igb_pkt *bufs, unsigned n,
                                     unsigned *posted);

// Take up to max received frames, in order, into out (buffer, length and
// the descriptor's status);
// the buffers are the caller's again (give them back with rx_refill).
// Buffers of dropped frames go straight back to the ring (one tail
// write). *n says how many frames. Errors: IGB_ERR_NOT_RESET.
MUST_CHECK errval_t igb_vf_rx(struct igb_vf *vf, struct igb_pkt *out, unsigned max, unsigned *n);

// Is a received descriptor waiting (for a poller deciding whether to sleep)?
bool igb_vf_rx_pending(const struct igb_vf *vf);

// Transmit up to n frames (IGB_MIN_FRAME..IGB_MAX_FRAME bytes each, one
// buffer each), as many as the ring has room for, with one tail write:
// the doorbell. *sent says how many; their buffers stay the device's
// until igb_vf_tx_reap returns them. Errors: IGB_ERR_NOT_RESET,
// SYS_ERR_INVALID_ARGS (a bad length or IOVA 0: nothing sent),
// IGB_ERR_RING_FULL (nothing fit).
MUST_CHECK errval_t igb_vf_tx(struct igb_vf *vf, const struct igb_pkt *pkts, unsigned n,
                              unsigned *sent);

// Hand back up to max transmitted frames' buffers (in order) into done;
// returns how many.
unsigned igb_vf_tx_reap(struct igb_vf *vf, struct igb_pkt *done, unsigned max);

// Route the receive queue's interrupt to MSI-X vector rx_vector and the
// transmit queue's to tx_vector (0..2 of the VF's table in BAR3; -1:
// none), auto-cleared when sent. Both start masked. QEMU only ever adds to
// the device's routing, so map once per VF reset. Errors:
// SYS_ERR_INVALID_ARGS, IGB_ERR_NOT_RESET.
MUST_CHECK errval_t igb_vf_irq_map(struct igb_vf *vf, int rx_vector, int tx_vector);

// Unmask (on) or mask the mapped vectors, switching between interrupts and
// polling. A cause that arrived while masked is sent on unmasking, so
// "unmask, then sleep" loses no wake-up. Errors: SYS_ERR_INVALID_ARGS (no
// vector mapped).
MUST_CHECK errval_t igb_vf_irq_enable(struct igb_vf *vf, bool on);

// The device's counters for this VF's pool (VFGPRC ...): frames its pool
// received and sent, including any the driver later dropped.
void igb_vf_hw_stats(struct igb_vf *vf, struct igb_pool_stats *out);

/* ---- The second queue pair and RSS ---- */

// Make q1 a handle on the second queue pair (queue 1: the PF's queue
// vf + 8) of the VF vf0 drives, which has reset: the same registers, its
// own rings (igb_vf_rings, rx_refill, rx, tx ... on q1 as on vf0). The VF
// programs both pairs' rings itself; which frames reach pair 1 is the
// PF's decision (igb_vf_set_rss). Mailbox calls go through vf0 only.
// Errors: IGB_ERR_NOT_RESET, SYS_ERR_INVALID_ARGS (vf0 is itself pair 1).
MUST_CHECK errval_t igb_vf_queue1(struct igb_vf *q1, const struct igb_vf *vf0);

// The same for a process other than pair 0's driver (on another core, say):
// q1 drives pair 1 through its own mapping of the VF's registers (regs),
// with the VF's MAC. It reads no register (the mailbox's bits are
// read-to-clear and pair 0's); the caller vouches that pair 0's driver
// has reset the VF and keeps it (q1 makes no mailbox calls).
void igb_vf_queue1_apart(struct igb_vf *q1, const struct mmio *regs, const uint8_t mac[6],
                         uint64_t (*clock_us)(void *arg), void *arg);

// Ask the PF (IGB_MSG_SET_RSS) to spread the flows it receives over both
// queue pairs by hash (on), or to send all to pair 0 (off). The key,
// the redirection table and the mode are global registers only the PF
// writes. Errors: IGB_ERR_NOT_RESET, SYS_ERR_INVALID_ARGS (called on pair
// 1), IGB_ERR_MBX_NACK (the PF refused: on QEMU's igb, any VF but VF 0,
// or while another VF runs: docs/vnic.md), the mailbox's errors.
MUST_CHECK errval_t igb_vf_set_rss(struct igb_vf *vf, bool on, uint64_t timeout_us);
