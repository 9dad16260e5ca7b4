/* drivers/pci/msix.c: program MSI-X table entries and the capability's enable (PCI 6.8.2). */
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>

#define ENTRY(i, field) ((uint32_t)((i)*PCI_MSIX_ENTRY_SIZE + (field)))
#define ADDR_LO         0
#define ADDR_HI         4
#define DATA            8
#define VCTRL           12

errval_t pci_msix_set(const struct pci_msix_table *t, unsigned i, uint64_t addr, uint32_t data)
{
    if (i >= t->entries)
        return SYS_ERR_INVALID_ARGS;
    // Never let a half-written message fire: mask first (6.8.2.9).
    uint32_t vctrl = mmio_read32(&t->regs, ENTRY(i, VCTRL));
    mmio_write32(&t->regs, ENTRY(i, VCTRL), vctrl | PCI_MSIX_VCTRL_MASKED);
    mmio_write32(&t->regs, ENTRY(i, ADDR_LO), (uint32_t)addr);
    mmio_write32(&t->regs, ENTRY(i, ADDR_HI), (uint32_t)(addr >> 32));
    mmio_write32(&t->regs, ENTRY(i, DATA), data);
    return SYS_ERR_OK;
}

errval_t pci_msix_mask(const struct pci_msix_table *t, unsigned i, bool masked)
{
    if (i >= t->entries)
        return SYS_ERR_INVALID_ARGS;
    uint32_t vctrl = mmio_read32(&t->regs, ENTRY(i, VCTRL));
    vctrl = masked ? vctrl | PCI_MSIX_VCTRL_MASKED : vctrl & ~PCI_MSIX_VCTRL_MASKED;
    mmio_write32(&t->regs, ENTRY(i, VCTRL), vctrl);
    return SYS_ERR_OK;
}

bool pci_msix_masked(const struct pci_msix_table *t, unsigned i)
{
    return i < t->entries && (mmio_read32(&t->regs, ENTRY(i, VCTRL)) & PCI_MSIX_VCTRL_MASKED);
}

void pci_msix_enable(const struct pci_cfg *c, struct pci_bdf b, struct pci_msix *x, bool on)
{
    uint16_t ctrl = pci_read16(c, b, x->off + PCI_MSIX_CONTROL);
    ctrl = on ? (uint16_t)((ctrl | PCI_MSIX_CTRL_ENABLE) & ~PCI_MSIX_CTRL_MASKALL)
              : (uint16_t)(ctrl & ~PCI_MSIX_CTRL_ENABLE);
    pci_write16(c, b, x->off + PCI_MSIX_CONTROL, ctrl);
    x->control = ctrl;
    x->enabled = on;
    x->function_mask = false;
}

errval_t pci_msix_route(const struct pci_cfg *c, struct pci_bdf b, struct pci_msix *x,
                        const struct pci_msix_table *t, unsigned i, uint64_t addr, uint32_t data)
{
    errval_t err = pci_msix_set(t, i, addr, data);
    if (err_is_ok(err))
        err = pci_msix_mask(t, i, false);
    if (err_is_ok(err))
        pci_msix_enable(c, b, x, true);
    return err;
}
