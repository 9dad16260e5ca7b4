/*
 * lib/os/vsic/vsic.c: the application's own VSIC and VSAs (os/vsic.h):
 * a secondary controller granted by storctl, confined to our IOMMU domain,
 * its queues in our memory, its completions by polling or by MSI-X.
 */
#include <os/vsic.h>
#include <pci/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/lmp.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define ADMIN_ENTRIES 16
#define IRQ_BADGE     (1ull << 0)

static uint64_t clock_us(void *arg)
{
    (void)arg;
    uint64_t per_us = sys_tsc_hz() / 1000000;
    return sys_rdtsc() / (per_us ? per_us : 1);
}

static struct nvme_dma page_of(const struct dma_buf *b, unsigned i)
{
    return (struct nvme_dma){(char *)b->va + (size_t)i * OBJSIZE_PAGE,
                             b->iova + (uint64_t)i * OBJSIZE_PAGE};
}

// Our domain with the queues' memory, the VF attached to it; then its
// configuration page, with Memory Space and (now that it is confined) Bus
// Master on.
static errval_t memory_setup(struct vsic *v)
{
    capref_t cfg;
    void *page;
    errval_t err = dma_space_init(&v->space);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, 3 * OBJSIZE_PAGE, DMA_WRITE, &v->admin);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, 2 * OBJSIZE_PAGE, DMA_WRITE, &v->ioq);
    if (err_is_ok(err))
        err = devmgr_attach(v->info.rid, v->space.domain, NULL_CAP);
    if (err_is_ok(err))
        err = devmgr_config(v->info.rid, &cfg);
    if (err_is_ok(err))
        err = vspace_map(cfg, OBJSIZE_PAGE, MAP_WRITE, &page);
    if (err_is_fail(err))
        return err;
    v->page = (struct pci_fn_page){page, pci_rid_bdf(v->info.rid)};
    struct pci_cfg c = pci_page_cfg(&v->page);
    pci_write16(&c, v->page.bdf, PCI_COMMAND,
                pci_read16(&c, v->page.bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    return SYS_ERR_OK;
}

// MSI-X vector 0 (the VF's only one; its table is in BAR 0) as a
// notification on an endpoint of ours, masked until vsic_wait sleeps.
// QEMU claims a queue's vector only if MSI-X is on when the queue is made:
// this runs before the controller is enabled.
static errval_t irq_setup(struct vsic *v, void *regs, uint64_t bar_bytes)
{
    struct pci_cfg c = pci_page_cfg(&v->page);
    struct pci_msix x;
    capref_t irq, note = NULL_CAP;
    uint64_t addr;
    uint32_t vector, data;
    uint16_t off;
    errval_t err = pci_cap_find(&c, v->page.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&c, v->page.bdf, off, &x);
    if (err_is_ok(err) && (x.table_bir != 0 || x.table_offset >= bar_bytes))
        err = PCI_ERR_BAD_CAP;
    if (err_is_ok(err))
        err = obj_alloc(&v->irq_ep, ObjType_Endpoint, OBJSIZE_ENDPOINT);
    if (err_is_ok(err))
        err = devmgr_irq(v->info.rid, &irq, &vector, &addr, &data);
    if (err_is_ok(err))
        err = slot_alloc(&note);
    if (err_is_ok(err))
        err = cap_mint(note, v->irq_ep, CAP_RIGHT_WRITE, RPC_BADGE_NOTIFY | IRQ_BADGE, 0);
    if (err_is_ok(err))
        err = invoke_irqdest_connect(irq, note);
    if (note)
        cap_destroy(note);
    if (err_is_fail(err))
        return err;
    v->msix = (struct pci_msix_table){mmio_direct((char *)regs + x.table_offset), x.table_size};
    err = pci_msix_set(&v->msix, 0, addr, data); // leaves it masked
    if (err_is_ok(err))
        pci_msix_enable(&c, v->page.bdf, &x, true);
    return err;
}

static errval_t ctrl_setup(struct vsic *v, void *regs)
{
    struct mmio mmio = mmio_direct(regs);
    errval_t err = nvme_ctrl_init(&v->ctrl, &mmio, clock_us, NULL);
    if (err_is_ok(err))
        err = nvme_ctrl_disable(&v->ctrl);
    if (err_is_ok(err))
        err = nvme_admin_queues(&v->ctrl, page_of(&v->admin, 0), page_of(&v->admin, 1),
                                ADMIN_ENTRIES);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&v->ctrl);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&v->ctrl, page_of(&v->admin, 2));
    if (err_is_ok(err))
        err = nvme_identify_controller(&v->ctrl, &v->id);
    if (err_is_ok(err) && v->id.cntlid != v->info.cntlid)
        err = SYS_ERR_NOT_FOUND; // not the controller storctl gave us
    if (err_is_ok(err))
        err = nvme_ioq_create(&v->ctrl, &v->q, 1, page_of(&v->ioq, 0), page_of(&v->ioq, 1),
                              VSIC_IOQ_ENTRIES, 0);
    return err;
}

errval_t vsic_open(struct vsic **out)
{
    struct vsic *v = calloc(1, sizeof(*v));
    if (!v)
        return SYS_ERR_NO_MEMORY;
    capref_t bar;
    uint64_t bytes;
    void *regs = NULL;
    errval_t err = storctl_vsic_create(&v->info);
    if (err_is_ok(err))
        err = memory_setup(v);
    if (err_is_ok(err))
        err = devmgr_bar(v->info.rid, 0, &bar, &bytes);
    if (err_is_ok(err))
        err = vspace_map(bar, bytes, MAP_WRITE, &regs);
    if (err_is_ok(err))
        err = irq_setup(v, regs, bytes);
    if (err_is_ok(err))
        err = ctrl_setup(v, regs);
    if (err_is_fail(err)) {
        if (v->info.owner)
            storctl_vsic_destroy(v->info.id);
        free(v);
        return err;
    }
    *out = v;
    return SYS_ERR_OK;
}

errval_t vsic_close(struct vsic *v)
{
    // Only the VF's owner gives it back; then storctl takes the rest.
    errval_t err = devmgr_return(v->info.rid);
    if (err_is_ok(err))
        err = storctl_vsic_destroy(v->info.id);
    free(v);
    return err;
}

unsigned vsic_poll(struct vsic *v) { return nvme_ioq_poll(&v->q); }

static bool finished(struct vsic *v, const volatile bool *flag)
{
    return flag ? *flag : v->q.outstanding == 0;
}

// Sleep until the vector fires (or, with a bound, until end_us): unmask,
// look once more (a completion before the unmask left its message
// pending, which the unmask sends), wait, mask again.
static errval_t sleep_irq(struct vsic *v, const volatile bool *flag, uint64_t end_us)
{
    struct lmp_recv_msg m;
    errval_t err = pci_msix_mask(&v->msix, 0, false);
    if (err_is_fail(err) || nvme_ioq_poll(&v->q) || finished(v, flag)) {
        pci_msix_mask(&v->msix, 0, true);
        return err;
    }
    if (!end_us) {
        err = lmp_recv(v->irq_ep, 0, NULL_CAP, &m);
    } else {
        while (err_no(err = lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m)) ==
                   LMP_ERR_NO_MESSAGE &&
               clock_us(NULL) < end_us)
            sys_yield();
        if (err_no(err) == LMP_ERR_NO_MESSAGE)
            err = SYS_ERR_OK; // the caller sees the time is up
    }
    if (err_is_ok(err))
        v->interrupts++;
    pci_msix_mask(&v->msix, 0, true);
    return err;
}

errval_t vsic_wait(struct vsic *v, const volatile bool *flag, uint64_t timeout_us)
{
    uint64_t end = timeout_us ? clock_us(NULL) + timeout_us : 0;
    for (;;) {
        nvme_ioq_poll(&v->q);
        if (finished(v, flag))
            return SYS_ERR_OK;
        uint32_t csts = mmio_read32(&v->ctrl.regs, NVME_REG_CSTS);
        if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS))
            return NVME_ERR_FATAL;
        if (end && clock_us(NULL) >= end)
            return SYS_ERR_TIMEOUT;
        errval_t err = sleep_irq(v, flag, end);
        if (err_is_fail(err))
            return err;
    }
}

errval_t vsic_dma(struct vsic *v, uint64_t bytes, uint32_t flags, struct dma_buf *out)
{
    return dma_alloc(&v->space, bytes, flags, out);
}

errval_t vsa_open(struct vsic *v, const char *name, struct vsa **out)
{
    struct vsa *a = calloc(1, sizeof(*a));
    if (!a)
        return SYS_ERR_NO_MEMORY;
    a->vsic = v;
    struct nvme_ns_info info;
    bool acquired = false;
    errval_t err = storctl_vsa_acquire(name, &a->info);
    if (err_is_ok(err)) {
        acquired = true;
        err = nvme_identify_namespace(&v->ctrl, a->info.nsid, false, &info);
    }
    if (err_is_ok(err))
        err = dma_alloc(&v->space, VSIC_BOUNCE_PAGES * OBJSIZE_PAGE, DMA_WRITE, &a->bounce);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, OBJSIZE_PAGE, 0, &a->list); // the device only reads PRP lists
    if (err_is_ok(err)) {
        struct nvme_dma pages[VSIC_BOUNCE_PAGES];
        for (unsigned i = 0; i < VSIC_BOUNCE_PAGES; i++)
            pages[i] = page_of(&a->bounce, i);
        a->ns = (struct nvme_ns){&v->q, info.nsid, info.block_size, info.blocks};
        err = nvme_bdev_init(&a->nb, &a->ns, pages, VSIC_BOUNCE_PAGES, page_of(&a->list, 0),
                             VSIC_WAIT_US, &a->dev);
    }
    if (err_is_fail(err)) {
        if (acquired)
            storctl_vsa_release(name);
        free(a);
        return err;
    }
    *out = a;
    return SYS_ERR_OK;
}

errval_t vsa_close(struct vsa *a)
{
    errval_t err = storctl_vsa_release(a->info.name);
    free(a);
    return err;
}

errval_t vsa_destroy(struct vsa *a)
{
    errval_t err = storctl_vsa_destroy(a->info.name);
    free(a);
    return err;
}
