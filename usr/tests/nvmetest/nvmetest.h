/* usr/tests/nvmetest/nvmetest.h: shared state of the NVMe SR-IOV, VF data path and log test
 * program. */
#pragma once

#include <nvme/nvme_io.h>
#include <nvme/nvme_virt.h>
#include <os/log.h>
#include <os/nvme_bdev.h>
#include <test/init.h>
#include <test/report.h>
#include <vtd/vtd_unit.h>

#define WAIT_US   2000000 // a generous bound for anything QEMU does at once
#define VSA_NSID  2       // the namespace VF 1 gets (tools/qemu: 2-5 start detached)
#define VSA_OTHER 3       // another VSA, attached to nobody here
#define VF_CNTLID 1       // the secondary controller of VF 1

/* ---- The platform (platform.c) ---- */

// ACPI (MCFG, DMAR) and PCI through ECAM, enumerated with BARs sized.
MUST_CHECK errval_t platform_init(struct machine *m);

// The IOMMU: the one VT-d unit, translation on (devices not attached
// to a domain are blocked from then on).
MUST_CHECK errval_t iommu_init(struct machine *m);

// An IOMMU domain: its tables (one L1: IOVAs IOVA_BASE .. + 2 MiB) and
// a bump allocator of its IOVAs.
#define IOVA_BASE 0x80000000ull
struct domain {
    struct vtd_domain vtd;
    capref_t l4, l3, l2, l1;
    uint64_t next; // next free IOVA
};
MUST_CHECK errval_t domain_create(struct domain *d);
MUST_CHECK errval_t domain_attach(struct domain *d, struct pci_bdf b);

// DMA memory: a Frame mapped here and in a domain, page i at iova + i * 4096.
struct dmabuf {
    struct frame f;
    uint64_t iova;
    unsigned pages;
};
MUST_CHECK errval_t dma_alloc(struct domain *d, unsigned pages, bool device_writes,
                              struct dmabuf *b);
struct nvme_dma dma_page(const struct dmabuf *b, unsigned i);

// Faults the IOMMU recorded since the last call (printed); how many.
unsigned iommu_faults(void);

// Enable num VFs of PF pf: NumVFs, VF BARs in the root port's window,
// VF Enable | VF MSE, Memory Space in each VF. *vf1: VF 1's address and
// BAR 0.
MUST_CHECK errval_t sriov_enable(struct machine *m, const struct pci_func *pf, unsigned num,
                                 struct pci_bdf *vf1, struct pci_bar *vf1_bar0);

// Set or clear Bus Master Enable of function b.
void bus_master(struct machine *m, struct pci_bdf b, bool on);

/* ---- The PF: control plane (tests_pf.c) ---- */

struct pf {
    const struct pci_func *f;
    struct domain dom;
    struct dmabuf admin; // admin SQ, CQ, scratch
    struct nvme_ctrl c;
};

// Reset the PF, confine it to a domain, enable it. Errors are reported.
MUST_CHECK errval_t pf_setup(struct machine *m, struct pf *pf);

// Identify 14h/15h, namespaces, Virtualization Management rules; with
// full, every check (the first boot), else just the set-up.
void pf_tests(struct pf *pf, bool full);

// Give VF 1 its resources, enable the VFs, bring controller 1 online,
// attach VSA_NSID to it. *vf1 and *bar0: VF 1's address and BAR 0.
MUST_CHECK errval_t pf_make_vsic(struct machine *m, struct pf *pf, bool full, struct pci_bdf *vf1,
                                 struct pci_bar *bar0);

/* ---- VF 1: the application's data path (tests_vf.c) ---- */

struct vf {
    struct machine *m;
    struct pci_bdf bdf;
    struct pci_bar bar0;
    struct domain dom;
    struct dmabuf admin, ioq, lists, data, back, bounce;
    struct nvme_ctrl c;
    struct nvme_ioq q;
    struct nvme_ns ns;
};

// Enable VF 1's controller inside its own domain, with one I/O queue pair.
MUST_CHECK errval_t vf_setup(struct machine *m, struct vf *v, struct pci_bdf bdf,
                             const struct pci_bar *bar0, bool full);

// Write, read and verify across sizes and offsets; flush; errors; async;
// then the queue again with the VF's MSI-X vector.
void vf_tests(struct vf *v);

// The namespace as a block device, through the VF's bounce pages.
MUST_CHECK errval_t vf_blockdev(struct vf *v, struct nvme_bdev *b, struct blockdev *dev);

/* ---- What VF 1's admin queue accepts (tests_admin.c) ---- */

// Every admin opcode on VF 1's admin queue, and the ones that reach
// beyond it, with their effects checked from the PF. Format NVM zeroes
// VSA_NSID: run before the log is made.
void admin_tests(struct pf *pf, struct vf *v);

/* ---- The log on the VSA (tests_log.c) ---- */

// mode: "first" (format, append, reopen), "second" (what the first boot
// wrote survived), "crash" (append and acknowledge until killed),
// "recover" (what the crash left).
void log_tests(struct vf *v, const char *mode);
