/* usr/storctl/storctl.h: storctl's state: the PF, its metadata namespace, VSICs and VSAs. */
#pragma once

#include "vsamap.h"
#include <nvme/nvme_io.h>
#include <nvme/nvme_virt.h>
#include <pci/pci_enum.h>
#include <sys/dma.h>
#include <sys/server.h>
#include <sys/storctl.h>

#define WAIT_US   2000000 // generous: QEMU completes commands at once
#define MSIX_BIT  (1ull << 0)
#define FAULT_BIT (1ull << 1)
#define WATCH_BIT (1ull << 2) // a process we watch (a VSIC's owner) ended
#define META_NSID 1           // the PF's private namespace (tools/qemu)

// storctl's record of a VSIC (the application's handle is lib/os's struct
// vsic): one VF, its secondary controller driven by us through its own
// admin queue (vf.c), its I/O queue pair and doorbells the owner's.
struct vsic_rec {
    uint16_t rid, cntlid;
    uint64_t owner;          // pid, 0: free
    struct pci_fn_page page; // the VF's configuration page
    capref_t bar;            // BAR 0 (ours: the doorbell page is cut from it)
    uint64_t bar_bytes;
    void *regs; // BAR 0, mapped here
    struct pci_msix msix;
    struct pci_msix_table table;
    uint32_t db_off;   // the doorbell page's offset in BAR 0
    capref_t irq;      // the VF's interrupt vector (ours; connected to the owner's endpoint)
    uint64_t msi_addr; // its MSI message
    uint32_t msi_data;
    struct dma_space space;           // the VF's IOMMU domain; our part below 1 GiB
    struct dma_buf asq, acq, scratch; // its admin queue: the SQ read-only for the device
    struct nvme_ctrl ctrl;
    capref_t window;     // the owner's part of the domain (an L2 at VSIC_WINDOW), or NULL_CAP
    capref_t window_ram; // the RAM it was made from: back to mem_serv with it
    capref_t doorbells;  // the doorbell page the owner got, or NULL_CAP
    bool queues;         // the owner's I/O queue pair is made
    // VSAs (bit k: sc.vsas[k]) detached from it while its owner's queue
    // was live: commands of the owner's on them may still be in flight,
    // and QEMU's reset of the controller waits only for those on
    // namespaces attached to it (reclaim, docs/vsic.md)
    uint32_t released;
};

#define VSIC_WINDOW (1ull << 30) // the owner's IOVAs: this gigabyte of the VF's domain

// A namespace that may be a VSA (any but the PF's own).
struct vsa {
    uint32_t nsid;
    uint32_t block_size;
    uint64_t blocks;
    int vsic; // attached to, -1: nobody
};

struct storctl {
    struct pci_bdf bdf;
    uint16_t rid;
    struct pci_fn_page page;
    struct pci_cfg cfg;
    struct pci_msix msix;
    struct pci_msix_table table;
    struct nvme_ctrl nvme;
    struct dma_space space;
    struct dma_buf sq, cq, id, scratch, ioq, meta;
    capref_t irq_ep; // MSI-X and fault signals arrive here, apart from requests
    uint32_t vector;
    capref_t irq;      // its IRQDest
    uint64_t msi_addr; // the message devmgr gave for it (MSI-X entry 0)
    uint32_t msi_data;
    uint32_t vf_vector; // STORCTL_CHECK_INTREMAP: a vector of one of our VFs, during the check
    uint64_t bits;      // signals taken but not yet consumed
    uint32_t nn;        // namespaces
    char model[41], serial[21];
    // The control plane (vsic.c).
    struct nvme_ioq q; // polled, for the metadata namespace
    struct nvme_ns meta_ns;
    struct vsamap map;
    errval_t map_err; // why the map could not be read (then no VSA is handed out)
    struct vsic_rec vsics[STORCTL_MAX_VSICS];
    unsigned nvsics;
    struct vsa vsas[STORCTL_MAX_VSAS];
    unsigned nvsas;
};

extern struct storctl sc;

// Wait up to timeout_us for any of bits on our interrupt endpoint.
bool wait_bits(uint64_t bits, uint64_t timeout_us);

// Identify Controller into the page at iova (submitted and waited for
// here, not through the scratch page: the isolation check aims it outside
// our domain). Errors: the submission's and the wait's.
MUST_CHECK errval_t pf_identify(uint64_t iova, struct nvme_cqe *cqe);

// After the PF is up: its I/O queue, the VSA map, the VFs and their
// secondary controllers (vsic.c). Errors are the device's and devmgr's.
MUST_CHECK errval_t vsic_setup(void);

// The requests of sys/storctl.h on VSICs and VSAs (vsic.c).
void vsic_op_create(struct server_req *req, struct server_resp *resp);
void vsic_op_destroy(struct server_req *req, struct server_resp *resp);
void vsa_op_acquire(struct server_req *req, struct server_resp *resp);
void vsa_op_release(struct server_req *req, struct server_resp *resp);
void vsa_op_destroy(struct server_req *req, struct server_resp *resp);
void vsic_op_list(struct server_req *req, struct server_resp *resp);
void vsa_op_list(struct server_req *req, struct server_resp *resp);
void vsic_op_queues(struct server_req *req, struct server_resp *resp);

// The VF's side (vf.c). vf_init: once per VF at start: its BAR, MSI-X
// table, doorbell page, IOMMU domain, admin queue memory and vector.
// vf_start: a new owner: bus master and MSI-X on, the controller enabled
// with our admin queue, Identify checked, a fresh window for the owner
// (*window: the L2 to hand over). vf_queues: the owner's I/O queue pair
// at IOVAs in its window, its vector to irq_note (NULL_CAP: polled);
// the admin queue's commands scrubbed; *doorbells: the page to hand over.
// vf_stop: the owner's doorbells and vector taken away (before the
// controller goes offline); vf_unwindow: its window (after).
MUST_CHECK errval_t vf_init(struct vsic_rec *v);
MUST_CHECK errval_t vf_start(struct vsic_rec *v, capref_t *window);
MUST_CHECK errval_t vf_queues(struct vsic_rec *v, uint64_t sq_iova, uint64_t cq_iova,
                              uint16_t entries, capref_t irq_note, capref_t *doorbells);
void vf_stop(struct vsic_rec *v);
void vf_unwindow(struct vsic_rec *v);

// Take back the VSICs of processes that ended.
void vsic_reap(void);

// The VSIC process pid holds, or -1.
int vsic_of(uint64_t pid);

// The server loop (server.c); returns only on failure.
int storctl_serve(void);

// Wait ms milliseconds (yielding): pci_flr's wait.
void sleep_ms(void *arg, unsigned ms);
