/* drivers/pci/flr.c: Function Level Reset with the header restored (PCIe 6.6.2). */
#include <pci/pci_caps.h>
#include <pci/pci_regs.h>

#define HDR_SAVE 16 // dwords 0x00-0x3c: the type 0 header

errval_t pci_flr(const struct pci_cfg *c, struct pci_bdf b,
                 void (*sleep_ms)(void *arg, unsigned ms), void *arg)
{
    uint16_t off;
    errval_t err = pci_cap_find(c, b, PCI_CAP_ID_EXPRESS, &off);
    if (err_is_fail(err))
        return err_no(err) == SYS_ERR_NOT_FOUND ? PCI_ERR_NO_FLR : err;
    if (!(pci_read32(c, b, off + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR))
        return PCI_ERR_NO_FLR;
    // The reset clears what software set in the header (BARs, command):
    // keep it, stop the function's traffic, reset, wait, put it back.
    uint32_t hdr[HDR_SAVE];
    for (unsigned i = 0; i < HDR_SAVE; i++)
        hdr[i] = pci_read32(c, b, (uint16_t)(4 * i));
    uint16_t cmd = (uint16_t)hdr[PCI_COMMAND / 4];
    pci_write16(c, b, PCI_COMMAND,
                cmd & ~(PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
    uint16_t ctl = pci_read16(c, b, off + PCI_EXP_DEVCTL);
    pci_write16(c, b, off + PCI_EXP_DEVCTL, ctl | PCI_EXP_DEVCTL_FLR);
    sleep_ms(arg, 100); // before the function must answer again (6.6.2)
    if (pci_read16(c, b, PCI_VENDOR_ID) == PCI_VENDOR_NONE &&
        pci_read16(c, b, PCI_STATUS) == 0xffff)
        return PCI_ERR_NO_DEVICE; // it did not come back
    // BARs (0x10-0x27) and the interrupt line, then the command register last.
    for (uint16_t r = 0x10; r < 0x28; r += 4)
        pci_write32(c, b, r, hdr[r / 4]);
    pci_write8(c, b, PCI_IRQ_LINE, (uint8_t)hdr[PCI_IRQ_LINE / 4]);
    pci_write16(c, b, PCI_COMMAND, cmd);
    return SYS_ERR_OK;
}
