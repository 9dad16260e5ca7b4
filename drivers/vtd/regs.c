/* drivers/vtd/regs.c: decode CAP/ECAP; build GCMD, context-cache and IOTLB invalidation values. */
#include <vtd/vtd.h>

#define VTD_MIN_HAW 12
#define VTD_MAX_HAW 64

errval_t vtd_caps_decode(uint64_t cap, uint64_t ecap, unsigned haw, struct vtd_caps *c)
{
    if (haw < VTD_MIN_HAW || haw > VTD_MAX_HAW)
        return SYS_ERR_INVALID_ARGS;
    if (VTD_CAP_ND(cap) == VTD_CAP_ND_RESERVED || !VTD_CAP_FRO(cap) || !VTD_ECAP_IRO(ecap))
        return SYS_ERR_CORRUPT;
    *c = (struct vtd_caps){
        .cap = cap,
        .ecap = ecap,
        .haw = haw,
        .ndomains = 1u << (4 + 2 * VTD_CAP_ND(cap)),
        .sagaw = VTD_CAP_SAGAW(cap),
        .mgaw = VTD_CAP_MGAW(cap),
        .nfr = VTD_CAP_NFR(cap),
        .fro = VTD_CAP_FRO(cap) * 16,
        .iro = VTD_ECAP_IRO(ecap) * 16,
        .mamv = VTD_CAP_MAMV(cap),
        .caching_mode = cap & VTD_CAP_CM,
        .rwbf = cap & VTD_CAP_RWBF,
        .psi = cap & VTD_CAP_PSI,
        .zlr = cap & VTD_CAP_ZLR,
        .sp_2m = VTD_CAP_SLLPS(cap) & 1,
        .sp_1g = VTD_CAP_SLLPS(cap) & 2,
        .drain_read = cap & VTD_CAP_DRD,
        .drain_write = cap & VTD_CAP_DWD,
        .coherent = ecap & VTD_ECAP_C,
        .qi = ecap & VTD_ECAP_QI,
        .dev_tlb = ecap & VTD_ECAP_DT,
        .intr_remap = ecap & VTD_ECAP_IR,
        .eim = ecap & VTD_ECAP_EIM,
        .pass_through = ecap & VTD_ECAP_PT,
        .snoop_control = ecap & VTD_ECAP_SC,
        .scalable = ecap & VTD_ECAP_SMTS,
    };
    return SYS_ERR_OK;
}

errval_t vtd_aw_for(const struct vtd_caps *c, unsigned want_bits, unsigned *aw)
{
    for (unsigned a = VTD_AW_39; a <= VTD_AW_57; a++) {
        if ((c->sagaw & (1u << a)) && vtd_aw_bits(a) >= want_bits) {
            *aw = a;
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_UNSUPPORTED;
}

errval_t vtd_frcd_offset(const struct vtd_caps *c, unsigned i, uint32_t *off)
{
    if (i >= c->nfr)
        return SYS_ERR_INVALID_ARGS;
    *off = c->fro + i * VTD_FRCD_SIZE;
    return SYS_ERR_OK;
}

uint32_t vtd_gcmd_value(uint32_t gsts, uint32_t cmd, bool set)
{
    uint32_t v = gsts & ~VTD_GSTS_ONE_SHOT;
    return set ? v | cmd : v & ~cmd;
}

uint64_t vtd_ccmd_global(void) { return VTD_CCMD_ICC | VTD_CCMD_GLOBAL << VTD_CCMD_CIRG_SHIFT; }

uint64_t vtd_ccmd_domain(uint16_t did)
{
    return VTD_CCMD_ICC | VTD_CCMD_DOMAIN << VTD_CCMD_CIRG_SHIFT | did;
}

uint64_t vtd_ccmd_device(uint16_t did, uint16_t sid, uint8_t fm)
{
    return VTD_CCMD_ICC | VTD_CCMD_DEVICE << VTD_CCMD_CIRG_SHIFT |
           (uint64_t)(fm & 3) << VTD_CCMD_FM_SHIFT | (uint64_t)sid << VTD_CCMD_SID_SHIFT | did;
}

// IVT and the drain bits the unit supports: draining makes the invalidation
// also wait for DMA already translated with the old entries.
static uint64_t iotlb_base(const struct vtd_caps *c, uint64_t granularity)
{
    return VTD_IOTLB_IVT | granularity << VTD_IOTLB_IIRG_SHIFT |
           (c->drain_read ? VTD_IOTLB_DR : 0) | (c->drain_write ? VTD_IOTLB_DW : 0);
}

uint64_t vtd_iotlb_global(const struct vtd_caps *c) { return iotlb_base(c, VTD_IOTLB_GLOBAL); }

uint64_t vtd_iotlb_domain(const struct vtd_caps *c, uint16_t did)
{
    return iotlb_base(c, VTD_IOTLB_DOMAIN) | (uint64_t)did << VTD_IOTLB_DID_SHIFT;
}

errval_t vtd_iotlb_page(const struct vtd_caps *c, uint16_t did, uint64_t addr, unsigned am, bool ih,
                        uint64_t *iva, uint64_t *iotlb)
{
    if (!c->psi)
        return SYS_ERR_UNSUPPORTED;
    if (am > c->mamv)
        return SYS_ERR_INVALID_ARGS;
    if (addr & ((1ull << (VTD_PAGE_SHIFT + am)) - 1))
        return SYS_ERR_ALIGNMENT;
    *iva = addr | (ih ? VTD_IVA_IH : 0) | am;
    *iotlb = iotlb_base(c, VTD_IOTLB_PAGE) | (uint64_t)did << VTD_IOTLB_DID_SHIFT;
    return SYS_ERR_OK;
}
