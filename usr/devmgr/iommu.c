/*
 * usr/devmgr/iommu.c: the IOMMU service: devmgr owns the VT-d unit (its
 * registers, root and context tables: drivers/vtd), makes domains, and
 * attaches devices to them for their owners.
 *
 * A domain's top table (an IOVNodeL4) is retyped from devmgr's memory and
 * kept here; its creator gets a copy to map its own IOVNodeL3s into, with
 * frames it holds caps to (the kernel checks every map). So when the
 * creator ends and its memory is reclaimed, its tables leave the top one
 * (the kernel clears the entries and invalidates the IOTLB) and its devices
 * reach nothing, even before devmgr detaches them. With translation on, a
 * device attached to no domain is blocked: DMA from every device devmgr
 * did not hand to an owner faults.
 */
#include "devmgr.h"
#include <stdio.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/vspace.h>

struct domain domains[MAX_DOMAINS];
static struct vtd_unit unit; // 4 KiB of table pointers: not on the stack
static bool enabled, ir_enabled;
static capref_t
    unit_regs; // a DevFrame of the unit's registers: asks the kernel for IEC invalidation

bool iommu_enabled(void) { return enabled; }
bool iommu_ir_enabled(void) { return ir_enabled; }

static void on_fault(void *arg, const struct vtd_fault *f);

// A zeroed page for the unit's tables, from our own memory.
static MUST_CHECK errval_t alloc_page(void *arg, struct vtd_page *out)
{
    (void)arg;
    capref_t frame;
    struct cap_info ci;
    errval_t err = frame_alloc(&frame, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = vspace_map(frame, OBJSIZE_PAGE, MAP_WRITE, &out->va);
    if (err_is_ok(err))
        err = cap_identify(frame, &ci);
    out->pa = ci.base;
    return err; // (frames are zeroed when retyped)
}

// The unit's interrupt entry cache is invalidated by the CPU driver
// (kpi/caps.h, DevFrameCmd_IOMMUInvalidateIEC): it runs the invalidation
// queue, which must not be on while it invalidates IOTLBs through registers.
static MUST_CHECK errval_t iec_invalidate(void *arg, bool global, uint16_t index)
{
    (void)arg;
    return invoke_iommu_iec_invalidate(unit_regs, global, index);
}

// Interrupt remapping on, with an empty table: from here on a device's
// remappable MSI reaches a core only through an entry devmgr wrote for that
// device (iommu_irte_set). Without it devices send compatibility-format
// MSIs, which any device can aim at any vector.
static void ir_setup(uint64_t reg_base)
{
    errval_t err = devmem_page_cap(reg_base, &unit_regs);
    if (err_is_ok(err))
        err = vtd_ir_enable(&unit, iec_invalidate, NULL);
    ir_enabled = err_is_ok(err);
    if (!ir_enabled)
        printf("devmgr: interrupt remapping not enabled (%s): device interrupts are not "
               "confined\n",
               err_msg(err));
}

errval_t iommu_irte_set(uint16_t index, uint16_t rid, uint8_t vector, uint8_t apic_id)
{
    struct vtd_irte_cfg cfg = {.vector = vector, .apic_id = apic_id, .sid = rid};
    return ir_enabled ? vtd_irte_set(&unit, index, &cfg) : IOMMU_ERR_NO_UNIT;
}

errval_t iommu_irte_clear(uint16_t index)
{
    return ir_enabled ? vtd_irte_clear(&unit, index) : IOMMU_ERR_NO_UNIT;
}

errval_t iommu_setup(const struct acpi_dmar *dmar)
{
    if (!dmar->ndrhds)
        return IOMMU_ERR_NO_UNIT;
    void *regs = devmem_map(dmar->drhds[0].reg_base, OBJSIZE_PAGE);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    capref_t vec = cap_at(IRQCN_L1, FAULT_VECTOR);
    uint64_t addr;
    uint32_t data;
    errval_t err = vtd_unit_init(&unit, &mmio, dmar->haw, alloc_page, NULL);
    // Fault events arrive as a notification on our endpoint.
    if (err_is_ok(err))
        err = irq_connect(vec, cap_selfep, FAULT_NOTIFY);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(vec, &addr, &data);
    if (err_is_fail(err))
        return err;
    bool overflow;
    vtd_faults_drain(&unit, on_fault, NULL, &overflow); // whatever firmware left behind
    vtd_fault_event_setup(&unit, addr, data);
    err = vtd_unit_enable(&unit);
    enabled = err_is_ok(err);
    if (enabled)
        ir_setup(dmar->drhds[0].reg_base);
    return err;
}

errval_t iommu_domain(uint64_t creator, capref_t *root, uint16_t *id)
{
    struct domain *d = NULL;
    for (unsigned i = 0; i < MAX_DOMAINS && !d; i++)
        d = domains[i].used ? NULL : &domains[i];
    if (!d)
        return VTD_ERR_NO_DOMAIN_ID;
    struct cap_info ci;
    capref_t top = NULL_CAP, ram = NULL_CAP;
    // Its RAM is kept, to go back to mem_serv with the domain.
    errval_t err = ram_alloc(&ram, OBJSIZE_IOVNODE, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = slot_alloc(&top);
    if (err_is_ok(err))
        err = cap_retype(top, ram, ObjType_IOVNodeL4, 0, OBJSIZE_IOVNODE, 1);
    if (err_is_ok(err))
        err = cap_identify(top, &ci);
    if (err_is_ok(err))
        err = vtd_domain_init(&unit, &d->vd, ci.base, VTD_AW_48);
    if (err_is_ok(err))
        err = slot_alloc(root);
    if (err_is_ok(err))
        err = cap_copy(*root, top, CAP_RIGHTS_ALL);
    if (err_is_fail(err)) {
        if (d->vd.id)
            err_ignore(vtd_domain_fini(&unit, &d->vd),
                       "the domain ID is freed either way; a failed invalidation leaves nothing "
                       "attached to it");
        if (top)
            cap_destroy(top);
        if (ram)
            err_ignore(ram_free(ram), "mem_serv refused the RAM back: it stays charged to us and "
                                      "is reclaimed when we end");
        return err;
    }
    d->used = true;
    d->root = top;
    d->ram = ram;
    d->creator = creator;
    *id = d->vd.id;
    return SYS_ERR_OK;
}

static struct domain *domain_by_id(uint16_t id)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        if (domains[i].used && domains[i].vd.id == id)
            return &domains[i];
    }
    return NULL;
}

errval_t iommu_attach(struct dev *d, uint16_t id)
{
    struct domain *dom = domain_by_id(id);
    if (!dom)
        return VTD_ERR_NOT_ATTACHED;
    if (!enabled)
        return IOMMU_ERR_NO_UNIT;
    if (d->domain >= 0)
        return SYS_ERR_BUSY; // detach first
    struct pci_bdf b = d->f.bdf;
    errval_t err = vtd_attach(&unit, &dom->vd, b.bus, b.dev, b.fn);
    if (err_is_ok(err))
        d->domain = (int)(dom - domains);
    return err;
}

errval_t iommu_detach(struct dev *d)
{
    if (d->domain < 0)
        return VTD_ERR_NOT_ATTACHED;
    struct pci_bdf b = d->f.bdf;
    errval_t err = vtd_detach(&unit, &domains[d->domain].vd, b.bus, b.dev, b.fn);
    d->domain = -1;
    if (d->note)
        cap_destroy(d->note);
    d->note = NULL_CAP;
    return err;
}

// Detach what is attached to dom, and free it: its RAM back to mem_serv
// (the creator's copy of the root goes too).
static void domain_free(struct domain *dom)
{
    for (unsigned k = 0; k < ndevs; k++) {
        if (devs[k].domain == (int)(dom - domains))
            err_ignore(iommu_detach(&devs[k]), "the device is detached either way (its "
                                               "context entry cleared; a failed "
                                               "invalidation is printed by the VT-d driver)");
    }
    err_ignore(vtd_domain_fini(&unit, &dom->vd),
               "the domain ID is freed either way; nothing is attached to it any more");
    cap_destroy(dom->root);
    err_ignore(ram_free(dom->ram), "mem_serv refused the RAM back: it stays out of use");
    dom->used = false;
}

void iommu_proc_ended(uint64_t pid)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        if (domains[i].used && domains[i].creator == pid)
            domain_free(&domains[i]);
    }
}

errval_t iommu_domain_free(uint64_t creator, uint16_t id)
{
    struct domain *dom = domain_by_id(id);
    if (!dom || dom->creator != creator)
        return VTD_ERR_NOT_ATTACHED;
    domain_free(dom);
    return SYS_ERR_OK;
}

// ---- Faults ----

#define FAULTS_PRINTED 8u // per device, before only powers of two are

static void on_fault(void *arg, const struct vtd_fault *f)
{
    (void)arg;
    char line[200];
    vtd_fault_format(f, line, sizeof(line));
    struct dev *d = dev_find(f->sid);
    if (!d) {
        printf("devmgr: IOMMU fault: %s (an unknown device)\n", line);
        return;
    }
    d->faults++;
    d->fault_addr = f->intr_remap ? f->ir_index : f->addr;
    d->fault_reason = f->reason;
    // A device made to fault on purpose must not flood the console: the
    // first few, then every power of two (all are counted: lspci -v).
    bool loud = d->faults <= FAULTS_PRINTED || !(d->faults & (d->faults - 1));
    if (loud && d->faults > FAULTS_PRINTED)
        printf("devmgr: %02x:%02x.%u: %lu IOMMU faults so far (the first %u and every power of "
               "two are printed)\n",
               f->sid >> 8, (f->sid >> 3) & 31, f->sid & 7, d->faults, FAULTS_PRINTED);
    if (loud && d->owner == DEVMGR_NO_OWNER)
        printf("devmgr: IOMMU fault: %s; no owner: blocked\n", line);
    else if (loud)
        printf("devmgr: IOMMU fault: %s; owner pid %lu%s\n", line, d->owner,
               d->domain >= 0 ? "" : " (attached to no domain: blocked)");
    // Tell the owner (a notification: never blocks us, never lost).
    if (d->note)
        err_ignore(lmp_send(d->note, LMP_FLAG_NOTIFY, NULL_CAP, (uint64_t[4]){0}),
                   "a notification or answer to a process that may have ended: nothing to do then");
}

void iommu_faults(void)
{
    static uint64_t overflows;
    bool overflow = false;
    vtd_faults_drain(&unit, on_fault, NULL, &overflow);
    overflows += overflow;
    if (overflow && !(overflows & (overflows - 1))) // the 1st, 2nd, 4th, ...
        printf("devmgr: IOMMU fault records overflowed (%lu times): some faults were not "
               "recorded\n",
               overflows);
}
