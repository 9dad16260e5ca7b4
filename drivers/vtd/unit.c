/* drivers/vtd/unit.c: the user-space VT-d driver: tables, domains, attach/detach, invalidation,
 * faults. */
#include <base/string.h>
#include <vtd/vtd_unit.h>

#define POLLS 1000000u // register polls before a command counts as not completed

static uint32_t rd32(const struct vtd_unit *u, uint32_t off) { return mmio_read32(&u->regs, off); }
static uint64_t rd64(const struct vtd_unit *u, uint32_t off) { return mmio_read64(&u->regs, off); }
static void wr32(struct vtd_unit *u, uint32_t off, uint32_t v) { mmio_write32(&u->regs, off, v); }
static void wr64(struct vtd_unit *u, uint32_t off, uint64_t v) { mmio_write64(&u->regs, off, v); }

// Make table writes visible to the unit before it is told about them: a
// compiler barrier always, and a cache write-back when its page walks do
// not snoop the CPU's caches (ECAP.C clear, as QEMU's).
static void publish(const struct vtd_unit *u, const void *p, size_t len)
{
    __asm__ volatile("" ::: "memory");
#if defined(__x86_64__)
    if (!u->caps.coherent) {
        for (uintptr_t a = (uintptr_t)p & ~(uintptr_t)63; a < (uintptr_t)p + len; a += 64)
            __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
        __asm__ volatile("mfence" ::: "memory");
    }
#else
    (void)u, (void)p, (void)len;
#endif
}

// Set or clear a GCMD command and wait for GSTS to follow (10.4.4).
static MUST_CHECK errval_t gcmd(struct vtd_unit *u, uint32_t cmd, bool set)
{
    wr32(u, VTD_GCMD, vtd_gcmd_value(rd32(u, VTD_GSTS), cmd, set));
    for (unsigned i = 0; i < POLLS; i++) {
        bool on = rd32(u, VTD_GSTS) & cmd;
        // One-shot commands (SRTP, WBF) report completion differently:
        // RTPS is set when done, WBFS is cleared when done.
        if (cmd == VTD_GCMD_WBF ? !on : on == set)
            return SYS_ERR_OK;
    }
    return VTD_ERR_HARDWARE;
}

static MUST_CHECK errval_t wait_clear64(struct vtd_unit *u, uint32_t off, uint64_t bit)
{
    for (unsigned i = 0; i < POLLS; i++) {
        if (!(rd64(u, off) & bit))
            return SYS_ERR_OK;
    }
    return VTD_ERR_HARDWARE;
}

// Submit a register-based invalidation command (value carries its busy
// bit) at off and wait for the unit to finish it (10.4.7-8).
static MUST_CHECK errval_t invalidate(struct vtd_unit *u, uint32_t off, uint64_t value,
                                      uint64_t busy)
{
    errval_t err = wait_clear64(u, off, busy); // the CPU driver uses the IOTLB register too
    if (err_is_ok(err)) {
        wr64(u, off, value);
        err = wait_clear64(u, off, busy);
    }
    return err;
}

static MUST_CHECK errval_t inv_context(struct vtd_unit *u, uint64_t value)
{
    return invalidate(u, VTD_CCMD, value, VTD_CCMD_ICC);
}

static MUST_CHECK errval_t inv_iotlb(struct vtd_unit *u, uint64_t value)
{
    return invalidate(u, u->caps.iro + VTD_IOTLB_OFF, value, VTD_IOTLB_IVT);
}

errval_t vtd_invalidate_all(struct vtd_unit *u)
{
    errval_t err = inv_context(u, vtd_ccmd_global());
    return err_is_ok(err) ? inv_iotlb(u, vtd_iotlb_global(&u->caps)) : err;
}

errval_t vtd_invalidate_domain(struct vtd_unit *u, const struct vtd_domain *d)
{
    return inv_iotlb(u, vtd_iotlb_domain(&u->caps, d->id));
}

errval_t vtd_unit_init(struct vtd_unit *u, const struct mmio *regs, unsigned haw,
                       vtd_alloc_fn alloc, void *arg)
{
    memset(u, 0, sizeof(*u));
    u->regs = *regs;
    u->alloc = alloc;
    u->alloc_arg = arg;
    errval_t err = vtd_caps_decode(rd64(u, VTD_CAP), rd64(u, VTD_ECAP), haw, &u->caps);
    if (err_is_fail(err))
        return err;
    if (!u->caps.sagaw)
        return SYS_ERR_UNSUPPORTED; // no legacy-mode second-level tables
    u->dids[0] = 1;                 // domain 0 is never handed out (reserved under caching mode)
    uint32_t gsts = rd32(u, VTD_GSTS);
    if ((gsts & VTD_GCMD_TE) && err_is_fail(err = gcmd(u, VTD_GCMD_TE, false)))
        return err;
    if ((gsts & VTD_GCMD_QIE) && err_is_fail(err = gcmd(u, VTD_GCMD_QIE, false)))
        return err;
    return alloc(arg, &u->root);
}

errval_t vtd_unit_enable(struct vtd_unit *u)
{
    publish(u, u->root.va, 4096);
    wr64(u, VTD_RTADDR, u->root.pa); // legacy mode: TTM 00
    errval_t err = gcmd(u, VTD_GCMD_SRTP, true);
    // The unit may have cached anything before: start clean (10.4.6).
    if (err_is_ok(err))
        err = vtd_invalidate_all(u);
    if (err_is_ok(err))
        err = gcmd(u, VTD_GCMD_TE, true);
    return err;
}

errval_t vtd_unit_disable(struct vtd_unit *u) { return gcmd(u, VTD_GCMD_TE, false); }

errval_t vtd_domain_init(struct vtd_unit *u, struct vtd_domain *d, uint64_t root_pa, unsigned aw)
{
    // Check the root the way the context entry will use it.
    struct vtd_context_cfg cfg = {.domain = 1, .aw = aw, .slptptr = root_pa};
    struct vtd_context_entry probe;
    errval_t err = vtd_context_encode(&u->caps, &cfg, &probe);
    if (err_is_fail(err))
        return err;
    unsigned limit = u->caps.ndomains < VTD_MAX_DOMAINS ? u->caps.ndomains : VTD_MAX_DOMAINS;
    for (unsigned id = 1; id < limit; id++) {
        uint64_t bit = 1ull << (id % 64);
        if (u->dids[id / 64] & bit)
            continue;
        u->dids[id / 64] |= bit;
        *d = (struct vtd_domain){.id = (uint16_t)id, .aw = aw, .root_pa = root_pa};
        return SYS_ERR_OK;
    }
    return VTD_ERR_NO_DOMAIN_ID;
}

errval_t vtd_domain_fini(struct vtd_unit *u, struct vtd_domain *d)
{
    if (d->devices)
        return SYS_ERR_BUSY;
    u->dids[d->id / 64] &= ~(1ull << (d->id % 64));
    d->id = 0;
    return SYS_ERR_OK;
}

// The context entry of bus:dev.fn, making the bus's context table if make.
static MUST_CHECK errval_t context_entry(struct vtd_unit *u, uint8_t bus, uint8_t dev, uint8_t fn,
                                         bool make, struct vtd_context_entry **ce)
{
    if (dev > 31 || fn > 7)
        return SYS_ERR_INVALID_ARGS;
    struct vtd_page *t = &u->ctx[bus];
    if (!t->va) {
        if (!make)
            return VTD_ERR_NOT_ATTACHED;
        struct vtd_root_entry re;
        errval_t err = u->alloc(u->alloc_arg, t);
        if (err_is_ok(err))
            err = vtd_root_encode(&u->caps, t->pa, &re);
        if (err_is_fail(err)) {
            t->va = NULL; // the page stays the caller's; it is never pointed at
            return err;
        }
        publish(u, t->va, 4096);
        struct vtd_root_entry *root = u->root.va;
        root[bus] = re;
        publish(u, &root[bus], sizeof(re));
        // A root entry that was not present may be cached as such.
        if (u->caps.caching_mode && err_is_fail(err = inv_context(u, vtd_ccmd_global())))
            return err;
    }
    *ce = (struct vtd_context_entry *)t->va + vtd_context_index(dev, fn);
    return SYS_ERR_OK;
}

static uint16_t sid_of(uint8_t bus, uint8_t dev, uint8_t fn)
{
    return (uint16_t)(bus << 8 | vtd_context_index(dev, fn));
}

errval_t vtd_attach(struct vtd_unit *u, struct vtd_domain *d, uint8_t bus, uint8_t dev, uint8_t fn)
{
    struct vtd_context_entry *ce, e;
    struct vtd_context_cfg old;
    errval_t err = context_entry(u, bus, dev, fn, true, &ce);
    if (err_is_fail(err))
        return err;
    if (vtd_context_decode(ce, &old))
        return SYS_ERR_BUSY;
    struct vtd_context_cfg cfg = {.domain = d->id, .aw = d->aw, .slptptr = d->root_pa};
    if (err_is_fail(err = vtd_context_encode(&u->caps, &cfg, &e)))
        return err;
    ce->hi = e.hi; // the present bit last
    __asm__ volatile("" ::: "memory");
    ce->lo = e.lo;
    publish(u, ce, sizeof(*ce));
    d->devices++;
    if (!u->caps.caching_mode) {
        // Not-present entries are never cached; only buffered writes matter.
        return u->caps.rwbf ? gcmd(u, VTD_GCMD_WBF, true) : SYS_ERR_OK;
    }
    // Caching mode: the not-present entry may be cached, tagged domain 0.
    err = inv_context(u, vtd_ccmd_device(0, sid_of(bus, dev, fn), 0));
    return err_is_ok(err) ? vtd_invalidate_domain(u, d) : err;
}

errval_t vtd_detach(struct vtd_unit *u, struct vtd_domain *d, uint8_t bus, uint8_t dev, uint8_t fn)
{
    struct vtd_context_entry *ce;
    struct vtd_context_cfg old;
    errval_t err = context_entry(u, bus, dev, fn, false, &ce);
    if (err_is_fail(err))
        return err;
    if (!vtd_context_decode(ce, &old) || old.domain != d->id)
        return VTD_ERR_NOT_ATTACHED;
    ce->lo = 0; // not present first
    __asm__ volatile("" ::: "memory");
    ce->hi = 0;
    publish(u, ce, sizeof(*ce));
    d->devices--;
    err = inv_context(u, vtd_ccmd_device(d->id, sid_of(bus, dev, fn), 0));
    return err_is_ok(err) ? vtd_invalidate_domain(u, d) : err;
}

errval_t vtd_attached(const struct vtd_unit *u, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t *did)
{
    if (dev > 31 || fn > 7)
        return SYS_ERR_INVALID_ARGS;
    if (!u->ctx[bus].va)
        return VTD_ERR_NOT_ATTACHED;
    const struct vtd_context_entry *ce =
        (const struct vtd_context_entry *)u->ctx[bus].va + vtd_context_index(dev, fn);
    struct vtd_context_cfg cfg;
    if (!vtd_context_decode(ce, &cfg))
        return VTD_ERR_NOT_ATTACHED;
    *did = cfg.domain;
    return SYS_ERR_OK;
}

void vtd_fault_event_setup(struct vtd_unit *u, uint64_t addr, uint32_t data)
{
    wr32(u, VTD_FEDATA, data);
    wr32(u, VTD_FEADDR, (uint32_t)addr);
    wr32(u, VTD_FEUADDR, (uint32_t)(addr >> 32));
    wr32(u, VTD_FECTL, 0); // IM clear: unmasked
}

unsigned vtd_faults_drain(struct vtd_unit *u, vtd_fault_fn fn, void *arg, bool *overflow)
{
    uint32_t fsts = rd32(u, VTD_FSTS);
    unsigned n = 0;
    // Records fill from FRI on, wrapping; the first one with F clear ends them.
    for (unsigned i = 0; (fsts & VTD_FSTS_PPF) && i < u->caps.nfr; i++) {
        uint32_t off;
        if (err_is_fail(vtd_frcd_offset(&u->caps, (VTD_FSTS_FRI(fsts) + i) % u->caps.nfr, &off)))
            break;
        struct vtd_fault f;
        if (err_is_fail(vtd_fault_decode(rd64(u, off), rd64(u, off + 8), &f)))
            break;
        fn(arg, &f);
        wr32(u, off + 12, (uint32_t)(VTD_FRCD_HI_F >> 32)); // F is write-1-to-clear
        n++;
    }
    *overflow = fsts & VTD_FSTS_PFO;
    if (*overflow)
        wr32(u, VTD_FSTS, VTD_FSTS_PFO);
    return n;
}

errval_t vtd_ir_enable(struct vtd_unit *u, vtd_iec_fn iec, void *arg)
{
    if (!u->caps.intr_remap)
        return SYS_ERR_UNSUPPORTED;
    if (u->irt.va)
        return SYS_ERR_BUSY;
    uint64_t irta;
    struct vtd_page t;
    errval_t err = u->alloc(u->alloc_arg, &t);
    if (err_is_ok(err))
        err = vtd_irta_value(t.pa, VTD_IRT_ENTRIES, &irta);
    if (err_is_fail(err))
        return err;
    publish(u, t.va, 4096); // all entries not present
    wr64(u, VTD_IRTA, irta);
    err = gcmd(u, VTD_GCMD_SIRTP, true);
    // Whatever the unit cached from an earlier table goes (10.4.4 SIRTP).
    if (err_is_ok(err))
        err = iec(arg, true, 0);
    if (err_is_ok(err) && (rd32(u, VTD_GSTS) & VTD_GCMD_CFI))
        err = gcmd(u, VTD_GCMD_CFI, false);
    if (err_is_ok(err))
        err = gcmd(u, VTD_GCMD_IRE, true);
    if (err_is_fail(err))
        return err; // (the page stays the caller's; IR is off)
    u->irt = t;
    u->iec = iec;
    u->iec_arg = arg;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t irte_at(const struct vtd_unit *u, uint16_t index, struct vtd_irte **e)
{
    if (!u->irt.va)
        return SYS_ERR_ILLEGAL_INVOCATION;
    if (index >= VTD_IRT_ENTRIES)
        return SYS_ERR_INVALID_ARGS;
    *e = (struct vtd_irte *)u->irt.va + index;
    return SYS_ERR_OK;
}

errval_t vtd_irte_set(struct vtd_unit *u, uint16_t index, const struct vtd_irte_cfg *cfg)
{
    struct vtd_irte *e, new;
    errval_t err = irte_at(u, index, &e);
    if (err_is_fail(err))
        return err;
    if (e->lo & VTD_IRTE_P)
        return SYS_ERR_BUSY;
    vtd_irte_encode(cfg, &new);
    e->hi = new.hi; // the present bit last
    __asm__ volatile("" ::: "memory");
    e->lo = new.lo;
    publish(u, e, sizeof(*e));
    // Whatever the unit may hold for this index (it may have read the
    // entry while it was being written) goes: it reads the entry afresh.
    return u->iec(u->iec_arg, false, index);
}

errval_t vtd_irte_clear(struct vtd_unit *u, uint16_t index)
{
    struct vtd_irte *e;
    errval_t err = irte_at(u, index, &e);
    if (err_is_fail(err))
        return err;
    e->lo = 0; // not present first
    __asm__ volatile("" ::: "memory");
    e->hi = 0;
    publish(u, e, sizeof(*e));
    // A cached copy would still deliver: this is the invalidation that matters.
    return u->iec(u->iec_arg, false, index);
}

bool vtd_irte_get(const struct vtd_unit *u, uint16_t index, struct vtd_irte_cfg *cfg)
{
    struct vtd_irte *e;
    return err_is_ok(irte_at(u, index, &e)) && vtd_irte_decode(e, cfg);
}
