/* lib/sys/spawn.c: load an ELF program into a new domain (see sys/spawn.h). */
#include <base/elf.h>
#include <kpi/dispatcher.h>
#include <kpi/init.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/failpoint.h>
#include <sys/slot.h>
#include <sys/spawn.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define PT_SPAN     (2ull << 20)
#define STACK_BYTES (STACK_PAGES * (uint64_t)OBJSIZE_PAGE)
#define N_L2        4 // TASKCN, PAGECN, SEGCN, ALLOC0 in the domain's root

static uint64_t page_up(uint64_t x)
{
    return (x + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
}

// Page tables below 1 GiB the domain needs, as PD indices (bitmap).
struct plan {
    struct elf_image elf;
    uint64_t pts[8]; // 512 bits
    unsigned n_pts;
    uint64_t frames, bytes;
};

static void need_pt(struct plan *p, uint64_t va)
{
    unsigned i = (unsigned)(va / PT_SPAN);
    if (!(p->pts[i / 64] & (1ull << (i % 64)))) {
        p->pts[i / 64] |= 1ull << (i % 64);
        p->n_pts++;
    }
}

static MUST_CHECK errval_t plan(struct plan *p, const void *elf, size_t size)
{
    const char *why;
    memset(p, 0, sizeof(*p));
    errval_t err = elf_parse(elf, size, STACK_TOP - STACK_BYTES, &p->elf, &why);
    if (err_is_fail(err))
        return err;
    if (p->elf.seg[0].vaddr < 0x400000)
        return BOOT_ERR_BAD_ELF; // below the program area: link with hake/user.ld
    need_pt(p, DISPFRAME_VA);
    need_pt(p, ARGS_VA);
    need_pt(p, STACK_TOP - 1);
    p->frames = 2 * OBJSIZE_PAGE + STACK_BYTES;
    for (unsigned i = 0; i < p->elf.n_segments; i++) {
        const struct elf_segment *s = &p->elf.seg[i];
        for (uint64_t va = s->vaddr & ~(PT_SPAN - 1); va < s->vaddr + s->memsz; va += PT_SPAN)
            need_pt(p, va);
        // One frame per page table a segment touches, each page-rounded.
        p->frames += page_up(s->vaddr + s->memsz) - (s->vaddr & ~(uint64_t)(OBJSIZE_PAGE - 1)) +
                     OBJSIZE_PAGE * ((s->memsz / PT_SPAN) + 1);
    }
    // The handle CNode, root, L2 CNodes, tables, DCB, endpoints, frames.
    p->bytes = OBJSIZE_L2CNODE + OBJSIZE_CTE * L1_CNODE_MIN_SLOTS + N_L2 * OBJSIZE_L2CNODE +
               (3 + p->n_pts) * OBJSIZE_VNODE + OBJSIZE_DISPATCHER + OBJSIZE_PAGE + p->frames;
    return SYS_ERR_OK;
}

// ---- Carving objects out of the region ----

struct carve {
    struct spawn *sp;
    uint64_t off, bytes;
};

static MUST_CHECK errval_t make(struct carve *c, enum objtype type, uint64_t objsize, capref_t dest)
{
    uint64_t align = objsize < OBJSIZE_PAGE ? objsize : OBJSIZE_PAGE;
    c->off = (c->off + align - 1) & ~(align - 1);
    if (c->off + objsize > c->bytes)
        return SYS_ERR_NO_MEMORY; // the plan was wrong
    errval_t err = cap_retype(dest, c->sp->region, type, c->off, objsize, 1);
    if (err_is_ok(err))
        c->off += objsize;
    return err;
}

// A new object in the next handle slot.
static MUST_CHECK errval_t make_h(struct carve *c, enum objtype type, uint64_t objsize,
                                  capref_t *ret)
{
    *ret = cap_at(c->sp->handle_l1, c->sp->next++);
    return make(c, type, objsize, *ret);
}

static capref_t h(struct spawn *sp, uint32_t i) { return cap_at(sp->handle_l1, i); }

// Copy our cap src into slot i of the domain's L2 CNode at handle slot cn.
static MUST_CHECK errval_t give(struct spawn *sp, enum spawn_handle_slot cn, uint32_t i,
                                capref_t src)
{
    return invoke_cnode_copy(cap_root, h(sp, cn), i, src, CAP_RIGHTS_ALL);
}

static MUST_CHECK errval_t make_cspace(struct carve *c)
{
    struct spawn *sp = c->sp;
    errval_t err = make(c, ObjType_L1CNode, OBJSIZE_CTE * L1_CNODE_MIN_SLOTS, h(sp, SPAWN_H_ROOT));
    static const uint32_t l1_slot[N_L2] = {ROOTCN_SLOT_TASKCN, ROOTCN_SLOT_PAGECN,
                                           ROOTCN_SLOT_SEGCN, ROOTCN_SLOT_ALLOC0};
    for (unsigned i = 0; i < N_L2 && err_is_ok(err); i++) {
        err = make(c, ObjType_L2CNode, OBJSIZE_L2CNODE, h(sp, SPAWN_H_TASKCN + i));
        if (err_is_ok(err))
            err = invoke_cnode_copy(cap_root, h(sp, SPAWN_H_ROOT), l1_slot[i],
                                    h(sp, SPAWN_H_TASKCN + i), CAP_RIGHTS_ALL);
    }
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_ROOTCN, h(sp, SPAWN_H_ROOT));
    return err;
}

// The page tables; each also goes where kpi/init.h says in the domain's PAGECN.
static MUST_CHECK errval_t make_vspace(struct carve *c, const struct plan *p, capref_t *pml4,
                                       capref_t *pd)
{
    struct spawn *sp = c->sp;
    capref_t pdpt;
    errval_t err = make_h(c, ObjType_VNodePML4, OBJSIZE_VNODE, pml4);
    if (err_is_ok(err))
        err = make_h(c, ObjType_VNodePDPT, OBJSIZE_VNODE, &pdpt);
    if (err_is_ok(err))
        err = make_h(c, ObjType_VNodePD, OBJSIZE_VNODE, pd);
    if (err_is_ok(err))
        err = invoke_vnode_map(*pml4, 0, pdpt, 0, 0, 1);
    if (err_is_ok(err))
        err = invoke_vnode_map(pdpt, 0, *pd, 0, 0, 1);
    capref_t top[3] = {*pml4, pdpt, *pd};
    for (uint32_t i = 0; i < 3 && err_is_ok(err); i++)
        err = give(sp, SPAWN_H_PAGECN, PAGECN_SLOT_PML4 + i, top[i]);
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_VROOT, *pml4);
    for (uint32_t pdi = 0; pdi < 512 && err_is_ok(err); pdi++) {
        if (!(p->pts[pdi / 64] & (1ull << (pdi % 64))))
            continue;
        capref_t pt;
        err = make_h(c, ObjType_VNodePT, OBJSIZE_VNODE, &pt);
        if (err_is_ok(err))
            err = invoke_vnode_map(*pd, pdi, pt, 0, 0, 1);
        if (err_is_ok(err))
            err = give(sp, SPAWN_H_PAGECN, PAGECN_SLOT_PT0 + pdi, pt);
    }
    return err;
}

// Find the page table for va among the handle slots: tables were made in
// PD-index order right after the PD, so count the set bits below va's.
static capref_t pt_for(struct spawn *sp, const struct plan *p, uint64_t va, uint32_t first_pt)
{
    unsigned idx = (unsigned)(va / PT_SPAN), n = 0;
    for (unsigned i = 0; i < idx; i++)
        n += (p->pts[i / 64] >> (i % 64)) & 1;
    return h(sp, first_pt + n);
}

// Write into a domain's frame: map a temporary copy of it here.
static MUST_CHECK errval_t fill(struct spawn *sp, capref_t frame, uint64_t bytes, uint64_t skip,
                                const void *src, uint64_t len)
{
    capref_t tmp = h(sp, SPAWN_H_TEMP);
    void *va;
    errval_t err = cap_copy(tmp, frame, CAP_RIGHTS_ALL);
    if (err_is_fail(err))
        return err;
    err = vspace_map(tmp, bytes, MAP_WRITE, &va);
    if (err_is_ok(err)) {
        memcpy((char *)va + skip, src, len);
        err = vspace_unmap(tmp);
    }
    errval_t del = cap_delete(tmp);
    return err_is_ok(err) ? del : err;
}

struct frame_spec {
    uint64_t va, bytes;
    uint32_t flags;
};

// A frame in the next handle slot, mapped at va for the domain, also in its SEGCN.
static MUST_CHECK errval_t make_frame(struct carve *c, const struct plan *p, uint32_t first_pt,
                                      struct frame_spec f, capref_t *ret)
{
    struct spawn *sp = c->sp;
    uint32_t seg_slot = sp->next - SPAWN_H_FIRST_FREE;
    errval_t err = make_h(c, ObjType_Frame, f.bytes, ret);
    if (err_is_ok(err))
        err = invoke_vnode_map(pt_for(sp, p, f.va, first_pt), (f.va / OBJSIZE_PAGE) % 512, *ret,
                               f.flags, 0, f.bytes / OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_SEGCN, seg_slot, *ret);
    return err;
}

// LAB 5 BEGIN load_segments
static MUST_CHECK errval_t load_segments(struct carve *c, const struct plan *p, uint32_t first_pt,
                                         const uint8_t *file)
{
    for (unsigned i = 0; i < p->elf.n_segments; i++) {
        const struct elf_segment *s = &p->elf.seg[i];
        uint32_t flags =
            ((s->flags & ELF_PF_W) ? MAP_WRITE : 0) | ((s->flags & ELF_PF_X) ? MAP_EXEC : 0);
        uint64_t start = s->vaddr & ~(uint64_t)(OBJSIZE_PAGE - 1),
                 end = page_up(s->vaddr + s->memsz);
        for (uint64_t va = start; va < end;) {
            uint64_t piece = (va / PT_SPAN + 1) * PT_SPAN;
            piece = piece < end ? piece : end;
            capref_t f;
            errval_t err =
                make_frame(c, p, first_pt, (struct frame_spec){va, piece - va, flags}, &f);
            uint64_t lo = va > s->vaddr ? va : s->vaddr;
            uint64_t hi = s->vaddr + s->filesz < piece ? s->vaddr + s->filesz : piece;
            if (err_is_ok(err) && lo < hi)
                err = fill(c->sp, f, piece - va, lo - va, file + s->offset + (lo - s->vaddr),
                           hi - lo);
            if (err_is_fail(err))
                return err;
            va = piece;
        }
    }
    return SYS_ERR_OK;
}
// LAB 5 STUB
// // Back each segment of p->elf with frames mapped at its pages in the
// // domain (make_frame: one frame per piece of the segment inside one 2 MiB
// // page table, writable if ELF_PF_W, executable if ELF_PF_X), and copy
// // its filesz bytes from file + offset into them (fill); the rest of
// // memsz stays zero (frames are zeroed when made).
// static MUST_CHECK errval_t load_segments(struct carve *c, const struct plan *p,
//                                          uint32_t first_pt, const uint8_t *file)
// {
//     // LAB 5: your code here
//     (void)c, (void)p, (void)first_pt, (void)file;
//     printf("LAB 5: load_segments is not written yet (lib/sys/spawn.c)\n");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 5 END

static MUST_CHECK errval_t make_args(struct spawn *sp, capref_t frame, int argc,
                                     const char *const *argv, uint64_t pid)
{
    static struct args_page a; // built here, copied into the domain's page
    memset(&a, 0, sizeof(a));
    a.magic = ARGS_PAGE_MAGIC;
    a.pid = pid;
    a.boot_tsc = sys_boot_tsc();
    a.tsc_hz = sys_tsc_hz();
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (i >= ARGS_MAX || used + n > sizeof(a.strings))
            return SPAWN_ERR_ARGS;
        memcpy(a.strings + used, argv[i], n);
        a.argv[i] = ARGS_VA + offsetof(struct args_page, strings) + used;
        used += n;
    }
    a.argc = (uint32_t)argc;
    return fill(sp, frame, OBJSIZE_PAGE, 0, &a, sizeof(a));
}

static MUST_CHECK errval_t make_dispatcher(struct carve *c, capref_t pml4, capref_t frame,
                                           const char *name)
{
    struct spawn *sp = c->sp;
    capref_t reply;
    errval_t err = make(c, ObjType_Dispatcher, OBJSIZE_DISPATCHER, h(sp, SPAWN_H_DISPATCHER));
    if (err_is_ok(err))
        err = make(c, ObjType_Endpoint, OBJSIZE_ENDPOINT, h(sp, SPAWN_H_ENDPOINT));
    if (err_is_ok(err))
        err = make_h(c, ObjType_Endpoint, OBJSIZE_ENDPOINT, &reply);
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_REPLYEP, reply);
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_DISPATCHER, h(sp, SPAWN_H_DISPATCHER));
    if (err_is_ok(err))
        err = give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_ENDPOINT, h(sp, SPAWN_H_ENDPOINT));
    struct dispatcher_frame df = {0};
    strlcpy(df.name, name, sizeof(df.name));
    if (err_is_ok(err))
        err = fill(sp, frame, OBJSIZE_PAGE, 0, &df, sizeof(df));
    if (err_is_ok(err))
        err = invoke_dispatcher_setup(h(sp, SPAWN_H_DISPATCHER), h(sp, SPAWN_H_ROOT), pml4, frame,
                                      sp->entry, STACK_TOP, ARGS_VA);
    return err;
}

// The steps of spawn_load after the region is there; each is a FAILPOINT.
static MUST_CHECK errval_t build(struct spawn *sp, struct carve *c, const struct plan *p,
                                 const void *elf, int argc, const char *const *argv, uint64_t pid)
{
    // The handle CNode first: it holds our copies of everything else.
    errval_t err = FAILPOINT(make(c, ObjType_L2CNode, OBJSIZE_L2CNODE, cap_l1(sp->handle_l1)));
    capref_t pml4, pd, disp, args, stack;
    if (err_is_ok(err))
        err = FAILPOINT(make_cspace(c));
    if (err_is_ok(err))
        err = FAILPOINT(make_vspace(c, p, &pml4, &pd));
    uint32_t first_pt = SPAWN_H_FIRST_FREE + 3;
    if (err_is_ok(err))
        err = FAILPOINT(make_frame(
            c, p, first_pt, (struct frame_spec){DISPFRAME_VA, OBJSIZE_PAGE, MAP_WRITE}, &disp));
    if (err_is_ok(err))
        err = FAILPOINT(
            make_frame(c, p, first_pt, (struct frame_spec){ARGS_VA, OBJSIZE_PAGE, 0}, &args));
    if (err_is_ok(err))
        err = FAILPOINT(make_frame(
            c, p, first_pt, (struct frame_spec){STACK_TOP - STACK_BYTES, STACK_BYTES, MAP_WRITE},
            &stack));
    if (err_is_ok(err))
        err = FAILPOINT(load_segments(c, p, first_pt, elf));
    if (err_is_ok(err))
        err = FAILPOINT(make_args(sp, args, argc, argv, pid));
    if (err_is_ok(err))
        err = FAILPOINT(give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_DISPFRAME, disp));
    if (err_is_ok(err))
        err = FAILPOINT(give(sp, SPAWN_H_TASKCN, TASKCN_SLOT_ARGSPAGE, args));
    if (err_is_ok(err))
        err = FAILPOINT(make_dispatcher(c, pml4, disp, argc ? argv[0] : "?"));
    return err;
}

errval_t spawn_load(struct spawn *sp, const void *elf, size_t size, int argc,
                    const char *const *argv, uint64_t pid, uint32_t handle_l1, spawn_alloc_fn alloc,
                    void *alloc_arg)
{
    struct plan p;
    errval_t err = plan(&p, elf, size);
    if (err_is_fail(err))
        return err_push(err, SPAWN_ERR_LOAD);
    *sp = (struct spawn){.handle_l1 = handle_l1, .next = SPAWN_H_FIRST_FREE, .entry = p.elf.entry};
    err = FAILPOINT(alloc(alloc_arg, &sp->region, page_up(p.bytes)));
    if (err_is_fail(err)) {
        sp->region = NULL_CAP;
        return err_push(err, SPAWN_ERR_LOAD);
    }
    struct carve c = {.sp = sp, .bytes = page_up(p.bytes)};
    err = build(sp, &c, &p, elf, argc, argv, pid);
    if (err_is_fail(err)) {
        // Everything made is a descendant of the region: one revoke (on
        // this core: nothing went to another) takes it all, the handle
        // CNode in our L1 slot included. The region stays the caller's.
        bool remote;
        err_ignore(cap_revoke_here(sp->region, &remote),
                   "fails only for an empty region slot: then nothing was made from it");
        return err_push(err, SPAWN_ERR_LOAD);
    }
    return SYS_ERR_OK;
}

errval_t spawn_give(struct spawn *sp, uint32_t taskcn_slot, capref_t src)
{
    return give(sp, SPAWN_H_TASKCN, taskcn_slot, src);
}

errval_t spawn_run(struct spawn *sp)
{
    errval_t err = invoke_dispatcher_run(h(sp, SPAWN_H_DISPATCHER));
    return err_is_ok(err) ? err : err_push(err, SPAWN_ERR_RUN);
}
