/* usr/init/mem.c: init's own memory, the boot modules, and mem_serv. */
#include "init.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/memserv.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/vspace.h>

#define INIT_POOL   (32u << 20) // init's own heap, CNodes, and mem_serv's domain
#define MAX_MODULES BOOTINFO_MAX_MODULES

static const struct bootinfo *const bi = (const struct bootinfo *)INIT_BOOTINFO_VA;

// ---- init's pool: bump allocation, never reused (init lives forever) ----

static capref_t pool;
static uint64_t pool_used;

static MUST_CHECK errval_t pool_alloc(void *arg, capref_t *ret, uint64_t bytes, uint64_t align)
{
    (void)arg;
    uint64_t off = (pool_used + align - 1) & ~(align - 1);
    if (off + bytes > INIT_POOL)
        return MM_ERR_NO_MEMORY;
    errval_t err = slot_alloc(ret);
    if (err_is_ok(err))
        err = cap_retype(*ret, pool, ObjType_RAM, off, bytes, 1);
    if (err_is_ok(err))
        pool_used = off + bytes;
    return err;
}

static MUST_CHECK errval_t pool_free(void *arg, capref_t ram)
{
    (void)arg;
    return cap_delete(ram);
}

static MUST_CHECK errval_t pool_spawn_alloc(void *arg, capref_t *ret, uint64_t bytes)
{
    return pool_alloc(arg, ret, bytes, OBJSIZE_PAGE);
}

// ---- Boot modules, mapped once ----

struct module {
    char name[32];
    capref_t cap;
    const void *image;
    size_t size;
};
static struct module modules[MAX_MODULES];
static unsigned nmodules;

static void map_modules(void)
{
    for (unsigned i = 0; i < bi->n_modules && i < MAX_MODULES; i++) {
        const struct bootinfo_module *m = &bi->modules[i];
        void *va;
        uint64_t bytes = (m->bytes + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
        errval_t err = vspace_map(cap_at(ROOTCN_SLOT_MODULECN, m->slot), bytes, 0, &va);
        if (err_is_fail(err)) {
            printf("init: cannot map boot module '%s': %s\n", m->cmdline, err_msg(err));
            continue;
        }
        struct module *mod = &modules[nmodules++];
        size_t n = strcspn(m->cmdline, " ");
        n = n < sizeof(mod->name) - 1 ? n : sizeof(mod->name) - 1;
        memcpy(mod->name, m->cmdline, n);
        mod->name[n] = 0;
        mod->image = va;
        mod->size = m->bytes;
        mod->cap = cap_at(ROOTCN_SLOT_MODULECN, m->slot);
    }
}

capref_t module_cap(const char *name)
{
    for (unsigned i = 0; i < nmodules; i++) {
        if (!strcmp(modules[i].name, name))
            return modules[i].cap;
    }
    return NULL_CAP;
}

const void *module_find(const char *name, size_t *size)
{
    for (unsigned i = 0; i < nmodules; i++) {
        if (!strcmp(modules[i].name, name)) {
            *size = modules[i].size;
            return modules[i].image;
        }
    }
    return NULL;
}

// ---- Setting up, and mem_serv ----

static capref_t memserv_ram[3]; // what mem_serv will manage
static unsigned n_memserv_ram;

errval_t mem_setup(void)
{
    const struct bootinfo_region *big = NULL;
    for (uint32_t i = 0; i < bi->n_regions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_RAM && (!big || r->bytes > big->bytes))
            big = r;
    }
    if (!big || big->bytes <= 2 * INIT_POOL) {
        printf("init: too little memory: the largest piece of RAM has %lu MiB, and init needs "
               "more than %u MiB in one piece (%u for itself and mem_serv, the rest for "
               "programs): give the machine more memory\n",
               big ? big->bytes >> 20 : 0, (2 * INIT_POOL) >> 20, INIT_POOL >> 20);
        return SYS_ERR_NO_MEMORY;
    }
    capref_t big_cap = cap_at(ROOTCN_SLOT_SUPERCN, big->slot), rest;
    errval_t err = slot_alloc(&pool); // ALLOC0: no memory needed yet
    if (err_is_ok(err))
        err = cap_retype(pool, big_cap, ObjType_RAM, 0, INIT_POOL, 1);
    if (err_is_ok(err))
        err = slot_alloc(&rest);
    if (err_is_ok(err))
        err = cap_retype(rest, big_cap, ObjType_RAM, INIT_POOL, big->bytes - INIT_POOL, 1);
    if (err_is_fail(err)) {
        printf("init: cannot divide the RAM: %s\n", err_msg(err));
        return err;
    }
    ram_set_source(&(struct ram_source){pool_alloc, pool_free, NULL});
    memserv_ram[n_memserv_ram++] = rest;
    for (uint32_t i = 0; i < bi->n_regions && n_memserv_ram < 3; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type == BOOTINFO_RAM && r != big)
            memserv_ram[n_memserv_ram++] = cap_at(ROOTCN_SLOT_SUPERCN, r->slot);
    }
    map_modules();
    return SYS_ERR_OK;
}

errval_t mem_start_memserv(void)
{
    const char *argv[] = {"mem_serv"};
    struct proc_rec *p;
    errval_t err = proc_create(1, argv, pool_spawn_alloc, NULL, NULL, &p);
    for (unsigned i = 0; i < n_memserv_ram && err_is_ok(err); i++)
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA0 + i, memserv_ram[i]);
    if (err_is_ok(err))
        err = proc_run(p);
    // Our own channel to mem_serv: a bind cap badged with pid 0 (init).
    if (err_is_ok(err))
        err = cap_mint(cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_MEMSERV),
                       spawn_cap(&p->sp, SPAWN_H_ENDPOINT), CAP_RIGHT_WRITE | CAP_RIGHT_GRANT,
                       RPC_BADGE_BIND | 0, 0);
    if (err_is_ok(err))
        memserv_chan(&err);
    return err;
}

errval_t mem_alloc_for(void *pid, capref_t *ret, uint64_t bytes)
{
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    if (err_is_ok(err))
        err = slot_alloc(ret);
    if (err_is_fail(err))
        return err;
    struct rpc_result r;
    err = rpc_call(c, MEMSERV_ALLOC_FOR, (uint64_t)(uintptr_t)pid, bytes, OBJSIZE_PAGE, NULL_CAP,
                   *ret, &r);
    if (err_is_ok(err))
        err = err_is_fail(r.err) ? r.err : r.got_cap ? SYS_ERR_OK : LMP_ERR_CAP_TRANSFER;
    if (err_is_fail(err))
        slot_free(*ret);
    return err;
}

errval_t mem_set_limits(uint64_t pid, const struct proc_limits *limits)
{
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    struct rpc_result r;
    if (err_is_ok(err))
        err = rpc_call(c, MEMSERV_SET_LIMITS, pid, limits->max[LIMIT_MEM], limits->max[LIMIT_CHANS],
                       NULL_CAP, NULL_CAP, &r);
    return err_is_ok(err) ? r.err : err;
}

static uint64_t memserv_op(uint64_t op, uint64_t pid)
{
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    struct rpc_result r = {0};
    if (err_is_ok(err))
        err = rpc_call(c, op, pid, 0, 0, NULL_CAP, NULL_CAP, &r);
    return err_is_ok(err) && err_is_ok(r.err) ? r.w[0] : 0;
}

// ---- Memory whose copies other cores still hold ----

struct held {
    capref_t cap; // our copy of mem_serv's RAM cap, to unexport
    uint64_t base;
};

static void held_revoked(void *arg, errval_t err)
{
    struct held *h = arg;
    if (err_is_ok(err))
        err = cap_invoke(cap_kernel, KernelCmd_Unexport, h->cap, 0, 0, 0, 0, 0).err;
    cap_destroy(h->cap);
    if (err_is_ok(err)) {
        struct rpc_chan *c = memserv_chan(&err);
        struct rpc_result r;
        if (err_is_ok(err))
            err = rpc_call(c, MEMSERV_RELEASE_HELD, h->base, 0, 0, NULL_CAP, NULL_CAP, &r);
        if (err_is_ok(err))
            err = r.err;
    }
    if (err_is_fail(err)) // the memory stays held: lost, never handed out twice
        printf("init: cannot release memory at %#lx: %s\n", h->base, err_msg(err));
    free(h);
}

// mem_serv holds memory it took back while other cores still had copies
// of caps made from it: revoke those everywhere, then let it go.
static void sweep_held(void)
{
    for (;;) {
        errval_t err;
        struct rpc_chan *c = memserv_chan(&err);
        capref_t slot = NULL_CAP;
        struct rpc_result r = {0};
        if (err_is_ok(err))
            err = slot_alloc(&slot);
        if (err_is_ok(err))
            err = rpc_call(c, MEMSERV_HELD, 0, 0, 0, NULL_CAP, slot, &r);
        if (err_is_ok(err))
            err = r.err;
        struct held *h = err_is_ok(err) && r.w[0] && r.got_cap ? malloc(sizeof(*h)) : NULL;
        if (!h) {
            if (slot)
                cap_destroy(slot);
            return;
        }
        *h = (struct held){slot, r.w[1]};
        cores_revoke(r.w[1], r.w[2], 0, held_revoked, h);
    }
}

uint64_t mem_reclaim(uint64_t pid)
{
    uint64_t bytes = memserv_op(MEMSERV_FREE_ALL, pid);
    sweep_held();
    return bytes;
}

uint64_t mem_usage(uint64_t pid) { return memserv_op(MEMSERV_USAGE, pid); }

void mem_mark_exported(uint64_t base) { memserv_op(MEMSERV_EXPORTED, base); }
