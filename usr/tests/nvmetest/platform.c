/* usr/tests/nvmetest/platform.c: ACPI, PCI, the VT-d unit, IOMMU domains and DMA memory, SR-IOV
 * enable. */
#include "nvmetest.h"
#include <acpi/tables.h>
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define ECAM_BUSES 4 // buses 0 and the root ports' (1, 2)

static struct vtd_unit unit; // 4 KiB of context-table pointers: not on the stack

static const void *acpi_map(void *arg, uint64_t pa, size_t len) { return dev_map(pa, len); }

static MUST_CHECK errval_t acpi_init(struct machine *m)
{
    const struct bootinfo *bi = bootinfo();
    struct acpi_tables t;
    const struct acpi_sdt_header *mcfg = NULL, *dmar = NULL;
    const char *why = "";
    errval_t err = acpi_tables_init(&t, bi->rsdp, bi->rsdp_len, acpi_map, NULL, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "MCFG", 0, &mcfg);
    if (err_is_ok(err))
        err = acpi_mcfg_parse(mcfg, mcfg->length, &m->mcfg, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "DMAR", 0, &dmar);
    if (err_is_ok(err))
        err = acpi_dmar_parse(dmar, dmar->length, &m->dmar, &why);
    if (err_is_fail(err))
        printf("nvmetest: ACPI: %s (%s)\n", err_msg(err), why);
    return err;
}

errval_t platform_init(struct machine *m)
{
    errval_t err = acpi_init(m);
    if (err_is_fail(err))
        return err;
    const struct acpi_mcfg_region *r = &m->mcfg.regions[0];
    void *ecam = m->mcfg.n ? dev_map(r->base, (uint64_t)ECAM_BUSES << 20) : NULL;
    if (!ecam)
        return SYS_ERR_NOT_FOUND;
    m->ecam = (struct pci_ecam){ecam, 0, ECAM_BUSES - 1};
    m->cfg = pci_ecam_cfg(&m->ecam);
    err = pci_enumerate(&m->cfg, PCI_ENUM_SIZE_BARS, m->funcs, 64, &m->nfuncs);
    m->igb = -1;
    m->nvme = pci_find_id(m->funcs, m->nfuncs, 0x1b36, 0x0010, 0);
    return err_is_ok(err) && m->nvme < 0 ? SYS_ERR_NOT_FOUND : err;
}

static MUST_CHECK errval_t alloc_page(void *arg, struct vtd_page *out)
{
    struct frame f;
    errval_t err = dt_frame(4096, &f);
    *out = (struct vtd_page){f.va, f.pa};
    return err;
}

static void print_fault(void *arg, const struct vtd_fault *f)
{
    char line[200];
    vtd_fault_format(f, line, sizeof(line));
    printf("nvmetest: IOMMU fault: %s\n", line);
}

unsigned iommu_faults(void)
{
    bool overflow;
    return vtd_faults_drain(&unit, print_fault, NULL, &overflow) + overflow;
}

errval_t iommu_init(struct machine *m)
{
    const struct acpi_dmar *dmar = &m->dmar;
    void *regs = dmar->ndrhds ? dev_map(dmar->drhds[0].reg_base, 4096) : NULL;
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    errval_t err = vtd_unit_init(&unit, &mmio, dmar->haw, alloc_page, NULL);
    if (err_is_ok(err)) {
        iommu_faults(); // whatever firmware left behind
        err = vtd_unit_enable(&unit);
    }
    return err;
}

errval_t domain_create(struct domain *d)
{
    uint64_t root_pa;
    d->next = IOVA_BASE;
    errval_t err = make(ObjType_IOVNodeL4, OBJSIZE_IOVNODE, &d->l4);
    if (err_is_ok(err))
        err = dt_cap_base(d->l4, &root_pa);
    if (err_is_ok(err))
        err = vtd_domain_init(&unit, &d->vtd, root_pa, VTD_AW_48);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL3, OBJSIZE_IOVNODE, &d->l3);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL2, OBJSIZE_IOVNODE, &d->l2);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL1, OBJSIZE_IOVNODE, &d->l1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(d->l4, (IOVA_BASE >> 39) & 511, d->l3, 0, 0, 1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(d->l3, (IOVA_BASE >> 30) & 511, d->l2, 0, 0, 1);
    if (err_is_ok(err))
        err = invoke_iovnode_map(d->l2, (IOVA_BASE >> 21) & 511, d->l1, 0, 0, 1);
    return err;
}

errval_t domain_attach(struct domain *d, struct pci_bdf b)
{
    return vtd_attach(&unit, &d->vtd, b.bus, b.dev, b.fn);
}

errval_t dma_alloc(struct domain *d, unsigned pages, bool device_writes, struct dmabuf *b)
{
    uint64_t bytes = (uint64_t)pages * 4096;
    if (d->next + bytes > IOVA_BASE + (2u << 20))
        return SYS_ERR_NO_MEMORY; // the one L1 table is full
    capref_t copy;
    errval_t err = dt_frame(bytes, &b->f);
    if (err_is_ok(err))
        err = copy_cap(b->f.cap, CAP_RIGHTS_ALL, &copy);
    if (err_is_ok(err))
        err = invoke_iovnode_map(d->l1, (d->next >> 12) & 511, copy, device_writes ? MAP_WRITE : 0,
                                 0, pages);
    if (err_is_fail(err))
        return err;
    b->iova = d->next;
    b->pages = pages;
    d->next += bytes;
    return SYS_ERR_OK;
}

struct nvme_dma dma_page(const struct dmabuf *b, unsigned i)
{
    return (struct nvme_dma){(uint8_t *)b->f.va + i * 4096ull, b->iova + i * 4096ull};
}

void bus_master(struct machine *m, struct pci_bdf b, bool on)
{
    uint16_t cmd = pci_read16(&m->cfg, b, PCI_COMMAND);
    cmd = on ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;
    pci_write16(&m->cfg, b, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
}

// The root port above function f.
static const struct pci_func *port_above(const struct machine *m, const struct pci_func *f)
{
    for (unsigned i = 0; i < m->nfuncs; i++) {
        const struct pci_func *p = &m->funcs[i];
        if (p->is_bridge && p->bridge.secondary == f->bdf.bus)
            return p;
    }
    return NULL;
}

// VF BARs after whatever the PF decodes in the window its kind goes to:
// prefetchable ones to the prefetchable window (if the port has one),
// others (the NVMe's) to the memory window.
static MUST_CHECK errval_t place_vf_bars(struct machine *m, const struct pci_func *pf,
                                         struct pci_sriov *s)
{
    const struct pci_func *port = port_above(m, pf);
    if (!port)
        return SYS_ERR_NOT_FOUND;
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        struct pci_bar bar;
        errval_t err = pci_sriov_vf_bar_probe(&m->cfg, pf->bdf, s, i, &bar);
        if (err_is_fail(err))
            return err;
        if (bar.type == PCI_BAR_NONE)
            continue;
        const struct pci_window *w = bar.prefetchable && !pci_window_empty(&port->bridge.pref)
                                         ? &port->bridge.pref
                                         : &port->bridge.mem;
        uint64_t next = w->base;
        for (unsigned k = 0; k < pf->nbars; k++) {
            const struct pci_bar *b = &pf->bars[k];
            if (b->type != PCI_BAR_NONE && b->type != PCI_BAR_IO && b->addr >= w->base &&
                b->addr <= w->limit && b->addr + b->size > next)
                next = b->addr + b->size;
        }
        next = (next + bar.size - 1) & ~(bar.size - 1);
        if (next + s->num_vfs * bar.size - 1 > w->limit)
            return SYS_ERR_NO_MEMORY;
        if (err_is_fail(err = pci_sriov_vf_bar_assign(&m->cfg, pf->bdf, s, i, &bar, next)))
            return err;
        i += bar.type == PCI_BAR_MEM64; // the upper half is not a BAR of its own
    }
    return SYS_ERR_OK;
}

errval_t sriov_enable(struct machine *m, const struct pci_func *pf, unsigned num,
                      struct pci_bdf *vf1, struct pci_bar *vf1_bar0)
{
    if (!pf->has_sriov)
        return SYS_ERR_UNSUPPORTED;
    struct pci_sriov s = pf->sriov;
    errval_t err = pci_sriov_set_num_vfs(&m->cfg, pf->bdf, &s, (uint16_t)num);
    if (err_is_ok(err))
        err = place_vf_bars(m, pf, &s);
    if (err_is_ok(err))
        err = pci_sriov_vf_bar_probe(&m->cfg, pf->bdf, &s, 0, vf1_bar0);
    if (err_is_ok(err))
        err = pci_sriov_enable(&m->cfg, pf->bdf, &s, true);
    // QEMU maps a VF's BAR only with Memory Space set in the VF (PLATFORM.md).
    for (unsigned n = 1; err_is_ok(err) && n <= num; n++) {
        struct pci_bdf vf;
        err = pci_sriov_vf_bdf(&s, pf->bdf, n, &vf);
        if (err_is_ok(err))
            bus_master(m, vf, false);
        if (n == 1)
            *vf1 = vf;
    }
    return err;
}
