/*
 * lib/os/include/os/nvme_bdev.h: an NVMe namespace, through one
 * I/O queue pair, as a struct blockdev (for lib/os/log and the like).
 *
 * Data goes through bounce pages the caller gives (DMA memory the
 * controller reaches), so callers' buffers need not be DMA memory: each
 * read or write is cut into transfers of at most those pages (and MDTS),
 * each waited for before the next. Flush is NVMe FLUSH of the namespace.
 */
#pragma once

#include <nvme/nvme_io.h>
#include <os/blockdev.h>

#define NVME_BDEV_MAX_PAGES 64

struct nvme_bdev {
    struct nvme_ns ns;
    struct nvme_dma pages[NVME_BDEV_MAX_PAGES]; // bounce buffer
    uint64_t iovas[NVME_BDEV_MAX_PAGES];
    unsigned npages;
    struct nvme_dma list; // PRP list page
    uint64_t timeout_us;  // per command
};

// Make *dev the block device of namespace ns (its queue must stay
// created), bouncing through pages[0..npages) (1 .. NVME_BDEV_MAX_PAGES,
// page aligned) with list as the PRP list page (needed if npages > 2).
// Errors: SYS_ERR_INVALID_ARGS (npages, or a block size other than
// 512 .. 4096), SYS_ERR_ALIGNMENT, NVME_ERR_NO_PRP_LIST.
MUST_CHECK errval_t nvme_bdev_init(struct nvme_bdev *b, const struct nvme_ns *ns,
                                   const struct nvme_dma *pages, unsigned npages,
                                   struct nvme_dma list, uint64_t timeout_us, struct blockdev *dev);
