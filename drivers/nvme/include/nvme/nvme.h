/*
 * drivers/nvme/include/nvme/nvme.h: an NVMe controller driver: reset,
 * admin queues, admin commands.
 *
 * The driver reaches the controller's registers through a struct mmio and
 * its queues and buffers through memory the caller provides: each with a
 * CPU address and the address the device uses, which behind an IOMMU is an
 * IOVA of the device's domain, not a physical address. Just enough for
 * Identify now; issue 9 grows it into the PF driver (I/O queues, SR-IOV).
 */
#pragma once

#include <base/mmio.h>
#include <kpi/errors.h>
#include <nvme/nvme_spec.h>
#include <stdbool.h>

// One 4 KiB page of DMA memory: where the CPU reaches it, and where the
// device does.
struct nvme_dma {
    void *va;
    uint64_t iova;
};

struct nvme_queue {
    struct nvme_dma mem;
    uint16_t entries;
    uint16_t index; // SQ: the tail we write; CQ: the head we read
    uint16_t phase; // CQ: the phase tag of new entries
};

struct nvme_ctrl {
    struct mmio regs;
    uint64_t cap;
    uint32_t vs;
    unsigned dstrd;
    uint64_t timeout_us;             // CAP.TO
    uint64_t (*clock_us)(void *arg); // a monotonic clock for timeouts
    void *clock_arg;
    struct nvme_queue asq, acq;
    uint16_t sq_head; // as the last completion reported it
    uint16_t next_cid;
};

// Start driving the controller at regs: read CAP and VS. Errors:
// SYS_ERR_UNSUPPORTED (no NVM command set, or 4 KiB pages not supported).
errval_t nvme_ctrl_init(struct nvme_ctrl *c, const struct mmio *regs,
                        uint64_t (*clock_us)(void *arg), void *clock_arg);

// Disable (reset) the controller: CC.EN = 0, then wait for CSTS.RDY to
// clear (Base 3.5.2). All its queues are gone afterwards. Errors:
// NVME_ERR_NOT_READY (RDY stayed set past CAP.TO).
errval_t nvme_ctrl_disable(struct nvme_ctrl *c);

// Give the disabled controller its admin queues: sq (entries of 64 bytes)
// and cq (16 bytes), one page each, cleared here. entries: 2 .. 64 (what
// a page holds of SQ entries) and at most CAP.MQES. Errors: SYS_ERR_BUSY
// (controller enabled), SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT (an IOVA
// not page aligned).
errval_t nvme_admin_queues(struct nvme_ctrl *c, struct nvme_dma sq, struct nvme_dma cq,
                           uint16_t entries);

// Enable the controller (NVM command set, 4 KiB pages, 64/16-byte I/O
// queue entries) and wait for CSTS.RDY. Errors: NVME_ERR_FATAL (CSTS.CFS),
// NVME_ERR_NOT_READY.
errval_t nvme_ctrl_enable(struct nvme_ctrl *c);

// Put cmd on the admin submission queue with a fresh command identifier
// (written to cmd->cid) and ring the doorbell. Errors: NVME_ERR_QUEUE_FULL.
errval_t nvme_admin_submit(struct nvme_ctrl *c, struct nvme_sqe *cmd);

// Take the next completion off the admin completion queue, if the
// controller has posted one (its phase tag is the current phase), and
// tell the controller (CQ head doorbell). Errors: SYS_ERR_WOULD_BLOCK
// (none yet).
errval_t nvme_admin_poll(struct nvme_ctrl *c, struct nvme_cqe *out);

// Poll until the completion of command cid arrives (others are dropped),
// for at most timeout_us. Errors: SYS_ERR_TIMEOUT, NVME_ERR_FATAL.
errval_t nvme_admin_wait(struct nvme_ctrl *c, uint16_t cid, uint64_t timeout_us,
                         struct nvme_cqe *out);

// NVME_ERR_COMMAND if the completion reports an error, else SYS_ERR_OK.
errval_t nvme_cqe_status(const struct nvme_cqe *e);

// An Identify command for data structure cns (of namespace nsid) into the
// 4 KiB page at data_iova (page aligned: PRP2 unused).
void nvme_cmd_identify(struct nvme_sqe *cmd, uint8_t cns, uint32_t nsid, uint64_t data_iova);
