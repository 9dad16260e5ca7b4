/* drivers/pci/sriov.c: the SR-IOV extended capability: VF routing IDs, NumVFs, VF BARs. */
#include "pci_internal.h"
#include <pci/pci_caps.h>
#include <pci/pci_regs.h>

// Would the VFs' routing IDs collide with the PF or each other? Only
// meaningful once NumVFs is set (PCIe 9.3.3.9-10).
static MUST_CHECK errval_t check_rids(const struct pci_sriov *s)
{
    if (s->num_vfs && !s->first_vf_offset)
        return PCI_ERR_BAD_CAP;
    if (s->num_vfs > 1 && !s->vf_stride)
        return PCI_ERR_BAD_CAP;
    return SYS_ERR_OK;
}

static void read_routing(const struct pci_cfg *c, struct pci_bdf pf, struct pci_sriov *s)
{
    s->num_vfs = pci_read16(c, pf, s->off + PCI_SRIOV_NUM_VF);
    s->first_vf_offset = pci_read16(c, pf, s->off + PCI_SRIOV_VF_OFFSET);
    s->vf_stride = pci_read16(c, pf, s->off + PCI_SRIOV_VF_STRIDE);
}

errval_t pci_sriov_read(const struct pci_cfg *c, struct pci_bdf pf, uint16_t off,
                        struct pci_sriov *s)
{
    if (off < PCI_EXT_CAP_FIRST || (off & 3) || off + PCI_SRIOV_SIZE > PCIE_CFG_SIZE ||
        PCI_EXT_CAP_ID(pci_read32(c, pf, off)) != PCI_EXT_CAP_ID_SRIOV)
        return PCI_ERR_BAD_CAP;
    *s = (struct pci_sriov){
        .off = off,
        .caps = pci_read32(c, pf, off + PCI_SRIOV_CAP),
        .control = pci_read16(c, pf, off + PCI_SRIOV_CTRL),
        .status = pci_read16(c, pf, off + PCI_SRIOV_STATUS),
        .initial_vfs = pci_read16(c, pf, off + PCI_SRIOV_INITIAL_VF),
        .total_vfs = pci_read16(c, pf, off + PCI_SRIOV_TOTAL_VF),
        .func_link = pci_read8(c, pf, off + PCI_SRIOV_FUNC_LINK),
        .vf_device = pci_read16(c, pf, off + PCI_SRIOV_VF_DID),
        .page_sizes = pci_read32(c, pf, off + PCI_SRIOV_SUP_PGSIZE),
        .system_page_size = pci_read32(c, pf, off + PCI_SRIOV_SYS_PGSIZE),
    };
    read_routing(c, pf, s);
    if (s->initial_vfs > s->total_vfs || s->num_vfs > s->total_vfs)
        return PCI_ERR_BAD_CAP;
    return check_rids(s);
}

errval_t pci_sriov_vf_bdf(const struct pci_sriov *s, struct pci_bdf pf, unsigned n,
                          struct pci_bdf *vf)
{
    if (n < 1 || n > s->num_vfs || err_is_fail(check_rids(s)))
        return SYS_ERR_INVALID_ARGS;
    uint32_t rid =
        pci_bdf_rid(pf) + (uint32_t)s->first_vf_offset + (n - 1) * (uint32_t)s->vf_stride;
    if (rid > 0xffff)
        return SYS_ERR_OVERFLOW;
    *vf = pci_rid_bdf((uint16_t)rid);
    return SYS_ERR_OK;
}

errval_t pci_sriov_set_num_vfs(const struct pci_cfg *c, struct pci_bdf pf, struct pci_sriov *s,
                               uint16_t n)
{
    s->control = pci_read16(c, pf, s->off + PCI_SRIOV_CTRL);
    if (s->control & PCI_SRIOV_CTRL_VFE)
        return SYS_ERR_BUSY; // NumVFs is read-only while VFs are enabled
    if (n > s->total_vfs)
        return SYS_ERR_INVALID_ARGS;
    pci_write16(c, pf, s->off + PCI_SRIOV_NUM_VF, n);
    read_routing(c, pf, s);
    if (s->num_vfs != n)
        return SYS_ERR_IO; // the PF did not take the value
    return check_rids(s);
}

errval_t pci_sriov_enable(const struct pci_cfg *c, struct pci_bdf pf, struct pci_sriov *s, bool on)
{
    const uint16_t bits = PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE;
    if (on && !s->num_vfs)
        return SYS_ERR_INVALID_ARGS;
    uint16_t ctrl = pci_read16(c, pf, s->off + PCI_SRIOV_CTRL);
    ctrl = on ? (ctrl | bits) : (ctrl & ~bits);
    pci_write16(c, pf, s->off + PCI_SRIOV_CTRL, ctrl);
    s->control = ctrl;
    return SYS_ERR_OK;
}

// VF memory space off while a VF BAR is probed or changed; returns the
// control value to restore.
static uint16_t vf_decode_off(const struct pci_cfg *c, struct pci_bdf pf, const struct pci_sriov *s)
{
    uint16_t ctrl = pci_read16(c, pf, s->off + PCI_SRIOV_CTRL);
    if (ctrl & PCI_SRIOV_CTRL_MSE)
        pci_write16(c, pf, s->off + PCI_SRIOV_CTRL, ctrl & ~PCI_SRIOV_CTRL_MSE);
    return ctrl;
}

errval_t pci_sriov_vf_bar_probe(const struct pci_cfg *c, struct pci_bdf pf,
                                const struct pci_sriov *s, unsigned index, struct pci_bar *bar)
{
    if (index >= PCI_SRIOV_NBARS)
        return SYS_ERR_INVALID_ARGS;
    uint16_t reg = (uint16_t)(s->off + PCI_SRIOV_VF_BAR0 + 4 * index);
    uint16_t ctrl = vf_decode_off(c, pf, s);
    errval_t err = pci_bar_reg_probe(c, pf, reg, index == PCI_SRIOV_NBARS - 1, false, bar);
    pci_write16(c, pf, s->off + PCI_SRIOV_CTRL, ctrl);
    return err;
}

errval_t pci_sriov_vf_bar_assign(const struct pci_cfg *c, struct pci_bdf pf,
                                 const struct pci_sriov *s, unsigned index, struct pci_bar *bar,
                                 uint64_t addr)
{
    if (index >= PCI_SRIOV_NBARS)
        return SYS_ERR_INVALID_ARGS;
    // Every VF's copy must be reachable, not only the first.
    uint64_t copies = s->num_vfs ? s->num_vfs : 1;
    if (bar->type == PCI_BAR_MEM32 && addr + copies * bar->size - 1 > UINT32_MAX)
        return SYS_ERR_INVALID_ARGS;
    uint16_t reg = (uint16_t)(s->off + PCI_SRIOV_VF_BAR0 + 4 * index);
    uint16_t ctrl = vf_decode_off(c, pf, s);
    errval_t err = pci_bar_reg_assign(c, pf, reg, bar, addr);
    pci_write16(c, pf, s->off + PCI_SRIOV_CTRL, ctrl);
    return err;
}
