/*
 * drivers/igb/include/igb/igb_pf.h: the 82576 physical-function driver (the
 * control plane's side of a VNIC).
 *
 * The PF driver resets the device, brings the link up, switches it into
 * VMDq/SR-IOV mode with one pool per VF (pool v for VF v, 0-based: VF 0 is
 * PCI VF 1) and the PF's own pool after them, assigns each VF its MAC and
 * answers the VFs' mailbox requests. It reaches the PF's BAR0 through a
 * struct mmio and needs no DMA memory: it never uses a queue itself.
 * Enabling the VFs in PCI configuration space (NumVFs, VF Enable, VF BARs)
 * is the PCI layer's job (drivers/pci); this driver checks it was done.
 * What QEMU's igb does and does not implement is in docs/vnic.md.
 */
#pragma once

#include <base/mmio.h>
#include <igb/igb_stats.h>
#include <kpi/errors.h>
#include <stdbool.h>
#include <stdint.h>

#define IGB_MAX_VFS 7 // of the 8 pools, the PF keeps one for itself

// What the control plane decided for one VF, and the mailbox state.
struct igb_pf_vf {
    uint8_t mac[6];
    bool has_mac;       // a MAC was assigned (igb_pf_set_vf_mac)
    bool enabled;       // receive and transmit allowed (igb_pf_vf_enable)
    bool cts;           // the VF reset through the mailbox: clear to send requests
    uint16_t vlan;      // port VLAN (0: untagged)
    uint8_t rx_mode;    // IGB_RX_* the control plane allows (igb_pf_set_vf_rx_mode)
    uint32_t rate_mbps; // transmit rate limit programmed (0: none)
    bool rss;           // received flows spread over both queue pairs (igb_pf_set_vf_rss)
};

struct igb_pf {
    struct mmio regs;
    uint64_t (*clock_us)(void *arg); // monotonic microseconds, for timeouts
    void *clock_arg;
    uint8_t mac[6];   // the PF's own address (receive address 0)
    unsigned num_vfs; // 0 until igb_pf_enable_vfs
    unsigned pf_pool; // the PF's pool: num_vfs once VFs are enabled
    bool emulated;    // QEMU's model (igb_pf_identify): no anti-spoofing, no rate scheduler
    struct igb_pf_vf vf[IGB_MAX_VFS];
};

// Take over the PF at regs: reset it (CTRL.RST, waited for), mask every
// interrupt, and read its own MAC. clock_us bounds every wait. Errors:
// IGB_ERR_GONE (registers read all ones), IGB_ERR_RESET_TIMEOUT.
MUST_CHECK errval_t igb_pf_init(struct igb_pf *pf, const struct mmio *regs,
                                uint64_t (*clock_us)(void *arg), void *clock_arg);

// Reset the device again: every register returns to its default, all
// VFs' state is forgotten (their mailboxes show a PF reset in progress
// until igb_pf_enable_vfs). Errors: IGB_ERR_RESET_TIMEOUT.
MUST_CHECK errval_t igb_pf_reset(struct igb_pf *pf);

// Read or write PHY register reg (0-31) through MDIC. Errors:
// SYS_ERR_INVALID_ARGS, IGB_ERR_MDIC (the PHY refused, or no completion
// within 10 ms).
MUST_CHECK errval_t igb_pf_phy_read(struct igb_pf *pf, unsigned reg, uint16_t *val);
MUST_CHECK errval_t igb_pf_phy_write(struct igb_pf *pf, unsigned reg, uint16_t val);

// Bring the link up: restart auto-negotiation in the PHY, then wait up to
// timeout_us for STATUS.LU (QEMU completes it 500 ms of virtual time
// later). Errors: IGB_ERR_MDIC, IGB_ERR_LINK_DOWN.
MUST_CHECK errval_t igb_pf_link_up(struct igb_pf *pf, uint64_t timeout_us);

// The link state from STATUS: up or not, and if up its speed (Mb/s) and
// duplex (either pointer may be NULL).
bool igb_pf_link_status(struct igb_pf *pf, unsigned *mbps, bool *full_duplex);

// Switch the device into VMDq mode for n VFs (1..IGB_MAX_VFS), which must
// already be enabled in the SR-IOV capability: pools 0..n-1 are the VFs',
// pool n the PF's (its MAC, broadcast, and unicast frames from the wire
// that match no pool). Receive and transmit are turned on globally, each
// pool accepts broadcast and untagged frames, CRC is stripped, the VFs'
// pools stay off until their VF resets with a MAC assigned, and finally
// the VFs' mailboxes are told the PF is ready (CTRL_EXT.PFRSTD). VF
// interrupts are routed to the VFs' own MSI-X vectors (GPIE.MSIX_MODE).
// Errors: SYS_ERR_INVALID_ARGS, IGB_ERR_VFS_NOT_ENABLED.
MUST_CHECK errval_t igb_pf_enable_vfs(struct igb_pf *pf, unsigned n);

// Assign VF vf (0-based) its MAC: the only address its pool receives
// unicast for, and the only one its SET_MAC_ADDR requests may name. If the
// VF is already running the filter changes at once. Errors:
// SYS_ERR_INVALID_ARGS (no such VF, or a multicast/zero address),
// SYS_ERR_EXISTS (another VF or the PF has it), IGB_ERR_NOT_RESET (VFs
// not enabled).
MUST_CHECK errval_t igb_pf_set_vf_mac(struct igb_pf *pf, unsigned vf, const uint8_t mac[6]);

// Allow (or stop) VF vf's receive and transmit (VFRE/VFTE). Allowing is
// remembered across the VF's own resets. Errors: SYS_ERR_INVALID_ARGS,
// IGB_ERR_NOT_RESET (VFs not enabled).
MUST_CHECK errval_t igb_pf_vf_enable(struct igb_pf *pf, unsigned vf, bool on);

// Take VF vf back (its application ended): reset its queues (PVTCTRL.RST),
// turn its pool off, drop its MAC filter and VLAN, and forget its mailbox
// state, so the next owner starts from nothing. Errors: SYS_ERR_INVALID_ARGS,
// IGB_ERR_NOT_RESET.
MUST_CHECK errval_t igb_pf_vf_reclaim(struct igb_pf *pf, unsigned vf);

// Pool-to-pool switching (DTXSWC.Loopback_en): with it a frame a pool
// sends to another pool's MAC is delivered inside the device instead of
// leaving on the wire. QEMU also hands a looped broadcast back to the
// sending pool. Errors: IGB_ERR_NOT_RESET (VFs not enabled).
MUST_CHECK errval_t igb_pf_set_loopback(struct igb_pf *pf, bool on);

// Which device this is, from its PCI subsystem IDs: QEMU's model (1af4:1100,
// the IDs QEMU gives a device that sets none) or an 82576 on a board. It
// decides what the driver promises: QEMU's igb stores the anti-spoofing
// bits and checks nothing, and has no transmit rate scheduler.
void igb_pf_identify(struct igb_pf *pf, uint16_t subsys_vendor, uint16_t subsys_id);

// What this device enforces of what the driver programs (IGB_ENFORCES_*).
#define IGB_ENFORCES_ANTISPOOF  (1u << 0) // source MAC and VLAN of what a VF sends
#define IGB_ENFORCES_RATE_LIMIT (1u << 1) // per-VF transmit rate
unsigned igb_pf_enforced(const struct igb_pf *pf);

// Source MAC and VLAN anti-spoofing for a pool (DTXSWC): the 82576 drops a
// frame whose source address is not the pool's, or whose VLAN is not one
// the pool is a member of, and records the pool in WVBR. Every VF's pool
// has it on while the VF is enabled (igb_pf_vf_enable). On QEMU's model the
// bits are stored and nothing is checked: enabling there returns
// IGB_ERR_NO_ANTISPOOF so that no caller believes it is protected.
// Errors: SYS_ERR_INVALID_ARGS.
MUST_CHECK errval_t igb_pf_set_antispoof(struct igb_pf *pf, unsigned pool, bool on);

// Put VF vf on VLAN vid (1..4094) as an access port: frames tagged vid
// reach its pool (VLVF and VFTA, with RCTL.VFE on) with the tag stripped,
// untagged frames no longer do, and everything it sends gets the tag
// (VMVIR). vid 0 returns it to untagged. Errors: SYS_ERR_INVALID_ARGS,
// IGB_ERR_VLAN_FULL, IGB_ERR_NOT_RESET.
MUST_CHECK errval_t igb_pf_set_vf_vlan(struct igb_pf *pf, unsigned vf, uint16_t vid);

// Per-VF transmit rate limit in Mb/s (0: none), on both of the VF's queues
// (i and i + 8) through the 82576's rate scheduler (RTTDQSEL selects a
// queue, RTTBCNRC takes link speed / rate in 10.14 fixed point). Errors:
// SYS_ERR_INVALID_ARGS (no such VF; a rate of 1, or above the link's
// speed), IGB_ERR_LINK_DOWN, IGB_ERR_NO_RATE_LIMIT (QEMU's model, which
// has no scheduler: nothing is written).
MUST_CHECK errval_t igb_pf_set_rate_limit(struct igb_pf *pf, unsigned vf, uint32_t mbps);

// Read pool's counters (a VF's pool is its index; the PF's is pf_pool).
// Errors: SYS_ERR_INVALID_ARGS, IGB_ERR_NOT_RESET.
MUST_CHECK errval_t igb_pf_pool_stats(struct igb_pf *pf, unsigned pool, struct igb_pool_stats *out);

// Pools the device caught spoofing since the last call (the WVBR
// register's bits): IGB_SPOOF_MAC(p), pool p sent a frame that failed the
// source MAC check; IGB_SPOOF_VLAN(p), the VLAN check. Always 0 on QEMU's
// model, which checks nothing.
#define IGB_SPOOF_MAC(p)  (1u << (p))
#define IGB_SPOOF_VLAN(p) (1u << (8 + (p)))
uint32_t igb_pf_spoof_events(struct igb_pf *pf);

// What VF vf's pool receives besides unicast for its MAC: broadcast
// (VMOLR.BAM) and multicast (VMOLR.ROMPE and MPME: QEMU's model delivers
// multicast matching the hash table to pools with ROMPE). A VF starts with
// IGB_RX_BCAST (ARP needs it). Errors: SYS_ERR_INVALID_ARGS, IGB_ERR_NOT_RESET.
#define IGB_RX_BCAST (1u << 0)
#define IGB_RX_MCAST (1u << 1)
MUST_CHECK errval_t igb_pf_set_vf_rx_mode(struct igb_pf *pf, unsigned vf, unsigned mode);

// Spread what VF vf receives over its two queue pairs by a Toeplitz hash
// of IPv4 addresses and TCP/UDP ports (on), or send it all to pair 0
// (off). The key (RSSRK), the redirection table (RETA), MRQC and
// RXCSUM.PCSD are global; only this driver writes them. On an 82576 this
// is VMDq + RSS with VMOLR.RSSE for the VF's pool alone. QEMU's model
// hashes only with VMDq off (igb_regs.h), so there the device leaves VMDq
// for RSS over VF vf's queues: every frame the device accepts goes to the
// VF, non-IP frames (ARP) to queue 0, which is why only VF 0 may have
// it, and only while no other VF runs; another VF starting, or VF 0
// stopping or resetting, turns it off again. Errors: SYS_ERR_INVALID_ARGS,
// IGB_ERR_NOT_RESET, IGB_ERR_NO_RSS (QEMU's model: not VF 0, or another
// VF runs).
MUST_CHECK errval_t igb_pf_set_vf_rss(struct igb_pf *pf, unsigned vf, bool on);

/* ---- The PF side of the mailbox ---- */

enum igb_mbx_event_kind {
    IGB_MBX_EV_VFLR,    // the VF reset itself: its queues are off until it asks for a reset
    IGB_MBX_EV_RESET,   // VF_RESET: acked with its MAC (its pool turned on), or nacked (no MAC)
    IGB_MBX_EV_SET_MAC, // SET_MAC_ADDR: acked if it named the assigned MAC, else nacked
    IGB_MBX_EV_SET_RSS, // SET_RSS: acked if igb_pf_set_vf_rss did it
    IGB_MBX_EV_REFUSED, // any other request, or any request before a reset: nacked
};

struct igb_mbx_event {
    unsigned vf;
    enum igb_mbx_event_kind kind;
    bool acked;   // the reply was ACK (else NACK); always false for VFLR
    uint32_t msg; // the request's first word
};

// Handle whatever the VFs have posted: reset events (VFLRE) and mailbox
// requests (MBVFICR), each answered at once in the VF's buffer. A VF
// whose buffer the VF itself holds is left for the next poll. Up to max
// events are described in ev (*n of them); further ones are still handled.
// The mailbox interrupt's cause (ICR.VMMB) is cleared first, so whatever a
// VF posts after the poll has looked raises the interrupt again.
// Errors: IGB_ERR_NOT_RESET (VFs not enabled).
MUST_CHECK errval_t igb_pf_mailbox_poll(struct igb_pf *pf, struct igb_mbx_event *ev, unsigned max,
                                        unsigned *n);

// Raise the PF's MSI-X entry `vector` whenever a VF posts a mailbox
// request or resets (ICR.VMMB through IVAR_MISC), so the control plane can
// sleep until a VF needs it instead of polling; each interrupt is answered
// by igb_pf_mailbox_poll. The entry is auto-cleared when sent (EIAC). With
// n VFs enabled, QEMU sends causes 0..3 * (8 - n), and never above 9, to
// the PF (0..3 with 7 VFs); the rest belong to the VFs. Errors: IGB_ERR_NOT_RESET (VFs
// not enabled), SYS_ERR_INVALID_ARGS (a vector that is a VF's).
MUST_CHECK errval_t igb_pf_mailbox_irq(struct igb_pf *pf, unsigned vector);
