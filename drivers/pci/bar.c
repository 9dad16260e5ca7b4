/* drivers/pci/bar.c: decode, size and program Base Address Registers (PCI 6.2.5.1). */
#include "pci_internal.h"
#include <pci/pci_regs.h>

// Write all ones to the register at reg, read what sticks, restore it.
static uint32_t size_mask(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg, uint32_t orig)
{
    pci_write32(c, b, reg, 0xffffffffu);
    uint32_t mask = pci_read32(c, b, reg);
    pci_write32(c, b, reg, orig);
    return mask;
}

static bool power_of_two(uint64_t x) { return x && !(x & (x - 1)); }

static MUST_CHECK errval_t probe_io(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg,
                                    uint32_t lo, struct pci_bar *bar)
{
    uint32_t mask = size_mask(c, b, reg, lo) & PCI_BAR_IO_MASK;
    *bar = (struct pci_bar){.type = PCI_BAR_IO, .addr = lo & PCI_BAR_IO_MASK};
    if (!mask) {
        bar->type = PCI_BAR_NONE;
        return SYS_ERR_OK;
    }
    // A 16-bit I/O decoder may hardwire the upper half to zero (PCI 6.2.5.1).
    if (!(mask >> 16))
        mask |= 0xffff0000u;
    bar->size = (uint32_t)(~mask + 1);
    return power_of_two(bar->size) ? SYS_ERR_OK : PCI_ERR_BAD_BAR;
}

static MUST_CHECK errval_t probe_mem(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg,
                                     uint32_t lo, bool last, struct pci_bar *bar)
{
    uint32_t type = lo & PCI_BAR_MEM_TYPE_MASK;
    if (type != PCI_BAR_MEM_32 && type != PCI_BAR_MEM_64)
        return PCI_ERR_BAD_BAR; // below-1-MiB and reserved encodings
    bool is64 = type == PCI_BAR_MEM_64;
    if (is64 && last)
        return PCI_ERR_BAD_BAR;
    uint32_t hi = is64 ? pci_read32(c, b, reg + 4) : 0;
    uint64_t mask = size_mask(c, b, reg, lo) & PCI_BAR_MEM_MASK;
    mask |= is64 ? (uint64_t)size_mask(c, b, reg + 4, hi) << 32 : 0xffffffff00000000ull;
    *bar = (struct pci_bar){.type = is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32,
                            .prefetchable = lo & PCI_BAR_MEM_PREFETCH,
                            .addr = ((uint64_t)hi << 32 | lo) & ~(uint64_t)0xf};
    if (mask == 0xffffffff00000000ull || !mask) {
        // No address bit sticks: unimplemented, unless type bits say otherwise.
        bar->type = PCI_BAR_NONE;
        bar->addr = 0;
        return lo ? PCI_ERR_BAD_BAR : SYS_ERR_OK;
    }
    bar->size = ~mask + 1;
    return power_of_two(bar->size) ? SYS_ERR_OK : PCI_ERR_BAD_BAR;
}

errval_t pci_bar_reg_probe(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg, bool last,
                           bool allow_io, struct pci_bar *bar)
{
    uint32_t lo = pci_read32(c, b, reg);
    *bar = (struct pci_bar){.type = PCI_BAR_NONE};
    if (lo & PCI_BAR_SPACE_IO)
        return allow_io ? probe_io(c, b, reg, lo, bar) : PCI_ERR_BAD_BAR;
    return probe_mem(c, b, reg, lo, last, bar);
}

errval_t pci_bar_reg_assign(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg,
                            struct pci_bar *bar, uint64_t addr)
{
    if (bar->type == PCI_BAR_NONE || !power_of_two(bar->size))
        return SYS_ERR_INVALID_ARGS;
    if (addr & (bar->size - 1))
        return SYS_ERR_ALIGNMENT;
    if (bar->type != PCI_BAR_MEM64 && addr + bar->size - 1 > UINT32_MAX)
        return SYS_ERR_INVALID_ARGS;
    pci_write32(c, b, reg, (uint32_t)addr);
    if (bar->type == PCI_BAR_MEM64)
        pci_write32(c, b, reg + 4, (uint32_t)(addr >> 32));
    bar->addr = addr;
    return SYS_ERR_OK;
}

// The register of BAR index of b and whether it is the last one.
static MUST_CHECK errval_t bar_reg(const struct pci_cfg *c, struct pci_bdf b, unsigned index,
                                   uint16_t *reg, bool *last)
{
    if (pci_read16(c, b, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
        return PCI_ERR_NO_DEVICE;
    uint8_t type = pci_read8(c, b, PCI_HEADER_TYPE) & PCI_HEADER_LAYOUT_MASK;
    if (type != PCI_HEADER_NORMAL && type != PCI_HEADER_BRIDGE)
        return PCI_ERR_WRONG_HEADER;
    unsigned n = type == PCI_HEADER_NORMAL ? PCI_NBARS_NORMAL : PCI_NBARS_BRIDGE;
    if (index >= n)
        return SYS_ERR_INVALID_ARGS;
    *reg = (uint16_t)(PCI_BAR0 + 4 * index);
    *last = index == n - 1;
    return SYS_ERR_OK;
}

// Decoding off while a BAR changes, so no transient address is decoded.
static uint16_t decode_off(const struct pci_cfg *c, struct pci_bdf b)
{
    uint16_t cmd = pci_read16(c, b, PCI_COMMAND);
    if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
        pci_write16(c, b, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    return cmd;
}

errval_t pci_bar_probe(const struct pci_cfg *c, struct pci_bdf b, unsigned index,
                       struct pci_bar *bar)
{
    uint16_t reg;
    bool last;
    errval_t err = bar_reg(c, b, index, &reg, &last);
    if (err_is_fail(err))
        return err;
    uint16_t cmd = decode_off(c, b);
    err = pci_bar_reg_probe(c, b, reg, last, true, bar);
    pci_write16(c, b, PCI_COMMAND, cmd);
    return err;
}

errval_t pci_bars_probe(const struct pci_cfg *c, struct pci_bdf b, struct pci_bar bars[6],
                        unsigned *n)
{
    uint8_t type = pci_read8(c, b, PCI_HEADER_TYPE) & PCI_HEADER_LAYOUT_MASK;
    *n = type == PCI_HEADER_BRIDGE ? PCI_NBARS_BRIDGE : PCI_NBARS_NORMAL;
    for (unsigned i = 0; i < *n; i++) {
        errval_t err = pci_bar_probe(c, b, i, &bars[i]);
        if (err_is_fail(err))
            return err;
        if (bars[i].type == PCI_BAR_MEM64 && ++i < *n)
            bars[i] = (struct pci_bar){.type = PCI_BAR_NONE};
    }
    return SYS_ERR_OK;
}

errval_t pci_bar_assign(const struct pci_cfg *c, struct pci_bdf b, unsigned index,
                        struct pci_bar *bar, uint64_t addr)
{
    uint16_t reg;
    bool last;
    errval_t err = bar_reg(c, b, index, &reg, &last);
    if (err_is_fail(err))
        return err;
    uint16_t cmd = decode_off(c, b);
    err = pci_bar_reg_assign(c, b, reg, bar, addr);
    pci_write16(c, b, PCI_COMMAND, cmd);
    return err;
}
