/*
 * cpudriver/arch/x86_64/startup.c: make init, the first dispatcher, from the
 * first boot module.
 *
 * Everything init gets is made with the same capability operations user
 * space uses. Physical memory enters the system as PhysAddr roots, held in
 * the CPU driver's boot CNode (kernel memory named by a cap no one else
 * holds); retyping them gives RAM, Frame and DevFrame caps. init's own
 * objects (CNodes, page tables, frames, its DCB) are retyped from one RAM
 * region (TASKCN_SLOT_INITMEM); all other free RAM goes to init as RAM caps.
 */
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/smp.h>
#include <arch/startup.h>
#include <arch/vnode.h>
#include <base/elf.h>
#include <base/string.h>
#include <console.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <kpi/init.h>
#include <syscall.h>

#define INIT_IMAGE_LIMIT (1ull << 30) // init is linked below 1 GiB: one PDPT entry
#define INIT_L2_CNODES   9            // ROOTCN_SLOT_TASKCN .. ROOTCN_SLOT_CHANCN
#define MAX_PTS          16
#define PT_SPAN          (2ull << 20)
#define PHYSADDR_TOP     (1ull << 48)

static struct cte bootcn_slots[L2_CNODE_SLOTS] __attribute__((aligned(4096)));
static struct capability bootcn;
static uint32_t bootcn_used;

// Slot i of the boot CNode, always through the physmap as cnode_slot gives
// it: a slot must have one address, the mapping database orders by it.
static struct cte *bootslot(uint32_t i) { return cnode_slot(&bootcn, i); }

static void check(errval_t err, const char *what)
{
    if (err_is_fail(err))
        panic("init: %s: %s (%s)", what, err_msg(err), err_name(err));
}

static struct cte *slot(const struct capability *cn, uint32_t i)
{
    struct cte *c = cnode_slot(cn, i);
    if (!c)
        panic("init: slot %u out of range", i);
    return c;
}

// A new PhysAddr root in the boot CNode.
static struct cte *physaddr_root(paddr_t base, uint64_t bytes)
{
    if (bootcn_used == L2_CNODE_SLOTS)
        panic("init: boot CNode full");
    struct cte *c = bootslot(bootcn_used++);
    struct capability cap = {
        .type = ObjType_PhysAddr, .rights = CAP_RIGHTS_ALL, .u.mem = {base, bytes}};
    check(caps_create_root(c, &cap), "PhysAddr root");
    return c;
}

// Retype a whole PhysAddr region into one cap of type in cn[i] (through RAM
// for Frames: PhysAddr -> RAM -> Frame).
static void give_region(paddr_t base, uint64_t bytes, enum objtype type,
                        const struct capability *cn, uint32_t i)
{
    struct cte *root = physaddr_root(base, bytes);
    if (type == ObjType_Frame) {
        uint32_t s = bootcn_used++;
        check(caps_retype(root, ObjType_RAM, 0, bytes, 1, &bootcn, s), "RAM for a frame");
        root = bootslot(s);
    }
    // Module frames keep their contents; everything else given is fresh.
    if (type == ObjType_Frame)
        check(caps_retype_keep_data(root, 0, bytes, cn, i), "module frame");
    else
        check(caps_retype(root, type, 0, bytes, 1, cn, i), "region cap");
}

// ---- Planning init's memory ----

struct plan {
    struct elf_image elf;
    unsigned pd_index[MAX_PTS]; // page tables needed, by PD entry
    unsigned n_pts;
    uint64_t bytes; // of INITMEM
};

static void need_pt(struct plan *p, uint64_t va)
{
    unsigned idx = (unsigned)(va / PT_SPAN);
    for (unsigned i = 0; i < p->n_pts; i++) {
        if (p->pd_index[i] == idx)
            return;
    }
    if (p->n_pts == MAX_PTS || idx >= PAGECN_PT_MAX)
        panic("init: image spans more than %u page tables or lies too high", MAX_PTS);
    p->pd_index[p->n_pts++] = idx;
}

static uint64_t page_up(uint64_t x)
{
    return (x + BASE_PAGE_SIZE - 1) & ~(uint64_t)(BASE_PAGE_SIZE - 1);
}

static void plan_init(struct plan *p, const struct boot_module *m)
{
    const char *why = "";
    uint64_t size = m->end - m->start;
    if (err_is_fail(elf_parse(phys_to_virt(m->start), size, INIT_IMAGE_LIMIT, &p->elf, &why)))
        panic("init: boot module '%s' is not a valid executable: %s", m->cmdline, why);
    need_pt(p, INIT_DISPFRAME_VA);
    need_pt(p, INIT_BOOTINFO_VA);
    need_pt(p, INIT_ARGS_VA);
    need_pt(p, INIT_STACK_TOP - 1);
    uint64_t frames =
        BASE_PAGE_SIZE + BOOTINFO_SIZE + BASE_PAGE_SIZE + INIT_STACK_PAGES * BASE_PAGE_SIZE;
    for (unsigned i = 0; i < p->elf.n_segments; i++) {
        const struct elf_segment *s = &p->elf.seg[i];
        for (uint64_t va = s->vaddr & ~(PT_SPAN - 1); va < s->vaddr + s->memsz; va += PT_SPAN)
            need_pt(p, va);
        frames += page_up(s->vaddr + s->memsz) - (s->vaddr & ~(uint64_t)(BASE_PAGE_SIZE - 1));
    }
    p->bytes = (1 + INIT_L2_CNODES) * L2_CNODE_BYTES + (3 + p->n_pts) * VNODE_SIZE +
               DISPATCHER_SIZE + frames + 2 * BASE_PAGE_SIZE; // the last pages: endpoints
}

// ---- Making objects from INITMEM ----

struct carve {
    struct cte *ram;
    uint64_t off, bytes;
};

static void make(struct carve *c, enum objtype type, uint64_t objsize, uint64_t count,
                 const struct capability *cn, uint32_t i)
{
    c->off = page_up(c->off);
    check(caps_retype(c->ram, type, c->off, objsize, count, cn, i), "make object");
    c->off += objsize * count;
    if (c->off > c->bytes)
        panic("init: INITMEM plan too small");
}

struct init_space {
    struct capability *l1, *taskcn, *pagecn, *segcn, *supercn, *modulecn, *devcn, *irqcn, *chancn;
    struct cte *pml4, *pd;
    uint32_t next_seg_slot;
    const struct plan *plan;
};

static void make_cspace(struct carve *c, struct init_space *s)
{
    uint32_t l1 = bootcn_used++;
    make(c, ObjType_L1CNode, INIT_L1_SLOTS * sizeof(struct cte), 1, &bootcn, l1);
    s->l1 = &bootslot(l1)->cap;
    make(c, ObjType_L2CNode, L2_CNODE_BYTES, INIT_L2_CNODES, s->l1, ROOTCN_SLOT_TASKCN);
    struct capability **cns[] = {&s->taskcn,   &s->pagecn, &s->segcn, NULL,      &s->supercn,
                                 &s->modulecn, &s->devcn,  &s->irqcn, &s->chancn};
    _Static_assert(sizeof(cns) / sizeof(cns[0]) == INIT_L2_CNODES, "one per L2 CNode");
    for (unsigned i = 0; i < INIT_L2_CNODES; i++) {
        if (cns[i])
            *cns[i] = &slot(s->l1, ROOTCN_SLOT_TASKCN + i)->cap;
    }
    // The root cap moves to init's task CNode: the kernel keeps no copy.
    check(caps_copy(slot(s->taskcn, TASKCN_SLOT_ROOTCN), bootslot(l1), CAP_RIGHTS_ALL),
          "root CNode");
    check(caps_delete(bootslot(l1)), "boot copy of the root CNode");
    s->l1 = &slot(s->taskcn, TASKCN_SLOT_ROOTCN)->cap;
}

static void make_vspace(struct carve *c, struct init_space *s)
{
    make(c, ObjType_VNodePML4, VNODE_SIZE, 1, s->pagecn, PAGECN_SLOT_PML4);
    make(c, ObjType_VNodePDPT, VNODE_SIZE, 1, s->pagecn, PAGECN_SLOT_PDPT0);
    make(c, ObjType_VNodePD, VNODE_SIZE, 1, s->pagecn, PAGECN_SLOT_PD0);
    s->pml4 = slot(s->pagecn, PAGECN_SLOT_PML4);
    s->pd = slot(s->pagecn, PAGECN_SLOT_PD0);
    struct cte *pdpt = slot(s->pagecn, PAGECN_SLOT_PDPT0);
    check(vnode_map(s->pml4, 0, pdpt, 0, 0, 1), "map PDPT");
    check(vnode_map(pdpt, 0, s->pd, 0, 0, 1), "map PD");
    // The page table for PD entry i goes to PAGECN slot PAGECN_SLOT_PT0 + i
    // (kpi/init.h), where lib/sys looks for it.
    for (unsigned i = 0; i < s->plan->n_pts; i++) {
        unsigned pdi = s->plan->pd_index[i];
        make(c, ObjType_VNodePT, VNODE_SIZE, 1, s->pagecn, PAGECN_SLOT_PT0 + pdi);
        check(vnode_map(s->pd, pdi, slot(s->pagecn, PAGECN_SLOT_PT0 + pdi), 0, 0, 1), "map PT");
    }
}

static struct cte *pt_for(struct init_space *s, uint64_t va)
{
    return slot(s->pagecn, PAGECN_SLOT_PT0 + (uint32_t)(va / PT_SPAN));
}

// A new frame of bytes in SEGCN, mapped at va (inside one page table).
static struct cte *make_frame(struct carve *c, struct init_space *s, uint64_t va, uint64_t bytes,
                              uint32_t flags)
{
    uint32_t i = s->next_seg_slot++;
    make(c, ObjType_Frame, bytes, 1, s->segcn, i);
    struct cte *f = slot(s->segcn, i);
    check(vnode_map(pt_for(s, va), pt_index(va), f, flags, 0, bytes / BASE_PAGE_SIZE), "map frame");
    return f;
}

// Copy each segment into frames, one per page table it spans.
static void load_segments(struct carve *c, struct init_space *s, const struct boot_module *m)
{
    const uint8_t *file = phys_to_virt(m->start);
    for (unsigned i = 0; i < s->plan->elf.n_segments; i++) {
        const struct elf_segment *seg = &s->plan->elf.seg[i];
        uint32_t flags =
            ((seg->flags & ELF_PF_W) ? MAP_WRITE : 0) | ((seg->flags & ELF_PF_X) ? MAP_EXEC : 0);
        uint64_t start = seg->vaddr & ~(uint64_t)(BASE_PAGE_SIZE - 1);
        uint64_t end = page_up(seg->vaddr + seg->memsz);
        for (uint64_t va = start; va < end;) {
            uint64_t piece_end = (va / PT_SPAN + 1) * PT_SPAN;
            piece_end = piece_end < end ? piece_end : end;
            struct cte *f = make_frame(c, s, va, piece_end - va, flags);
            uint8_t *mem = kmem_ptr(f->cap.u.mem.base);
            // The part of the file image that falls into [va, piece_end).
            uint64_t lo = va > seg->vaddr ? va : seg->vaddr;
            uint64_t hi =
                seg->vaddr + seg->filesz < piece_end ? seg->vaddr + seg->filesz : piece_end;
            if (lo < hi)
                memcpy(mem + (lo - va), file + seg->offset + (lo - seg->vaddr), hi - lo);
            va = piece_end;
        }
    }
}

// ---- The machine's resources, for init ----

static void add_region(struct bootinfo *bi, paddr_t base, uint64_t bytes, uint32_t type,
                       uint32_t slot_index)
{
    if (bi->n_regions == BOOTINFO_MAX_REGIONS)
        panic("init: more than %u regions for bootinfo", BOOTINFO_MAX_REGIONS);
    bi->regions[bi->n_regions++] = (struct bootinfo_region){base, bytes, type, slot_index};
}

// All free RAM, as RAM caps in SUPERCN.
static void give_ram(struct init_space *s, const struct bootmem *bm, struct bootinfo *bi)
{
    for (unsigned i = 0; i < bm->n; i++) {
        uint64_t bytes = bm->r[i].end - bm->r[i].base;
        struct cte *root = physaddr_root(bm->r[i].base, bytes);
        check(caps_retype(root, ObjType_RAM, 0, bytes, 1, s->supercn, i), "RAM cap");
        add_region(bi, bm->r[i].base, bytes, BOOTINFO_RAM, i);
        bi->ram_bytes += bytes;
    }
}

static void give_modules(struct init_space *s, const struct boot_info *boot, struct bootinfo *bi)
{
    // The command lines live in the MBI, which GRUB may put in a module's
    // last page: copy them all before any module page becomes a Frame
    // (retype zeroes Frames).
    for (unsigned i = 0; i < boot->n_modules && i < BOOTINFO_MAX_MODULES; i++) {
        const struct boot_module *m = &boot->modules[i];
        struct bootinfo_module *bm = &bi->modules[bi->n_modules++];
        *bm = (struct bootinfo_module){.base = m->start, .bytes = m->end - m->start, .slot = i};
        strlcpy(bm->cmdline, m->cmdline, sizeof(bm->cmdline));
    }
    for (unsigned i = 0; i < bi->n_modules; i++) {
        const struct boot_module *m = &boot->modules[i];
        uint64_t bytes = page_up(m->end - m->start);
        give_region(m->start, bytes ? bytes : BASE_PAGE_SIZE, ObjType_Frame, s->modulecn, i);
    }
}

// The end of the first RAM region that contains or follows a, and where
// it starts (top if none): the memory map need not be sorted.
static paddr_t next_ram(const struct boot_info *boot, paddr_t a, paddr_t top, paddr_t *end)
{
    paddr_t best = top;
    *end = top;
    for (unsigned i = 0; i < boot->n_mmap; i++) {
        const struct boot_region *r = &boot->mmap[i];
        paddr_t b = r->base & ~(uint64_t)(BASE_PAGE_SIZE - 1), e = page_up(r->base + r->len);
        if (r->type != MB2_MEM_AVAILABLE || e <= a)
            continue;
        b = b > a ? b : a;
        if (b < best) {
            best = b;
            *end = e;
        }
    }
    return best;
}

// Every stretch below 4 GiB that holds no RAM (device windows, ACPI tables,
// the BIOS area) as a DevFrame in DEVCN; everything above 4 GiB and the top
// of RAM as a PhysAddr cap, from which drivers can make DevFrames for
// 64-bit BARs.
static void give_devices(struct init_space *s, const struct boot_info *boot, struct bootinfo *bi)
{
    const paddr_t low = 4ull << 30;
    uint32_t n = 0;
    paddr_t ram_top = low;
    for (paddr_t a = 0, end; a < low; a = end) {
        paddr_t ram = next_ram(boot, a, low, &end);
        if (ram > a) {
            if (n == L2_CNODE_SLOTS)
                panic("init: too many device regions");
            give_region(a, ram - a, ObjType_DevFrame, s->devcn, n);
            add_region(bi, a, ram - a, BOOTINFO_DEV, n++);
        }
    }
    for (unsigned i = 0; i < boot->n_mmap; i++) {
        const struct boot_region *r = &boot->mmap[i];
        if (r->type == MB2_MEM_AVAILABLE && page_up(r->base + r->len) > ram_top)
            ram_top = page_up(r->base + r->len);
    }
    struct cte *root = physaddr_root(ram_top, PHYSADDR_TOP - ram_top);
    check(caps_copy(slot(s->taskcn, TASKCN_SLOT_PHYSADDR), root, CAP_RIGHTS_ALL), "PhysAddr");
}

static void give_root(const struct capability *cn, uint32_t i, struct capability cap)
{
    cap.rights = CAP_RIGHTS_ALL;
    check(caps_create_root(slot(cn, i), &cap), "root cap");
}

static void give_irq_io_kernel(struct init_space *s)
{
    give_root(s->taskcn, TASKCN_SLOT_IO,
              (struct capability){.type = ObjType_IO, .u.io = {0, 0xffff}});
    give_root(s->taskcn, TASKCN_SLOT_KERNEL, (struct capability){.type = ObjType_Kernel});
    for (uint32_t g = 0; g < irq_gsi_count() && g < IRQ_VECTOR_FIRST; g++)
        give_root(s->irqcn, g, (struct capability){.type = ObjType_IRQSrc, .u.irqsrc = {g, g}});
    for (uint32_t v = IRQ_VECTOR_FIRST; v <= IRQ_VECTOR_LAST; v++)
        give_root(s->irqcn, v,
                  (struct capability){.type = ObjType_IRQDest, .u.irqdest = {sched.core, v}});
}

// ---- Pages init starts with ----

static void fill_bootinfo(struct bootinfo *bi, const struct boot_info *boot, unsigned ncores)
{
    bi->magic = BOOTINFO_MAGIC;
    if (boot->rsdp && boot->rsdp_len <= sizeof(bi->rsdp)) {
        memcpy(bi->rsdp, boot->rsdp, boot->rsdp_len);
        bi->rsdp_len = (uint32_t)boot->rsdp_len;
    }
    bi->core_count = ncores;
    bi->tsc_hz = tsc_hz();
    strlcpy(bi->kernel_cmdline, boot->cmdline, sizeof(bi->kernel_cmdline));
}

// argv from the module's command line ("init arg1 arg2"), as user addresses.
static void fill_args(struct args_page *a, const char *cmdline)
{
    a->magic = ARGS_PAGE_MAGIC;
    a->pid = 0;
    a->boot_tsc = boot_tsc;
    a->tsc_hz = tsc_hz();
    size_t used = 0;
    while (*cmdline && a->argc < ARGS_MAX) {
        while (*cmdline == ' ')
            cmdline++;
        size_t n = 0;
        while (cmdline[n] && cmdline[n] != ' ')
            n++;
        if (n == 0 || used + n + 1 > sizeof(a->strings))
            break;
        memcpy(a->strings + used, cmdline, n);
        a->argv[a->argc++] = INIT_ARGS_VA + __builtin_offsetof(struct args_page, strings) + used;
        used += n + 1;
        cmdline += n;
    }
}

static void copy_to_taskcn(struct init_space *s, uint32_t i, struct cte *src)
{
    check(caps_copy(slot(s->taskcn, i), src, CAP_RIGHTS_ALL), "task CNode copy");
}

// ---- Making a first dispatcher: init on the boot core, a monitor on the others ----

struct first_domain {
    struct init_space s;
    struct carve c;
    struct cte *disp, *binfo, *args;
    struct bootinfo *bi;
};

// Make the domain for module m out of [mem, mem + plan->bytes), which
// becomes its INITMEM: CSpace, VSpace, the fixed frames, its segments, its
// dispatcher and endpoints.
static void make_first_domain(struct first_domain *fd, struct plan *plan,
                              const struct boot_module *m, paddr_t mem)
{
    bootcn = (struct capability){.type = ObjType_L2CNode,
                                 .rights = CAP_RIGHTS_ALL,
                                 .u.cnode = {virt_to_phys(bootcn_slots), L2_CNODE_SLOTS}};
    fd->c = (struct carve){.off = 0, .bytes = plan->bytes};
    struct cte *root = physaddr_root(mem, plan->bytes);
    uint32_t ram = bootcn_used++;
    check(caps_retype(root, ObjType_RAM, 0, plan->bytes, 1, &bootcn, ram), "INITMEM");
    fd->c.ram = bootslot(ram);

    struct init_space *s = &fd->s;
    struct carve *c = &fd->c;
    *s = (struct init_space){.plan = plan};
    make_cspace(c, s);
    make_vspace(c, s);
    fd->disp = make_frame(c, s, INIT_DISPFRAME_VA, BASE_PAGE_SIZE, MAP_WRITE);
    fd->binfo = make_frame(c, s, INIT_BOOTINFO_VA, BOOTINFO_SIZE, 0);
    fd->args = make_frame(c, s, INIT_ARGS_VA, BASE_PAGE_SIZE, 0);
    uint64_t stack_bytes = INIT_STACK_PAGES * BASE_PAGE_SIZE;
    make_frame(c, s, INIT_STACK_TOP - stack_bytes, stack_bytes, MAP_WRITE);
    load_segments(c, s, m);
    make(c, ObjType_Dispatcher, DISPATCHER_SIZE, 1, s->taskcn, TASKCN_SLOT_DISPATCHER);
    make(c, ObjType_Endpoint, ENDPOINT_SIZE, 1, s->taskcn, TASKCN_SLOT_ENDPOINT);
    make(c, ObjType_Endpoint, ENDPOINT_SIZE, 1, s->taskcn, TASKCN_SLOT_REPLYEP);
    copy_to_taskcn(s, TASKCN_SLOT_VROOT, s->pml4);
    copy_to_taskcn(s, TASKCN_SLOT_DISPFRAME, fd->disp);
    copy_to_taskcn(s, TASKCN_SLOT_BOOTINFO, fd->binfo);
    copy_to_taskcn(s, TASKCN_SLOT_ARGSPAGE, fd->args);
    copy_to_taskcn(s, TASKCN_SLOT_INITMEM, c->ram);
    check(caps_delete(c->ram), "boot copy of INITMEM");
    fd->bi = kmem_ptr(fd->binfo->cap.u.mem.base);
    fd->bi->magic = BOOTINFO_MAGIC;
    fd->bi->core = sched.core;
    fd->bi->tsc_hz = tsc_hz();
}

// Set the dispatcher up to run the program and make it ready.
static void run_first_domain(struct first_domain *fd, const struct plan *plan,
                             const struct boot_module *m, const char *name)
{
    struct init_space *s = &fd->s;
    fill_args(kmem_ptr(fd->args->cap.u.mem.base), m->cmdline);
    struct dcb *d = dcb_of(&slot(s->taskcn, TASKCN_SLOT_DISPATCHER)->cap);
    check(caps_copy(&d->cspace, slot(s->taskcn, TASKCN_SLOT_ROOTCN), CAP_RIGHTS_ALL), "DCB cspace");
    check(caps_copy(&d->vspace, s->pml4, CAP_RIGHTS_ALL), "DCB vspace");
    check(caps_copy(&d->dispframe, fd->disp, CAP_RIGHTS_ALL), "DCB frame");
    d->id = ++sched.next_id;
    d->core = sched.core;
    arch_dispatcher_init(d, plan->elf.entry, INIT_STACK_TOP, INIT_ARGS_VA);
    struct dispatcher_frame *f = kmem_ptr(fd->disp->cap.u.mem.base);
    strlcpy(f->name, name, sizeof(f->name));
    sched_make_ready(d);
}

// A Frame over pages another core's domain shares (made by both CPU
// drivers over the same memory: their contents are kept).
static void give_channel(const struct capability *cn, uint32_t i, paddr_t base, uint64_t bytes)
{
    give_region(base, bytes, ObjType_Frame, cn, i);
}

void startup_init(const struct boot_info *boot, struct bootmem *bm, unsigned ncores)
{
    const struct boot_module *m = &boot->modules[0];
    struct plan plan = {0};
    plan_init(&plan, m);
    paddr_t mem;
    if (err_is_fail(bootmem_alloc(bm, plan.bytes, BASE_PAGE_SIZE, &mem)))
        panic("init: no %lu KiB of RAM for init's objects", plan.bytes >> 10);
    static struct first_domain fd;
    make_first_domain(&fd, &plan, m, mem);
    struct bootinfo *bi = fd.bi;
    fill_bootinfo(bi, boot, ncores);
    give_modules(&fd.s, boot, bi);
    give_devices(&fd.s, boot, bi);
    give_irq_io_kernel(&fd.s);
    for (unsigned core = 1; core < ncores; core++) {
        uint64_t base, bytes;
        smp_channel(core, &base, &bytes);
        if (bytes) {
            give_channel(fd.s.chancn, core, base, bytes);
            bi->chan_bytes = bytes;
        }
    }
    give_ram(&fd.s, bm, bi); // last: nothing more comes from bootmem
    run_first_domain(&fd, &plan, m, "init");
    kprintf("init: '%s', %u segments, entry %#lx, %lu KiB of objects, %lu MiB of RAM to give\n",
            m->cmdline, plan.elf.n_segments, plan.elf.entry, plan.bytes >> 10, bi->ram_bytes >> 20);
}

void startup_monitor(const struct boot_module *m, paddr_t ram, uint64_t ram_bytes, paddr_t chan,
                     uint64_t chan_bytes, unsigned ncores)
{
    struct plan plan = {0};
    plan_init(&plan, m);
    if (plan.bytes >= ram_bytes)
        panic("monitor: %lu KiB of RAM is too little (%lu KiB of objects)", ram_bytes >> 10,
              plan.bytes >> 10);
    static struct first_domain fd;
    make_first_domain(&fd, &plan, m, ram);
    struct bootinfo *bi = fd.bi;
    bi->core_count = ncores;
    // The rest of its RAM, the core's own vectors and Kernel cap, and the
    // channel to init.
    uint64_t rest = ram_bytes - plan.bytes;
    struct cte *root = physaddr_root(ram + plan.bytes, rest);
    check(caps_retype(root, ObjType_RAM, 0, rest, 1, fd.s.supercn, 0), "monitor RAM");
    add_region(bi, ram + plan.bytes, rest, BOOTINFO_RAM, 0);
    bi->ram_bytes = rest;
    give_root(fd.s.taskcn, TASKCN_SLOT_KERNEL, (struct capability){.type = ObjType_Kernel});
    for (uint32_t v = IRQ_VECTOR_FIRST; v <= IRQ_VECTOR_LAST; v++)
        give_root(fd.s.irqcn, v,
                  (struct capability){.type = ObjType_IRQDest, .u.irqdest = {sched.core, v}});
    give_channel(fd.s.chancn, 0, chan, chan_bytes);
    bi->chan_bytes = chan_bytes;
    run_first_domain(&fd, &plan, m, "monitor");
}
