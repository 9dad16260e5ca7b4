/*
 * drivers/nvme/include/nvme/nvme.h: an NVMe controller driver: reset,
 * admin queues, admin commands.
 *
 * The driver reaches the controller's registers through a struct mmio and
 * its queues and buffers through memory the caller provides: each with a
 * CPU address and the address the device uses, which behind an IOMMU is an
 * IOVA of the device's domain, not a physical address. The same code
 * drives a physical function and a VF's secondary controller: all it needs
 * is the controller's registers and DMA memory the controller can reach.
 *
 * This header: the controller, its admin queue, and admin commands
 * (Identify, Namespace Attachment). <nvme/nvme_virt.h> adds SR-IOV
 * Virtualization Management, <nvme/nvme_io.h> I/O queues with READ, WRITE
 * and FLUSH; lib/os's <os/nvme_bdev.h> makes a namespace a block device.
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
    uint64_t cmd_timeout_us;         // how long nvme_admin_cmd waits (NVME_CMD_TIMEOUT_US)
    uint64_t (*clock_us)(void *arg); // a monotonic clock for timeouts
    void *clock_arg;
    struct nvme_queue asq, acq;
    uint16_t sq_head; // as the last completion reported it
    uint16_t next_cid;
    struct nvme_dma scratch; // a page for admin data (va NULL: none yet)
    uint32_t max_xfer;       // bytes per command (MDTS), once Identify Controller ran; else 0
    uint32_t awupf;          // likewise: atomic write unit across power loss, blocks; else 0
    uint16_t cntlid;         // likewise
};

#define NVME_CMD_TIMEOUT_US 2000000 // admin commands: QEMU completes them at once

// Start driving the controller at regs: read CAP and VS. Errors:
// SYS_ERR_UNSUPPORTED (no NVM command set, or 4 KiB pages not supported).
MUST_CHECK errval_t nvme_ctrl_init(struct nvme_ctrl *c, const struct mmio *regs,
                                   uint64_t (*clock_us)(void *arg), void *clock_arg);

// Disable (reset) the controller: CC.EN = 0, then wait for CSTS.RDY to
// clear (Base 3.5.2). All its queues are gone afterwards. Errors:
// NVME_ERR_NOT_READY (RDY stayed set past CAP.TO).
MUST_CHECK errval_t nvme_ctrl_disable(struct nvme_ctrl *c);

// Give the disabled controller its admin queues: sq (entries of 64 bytes)
// and cq (16 bytes), one page each, cleared here. entries: 2 .. 64 (what
// a page holds of SQ entries) and at most CAP.MQES. Errors: SYS_ERR_BUSY
// (controller enabled), SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT (an IOVA
// not page aligned).
MUST_CHECK errval_t nvme_admin_queues(struct nvme_ctrl *c, struct nvme_dma sq, struct nvme_dma cq,
                                      uint16_t entries);

// Enable the controller (NVM command set, 4 KiB pages, 64/16-byte I/O
// queue entries) and wait for CSTS.RDY. Errors: NVME_ERR_FATAL (CSTS.CFS),
// NVME_ERR_NOT_READY.
MUST_CHECK errval_t nvme_ctrl_enable(struct nvme_ctrl *c);

// Put cmd on the admin submission queue with a fresh command identifier
// (written to cmd->cid) and ring the doorbell. Errors: NVME_ERR_QUEUE_FULL.
MUST_CHECK errval_t nvme_admin_submit(struct nvme_ctrl *c, struct nvme_sqe *cmd);

// Take the next completion off the admin completion queue, if the
// controller has posted one (its phase tag is the current phase), and
// tell the controller (CQ head doorbell). Errors: SYS_ERR_WOULD_BLOCK
// (none yet).
MUST_CHECK errval_t nvme_admin_poll(struct nvme_ctrl *c, struct nvme_cqe *out);

// Poll until the completion of command cid arrives (others are dropped),
// for at most timeout_us. Errors: SYS_ERR_TIMEOUT, NVME_ERR_FATAL.
MUST_CHECK errval_t nvme_admin_wait(struct nvme_ctrl *c, uint16_t cid, uint64_t timeout_us,
                                    struct nvme_cqe *out);

/* ---- Admin commands (nvme_admin.c) ---- */

// The error for an NVMe status word (a CQE's status, phase bit ignored):
// SYS_ERR_OK for success, an NVME_ERR_SC_* code naming a status this
// driver knows, else NVME_ERR_COMMAND.
MUST_CHECK errval_t nvme_status_err(uint16_t status);

// nvme_status_err of a completion.
MUST_CHECK errval_t nvme_cqe_status(const struct nvme_cqe *e);

// An Identify command for data structure cns (of namespace nsid) into the
// 4 KiB page at data_iova (page aligned: PRP2 unused).
void nvme_cmd_identify(struct nvme_sqe *cmd, uint8_t cns, uint32_t nsid, uint64_t data_iova);

// Give the driver a DMA page of its own for the data of the admin
// commands below (Identify data, controller lists). It is the driver's
// until the controller is dropped. Errors: SYS_ERR_ALIGNMENT.
MUST_CHECK errval_t nvme_admin_scratch(struct nvme_ctrl *c, struct nvme_dma page);

// Run one admin command: submit, wait for its completion for at most
// c->cmd_timeout_us, and return its status as an error. *out (if not
// NULL) receives the completion (its dw0 is the command's result).
// Errors: nvme_admin_submit's, nvme_admin_wait's, nvme_status_err's.
MUST_CHECK errval_t nvme_admin_cmd(struct nvme_ctrl *c, struct nvme_sqe *cmd, struct nvme_cqe *out);

// Identify data structure cns (for nsid, and controller ID cntid where the
// CNS uses it) into the scratch page; *data points there until the next
// admin helper call. Errors: NVME_ERR_NO_SCRATCH, nvme_admin_cmd's.
MUST_CHECK errval_t nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, uint16_t cntid,
                                  const void **data);

// Identify Controller, decoded.
struct nvme_ctrl_info {
    uint16_t vid;
    uint16_t cntlid;
    char sn[21], mn[41]; // NUL-terminated, trailing spaces removed
    uint32_t max_xfer;   // bytes per command (MDTS); 0: no limit
    uint16_t oacs;       // NVME_OACS_*
    uint32_t nn;         // highest namespace ID
    bool vwc;            // a volatile write cache: only Flush makes writes durable
    uint32_t awun;       // atomic write unit, in logical blocks (1-based)
    uint32_t awupf;      // the same across a power failure
};

// Identify Controller into *out; also sets c->max_xfer (which the I/O
// path checks transfers against), c->awupf and c->cntlid. Errors:
// nvme_identify's.
MUST_CHECK errval_t nvme_identify_controller(struct nvme_ctrl *c, struct nvme_ctrl_info *out);

// Identify Namespace (NVM command set), decoded.
struct nvme_ns_info {
    uint32_t nsid;
    uint64_t blocks;        // NSZE
    uint64_t capacity;      // NCAP
    uint32_t block_size;    // of the LBA format in use
    uint32_t atomic_blocks; // writes of at most this many blocks are atomic across power loss
};

// Identify namespace nsid: among those attached to this controller
// (allocated false, CNS 00h), or any in the subsystem (true, CNS 11h).
// atomic_blocks comes from NAWUPF if the namespace has its own, else from
// the controller's AWUPF (if nvme_identify_controller ran; else 1).
// Errors: SYS_ERR_NOT_FOUND (no such namespace, or not attached here when
// allocated is false: the controller reports zeros), SYS_ERR_UNSUPPORTED
// (metadata interleaved with data, or a block size outside 512 B .. 64 KiB),
// nvme_identify's.
MUST_CHECK errval_t nvme_identify_namespace(struct nvme_ctrl *c, uint32_t nsid, bool allocated,
                                            struct nvme_ns_info *out);

// The namespace IDs attached to this controller (allocated false, CNS 02h)
// or existing in the subsystem (true, CNS 10h), ascending, at most max
// (1024 at most come back). Errors: nvme_identify's.
MUST_CHECK errval_t nvme_namespaces(struct nvme_ctrl *c, bool allocated, uint32_t *ids,
                                    unsigned max, unsigned *n);

// The controllers namespace nsid is attached to (CNS 12h), at most max.
// Errors: nvme_identify's (NVME_ERR_SC_INVALID_FIELD: no such namespace).
MUST_CHECK errval_t nvme_ns_controllers(struct nvme_ctrl *c, uint32_t nsid, uint16_t *ids,
                                        unsigned max, unsigned *n);

// Attach namespace nsid to controller cntlid, and to it alone: a namespace
// attached anywhere already is refused (a VSA belongs to one controller).
// Under SR-IOV the controller must exist, i.e. its VF be enabled.
// Errors: NVME_ERR_NS_ATTACHED, nvme_ns_controllers', the command's
// (NVME_ERR_SC_CTRL_LIST: no such controller).
MUST_CHECK errval_t nvme_ns_attach(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid);

// Attach namespace nsid to controller cntlid as well, wherever else it is
// attached: not to give it to two users, but so that a reset of cntlid
// waits for commands on it, which QEMU does only for namespaces attached
// to the controller it resets (docs/vsic.md). Refused if attached to
// cntlid already (QEMU would count it twice). Errors: NVME_ERR_NS_ATTACHED,
// nvme_ns_controllers', the command's.
MUST_CHECK errval_t nvme_ns_attach_also(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid);

// Detach namespace nsid from controller cntlid. Checked first: QEMU 10
// asserts (and so aborts) on a detach of a namespace attached nowhere.
// Errors: NVME_ERR_NS_NOT_ATTACHED, nvme_ns_controllers', the command's.
MUST_CHECK errval_t nvme_ns_detach(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid);
