/* drivers/pci/include/pci/pci_enum.h: ECAM, enumeration with SR-IOV VFs, lspci, MSI-X tables. */
#pragma once

#include <base/mmio.h>
#include <pci/pci_caps.h>
#include <stddef.h>

/* ---- ECAM (PCIe 7.2.2) ---- */

// A mapped ECAM window: the configuration space of buses first_bus ..
// last_bus, 1 MiB each, at base (the ECAM address of first_bus).
struct pci_ecam {
    void *base;
    uint8_t first_bus, last_bus;
};

// A configuration accessor over e (which must outlive it). Functions on
// buses outside the window read as absent (all ones); writes there are
// dropped.
struct pci_cfg pci_ecam_cfg(struct pci_ecam *e);

// One function's mapped 4 KiB configuration page (a driver's view, from
// devmgr): an accessor that reaches that function only; every other
// function reads as absent.
struct pci_fn_page {
    void *page;
    struct pci_bdf bdf;
};
struct pci_cfg pci_page_cfg(struct pci_fn_page *p);

/* ---- Enumeration ---- */

#define PCI_ENUM_MAX_CAPS 24 // legacy and extended capabilities kept per function

struct pci_cap_entry {
    uint16_t id, off;
    bool extended;
};

// One function as enumeration found it.
struct pci_func {
    struct pci_bdf bdf;
    struct pci_header hdr;
    bool is_vf;
    struct pci_bdf pf; // VFs: their physical function
    uint16_t vf_index; // VFs: n (1-based)
    unsigned nbars;    // 6 (type 0), 2 (type 1), 0
    struct pci_bar bars[6];
    bool bars_sized;  // sizes known (PCI_ENUM_SIZE_BARS); else size 0
    errval_t bar_err; // the first BAR that could not be decoded, else SYS_ERR_OK
    bool is_bridge;
    struct pci_bridge bridge;
    unsigned ncaps;
    struct pci_cap_entry caps[PCI_ENUM_MAX_CAPS];
    errval_t cap_err; // a broken capability list (the walk stopped), else SYS_ERR_OK
    bool has_msi, has_msix, has_exp, has_sriov;
    struct pci_msi msi;
    struct pci_msix msix;
    struct pci_express exp;
    struct pci_sriov sriov;
    struct pci_bar vf_bars[6]; // PFs with SR-IOV: the VF BARs (VF 1's copy), if sized
};

// Size BARs by the write-all-ones probe. This briefly turns the functions'
// decoding off, so it is for enumeration before drivers own the devices;
// without it, BARs are decoded from their registers (an unassigned one
// reads 0 and is shown as absent).
#define PCI_ENUM_SIZE_BARS (1u << 0)

// Enumerate every function reachable from bus 0: each device's function 0,
// functions 1-7 of multi-function devices, the secondary bus of every
// bridge (each bus once, so bad bus numbers cannot loop), and the enabled
// VFs of every PF with SR-IOV, at their computed routing IDs (their vendor
// and device IDs read 0xFFFF: the PF's vendor and the capability's VF
// device ID are filled in). out[0..*n) is sorted by routing ID. A function
// whose capability list or BARs are malformed is still listed, with
// cap_err or bar_err set. Errors: PCI_ERR_TOO_MANY (more than max
// functions; the first max are in out).
MUST_CHECK errval_t pci_enumerate(const struct pci_cfg *c, unsigned flags, struct pci_func *out,
                                  unsigned max, unsigned *n);

// The function at b in list f[0..n), or NULL.
const struct pci_func *pci_find(const struct pci_func *f, unsigned n, struct pci_bdf b);

// The index of the k-th (0-based) function with vendor and device in
// f[0..n), or -1.
int pci_find_id(const struct pci_func *f, unsigned n, uint16_t vendor, uint16_t device, unsigned k);

/* ---- lspci ---- */

// Called once per output line (no newline at the end).
typedef void (*pci_line_fn)(void *arg, const char *line);

// Print the listing of f[0..n) like `lspci -nn` ("01:00.0 Ethernet
// controller [0200]: 8086:10c9 (rev 01)"; VFs add "(VF n of 01:00.0)"),
// and with verbose like `lspci -v` (command flags, BARs with sizes, bridge
// buses and windows, capabilities decoded, SR-IOV state and VF BARs).
void pci_list_print(const struct pci_func *f, unsigned n, bool verbose, pci_line_fn out, void *arg);

// "Ethernet controller" for class 0x02 subclass 0x00 (PCI Code and ID
// Assignment 1.x); the base class name for an unknown subclass, "Class
// xx" for an unknown class (written to buf).
const char *pci_class_name(uint8_t class_code, uint8_t subclass, char *buf, size_t size);

// "MSI-X" for legacy ID 0x11, "SR-IOV" for extended ID 0x10; NULL if unknown.
const char *pci_cap_name(uint16_t id, bool extended);

/* ---- MSI-X tables (PCI 6.8.2) ---- */

// The MSI-X table of a function, mapped (through regs, offsets from the
// table's start) with its entry count.
struct pci_msix_table {
    struct mmio regs;
    unsigned entries;
};

// Program entry i with a message (address, data) and leave it masked:
// the mask bit is set before the message changes (6.8.2.9). Errors:
// SYS_ERR_INVALID_ARGS (i out of range).
MUST_CHECK errval_t pci_msix_set(const struct pci_msix_table *t, unsigned i, uint64_t addr,
                                 uint32_t data);

// Mask or unmask entry i. An unmasked entry whose pending bit is set is
// sent at once (6.8.2.9). Errors: SYS_ERR_INVALID_ARGS.
MUST_CHECK errval_t pci_msix_mask(const struct pci_msix_table *t, unsigned i, bool masked);

// Is entry i masked? false for an index out of range.
bool pci_msix_masked(const struct pci_msix_table *t, unsigned i);

// Turn MSI-X on (with the function mask clear) or off in the capability
// x of function b (a function with MSI-X on does not use INTx, 6.8.2).
void pci_msix_enable(const struct pci_cfg *c, struct pci_bdf b, struct pci_msix *x, bool on);

// Route entry i of function b's table t to the message (addr, data) and
// unmask it, then turn MSI-X on (capability x): what a driver does with
// the vector devmgr handed it (sys/irq.h). Errors: SYS_ERR_INVALID_ARGS
// (i out of range: nothing changed).
MUST_CHECK errval_t pci_msix_route(const struct pci_cfg *c, struct pci_bdf b, struct pci_msix *x,
                                   const struct pci_msix_table *t, unsigned i, uint64_t addr,
                                   uint32_t data);
