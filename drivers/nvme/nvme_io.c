/* drivers/nvme/nvme_io.c: NVMe I/O queue pairs, PRP lists, READ/WRITE/FLUSH with callbacks. */
#include <base/string.h>
#include <nvme/nvme_io.h>

#define PAGE 4096u

static void db_write(struct nvme_ioq *q, uint32_t off, uint16_t v)
{
    mmio_write32(&q->ctrl->regs, off, v);
}

static MUST_CHECK errval_t queue_cmd(struct nvme_ctrl *c, uint8_t opc, uint32_t cdw10,
                                     uint32_t cdw11, uint64_t prp1)
{
    struct nvme_sqe cmd = {.opc = opc, .prp1 = prp1, .cdw10 = cdw10, .cdw11 = cdw11};
    return nvme_admin_cmd(c, &cmd, NULL);
}

errval_t nvme_ioq_attach(struct nvme_ctrl *c, struct nvme_ioq *q, uint16_t qid, struct nvme_dma sq,
                         struct nvme_dma cq, uint16_t entries, int vector)
{
    if (!qid || entries < 2 || entries > NVME_IOQ_MAX_ENTRIES || entries > NVME_CAP_MQES(c->cap) ||
        vector < NVME_IOQ_POLLED || vector > 0xffff)
        return SYS_ERR_INVALID_ARGS;
    if ((sq.iova | cq.iova) & (PAGE - 1))
        return SYS_ERR_ALIGNMENT;
    memset(sq.va, 0, PAGE);
    memset(cq.va, 0, PAGE); // phase tags 0: nothing posted
    *q = (struct nvme_ioq){.ctrl = c, .qid = qid, .entries = entries, .vector = vector};
    q->sq = (struct nvme_queue){.mem = sq, .entries = entries};
    q->cq = (struct nvme_queue){.mem = cq, .entries = entries, .phase = 1};
    return SYS_ERR_OK;
}

errval_t nvme_ioq_create_at(struct nvme_ctrl *c, uint16_t qid, uint64_t sq_iova, uint64_t cq_iova,
                            uint16_t entries, int vector)
{
    if (!qid || entries < 2 || entries > NVME_IOQ_MAX_ENTRIES || entries > NVME_CAP_MQES(c->cap) ||
        vector < NVME_IOQ_POLLED || vector > 0xffff)
        return SYS_ERR_INVALID_ARGS;
    if ((sq_iova | cq_iova) & (PAGE - 1))
        return SYS_ERR_ALIGNMENT;
    uint32_t cq_flags = NVME_CQ_PC;
    if (vector != NVME_IOQ_POLLED)
        cq_flags |= NVME_CQ_IEN | NVME_CQ_IV(vector);
    errval_t err =
        queue_cmd(c, NVME_ADMIN_CREATE_CQ, NVME_QUEUE_CDW10(qid, entries), cq_flags, cq_iova);
    if (err_is_fail(err))
        return err;
    err = queue_cmd(c, NVME_ADMIN_CREATE_SQ, NVME_QUEUE_CDW10(qid, entries),
                    NVME_SQ_CQID(qid) | NVME_SQ_PC, sq_iova);
    if (err_is_fail(err))
        // the SQ's error is the one to report
        // the rest of the entry after its phase tag
        err_ignore(queue_cmd(c, NVME_ADMIN_DELETE_CQ, qid, 0, 0),
                   "the SQ's error is the one to report");
    return err;
}

errval_t nvme_ioq_create(struct nvme_ctrl *c, struct nvme_ioq *q, uint16_t qid, struct nvme_dma sq,
                         struct nvme_dma cq, uint16_t entries, int vector)
{
    errval_t err = nvme_ioq_attach(c, q, qid, sq, cq, entries, vector);
    return err_is_ok(err) ? nvme_ioq_create_at(c, qid, sq.iova, cq.iova, entries, vector) : err;
}

errval_t nvme_ioq_delete(struct nvme_ioq *q)
{
    errval_t err = queue_cmd(q->ctrl, NVME_ADMIN_DELETE_SQ, q->qid, 0, 0);
    nvme_ioq_poll(q); // aborted commands may have posted their completions
    errval_t cq_err = queue_cmd(q->ctrl, NVME_ADMIN_DELETE_CQ, q->qid, 0, 0);
    for (unsigned i = 0; i < q->entries; i++) {
        struct nvme_io_slot *s = &q->slots[i];
        if (s->busy && s->done)
            s->done(s->arg, NVME_ERR_SC_ABORTED, NULL);
        s->busy = false;
    }
    q->outstanding = 0;
    return err_is_fail(err) ? err : cq_err;
}

errval_t nvme_prp_build(const struct nvme_xfer *x, uint32_t bytes, uint64_t *prp1, uint64_t *prp2)
{
    if (!bytes || x->offset >= PAGE)
        return SYS_ERR_INVALID_ARGS;
    if (x->offset & 3)
        return SYS_ERR_ALIGNMENT; // PRP entries address dwords (bits 1:0 zero)
    uint64_t pages = ((uint64_t)x->offset + bytes + PAGE - 1) / PAGE;
    if (pages > x->npages)
        return SYS_ERR_INVALID_ARGS;
    for (unsigned i = 0; i < pages; i++) {
        if (x->pages[i] & (PAGE - 1))
            return SYS_ERR_ALIGNMENT;
    }
    *prp1 = x->pages[0] + x->offset;
    *prp2 = pages == 2 ? x->pages[1] : 0;
    if (pages <= 2)
        return SYS_ERR_OK;
    // PRP2 points at a list of the remaining pages (one page of entries:
    // no chaining, which transfers within MDTS never need).
    if (pages - 1 > NVME_PRP_PER_PAGE)
        return NVME_ERR_TOO_LARGE;
    if (!x->list.va)
        return NVME_ERR_NO_PRP_LIST;
    if (x->list.iova & (PAGE - 1))
        return SYS_ERR_ALIGNMENT;
    uint64_t *list = x->list.va;
    for (unsigned i = 1; i < pages; i++)
        list[i - 1] = x->pages[i];
    *prp2 = x->list.iova;
    return SYS_ERR_OK;
}

static int free_slot(const struct nvme_ioq *q)
{
    // One entry fewer than the queue: the CQ never has to hold more.
    if (q->outstanding >= q->entries - 1u)
        return -1;
    for (unsigned i = 0; i < q->entries; i++) {
        if (!q->slots[i].busy)
            return (int)i;
    }
    return -1;
}

errval_t nvme_io_submit(struct nvme_ioq *q, struct nvme_sqe *cmd, const struct nvme_xfer *x,
                        uint32_t bytes, nvme_io_done_fn done, void *arg, uint16_t *cid)
{
    uint16_t next = (uint16_t)((q->sq.index + 1) % q->entries);
    int slot = free_slot(q);
    if (next == q->sq_head || slot < 0)
        return NVME_ERR_QUEUE_FULL;
    if (x && q->ctrl->max_xfer && bytes > q->ctrl->max_xfer)
        return NVME_ERR_TOO_LARGE;
    cmd->prp1 = cmd->prp2 = 0;
    if (x) {
        errval_t err = nvme_prp_build(x, bytes, &cmd->prp1, &cmd->prp2);
        if (err_is_fail(err))
            return err;
    }
    cmd->flags = 0; // PRPs, not fused
    cmd->cid = (uint16_t)slot;
    q->slots[slot] = (struct nvme_io_slot){done, arg, true};
    q->outstanding++;
    ((struct nvme_sqe *)q->sq.mem.va)[q->sq.index] = *cmd;
    q->sq.index = next;
    // The entry and its PRP list must be in memory before the device hears of it.
    __asm__ volatile("" ::: "memory");
    db_write(q, nvme_sq_tail_doorbell(q->qid, q->ctrl->dstrd), q->sq.index);
    *cid = (uint16_t)slot;
    return SYS_ERR_OK;
}

// Hand one completion to its command's callback.
static void complete(struct nvme_ioq *q, const struct nvme_cqe *e)
{
    q->sq_head = e->sqhd % q->entries;
    struct nvme_io_slot *s = e->cid < q->entries ? &q->slots[e->cid] : NULL;
    if (!s || !s->busy) {
        q->stray++;
        return;
    }
    struct nvme_io_slot was = *s;
    s->busy = false; // free before the callback: it may submit the next command
    q->outstanding--;
    if (was.done)
        was.done(was.arg, nvme_cqe_status(e), e);
}

unsigned nvme_ioq_poll(struct nvme_ioq *q)
{
    struct nvme_queue *cq = &q->cq;
    unsigned n = 0;
    for (;;) {
        volatile struct nvme_cqe *v = (volatile struct nvme_cqe *)cq->mem.va + cq->index;
        if ((v->status & NVME_CQE_PHASE) != cq->phase)
            break;
        __asm__ volatile("" ::: "memory");
        struct nvme_cqe e = {v->dw0, v->dw1, v->sqhd, v->sqid, v->cid, v->status};
        if (++cq->index == cq->entries) {
            cq->index = 0;
            cq->phase ^= 1;
        }
        complete(q, &e);
        n++;
    }
    if (n)
        db_write(q, nvme_cq_head_doorbell(q->qid, q->ctrl->dstrd), cq->index);
    return n;
}

errval_t nvme_ioq_wait(struct nvme_ioq *q, const volatile bool *flag, uint64_t timeout_us)
{
    struct nvme_ctrl *c = q->ctrl;
    uint64_t start = c->clock_us(c->clock_arg);
    for (;;) {
        nvme_ioq_poll(q);
        if (flag ? *flag : q->outstanding == 0)
            return SYS_ERR_OK;
        uint32_t csts = mmio_read32(&c->regs, NVME_REG_CSTS);
        if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS))
            return NVME_ERR_FATAL;
        if (c->clock_us(c->clock_arg) - start > timeout_us)
            return SYS_ERR_TIMEOUT;
    }
}

void nvme_ioq_abandon(struct nvme_ioq *q, uint16_t cid)
{
    if (cid < q->entries && q->slots[cid].busy)
        q->slots[cid].done = NULL;
}

static MUST_CHECK errval_t rw(const struct nvme_ns *ns, uint8_t opc, uint64_t slba,
                              uint32_t nblocks, const struct nvme_xfer *x, nvme_io_done_fn done,
                              void *arg, uint16_t *cid)
{
    if (!nblocks || nblocks > 0x10000 || !x)
        return SYS_ERR_INVALID_ARGS;
    uint64_t bytes = (uint64_t)nblocks * ns->block_size;
    if (bytes > UINT32_MAX)
        return NVME_ERR_TOO_LARGE;
    struct nvme_sqe cmd = {.opc = opc,
                           .nsid = ns->nsid,
                           .cdw10 = (uint32_t)slba,
                           .cdw11 = (uint32_t)(slba >> 32),
                           .cdw12 = nblocks - 1};
    return nvme_io_submit(ns->q, &cmd, x, (uint32_t)bytes, done, arg, cid);
}

errval_t nvme_read(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                   const struct nvme_xfer *x, nvme_io_done_fn done, void *arg, uint16_t *cid)
{
    return rw(ns, NVME_IO_READ, slba, nblocks, x, done, arg, cid);
}

errval_t nvme_write(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                    const struct nvme_xfer *x, nvme_io_done_fn done, void *arg, uint16_t *cid)
{
    return rw(ns, NVME_IO_WRITE, slba, nblocks, x, done, arg, cid);
}

errval_t nvme_flush(const struct nvme_ns *ns, nvme_io_done_fn done, void *arg, uint16_t *cid)
{
    struct nvme_sqe cmd = {.opc = NVME_IO_FLUSH, .nsid = ns->nsid};
    return nvme_io_submit(ns->q, &cmd, NULL, 0, done, arg, cid);
}

errval_t nvme_write_zeroes(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                           nvme_io_done_fn done, void *arg, uint16_t *cid)
{
    if (!nblocks || nblocks > 0x10000)
        return SYS_ERR_INVALID_ARGS;
    struct nvme_sqe cmd = {.opc = NVME_IO_WRITE_ZEROES,
                           .nsid = ns->nsid,
                           .cdw10 = (uint32_t)slba,
                           .cdw11 = (uint32_t)(slba >> 32),
                           .cdw12 = nblocks - 1};
    return nvme_io_submit(ns->q, &cmd, NULL, 0, done, arg, cid);
}

struct sync_wait {
    volatile bool done;
    errval_t err;
};

static void sync_done(void *arg, errval_t err, const struct nvme_cqe *cqe)
{
    struct sync_wait *w = arg;
    w->err = err;
    w->done = true;
}

// Wait for the command just submitted (if it was): on a timeout it is
// abandoned, as w is about to go away.
static MUST_CHECK errval_t sync_finish(const struct nvme_ns *ns, errval_t err, uint16_t cid,
                                       struct sync_wait *w, uint64_t timeout_us)
{
    if (err_is_fail(err))
        return err;
    err = nvme_ioq_wait(ns->q, &w->done, timeout_us);
    if (err_is_fail(err)) {
        nvme_ioq_abandon(ns->q, cid);
        return err;
    }
    return w->err;
}

errval_t nvme_read_sync(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                        const struct nvme_xfer *x, uint64_t timeout_us)
{
    struct sync_wait w = {0};
    uint16_t cid = 0;
    errval_t err = nvme_read(ns, slba, nblocks, x, sync_done, &w, &cid);
    return sync_finish(ns, err, cid, &w, timeout_us);
}

errval_t nvme_write_sync(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                         const struct nvme_xfer *x, uint64_t timeout_us)
{
    struct sync_wait w = {0};
    uint16_t cid = 0;
    errval_t err = nvme_write(ns, slba, nblocks, x, sync_done, &w, &cid);
    return sync_finish(ns, err, cid, &w, timeout_us);
}

errval_t nvme_flush_sync(const struct nvme_ns *ns, uint64_t timeout_us)
{
    struct sync_wait w = {0};
    uint16_t cid = 0;
    errval_t err = nvme_flush(ns, sync_done, &w, &cid);
    return sync_finish(ns, err, cid, &w, timeout_us);
}

errval_t nvme_write_zeroes_sync(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                                uint64_t timeout_us)
{
    struct sync_wait w = {0};
    uint16_t cid = 0;
    errval_t err = nvme_write_zeroes(ns, slba, nblocks, sync_done, &w, &cid);
    return sync_finish(ns, err, cid, &w, timeout_us);
}
