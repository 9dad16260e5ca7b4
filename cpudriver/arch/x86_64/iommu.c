/*
 * cpudriver/arch/x86_64/iommu.c: the CPU driver's part of VT-d.
 *
 * User space owns the remapping hardware (root and context tables,
 * translation enable, faults: drivers/vtd), but the second-level tables
 * are kernel objects (iommu_vnode.c), and every change to them must reach
 * the hardware before the memory a mapping named can be reused. So the
 * kernel invalidates, through each unit's IOTLB register, after every map,
 * unmap and destroy. The unit's register page is reached through the
 * physmap (uncached there: it holds no RAM).
 */
#include <arch/iommu.h>
#include <arch/memlayout.h>
#include <arch/smp.h>
#include <console.h>

#define IOMMU_SPINS 10000000u // status polls before a command counts as lost

struct iommu_unit {
    paddr_t base;
    volatile uint8_t *regs;
    struct vtd_caps caps;
};

static struct iommu_unit units[ACPI_DMAR_MAX_DRHDS];
static unsigned nunits;
static bool noncoherent; // some unit's page walks do not snoop the CPU caches

static uint32_t rd32(const struct iommu_unit *u, uint32_t off)
{
    return *(volatile uint32_t *)(u->regs + off);
}

static uint64_t rd64(const struct iommu_unit *u, uint32_t off)
{
    return *(volatile uint64_t *)(u->regs + off);
}

static void wr32(const struct iommu_unit *u, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(u->regs + off) = v;
}

static void wr64(const struct iommu_unit *u, uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(u->regs + off) = v;
}

void iommu_init(const struct acpi_dmar *dmar, bool quiet)
{
    for (unsigned i = 0; i < dmar->ndrhds; i++) {
        paddr_t base = dmar->drhds[i].reg_base;
        if (base + BASE_PAGE_SIZE > PHYSMAP_LIMIT) {
            kprintf("IOMMU: unit at %#lx is outside the physmap: ignored\n", base);
            continue;
        }
        struct iommu_unit *u = &units[nunits];
        u->base = base;
        u->regs = phys_to_virt(base);
        uint32_t ver = rd32(u, VTD_VER);
        errval_t err = vtd_caps_decode(rd64(u, VTD_CAP), rd64(u, VTD_ECAP), dmar->haw, &u->caps);
        if (err_is_fail(err)) {
            kprintf("IOMMU: unit at %#lx has unusable CAP/ECAP: %s\n", base, err_msg(err));
            continue;
        }
        noncoherent |= !u->caps.coherent;
        nunits++;
        if (!quiet)
            kprintf("IOMMU: VT-d %u.%u at %#lx: %u domains, MGAW %u, caching mode %s, %s walks\n",
                    VTD_VER_MAJOR(ver), VTD_VER_MINOR(ver), base, u->caps.ndomains, u->caps.mgaw,
                    u->caps.caching_mode ? "on" : "off",
                    u->caps.coherent ? "coherent" : "non-coherent");
    }
}

errval_t iommu_check(void)
{
    if (!nunits)
        return IOMMU_ERR_NO_UNIT;
    for (unsigned i = 0; i < nunits; i++) {
        if (rd32(&units[i], VTD_GSTS) & VTD_GCMD_QIE)
            return IOMMU_ERR_QUEUED_INVALIDATION;
    }
    return SYS_ERR_OK;
}

const struct vtd_caps *iommu_caps(void) { return nunits ? &units[0].caps : NULL; }

// Poll until (register & bit) == 0; false if it never clears.
static bool wait_clear32(const struct iommu_unit *u, uint32_t off, uint32_t bit)
{
    for (unsigned i = 0; i < IOMMU_SPINS; i++) {
        if (!(rd32(u, off) & bit))
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static bool wait_clear64(const struct iommu_unit *u, uint32_t off, uint64_t bit)
{
    for (unsigned i = 0; i < IOMMU_SPINS; i++) {
        if (!(rd64(u, off) & bit))
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static void invalidate(const struct iommu_unit *u)
{
    uint32_t gsts = rd32(u, VTD_GSTS);
    if (gsts & VTD_GCMD_QIE) { // iommu_check refused maps; unmaps still land here
        kprintf("IOMMU: unit %#lx uses queued invalidation: IOTLB NOT invalidated\n", u->base);
        return;
    }
    // A unit with RWBF may hold table writes in a buffer: flush it first (6.8).
    if (u->caps.rwbf) {
        wr32(u, VTD_GCMD, vtd_gcmd_value(gsts, VTD_GCMD_WBF, true));
        if (!wait_clear32(u, VTD_GSTS, VTD_GCMD_WBF))
            kprintf("IOMMU: unit %#lx: write-buffer flush did not complete\n", u->base);
    }
    // The user-space driver uses the same register: let its command finish.
    uint32_t reg = u->caps.iro + VTD_IOTLB_OFF;
    bool ok = wait_clear64(u, reg, VTD_IOTLB_IVT);
    if (ok) {
        wr64(u, reg, vtd_iotlb_global(&u->caps));
        ok = wait_clear64(u, reg, VTD_IOTLB_IVT);
    }
    if (!ok)
        kprintf("IOMMU: unit %#lx: IOTLB invalidation did not complete\n", u->base);
}

void iommu_tables_changed(const uint64_t *e, unsigned n)
{
    if (noncoherent && n) {
        for (uintptr_t p = (uintptr_t)e & ~63ul; p < (uintptr_t)(e + n); p += 64)
            __asm__ volatile("clflush (%0)" ::"r"(p) : "memory");
        __asm__ volatile("mfence" ::: "memory");
    }
    smp_iommu_lock(); // every core's CPU driver invalidates through the same registers
    for (unsigned i = 0; i < nunits; i++)
        invalidate(&units[i]);
    smp_iommu_unlock();
}

// ---- Interrupt entry cache invalidation (for the owner of interrupt remapping) ----

// The invalidation queue's page and the wait descriptor's status word
// (this core's copies: .bss is per core; the IOMMU lock keeps one core at
// a time in the queue).
static uint8_t qi_page[BASE_PAGE_SIZE] __attribute__((aligned(BASE_PAGE_SIZE)));
static volatile uint32_t qi_status;

static void qi_publish(const void *p, size_t len)
{
    if (!noncoherent)
        return;
    for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + len; a += 64)
        __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}

static MUST_CHECK errval_t iec_invalidate(struct iommu_unit *u, bool global, uint16_t index)
{
    struct vtd_inv_desc d = vtd_inv_iec_global();
    errval_t err = global ? SYS_ERR_OK : vtd_inv_iec_index(index, 0, &d);
    if (err_is_fail(err))
        return err;
    struct vtd_qi q = {.va = qi_page,
                       .pa = virt_to_phys(qi_page),
                       .status = &qi_status,
                       .status_pa = virt_to_phys((const void *)(uintptr_t)&qi_status),
                       .publish = qi_publish};
    struct mmio regs = mmio_direct((void *)(uintptr_t)u->regs);
    smp_iommu_lock(); // no register-based invalidation while the queue is on
    err = vtd_qi_run(&regs, &q, &d, 1);
    smp_iommu_unlock();
    return err;
}

// (IOMMU_IEC_GLOBAL or 0, index): the unit whose registers the frame
// covers, with interrupt remapping, and an index the descriptor can hold.
errval_t iommu_iec_decode(struct invocation *inv, struct inv_decoded *d)
{
    const struct capability *c = &inv->target->cap;
    if (inv->arg[0] & ~(uint64_t)IOMMU_IEC_GLOBAL || inv->arg[1] > 0xffff)
        return SYS_ERR_INVALID_ARGS;
    for (unsigned i = 0; i < nunits; i++) {
        struct iommu_unit *u = &units[i];
        if (u->base < c->u.mem.base || u->base - c->u.mem.base >= c->u.mem.bytes)
            continue;
        if (!u->caps.intr_remap)
            return SYS_ERR_UNSUPPORTED;
        struct vtd_inv_desc desc;
        d->obj = u;
        return inv->arg[0] & IOMMU_IEC_GLOBAL ? SYS_ERR_OK
                                              : vtd_inv_iec_index((uint16_t)inv->arg[1], 0, &desc);
    }
    return SYS_ERR_NOT_FOUND;
}

void iommu_iec_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    inv->device_err = iec_invalidate(d->obj, inv->arg[0] & IOMMU_IEC_GLOBAL, (uint16_t)inv->arg[1]);
}
