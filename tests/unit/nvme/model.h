/*
 * tests/unit/nvme/model.h: a model of QEMU 10.0's nvme subsystem with
 * SR-IOV, for the driver's host tests: a primary controller (ID 0) and two
 * secondaries (1, 2: VF 1 and 2) with their own registers, admin and I/O
 * queues, namespaces in memory, and DMA through a table of mapped pages
 * (a stand-in for the IOMMU domain). Its rules are QEMU's
 * (hw/nvme/ctrl.c): Virtualization Management, Namespace Attachment (with
 * its quirks), queue creation checks, PRP walking, MDTS, LBA range.
 */
#pragma once

#include <nvme/nvme.h>
#include <stdbool.h>

#define M_CTRLS     3 // the primary and two secondaries
#define M_NS        3 // NSIDs 1 (private to the primary), 2 and 3 (detached)
#define M_NS_BLOCKS 2048
#define M_QUEUES    9 // admin + 8
#define M_PAGES     160
#define M_IOVA      0x80000000ull
#define M_HELD      64
#define M_MDTS      5 // 128 KiB transfers

struct m_queue {
    uint64_t base;
    uint16_t size, head, tail, cqid, phase, iv;
    bool used, ien;
};

struct model_sys;

struct m_ctrl {
    struct model_sys *sys;
    uint16_t cntlid;
    bool is_vf;
    uint32_t cc, csts, aqa;
    uint64_t asq, acq;
    struct m_queue sq[M_QUEUES], cq[M_QUEUES];
    bool attached[M_NS + 1];
    unsigned ioqpairs, vectors; // what queue creation allows
    // Secondary controllers: the primary's entry for them.
    bool online;
    uint16_t nvq, nvi;
    // Test knobs.
    bool hold;   // keep completions back until model_release
    bool silent; // never complete anything
    struct {
        uint16_t cqid;
        struct nvme_cqe cqe;
    } held[M_HELD];
    unsigned nheld;
    unsigned irqs[8];        // interrupts raised per vector
    unsigned cmds;           // commands executed
    uint16_t awupf_override; // Identify Controller's AWUPF (QEMU's atomic.awupf)
};

struct model_sys {
    struct m_ctrl ctrl[M_CTRLS];
    uint8_t ns_data[M_NS + 1][M_NS_BLOCKS * 512];
    bool ns_detached[M_NS + 1], ns_private[M_NS + 1];
    // Primary controller capabilities, as QEMU's options make them
    // (sriov_max_vfs=2, sriov_vq_flexible=4, sriov_vi_flexible=2,
    // max_ioqpairs=8, msix_qsize=8).
    uint32_t vqfrt, vifrt, vqrfa, virfa;
    uint16_t vqrfap, virfap, vqprt, viprt, vqfrsm, vifrsm;
    unsigned num_vfs; // VFs enabled
    bool aborted;     // QEMU would have hit an assertion and died
    uint8_t mem[M_PAGES][4096] __attribute__((aligned(4096)));
    bool unmapped[M_PAGES];
    unsigned dma_faults;
    unsigned flushes;
};

void model_init(struct model_sys *s);

// The register accessor of controller c.
struct mmio model_regs(struct m_ctrl *c);

// Page i of DMA memory.
struct nvme_dma model_page(struct model_sys *s, unsigned i);

// Post the completions held back on c, in order or newest first; at most
// max of them (the rest stay held).
void model_release(struct m_ctrl *c, bool reverse, unsigned max);

// SR-IOV NumVFs with VF Enable (0: disable: their secondaries go offline).
void model_set_vfs(struct model_sys *s, unsigned n);
