/* drivers/vtd/entries.c: root, context and second-level paging entries (VT-d 9.1, 9.3, 9.8). */
#include <vtd/vtd.h>

#define PAGE_MASK 0xfffull

// Is [pa, pa + size) below 2^haw?
static bool below_haw(const struct vtd_caps *c, uint64_t pa, uint64_t size)
{
    if (c->haw >= 64)
        return pa + size - 1 >= pa;
    uint64_t limit = 1ull << c->haw;
    return pa < limit && size <= limit - pa;
}

static MUST_CHECK errval_t check_table(const struct vtd_caps *c, uint64_t pa)
{
    if (pa & PAGE_MASK)
        return SYS_ERR_ALIGNMENT;
    return below_haw(c, pa, 1ull << VTD_PAGE_SHIFT) ? SYS_ERR_OK : SYS_ERR_INVALID_ARGS;
}

errval_t vtd_root_encode(const struct vtd_caps *c, uint64_t ctx_table, struct vtd_root_entry *re)
{
    errval_t err = check_table(c, ctx_table);
    if (err_is_fail(err))
        return err;
    *re = (struct vtd_root_entry){.lo = ctx_table | VTD_ROOT_P, .hi = 0};
    return SYS_ERR_OK;
}

bool vtd_root_decode(const struct vtd_root_entry *re, uint64_t *ctx_table)
{
    if (!(re->lo & VTD_ROOT_P))
        return false;
    *ctx_table = re->lo & VTD_ROOT_CTP_MASK;
    return true;
}

// The largest AW the unit supports, 0 if none.
static unsigned largest_aw(const struct vtd_caps *c)
{
    for (unsigned a = VTD_AW_57; a >= VTD_AW_39; a--)
        if (c->sagaw & (1u << a))
            return a;
    return 0;
}

static MUST_CHECK errval_t check_context(const struct vtd_caps *c,
                                         const struct vtd_context_cfg *cfg)
{
    if (cfg->domain >= c->ndomains || (c->caching_mode && cfg->domain == 0))
        return SYS_ERR_INVALID_ARGS;
    switch (cfg->tt) {
    case VTD_TT_PASS_THROUGH:
        if (!c->pass_through)
            return SYS_ERR_UNSUPPORTED;
        return cfg->aw == largest_aw(c) ? SYS_ERR_OK : SYS_ERR_INVALID_ARGS;
    case VTD_TT_DEVICE_TLB:
        if (!c->dev_tlb)
            return SYS_ERR_UNSUPPORTED;
        break;
    case VTD_TT_UNTRANSLATED: break;
    default: return SYS_ERR_INVALID_ARGS;
    }
    if (cfg->aw > VTD_AW_57 || !(c->sagaw & (1u << cfg->aw)))
        return SYS_ERR_UNSUPPORTED;
    return check_table(c, cfg->slptptr);
}

errval_t vtd_context_encode(const struct vtd_caps *c, const struct vtd_context_cfg *cfg,
                            struct vtd_context_entry *ce)
{
    errval_t err = check_context(c, cfg);
    if (err_is_fail(err))
        return err;
    uint64_t ptr = cfg->tt == VTD_TT_PASS_THROUGH ? 0 : cfg->slptptr;
    ce->lo = ptr | (uint64_t)cfg->tt << VTD_CTX_TT_SHIFT | (cfg->fault_disable ? VTD_CTX_FPD : 0) |
             VTD_CTX_P;
    ce->hi = (uint64_t)cfg->domain << VTD_CTX_DID_SHIFT | cfg->aw;
    return SYS_ERR_OK;
}

bool vtd_context_decode(const struct vtd_context_entry *ce, struct vtd_context_cfg *cfg)
{
    if (!(ce->lo & VTD_CTX_P))
        return false;
    *cfg = (struct vtd_context_cfg){
        .domain = (uint16_t)((ce->hi & VTD_CTX_DID_MASK) >> VTD_CTX_DID_SHIFT),
        .aw = (unsigned)(ce->hi & VTD_CTX_AW_MASK),
        .slptptr = ce->lo & VTD_CTX_SLPTPTR_MASK,
        .tt = (enum vtd_tt)((ce->lo & VTD_CTX_TT_MASK) >> VTD_CTX_TT_SHIFT),
        .fault_disable = ce->lo & VTD_CTX_FPD,
    };
    return true;
}

errval_t vtd_slpte_leaf(const struct vtd_caps *c, unsigned level, uint64_t pa, unsigned perms,
                        bool snoop, uint64_t *pte)
{
    if (level < 1 || level > 3 || !perms || (perms & ~(VTD_PERM_READ | VTD_PERM_WRITE)))
        return SYS_ERR_INVALID_ARGS;
    if ((level == 2 && !c->sp_2m) || (level == 3 && !c->sp_1g) || (snoop && !c->snoop_control))
        return SYS_ERR_UNSUPPORTED;
    uint64_t size = vtd_sl_level_size(level);
    if (pa & (size - 1))
        return SYS_ERR_ALIGNMENT;
    if (!below_haw(c, pa, size))
        return SYS_ERR_INVALID_ARGS;
    *pte = pa | (level > 1 ? VTD_SL_PS : 0) | (snoop ? VTD_SL_SNP : 0) |
           (perms & VTD_PERM_READ ? VTD_SL_R : 0) | (perms & VTD_PERM_WRITE ? VTD_SL_W : 0);
    return SYS_ERR_OK;
}

errval_t vtd_slpte_table(const struct vtd_caps *c, uint64_t table_pa, uint64_t *pte)
{
    errval_t err = check_table(c, table_pa);
    if (err_is_fail(err))
        return err;
    *pte = table_pa | VTD_SL_R | VTD_SL_W;
    return SYS_ERR_OK;
}

void vtd_slpte_decode(uint64_t pte, unsigned level, struct vtd_slpte *out)
{
    *out = (struct vtd_slpte){
        .read = pte & VTD_SL_R,
        .write = pte & VTD_SL_W,
        .leaf = level == 1 || ((level == 2 || level == 3) && (pte & VTD_SL_PS)),
        .addr = pte & VTD_SL_ADDR_MASK,
    };
    out->present = out->read || out->write;
    out->snoop = out->leaf && (pte & VTD_SL_SNP);
}
