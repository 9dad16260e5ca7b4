/* drivers/pci/include/pci/pci_caps.h: capability lists, MSI, MSI-X, PCI Express and SR-IOV. */
#pragma once

#include <pci/pci.h>

/* ---- Capability lists ---- */

// The walk of one capability list: the legacy list from the header's
// capabilities pointer (PCI 6.7) or the extended list from 0x100 (PCIe
// 7.6.3). Each offset visited is remembered, so a list that loops ends
// with an error instead of running forever.
struct pci_cap_iter {
    bool extended;
    bool started;
    uint16_t next;     // offset of the next capability, 0 at the end
    uint64_t seen[16]; // one bit per dword of the 4 KiB config space
};

void pci_cap_iter_init(struct pci_cap_iter *it, bool extended);

// The next capability: its ID and offset. Errors: SYS_ERR_NOT_FOUND at the
// end of the list (or if the function has none); PCI_ERR_CAP_LIST if a
// pointer leaves the capability area (legacy: 0x40-0xfc; extended:
// 0x100-0xffc) or revisits a capability.
MUST_CHECK errval_t pci_cap_next(const struct pci_cfg *c, struct pci_bdf b, struct pci_cap_iter *it,
                                 uint16_t *id, uint16_t *off);

// The offset of the first legacy capability with id, or of the first
// extended capability with id. Errors: SYS_ERR_NOT_FOUND, PCI_ERR_CAP_LIST.
MUST_CHECK errval_t pci_cap_find(const struct pci_cfg *c, struct pci_bdf b, uint8_t id,
                                 uint16_t *off);
MUST_CHECK errval_t pci_ext_cap_find(const struct pci_cfg *c, struct pci_bdf b, uint16_t id,
                                     uint16_t *off);

/* ---- MSI (PCI 6.8.1) ---- */

struct pci_msi {
    uint16_t off; // the capability
    uint16_t control;
    bool enabled;
    bool addr64;          // 64-bit message address
    bool per_vector_mask; // mask and pending registers exist
    unsigned vectors;     // vectors requested (Multiple Message Capable)
    unsigned enabled_vectors;
    uint16_t data_off;              // config offset of Message Data
    uint16_t mask_off, pending_off; // config offsets, 0 without per-vector masking
};

// Decode the MSI capability at off. Errors: PCI_ERR_BAD_CAP (no MSI ID
// there, a reserved vector count, or a structure running past 0x100).
MUST_CHECK errval_t pci_msi_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off,
                                 struct pci_msi *m);

/* ---- MSI-X (PCI 6.8.2) ---- */

struct pci_msix {
    uint16_t off;
    uint16_t control;
    bool enabled, function_mask;
    unsigned table_size; // entries (vectors)
    uint8_t table_bir;   // BAR index holding the table
    uint32_t table_offset;
    uint8_t pba_bir; // BAR index holding the Pending Bit Array
    uint32_t pba_offset;
};

// Decode the MSI-X capability at off. Errors: PCI_ERR_BAD_CAP (no MSI-X ID
// there, a BIR above 5, or a structure running past 0x100).
MUST_CHECK errval_t pci_msix_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off,
                                  struct pci_msix *x);

// Check that the table and PBA lie inside memory BARs of the function
// (bars as from pci_bars_probe). Errors: PCI_ERR_BAD_CAP.
MUST_CHECK errval_t pci_msix_check_bars(const struct pci_msix *x, const struct pci_bar bars[6]);

/* ---- PCI Express (PCIe 7.5.3) ---- */

struct pci_express {
    uint16_t off;
    uint8_t version;
    uint8_t port_type; // PCI_EXP_TYPE_*
    bool slot;
    uint8_t irq_msg; // MSI/MSI-X vector of the capability's own events
    uint32_t devcap;
    unsigned max_payload; // bytes supported
    bool flr;             // Function Level Reset capable
    bool has_link;        // link registers are meaningful for this port type
    uint8_t link_speed_max, link_width_max;
    uint8_t link_speed, link_width; // negotiated
    bool ari_forwarding;            // ports: ARI Forwarding Supported (version 2)
};

// Decode the PCI Express capability at off. Errors: PCI_ERR_BAD_CAP (no
// PCIe ID there, or a version other than 1 or 2).
MUST_CHECK errval_t pci_express_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off,
                                     struct pci_express *e);

/* ---- SR-IOV (PCIe 9.3.3) ---- */

struct pci_sriov {
    uint16_t off; // the extended capability, in the PF
    uint32_t caps;
    uint16_t control, status;
    uint16_t initial_vfs, total_vfs, num_vfs;
    uint8_t func_link;
    uint16_t first_vf_offset, vf_stride; // valid for the current num_vfs
    uint16_t vf_device;
    uint32_t page_sizes, system_page_size;
};

// Decode the SR-IOV capability at off of PF pf. Errors: PCI_ERR_BAD_CAP
// (no SR-IOV ID there, InitialVFs or NumVFs above TotalVFs, or, with NumVFs
// set, VF routing IDs that would collide: First VF Offset 0, or VF Stride 0
// with more than one VF (PCIe 9.3.3.9-10)).
MUST_CHECK errval_t pci_sriov_read(const struct pci_cfg *c, struct pci_bdf pf, uint16_t off,
                                   struct pci_sriov *s);

// The address of VF n (1-based, n <= s->num_vfs): RID = PF RID + First VF
// Offset + (n - 1) * VF Stride (PCIe 9.3.3.10-11), which are defined only
// once NumVFs is set. VFs are found only this way: their vendor ID reads
// 0xFFFF. Errors: SYS_ERR_INVALID_ARGS (n out of range), SYS_ERR_OVERFLOW
// (the RID passes 0xFFFF).
MUST_CHECK errval_t pci_sriov_vf_bdf(const struct pci_sriov *s, struct pci_bdf pf, unsigned n,
                                     struct pci_bdf *vf);

// Set NumVFs (VF Enable must be clear) and re-read First VF Offset and VF
// Stride, which may change with it. Errors: SYS_ERR_BUSY (VFs enabled),
// SYS_ERR_INVALID_ARGS (n above TotalVFs), PCI_ERR_BAD_CAP (the new
// offset/stride make RIDs collide).
MUST_CHECK errval_t pci_sriov_set_num_vfs(const struct pci_cfg *c, struct pci_bdf pf,
                                          struct pci_sriov *s, uint16_t n);

// Turn VF Enable and VF Memory Space Enable on or off together. The VFs
// may take up to 100 ms to answer config requests (PCIe 9.3.3.3.1); QEMU's
// answer at once. Errors: SYS_ERR_INVALID_ARGS (enabling with NumVFs 0).
MUST_CHECK errval_t pci_sriov_enable(const struct pci_cfg *c, struct pci_bdf pf,
                                     struct pci_sriov *s, bool on);

// Decode and size VF BAR index (0-5) from the PF's capability: size is per
// VF; VF n's copy is at addr + (n - 1) * size. index must not be the upper
// register of a 64-bit VF BAR. VF memory space is off while probing.
// Errors: SYS_ERR_INVALID_ARGS, PCI_ERR_BAD_BAR (an I/O VF BAR, which
// SR-IOV forbids, or as pci_bar_probe).
MUST_CHECK errval_t pci_sriov_vf_bar_probe(const struct pci_cfg *c, struct pci_bdf pf,
                                           const struct pci_sriov *s, unsigned index,
                                           struct pci_bar *bar);

// Program VF BAR index with base addr (VF 1's copy); as pci_bar_assign,
// and for a 32-bit VF BAR every VF's copy must lie below 4 GiB.
MUST_CHECK errval_t pci_sriov_vf_bar_assign(const struct pci_cfg *c, struct pci_bdf pf,
                                            const struct pci_sriov *s, unsigned index,
                                            struct pci_bar *bar, uint64_t addr);

// Where VF n's copy of a VF BAR lies (n 1-based).
static inline uint64_t pci_sriov_vf_bar_addr(const struct pci_bar *vf_bar, unsigned n)
{
    return vf_bar->addr + (uint64_t)(n - 1) * vf_bar->size;
}

// Function Level Reset of b (PCIe 6.6.2): the header it had (BARs, the
// interrupt line, the command register, which the reset clears) is saved,
// traffic stopped, the reset started, sleep_ms(arg, 100) waited, and the
// header restored, command register last. Errors: PCI_ERR_NO_FLR (no PCI
// Express capability, or it does not offer FLR), PCI_ERR_NO_DEVICE (the
// function did not come back).
MUST_CHECK errval_t pci_flr(const struct pci_cfg *c, struct pci_bdf b,
                            void (*sleep_ms)(void *arg, unsigned ms), void *arg);
