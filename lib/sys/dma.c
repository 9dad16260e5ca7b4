/* lib/sys/dma.c: IOMMU domains and DMA buffers (sys/dma.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/failpoint.h>
#include <sys/slot.h>
#include <sys/vspace.h>

#define L1_SPAN (2ull << 20)

static MUST_CHECK errval_t table(capref_t *out, capref_t *ram, enum objtype type, capref_t parent,
                                 uint32_t entry)
{
    errval_t err = FAILPOINT(obj_alloc_ram(out, type, OBJSIZE_IOVNODE, ram));
    if (err_is_ok(err))
        err = FAILPOINT(invoke_iovnode_map(parent, entry, *out, 0, 0, 1));
    if (err_is_fail(err)) {
        obj_free(*out, *ram);
        *out = *ram = NULL_CAP;
    }
    return err;
}

errval_t dma_space_init(struct dma_space *s)
{
    memset(s, 0, sizeof(*s));
    s->next = DMA_IOVA_BASE;
    // IOVAs below 1 GiB: L4 entry 0, L3 entry 0, one L2.
    errval_t err = FAILPOINT(devmgr_domain(&s->root, &s->domain));
    if (err_is_ok(err))
        err = table(&s->l3, &s->l3_ram, ObjType_IOVNodeL3, s->root, 0);
    if (err_is_ok(err))
        err = table(&s->l2, &s->l2_ram, ObjType_IOVNodeL2, s->l3, 0);
    if (err_is_fail(err)) {
        dma_space_fini(s);
        return err_push(err, DMA_ERR_SPACE);
    }
    return SYS_ERR_OK;
}

void dma_space_fini(struct dma_space *s)
{
    for (unsigned i = 0; i < 512; i++)
        obj_free(s->l1[i], s->l1_ram[i]);
    if (s->root) { // ours: the tables above the L1s, and the domain
        obj_free(s->l2, s->l2_ram);
        obj_free(s->l3, s->l3_ram);
        err_ignore(devmgr_domain_free(s->domain),
                   "devmgr keeps a domain it cannot free until we end, and frees it then");
        cap_destroy(s->root);
    }
    memset(s, 0, sizeof(*s));
}

errval_t dma_space_sub(struct dma_space *s, capref_t l2, uint64_t base)
{
    if (base % DMA_IOVA_LIMIT)
        return SYS_ERR_ALIGNMENT;
    memset(s, 0, sizeof(*s));
    s->l2 = l2;
    s->base = base;
    s->next = base + DMA_IOVA_BASE;
    return SYS_ERR_OK;
}

errval_t dma_map(struct dma_space *s, capref_t frame, uint64_t bytes, uint32_t flags,
                 uint64_t *iova, capref_t *io)
{
    bytes = (bytes + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
    uint64_t at = s->next - s->base; // inside the L2's gigabyte
    // A mapping stays inside one L1 table (a frame maps once per copy).
    if (at / L1_SPAN != (at + bytes - 1) / L1_SPAN)
        at = (at + L1_SPAN - 1) & ~(L1_SPAN - 1);
    if (!bytes || bytes > L1_SPAN || at + bytes > DMA_IOVA_LIMIT)
        return SYS_ERR_NO_MEMORY;
    unsigned l1 = (unsigned)(at / L1_SPAN);
    errval_t err =
        s->l1[l1] ? SYS_ERR_OK : table(&s->l1[l1], &s->l1_ram[l1], ObjType_IOVNodeL1, s->l2, l1);
    *io = NULL_CAP;
    if (err_is_ok(err))
        err = FAILPOINT(slot_alloc(io));
    if (err_is_ok(err))
        err = FAILPOINT(cap_copy(*io, frame, CAP_RIGHTS_ALL));
    if (err_is_ok(err))
        err = FAILPOINT(invoke_iovnode_map(s->l1[l1], (uint32_t)((at % L1_SPAN) / OBJSIZE_PAGE),
                                           *io, flags & DMA_WRITE ? MAP_WRITE : 0, 0,
                                           bytes / OBJSIZE_PAGE));
    if (err_is_fail(err)) {
        if (*io)
            cap_destroy(*io); // (an empty slot after a failed copy: freed all the same)
        *io = NULL_CAP;
        return err_push(err, DMA_ERR_MAP); // (a new L1 table stays: dma_space_fini takes it)
    }
    s->next = s->base + at + bytes;
    *iova = s->base + at;
    return SYS_ERR_OK;
}

errval_t dma_alloc(struct dma_space *s, uint64_t bytes, uint32_t flags, struct dma_buf *out)
{
    memset(out, 0, sizeof(*out));
    out->bytes = (bytes + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
    errval_t err = FAILPOINT(obj_alloc_ram(&out->frame, ObjType_Frame, out->bytes, &out->ram));
    if (err_is_ok(err))
        err = FAILPOINT(vspace_map(out->frame, out->bytes, MAP_WRITE, &out->va));
    if (err_is_ok(err))
        err = dma_map(s, out->frame, out->bytes, flags, &out->iova, &out->io);
    if (err_is_fail(err)) {
        dma_free(out);
        return err_push(err, DMA_ERR_ALLOC);
    }
    return SYS_ERR_OK;
}

void dma_free(struct dma_buf *b)
{
    if (b->io)
        cap_destroy(b->io); // unmapped from the domain (the kernel invalidates the IOTLB)
    if (b->va)
        err_ignore(vspace_unmap(b->frame), "fails only for a frame not mapped here");
    obj_free(b->frame, b->ram); // (deleting the frame unmaps it too)
    memset(b, 0, sizeof(*b));
}
