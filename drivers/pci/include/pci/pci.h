/* drivers/pci/include/pci/pci.h: PCI configuration-space access, headers, BARs and bridges. */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stdint.h>

// A function's address on its segment. A 16-bit routing ID (requester ID)
// is bus << 8 | dev << 3 | fn; under ARI dev and fn together are an 8-bit
// function number, which the same bits encode.
struct pci_bdf {
    uint8_t bus, dev, fn;
};

static inline uint16_t pci_bdf_rid(struct pci_bdf b)
{
    return (uint16_t)(b.bus << 8 | (b.dev & 31) << 3 | (b.fn & 7));
}

static inline struct pci_bdf pci_rid_bdf(uint16_t rid)
{
    return (struct pci_bdf){(uint8_t)(rid >> 8), (uint8_t)((rid >> 3) & 31), (uint8_t)(rid & 7)};
}

// Byte offset of register reg of function b from its segment's ECAM base
// (the MCFG base, which is that of bus 0) (PCIe 7.2.2).
uint64_t pci_ecam_offset(struct pci_bdf b, uint16_t reg);

// Configuration-space access, supplied by the caller: ECAM in user space,
// a synthetic config space in tests. The library only ever asks for size
// 1, 2 or 4 at an offset aligned to size with off + size <= 4096, and
// devfn within range. Reads of an absent function return all ones.
struct pci_cfg {
    uint32_t (*read)(void *arg, struct pci_bdf b, uint16_t off, unsigned size);
    void (*write)(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val);
    void *arg;
};

static inline uint8_t pci_read8(const struct pci_cfg *c, struct pci_bdf b, uint16_t off)
{
    return (uint8_t)c->read(c->arg, b, off, 1);
}
static inline uint16_t pci_read16(const struct pci_cfg *c, struct pci_bdf b, uint16_t off)
{
    return (uint16_t)c->read(c->arg, b, off, 2);
}
static inline uint32_t pci_read32(const struct pci_cfg *c, struct pci_bdf b, uint16_t off)
{
    return c->read(c->arg, b, off, 4);
}
static inline void pci_write8(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, uint8_t v)
{
    c->write(c->arg, b, off, 1, v);
}
static inline void pci_write16(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, uint16_t v)
{
    c->write(c->arg, b, off, 2, v);
}
static inline void pci_write32(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, uint32_t v)
{
    c->write(c->arg, b, off, 4, v);
}

// The identifying part of a function's header (PCI 6.1, 6.2).
struct pci_header {
    uint16_t vendor, device;
    uint16_t command, status;
    uint8_t revision, prog_if, subclass, class_code;
    uint8_t header_type; // PCI_HEADER_NORMAL, _BRIDGE or _CARDBUS
    bool multifunction;
    bool has_caps; // PCI_STATUS_CAP_LIST
    uint8_t irq_line, irq_pin;
    uint16_t subsys_vendor, subsys_id; // type 0 only, else 0
};

// Read the header of function b. Errors: PCI_ERR_NO_DEVICE if its vendor
// ID reads 0xFFFF (no function there -- or a VF, see pci_header_read_vf).
MUST_CHECK errval_t pci_header_read(const struct pci_cfg *c, struct pci_bdf b,
                                    struct pci_header *h);

// Read the header of a virtual function, whose vendor and device IDs read
// 0xFFFF by definition (PCIe 9.3.4.1.1-2): they are taken from the PF
// (vendor) and its SR-IOV capability (vf_device) instead.
void pci_header_read_vf(const struct pci_cfg *c, struct pci_bdf vf, uint16_t pf_vendor,
                        uint16_t vf_device, struct pci_header *h);

enum pci_bar_type {
    PCI_BAR_NONE,  // not implemented (sizing reads back 0)
    PCI_BAR_MEM32, // memory, 32-bit decoder
    PCI_BAR_MEM64, // memory, 64-bit decoder: uses this and the next register
    PCI_BAR_IO,    // I/O port space
};

struct pci_bar {
    enum pci_bar_type type;
    bool prefetchable;
    uint64_t addr; // as programmed (0 if unassigned)
    uint64_t size; // bytes decoded, a power of two
};

// Decode and size BAR index of function b (0-5 for type 0, 0-1 for type 1)
// by the write-all-ones probe (PCI 6.2.5.1). index must not be the upper
// register of a 64-bit BAR (pci_bars_probe skips those). Decoding (command I/O and
// memory enables) is off while the BAR is probed; the BAR and the command
// register are restored. Errors: SYS_ERR_INVALID_ARGS (index out of range
// for the header type), PCI_ERR_WRONG_HEADER (cardbus), PCI_ERR_BAD_BAR
// (reserved memory type, a 64-bit BAR in the last register, or a size mask
// that is not a contiguous run of ones).
MUST_CHECK errval_t pci_bar_probe(const struct pci_cfg *c, struct pci_bdf b, unsigned index,
                                  struct pci_bar *bar);

// Every BAR of function b into bars[0..*n), *n = 6 or 2: the second
// register of a 64-bit BAR is reported as PCI_BAR_NONE.
MUST_CHECK errval_t pci_bars_probe(const struct pci_cfg *c, struct pci_bdf b,
                                   struct pci_bar bars[6], unsigned *n);

// Program BAR index (decoded as bar) with address addr. Errors:
// SYS_ERR_ALIGNMENT (addr not a multiple of the size), SYS_ERR_INVALID_ARGS
// (no such BAR, or [addr, addr + size) beyond what its decoder reaches:
// 4 GiB for 32-bit memory and I/O BARs). Updates bar->addr.
MUST_CHECK errval_t pci_bar_assign(const struct pci_cfg *c, struct pci_bdf b, unsigned index,
                                   struct pci_bar *bar, uint64_t addr);

// A bridge address window [base, limit]; empty when limit < base.
struct pci_window {
    uint64_t base, limit;
};

static inline bool pci_window_empty(const struct pci_window *w) { return w->limit < w->base; }

// A type 1 header's routing: bus numbers and forwarding windows (PPB 3.2.5).
struct pci_bridge {
    uint8_t primary, secondary, subordinate;
    struct pci_window io, mem, pref;
    bool io32;   // the I/O window has upper 16 bits
    bool pref64; // the prefetchable window has upper 32 bits
};

// Read the bridge registers of function b. Errors: PCI_ERR_NO_DEVICE,
// PCI_ERR_WRONG_HEADER (not a type 1 header).
MUST_CHECK errval_t pci_bridge_read(const struct pci_cfg *c, struct pci_bdf b,
                                    struct pci_bridge *br);

// Program the bridge's bus numbers. Errors: PCI_ERR_WRONG_HEADER;
// SYS_ERR_INVALID_ARGS unless primary < secondary <= subordinate.
MUST_CHECK errval_t pci_bridge_set_buses(const struct pci_cfg *c, struct pci_bdf b, uint8_t primary,
                                         uint8_t secondary, uint8_t subordinate);

// Program the non-prefetchable memory window to [base, limit], or close it
// if base > limit. Errors: PCI_ERR_WRONG_HEADER; SYS_ERR_ALIGNMENT (base or
// limit + 1 not 1 MiB aligned); SYS_ERR_INVALID_ARGS (above 4 GiB).
MUST_CHECK errval_t pci_bridge_set_mem_window(const struct pci_cfg *c, struct pci_bdf b,
                                              uint64_t base, uint64_t limit);

// Program the prefetchable memory window likewise; above 4 GiB only if the
// bridge implements a 64-bit prefetchable window.
MUST_CHECK errval_t pci_bridge_set_pref_window(const struct pci_cfg *c, struct pci_bdf b,
                                               uint64_t base, uint64_t limit);
