/* usr/tests/igbtest/igbtest.h: shared state of the igb PF/VF test program. */
#pragma once

#include <igb/igb_pf.h>
#include <igb/igb_vf.h>
#include <test/init.h> // caps, frames, dev_map, clock, interrupts
#include <test/report.h>
#include <vtd/vtd_unit.h>

#define IGBT_VFS      2
#define IGBT_IOVA     0x80000000ull // where each VF's memory is in its own domain
#define IGBT_VF_PAGES 32            // per VF: rings, then receive and transmit buffers
#define IGBT_RING     64
#define IGBT_BUF      2048
#define IGBT_RX_BUFS  32 // pages 2-17
#define IGBT_TX_BUFS  28 // pages 18-31
#define IGBT_WAIT_US  2000000

// One VF as an application would hold it (igbtest's own, not lib/os's VNIC): its registers, its
// IOMMU domain with the memory in it, its driver, its interrupt.
struct igbt_vf {
    unsigned index; // VF index: 0 is PCI VF 1
    const struct pci_func *f;
    struct vtd_domain dom;
    capref_t l4, l3, l2, l1;
    struct frame mem; // IGBT_VF_PAGES, at IGBT_IOVA in dom
    struct igb_vf vf;
    uint8_t ip[4];
    struct igb_pkt tx_free[IGBT_TX_BUFS];
    unsigned ntx_free;
    unsigned foreign; // unicast frames received that were not for our MAC
    capref_t irq_ep;
    struct pci_msix_table msix;
};

struct igbt {
    struct acpi_mcfg mcfg;
    struct acpi_dmar dmar;
    struct pci_ecam ecam;
    struct pci_cfg cfg;
    struct pci_func funcs[32];
    unsigned nfuncs;
    const struct pci_func *pff; // the igb PF
    struct pci_sriov sriov;
    struct vtd_unit unit;
    struct vtd_domain pf_dom; // the PF's: empty, it does no DMA
    struct igb_pf pf;
    unsigned pf_events[4]; // mailbox events the PF handled, by kind
    struct igbt_vf vn[IGBT_VFS];
    bool echo; // serve UDP echo for the host (test_igb.py) before the end
};

/* ---- setup.c: finding the device, SR-IOV, the IOMMU ---- */

// ACPI (MCFG, DMAR), ECAM, enumeration, the igb PF. Errors: SYS_ERR_NOT_FOUND.
MUST_CHECK errval_t igbt_find(struct igbt *t);

// NumVFs = IGBT_VFS, VF BARs placed, VF Enable, each VF's memory decoding
// on; t->vn[i].f found again by enumeration.
MUST_CHECK errval_t igbt_sriov(struct igbt *t);

// The VT-d unit, a domain per VF with its memory mapped at IGBT_IOVA, an
// empty one for the PF, all attached, translation on, then bus mastering.
MUST_CHECK errval_t igbt_iommu(struct igbt *t);

// Faults the unit recorded since (printed). 0 is what the tests want.
unsigned igbt_faults(struct igbt *t);

// VF v's MSI-X vector 0 programmed to raise IRQDest vector on v->irq_ep,
// unmasked, MSI-X on in the VF.
MUST_CHECK errval_t igbt_msix(struct igbt *t, struct igbt_vf *v, unsigned vector, uint64_t badge);

/* ---- net.c: frames ---- */

extern const uint8_t net_bcast[6];

// An ARP request from (mac, sip) for tip; 60 bytes.
size_t net_arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t sip[4],
                       const uint8_t tip[4]);

// Is f an ARP reply telling where ip is? Its sender MAC in mac.
bool net_arp_reply_for(const uint8_t *f, size_t len, const uint8_t ip[4], uint8_t mac[6]);

// If f asks (ARP) who has ip, the answer from mac into out; else 0.
size_t net_arp_answer(uint8_t *out, const uint8_t *f, size_t len, const uint8_t mac[6],
                      const uint8_t ip[4]);

// If f is a UDP datagram to ip:port, the echo reply into out (its length;
// *payload and *plen say what was echoed); else 0.
size_t net_udp_echo(uint8_t *out, const uint8_t *f, size_t len, const uint8_t ip[4], uint16_t port,
                    const uint8_t **payload, size_t *plen);

// A test frame dst <- src of len bytes (ethertype 0x88b5, payload from seed).
size_t net_test_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], size_t len,
                      uint8_t seed);

/* ---- vnic.c: a VF driven as an application would ---- */

// Map v's BAR, reset it through the mailbox (t's PF answers meanwhile),
// set up its rings in its memory and post every receive buffer.
MUST_CHECK errval_t vnic_up(struct igbt *t, struct igbt_vf *v);

// Send one frame (copied into a transmit buffer).
MUST_CHECK errval_t vnic_send(struct igbt_vf *v, const uint8_t *f, size_t len);

// Receive: fn is called for every frame; buffers go back to the ring.
// Returns how many frames there were.
typedef void (*vnic_rx_fn)(void *arg, struct igbt_vf *v, const uint8_t *f, size_t len);
unsigned vnic_poll(struct igbt_vf *v, vnic_rx_fn fn, void *arg);

// The PF's mailbox, served (the VFs' idle hook).
void igbt_pf_serve(void *arg);

/* ---- tests.c ---- */

// Everything after bring-up: traffic, interrupts, policy, counters, echo.
void igbt_tests(struct igbt *t);
