/* lib/test/init.c: slots, RAM, frames, device memory, time and interrupts for a test that runs as
 * init. */
#include <stdio.h>
#include <string.h>
#include <test/init.h>

const struct bootinfo *bootinfo(void) { return (const struct bootinfo *)INIT_BOOTINFO_VA; }

// ---- Slots: the L2 CNode at ROOTCN_SLOT_ALLOC0, then new ones from ROOTCN_SLOTS_USER ----

static uint32_t cur_l1 = ROOTCN_SLOT_ALLOC0, next_l2, next_l1 = ROOTCN_SLOTS_USER;

// RAM: the largest region init received, carved from its start.
static capref_t ram;
static uint64_t ram_off, ram_bytes;

static void ram_init(void)
{
    const struct bootinfo *bi = bootinfo();
    for (uint32_t i = 0; i < bi->n_regions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_RAM && r->bytes > ram_bytes) {
            ram = cap_at(ROOTCN_SLOT_SUPERCN, r->slot);
            ram_bytes = r->bytes;
        }
    }
}

static MUST_CHECK errval_t retype_into(enum objtype type, uint64_t objsize, capref_t dest_cn,
                                       uint32_t slot)
{
    if (!ram_bytes)
        ram_init();
    uint64_t align = objsize < 4096 ? objsize : 4096;
    uint64_t off = (ram_off + align - 1) & ~(align - 1);
    errval_t err = invoke_ram_retype(ram, type, off, objsize, 1, dest_cn, slot);
    if (err_is_ok(err))
        ram_off = off + objsize;
    return err;
}

capref_t dt_slot(void)
{
    if (next_l2 == L2_CNODE_SLOTS) {
        errval_t err = retype_into(ObjType_L2CNode, OBJSIZE_L2CNODE, cap_root, next_l1);
        if (err_is_fail(err))
            printf("test: no more slots: %s\n", err_msg(err));
        cur_l1 = next_l1++;
        next_l2 = 0;
    }
    return cap_at(cur_l1, next_l2++);
}

// The CNode and index a new cap for slot goes to.
static capref_t cnode_of(capref_t slot) { return cap_l1(CAPADDR_L1(CAPREF_ADDR(slot))); }
static uint32_t index_of(capref_t slot) { return CAPADDR_L2(CAPREF_ADDR(slot)); }

errval_t make(enum objtype type, uint64_t objsize, capref_t *out)
{
    capref_t c = dt_slot();
    errval_t err = retype_into(type, objsize, cnode_of(c), index_of(c));
    *out = err_is_ok(err) ? c : NULL_CAP;
    return err;
}

errval_t copy_cap(capref_t src, uint8_t rights, capref_t *out)
{
    *out = dt_slot();
    return invoke_cnode_copy(cap_root, cnode_of(*out), index_of(*out), src, rights);
}

errval_t dt_cap_base(capref_t cap, uint64_t *pa)
{
    struct cap_info info = {0};
    errval_t err = invoke_cnode_identify(cap_root, cap, &info);
    *pa = info.base;
    return err;
}

// ---- Page tables: a PD per GiB of the PDPT (made on demand), a PT per 2 MiB ----

#define MAX_PDS 8

static struct {
    unsigned pdpt_index;
    capref_t pd;
    capref_t pt[512];
} pds[MAX_PDS];
static unsigned npds;

static MUST_CHECK errval_t pt_for(uint64_t va, capref_t *pt)
{
    unsigned pdpti = (unsigned)((va >> 30) & 511), pdi = (unsigned)((va >> 21) & 511);
    unsigned i = 0;
    while (i < npds && pds[i].pdpt_index != pdpti)
        i++;
    errval_t err = SYS_ERR_OK;
    if (i == npds) {
        if (npds == MAX_PDS || va >> 39) // one PDPT: the first 512 GiB
            return SYS_ERR_INVALID_ARGS;
        pds[i].pdpt_index = pdpti;
        err = make(ObjType_VNodePD, OBJSIZE_VNODE, &pds[i].pd);
        if (err_is_ok(err))
            err = invoke_vnode_map(cap_at(ROOTCN_SLOT_PAGECN, 1), pdpti, pds[i].pd, 0, 0, 1);
        if (err_is_fail(err))
            return err;
        npds++;
    }
    if (!pds[i].pt[pdi]) {
        err = make(ObjType_VNodePT, OBJSIZE_VNODE, &pds[i].pt[pdi]);
        if (err_is_ok(err))
            err = invoke_vnode_map(pds[i].pd, pdi, pds[i].pt[pdi], 0, 0, 1);
    }
    *pt = pds[i].pt[pdi];
    return err;
}

errval_t map_at(uint64_t va, capref_t cap, uint32_t flags, uint64_t pages)
{
    if (va < (1ull << 30) || ((va >> 12) & 511) + pages > 512)
        return SYS_ERR_INVALID_ARGS; // below 1 GiB is the image's PD
    capref_t pt;
    errval_t err = pt_for(va, &pt);
    return err_is_ok(err) ? invoke_vnode_map(pt, (va >> 12) & 511, cap, flags, 0, pages) : err;
}

// Frames go from 1 GiB up, each inside one 2 MiB page table, a guard page apart.
static uint64_t next_frame_va = 1ull << 30;

errval_t dt_frame(uint64_t bytes, struct frame *f)
{
    bytes = (bytes + 4095) & ~4095ull;
    if (bytes > (2u << 20))
        return SYS_ERR_INVALID_ARGS;
    uint64_t va = next_frame_va;
    if ((va >> 21) != ((va + bytes - 1) >> 21))
        va = (va + (2u << 20)) & ~((2ull << 20) - 1);
    next_frame_va = va + bytes + 4096;
    *f = (struct frame){.va = (void *)va, .bytes = bytes};
    errval_t err = make(ObjType_Frame, bytes, &f->cap);
    if (err_is_ok(err))
        err = map_at(va, f->cap, MAP_WRITE, bytes / 4096);
    if (err_is_ok(err))
        err = dt_cap_base(f->cap, &f->pa);
    return err;
}

// ---- Device memory: VA = DEV_VA + physical address, 64 KiB pieces ----

#define DEV_VA    (64ull << 30)
#define DEV_CHUNK (64u << 10)
#define DEV_LIMIT (4ull << 30)

static uint64_t dev_mapped[DEV_LIMIT / DEV_CHUNK / 64];

static const struct bootinfo_region *dev_region(uint64_t pa)
{
    const struct bootinfo *bi = bootinfo();
    for (uint32_t i = 0; i < bi->n_regions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_DEV && pa >= r->base && pa - r->base < r->bytes)
            return r;
    }
    return NULL;
}

// Map the piece of device memory holding pa, once.
static MUST_CHECK errval_t map_chunk(uint64_t pa)
{
    uint64_t c = pa / DEV_CHUNK;
    if (dev_mapped[c / 64] & (1ull << (c % 64)))
        return SYS_ERR_OK;
    const struct bootinfo_region *r = dev_region(pa);
    if (!r)
        return SYS_ERR_NOT_FOUND; // RAM, or nothing the CPU driver gave as a DevFrame
    // The piece, clipped to the region (both are page aligned).
    uint64_t lo = c * DEV_CHUNK, hi = lo + DEV_CHUNK;
    lo = lo > r->base ? lo : r->base;
    hi = hi < r->base + r->bytes ? hi : r->base + r->bytes;
    capref_t piece = dt_slot();
    errval_t err = invoke_ram_retype(cap_at(ROOTCN_SLOT_DEVCN, r->slot), ObjType_DevFrame,
                                     lo - r->base, hi - lo, 1, cnode_of(piece), index_of(piece));
    if (err_is_ok(err))
        err = map_at(DEV_VA + lo, piece, MAP_WRITE | MAP_NOCACHE, (hi - lo) / 4096);
    if (err_is_ok(err))
        dev_mapped[c / 64] |= 1ull << (c % 64);
    return err;
}

void *dev_map(uint64_t pa, uint64_t len)
{
    if (!len || pa >= DEV_LIMIT || len > DEV_LIMIT - pa) {
        printf("test: cannot map device memory %#lx+%#lx: above 4 GiB\n", pa, len);
        return NULL;
    }
    for (uint64_t a = pa & ~(uint64_t)(DEV_CHUNK - 1); a < pa + len; a += DEV_CHUNK) {
        errval_t err = map_chunk(a < pa ? pa : a);
        if (err_is_fail(err)) {
            printf("test: cannot map device memory at %#lx: %s\n", a, err_msg(err));
            return NULL;
        }
    }
    return (void *)(DEV_VA + pa);
}

// ---- Time and interrupts ----

uint64_t clock_us(void *arg)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t per_us = bootinfo()->tsc_hz / 1000000;
    return ((uint64_t)hi << 32 | lo) / (per_us ? per_us : 1);
}

errval_t wait_notify(capref_t ep, uint64_t timeout_us, struct lmp_recv_msg *m)
{
    uint64_t start = clock_us(NULL);
    for (;;) {
        errval_t err = lmp_recv(ep, LMP_FLAG_NONBLOCK, NULL_CAP, m);
        if (!err_has(err, LMP_ERR_NO_MESSAGE))
            return err;
        if (clock_us(NULL) - start > timeout_us)
            return SYS_ERR_TIMEOUT;
        sys_yield();
    }
}

errval_t irq_endpoint(unsigned vector, uint64_t badge, capref_t *ep)
{
    capref_t badged = dt_slot();
    errval_t err = make(ObjType_Endpoint, OBJSIZE_ENDPOINT, ep);
    if (err_is_ok(err))
        err = invoke_cnode_mint(cap_root, cnode_of(badged), index_of(badged), *ep, CAP_RIGHT_WRITE,
                                badge, 0);
    if (err_is_ok(err))
        err = invoke_irqdest_connect(cap_at(ROOTCN_SLOT_IRQCN, vector), badged);
    return err;
}
