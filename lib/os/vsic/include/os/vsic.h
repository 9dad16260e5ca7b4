/*
 * lib/os/vsic/include/os/vsic.h: the application's own VSIC and VSAs
 * (docs/vsic.md): an NVMe secondary controller storctl grants us, driven
 * here with drivers/nvme, with no kernel and no server on the data path.
 *
 * vsic_open asks storctl for a VSIC: storctl keeps the VF and its admin
 * queue, and gives us a window of the VF's IOMMU domain for our memory;
 * we put one I/O queue pair there, storctl makes it on the controller and
 * gives us the page of doorbells, and the VF's one MSI-X vector notifies
 * an endpoint of ours. vsa_open attaches a VSA (by name) to it
 * and gives the namespace two ways: the asynchronous NVMe API
 * (<nvme/nvme_io.h>: nvme_read/nvme_write/nvme_flush on vsa->ns with a
 * callback, then vsic_poll or vsic_wait) over DMA buffers from vsic_dma,
 * and a synchronous struct blockdev (vsa->dev, bouncing through pages of
 * ours) for code such as lib/os/log.
 */
#pragma once

#include <nvme/nvme_io.h>
#include <os/blockdev.h>
#include <os/nvme_bdev.h>
#include <sys/dma.h>
#include <sys/storctl.h>

#define VSIC_IOQ_ENTRIES  32
#define VSIC_BOUNCE_PAGES 16      // the blockdev's bounce buffer (64 KiB)
#define VSIC_WAIT_US      2000000 // the blockdev's bound per command

struct vsic {
    struct storctl_vsic info;
    struct dma_space space;      // our window of the VF's domain
    struct dma_buf ioq;          // I/O SQ, CQ
    struct nvme_ctrl ctrl;       // its doorbells alone (regs: vsic.c's accessor)
    struct nvme_ioq q;           // the one I/O queue pair, on MSI-X vector 0
    capref_t irq_ep, irq_ep_ram; // the endpoint the vector notifies, and its RAM
    capref_t window, doorbells;  // from storctl
    void *db;                    // the doorbell page, mapped
    uint64_t interrupts;         // wake-ups by the MSI-X vector in vsic_wait
};

struct vsa {
    struct vsic *vsic;
    struct storctl_vsa info;
    struct nvme_ns ns;   // for the asynchronous API
    struct blockdev dev; // synchronous, through the bounce pages
    struct dma_buf bounce, list;
    struct nvme_bdev nb;
};

// A VSIC for us, up and ready (see above). Errors: VSIC_ERR_OPEN on the
// cause (STORCTL_ERR_NO_VSIC_FREE, STORCTL_ERR_HAS_VSIC, storctl's: the
// device's, devmgr's; the DMA layer's). On failure everything it had set
// up is undone (the VSIC back to storctl, our memory to mem_serv).
MUST_CHECK errval_t vsic_open(struct vsic **out);

// Give the VSIC back to storctl (the doorbell page unmapped first; its
// VSAs are released, its controller goes offline, our window leaves the
// VF's domain); v is freed. Its DMA memory stays ours, unreachable by the
// VF.
MUST_CHECK errval_t vsic_close(struct vsic *v);

// Take every completion the controller has posted (callbacks run); how many.
unsigned vsic_poll(struct vsic *v);

// Wait until *flag is true (a callback sets it), or with flag NULL until
// no command is outstanding: poll, and between polls sleep on the queue's
// MSI-X vector (always unmasked: storctl programs it; a completion between
// a poll and the sleep leaves a notification pending, which ends the
// sleep). timeout_us 0: no bound. Errors: SYS_ERR_TIMEOUT.
MUST_CHECK errval_t vsic_wait(struct vsic *v, const volatile bool *flag, uint64_t timeout_us);

// DMA memory in our domain for the asynchronous API (flags: DMA_WRITE if
// the device may write it, i.e. for reads).
MUST_CHECK errval_t vsic_dma(struct vsic *v, uint64_t bytes, uint32_t flags, struct dma_buf *out);

// Acquire VSA name from storctl for our VSIC and open it: *out's ns and
// dev. Errors: storctl's (STORCTL_ERR_VSA_HELD, STORCTL_ERR_NO_VSA_FREE,
// STORCTL_ERR_BAD_NAME ...), the driver's.
MUST_CHECK errval_t vsa_open(struct vsic *v, const char *name, struct vsa **out);

// Release the VSA to storctl; a is freed.
MUST_CHECK errval_t vsa_close(struct vsa *a);

// End the VSA: storctl zeroes it and forgets its name
// (storctl_vsa_destroy); a is freed either way.
MUST_CHECK errval_t vsa_destroy(struct vsa *a);
