/* drivers/nvme/include/nvme/nvme_spec.h: NVMe registers, queue entries, admin commands. */
#pragma once

#include <stdbool.h>
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

// The 4 KiB page of the register BAR that holds the doorbells of queues
// 0 .. queues - 1 (admin included), if they fit in one page that is not
// page 0 (CC, AQA, ASQ, ACQ) and holds none of the MSI-X table or PBA
// (each [offset, offset + bytes) in the same BAR; bytes 0: none): an
// application given that page alone can ring its queues and nothing
// else. *page_off: the page's offset in the BAR. False if there is none.
static inline bool nvme_doorbell_page(unsigned queues, unsigned dstrd, uint32_t table_off,
                                      uint32_t table_bytes, uint32_t pba_off, uint32_t pba_bytes,
                                      uint32_t *page_off)
{
    if (!queues || dstrd > 15)
        return false;
    uint32_t first = NVME_REG_DOORBELLS;
    uint32_t last = nvme_cq_head_doorbell(queues - 1, dstrd) + 3;
    uint32_t page = first & ~0xfffu;
    if (page == 0 || (last & ~0xfffu) != page)
        return false;
    if (table_bytes && table_off < page + 0x1000 && table_off + table_bytes > page)
        return false;
    if (pba_bytes && pba_off < page + 0x1000 && pba_off + pba_bytes > page)
        return false;
    *page_off = page;
    return true;
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
#define NVME_CQE_PHASE       1u
#define NVME_STATUS_SC(s)    ((unsigned)(((s) >> 1) & 0xff)) // status code
#define NVME_STATUS_SCT(s)   ((unsigned)(((s) >> 9) & 0x7))  // status code type
#define NVME_STATUS_MORE     (1u << 14)
#define NVME_STATUS_DNR      (1u << 15)                       // do not retry
#define NVME_STATUS(sct, sc) ((uint16_t)((sct) << 8 | (sc)))  // the field without phase and flags
#define NVME_STATUS_CODE(s)  ((uint16_t)(((s) >> 1) & 0x7ff)) // SCT and SC of a CQE status word

/* Generic Command Status (Base: Generic Command Status Values figure), SCT 0 */
#define NVME_SCT_GENERIC           0
#define NVME_SC_SUCCESS            0x00
#define NVME_SC_INVALID_OPCODE     0x01
#define NVME_SC_INVALID_FIELD      0x02
#define NVME_SC_CID_CONFLICT       0x03
#define NVME_SC_DATA_TRANSFER      0x04
#define NVME_SC_POWER_LOSS_ABORT   0x05
#define NVME_SC_INTERNAL           0x06
#define NVME_SC_ABORT_REQUESTED    0x07
#define NVME_SC_ABORT_SQ_DELETED   0x08
#define NVME_SC_INVALID_NSID       0x0b
#define NVME_SC_PRP_OFFSET_INVALID 0x13
#define NVME_SC_LBA_RANGE          0x80 // NVM command set: LBA out of range
#define NVME_SC_CAPACITY_EXCEEDED  0x81
#define NVME_SC_NS_NOT_READY       0x82

/* Command Specific Status (Base: Command Specific Status Values figure), SCT 1 */
#define NVME_SCT_COMMAND            1
#define NVME_SC_INVALID_CQID        0x00 // Create I/O SQ: no such CQ
#define NVME_SC_INVALID_QID         0x01 // Create/Delete queue: bad or used queue ID
#define NVME_SC_QSIZE_EXCEEDED      0x02 // queue size 0 or above CAP.MQES
#define NVME_SC_INVALID_VECTOR      0x08 // Create I/O CQ: interrupt vector
#define NVME_SC_INVALID_FORMAT      0x0a
#define NVME_SC_INVALID_QUEUE_DEL   0x0c // Delete I/O CQ: SQs still use it
#define NVME_SC_NS_ALREADY_ATTACHED 0x18
#define NVME_SC_NS_PRIVATE          0x19
#define NVME_SC_NS_NOT_ATTACHED     0x1a
#define NVME_SC_CTRL_LIST_INVALID   0x1c
#define NVME_SC_INVALID_CTRL_ID     0x1f // Virtualization Management
#define NVME_SC_INVALID_SEC_STATE   0x20
#define NVME_SC_INVALID_NUM_RES     0x21
#define NVME_SC_INVALID_RES_ID      0x22

/* Media and Data Integrity Errors (Base figure; NVM command set), SCT 2 */
#define NVME_SCT_MEDIA           2
#define NVME_SC_WRITE_FAULT      0x80
#define NVME_SC_UNRECOVERED_READ 0x81

/* ---- Admin commands (Base 5: Admin Command Set, opcodes figure) ---- */
#define NVME_ADMIN_DELETE_SQ 0x00
#define NVME_ADMIN_CREATE_SQ 0x01
#define NVME_ADMIN_DELETE_CQ 0x04
#define NVME_ADMIN_CREATE_CQ 0x05
#define NVME_ADMIN_IDENTIFY  0x06
#define NVME_ADMIN_NS_MGMT   0x0d // Namespace Management: QEMU 10.0 lacks it (Invalid Opcode)
#define NVME_ADMIN_NS_ATTACH 0x15 // Namespace Attachment (5.23)
#define NVME_ADMIN_VIRT_MGMT 0x1c // Virtualization Management (5.29)

/* Identify (Base 5.17): CDW10 bits 7:0 select the data structure (CNS); 4 KiB of data */
#define NVME_IDENTIFY_CNS_NS             0x00 // an attached (active) namespace
#define NVME_IDENTIFY_CNS_CTRL           0x01
#define NVME_IDENTIFY_CNS_ACTIVE_NS_LIST 0x02 // attached NSIDs above CDW1.NSID
#define NVME_IDENTIFY_CNS_ALLOC_NS_LIST  0x10 // NSIDs that exist in the subsystem
#define NVME_IDENTIFY_CNS_ALLOC_NS       0x11 // a namespace, attached or not
#define NVME_IDENTIFY_CNS_NS_CTRL_LIST   0x12 // controllers a namespace is attached to
#define NVME_IDENTIFY_CNS_CTRL_LIST      0x13 // controllers in the subsystem
#define NVME_IDENTIFY_CNS_PRIMARY_CAPS   0x14 // Primary Controller Capabilities
#define NVME_IDENTIFY_CNS_SECONDARY_LIST 0x15 // Secondary Controller List
#define NVME_IDENTIFY_BYTES              4096
#define NVME_IDENTIFY_CNTID(id)          ((uint32_t)(id) << 16) // CDW10 31:16, CNS 0x12-0x15

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
    uint8_t rsvd84[172];
    uint16_t oacs; // optional admin commands (NVME_OACS_*)
    uint8_t rsvd258[254];
    uint8_t sqes, cqes;
    uint16_t maxcmd;
    uint32_t nn;   // highest namespace ID
    uint16_t oncs; // optional NVM commands
    uint16_t fuses;
    uint8_t fna;
    uint8_t vwc;    // bit 0: a volatile write cache (Flush makes writes durable)
    uint16_t awun;  // atomic write unit, normal: 0's based, logical blocks
    uint16_t awupf; // atomic write unit across power fail: 0's based
    uint8_t rest[NVME_IDENTIFY_BYTES - 530];
};
_Static_assert(sizeof(struct nvme_id_ctrl) == NVME_IDENTIFY_BYTES, "Identify data is 4 KiB");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, sn) == 4, "Identify Controller SN");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, mn) == 24, "Identify Controller MN");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, cntlid) == 78, "Identify Controller CNTLID");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, oacs) == 256, "Identify Controller OACS");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, nn) == 516, "Identify Controller NN");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, vwc) == 525, "Identify Controller VWC");
_Static_assert(__builtin_offsetof(struct nvme_id_ctrl, awupf) == 528, "Identify Controller AWUPF");

/* OACS (Base 5.17.2.1): optional admin commands */
#define NVME_OACS_NS_MGMT   (1u << 3) // Namespace Management and Attachment
#define NVME_OACS_VIRT_MGMT (1u << 7) // Virtualization Management
#define NVME_VWC_PRESENT    (1u << 0)

// A LBA format (NVM Command Set 4.1.5.1, Identify Namespace LBAF0..63).
struct nvme_lbaf {
    uint16_t ms;   // metadata bytes per block
    uint8_t lbads; // block size 2^lbads bytes
    uint8_t rp;    // relative performance
};
_Static_assert(sizeof(struct nvme_lbaf) == 4, "LBA format descriptors are 4 bytes");

// The Identify Namespace data structure, NVM command set (NVM Command Set
// Specification 1.0, 4.1.5.1), as far as the driver uses it.
struct nvme_id_ns {
    uint64_t nsze; // size in logical blocks
    uint64_t ncap; // capacity
    uint64_t nuse;
    uint8_t nsfeat; // bit 1: NAWUN/NAWUPF/NACWU valid
    uint8_t nlbaf;  // number of LBA formats, 0's based
    uint8_t flbas;  // bits 3:0: the format in use (with 6:5 above 16)
    uint8_t mc, dpc, dps, nmic, rescap, fpi, dlfeat;
    uint16_t nawun, nawupf; // per-namespace atomic write units, 0's based
    uint8_t rsvd38[90];
    struct nvme_lbaf lbaf[16];
    uint8_t rest[NVME_IDENTIFY_BYTES - 192];
};
_Static_assert(sizeof(struct nvme_id_ns) == NVME_IDENTIFY_BYTES, "Identify data is 4 KiB");
_Static_assert(__builtin_offsetof(struct nvme_id_ns, nawupf) == 36, "Identify Namespace NAWUPF");
_Static_assert(__builtin_offsetof(struct nvme_id_ns, lbaf) == 128, "Identify Namespace LBAF0");
#define NVME_NSFEAT_NSABP (1u << 1) // the namespace reports its own atomic units

// Primary Controller Capabilities (Base 5.17.2.14 figure, CNS 14h):
// what the primary holds privately and what it may hand out as flexible
// resources, per resource type (VQ: queue pairs with the admin queue, VI:
// interrupt vectors). "RFA" counts are assigned to secondaries, "RFAP" to
// the primary itself.
struct nvme_id_primary_caps {
    uint16_t cntlid; // the primary's controller ID
    uint16_t portid;
    uint8_t crt; // bit 0: VQ, bit 1: VI resources supported
    uint8_t rsvd5[27];
    uint32_t vqfrt;  // VQ flexible resources, total
    uint32_t vqrfa;  // VQ flexible resources assigned to secondaries
    uint16_t vqrfap; // VQ flexible resources allocated to the primary
    uint16_t vqprt;  // VQ private resources of the primary
    uint16_t vqfrsm; // VQ flexible resources a secondary may have, at most
    uint16_t vqgran; // VQ preferred granularity
    uint8_t rsvd48[16];
    uint32_t vifrt, virfa; // the same for VI
    uint16_t virfap, viprt, vifrsm, vigran;
    uint8_t rsvd80[NVME_IDENTIFY_BYTES - 80];
};
_Static_assert(sizeof(struct nvme_id_primary_caps) == NVME_IDENTIFY_BYTES,
               "Identify data is 4 KiB");
_Static_assert(__builtin_offsetof(struct nvme_id_primary_caps, vqfrt) == 32, "VQFRT");
_Static_assert(__builtin_offsetof(struct nvme_id_primary_caps, vifrt) == 64, "VIFRT");
_Static_assert(__builtin_offsetof(struct nvme_id_primary_caps, vigran) == 78, "VIGRAN");

// One Secondary Controller Entry (Base 5.17.2.15 figure, CNS 15h).
struct nvme_sec_ctrl_entry {
    uint16_t scid; // secondary controller ID
    uint16_t pcid; // its primary's
    uint8_t scs;   // bit 0: online
    uint8_t rsvd5[3];
    uint16_t vfn; // its VF number (1-based)
    uint16_t nvq; // flexible queue resources assigned (admin queue included)
    uint16_t nvi; // flexible interrupt resources assigned
    uint8_t rsvd14[18];
};
_Static_assert(sizeof(struct nvme_sec_ctrl_entry) == 32,
               "Secondary Controller Entries are 32 bytes");
#define NVME_SCS_ONLINE 1u

// The Secondary Controller List: entries with IDs >= CDW10.CNTID.
struct nvme_sec_ctrl_list {
    uint8_t numid; // entries that follow
    uint8_t rsvd1[31];
    struct nvme_sec_ctrl_entry sec[127];
};
_Static_assert(sizeof(struct nvme_sec_ctrl_list) == NVME_IDENTIFY_BYTES, "Identify data is 4 KiB");

/* A Controller List (Base 4.4.1 figure): the data of Namespace Attachment
 * and of Identify CNS 12h/13h: a count, then up to 2047 controller IDs. */
#define NVME_CTRL_LIST_MAX 2047

/* Namespace Attachment (Base 5.23): CDW10.SEL */
#define NVME_NS_ATTACH_SEL_ATTACH 0x0
#define NVME_NS_ATTACH_SEL_DETACH 0x1

/* Virtualization Management (Base 5.29): CDW10 = ACT 3:0 | RT 10:8 | CNTLID 31:16, CDW11.NR */
#define NVME_VIRT_ACT_PRIMARY_ALLOC 0x1 // flexible resources for the primary (at its next reset)
#define NVME_VIRT_ACT_OFFLINE       0x7 // secondary offline (its resources return)
#define NVME_VIRT_ACT_ASSIGN        0x8 // flexible resources to an offline secondary
#define NVME_VIRT_ACT_ONLINE        0x9
#define NVME_VIRT_RT_VQ             0 // queue resources
#define NVME_VIRT_RT_VI             1 // interrupt resources
#define NVME_VIRT_CDW10(act, rt, cntlid)                                                           \
    ((uint32_t)(act) | (uint32_t)(rt) << 8 | (uint32_t)(cntlid) << 16)

/* Create I/O Completion Queue (Base 5.4): CDW10 = QSIZE 31:16 (0's based) | QID; CDW11 = IV
 * 31:16 | IEN bit 1 | PC bit 0. Create I/O Submission Queue (5.5): CDW11 = CQID 31:16 | QPRIO 2:1
 * | PC. Delete I/O SQ/CQ (5.6, 5.7): CDW10 = QID. */
#define NVME_QUEUE_CDW10(qid, entries) ((uint32_t)(qid) | (uint32_t)((entries)-1) << 16)
#define NVME_CQ_PC                     (1u << 0) // physically contiguous
#define NVME_CQ_IEN                    (1u << 1) // interrupts enabled
#define NVME_CQ_IV(v)                  ((uint32_t)(v) << 16)
#define NVME_SQ_PC                     (1u << 0)
#define NVME_SQ_CQID(q)                ((uint32_t)(q) << 16)

/* ---- I/O commands: Flush (Base 7.1, "Flush command"); Write, Read (NVM Command Set 1.0,
 * "Write command", "Read command") ---- */
#define NVME_IO_FLUSH          0x00 // of one namespace, or every one (NSID FFFFFFFFh)
#define NVME_IO_WRITE          0x01
#define NVME_IO_READ           0x02
// Write Zeroes (NVM Command Set 1.0, "Write Zeroes command"; optional:
// Identify Controller ONCS bit 3): SLBA and NLB as Read/Write, no data.
#define NVME_IO_WRITE_ZEROES   0x08
#define NVME_ONCS_WRITE_ZEROES (1u << 3)
// Read/Write: CDW10-11 SLBA, CDW12 bits 15:0 NLB (0's based), bit 30 FUA.
#define NVME_RW_FUA            (1u << 30)
#define NVME_NSID_ALL          0xffffffffu
#define NVME_PRP_PER_PAGE      512 // 8-byte PRP entries in a 4 KiB list page
