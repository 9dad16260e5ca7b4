/* drivers/nvme/nvme.c: NVMe controller reset and enable, admin queues, admin commands. */
#include <base/string.h>
#include <nvme/nvme.h>

#define PAGE 4096u

static uint32_t rd32(const struct nvme_ctrl *c, uint32_t off) { return mmio_read32(&c->regs, off); }

static void wr32(struct nvme_ctrl *c, uint32_t off, uint32_t v) { mmio_write32(&c->regs, off, v); }

errval_t nvme_ctrl_init(struct nvme_ctrl *c, const struct mmio *regs,
                        uint64_t (*clock_us)(void *arg), void *clock_arg)
{
    memset(c, 0, sizeof(*c));
    c->regs = *regs;
    c->clock_us = clock_us;
    c->clock_arg = clock_arg;
    c->cap = mmio_read64(regs, NVME_REG_CAP);
    c->vs = rd32(c, NVME_REG_VS);
    c->dstrd = NVME_CAP_DSTRD(c->cap);
    // CAP.TO of 0 would mean no time at all: allow one unit.
    unsigned to = NVME_CAP_TO(c->cap) ? NVME_CAP_TO(c->cap) : 1;
    c->timeout_us = (uint64_t)to * NVME_TO_UNIT_MS * 1000;
    c->cmd_timeout_us = NVME_CMD_TIMEOUT_US;
    if (!(c->cap & NVME_CAP_CSS_NVM) || NVME_CAP_MPSMIN(c->cap) > 0)
        return SYS_ERR_UNSUPPORTED;
    return SYS_ERR_OK;
}

// Wait until CSTS.RDY == ready, for at most CAP.TO.
static MUST_CHECK errval_t wait_ready(struct nvme_ctrl *c, bool ready)
{
    uint64_t start = c->clock_us(c->clock_arg);
    for (;;) {
        uint32_t csts = rd32(c, NVME_REG_CSTS);
        if (csts == 0xffffffffu || (ready && (csts & NVME_CSTS_CFS)))
            return NVME_ERR_FATAL; // all ones: the device is gone
        if (!!(csts & NVME_CSTS_RDY) == ready)
            return SYS_ERR_OK;
        if (c->clock_us(c->clock_arg) - start > c->timeout_us)
            return NVME_ERR_NOT_READY;
    }
}

errval_t nvme_ctrl_disable(struct nvme_ctrl *c)
{
    wr32(c, NVME_REG_CC, rd32(c, NVME_REG_CC) & ~NVME_CC_EN);
    return wait_ready(c, false);
}

errval_t nvme_admin_queues(struct nvme_ctrl *c, struct nvme_dma sq, struct nvme_dma cq,
                           uint16_t entries)
{
    if (rd32(c, NVME_REG_CC) & NVME_CC_EN)
        return SYS_ERR_BUSY;
    if (entries < 2 || entries > PAGE / sizeof(struct nvme_sqe) || entries > NVME_CAP_MQES(c->cap))
        return SYS_ERR_INVALID_ARGS;
    if ((sq.iova | cq.iova) & (PAGE - 1))
        return SYS_ERR_ALIGNMENT;
    memset(sq.va, 0, PAGE);
    memset(cq.va, 0, PAGE); // phase tags 0: nothing posted
    c->asq = (struct nvme_queue){.mem = sq, .entries = entries};
    c->acq = (struct nvme_queue){.mem = cq, .entries = entries, .phase = 1};
    c->sq_head = 0;
    wr32(c, NVME_REG_AQA, NVME_AQA(entries, entries));
    mmio_write64(&c->regs, NVME_REG_ASQ, sq.iova);
    mmio_write64(&c->regs, NVME_REG_ACQ, cq.iova);
    return SYS_ERR_OK;
}

errval_t nvme_ctrl_enable(struct nvme_ctrl *c)
{
    uint32_t cc = NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_AMS_RR |
                  NVME_CC_IOSQES(NVME_SQES) | NVME_CC_IOCQES(NVME_CQES);
    wr32(c, NVME_REG_CC, cc);
    return wait_ready(c, true);
}

errval_t nvme_admin_submit(struct nvme_ctrl *c, struct nvme_sqe *cmd)
{
    struct nvme_queue *q = &c->asq;
    uint16_t next = (uint16_t)((q->index + 1) % q->entries);
    if (next == c->sq_head)
        return NVME_ERR_QUEUE_FULL; // one slot stays free: full and empty differ
    cmd->cid = c->next_cid++;
    ((struct nvme_sqe *)q->mem.va)[q->index] = *cmd;
    q->index = next;
    // The entry must be in memory before the device hears of it.
    __asm__ volatile("" ::: "memory");
    wr32(c, nvme_sq_tail_doorbell(0, c->dstrd), q->index);
    return SYS_ERR_OK;
}

errval_t nvme_admin_poll(struct nvme_ctrl *c, struct nvme_cqe *out)
{
    struct nvme_queue *q = &c->acq;
    volatile struct nvme_cqe *e = (volatile struct nvme_cqe *)q->mem.va + q->index;
    if ((e->status & NVME_CQE_PHASE) != q->phase)
        return SYS_ERR_WOULD_BLOCK;
    __asm__ volatile("" ::: "memory"); // the rest of the entry after its phase tag
    *out = (struct nvme_cqe){e->dw0, e->dw1, e->sqhd, e->sqid, e->cid, e->status};
    if (++q->index == q->entries) {
        q->index = 0;
        q->phase ^= 1; // the controller flips the tag on each pass
    }
    c->sq_head = out->sqhd % c->asq.entries;
    wr32(c, nvme_cq_head_doorbell(0, c->dstrd), q->index);
    return SYS_ERR_OK;
}

errval_t nvme_admin_wait(struct nvme_ctrl *c, uint16_t cid, uint64_t timeout_us,
                         struct nvme_cqe *out)
{
    uint64_t start = c->clock_us(c->clock_arg);
    for (;;) {
        errval_t err = nvme_admin_poll(c, out);
        if (err_is_ok(err) && out->cid == cid)
            return SYS_ERR_OK;
        if (err_no(err) == SYS_ERR_WOULD_BLOCK) {
            if (rd32(c, NVME_REG_CSTS) & NVME_CSTS_CFS)
                return NVME_ERR_FATAL;
            if (c->clock_us(c->clock_arg) - start > timeout_us)
                return SYS_ERR_TIMEOUT;
        }
    }
}
