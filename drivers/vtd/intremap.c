/* drivers/vtd/intremap.c: interrupt remapping entries, messages and queued invalidation (VT-d 5.1,
 * 6.5.2, 9.10). */
#include <vtd/vtd.h>

#define QI_POLLS 1000000u // status polls before a queued command counts as not completed

errval_t vtd_irta_value(uint64_t table_pa, unsigned entries, uint64_t *irta)
{
    unsigned s = 0;
    while (s < 16 && (2u << s) < entries)
        s++;
    if (entries < 2 || entries > VTD_IRT_MAX_ENTRIES || (2u << s) != entries)
        return SYS_ERR_INVALID_ARGS;
    if (table_pa & 0xfffull)
        return SYS_ERR_ALIGNMENT;
    *irta = table_pa | s; // EIME clear: xAPIC destinations
    return SYS_ERR_OK;
}

void vtd_irte_encode(const struct vtd_irte_cfg *cfg, struct vtd_irte *e)
{
    e->lo = VTD_IRTE_P | (cfg->level ? VTD_IRTE_TM_LEVEL : 0) |
            (uint64_t)cfg->vector << VTD_IRTE_V_SHIFT |
            (uint64_t)cfg->apic_id << VTD_IRTE_XAPIC_DST_SHIFT;     // DM 0, DLM 000: fixed
    e->hi = (uint64_t)cfg->sid | VTD_SVT_RID << VTD_IRTE_SVT_SHIFT; // SQ 00: all 16 bits
}

bool vtd_irte_decode(const struct vtd_irte *e, struct vtd_irte_cfg *cfg)
{
    if (!(e->lo & VTD_IRTE_P))
        return false;
    *cfg = (struct vtd_irte_cfg){
        .vector = (uint8_t)(e->lo >> VTD_IRTE_V_SHIFT),
        .apic_id = (uint8_t)(e->lo >> VTD_IRTE_XAPIC_DST_SHIFT),
        .level = e->lo & VTD_IRTE_TM_LEVEL,
        .sid = (uint16_t)e->hi,
    };
    return true;
}

void vtd_msi_remappable(uint16_t index, uint64_t *addr, uint32_t *data)
{
    *addr = VTD_MSI_ADDR_BASE | (uint64_t)(index & 0x7fff) << VTD_MSI_ADDR_INDEX_SHIFT |
            VTD_MSI_ADDR_FORMAT | ((index & 0x8000) ? VTD_MSI_ADDR_INDEX15 : 0); // SHV 0
    *data = 0; // no subhandle: the data is not used
}

bool vtd_msi_index(uint64_t addr, uint16_t *index)
{
    if ((addr >> 20) != (VTD_MSI_ADDR_BASE >> 20) || !(addr & VTD_MSI_ADDR_FORMAT))
        return false;
    *index = (uint16_t)(((addr >> VTD_MSI_ADDR_INDEX_SHIFT) & 0x7fff) |
                        ((addr & VTD_MSI_ADDR_INDEX15) ? 0x8000 : 0));
    return true;
}

struct vtd_inv_desc vtd_inv_iec_global(void) { return (struct vtd_inv_desc){VTD_INV_DESC_IEC, 0}; }

errval_t vtd_inv_iec_index(uint16_t index, unsigned im, struct vtd_inv_desc *d)
{
    if (im > 16 || index & ((1u << im) - 1))
        return SYS_ERR_INVALID_ARGS; // the 2^im entries start at a multiple of 2^im
    *d = (struct vtd_inv_desc){VTD_INV_DESC_IEC | VTD_INV_IEC_INDEXED |
                                   (uint64_t)im << VTD_INV_IEC_IM_SHIFT |
                                   (uint64_t)index << VTD_INV_IEC_IIDX_SHIFT,
                               0};
    return SYS_ERR_OK;
}

struct vtd_inv_desc vtd_inv_wait(uint64_t status_pa, uint32_t status)
{
    return (struct vtd_inv_desc){VTD_INV_DESC_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_FN |
                                     (uint64_t)status << VTD_INV_WAIT_DATA_SHIFT,
                                 status_pa};
}

static MUST_CHECK errval_t qie(const struct mmio *r, bool on)
{
    uint32_t gsts = mmio_read32(r, VTD_GSTS);
    mmio_write32(r, VTD_GCMD, vtd_gcmd_value(gsts, VTD_GCMD_QIE, on));
    for (unsigned i = 0; i < QI_POLLS; i++) {
        if (!(mmio_read32(r, VTD_GSTS) & VTD_GCMD_QIE) == !on)
            return SYS_ERR_OK;
    }
    return VTD_ERR_HARDWARE;
}

errval_t vtd_qi_run(const struct mmio *r, const struct vtd_qi *q, const struct vtd_inv_desc *d,
                    unsigned n)
{
    if (n == 0 || n + 1 > VTD_QI_ENTRIES || (mmio_read32(r, VTD_GSTS) & VTD_GCMD_QIE))
        return SYS_ERR_INVALID_ARGS; // the caller owns the queue only while QI is off
    struct vtd_inv_desc *queue = q->va;
    for (unsigned i = 0; i < n; i++)
        queue[i] = d[i];
    *q->status = 0;
    queue[n] = vtd_inv_wait(q->status_pa, VTD_QI_DONE);
    if (q->publish)
        q->publish(q->va, (n + 1) * sizeof(*queue));
    mmio_write64(r, VTD_IQA, q->pa); // QS 0: 256 entries, 128-bit descriptors
    mmio_write64(r, VTD_IQT, 0);
    errval_t err = qie(r, true);
    if (err_is_fail(err))
        return err;
    mmio_write64(r, VTD_IQT, (uint64_t)(n + 1) << VTD_IQ_INDEX_SHIFT);
    err = VTD_ERR_HARDWARE;
    for (unsigned i = 0; i < QI_POLLS && err_is_fail(err); i++) {
        __asm__ volatile("" ::: "memory");
        if (*q->status == VTD_QI_DONE)
            err = SYS_ERR_OK;
        else if (mmio_read32(r, VTD_FSTS) & VTD_FSTS_IQE)
            break; // the unit refused a descriptor; it stops there
    }
    errval_t off = qie(r, false); // register-based invalidation works again only now
    return err_is_ok(err) ? off : err;
}
