/*
 * lib/sys/include/sys/dma.h: memory a device reaches through the IOMMU: a
 * domain from devmgr with our own tables under its top one, and buffers
 * mapped both here (CPU) and there (device), each with both addresses.
 *
 * A driver (or an application driving its own VF) makes one dma_space,
 * attaches its device to it (devmgr_attach), and allocates its queues and
 * buffers with dma_alloc: the device sees only what was allocated so, and
 * only with the access asked for. Everything comes from the caller's own
 * memory: when it ends, the device reaches nothing.
 */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

#define DMA_IOVA_BASE  0x100000ull  // the first IOVA handed out (0 stays unmapped)
#define DMA_IOVA_LIMIT (1ull << 30) // IOVAs below 1 GiB: one L3, one L2 table
#define DMA_WRITE      (1u << 0)    // the device may write (else it only reads)

struct dma_space {
    capref_t root; // the domain's top table (devmgr's, our copy)
    uint16_t domain;
    capref_t l3, l2;
    capref_t l1[512]; // one per 2 MiB of IOVA space, made when needed
    // The RAM each table was made from: dma_space_fini gives it back.
    capref_t l3_ram, l2_ram, l1_ram[512];
    uint64_t next; // the next IOVA to hand out
    uint64_t base; // the IOVA of the L2's first entry (0 for dma_space_init's)
};

struct dma_buf {
    void *va;      // where we reach it
    uint64_t iova; // where the device does
    uint64_t bytes;
    capref_t frame, io; // the Frame (mapped here) and the copy mapped in the domain
    capref_t ram;       // the RAM of the Frame: back to mem_serv with dma_free
};

// A new IOMMU domain from devmgr, ready for buffers. On failure nothing
// is kept (the domain goes back to devmgr). Errors: DMA_ERR_SPACE on
// devmgr's or the table's error.
MUST_CHECK errval_t dma_space_init(struct dma_space *s);

// Undo dma_space_init (or dma_space_sub): the L1 tables made for buffers
// go, and, for a domain of dma_space_init, its tables and the domain
// itself (back to devmgr: detach the devices first). Free the buffers
// first. Accepts a half-made space (a failed dma_space_init's).
void dma_space_fini(struct dma_space *s);

// A space over an L2 table someone else mapped into their domain at IOVA
// base (1 GiB aligned): storctl gives an application the part of its
// VSIC's domain the application's buffers go in, and keeps the rest (and
// the domain's upper tables) for itself. Buffers get IOVAs base +
// DMA_IOVA_BASE .. base + DMA_IOVA_LIMIT. Errors: SYS_ERR_ALIGNMENT.
MUST_CHECK errval_t dma_space_sub(struct dma_space *s, capref_t l2, uint64_t base);

// A zeroed buffer of bytes (rounded up to pages), mapped writable here and,
// with DMA_WRITE or read-only, for the device at a fresh IOVA. Errors:
// DMA_ERR_ALLOC on SYS_ERR_NO_MEMORY (IOVA space or RAM used up) and map
// errors; nothing is kept then.
MUST_CHECK errval_t dma_alloc(struct dma_space *s, uint64_t bytes, uint32_t flags,
                              struct dma_buf *out);

// Map a frame we hold (bytes, page multiple) for the device at a fresh
// IOVA (*iova); *io gets the copy mapped there. Errors: DMA_ERR_MAP on
// the cause.
MUST_CHECK errval_t dma_map(struct dma_space *s, capref_t frame, uint64_t bytes, uint32_t flags,
                            uint64_t *iova, capref_t *io);

// Take a buffer away from the device and free it; its memory goes back to
// mem_serv. Accepts a half-made or zeroed buffer.
void dma_free(struct dma_buf *b);
