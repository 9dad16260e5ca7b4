/*
 * usr/tests/igbtest/setup.c: the igb found through ACPI and PCI, its VFs
 * enabled with their BARs, and each function confined to an IOMMU domain.
 *
 * igbtest plays the parts devmgr and the IOMMU service play in the system:
 * it owns the VT-d unit and each domain's root, and gives every VF a
 * domain of its own holding only that VF's memory (the same IOVAs in
 * each: the domains are separate address spaces). The PF gets an empty
 * domain: its driver uses no queue, so it may DMA nowhere.
 */
#include "igbtest.h"
#include <acpi/tables.h>
#include <pci/pci_regs.h>
#include <stdio.h>

#define IGB_VENDOR 0x8086
#define IGB_PF_DEV 0x10c9
#define ECAM_BUSES 4

static const void *acpi_map(void *arg, uint64_t pa, size_t len) { return dev_map(pa, len); }

static MUST_CHECK errval_t find_acpi(struct igbt *t)
{
    const struct bootinfo *bi = bootinfo();
    struct acpi_tables tabs;
    const struct acpi_sdt_header *mcfg = NULL, *dmar = NULL;
    const char *why = "";
    errval_t err = acpi_tables_init(&tabs, bi->rsdp, bi->rsdp_len, acpi_map, NULL, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&tabs, "MCFG", 0, &mcfg);
    if (err_is_ok(err))
        err = acpi_mcfg_parse(mcfg, mcfg->length, &t->mcfg, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&tabs, "DMAR", 0, &dmar);
    if (err_is_ok(err))
        err = acpi_dmar_parse(dmar, dmar->length, &t->dmar, &why);
    if (err_is_fail(err))
        printf("igbtest: ACPI: %s (%s)\n", err_msg(err), why);
    return err;
}

static MUST_CHECK errval_t enumerate(struct igbt *t)
{
    errval_t err = pci_enumerate(&t->cfg, PCI_ENUM_SIZE_BARS, t->funcs, 32, &t->nfuncs);
    int i = pci_find_id(t->funcs, t->nfuncs, IGB_VENDOR, IGB_PF_DEV, 0);
    t->pff = i >= 0 ? &t->funcs[i] : NULL;
    if (err_is_ok(err) && (!t->pff || !t->pff->has_sriov))
        err = SYS_ERR_NOT_FOUND;
    return err;
}

errval_t igbt_find(struct igbt *t)
{
    errval_t err = find_acpi(t);
    if (err_is_fail(err))
        return err;
    if (t->mcfg.n < 1 || t->dmar.ndrhds < 1)
        return SYS_ERR_NOT_FOUND;
    void *ecam = dev_map(t->mcfg.regions[0].base, (uint64_t)ECAM_BUSES << 20);
    if (!ecam)
        return SYS_ERR_NOT_FOUND;
    t->ecam = (struct pci_ecam){ecam, 0, ECAM_BUSES - 1};
    t->cfg = pci_ecam_cfg(&t->ecam);
    return enumerate(t);
}

// The root port above the PF: its windows are where VF BARs may go.
static const struct pci_func *port_above(const struct igbt *t)
{
    for (unsigned i = 0; i < t->nfuncs; i++) {
        const struct pci_func *p = &t->funcs[i];
        if (p->is_bridge && p->bridge.secondary == t->pff->bdf.bus)
            return p;
    }
    return NULL;
}

// Place every VF BAR after whatever the PF decodes in the port's
// (prefetchable, if it has one) window.
static MUST_CHECK errval_t place_vf_bars(struct igbt *t)
{
    const struct pci_func *port = port_above(t), *pf = t->pff;
    if (!port)
        return SYS_ERR_NOT_FOUND;
    const struct pci_window *w =
        pci_window_empty(&port->bridge.pref) ? &port->bridge.mem : &port->bridge.pref;
    uint64_t next = w->base;
    for (unsigned i = 0; i < pf->nbars; i++) {
        const struct pci_bar *b = &pf->bars[i];
        if (b->type != PCI_BAR_NONE && b->type != PCI_BAR_IO && b->addr >= w->base &&
            b->addr <= w->limit && b->addr + b->size > next)
            next = b->addr + b->size;
    }
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        struct pci_bar bar;
        errval_t err = pci_sriov_vf_bar_probe(&t->cfg, pf->bdf, &t->sriov, i, &bar);
        if (err_is_fail(err))
            return err;
        if (bar.type == PCI_BAR_NONE)
            continue;
        next = (next + bar.size - 1) & ~(bar.size - 1);
        if (next + t->sriov.num_vfs * bar.size - 1 > w->limit)
            return SYS_ERR_NO_MEMORY;
        err = pci_sriov_vf_bar_assign(&t->cfg, pf->bdf, &t->sriov, i, &bar, next);
        if (err_is_fail(err))
            return err;
        next += t->sriov.num_vfs * bar.size;
        i += bar.type == PCI_BAR_MEM64;
    }
    return SYS_ERR_OK;
}

errval_t igbt_sriov(struct igbt *t)
{
    struct pci_bdf pf = t->pff->bdf;
    t->sriov = t->pff->sriov;
    errval_t err = pci_sriov_set_num_vfs(&t->cfg, pf, &t->sriov, IGBT_VFS);
    if (err_is_ok(err))
        err = place_vf_bars(t);
    if (err_is_ok(err))
        err = pci_sriov_enable(&t->cfg, pf, &t->sriov, true);
    struct pci_bdf vfb[IGBT_VFS];
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++) {
        err = pci_sriov_vf_bdf(&t->sriov, pf, i + 1, &vfb[i]);
        if (err_is_ok(err)) // QEMU maps a VF's BAR only with its own Memory Space on
            pci_write16(&t->cfg, vfb[i], PCI_COMMAND,
                        pci_read16(&t->cfg, vfb[i], PCI_COMMAND) | PCI_COMMAND_MEMORY);
    }
    if (err_is_ok(err))
        err = enumerate(t); // again: now with the VFs and their BARs
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++) {
        t->vn[i].index = i;
        t->vn[i].f = pci_find(t->funcs, t->nfuncs, vfb[i]);
        if (!t->vn[i].f || !t->vn[i].f->is_vf || !t->vn[i].f->bars[0].addr)
            err = SYS_ERR_NOT_FOUND;
    }
    return err;
}

/* ---- IOMMU ---- */

static MUST_CHECK errval_t alloc_page(void *arg, struct vtd_page *out)
{
    struct frame f;
    errval_t err = dt_frame(4096, &f);
    *out = (struct vtd_page){f.va, f.pa};
    return err;
}

// A domain's root (an IOVNodeL4 from "the IOMMU service's" RAM) and ID.
static MUST_CHECK errval_t domain_root(struct igbt *t, struct vtd_domain *d, capref_t *l4)
{
    uint64_t pa;
    errval_t err = make(ObjType_IOVNodeL4, OBJSIZE_IOVNODE, l4);
    if (err_is_ok(err))
        err = dt_cap_base(*l4, &pa);
    return err_is_ok(err) ? vtd_domain_init(&t->unit, d, pa, VTD_AW_48) : err;
}

// VF v's domain: L4 -> L3 -> L2 -> L1 covering IGBT_IOVA, its memory in it.
static MUST_CHECK errval_t vf_domain(struct igbt *t, struct igbt_vf *v)
{
    capref_t copy;
    errval_t err = domain_root(t, &v->dom, &v->l4);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL3, OBJSIZE_IOVNODE, &v->l3);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL2, OBJSIZE_IOVNODE, &v->l2);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL1, OBJSIZE_IOVNODE, &v->l1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(v->l4, (IGBT_IOVA >> 39) & 511, v->l3, 0, 0, 1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(v->l3, (IGBT_IOVA >> 30) & 511, v->l2, 0, 0, 1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(v->l2, (IGBT_IOVA >> 21) & 511, v->l1, 0, 0, 1);
    if (err_is_ok(err))
        err = dt_frame(IGBT_VF_PAGES * 4096ull, &v->mem);
    if (err_is_ok(err))
        err = copy_cap(v->mem.cap, CAP_RIGHTS_ALL, &copy);
    if (err_is_ok(err)) // the device writes descriptors and received frames
        err = invoke_iovnode_map(v->l1, (IGBT_IOVA >> 12) & 511, copy, MAP_WRITE, 0, IGBT_VF_PAGES);
    return err;
}

static void bus_master(struct igbt *t, struct pci_bdf b)
{
    pci_write16(&t->cfg, b, PCI_COMMAND,
                pci_read16(&t->cfg, b, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void print_fault(void *arg, const struct vtd_fault *f)
{
    char line[200];
    vtd_fault_format(f, line, sizeof(line));
    printf("igbtest: IOMMU fault: %s\n", line);
}

unsigned igbt_faults(struct igbt *t)
{
    bool overflow = false;
    unsigned n = vtd_faults_drain(&t->unit, print_fault, NULL, &overflow);
    return n + overflow;
}

errval_t igbt_iommu(struct igbt *t)
{
    const struct acpi_dmar *dmar = &t->dmar;
    void *regs = dev_map(dmar->drhds[0].reg_base, 4096);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    capref_t pf_l4;
    errval_t err = vtd_unit_init(&t->unit, &mmio, dmar->haw, alloc_page, NULL);
    if (err_is_ok(err))
        err = domain_root(t, &t->pf_dom, &pf_l4);
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++)
        err = vf_domain(t, &t->vn[i]);
    struct pci_bdf b = t->pff->bdf;
    if (err_is_ok(err))
        err = vtd_attach(&t->unit, &t->pf_dom, b.bus, b.dev, b.fn);
    for (unsigned i = 0; err_is_ok(err) && i < IGBT_VFS; i++) {
        b = t->vn[i].f->bdf;
        err = vtd_attach(&t->unit, &t->vn[i].dom, b.bus, b.dev, b.fn);
    }
    if (err_is_ok(err))
        igbt_faults(t); // whatever firmware left behind
    if (err_is_ok(err))
        err = vtd_unit_enable(&t->unit);
    if (err_is_fail(err))
        return err;
    // Confined: the functions may master the bus now. The PF must, or QEMU
    // takes no frame from the network at all (e1000x_rx_ready).
    bus_master(t, t->pff->bdf);
    for (unsigned i = 0; i < IGBT_VFS; i++)
        bus_master(t, t->vn[i].f->bdf);
    return SYS_ERR_OK;
}

// A VF's MSI-X capability. Enumeration does not list a VF's legacy
// capabilities (drivers/pci's walk takes a vendor ID of 0xFFFF, which
// every VF reads, for "no function"), so the list is walked here, bounded.
static MUST_CHECK errval_t vf_msix(struct igbt *t, const struct pci_func *f, struct pci_msix *x)
{
    uint16_t off = pci_read8(&t->cfg, f->bdf, PCI_CAP_PTR) & 0xfc;
    for (unsigned hops = 0; off >= 0x40 && hops < 48; hops++) {
        if (pci_read8(&t->cfg, f->bdf, off) == PCI_CAP_ID_MSIX)
            return pci_msix_read(&t->cfg, f->bdf, off, x);
        off = pci_read8(&t->cfg, f->bdf, off + 1) & 0xfc;
    }
    return SYS_ERR_NOT_FOUND;
}

errval_t igbt_msix(struct igbt *t, struct igbt_vf *v, unsigned vector, uint64_t badge)
{
    struct pci_msix x;
    errval_t err = vf_msix(t, v->f, &x);
    if (err_is_fail(err))
        return err;
    const struct pci_bar *bar = &v->f->bars[x.table_bir];
    void *table =
        bar->addr ? dev_map(bar->addr + x.table_offset, x.table_size * PCI_MSIX_ENTRY_SIZE) : NULL;
    if (!table)
        return SYS_ERR_NOT_FOUND;
    v->msix = (struct pci_msix_table){mmio_direct(table), x.table_size};
    uint64_t addr;
    uint32_t data;
    err = irq_endpoint(vector, badge, &v->irq_ep);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(cap_at(ROOTCN_SLOT_IRQCN, vector), &addr, &data);
    if (err_is_ok(err))
        err = pci_msix_set(&v->msix, 0, addr, data);
    if (err_is_ok(err))
        err = pci_msix_mask(&v->msix, 0, false);
    if (err_is_ok(err))
        pci_msix_enable(&t->cfg, v->f->bdf, &x, true);
    return err;
}
