/* drivers/nvme/include/nvme/nvme_spec.h: NVMe registers, queue entries, admin commands. */
#pragma once

#include <stdint.h>

// Sources: NVM Express Base Specification 2.0 ("Base"), and for the PCIe
// doorbells the NVM Express over PCIe Transport Specification 1.0 ("PCIe
// transport"). Section titles are given with the numbers, which moved
// between revisions. Checked against what QEMU's nvme implements
// (hw/nvme/ctrl.c, include/block/nvme.h).

/* ---- Controller properties: BAR0 registers (Base 3.1.3 Controller Properties) ---- */
#define NVME_REG_CAP   0x00 // 64: Controller Capabilities (3.1.3.1)
#define NVME_REG_VS    0x08 // 32: Version (3.1.3.2)
#define NVME_REG_INTMS 0x0c // 32: Interrupt Mask Set (pin/MSI only)
#define NVME_REG_INTMC 0x10 // 32: Interrupt Mask Clear
#define NVME_REG_CC    0x14 // 32: Controller Configuration (3.1.3.5)
#define NVME_REG_CSTS  0x1c // 32: Controller Status (3.1.3.6)
#define NVME_REG_AQA   0x24 // 32: Admin Queue Attributes (3.1.3.8)
#define NVME_REG_ASQ   0x28 // 64: Admin Submission Queue Base Address (3.1.3.9)
#define NVME_REG_ACQ   0x30 // 64: Admin Completion Queue Base Address (3.1.3.10)

/* CAP (3.1.3.1) */
#define NVME_CAP_MQES(c)   ((unsigned)((c)&0xffff) + 1)     // entries per queue, at most
#define NVME_CAP_CQR       (1ull << 16)                     // queues must be physically contiguous
#define NVME_CAP_TO(c)     ((unsigned)(((c) >> 24) & 0xff)) // ready timeout, 500 ms units
#define NVME_CAP_DSTRD(c)  ((unsigned)(((c) >> 32) & 0xf))  // doorbell stride: 4 << DSTRD bytes
#define NVME_CAP_CSS_NVM   (1ull << 37)                     // NVM command set supported
#define NVME_CAP_MPSMIN(c) ((unsigned)(((c) >> 48) & 0xf))  // page size 2^(12 + MPSMIN)
#define NVME_CAP_MPSMAX(c) ((unsigned)(((c) >> 52) & 0xf))
#define NVME_TO_UNIT_MS    500

/* VS (3.1.3.2) */
#define NVME_VS_MAJOR(v) ((v) >> 16)
#define NVME_VS_MINOR(v) (((v) >> 8) & 0xff)

/* CC (3.1.3.5) */
#define NVME_CC_EN        (1u << 0)
#define NVME_CC_CSS_NVM   (0u << 4)             // I/O command set: NVM
#define NVME_CC_MPS(n)    ((uint32_t)(n) << 7)  // host page size 2^(12 + n)
#define NVME_CC_AMS_RR    (0u << 11)            // round-robin arbitration
#define NVME_CC_SHN_MASK  (3u << 14)            // shutdown notification
#define NVME_CC_IOSQES(n) ((uint32_t)(n) << 16) // I/O SQ entry size 2^n
#define NVME_CC_IOCQES(n) ((uint32_t)(n) << 20) // I/O CQ entry size 2^n

/* CSTS (3.1.3.6) */
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1) // controller fatal status

/* AQA (3.1.3.8): queue sizes, 0's based, at most 4096 entries */
#define NVME_AQA(sq_entries, cq_entries)                                                           \
    ((uint32_t)((sq_entries)-1) | (uint32_t)((cq_entries)-1) << 16)
#define NVME_ADMIN_QUEUE_MAX 4096

/* Doorbells (PCIe transport 3.1.2; Base 1.4 3.1.18-19): from 1000h, stride 4 << CAP.DSTRD */
#define NVME_REG_DOORBELLS 0x1000

static inline uint32_t nvme_sq_tail_doorbell(unsigned qid, unsigned dstrd)
{
    return NVME_REG_DOORBELLS + (2 * qid) * (4u << dstrd);
}

static inline uint32_t nvme_cq_head_doorbell(unsigned qid, unsigned dstrd)
{
    return NVME_REG_DOORBELLS + (2 * qid + 1) * (4u << dstrd);
}

/* ---- Queue entries (Base: Submission Queue Entry, Common Command Format; Completion Queue
 * Entry, Common Completion Queue Entry Layout) ---- */

// A submission queue entry: the common command format (64 bytes).
struct nvme_sqe {
    uint8_t opc;   // opcode
    uint8_t flags; // FUSE 1:0, PSDT 7:6 (0: PRPs)
    uint16_t cid;  // command identifier, echoed in the completion
    uint32_t nsid;
    uint32_t cdw2, cdw3;
    uint64_t mptr;       // metadata pointer
    uint64_t prp1, prp2; // data pointer: PRP entry 1 and 2 (Base: PRP Entry and List)
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe SQ entries are 64 bytes");
#define NVME_SQES 6 // log2 of the entry size, for CC.IOSQES

// A completion queue entry (16 bytes).
struct nvme_cqe {
    uint32_t dw0; // command specific
    uint32_t dw1;
    uint16_t sqhd;   // the SQ head pointer when the entry was made
    uint16_t sqid;   // the SQ the command came from
    uint16_t cid;    // the command's identifier
    uint16_t status; // bit 0: phase tag; bits 15:1: status field
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe CQ entries are 16 bytes");
#define NVME_CQES 4

/* Status field (Base: Status Field Definition), in struct nvme_cqe.status */
#define NVME_CQE_PHASE        1u
#define NVME_STATUS_SC(s)     ((unsigned)(((s) >> 1) & 0xff)) // status code
#define NVME_STATUS_SCT(s)    ((unsigned)(((s) >> 9) & 0x7))  // status code type
#define NVME_STATUS_MORE      (1u << 14)
#define NVME_STATUS_DNR       (1u << 15) // do not retry
#define NVME_SCT_GENERIC      0
#define NVME_SC_SUCCESS       0x00
#define NVME_SC_INVALID_FIELD 0x02
#define NVME_SC_DATA_TRANSFER 0x04

/* ---- Admin commands (Base 5: Admin Command Set, opcodes figure) ---- */
#define NVME_ADMIN_DELETE_SQ 0x00
#define NVME_ADMIN_CREATE_SQ 0x01
#define NVME_ADMIN_DELETE_CQ 0x04
#define NVME_ADMIN_CREATE_CQ 0x05
#define NVME_ADMIN_IDENTIFY  0x06

/* Identify (Base 5.17): CDW10 bits 7:0 select the data structure (CNS); 4 KiB of data */
#define NVME_IDENTIFY_CNS_NS   0x00
#define NVME_IDENTIFY_CNS_CTRL 0x01
#define NVME_IDENTIFY_BYTES    4096

// The start of the Identify Controller data structure (Base 5.17.2.1);
// strings are ASCII, padded with spaces, not NUL-terminated.
struct nvme_id_ctrl {
    uint16_t vid;   // PCI vendor ID
    uint16_t ssvid; // PCI subsystem vendor ID
    char sn[20];    // serial number
    char mn[40];    // model number
    char fr[8];     // firmware revision
    uint8_t rab;
    uint8_t ieee[3];
    uint8_t cmic;
    uint8_t mdts;    // maximum data transfer size, 2^n pages (0: no limit)
    uint16_t cntlid; // controller ID
    uint32_t ver;
    uint8_t rest[NVME_IDENTIFY_BYTES - 84];
};
_Static_assert(sizeof(struct nvme_id_ctrl) == NVME_IDENTIFY_BYTES, "Identify data is 4 KiB");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, sn) == 4, "Identify Controller SN");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, mn) == 24, "Identify Controller MN");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, cntlid) == 78, "Identify Controller CNTLID");
