/*
 * usr/tests/nvmetest/tests_vf.c: the application's half: VF 1's
 * controller driven by the same driver as the PF, given only its BAR and
 * memory of its own IOMMU domain; an I/O queue pair; READ, WRITE and
 * FLUSH across sizes and offsets; the device's isolation of other VSAs.
 */
#include "nvmetest.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define MSIX_VECTOR 82 // the IRQDest the VF's interrupt goes to
#define MSIX_BADGE  (1ull << 2)
#define QUIET_US    100000

#define DATA_PAGES   33 // 128 KiB (MDTS) from any offset in the first page
#define BOUNCE_PAGES 16
#define IOQ_ENTRIES  32

errval_t vf_setup(struct machine *m, struct vf *v, struct pci_bdf bdf, const struct pci_bar *bar0,
                  bool full)
{
    v->m = m;
    v->bdf = bdf;
    v->bar0 = *bar0;
    void *regs = dev_map(bar0->addr, bar0->size);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mmio = mmio_direct(regs);
    errval_t err = domain_create(&v->dom);
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, 3, true, &v->admin);
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, 2, true, &v->ioq);
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, 3, false, &v->lists); // the device only reads PRP lists
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, DATA_PAGES, true, &v->data);
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, DATA_PAGES, true, &v->back);
    if (err_is_ok(err))
        err = dma_alloc(&v->dom, BOUNCE_PAGES, true, &v->bounce);
    if (err_is_ok(err))
        err = domain_attach(&v->dom, bdf);
    if (err_is_fail(err))
        return err;
    bus_master(m, bdf, true);
    err = nvme_ctrl_init(&v->c, &mmio, clock_us, NULL);
    if (err_is_ok(err))
        err = nvme_ctrl_disable(&v->c);
    if (err_is_ok(err))
        err = nvme_admin_queues(&v->c, dma_page(&v->admin, 0), dma_page(&v->admin, 1), 16);
    if (err_is_ok(err))
        err = nvme_ctrl_enable(&v->c);
    if (err_is_ok(err))
        err = nvme_admin_scratch(&v->c, dma_page(&v->admin, 2));
    struct nvme_ctrl_info info = {0};
    if (err_is_ok(err))
        err = nvme_identify_controller(&v->c, &info);
    if (full)
        report("vf.enable", err_is_ok(err) && info.cntlid == VF_CNTLID && info.max_xfer,
               "%s, controller %u, MDTS %u", err_name(err), info.cntlid, info.max_xfer);
    if (err_is_fail(err))
        return err;
    // What the VF sees: its VSA, nothing else.
    uint32_t ids[8] = {0};
    unsigned n = 0;
    struct nvme_ns_info ns = {0};
    err = nvme_namespaces(&v->c, false, ids, 8, &n);
    if (err_is_ok(err))
        err = nvme_identify_namespace(&v->c, VSA_NSID, false, &ns);
    if (full)
        report("vf.sees_its_vsa_only",
               err_is_ok(err) && n == 1 && ids[0] == VSA_NSID && ns.block_size == 512,
               "%s, %u namespaces, first %u", err_name(err), n, ids[0]);
    if (err_is_ok(err))
        err = nvme_ioq_create(&v->c, &v->q, 1, dma_page(&v->ioq, 0), dma_page(&v->ioq, 1),
                              IOQ_ENTRIES, NVME_IOQ_POLLED);
    struct nvme_ioq q2;
    errval_t second = nvme_ioq_create(&v->c, &q2, 2, dma_page(&v->lists, 1), dma_page(&v->lists, 2),
                                      8, NVME_IOQ_POLLED);
    if (full)
        report("vf.ioq", err_is_ok(err) && err_has(second, NVME_ERR_SC_INVALID_QID),
               "queue 1: %s; queue 2 (2 VQ: admin and one pair): %s", err_name(err),
               err_name(second));
    v->ns = (struct nvme_ns){&v->q, VSA_NSID, ns.block_size, ns.blocks};
    return err;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 7 + i * 13 + (i >> 9));
}

// A transfer over buffer b from offset in its first page, with PRP list page list.
static struct nvme_xfer xfer(struct vf *v, const struct dmabuf *b, uint64_t *pages, uint32_t offset,
                             unsigned list)
{
    for (unsigned i = 0; i < b->pages; i++)
        pages[i] = b->iova + i * 4096ull;
    return (struct nvme_xfer){pages, b->pages, offset, dma_page(&v->lists, list)};
}

// Write, read back, compare: nblocks at slba, the data offset into the
// buffers' first page.
static MUST_CHECK errval_t round_trip(struct vf *v, uint64_t slba, uint32_t nblocks,
                                      uint32_t offset, uint32_t seed, bool *same)
{
    static uint64_t wp[DATA_PAGES], rp[DATA_PAGES];
    uint32_t bytes = nblocks * v->ns.block_size;
    uint8_t *w = (uint8_t *)v->data.f.va + offset, *r = (uint8_t *)v->back.f.va + offset;
    fill(w, bytes, seed);
    memset(r, 0xee, bytes);
    struct nvme_xfer wx = xfer(v, &v->data, wp, offset, 0);
    struct nvme_xfer rx = xfer(v, &v->back, rp, offset, 1);
    errval_t err = nvme_write_sync(&v->ns, slba, nblocks, &wx, WAIT_US);
    if (err_is_ok(err))
        err = nvme_read_sync(&v->ns, slba, nblocks, &rx, WAIT_US);
    *same = err_is_ok(err) && !memcmp(w, r, bytes);
    return err;
}

static void test_sizes_offsets(struct vf *v)
{
    static const uint32_t sizes[] = {1,  2,  7,  8,  9,   15,  16,  17, 24,
                                     31, 32, 33, 64, 100, 128, 255, 256};
    static const uint32_t offsets[] = {0, 512, 2048, 3584};
    uint64_t slba = 0, ends[] = {0, v->ns.blocks / 2, v->ns.blocks - 256};
    unsigned done = 0, bad = 0;
    errval_t err = SYS_ERR_OK;
    for (unsigned e = 0; e < 3 && err_is_ok(err); e++) {
        slba = ends[e];
        for (unsigned o = 0; o < 4 && err_is_ok(err); o++) {
            for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && err_is_ok(err); i++) {
                bool same;
                uint64_t at = (slba + i * 37) % (v->ns.blocks - sizes[i] + 1);
                err = round_trip(v, at, sizes[i], offsets[o], done, &same);
                if (err_is_ok(err) && !same && bad++ < 3)
                    printf("nvmetest: %u blocks at LBA %lu, offset %u: read back differs\n",
                           sizes[i], at, offsets[o]);
                done++;
            }
        }
    }
    report("vf.rw_sizes_offsets", err_is_ok(err) && !bad && done == 3 * 4 * 17,
           "%s after %u round trips, %u differ", err_name(err), done, bad);
    // The last block of the namespace, and one past it.
    bool same = false;
    errval_t last = round_trip(v, v->ns.blocks - 1, 1, 0, 99, &same);
    bool ok_last = err_is_ok(last) && same;
    errval_t past = round_trip(v, v->ns.blocks - 1, 2, 0, 99, &same);
    report("vf.lba_range", ok_last && err_has(past, NVME_ERR_SC_LBA_RANGE),
           "last block %s, one past it %s", err_name(last), err_name(past));
}

static void test_flush(struct vf *v)
{
    errval_t err = nvme_flush_sync(&v->ns, WAIT_US);
    report("vf.flush", err_is_ok(err), "%s", err_name(err));
}

// Another VSA, the PF's namespace, one that does not exist: the device refuses.
static void test_isolation(struct vf *v)
{
    static uint64_t pages[DATA_PAGES];
    struct nvme_xfer x = xfer(v, &v->back, pages, 0, 1);
    struct nvme_ns other = v->ns;
    other.nsid = VSA_OTHER;
    errval_t e1 = nvme_read_sync(&other, 0, 1, &x, WAIT_US);
    errval_t e2 = nvme_write_sync(&other, 0, 1, &x, WAIT_US);
    other.nsid = 1;
    errval_t e3 = nvme_read_sync(&other, 0, 1, &x, WAIT_US);
    other.nsid = 4000;
    errval_t e4 = nvme_read_sync(&other, 0, 1, &x, WAIT_US);
    report("vf.other_vsa_refused",
           err_has(e1, NVME_ERR_SC_INVALID_FIELD) && err_has(e2, NVME_ERR_SC_INVALID_FIELD) &&
               err_has(e3, NVME_ERR_SC_INVALID_FIELD) && err_has(e4, NVME_ERR_SC_INVALID_NSID),
           "read namespace %u: %s, write: %s; the PF's: %s; namespace 4000: %s", VSA_OTHER,
           err_name(e1), err_name(e2), err_name(e3), err_name(e4));
}

struct async {
    unsigned done, ok;
};

static void async_done(void *arg, errval_t err, const struct nvme_cqe *cqe)
{
    struct async *a = arg;
    a->done++;
    a->ok += err_is_ok(err);
}

// Many commands in flight, one callback each.
static void test_async(struct vf *v)
{
    static uint64_t pages[DATA_PAGES][DATA_PAGES];
    struct async a = {0};
    unsigned sent = 0;
    errval_t err = SYS_ERR_OK;
    fill(v->data.f.va, DATA_PAGES * 4096, 77);
    for (unsigned i = 0; i < 24 && err_is_ok(err); i++) {
        // One page each, from page i of the data buffer, to LBAs 8i.
        pages[i][0] = v->data.iova + (i % DATA_PAGES) * 4096ull;
        struct nvme_xfer x = {pages[i], 1, 0, {0}};
        uint16_t cid;
        err = nvme_write(&v->ns, 1000 + 8 * i, 8, &x, async_done, &a, &cid);
        sent += err_is_ok(err);
    }
    uint16_t cid;
    if (err_is_ok(err))
        err = nvme_flush(&v->ns, async_done, &a, &cid);
    sent += err_is_ok(err);
    errval_t waited = nvme_ioq_wait(&v->q, NULL, WAIT_US);
    bool same = false;
    if (err_is_ok(waited)) {
        static uint64_t rp[DATA_PAGES];
        struct nvme_xfer rx = xfer(v, &v->back, rp, 0, 1);
        err = nvme_read_sync(&v->ns, 1000, 24 * 8, &rx, WAIT_US);
        same = err_is_ok(err) && !memcmp(v->data.f.va, v->back.f.va, 24 * 4096);
    }
    report("vf.async", err_is_ok(err) && err_is_ok(waited) && a.done == 25 && a.ok == 25 && same,
           "submit %s, wait %s, %u of %u called back (%u OK), data %s", err_name(err),
           err_name(waited), a.done, sent, a.ok, same ? "same" : "differs");
}

// The offset of VF b's MSI-X capability. drivers/pci's walkers take a
// function whose vendor ID reads FFFFh -- every VF's, by definition -- to
// have no capabilities, so this walks the legacy list itself: at most 48
// entries (the 192 bytes from 40h, 4-byte aligned), each inside 40h..FFh.
static MUST_CHECK errval_t vf_msix_cap(const struct pci_cfg *c, struct pci_bdf b, uint16_t *off)
{
    if (!(pci_read16(c, b, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return SYS_ERR_NOT_FOUND;
    uint8_t at = pci_read8(c, b, PCI_CAP_PTR) & PCI_CAP_PTR_MASK;
    for (unsigned i = 0; i < 48 && at >= PCI_CAP_FIRST; i++) {
        if (pci_read8(c, b, at + PCI_CAP_ID) == PCI_CAP_ID_MSIX) {
            *off = at;
            return SYS_ERR_OK;
        }
        at = pci_read8(c, b, at + PCI_CAP_NEXT) & PCI_CAP_PTR_MASK;
    }
    return SYS_ERR_NOT_FOUND;
}

// The VF's one MSI-X vector (entry 0 of the table in its BAR 0) to an
// endpoint. QEMU claims a vector for a completion queue only if MSI-X is
// on when the queue is made: on first, then the queue.
static MUST_CHECK errval_t vf_msix(struct vf *v, capref_t *ep, struct pci_msix_table *t)
{
    const struct pci_cfg *c = &v->m->cfg;
    struct pci_msix x = {0};
    uint16_t off = 0;
    uint64_t addr;
    uint32_t data;
    errval_t err = vf_msix_cap(c, v->bdf, &off);
    if (err_is_ok(err))
        err = pci_msix_read(c, v->bdf, off, &x);
    void *table = err_is_ok(err) && x.table_bir == 0
                      ? dev_map(v->bar0.addr + x.table_offset, x.table_size * PCI_MSIX_ENTRY_SIZE)
                      : NULL;
    if (err_is_ok(err) && !table)
        err = SYS_ERR_NOT_FOUND;
    if (err_is_ok(err)) {
        *t = (struct pci_msix_table){mmio_direct(table), x.table_size};
        err = irq_endpoint(MSIX_VECTOR, MSIX_BADGE, ep);
    }
    if (err_is_ok(err))
        err = invoke_irqdest_get_msi(cap_at(ROOTCN_SLOT_IRQCN, MSIX_VECTOR), &addr, &data);
    if (err_is_ok(err))
        err = pci_msix_set(t, 0, addr, data);
    if (err_is_ok(err))
        pci_msix_enable(c, v->bdf, &x, true);
    return err;
}

// The I/O queue pair again, now raising vector 0: a completion interrupts.
static void test_interrupt(struct vf *v)
{
    static uint64_t pages[DATA_PAGES];
    capref_t ep = NULL_CAP;
    struct pci_msix_table t;
    struct lmp_recv_msg msg = {0};
    errval_t err = nvme_ioq_delete(&v->q);
    errval_t msix = err_is_ok(err) ? vf_msix(v, &ep, &t) : err;
    // Without the vector the queue comes back polled, for the log tests.
    if (err_is_ok(err))
        err = nvme_ioq_create(&v->c, &v->q, 1, dma_page(&v->ioq, 0), dma_page(&v->ioq, 1),
                              IOQ_ENTRIES, err_is_ok(msix) ? 0 : NVME_IOQ_POLLED);
    err = err_is_ok(err) ? msix : err;
    if (err_is_ok(err))
        err = pci_msix_mask(&t, 0, false);
    while (err_is_ok(err) && err_is_ok(wait_notify(ep, QUIET_US, &msg)))
        ; // what the admin commands left pending
    struct nvme_xfer x = xfer(v, &v->data, pages, 0, 0);
    uint16_t cid;
    if (err_is_ok(err))
        err = nvme_write(&v->ns, 0, 8, &x, NULL, NULL, &cid);
    errval_t irq = err_is_ok(err) ? wait_notify(ep, WAIT_US, &msg) : err;
    unsigned polled = nvme_ioq_poll(&v->q);
    report("vf.msix_interrupt",
           err_is_ok(irq) && (msg.flags & LMP_RECV_NOTIFY) && msg.badge == MSIX_BADGE &&
               polled == 1,
           "%s; interrupt %s, badge %#lx; %u completions polled", err_name(err), err_name(irq),
           msg.badge, polled);
    if (err_is_ok(err))
        // the log tests poll
        err_ignore(pci_msix_mask(&t, 0, true),
                   "the log tests poll: a vector left unmasked only costs interrupts");
}

void vf_tests(struct vf *v)
{
    test_sizes_offsets(v);
    test_flush(v);
    test_isolation(v);
    test_async(v);
    test_interrupt(v);
}

errval_t vf_blockdev(struct vf *v, struct nvme_bdev *b, struct blockdev *dev)
{
    struct nvme_dma pages[BOUNCE_PAGES];
    for (unsigned i = 0; i < BOUNCE_PAGES; i++)
        pages[i] = dma_page(&v->bounce, i);
    return nvme_bdev_init(b, &v->ns, pages, BOUNCE_PAGES, dma_page(&v->lists, 2), WAIT_US, dev);
}
