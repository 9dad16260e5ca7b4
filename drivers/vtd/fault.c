/* drivers/vtd/fault.c: decode fault recording registers and name fault reasons (VT-d 10.4.14, App.
 * A). */
#include <base/fmt.h>
#include <vtd/vtd.h>

// Reasons of DMA remapping in legacy mode (0x1-0xd) and of interrupt
// remapping (0x20-0x26), in the words of the specification's table.
static const char *const dma_reasons[] = {
    [VTD_FR_ROOT_NOT_PRESENT] = "present bit in root entry is clear",
    [VTD_FR_CTX_NOT_PRESENT] = "present bit in context entry is clear",
    [VTD_FR_CTX_INVALID] = "invalid programming of a context entry",
    [VTD_FR_ADDR_BEYOND_AGAW] = "input address above the domain's address width",
    [VTD_FR_WRITE] = "write to a page without write permission",
    [VTD_FR_READ] = "read from a page without read permission",
    [VTD_FR_PTE_ACCESS] = "error accessing a second-level paging entry",
    [VTD_FR_ROOT_TABLE_ACCESS] = "error accessing the root table",
    [VTD_FR_CTX_TABLE_ACCESS] = "error accessing a context table",
    [VTD_FR_ROOT_RESERVED] = "reserved field set in a root entry",
    [VTD_FR_CTX_RESERVED] = "reserved field set in a context entry",
    [VTD_FR_PTE_RESERVED] = "reserved field set in a second-level paging entry",
    [VTD_FR_TT_BLOCKED] = "request blocked by the context entry's translation type",
};

static const char *const ir_reasons[] = {
    "reserved field set in an interrupt request",
    "interrupt index above the remapping table size",
    "present bit in interrupt remapping entry is clear",
    "error accessing the interrupt remapping table",
    "reserved field set in an interrupt remapping entry",
    "compatibility-format interrupt blocked",
    "source ID check of a remapped interrupt failed",
};

const char *vtd_fault_reason_name(uint8_t r)
{
    if (r < sizeof(dma_reasons) / sizeof(dma_reasons[0]) && dma_reasons[r])
        return dma_reasons[r];
    if (r >= VTD_FR_IR_FIRST &&
        r - VTD_FR_IR_FIRST < (int)(sizeof(ir_reasons) / sizeof(ir_reasons[0])))
        return ir_reasons[r - VTD_FR_IR_FIRST];
    return "unknown fault reason";
}

errval_t vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f)
{
    if (!(hi & VTD_FRCD_HI_F))
        return VTD_ERR_NO_FAULT;
    uint16_t sid = VTD_FRCD_HI_SID(hi);
    *f = (struct vtd_fault){
        .sid = sid,
        .bus = (uint8_t)(sid >> 8),
        .dev = (uint8_t)((sid >> 3) & 31),
        .fn = (uint8_t)(sid & 7),
        .reason = VTD_FRCD_HI_FR(hi),
        .pasid_present = hi & VTD_FRCD_HI_PP,
        .at = VTD_FRCD_HI_AT(hi),
    };
    f->pasid = f->pasid_present ? VTD_FRCD_HI_PV(hi) : 0;
    f->intr_remap = f->reason >= VTD_FR_IR_FIRST && f->reason <= VTD_FR_IR_LAST;
    if (f->intr_remap) {
        f->ir_index = (uint16_t)VTD_FRCD_LO_IR_INDEX(lo);
    } else {
        f->addr = lo & VTD_FRCD_LO_FI_MASK;
        f->write = !(hi & VTD_FRCD_HI_T);
    }
    return SYS_ERR_OK;
}

int vtd_fault_format(const struct vtd_fault *f, char *buf, size_t size)
{
    const char *why = vtd_fault_reason_name(f->reason);
    if (f->intr_remap)
        return fmt_snprintf(buf, size,
                            "interrupt remapping fault from %02x:%02x.%x, index %u: %s "
                            "(reason %#x)",
                            f->bus, f->dev, f->fn, f->ir_index, why, f->reason);
    return fmt_snprintf(buf, size, "DMA %s fault from %02x:%02x.%x at %#llx: %s (reason %#x)",
                        f->write ? "write" : "read", f->bus, f->dev, f->fn,
                        (unsigned long long)f->addr, why, f->reason);
}
