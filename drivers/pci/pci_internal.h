/* drivers/pci/pci_internal.h: BAR register helpers shared by function BARs and SR-IOV VF BARs. */
#pragma once

#include <pci/pci.h>

// Size and decode the BAR whose (first) register is at reg, by writing all
// ones and restoring it. The caller has turned decoding off. last: reg is
// the last BAR register, so a 64-bit BAR there is malformed. allow_io:
// I/O BARs are legal here (not for VFs, PCIe 9.3.3.14).
MUST_CHECK errval_t pci_bar_reg_probe(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg,
                                      bool last, bool allow_io, struct pci_bar *bar);

// Check addr for bar (alignment, decoder reach) and write it to the BAR
// register(s) at reg. The caller has turned decoding off.
MUST_CHECK errval_t pci_bar_reg_assign(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg,
                                       struct pci_bar *bar, uint64_t addr);
