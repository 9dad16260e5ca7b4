/* lib/os/bdev/nvme_bdev.c: an NVMe namespace as a struct blockdev, through bounce pages. */
#include <base/string.h>
#include <os/nvme_bdev.h>

#define PAGE 4096u

// Blocks per transfer: what the bounce pages hold, within MDTS.
static uint32_t chunk_blocks(const struct nvme_bdev *b)
{
    uint64_t bytes = (uint64_t)b->npages * PAGE;
    uint32_t mdts = b->ns.q->ctrl->max_xfer;
    if (mdts && mdts < bytes)
        bytes = mdts;
    return (uint32_t)(bytes / b->ns.block_size);
}

static MUST_CHECK errval_t check_range(const struct nvme_bdev *b, uint64_t block, uint32_t count)
{
    return block > b->ns.blocks || count > b->ns.blocks - block ? SYS_ERR_INVALID_ARGS : SYS_ERR_OK;
}

// bytes between the bounce pages and the caller's buffer: out of the pages
// into `in` (a read), or into them from `out` (a write; the other NULL).
// Page by page: the bounce pages need not be contiguous here.
static void bounce(struct nvme_bdev *b, uint8_t *in, const uint8_t *out, uint32_t bytes)
{
    for (uint32_t off = 0; off < bytes; off += PAGE) {
        uint32_t len = bytes - off < PAGE ? bytes - off : PAGE;
        void *page = b->pages[off / PAGE].va;
        if (in)
            memcpy(in + off, page, len);
        else
            memcpy(page, out + off, len);
    }
}

static MUST_CHECK errval_t bdev_read(void *arg, uint64_t block, uint32_t count, void *buf)
{
    struct nvme_bdev *b = arg;
    struct nvme_xfer x = {b->iovas, b->npages, 0, b->list};
    uint32_t bs = b->ns.block_size, step = chunk_blocks(b);
    errval_t err = check_range(b, block, count);
    for (uint32_t done = 0; err_is_ok(err) && done < count; done += step) {
        uint32_t n = count - done < step ? count - done : step;
        err = nvme_read_sync(&b->ns, block + done, n, &x, b->timeout_us);
        if (err_is_ok(err))
            bounce(b, (uint8_t *)buf + (uint64_t)done * bs, NULL, n * bs);
    }
    return err;
}

static MUST_CHECK errval_t bdev_write(void *arg, uint64_t block, uint32_t count, const void *buf)
{
    struct nvme_bdev *b = arg;
    struct nvme_xfer x = {b->iovas, b->npages, 0, b->list};
    uint32_t bs = b->ns.block_size, step = chunk_blocks(b);
    errval_t err = check_range(b, block, count);
    for (uint32_t done = 0; err_is_ok(err) && done < count; done += step) {
        uint32_t n = count - done < step ? count - done : step;
        bounce(b, NULL, (const uint8_t *)buf + (uint64_t)done * bs, n * bs);
        err = nvme_write_sync(&b->ns, block + done, n, &x, b->timeout_us);
    }
    return err;
}

static MUST_CHECK errval_t bdev_flush(void *arg)
{
    struct nvme_bdev *b = arg;
    return nvme_flush_sync(&b->ns, b->timeout_us);
}

errval_t nvme_bdev_init(struct nvme_bdev *b, const struct nvme_ns *ns, const struct nvme_dma *pages,
                        unsigned npages, struct nvme_dma list, uint64_t timeout_us,
                        struct blockdev *dev)
{
    if (!npages || npages > NVME_BDEV_MAX_PAGES || ns->block_size < 512 || ns->block_size > PAGE ||
        (ns->block_size & (ns->block_size - 1)))
        return SYS_ERR_INVALID_ARGS;
    if (npages > 2 && !list.va)
        return NVME_ERR_NO_PRP_LIST;
    *b = (struct nvme_bdev){.ns = *ns, .npages = npages, .list = list, .timeout_us = timeout_us};
    for (unsigned i = 0; i < npages; i++) {
        if (pages[i].iova & (PAGE - 1))
            return SYS_ERR_ALIGNMENT;
        b->pages[i] = pages[i];
        b->iovas[i] = pages[i].iova;
    }
    *dev = (struct blockdev){bdev_read, bdev_write, bdev_flush, ns->block_size, ns->blocks, b};
    return SYS_ERR_OK;
}
