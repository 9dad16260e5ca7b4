/*
 * drivers/nvme/include/nvme/nvme_io.h: NVMe I/O queue pairs and the NVM
 * commands READ, WRITE and FLUSH, asynchronous with a callback per
 * command, and a synchronous wrapper.
 *
 * An I/O queue pair lives in two DMA pages the caller gives (SQ and CQ,
 * at most 64 entries); a command's data lives in pages the caller gives
 * (their IOVAs), with one more page for the PRP list when the transfer
 * touches more than two pages (NVMe Base 4.1.1, "PRP Entry and PRP
 * List"). Completions are taken by polling (nvme_ioq_poll, nvme_ioq_wait):
 * a queue made with an interrupt vector also raises its MSI-X vector, and
 * the owner polls when it arrives. Nothing here allocates or blocks.
 */
#pragma once

#include <nvme/nvme.h>

#define NVME_IOQ_MAX_ENTRIES 64 // 64-byte SQ entries in one page
#define NVME_IOQ_POLLED      (-1)

// Called once per command, from nvme_ioq_poll (or a wait), with the
// command's status as an error (nvme_status_err) and its completion.
typedef void (*nvme_io_done_fn)(void *arg, errval_t err, const struct nvme_cqe *cqe);

struct nvme_io_slot {
    nvme_io_done_fn done; // NULL: nobody waits any more (abandoned)
    void *arg;
    bool busy;
};

// An I/O submission/completion queue pair with the same ID and size.
struct nvme_ioq {
    struct nvme_ctrl *ctrl;
    uint16_t qid;
    uint16_t entries;
    struct nvme_queue sq, cq;
    uint16_t sq_head; // as the last completion reported it
    unsigned outstanding;
    int vector;     // NVME_IOQ_POLLED or the MSI-X vector
    uint64_t stray; // completions for no outstanding command (ignored)
    struct nvme_io_slot slots[NVME_IOQ_MAX_ENTRIES];
};

// Create I/O queue pair qid on controller c (Create I/O Completion Queue,
// then Create I/O Submission Queue bound to it, NVMe Base 5.4, 5.5): sq
// and cq one page each (cleared here), entries 2..64 and at most
// CAP.MQES, interrupts on vector, or none (NVME_IOQ_POLLED). The queue
// IDs a controller takes are 1 .. its queue count (a VF: its VQ resources
// minus one). Errors: SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT, the
// commands' (NVME_ERR_SC_INVALID_QID, NVME_ERR_SC_QSIZE,
// NVME_ERR_SC_INVALID_VECTOR ...); if the SQ is refused the CQ is deleted
// again.
MUST_CHECK errval_t nvme_ioq_create(struct nvme_ctrl *c, struct nvme_ioq *q, uint16_t qid,
                                    struct nvme_dma sq, struct nvme_dma cq, uint16_t entries,
                                    int vector);

// The driver's side of a queue pair someone else creates (or created) on
// the controller: what nvme_ioq_create checks and does, without the admin
// commands. An application whose control plane holds the admin queue
// calls it, then has the pair created at sq.iova and cq.iova
// (nvme_ioq_create_at, by the control plane); c needs only its doorbells
// (regs from NVME_REG_DOORBELLS on), dstrd, cap (MQES) and max_xfer.
// Errors: SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT.
MUST_CHECK errval_t nvme_ioq_attach(struct nvme_ctrl *c, struct nvme_ioq *q, uint16_t qid,
                                    struct nvme_dma sq, struct nvme_dma cq, uint16_t entries,
                                    int vector);

// The admin commands of nvme_ioq_create alone, for queues in memory this
// driver does not touch (another process's, at IOVAs of the device's
// domain). Errors: as nvme_ioq_create.
MUST_CHECK errval_t nvme_ioq_create_at(struct nvme_ctrl *c, uint16_t qid, uint64_t sq_iova,
                                       uint64_t cq_iova, uint16_t entries, int vector);

// Delete the queue pair: the SQ (the controller aborts what it still
// holds: those commands complete with NVME_ERR_SC_ABORTED when polled
// before), then the CQ. Commands still outstanding are called back with
// NVME_ERR_SC_ABORTED and no completion. Errors: the commands'.
MUST_CHECK errval_t nvme_ioq_delete(struct nvme_ioq *q);

// A command's data: pages[0..npages) (IOVAs, 4 KiB aligned) in order, the
// transfer starting offset bytes into pages[0] (a multiple of 4), and
// list, a DMA page for the PRP list of a transfer over two pages (it must
// stay untouched until the command completes).
struct nvme_xfer {
    const uint64_t *pages;
    unsigned npages;
    uint32_t offset;
    struct nvme_dma list;
};

// PRP1 and PRP2 for bytes of x: PRP2 is 0, the second page, or the PRP
// list (written to x->list) for more (one list page: at most 513 pages).
// Errors: SYS_ERR_INVALID_ARGS (0 bytes, or more than the pages hold),
// SYS_ERR_ALIGNMENT (an unaligned page, list or offset), NVME_ERR_TOO_LARGE,
// NVME_ERR_NO_PRP_LIST.
MUST_CHECK errval_t nvme_prp_build(const struct nvme_xfer *x, uint32_t bytes, uint64_t *prp1,
                                   uint64_t *prp2);

// Put cmd (opcode, NSID and command dwords filled; data pointer and CID
// are set here from x and the free slot) on the queue with bytes of data
// in x (x NULL: no data), and ring the doorbell. *cid identifies it until
// done(arg, ...) is called (done NULL: nobody is told). Errors: NVME_ERR_QUEUE_FULL (no free entry
// or slot), NVME_ERR_TOO_LARGE (above the controller's MDTS),
// nvme_prp_build's.
MUST_CHECK errval_t nvme_io_submit(struct nvme_ioq *q, struct nvme_sqe *cmd,
                                   const struct nvme_xfer *x, uint32_t bytes, nvme_io_done_fn done,
                                   void *arg, uint16_t *cid);

// Take every completion the controller has posted, call each command's
// callback, and tell the controller (CQ head doorbell). Returns how many.
unsigned nvme_ioq_poll(struct nvme_ioq *q);

// Poll until *flag is true (a callback sets it), or with flag NULL until
// no command is outstanding, for at most timeout_us. Errors:
// SYS_ERR_TIMEOUT, NVME_ERR_FATAL (CSTS.CFS, or the controller is gone).
MUST_CHECK errval_t nvme_ioq_wait(struct nvme_ioq *q, const volatile bool *flag,
                                  uint64_t timeout_us);

// Forget the callback of outstanding command cid (its waiter gave up): the
// slot stays in use until the controller completes the command or the
// queue is deleted.
void nvme_ioq_abandon(struct nvme_ioq *q, uint16_t cid);

// A namespace as seen through one I/O queue pair.
struct nvme_ns {
    struct nvme_ioq *q;
    uint32_t nsid;
    uint32_t block_size;
    uint64_t blocks;
};

// READ or WRITE nblocks (1 .. 65536) logical blocks at slba, to or from
// x; FLUSH (the volatile write cache of the namespace to media). Each
// returns at once with the command submitted. Errors: SYS_ERR_INVALID_ARGS
// (nblocks), nvme_io_submit's. The device reports blocks beyond the
// namespace (NVME_ERR_SC_LBA_RANGE) and a namespace not attached to this
// controller (NVME_ERR_SC_INVALID_FIELD) through the callback.
MUST_CHECK errval_t nvme_read(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                              const struct nvme_xfer *x, nvme_io_done_fn done, void *arg,
                              uint16_t *cid);
MUST_CHECK errval_t nvme_write(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                               const struct nvme_xfer *x, nvme_io_done_fn done, void *arg,
                               uint16_t *cid);
MUST_CHECK errval_t nvme_flush(const struct nvme_ns *ns, nvme_io_done_fn done, void *arg,
                               uint16_t *cid);
// WRITE ZEROES: nblocks (1 .. 65536) blocks at slba read as zeros after
// it; no data moves, so MDTS does not bound it. The controller must offer
// it (ONCS; QEMU does), else its status is NVME_ERR_SC_INVALID_OPCODE.
MUST_CHECK errval_t nvme_write_zeroes(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                                      nvme_io_done_fn done, void *arg, uint16_t *cid);

// The same, waiting for the completion for at most timeout_us. Errors:
// the submission's, nvme_ioq_wait's (on a timeout the command stays
// outstanding, abandoned), the command's status.
MUST_CHECK errval_t nvme_read_sync(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                                   const struct nvme_xfer *x, uint64_t timeout_us);
MUST_CHECK errval_t nvme_write_sync(const struct nvme_ns *ns, uint64_t slba, uint32_t nblocks,
                                    const struct nvme_xfer *x, uint64_t timeout_us);
MUST_CHECK errval_t nvme_flush_sync(const struct nvme_ns *ns, uint64_t timeout_us);
MUST_CHECK errval_t nvme_write_zeroes_sync(const struct nvme_ns *ns, uint64_t slba,
                                           uint32_t nblocks, uint64_t timeout_us);
