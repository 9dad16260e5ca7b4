/*
 * lib/sys/include/sys/devmgr.h: devmgr, the device manager (usr/devmgr):
 * its operations and the client side (docs/devices.md).
 *
 * devmgr finds the PCI devices, owns the IOMMU, and starts a driver for
 * each device it knows. A device has one owner at a time: the driver
 * devmgr started for it, or whoever its owner granted it to (a VF to an
 * application). Only the owner gets caps to the device (its BARs, its
 * configuration page, interrupt vectors) and may attach it to an IOMMU
 * domain. Everyone may list the devices.
 */
#pragma once

#include <stdbool.h>
#include <sys/rpc.h>

enum devmgr_op {
    DEVMGR_LIST = 1,    // -> buf: struct devmgr_dev[w0]
    DEVMGR_LSPCI = 2,   // (verbose, first line) -> buf: text lines, w0: next line (0: done)
    DEVMGR_BAR = 3,     // (rid, bar) -> cap: a DevFrame of the BAR, w0: bytes      [owner]
    DEVMGR_CONFIG = 4,  // (rid) -> cap: a DevFrame of its 4 KiB configuration page [owner]
    DEVMGR_IRQ = 5,     // (rid) -> cap: an IRQDest of a fresh vector, w0: vector,  [owner]
                        //   w1, w2: the MSI address and data the device must send
    DEVMGR_DOMAIN = 6,  // () -> cap: the root (IOVNodeL4) of a new IOMMU domain, w0: its id
    DEVMGR_ATTACH = 7,  // (rid, domain); cap: a send cap to signal on faults (or none) [owner]
    DEVMGR_DETACH = 8,  // (rid): blocked again                                       [owner]
    DEVMGR_SRIOV = 9,   // (rid, VFs) -> w0: first VF's rid, w1: stride; VFs are the PF owner's
    DEVMGR_GRANT = 10,  // (rid, pid): pid owns it until it ends or gives it back   [owner]
    DEVMGR_RETURN = 11, // (rid): end a grant (detached): by its holder or its granter
    DEVMGR_FAULTS = 12, // (rid) -> w0: IOMMU faults recorded, w1: last address (DMA) or
                        //   remapping table index (interrupt), w2: last reason
    DEVMGR_STATS =
        13, // () -> w0: interrupt vectors handed out, w1: IOMMU domains, w2: vectors in all
    DEVMGR_IRQ_RETURN = 14,  // (vector): give it back                            [its holder]
    DEVMGR_DOMAIN_FREE = 15, // (domain): devices detached, gone             [its creator]
};

#define DEVMGR_NAME         "devmgr"
#define DEVMGR_VECTOR_FIRST 151 // the first vector devmgr hands out (to 199)
#define DEVMGR_NO_OWNER     UINT64_MAX
#define DEVMGR_MAX_DEVS     64
#define DEVMGR_DEV_VF       (1u << 0) // a virtual function
#define DEVMGR_DEV_SRIOV    (1u << 1) // a PF with SR-IOV (VFs enabled: vfs > 0)
#define DEVMGR_DEV_BOUND    (1u << 2) // attached to an IOMMU domain

// One device as devmgr lists it.
struct devmgr_dev {
    uint16_t rid; // bus << 8 | dev << 3 | fn
    uint16_t vendor, device;
    uint8_t class_code, subclass;
    uint16_t flags; // DEVMGR_DEV_*
    uint16_t vfs;   // PFs: VFs enabled
    uint16_t domain;
    uint64_t owner; // pid, or DEVMGR_NO_OWNER
    uint64_t faults;
    uint64_t vectors; // vectors handed out for it: bit n is DEVMGR_VECTOR_FIRST + n (with
                      // interrupt remapping, also the index of the entry naming it)
    char driver[16];  // the program devmgr started for it, or ""
};

// The channel to devmgr (looked up by name and bound on first use).
struct rpc_chan *devmgr_chan(errval_t *err);

// The device list: up to max entries into out, *n the count.
MUST_CHECK errval_t devmgr_list(struct devmgr_dev *out, unsigned max, unsigned *n);

// Interrupt vectors handed out (of vectors_all) and IOMMU domains in use.
MUST_CHECK errval_t devmgr_stats(uint64_t *vectors, uint64_t *domains, uint64_t *vectors_all);

// Print `lspci` (verbose: `lspci -v`) through fn, a line at a time.
MUST_CHECK errval_t devmgr_lspci(bool verbose, void (*fn)(void *arg, const char *line), void *arg);

// Caps to a device we own: BAR bar (*bytes its size), the configuration
// page. Each in a new slot.
MUST_CHECK errval_t devmgr_bar(uint16_t rid, unsigned bar, capref_t *cap, uint64_t *bytes);
MUST_CHECK errval_t devmgr_config(uint16_t rid, capref_t *cap);

// An interrupt vector for device rid, which we own: *cap an IRQDest
// (connect it to an endpoint) and the MSI the device must send to raise
// it, to program into its MSI or MSI-X entry as it is. With interrupt
// remapping (docs/devices.md) that is a remappable-format message naming
// a remapping entry devmgr wrote for this device only (another device
// sending it is refused by the IOMMU, and recorded as a fault); the entry
// is cleared when the device leaves us or we end. Without remapping it is
// the compatibility-format message of IRQDestCmd_GetMSI.
MUST_CHECK errval_t devmgr_irq(uint16_t rid, capref_t *cap, uint32_t *vector, uint64_t *msi_addr,
                               uint32_t *msi_data);

// Give a vector back before we end: its remapping entry goes, every copy
// of its cap is revoked, and it may be handed out again. Errors:
// IRQ_ERR_NOT_HOLDER (not a vector devmgr gave us).
MUST_CHECK errval_t devmgr_irq_return(uint32_t vector);

// A new IOMMU domain: *root is its top table (we map our IOVNodeL3s into
// it); devmgr keeps the table, so a domain outlives nothing but its
// creator. Attach a device we own to it (fault_note: signalled with
// LMP_FLAG_NOTIFY when the device faults; NULL_CAP for none), or detach it.
MUST_CHECK errval_t devmgr_domain(capref_t *root, uint16_t *domain);
MUST_CHECK errval_t devmgr_attach(uint16_t rid, uint16_t domain, capref_t fault_note);
MUST_CHECK errval_t devmgr_detach(uint16_t rid);
// Give a domain back before we end (devices still attached are detached):
// how a set-up that fails undoes devmgr_domain. Errors: VTD_ERR_NOT_ATTACHED
// (no domain of ours with that id).
MUST_CHECK errval_t devmgr_domain_free(uint16_t domain);

// Enable n VFs of a PF we own (0: disable); they are ours then.
MUST_CHECK errval_t devmgr_sriov(uint16_t pf, unsigned n, uint16_t *first, uint16_t *stride);

// Hand a device we own to process pid, until pid ends (then it comes back
// to us, detached), gives it back, or we take it back (devmgr_return by
// the granter).
MUST_CHECK errval_t devmgr_grant(uint16_t rid, uint64_t pid);
MUST_CHECK errval_t devmgr_return(uint16_t rid);

// The IOMMU faults recorded for a device: how many, and of the last one
// its address (a DMA fault) or remapping table index (an interrupt
// remapping fault) and its reason (VTD_FR_*).
MUST_CHECK errval_t devmgr_faults(uint16_t rid, uint64_t *count, uint64_t *addr, uint64_t *reason);
