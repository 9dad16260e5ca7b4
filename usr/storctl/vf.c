/*
 * usr/storctl/vf.c: a VSIC's VF as storctl drives it (docs/vsic.md). The
 * VF's admin queue is ours, never the application's: a secondary
 * controller's admin queue reaches the whole subsystem (Namespace
 * Attachment of any namespace to any controller, Format NVM, Identify of
 * everything: nvmetest's admin tests). We enable the controller with the
 * admin queue in our memory, in the VF's IOMMU domain (which we hold),
 * and make the owner's I/O queue pair in its memory; the owner gets the
 * page of BAR 0 with the doorbells and a window of the domain for its
 * buffers, nothing else.
 *
 * The owner can still ring the admin doorbells: the device then runs
 * whatever lies in the admin SQ between its head and the tail written.
 * That SQ is our page, mapped read-only for the device in a part of the
 * domain the owner's window does not cover, and once the owner's queues
 * exist it holds only zeros (Delete I/O SQ of queue 0: refused). We never
 * read the VF's admin CQ again after that, so whatever completions the
 * device posts there harm nobody.
 */
#include "storctl.h"
#include <pci/pci_regs.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define ADMIN_ENTRIES 16
#define VSIC_QUEUES   2 // the admin queue and one I/O pair: their doorbells are the owner's page

static MUST_CHECK errval_t map_bar(struct vsic_rec *v)
{
    struct pci_cfg cfg = pci_page_cfg(&v->page);
    uint16_t off;
    errval_t err = devmgr_bar(v->rid, 0, &v->bar, &v->bar_bytes);
    if (err_is_ok(err))
        err = vspace_map(v->bar, v->bar_bytes, MAP_WRITE, &v->regs);
    if (err_is_ok(err))
        err = pci_cap_find(&cfg, v->page.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&cfg, v->page.bdf, off, &v->msix);
    if (err_is_ok(err) && (v->msix.table_bir != 0 || v->msix.table_offset >= v->bar_bytes))
        err = PCI_ERR_BAD_CAP; // QEMU's controller keeps its table in BAR 0
    if (err_is_ok(err))
        v->table = (struct pci_msix_table){mmio_direct((char *)v->regs + v->msix.table_offset),
                                           v->msix.table_size};
    return err;
}

// The controller's registers (CAP reads as it should only once the
// secondary is online) and the page of BAR 0 its doorbells are on.
static MUST_CHECK errval_t ctrl_init(struct vsic_rec *v)
{
    struct mmio mmio = mmio_direct(v->regs);
    errval_t err = nvme_ctrl_init(&v->ctrl, &mmio, sys_clock_us_hook, NULL);
    if (err_is_fail(err))
        return err;
    uint32_t table = v->msix.table_size * PCI_MSIX_ENTRY_SIZE;
    uint32_t pba = v->msix.pba_bir == 0 ? (v->msix.table_size + 63) / 64 * 8 : 0;
    if (!nvme_doorbell_page(VSIC_QUEUES, v->ctrl.dstrd, v->msix.table_offset, table,
                            v->msix.pba_offset, pba, &v->db_off) ||
        v->db_off + OBJSIZE_PAGE > v->bar_bytes)
        return PCI_ERR_BAD_CAP; // no page with the doorbells alone
    return SYS_ERR_OK;
}

errval_t vf_init(struct vsic_rec *v)
{
    capref_t irq;
    errval_t err = map_bar(v);
    if (err_is_ok(err))
        err = dma_space_init(&v->space);
    if (err_is_ok(err))
        err = devmgr_attach(v->rid, v->space.domain, NULL_CAP);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, OBJSIZE_PAGE, 0, &v->asq); // the device only reads it
    if (err_is_ok(err))
        err = dma_alloc(&v->space, OBJSIZE_PAGE, DMA_WRITE, &v->acq);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, OBJSIZE_PAGE, DMA_WRITE, &v->scratch);
    if (err_is_ok(err))
        err = devmgr_irq(v->rid, &irq, &(uint32_t){0}, &v->msi_addr, &v->msi_data);
    if (err_is_ok(err)) // (with remapping, the message names an entry for this VF alone)
        v->irq = irq;
    return err;
}

// MSI-X on with vector 0 (the VF's only one) aimed at our IRQDest and
// masked: nobody's endpoint is connected to it until the owner's queues
// exist (vf_queues unmasks it then).
static MUST_CHECK errval_t msix_on(struct vsic_rec *v)
{
    struct pci_cfg cfg = pci_page_cfg(&v->page);
    errval_t err = pci_msix_set(&v->table, 0, v->msi_addr, v->msi_data); // leaves it masked
    if (err_is_ok(err))
        pci_msix_enable(&cfg, v->page.bdf, &v->msix, true);
    return err;
}

static MUST_CHECK errval_t ctrl_up(struct vsic_rec *v)
{
    struct nvme_ctrl_info info;
    errval_t err = ctrl_init(v);
    if (err_is_ok(err))
        err = nvme_ctrl_disable(&v->ctrl);
    if (err_is_ok(err))
        err = nvme_admin_queues(&v->ctrl, (struct nvme_dma){v->asq.va, v->asq.iova},
                                (struct nvme_dma){v->acq.va, v->acq.iova}, ADMIN_ENTRIES);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&v->ctrl);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&v->ctrl, (struct nvme_dma){v->scratch.va, v->scratch.iova});
    if (err_is_ok(err))
        err = nvme_identify_controller(&v->ctrl, &info);
    if (err_is_ok(err) && info.cntlid != v->cntlid)
        err = SYS_ERR_NOT_FOUND; // not the controller the secondary list paired with this VF
    return err;
}

errval_t vf_start(struct vsic_rec *v, capref_t *window)
{
    struct pci_cfg cfg = pci_page_cfg(&v->page);
    pci_write16(&cfg, v->page.bdf, PCI_COMMAND,
                pci_read16(&cfg, v->page.bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY |
                    PCI_COMMAND_MASTER);
    // QEMU claims a queue's vector only if MSI-X is on when it is made.
    errval_t err = FAILPOINT(msix_on(v));
    if (err_is_ok(err))
        err = FAILPOINT(ctrl_up(v));
    // A fresh table each time (the last owner's L1 tables may still point
    // into the old one), from RAM we give back when it goes: a VSIC is made
    // and ended many times in storctl's life.
    if (err_is_ok(err))
        err = FAILPOINT(ram_alloc(
            &v->window_ram, (OBJSIZE_IOVNODE + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1),
            OBJSIZE_PAGE));
    if (err_is_ok(err))
        err = FAILPOINT(slot_alloc(&v->window));
    if (err_is_ok(err))
        err = FAILPOINT(
            cap_retype(v->window, v->window_ram, ObjType_IOVNodeL2, 0, OBJSIZE_IOVNODE, 1));
    if (err_is_ok(err))
        err = FAILPOINT(
            invoke_iovnode_map(v->space.l3, (uint32_t)(VSIC_WINDOW >> 30), v->window, 0, 0, 1));
    if (err_is_ok(err))
        *window = v->window;
    return err;
}

// [iova, iova + one page) inside the owner's window?
static bool in_window(uint64_t iova)
{
    return iova >= VSIC_WINDOW + DMA_IOVA_BASE && iova < VSIC_WINDOW + DMA_IOVA_LIMIT &&
           !(iova & (OBJSIZE_PAGE - 1));
}

errval_t vf_queues(struct vsic_rec *v, uint64_t sq_iova, uint64_t cq_iova, uint16_t entries,
                   capref_t irq_note, capref_t *doorbells)
{
    if (v->queues)
        return SYS_ERR_BUSY; // one pair: all the VF's resources hold
    if (!in_window(sq_iova) || !in_window(cq_iova))
        return SYS_ERR_INVALID_ARGS; // the owner's own memory only
    errval_t err = SYS_ERR_OK;
    // The owner's endpoint, and the vector unmasked for good: the owner
    // cannot mask it (the table is not on its page), and notifications to
    // an endpoint coalesce, so it costs the owner an interrupt per
    // completion batch and nothing more. (A completion of our admin
    // commands left the vector pending: the owner gets one wake-up more.)
    if (irq_note) {
        // (IRQ_ERR_NOT_BOUND: nobody had it)
        err_ignore(invoke_irqdest_disconnect(v->irq),
                   "not bound is fine: the vector is unbound either way");
        err = invoke_irqdest_connect(v->irq, irq_note);
        if (err_is_ok(err))
            err = pci_msix_mask(&v->table, 0, false);
    }
    if (err_is_ok(err))
        err = nvme_ioq_create_at(&v->ctrl, 1, sq_iova, cq_iova, entries,
                                 irq_note ? 0 : NVME_IOQ_POLLED);
    if (err_is_fail(err))
        return err;
    // What the device would run again if the owner rang the admin doorbell.
    memset(v->asq.va, 0, OBJSIZE_PAGE);
    err = slot_alloc(&v->doorbells);
    if (err_is_ok(err))
        err = cap_retype(v->doorbells, v->bar, ObjType_DevFrame, v->db_off, OBJSIZE_PAGE, 1);
    if (err_is_fail(err)) {
        if (v->doorbells)
            slot_free(v->doorbells);
        v->doorbells = NULL_CAP;
        return err;
    }
    v->queues = true;
    *doorbells = v->doorbells;
    return SYS_ERR_OK;
}

void vf_stop(struct vsic_rec *v)
{
    if (v->doorbells) {
        // the owner's copy (and its mapping) goes
        err_ignore(cap_revoke(v->doorbells),
                   "best effort while taking a device back: copies left behind name a device the "
                   "next owner resets");
        cap_destroy(v->doorbells);
        v->doorbells = NULL_CAP;
    }
    // (IRQ_ERR_NOT_BOUND: never connected)
    err_ignore(invoke_irqdest_disconnect(v->irq),
               "not bound is fine: the vector is unbound either way");
    v->queues = false;
}

void vf_unwindow(struct vsic_rec *v)
{
    if (v->window) {
        err_ignore(cap_revoke(v->window), // the owner's copy
                   "fails only for an empty slot: vf_start stopped before the retype");
        cap_destroy(v->window); // unmapped: its buffers are out of the device's reach
        v->window = NULL_CAP;
    }
    if (v->window_ram) {
        // (mem_serv's error: nothing to do about it here)
        err_ignore(ram_free(v->window_ram),
                   "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we "
                   "end");
        v->window_ram = NULL_CAP;
    }
}
