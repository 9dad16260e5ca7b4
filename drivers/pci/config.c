/* drivers/pci/config.c: PCI headers and bridge routing registers, over a config accessor. */
#include <pci/pci.h>
#include <pci/pci_regs.h>

uint64_t pci_ecam_offset(struct pci_bdf b, uint16_t reg)
{
    return (uint64_t)b.bus << PCI_ECAM_BUS_SHIFT | (uint64_t)(b.dev & 31) << PCI_ECAM_DEV_SHIFT |
           (uint64_t)(b.fn & 7) << PCI_ECAM_FN_SHIFT | (reg & (PCIE_CFG_SIZE - 1));
}

static void read_header(const struct pci_cfg *c, struct pci_bdf b, struct pci_header *h)
{
    uint8_t type = pci_read8(c, b, PCI_HEADER_TYPE);
    *h = (struct pci_header){
        .vendor = pci_read16(c, b, PCI_VENDOR_ID),
        .device = pci_read16(c, b, PCI_DEVICE_ID),
        .command = pci_read16(c, b, PCI_COMMAND),
        .status = pci_read16(c, b, PCI_STATUS),
        .revision = pci_read8(c, b, PCI_REVISION),
        .prog_if = pci_read8(c, b, PCI_PROG_IF),
        .subclass = pci_read8(c, b, PCI_SUBCLASS),
        .class_code = pci_read8(c, b, PCI_CLASS),
        .header_type = type & PCI_HEADER_LAYOUT_MASK,
        .multifunction = type & PCI_HEADER_MULTIFN,
        .irq_line = pci_read8(c, b, PCI_IRQ_LINE),
        .irq_pin = pci_read8(c, b, PCI_IRQ_PIN),
    };
    h->has_caps = h->status & PCI_STATUS_CAP_LIST;
    if (h->header_type == PCI_HEADER_NORMAL) {
        h->subsys_vendor = pci_read16(c, b, PCI_SUBSYS_VENDOR);
        h->subsys_id = pci_read16(c, b, PCI_SUBSYS_ID);
    }
}

errval_t pci_header_read(const struct pci_cfg *c, struct pci_bdf b, struct pci_header *h)
{
    if (pci_read16(c, b, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
        return PCI_ERR_NO_DEVICE;
    read_header(c, b, h);
    return SYS_ERR_OK;
}

void pci_header_read_vf(const struct pci_cfg *c, struct pci_bdf vf, uint16_t pf_vendor,
                        uint16_t vf_device, struct pci_header *h)
{
    read_header(c, vf, h);
    h->vendor = pf_vendor;
    h->device = vf_device;
}

// Is b a present type 1 function? PCI_ERR_NO_DEVICE / _WRONG_HEADER if not.
static MUST_CHECK errval_t check_bridge(const struct pci_cfg *c, struct pci_bdf b)
{
    if (pci_read16(c, b, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
        return PCI_ERR_NO_DEVICE;
    uint8_t type = pci_read8(c, b, PCI_HEADER_TYPE) & PCI_HEADER_LAYOUT_MASK;
    return type == PCI_HEADER_BRIDGE ? SYS_ERR_OK : PCI_ERR_WRONG_HEADER;
}

static struct pci_window io_window(const struct pci_cfg *c, struct pci_bdf b, bool *io32)
{
    uint8_t base = pci_read8(c, b, PCI_IO_BASE), limit = pci_read8(c, b, PCI_IO_LIMIT);
    struct pci_window w = {(uint64_t)(base & PCI_IO_WINDOW_MASK) << 8,
                           (uint64_t)(limit & PCI_IO_WINDOW_MASK) << 8 | (PCI_IO_WINDOW_GRAN - 1)};
    *io32 = (base & PCI_WINDOW_CAP_MASK) == PCI_WINDOW_32BIT_IO;
    if (*io32) {
        w.base |= (uint64_t)pci_read16(c, b, PCI_IO_BASE_UPPER) << 16;
        w.limit |= (uint64_t)pci_read16(c, b, PCI_IO_LIMIT_UPPER) << 16;
    }
    return w;
}

// The memory window whose base/limit registers are at reg and reg + 2.
static struct pci_window mem_window(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg)
{
    uint16_t base = pci_read16(c, b, reg), limit = pci_read16(c, b, reg + 2);
    return (struct pci_window){(uint64_t)(base & PCI_MEM_WINDOW_MASK) << 16,
                               (uint64_t)(limit & PCI_MEM_WINDOW_MASK) << 16 |
                                   (PCI_MEM_WINDOW_GRAN - 1)};
}

errval_t pci_bridge_read(const struct pci_cfg *c, struct pci_bdf b, struct pci_bridge *br)
{
    errval_t err = check_bridge(c, b);
    if (err_is_fail(err))
        return err;
    *br = (struct pci_bridge){
        .primary = pci_read8(c, b, PCI_PRIMARY_BUS),
        .secondary = pci_read8(c, b, PCI_SECONDARY_BUS),
        .subordinate = pci_read8(c, b, PCI_SUBORDINATE_BUS),
        .mem = mem_window(c, b, PCI_MEM_BASE),
        .pref = mem_window(c, b, PCI_PREF_BASE),
    };
    br->io = io_window(c, b, &br->io32);
    br->pref64 = (pci_read16(c, b, PCI_PREF_BASE) & PCI_WINDOW_CAP_MASK) == PCI_WINDOW_64BIT_MEM;
    if (br->pref64) {
        br->pref.base |= (uint64_t)pci_read32(c, b, PCI_PREF_BASE_UPPER) << 32;
        br->pref.limit |= (uint64_t)pci_read32(c, b, PCI_PREF_LIMIT_UPPER) << 32;
    }
    return SYS_ERR_OK;
}

errval_t pci_bridge_set_buses(const struct pci_cfg *c, struct pci_bdf b, uint8_t primary,
                              uint8_t secondary, uint8_t subordinate)
{
    errval_t err = check_bridge(c, b);
    if (err_is_fail(err))
        return err;
    if (!(primary < secondary && secondary <= subordinate))
        return SYS_ERR_INVALID_ARGS;
    pci_write8(c, b, PCI_PRIMARY_BUS, primary);
    pci_write8(c, b, PCI_SECONDARY_BUS, secondary);
    pci_write8(c, b, PCI_SUBORDINATE_BUS, subordinate);
    return SYS_ERR_OK;
}

// Check a memory window [base, limit] and give its register values; a
// closed window (base > limit) is encoded as the highest base, lowest limit.
static MUST_CHECK errval_t encode_mem_window(uint64_t base, uint64_t limit, uint64_t max,
                                             uint16_t *rb, uint16_t *rl)
{
    if (base > limit) {
        *rb = PCI_MEM_WINDOW_MASK;
        *rl = 0;
        return SYS_ERR_OK;
    }
    if ((base | (limit + 1)) & (PCI_MEM_WINDOW_GRAN - 1))
        return SYS_ERR_ALIGNMENT;
    if (limit > max)
        return SYS_ERR_INVALID_ARGS;
    *rb = (uint16_t)((base >> 16) & PCI_MEM_WINDOW_MASK);
    *rl = (uint16_t)((limit >> 16) & PCI_MEM_WINDOW_MASK);
    return SYS_ERR_OK;
}

errval_t pci_bridge_set_mem_window(const struct pci_cfg *c, struct pci_bdf b, uint64_t base,
                                   uint64_t limit)
{
    uint16_t rb, rl;
    errval_t err = check_bridge(c, b);
    if (err_is_ok(err))
        err = encode_mem_window(base, limit, UINT32_MAX, &rb, &rl);
    if (err_is_fail(err))
        return err;
    pci_write16(c, b, PCI_MEM_BASE, rb);
    pci_write16(c, b, PCI_MEM_LIMIT, rl);
    return SYS_ERR_OK;
}

errval_t pci_bridge_set_pref_window(const struct pci_cfg *c, struct pci_bdf b, uint64_t base,
                                    uint64_t limit)
{
    uint16_t rb, rl;
    errval_t err = check_bridge(c, b);
    if (err_is_fail(err))
        return err;
    bool is64 = (pci_read16(c, b, PCI_PREF_BASE) & PCI_WINDOW_CAP_MASK) == PCI_WINDOW_64BIT_MEM;
    err = encode_mem_window(base, limit, is64 ? UINT64_MAX : UINT32_MAX, &rb, &rl);
    if (err_is_fail(err))
        return err;
    pci_write16(c, b, PCI_PREF_BASE, rb);
    pci_write16(c, b, PCI_PREF_LIMIT, rl);
    if (is64) {
        bool closed = base > limit;
        pci_write32(c, b, PCI_PREF_BASE_UPPER, closed ? 0 : (uint32_t)(base >> 32));
        pci_write32(c, b, PCI_PREF_LIMIT_UPPER, closed ? 0 : (uint32_t)(limit >> 32));
    }
    return SYS_ERR_OK;
}
