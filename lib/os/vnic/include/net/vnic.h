/*
 * lib/os/vnic/include/net/vnic.h: the application's own VNIC as a netq
 * (net/netq.h): an igb VF netctl grants us, driven directly (docs/vnic.md).
 */
#pragma once

#include <net/netq.h>
#include <sys/netctl.h>

// How long netq_wait keeps polling after the last frame before it sleeps
// on the VF's interrupt: polling costs a core, sleeping costs an interrupt
// and two kernel crossings per wake-up.
#define VNIC_SPIN_US 200

// Ask netctl for a VNIC and bring its VF up in an IOMMU domain of ours.
// Errors: VNIC_ERR_OPEN on the cause (NETCTL_ERR_NO_VNIC: all in use;
// devmgr's, the DMA layer's and the VF driver's). On failure everything it
// had set up is undone (the VNIC, vector, domain and memory given back);
// so is everything on netq_close.
MUST_CHECK errval_t vnic_open(struct netq **out);

// The VNIC's second queue pair (the VF's queue 1) as a netq of its own,
// for a second stack (net_stack_open) on the same address, in rings and
// buffers of q0's domain. It polls (no interrupt is routed to it), and
// receives nothing until vnic_rss spreads flows to it; closing it leaves
// the VNIC to q0. Errors: SYS_ERR_NO_MEMORY, SYS_ERR_EXISTS (pair 1 is
// open already, or given: vnic_queue1_give), the VF driver's.
MUST_CHECK errval_t vnic_open_queue1(struct netq *q0, struct netq **out);

// Pair 1 driven by another process (on another core): q0's process
// makes pair 1's rings and buffers in q0's domain (vnic_queue1_give) and
// hands the three caps and the description to it (over a UMP connection,
// say), which maps them and drives the pair (vnic_queue1_take). The
// memory stays q0's: when q0's process ends, the other loses its
// mappings with it. The taker has no filters of the VNIC's (everything
// pair 1 receives is its), makes no mailbox calls (q0's process keeps
// the VF: reset, RSS), and polls.
struct vnic_queue1 {
    uint64_t ring_iova, bufs_iova; // where the device reaches them
    uint64_t regs_bytes;           // the register BAR's size
    uint32_t ip, netmask, gateway;
    uint8_t mac[6];
    uint16_t offloads;
};

// Errors: SYS_ERR_NO_MEMORY, SYS_ERR_EXISTS (pair 1 is given already, or
// open here), the DMA layer's. The caps are q0's process's own copies (a
// ring frame of 2 pages, a buffer frame of VNIC_QUEUE1_BUFS_BYTES, the
// VF's register BAR): it may send them, not delete them.
#define VNIC_QUEUE1_RING_BYTES (2u << 12)
#define VNIC_QUEUE1_BUFS_BYTES (512u * 2048u)
MUST_CHECK errval_t vnic_queue1_give(struct netq *q0, struct vnic_queue1 *desc, capref_t *ring,
                                     capref_t *bufs, capref_t *regs);

// The other side: map ring, bufs (Frames) and regs (the register BAR's
// DevFrame), set up pair 1's rings in them and post its receive buffers.
// Errors: SYS_ERR_NO_MEMORY, vspace_map's, the VF driver's; on failure
// nothing is kept (the caps stay the caller's).
MUST_CHECK errval_t vnic_queue1_take(const struct vnic_queue1 *desc, capref_t ring, capref_t bufs,
                                     capref_t regs, struct netq **out);

// Where vnic_queue1_take mapped the three ([start, end) of the rings,
// the buffers and the registers): a fault there means q0's process ended.
void vnic_queue1_lent(struct netq *q1, uintptr_t range[3][2]);

// Ask the PF, through the VF's mailbox, to spread received flows over
// both queue pairs by hash (on) or to send all to q0 (off). Errors:
// IGB_ERR_MBX_NACK (refused: on QEMU's igb only VNIC 0's VF, VF 0, may,
// and only while no other VNIC is open: docs/vnic.md), the mailbox's.
MUST_CHECK errval_t vnic_rss(struct netq *q0, bool on);

// What netctl assigned (id, VF, MAC, IPv4 address).
const struct netctl_vnic *vnic_info(struct netq *q);

// The VNIC's capability, for netctl's operations on it (sys/netctl.h:
// VLAN, receive mode, rate limit); whoever holds a copy may use them.
capref_t vnic_cap(struct netq *q);

// The VF driver and the IOMMU domain under q, for a program that drives
// its VF itself (usr/tests/hostile does, to misbehave with it): nothing
// here stops it, since the VF and the domain are the application's own.
struct igb_vf *vnic_vf(struct netq *q);
struct dma_space *vnic_dma_space(struct netq *q);
struct pci_msix_table *vnic_msix(struct netq *q); // the VF's MSI-X table

// For a server that takes the VNIC's receive interrupts on its own endpoint
// (netd): connect the VF's vector to ep with badge (a notification), then
// arm it (unmask) before sleeping and disarm it on waking. Is a frame waiting?
MUST_CHECK errval_t vnic_irq_route(struct netq *q, capref_t ep, uint64_t badge);
void vnic_irq_arm(struct netq *q, bool on);
bool vnic_rx_pending(struct netq *q);

// Filters (sys/netctl.h): a VNIC without filters receives everything the
// device gives it; once it has some, IPv4 frames no filter admits are
// dropped here (and counted: vnic_filtered, and in the stats' rx_dropped):
// QEMU's igb cannot steer by protocol or port (docs/vnic.md). ARP and
// other non-IPv4 frames always pass.
MUST_CHECK errval_t vnic_filter_add(struct netq *q, const struct netctl_filter *f, capref_t *cap);
MUST_CHECK errval_t vnic_filter_remove(struct netq *q, capref_t cap);
uint64_t vnic_filtered(struct netq *q);
