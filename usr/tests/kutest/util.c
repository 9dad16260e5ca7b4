/* usr/tests/kutest/util.c: slots, memory and child dispatchers for the kernel tests. */
#include "kutest.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// Slots: the L2 CNode at ROOTCN_SLOT_ALLOC0, then new L2 CNodes in L1
// slots from ROOTCN_SLOTS_USER on, each made when the last one fills.
static uint32_t cur_l1 = ROOTCN_SLOT_ALLOC0, next_l2, next_l1 = ROOTCN_SLOTS_USER;

// RAM: the largest RAM cap init received, used from the start.
static capref_t ram;
static uint64_t ram_off, ram_bytes;

static void ram_init(void)
{
    const struct bootinfo *bi = (const struct bootinfo *)INIT_BOOTINFO_VA;
    for (uint32_t i = 0; i < bi->n_regions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_RAM && r->bytes > ram_bytes) {
            ram = cap_at(ROOTCN_SLOT_SUPERCN, r->slot);
            ram_bytes = r->bytes;
        }
    }
}

uint64_t ram_left(void)
{
    if (!ram_bytes)
        ram_init();
    return ram_bytes - ram_off;
}

// While a pool is set, kt_make() takes from it instead (test_fuzz).
static capref_t pool;
static uint64_t pool_off, pool_bytes;

void kt_pool(capref_t ram_cap, uint64_t bytes)
{
    pool = ram_cap;
    pool_off = 0;
    pool_bytes = bytes;
}

static MUST_CHECK errval_t retype_from(capref_t src, uint64_t *off, enum objtype type,
                                       uint64_t objsize, capref_t dest_cn, uint32_t slot)
{
    uint64_t align = objsize < 4096 ? objsize : 4096;
    *off = (*off + align - 1) & ~(align - 1);
    errval_t err = invoke_ram_retype(src, type, *off, objsize, 1, dest_cn, slot);
    if (err_is_ok(err))
        *off += objsize;
    return err;
}

static MUST_CHECK errval_t retype(enum objtype type, uint64_t objsize, capref_t dest_cn,
                                  uint32_t slot)
{
    if (!ram_bytes)
        ram_init();
    if (pool)
        return retype_from(pool, &pool_off, type, objsize, dest_cn, slot);
    return retype_from(ram, &ram_off, type, objsize, dest_cn, slot);
}

capref_t kt_slot(void)
{
    if (next_l2 == L2_CNODE_SLOTS) {
        // A new L2 CNode goes into an L1 slot: the destination is the root.
        // It comes from the main RAM, never from a pool a test revokes.
        capref_t saved = pool;
        pool = 0;
        errval_t err = retype(ObjType_L2CNode, OBJSIZE_L2CNODE, cap_root, next_l1);
        pool = saved;
        if (err_is_fail(err))
            printf("kutest: no more slots: %s\n", err_msg(err));
        cur_l1 = next_l1++;
        next_l2 = 0;
    }
    return cap_at(cur_l1, next_l2++);
}

capref_t kt_make(enum objtype type, uint64_t objsize)
{
    capref_t c = kt_slot();
    // The destination CNode of a new slot is the L2 CNode in its L1 slot.
    errval_t err =
        retype(type, objsize, cap_l1(CAPADDR_L1(CAPREF_ADDR(c))), CAPADDR_L2(CAPREF_ADDR(c)));
    if (err_is_fail(err))
        printf("kutest: retype of type %d failed: %s\n", type, err_msg(err));
    return c;
}

// Page tables for [TEST_VA_BASE, +1 GiB): one PD in PDPT entry 1 and a PT
// per 2 MiB, made on first use.
// Page tables always come from the main RAM, never from a pool that a
// test revokes.
static capref_t test_pd, test_pt[512];

errval_t kt_map_at(uint64_t va, capref_t frame, uint32_t flags, uint64_t pages)
{
    const capref_t pdpt = cap_at(ROOTCN_SLOT_PAGECN, 1);
    errval_t err = SYS_ERR_OK;
    if (va < TEST_VA_BASE || va >= TEST_VA_BASE + (1ull << 30))
        return SYS_ERR_INVALID_ARGS;
    capref_t saved = pool;
    pool = 0;
    if (!test_pd) {
        test_pd = kt_make(ObjType_VNodePD, OBJSIZE_VNODE);
        err = invoke_vnode_map(pdpt, 1, test_pd, 0, 0, 1);
    }
    unsigned pdi = (unsigned)((va >> 21) & 511);
    if (err_is_ok(err) && !test_pt[pdi]) {
        test_pt[pdi] = kt_make(ObjType_VNodePT, OBJSIZE_VNODE);
        err = invoke_vnode_map(test_pd, pdi, test_pt[pdi], 0, 0, 1);
    }
    pool = saved;
    if (err_is_fail(err))
        return err;
    return invoke_vnode_map(test_pt[pdi], (va >> 12) & 511, frame, flags, 0, pages);
}

capref_t cspace_new(capref_t *l2)
{
    capref_t l1 = kt_make(ObjType_L1CNode, OBJSIZE_CTE * L1_CNODE_MIN_SLOTS);
    *l2 = kt_make(ObjType_L2CNode, OBJSIZE_L2CNODE);
    // Put a copy of the L2 CNode into the new root's slot 0.
    errval_t err = invoke_cnode_copy(cap_root, l1, 0, *l2, CAP_RIGHTS_ALL);
    if (err_is_fail(err))
        printf("kutest: cspace_new: %s\n", err_msg(err));
    return l1;
}

// Each child gets a dispatcher frame and a 16 KiB stack, mapped at the next
// free test addresses.
static uint64_t next_va = TEST_VA_BASE + (256ull << 20);

static uint64_t map_new(uint64_t bytes, capref_t *frame)
{
    *frame = kt_make(ObjType_Frame, bytes);
    uint64_t va = next_va;
    next_va += bytes + 4096; // an unmapped guard page between
    errval_t err = kt_map_at(va, *frame, MAP_WRITE, bytes / 4096);
    if (err_is_fail(err))
        printf("kutest: map_new: %s\n", err_msg(err));
    return va;
}

capref_t child_start(void (*fn)(uint64_t), uint64_t arg, capref_t cspace,
                     struct dispatcher_frame **frame)
{
    capref_t fcap, scap;
    uint64_t fva = map_new(4096, &fcap);
    uint64_t stack = map_new(16384, &scap) + 16384;
    capref_t disp = kt_make(ObjType_Dispatcher, OBJSIZE_DISPATCHER);
    struct dispatcher_frame *f = (struct dispatcher_frame *)fva;
    snprintf(f->name, sizeof(f->name), "kutest-child");
    // A call frame for fn: it must never return (children end by sys_exit).
    stack -= 8;
    errval_t err = invoke_dispatcher_setup(disp, cspace, cap_vroot, fcap, (uint64_t)fn, stack, arg);
    if (err_is_ok(err))
        err = invoke_dispatcher_run(disp);
    if (err_is_fail(err))
        printf("kutest: child_start: %s\n", err_msg(err));
    if (frame)
        *frame = f;
    return disp;
}

bool wait_stopped(capref_t disp, unsigned max_yields, uint64_t *status)
{
    for (unsigned i = 0; i < max_yields; i++) {
        uint64_t state;
        if (err_is_ok(invoke_dispatcher_info(disp, &state, status)) && state == DISP_STATE_STOPPED)
            return true;
        sys_yield();
    }
    return false;
}
