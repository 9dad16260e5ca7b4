/*
 * lib/os/vsic/vsic.c: the application's own VSIC and VSAs (os/vsic.h):
 * a secondary controller storctl drives for us, our I/O queue pair in our
 * window of its IOMMU domain, rung through its doorbell page (all of its
 * registers we get), completions by polling or by MSI-X.
 */
#include <os/vsic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define ADMIN_ENTRIES 16
#define IRQ_BADGE     (1ull << 0)

static struct nvme_dma page_of(const struct dma_buf *b, unsigned i)
{
    return (struct nvme_dma){(char *)b->va + (size_t)i * OBJSIZE_PAGE,
                             b->iova + (uint64_t)i * OBJSIZE_PAGE};
}

// The controller's registers as we reach them: the doorbell page alone
// (BAR 0 from info.db_off). Anything else reads as 0 and is not written:
// we have no page 0. The I/O path reads CSTS alone, for a fatal status,
// and 0 says none: a controller that died shows as a timeout instead.
static volatile uint8_t *db_at(void *arg, uint32_t off, unsigned bytes)
{
    struct vsic *v = arg;
    uint32_t at = off - v->info.db_off;
    return off >= v->info.db_off && at + bytes <= OBJSIZE_PAGE ? (volatile uint8_t *)v->db + at
                                                               : NULL;
}

static uint32_t db_read32(void *arg, uint32_t off)
{
    volatile uint8_t *p = db_at(arg, off, 4);
    return p ? *(volatile uint32_t *)p : 0;
}

static uint64_t db_read64(void *arg, uint32_t off)
{
    volatile uint8_t *p = db_at(arg, off, 8);
    return p ? *(volatile uint64_t *)p : 0;
}

static void db_write32(void *arg, uint32_t off, uint32_t val)
{
    volatile uint8_t *p = db_at(arg, off, 4);
    if (p)
        *(volatile uint32_t *)p = val;
}

static void db_write64(void *arg, uint32_t off, uint64_t val)
{
    volatile uint8_t *p = db_at(arg, off, 8);
    if (p)
        *(volatile uint64_t *)p = val;
}

// Our queue pair's memory in our window, the driver's side of it, and
// the endpoint the VF's vector notifies.
static MUST_CHECK errval_t queue_setup(struct vsic *v, capref_t *note)
{
    errval_t err = dma_space_sub(&v->space, v->window, v->info.iova_base);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, 2 * OBJSIZE_PAGE, DMA_WRITE, &v->ioq);
    if (err_is_ok(err))
        err = FAILPOINT(
            obj_alloc_ram(&v->irq_ep, ObjType_Endpoint, OBJSIZE_ENDPOINT, &v->irq_ep_ram));
    if (err_is_ok(err))
        err = FAILPOINT(notify_cap(v->irq_ep, IRQ_BADGE, note));
    if (err_is_fail(err))
        return err;
    v->ctrl = (struct nvme_ctrl){
        .regs = {db_read32, db_read64, db_write32, db_write64, v},
        .cap = v->info.cap,
        .dstrd = NVME_CAP_DSTRD(v->info.cap),
        .clock_us = sys_clock_us_hook,
        .max_xfer = v->info.max_xfer,
        .cntlid = v->info.cntlid,
    };
    return FAILPOINT(nvme_ioq_attach(&v->ctrl, &v->q, 1, page_of(&v->ioq, 0), page_of(&v->ioq, 1),
                                     VSIC_IOQ_ENTRIES, 0));
}

// Undo vsic_open from wherever it got, or close the VSIC: the doorbell
// page first (storctl revokes it: it must not stay in our address space),
// then the VSIC itself (its controller goes offline, the window is
// revoked), then our memory. What was not made is NULL_CAP or zero.
static MUST_CHECK errval_t vsic_free(struct vsic *v)
{
    errval_t err = SYS_ERR_OK;
    if (v->db)
        err_ignore(vspace_unmap(v->doorbells), "fails only for a page not mapped here");
    if (v->doorbells)
        cap_destroy(v->doorbells);
    if (v->info.owner)
        err = storctl_vsic_destroy(v->info.id);
    dma_free(&v->ioq);
    dma_space_fini(&v->space); // our L1 tables; the window is storctl's
    if (v->window)
        cap_destroy(v->window);
    obj_free(v->irq_ep, v->irq_ep_ram);
    free(v);
    return err;
}

errval_t vsic_open(struct vsic **out)
{
    struct vsic *v = calloc(1, sizeof(*v));
    if (!v)
        return SYS_ERR_NO_MEMORY;
    capref_t note = NULL_CAP;
    void *db = NULL;
    errval_t err = FAILPOINT(storctl_vsic_create(&v->info, &v->window));
    if (err_is_ok(err))
        err = queue_setup(v, &note);
    if (err_is_ok(err))
        err = FAILPOINT(storctl_vsic_queues(v->info.id, v->q.sq.mem.iova, v->q.cq.mem.iova,
                                            VSIC_IOQ_ENTRIES, note, &v->doorbells));
    if (note)
        cap_destroy(note); // storctl connected the vector with its copy
    if (err_is_ok(err))
        err = FAILPOINT(vspace_map(v->doorbells, OBJSIZE_PAGE, MAP_WRITE, &db));
    if (err_is_fail(err)) {
        err_ignore(vsic_free(v), "storctl takes the VSIC back when we end if it cannot now");
        return err_push(err, VSIC_ERR_OPEN);
    }
    v->db = db;
    *out = v;
    return SYS_ERR_OK;
}

errval_t vsic_close(struct vsic *v)
{
    errval_t err = vsic_free(v);
    return err_is_ok(err) ? err : err_push(err, VSIC_ERR_CLOSE);
}

unsigned vsic_poll(struct vsic *v) { return nvme_ioq_poll(&v->q); }

static bool finished(struct vsic *v, const volatile bool *flag)
{
    return flag ? *flag : v->q.outstanding == 0;
}

// Sleep until the vector fires (or, with a bound, until end_us). The
// vector is never masked: a completion after our last poll left a
// notification pending, which ends the wait at once; one from before it
// only costs another poll.
static MUST_CHECK errval_t sleep_irq(struct vsic *v, uint64_t end_us)
{
    struct lmp_recv_msg m;
    errval_t err;
    if (!end_us) {
        err = lmp_recv(v->irq_ep, 0, NULL_CAP, &m);
    } else {
        while (err_has(err = lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m),
                       LMP_ERR_NO_MESSAGE) &&
               sys_clock_us() < end_us)
            sys_yield();
        if (err_has(err, LMP_ERR_NO_MESSAGE))
            return SYS_ERR_OK; // the caller sees the time is up
    }
    if (err_is_ok(err))
        v->interrupts++;
    return err;
}

errval_t vsic_wait(struct vsic *v, const volatile bool *flag, uint64_t timeout_us)
{
    uint64_t end = timeout_us ? sys_clock_us() + timeout_us : 0;
    for (;;) {
        nvme_ioq_poll(&v->q);
        if (finished(v, flag))
            return SYS_ERR_OK;
        if (end && sys_clock_us() >= end)
            return SYS_ERR_TIMEOUT;
        errval_t err = sleep_irq(v, end);
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
    bool acquired = false;
    errval_t err = storctl_vsa_acquire(name, &a->info);
    acquired = err_is_ok(err);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, VSIC_BOUNCE_PAGES * OBJSIZE_PAGE, DMA_WRITE, &a->bounce);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, OBJSIZE_PAGE, 0, &a->list); // the device only reads PRP lists
    if (err_is_ok(err)) {
        struct nvme_dma pages[VSIC_BOUNCE_PAGES];
        for (unsigned i = 0; i < VSIC_BOUNCE_PAGES; i++)
            pages[i] = page_of(&a->bounce, i);
        a->ns = (struct nvme_ns){&v->q, a->info.nsid, a->info.block_size, a->info.blocks};
        err = nvme_bdev_init(&a->nb, &a->ns, pages, VSIC_BOUNCE_PAGES, page_of(&a->list, 0),
                             VSIC_WAIT_US, &a->dev);
    }
    if (err_is_fail(err)) {
        dma_free(&a->list);
        dma_free(&a->bounce);
        if (acquired)
            err_ignore(storctl_vsa_release(name),
                       "storctl releases the VSA when we end if it cannot now");
        free(a);
        return err_push(err, VSIC_ERR_VSA_OPEN);
    }
    *out = a;
    return SYS_ERR_OK;
}

errval_t vsa_close(struct vsa *a)
{
    errval_t err = storctl_vsa_release(a->info.name);
    dma_free(&a->list);
    dma_free(&a->bounce);
    free(a);
    return err;
}

errval_t vsa_destroy(struct vsa *a)
{
    errval_t err = storctl_vsa_destroy(a->info.name);
    dma_free(&a->list);
    dma_free(&a->bounce);
    free(a);
    return err;
}
