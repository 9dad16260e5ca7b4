/* usr/tests/devtest/tests_iommu.c: IOMMU page tables as caps: retype, map rules, unmap, delete. */
#include "devtest.h"
#include <stdio.h>

// One expected outcome of an invocation.
struct expect {
    const char *what;
    errval_t got, want;
};

// The first expectation not met, or NULL.
static const struct expect *first_miss(const struct expect *e, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (err_no(e[i].got) != err_no(e[i].want))
            return &e[i];
    }
    return NULL;
}

static void report_all(const char *id, const struct expect *e, unsigned n)
{
    const struct expect *miss = first_miss(e, n);
    report(id, !miss, "%s: got %s, want %s", miss ? miss->what : "",
           miss ? err_name(miss->got) : "", miss ? err_name(miss->want) : "");
}

struct tables {
    capref_t l4, l3, l2, l1;
};

static MUST_CHECK errval_t make_tables(struct tables *t)
{
    errval_t err = make(ObjType_IOVNodeL4, OBJSIZE_IOVNODE, &t->l4);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL3, OBJSIZE_IOVNODE, &t->l3);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL2, OBJSIZE_IOVNODE, &t->l2);
    if (err_is_ok(err))
        err = make(ObjType_IOVNodeL1, OBJSIZE_IOVNODE, &t->l1);
    return err;
}

// Refusals: wrong levels, device memory, flags, rights, ranges, reuse.
static void test_refusals(const struct tables *t, const struct frame *f, capref_t mapped)
{
    capref_t ro, other, pd, pt, dev = NULL_CAP, l4_ro;
    errval_t setup = copy_cap(f->cap, CAP_RIGHT_READ, &ro);
    if (err_is_ok(setup))
        setup = copy_cap(f->cap, CAP_RIGHTS_ALL, &other);
    if (err_is_ok(setup))
        setup = make(ObjType_VNodePD, OBJSIZE_VNODE, &pd);
    if (err_is_ok(setup))
        setup = make(ObjType_VNodePT, OBJSIZE_VNODE, &pt);
    if (err_is_ok(setup))
        setup = copy_cap(t->l4, CAP_RIGHT_READ, &l4_ro);
    // Device memory: a copy of the first DevFrame init received.
    const struct bootinfo *bi = bootinfo();
    for (uint32_t i = 0; err_is_ok(setup) && !dev && i < bi->n_regions; i++) {
        if (bi->regions[i].type == BOOTINFO_DEV)
            setup = copy_cap(cap_at(ROOTCN_SLOT_DEVCN, bi->regions[i].slot), CAP_RIGHTS_ALL, &dev);
    }
    report("iommu.refusal_setup", err_is_ok(setup), "%s", err_name(setup));
    struct expect e[] = {
        {"a copy mapped already", invoke_iovnode_map(t->l1, 9, mapped, 0, 0, 1),
         PAGING_ERR_SLOT_USED},
        {"the CPU-mapped copy", invoke_iovnode_map(t->l1, 9, f->cap, 0, 0, 1),
         PAGING_ERR_SLOT_USED},
        {"an entry in use", invoke_iovnode_map(t->l1, 1, other, 0, 0, 1), PAGING_ERR_SLOT_USED},
        {"a frame into L2", invoke_iovnode_map(t->l2, 9, other, 0, 0, 1), PAGING_ERR_WRONG_LEVEL},
        {"L1 into L3", invoke_iovnode_map(t->l3, 9, t->l1, 0, 0, 1), PAGING_ERR_WRONG_LEVEL},
        {"a CPU page table into L2", invoke_iovnode_map(t->l2, 9, pt, 0, 0, 1),
         PAGING_ERR_WRONG_LEVEL},
        {"L1 into a CPU PD", invoke_vnode_map(pd, 9, t->l1, 0, 0, 1), PAGING_ERR_WRONG_LEVEL},
        {"a DevFrame (peer-to-peer)", invoke_iovnode_map(t->l1, 9, dev, MAP_WRITE, 0, 1),
         IOMMU_ERR_DEVICE_MEMORY},
        {"MAP_EXEC", invoke_iovnode_map(t->l1, 9, other, MAP_EXEC, 0, 1), SYS_ERR_INVALID_ARGS},
        {"MAP_NOCACHE", invoke_iovnode_map(t->l1, 9, other, MAP_NOCACHE, 0, 1),
         SYS_ERR_INVALID_ARGS},
        {"write through a read-only copy", invoke_iovnode_map(t->l1, 9, ro, MAP_WRITE, 0, 1),
         CAP_ERR_NO_RIGHTS},
        {"entry 512", invoke_iovnode_map(t->l1, 512, other, 0, 0, 1), CAP_ERR_SLOT_RANGE},
        {"past the table", invoke_iovnode_map(t->l1, 511, other, 0, 0, 2), CAP_ERR_SLOT_RANGE},
        {"past the frame", invoke_iovnode_map(t->l1, 9, other, 0, 1, 2), PAGING_ERR_FRAME_RANGE},
        {"a table without WRITE", invoke_iovnode_map(l4_ro, 9, t->l3, 0, 0, 1), CAP_ERR_NO_RIGHTS},
        {"unmap an unmapped table", invoke_unmap(t->l4), PAGING_ERR_NOT_MAPPED},
        {"read-only mapping of a read-only copy", invoke_iovnode_map(t->l1, 9, ro, 0, 0, 1),
         SYS_ERR_OK},
    };
    report_all("iommu.map_refused", e, sizeof(e) / sizeof(e[0]));
}

void test_iommu_caps(void)
{
    struct tables t;
    struct cap_info info = {0};
    errval_t err = make_tables(&t);
    if (err_is_ok(err))
        err = invoke_cnode_identify(cap_root, t.l4, &info);
    report("iommu.retype_tables",
           err_is_ok(err) && info.type == ObjType_IOVNodeL4 && info.bytes == OBJSIZE_IOVNODE,
           "%s, type %u bytes %lu", err_name(err), info.type, info.bytes);
    if (err_is_fail(err))
        return;
    struct frame f;
    capref_t io;
    err = dt_frame(2 * 4096, &f);
    if (err_is_ok(err))
        err = copy_cap(f.cap, CAP_RIGHTS_ALL, &io);
    struct expect maps[] = {
        {"L3 into L4", invoke_iovnode_map(t.l4, 0, t.l3, 0, 0, 1), SYS_ERR_OK},
        {"L2 into L3", invoke_iovnode_map(t.l3, 0, t.l2, 0, 0, 1), SYS_ERR_OK},
        {"L1 into L2", invoke_iovnode_map(t.l2, 0, t.l1, 0, 0, 1), SYS_ERR_OK},
        {"two pages into L1", invoke_iovnode_map(t.l1, 0, io, MAP_WRITE, 0, 2), SYS_ERR_OK},
        {"setup", err, SYS_ERR_OK},
    };
    report_all("iommu.map", maps, sizeof(maps) / sizeof(maps[0]));
    test_refusals(&t, &f, io);

    // Unmap frees the entries; deleting a table clears the records of what
    // was mapped in it, and deleting a mapped copy unmaps it.
    capref_t again;
    errval_t setup = copy_cap(f.cap, CAP_RIGHTS_ALL, &again);
    struct expect del[] = {
        {"unmap", invoke_unmap(io), SYS_ERR_OK},
        {"unmap twice", invoke_unmap(io), PAGING_ERR_NOT_MAPPED},
        {"the freed entries", invoke_iovnode_map(t.l1, 0, io, 0, 0, 2), SYS_ERR_OK},
        {"delete the mapped copy", invoke_cnode_delete(cap_root, io), SYS_ERR_OK},
        {"its entries are free", invoke_iovnode_map(t.l1, 0, again, 0, 0, 2), SYS_ERR_OK},
        {"delete L2", invoke_cnode_delete(cap_root, t.l2), SYS_ERR_OK},
        {"L1 is no longer mapped", invoke_unmap(t.l1), PAGING_ERR_NOT_MAPPED},
        {"setup", setup, SYS_ERR_OK},
    };
    report_all("iommu.unmap_and_delete", del, sizeof(del) / sizeof(del[0]));
    capref_t l2b;
    err = make(ObjType_IOVNodeL2, OBJSIZE_IOVNODE, &l2b);
    if (err_is_ok(err))
        err = invoke_iovnode_map(t.l3, 0, l2b, 0, 0, 1);
    report("iommu.delete_frees_entry", err_is_ok(err), "a new L2 at L3 entry 0: %s", err_name(err));
}
