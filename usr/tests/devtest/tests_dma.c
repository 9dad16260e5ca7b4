/*
 * usr/tests/devtest/tests_dma.c: VT-d confining the NVMe controller's DMA,
 * and MSI-X from the controller to a user endpoint.
 *
 * devtest plays both roles the system separates: the IOMMU driver (it owns
 * the VT-d registers, the root and context tables and each domain's root
 * table, made from its own RAM) and the NVMe driver that owns the device
 * and its domain's lower tables and buffers.
 */
#include "devtest.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define FAULT_VECTOR  80
#define MSIX_VECTOR   81
#define FAULT_BADGE   (1ull << 0)
#define MSIX_BADGE    (1ull << 1)
#define WAIT_US       2000000 // a generous bound for anything QEMU does at once
#define QUIET_US      100000  // how long "no interrupt" is watched for
#define QUEUE_ENTRIES 16

// The NVMe domain's IOVAs: L4 entry 0, L3 entry 2, L2 entry 0, L1 entries 0-2.
#define IOVA_BASE 0x80000000ull
#define IOVA_SQ   (IOVA_BASE + 0x0000)
#define IOVA_CQ   (IOVA_BASE + 0x1000)
#define IOVA_ID   (IOVA_BASE + 0x2000)
#define IOVA_SPAN (2ull << 20) // what the one L1 table can map

#define VICTIM_BYTE 0x5a
#define ID_BYTE     0xa5

static struct vtd_unit unit; // 4 KiB of context-table pointers: not on the stack

struct dma {
    struct machine *m;
    const struct pci_func *nf;
    struct vtd_domain dom;
    capref_t l4, l3, l2, l1;
    struct frame sq, cq, id, victim;
    capref_t id_io; // the copy of id mapped in the domain
    struct nvme_ctrl nvme;
    capref_t fault_ep, msix_ep;
    struct pci_msix_table msix;
    struct vtd_fault faults[4];
    unsigned nfaults;
};

static MUST_CHECK errval_t alloc_page(void *arg, struct vtd_page *out)
{
    struct frame f;
    errval_t err = dt_frame(4096, &f);
    *out = (struct vtd_page){f.va, f.pa};
    return err;
}

static void on_fault(void *arg, const struct vtd_fault *f)
{
    struct dma *d = arg;
    char line[200];
    vtd_fault_format(f, line, sizeof(line));
    uint16_t did = 0;
    bool owned = err_is_ok(vtd_attached(&unit, f->bus, f->dev, f->fn, &did));
    printf("devtest: IOMMU fault: %s; device in domain %u%s\n", line, did,
           owned ? "" : " (no domain: blocked)");
    if (d->nfaults < 4)
        d->faults[d->nfaults++] = *f;
}

// Map frame (a copy of its cap, which is returned) at iova in the domain.
static MUST_CHECK errval_t map_io(struct dma *d, const struct frame *f, uint64_t iova,
                                  uint32_t flags, capref_t *copy)
{
    errval_t err = copy_cap(f->cap, CAP_RIGHTS_ALL, copy);
    if (err_is_ok(err))
        err = invoke_iovnode_map(d->l1, (iova >> 12) & 511, *copy, flags, 0, f->bytes / 4096);
    return err;
}

// The domain: its root from "the IOMMU driver's" RAM, the rest the owner's.
static MUST_CHECK errval_t build_domain(struct dma *d)
{
    capref_t sq_io, cq_io;
    uint64_t root_pa;
    errval_t err = make(ObjType_IOVNodeL4, OBJSIZE_IOVNODE, &d->l4);
    if (err_is_ok(err))
        err = dt_cap_base(d->l4, &root_pa);
    if (err_is_ok(err))
        err = vtd_domain_init(&unit, &d->dom, root_pa, VTD_AW_48);
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
    // The controller only reads commands, and writes completions and data.
    if (err_is_ok(err))
        err = map_io(d, &d->sq, IOVA_SQ, 0, &sq_io);
    if (err_is_ok(err))
        err = map_io(d, &d->cq, IOVA_CQ, MAP_WRITE, &cq_io);
    if (err_is_ok(err))
        err = map_io(d, &d->id, IOVA_ID, MAP_WRITE, &d->id_io);
    return err;
}

static MUST_CHECK errval_t setup_vtd(struct dma *d)
{
    const struct acpi_dmar *dmar = &d->m->dmar;
    void *regs = dmar->ndrhds ? dev_map(dmar->drhds[0].reg_base, 4096) : NULL;
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    uint64_t addr;
    uint32_t data;
    errval_t err = vtd_unit_init(&unit, &mmio, dmar->haw, alloc_page, NULL);
    if (err_is_ok(err))
        err = build_domain(d);
    if (err_is_ok(err))
        err = irq_endpoint(FAULT_VECTOR, FAULT_BADGE, &d->fault_ep);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(cap_at(ROOTCN_SLOT_IRQCN, FAULT_VECTOR), &addr, &data);
    if (err_is_fail(err))
        return err;
    bool overflow;
    vtd_faults_drain(&unit, on_fault, d, &overflow); // whatever firmware left behind
    d->nfaults = 0;
    vtd_fault_event_setup(&unit, addr, data);
    err = vtd_attach(&unit, &d->dom, d->nf->bdf.bus, d->nf->bdf.dev, d->nf->bdf.fn);
    return err_is_ok(err) ? vtd_unit_enable(&unit) : err;
}

// The controller's registers and a reset, and its bus mastering off until
// its domain confines it: nothing it did for the firmware survives, and it
// cannot DMA untranslated in between.
static MUST_CHECK errval_t setup_nvme(struct dma *d)
{
    const struct pci_bar *bar = &d->nf->bars[0];
    void *regs = bar->type == PCI_BAR_MEM64 || bar->type == PCI_BAR_MEM32
                     ? dev_map(bar->addr, bar->size)
                     : NULL;
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    const struct pci_cfg *c = &d->m->cfg;
    uint16_t cmd = pci_read16(c, d->nf->bdf, PCI_COMMAND);
    pci_write16(c, d->nf->bdf, PCI_COMMAND, (cmd | PCI_COMMAND_MEMORY) & ~PCI_COMMAND_MASTER);
    errval_t err = nvme_ctrl_init(&d->nvme, &mmio, clock_us, NULL);
    return err_is_ok(err) ? nvme_ctrl_disable(&d->nvme) : err;
}

static void bus_master(struct dma *d)
{
    const struct pci_cfg *c = &d->m->cfg;
    pci_write16(c, d->nf->bdf, PCI_COMMAND,
                pci_read16(c, d->nf->bdf, PCI_COMMAND) | PCI_COMMAND_MASTER);
}

static MUST_CHECK errval_t identify(struct dma *d, uint64_t iova, struct nvme_cqe *cqe)
{
    struct nvme_sqe cmd;
    nvme_cmd_identify(&cmd, NVME_IDENTIFY_CNS_CTRL, 0, iova);
    errval_t err = nvme_admin_submit(&d->nvme, &cmd);
    return err_is_ok(err) ? nvme_admin_wait(&d->nvme, cmd.cid, WAIT_US, cqe) : err;
}

static bool all_bytes(const void *p, uint8_t v, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != v)
            return false;
    }
    return true;
}

static void test_identify_in_domain(struct dma *d)
{
    struct nvme_cqe cqe = {0};
    memset(d->id.va, ID_BYTE, 4096);
    errval_t err = identify(d, IOVA_ID, &cqe);
    const struct nvme_id_ctrl *id = d->id.va;
    bool sn = !memcmp(id->sn, "sietch-nvme0        ", sizeof(id->sn));
    report("dma.identify_in_domain",
           err_is_ok(err) && err_is_ok(nvme_cqe_status(&cqe)) && id->vid == 0x1b36 && sn,
           "%s, status %#x, VID %#x, SN '%.20s'", err_name(err), cqe.status, id->vid, id->sn);
}

// A DMA the domain does not allow: a fault, logged and cleared, the owner
// notified through the fault event interrupt, and the memory untouched.
// want_addr is the page the fault must name.
static void blocked(struct dma *d, const char *prefix, uint64_t iova, const void *target,
                    uint8_t pattern)
{
    char id[64];
    struct nvme_cqe cqe = {0};
    struct lmp_recv_msg msg = {0};
    d->nfaults = 0;
    errval_t err = identify(d, iova, &cqe);
    errval_t irq = wait_notify(d->fault_ep, WAIT_US, &msg);
    bool overflow = false;
    unsigned n = vtd_faults_drain(&unit, on_fault, d, &overflow);
    const struct vtd_fault *f = &d->faults[0];
    uint16_t did = 0;
    bool mine = n && err_is_ok(vtd_attached(&unit, f->bus, f->dev, f->fn, &did));
    snprintf(id, sizeof(id), "%s_fault_logged", prefix);
    report(id,
           n == 1 && f->sid == pci_bdf_rid(d->nf->bdf) && f->write && f->addr == iova &&
               f->reason == VTD_FR_WRITE && !overflow,
           "%u faults, first from %02x:%02x.%x at %#lx reason %#x", n, f->bus, f->dev, f->fn,
           f->addr, f->reason);
    snprintf(id, sizeof(id), "%s_owner_notified", prefix);
    report(id,
           err_is_ok(irq) && (msg.flags & LMP_RECV_NOTIFY) && msg.badge == FAULT_BADGE && mine &&
               did == d->dom.id,
           "fault interrupt: %s badge %#lx; faulting device's domain %u (NVMe's %u)", err_name(irq),
           msg.badge, did, d->dom.id);
    // The command still completes and the controller stays healthy. QEMU
    // 10's nvme does not turn the dropped transfer into an error status
    // (nvme_tx checks only the residual of dma_buf_read, not its
    // MemTxResult), so the IOMMU's fault record is what tells.
    uint32_t csts = mmio_read32(&d->nvme.regs, NVME_REG_CSTS);
    printf("devtest: the blocked Identify completed with status SCT %u SC %#x\n",
           NVME_STATUS_SCT(cqe.status), NVME_STATUS_SC(cqe.status));
    snprintf(id, sizeof(id), "%s_command_completes", prefix);
    report(id, err_is_ok(err) && (csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS), "%s, CSTS %#x",
           err_name(err), csts);
    snprintf(id, sizeof(id), "%s_memory_unchanged", prefix);
    report(id, all_bytes(target, pattern, 4096), "the page was written");
}

// Identify aimed at the physical address of a page devtest holds but never
// gave the domain: that address is not mapped there, so the write faults.
static void test_blocked_outside(struct dma *d)
{
    memset(d->victim.va, VICTIM_BYTE, 4096);
    if (d->victim.pa >= IOVA_BASE && d->victim.pa < IOVA_BASE + IOVA_SPAN) {
        report("dma.outside_fault_logged", false, "victim page %#lx lies in the IOVA range",
               d->victim.pa);
        return;
    }
    printf("devtest: Identify into physical %#lx, outside the NVMe domain\n", d->victim.pa);
    blocked(d, "dma.outside", d->victim.pa, d->victim.va, VICTIM_BYTE);
}

// Deleting the domain's copy of a buffer unmaps it, and the kernel's IOTLB
// invalidation makes it unreachable at once: QEMU cached the translation
// when the first Identify used it.
static void test_blocked_after_unmap(struct dma *d)
{
    memset(d->id.va, ID_BYTE, 4096);
    errval_t err = invoke_cnode_delete(cap_root, d->id_io);
    if (err_is_fail(err)) {
        report("dma.unmapped_fault_logged", false, "delete: %s", err_name(err));
        return;
    }
    blocked(d, "dma.unmapped", IOVA_ID, d->id.va, ID_BYTE);
    err = map_io(d, &d->id, IOVA_ID, MAP_WRITE, &d->id_io); // for the MSI-X tests
    if (err_is_fail(err))
        printf("devtest: mapping the Identify buffer again: %s\n", err_msg(err));
}

// MSI-X on before the controller is enabled: QEMU's nvme claims a
// vector for the admin completion queue only if MSI-X is on when the
// queue is made (nvme_init_cq). Vector 0, the admin queue's, stays
// masked until test_msix.
static MUST_CHECK errval_t setup_msix(struct dma *d)
{
    struct pci_msix x = d->nf->msix;
    const struct pci_bar *bar = &d->nf->bars[x.table_bir];
    void *table = d->nf->has_msix
                      ? dev_map(bar->addr + x.table_offset, x.table_size * PCI_MSIX_ENTRY_SIZE)
                      : NULL;
    if (!table)
        return SYS_ERR_NOT_FOUND;
    d->msix = (struct pci_msix_table){mmio_direct(table), x.table_size};
    uint64_t addr;
    uint32_t data;
    errval_t err = irq_endpoint(MSIX_VECTOR, MSIX_BADGE, &d->msix_ep);
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(cap_at(ROOTCN_SLOT_IRQCN, MSIX_VECTOR), &addr, &data);
    if (err_is_ok(err))
        err = pci_msix_set(&d->msix, 0, addr, data);
    if (err_is_ok(err))
        pci_msix_enable(&d->m->cfg, d->nf->bdf, &x, true);
    return err;
}

// Take notifications until none comes for QUIET_US; how many came.
static unsigned drain(capref_t ep)
{
    struct lmp_recv_msg msg;
    unsigned n = 0;
    while (err_is_ok(wait_notify(ep, QUIET_US, &msg)))
        n++;
    return n;
}

static void test_msix(struct dma *d)
{
    struct nvme_cqe cqe = {0};
    struct lmp_recv_msg msg = {0};
    // Unmasking sends what the earlier completions left pending.
    errval_t err = pci_msix_mask(&d->msix, 0, false);
    unsigned stale = drain(d->msix_ep);
    if (err_is_ok(err))
        err = identify(d, IOVA_ID, &cqe);
    errval_t irq = err_is_ok(err) ? wait_notify(d->msix_ep, WAIT_US, &msg) : err;
    report("msix.interrupt_to_endpoint",
           err_is_ok(irq) && (msg.flags & LMP_RECV_NOTIFY) && msg.badge == MSIX_BADGE,
           "unmask/identify %s, interrupt %s, badge %#lx (%u pending before)", err_name(err),
           err_name(irq), msg.badge, stale);

    // Masked: the completion arrives, the message waits in the pending bit;
    // unmasking sends it.
    err = pci_msix_mask(&d->msix, 0, true);
    if (err_is_ok(err))
        err = identify(d, IOVA_ID, &cqe);
    errval_t quiet = err_is_ok(err) ? wait_notify(d->msix_ep, QUIET_US, &msg) : err;
    bool masked = pci_msix_masked(&d->msix, 0);
    errval_t unmask = pci_msix_mask(&d->msix, 0, false);
    errval_t late = err_is_ok(unmask) ? wait_notify(d->msix_ep, WAIT_US, &msg) : unmask;
    report("msix.mask_unmask",
           err_is_ok(err) && masked && err_has(quiet, SYS_ERR_TIMEOUT) && err_is_ok(late) &&
               msg.badge == MSIX_BADGE,
           "identify %s; while masked %s (want a timeout); after unmask %s", err_name(err),
           err_name(quiet), err_name(late));
}

void test_dma(struct machine *m)
{
    static struct dma d;
    d.m = m;
    d.nf = m->nvme >= 0 ? &m->funcs[m->nvme] : NULL;
    errval_t err = d.nf ? SYS_ERR_OK : SYS_ERR_NOT_FOUND;
    if (err_is_ok(err))
        err = dt_frame(4096, &d.sq);
    if (err_is_ok(err))
        err = dt_frame(4096, &d.cq);
    if (err_is_ok(err))
        err = dt_frame(4096, &d.id);
    if (err_is_ok(err))
        err = dt_frame(4096, &d.victim);
    if (err_is_ok(err))
        err = setup_nvme(&d);
    report("nvme.reset", err_is_ok(err), "%s", err_name(err));
    if (err_is_ok(err))
        err = setup_vtd(&d);
    uint32_t gsts = err_is_ok(err) ? mmio_read32(&unit.regs, VTD_GSTS) : 0;
    report("vtd.translation_on", err_is_ok(err) && (gsts & VTD_GCMD_TE), "%s, GSTS %#x",
           err_name(err), gsts);
    if (err_is_fail(err))
        return;
    bus_master(&d); // attached to its domain and translated: it may DMA now
    struct nvme_dma sq = {d.sq.va, IOVA_SQ}, cq = {d.cq.va, IOVA_CQ};
    err = setup_msix(&d);
    if (err_is_ok(err))
        err = nvme_admin_queues(&d.nvme, sq, cq, QUEUE_ENTRIES);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&d.nvme);
    report("nvme.enable_in_domain", err_is_ok(err), "%s", err_name(err));
    if (err_is_fail(err))
        return;
    test_identify_in_domain(&d);
    test_blocked_outside(&d);
    test_blocked_after_unmap(&d);
    test_msix(&d);
}
