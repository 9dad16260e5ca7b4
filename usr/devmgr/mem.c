/*
 * usr/devmgr/mem.c: device memory: the DevFrames init gives devmgr (a copy
 * of its DEVCN), cut into DevFrames for drivers' BARs, or mapped here.
 *
 * What devmgr itself reads (ACPI tables, ECAM, the IOMMU's registers) is
 * mapped in 64 KiB pieces, each retyped once, at DEV_VA + its physical
 * address, so a range spanning pieces is contiguous here too. A BAR given
 * to a driver is one DevFrame of exactly its range; devmgr never maps BARs,
 * so the two never overlap (the kernel would refuse the retype).
 */
#include "devmgr.h"
#include <kpi/init.h>
#include <stdio.h>
#include <sys/capops.h>
#include <sys/slot.h>
#include <sys/vspace.h>

#define DEV_VA     0x0000600000000000ull
#define DEV_LIMIT  (4ull << 30) // DEVCN covers what is not RAM below 4 GiB
#define CHUNK      (64u << 10)
#define MAX_CHUNKS 512

static const struct bootinfo *bi;

static struct chunk {
    uint64_t pa;
    capref_t cap;
} chunks[MAX_CHUNKS];
static unsigned nchunks;

static const struct bootinfo_region *region_of(uint64_t pa, uint64_t bytes)
{
    for (uint32_t i = 0; i < bi->n_regions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_DEV && pa >= r->base && pa - r->base < r->bytes &&
            bytes <= r->base + r->bytes - pa)
            return r;
    }
    return NULL;
}

errval_t devmem_init(void)
{
    void *va;
    errval_t err =
        vspace_map(cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA2), BOOTINFO_SIZE, 0, &va);
    if (err_is_ok(err))
        bi = va;
    if (err_is_ok(err) && bi->magic != BOOTINFO_MAGIC)
        err = SYS_ERR_CORRUPT;
    return err;
}

const struct bootinfo *devmem_bootinfo(void) { return bi; }

errval_t devmem_frame(uint64_t pa, uint64_t bytes, capref_t *out)
{
    const struct bootinfo_region *r = region_of(pa, bytes);
    if (!r)
        return SYS_ERR_NOT_FOUND; // RAM, above 4 GiB, or not one region
    if ((pa | bytes) % OBJSIZE_PAGE || !bytes)
        return SYS_ERR_ALIGNMENT;
    errval_t err = slot_alloc(out);
    if (err_is_ok(err))
        err = cap_retype(*out, cap_at(DEVCN_L1, r->slot), ObjType_DevFrame, pa - r->base, bytes, 1);
    if (err_is_fail(err) && *out) {
        slot_free(*out);
        *out = NULL_CAP;
    }
    return err;
}

static struct chunk *chunk_of(uint64_t pa)
{
    for (unsigned i = 0; i < nchunks; i++) {
        if (chunks[i].pa == (pa & ~(uint64_t)(CHUNK - 1)))
            return &chunks[i];
    }
    return NULL;
}

// Map the piece holding pa (clipped to its region), once.
static MUST_CHECK errval_t map_chunk(uint64_t pa)
{
    uint64_t lo = pa & ~(uint64_t)(CHUNK - 1), hi = lo + CHUNK;
    if (chunk_of(pa))
        return SYS_ERR_OK;
    const struct bootinfo_region *r = region_of(pa, 1);
    if (!r)
        return SYS_ERR_NOT_FOUND;
    if (nchunks == MAX_CHUNKS)
        return SYS_ERR_NO_MEMORY;
    lo = lo > r->base ? lo : r->base;
    hi = hi < r->base + r->bytes ? hi : r->base + r->bytes;
    capref_t cap;
    errval_t err = devmem_frame(lo, hi - lo, &cap);
    if (err_is_ok(err))
        err = vspace_map_at(DEV_VA + lo, cap, hi - lo, MAP_WRITE);
    if (err_is_fail(err))
        return err;
    chunks[nchunks++] = (struct chunk){pa & ~(uint64_t)(CHUNK - 1), cap};
    return SYS_ERR_OK;
}

void *devmem_map(uint64_t pa, uint64_t bytes)
{
    if (!bytes || pa >= DEV_LIMIT || bytes > DEV_LIMIT - pa)
        return NULL;
    for (uint64_t a = pa & ~(uint64_t)(CHUNK - 1); a < pa + bytes; a += CHUNK) {
        errval_t err = map_chunk(a < pa ? pa : a);
        if (err_is_fail(err)) {
            printf("devmgr: cannot map device memory at %#lx: %s\n", a, err_msg(err));
            return NULL;
        }
    }
    return (void *)(DEV_VA + pa);
}

errval_t devmem_page_cap(uint64_t pa, capref_t *out)
{
    if (!devmem_map(pa, OBJSIZE_PAGE))
        return SYS_ERR_NOT_FOUND;
    struct chunk *c = chunk_of(pa);
    if (!c)
        return SYS_ERR_NOT_FOUND;
    struct cap_info ci;
    errval_t err = cap_identify(c->cap, &ci);
    if (err_is_ok(err))
        err = slot_alloc(out);
    if (err_is_ok(err))
        err = cap_retype(*out, c->cap, ObjType_DevFrame, (pa & ~(uint64_t)4095) - ci.base,
                         OBJSIZE_PAGE, 1);
    return err;
}
