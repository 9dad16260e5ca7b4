/* tests/unit/pci/fake_cfg.h: a synthetic PCI configuration space with per-bit write masks. */
#pragma once

#include <pci/pci.h>
#include <stdbool.h>
#include <stdint.h>

#define FAKE_MAX_FNS 24

// One function: its config bytes and which bits software can change
// (read-only bits ignore writes, as in hardware; BAR sizing relies on it).
struct fake_fn {
    struct pci_bdf bdf;
    uint8_t cfg[4096];
    uint8_t wmask[4096];
    uint16_t sriov_off; // the SR-IOV capability, to police VF BAR writes
    // Called after every write, to model registers with side effects.
    void (*on_write)(struct fake_fn *f, uint16_t off, unsigned size);
};

struct fake_pci {
    struct fake_fn fns[FAKE_MAX_FNS];
    unsigned n;
    unsigned reads, writes;
    // BAR writes made while the function (or, for VF BARs, the VFs) decoded
    // memory or I/O: the library must turn decoding off first.
    unsigned writes_while_decoding;
};

// Reset p and return an accessor over it. Accesses the library is not
// allowed to make (misaligned, bad size, past 4 KiB) fail the test.
struct pci_cfg fake_init(struct fake_pci *p);

// Add a function with IDs, header type and a writable command register.
struct fake_fn *fake_add(struct fake_pci *p, struct pci_bdf b, uint16_t vendor, uint16_t device,
                         uint8_t header_type);

// Set size bytes at off regardless of the write mask.
void fake_set(struct fake_fn *f, uint16_t off, unsigned size, uint32_t val);
uint32_t fake_get(const struct fake_fn *f, uint16_t off, unsigned size);

// Make the bits of mask (size bytes at off) writable.
void fake_writable(struct fake_fn *f, uint16_t off, unsigned size, uint32_t mask);

// A BAR at register reg decoding size bytes (a power of two), with type
// bits flags (PCI_BAR_SPACE_IO, PCI_BAR_MEM_64, PCI_BAR_MEM_PREFETCH) at addr.
// A 64-bit BAR takes reg and reg + 4.
void fake_bar(struct fake_fn *f, uint16_t reg, uint64_t size, uint32_t flags, uint64_t addr);

// Link a legacy capability with id at off to the end of the list (setting
// the status bit and capabilities pointer for the first).
void fake_cap(struct fake_fn *f, uint16_t off, uint8_t id);

// Link an extended capability with id (version 1) at off to the end of
// the extended list.
void fake_ext_cap(struct fake_fn *f, uint16_t off, uint16_t id);

/* The machine of tools/qemu, as far as the tests need it (values read
 * from QEMU 10's config space and its igb.c): root port 00:02.0 with the
 * igb PF 01:00.0 below it. */
#define IGB_PF        ((struct pci_bdf){1, 0, 0})
#define IGB_ROOT_PORT ((struct pci_bdf){0, 2, 0})
#define IGB_SRIOV_OFF 0x160

struct fake_fn *fake_q35_root_port(struct fake_pci *p);
struct fake_fn *fake_igb_pf(struct fake_pci *p);

// The 8 VFs of the igb PF at their routing IDs: present, but vendor and
// device read 0xFFFF as the SR-IOV spec requires.
void fake_igb_vfs(struct fake_pci *p);
