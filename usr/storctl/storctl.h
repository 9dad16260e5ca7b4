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

struct vsic {
    uint16_t rid, cntlid;
    uint64_t owner; // pid, 0: free
};

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
    struct vsic vsics[STORCTL_MAX_VSICS];
    unsigned nvsics;
    struct vsa vsas[STORCTL_MAX_VSAS];
    unsigned nvsas;
};

extern struct storctl sc;

uint64_t clock_us(void *arg);

// Wait up to timeout_us for any of bits on our interrupt endpoint.
bool wait_bits(uint64_t bits, uint64_t timeout_us);

// Identify Controller into the page at iova (submitted and waited for
// here, not through the scratch page: the isolation check aims it outside
// our domain). Errors: the submission's and the wait's.
errval_t pf_identify(uint64_t iova, struct nvme_cqe *cqe);

// After the PF is up: its I/O queue, the VSA map, the VFs and their
// secondary controllers (vsic.c). Errors are the device's and devmgr's.
errval_t vsic_setup(void);

// The requests of sys/storctl.h on VSICs and VSAs (vsic.c).
void vsic_op_create(struct server_req *req, struct server_resp *resp);
void vsic_op_destroy(struct server_req *req, struct server_resp *resp);
void vsa_op_acquire(struct server_req *req, struct server_resp *resp);
void vsa_op_release(struct server_req *req, struct server_resp *resp);
void vsa_op_destroy(struct server_req *req, struct server_resp *resp);
void vsic_op_list(struct server_req *req, struct server_resp *resp);
void vsa_op_list(struct server_req *req, struct server_resp *resp);

// Take back the VSICs of processes that ended.
void vsic_reap(void);

// The VSIC process pid holds, or -1.
int vsic_of(uint64_t pid);

// The server loop (server.c); returns only on failure.
int storctl_serve(void);

// Wait ms milliseconds (yielding): pci_flr's wait.
void sleep_ms(void *arg, unsigned ms);
