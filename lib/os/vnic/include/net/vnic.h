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
// the VNIC to q0. Errors: SYS_ERR_NO_MEMORY, the VF driver's.
MUST_CHECK errval_t vnic_open_queue1(struct netq *q0, struct netq **out);

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
