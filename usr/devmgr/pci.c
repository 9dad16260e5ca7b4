/*
 * usr/devmgr/pci.c: the PCI side of devmgr: configuration space through
 * ECAM, the device table, unassigned BARs, SR-IOV, caps for owners, lspci.
 */
#include "devmgr.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/slot.h>

struct dev devs[DEVMGR_MAX_DEVS];
unsigned ndevs;

static struct pci_ecam ecam;
static struct pci_cfg ecam_cfg, cfg;
static uint64_t ecam_pa;
static bool bus_mapped[256];

uint16_t dev_rid(const struct dev *d) { return pci_bdf_rid(d->f.bdf); }

// ECAM is mapped a bus (1 MiB) at a time, when first touched.
static bool bus_ready(uint8_t bus)
{
    if (bus < ecam.first_bus || bus > ecam.last_bus)
        return false;
    if (!bus_mapped[bus])
        bus_mapped[bus] =
            devmem_map(ecam_pa + ((uint64_t)(bus - ecam.first_bus) << 20), 1u << 20) != NULL;
    return bus_mapped[bus];
}

static uint32_t cfg_read(void *arg, struct pci_bdf b, uint16_t off, unsigned size)
{
    (void)arg;
    return bus_ready(b.bus) ? ecam_cfg.read(ecam_cfg.arg, b, off, size) : 0xffffffffu;
}

static void cfg_write(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val)
{
    (void)arg;
    if (bus_ready(b.bus))
        ecam_cfg.write(ecam_cfg.arg, b, off, size, val);
}

const struct pci_cfg *pci_config(void) { return &cfg; }

struct dev *dev_find(uint16_t rid)
{
    for (unsigned i = 0; i < ndevs; i++) {
        if (dev_rid(&devs[i]) == rid)
            return &devs[i];
    }
    return NULL;
}

static struct dev *dev_add(const struct pci_func *f)
{
    if (ndevs == DEVMGR_MAX_DEVS)
        return NULL;
    struct dev *d = &devs[ndevs++];
    *d = (struct dev){.f = *f, .owner = DEVMGR_NO_OWNER, .granter = DEVMGR_NO_OWNER, .domain = -1};
    return d;
}

// ---- Unassigned BARs ----

// The bridge whose secondary bus is bus, or NULL (the root bus).
static const struct dev *bridge_above(uint8_t bus)
{
    for (unsigned i = 0; i < ndevs; i++) {
        if (devs[i].f.is_bridge && devs[i].f.bridge.secondary == bus)
            return &devs[i];
    }
    return NULL;
}

// The first free address in window w, above every BAR decoded on bus.
static uint64_t window_next(const struct pci_window *w, uint8_t bus)
{
    uint64_t next = w->base;
    for (unsigned i = 0; i < ndevs; i++) {
        const struct pci_func *f = &devs[i].f;
        for (unsigned b = 0; f->bdf.bus == bus && b < f->nbars; b++) {
            const struct pci_bar *bar = &f->bars[b];
            if (bar->type != PCI_BAR_NONE && bar->type != PCI_BAR_IO && bar->addr >= w->base &&
                bar->addr <= w->limit && bar->addr + bar->size > next)
                next = bar->addr + bar->size;
        }
    }
    return next;
}

// Memory BARs firmware left at 0 behind a bridge: place them in its window
// (PCI 6.2.5.1). On the root bus there is no window to take from: they
// stay unassigned (said so).
static void assign_bars(void)
{
    for (unsigned i = 0; i < ndevs; i++) {
        struct pci_func *f = &devs[i].f;
        for (unsigned b = 0; !f->is_vf && f->bars_sized && b < f->nbars; b++) {
            struct pci_bar *bar = &f->bars[b];
            if ((bar->type != PCI_BAR_MEM32 && bar->type != PCI_BAR_MEM64) || bar->addr ||
                !bar->size)
                continue;
            const struct dev *br = bridge_above(f->bdf.bus);
            const struct pci_window *w = br ? &br->f.bridge.mem : NULL;
            uint64_t at = w ? window_next(w, f->bdf.bus) : 0;
            at = (at + bar->size - 1) & ~(bar->size - 1);
            errval_t err = !w || pci_window_empty(w) || at + bar->size - 1 > w->limit
                               ? SYS_ERR_NO_MEMORY
                               : pci_bar_assign(&cfg, f->bdf, b, bar, at);
            printf("devmgr: %02x:%02x.%u BAR %u (%lu KiB) unassigned: %s %#lx\n", f->bdf.bus,
                   f->bdf.dev, f->bdf.fn, b, bar->size >> 10,
                   err_is_ok(err) ? "placed at" : "no room, left off at", at);
        }
    }
}

// ---- Setup ----

errval_t pci_setup(uint64_t ecam_base, uint8_t first_bus, uint8_t last_bus)
{
    ecam_pa = ecam_base;
    ecam = (struct pci_ecam){(void *)0, first_bus, last_bus};
    // ECAM is mapped at DEV_VA + its physical address (mem.c): find where.
    void *va = devmem_map(ecam_base, 4096);
    if (!va)
        return SYS_ERR_NOT_FOUND;
    bus_mapped[first_bus] = devmem_map(ecam_base, 1u << 20) != NULL;
    ecam.base = va;
    ecam_cfg = pci_ecam_cfg(&ecam);
    cfg = (struct pci_cfg){cfg_read, cfg_write, NULL};
    static struct pci_func funcs[DEVMGR_MAX_DEVS];
    unsigned n;
    errval_t err = pci_enumerate(&cfg, PCI_ENUM_SIZE_BARS, funcs, DEVMGR_MAX_DEVS, &n);
    for (unsigned i = 0; i < n && err_is_ok(err); i++)
        dev_add(&funcs[i]);
    if (err_is_ok(err))
        assign_bars();
    return err;
}

// ---- Caps for the owner ----

errval_t dev_bar_cap(struct dev *d, unsigned bar, capref_t *cap, uint64_t *bytes)
{
    if (bar >= d->f.nbars || !d->f.bars_sized)
        return SYS_ERR_INVALID_ARGS;
    const struct pci_bar *b = &d->f.bars[bar];
    if (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64)
        return PCI_ERR_BAD_BAR; // none, or I/O ports (not handed out as memory)
    if (!b->addr || b->size < OBJSIZE_PAGE)
        return b->addr ? SYS_ERR_ALIGNMENT : PCI_ERR_BAD_BAR;
    errval_t err = SYS_ERR_OK;
    if (!d->bars[bar])
        err = devmem_frame(b->addr, b->size, &d->bars[bar]);
    if (err_is_ok(err))
        err = slot_alloc(cap);
    if (err_is_ok(err))
        err = cap_copy(*cap, d->bars[bar], CAP_RIGHTS_ALL);
    *bytes = b->size;
    return err;
}

errval_t dev_config_cap(struct dev *d, capref_t *cap)
{
    errval_t err = SYS_ERR_OK;
    if (!d->config)
        err = devmem_page_cap(
            ecam_pa + pci_ecam_offset(d->f.bdf, 0) - ((uint64_t)ecam.first_bus << 20), &d->config);
    if (err_is_ok(err))
        err = slot_alloc(cap);
    if (err_is_ok(err))
        err = cap_copy(*cap, d->config, CAP_RIGHTS_ALL);
    return err;
}

// ---- SR-IOV ----

// VF BARs in the window of the bridge above the PF, after what is there.
static MUST_CHECK errval_t place_vf_bars(struct dev *pf, struct pci_sriov *s)
{
    const struct dev *br = bridge_above(pf->f.bdf.bus);
    if (!br)
        return SYS_ERR_NOT_FOUND;
    const struct pci_window *w =
        pci_window_empty(&br->f.bridge.pref) ? &br->f.bridge.mem : &br->f.bridge.pref;
    uint64_t next = window_next(w, pf->f.bdf.bus);
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        struct pci_bar *bar = &pf->f.vf_bars[i];
        if (bar->type == PCI_BAR_NONE)
            continue;
        if (pf->vf_bars_placed) { // enabled before (its driver restarted): the same place
            errval_t err = pci_sriov_vf_bar_assign(&cfg, pf->f.bdf, s, i, bar, bar->addr);
            if (err_is_fail(err))
                return err;
            continue;
        }
        next = (next + bar->size - 1) & ~(bar->size - 1);
        if (next + s->num_vfs * bar->size - 1 > w->limit)
            return SYS_ERR_NO_MEMORY;
        errval_t err = pci_sriov_vf_bar_assign(&cfg, pf->f.bdf, s, i, bar, next);
        if (err_is_fail(err))
            return err;
        next += s->num_vfs * bar->size;
    }
    pf->vf_bars_placed = true;
    return SYS_ERR_OK;
}

// The VFs as functions of their own (their BARs from the PF's).
static MUST_CHECK errval_t add_vfs(struct dev *pf, const struct pci_sriov *s)
{
    static struct pci_func funcs[DEVMGR_MAX_DEVS];
    unsigned n;
    errval_t err = pci_enumerate(&cfg, 0, funcs, DEVMGR_MAX_DEVS, &n);
    for (unsigned i = 0; i < n && err_is_ok(err); i++) {
        struct pci_func *f = &funcs[i];
        if (!f->is_vf || pci_bdf_rid(f->pf) != dev_rid(pf))
            continue;
        f->bars_sized = true;
        for (unsigned b = 0; b < PCI_SRIOV_NBARS; b++) {
            f->bars[b] = pf->f.vf_bars[b];
            if (f->bars[b].type != PCI_BAR_NONE)
                f->bars[b].addr = pci_sriov_vf_bar_addr(&pf->f.vf_bars[b], f->vf_index);
        }
        struct dev *vf = dev_find(pci_bdf_rid(f->bdf)); // there from an earlier enable
        if (!vf && !(vf = dev_add(f)))
            return PCI_ERR_TOO_MANY;
        vf->owner = pf->owner;
        strcpy(vf->driver, pf->driver);
        // QEMU decodes a VF's BAR only with Memory Space on in its own
        // command register (PLATFORM.md).
        pci_write16(&cfg, f->bdf, PCI_COMMAND,
                    pci_read16(&cfg, f->bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY);
    }
    (void)s;
    return err;
}

errval_t dev_sriov_off(struct dev *pf)
{
    struct pci_bdf b = pf->f.bdf;
    pci_write16(&cfg, b, PCI_COMMAND, pci_read16(&cfg, b, PCI_COMMAND) & ~PCI_COMMAND_MASTER);
    if (!pf->vfs)
        return SYS_ERR_OK;
    struct pci_sriov s = pf->f.sriov;
    errval_t err = pci_sriov_enable(&cfg, b, &s, false);
    if (err_is_ok(err)) {
        pf->f.sriov = s;
        pf->vfs = 0;
    }
    return err;
}

errval_t dev_sriov(struct dev *pf, unsigned n, uint16_t *first, uint16_t *stride)
{
    if (!pf->f.has_sriov)
        return SYS_ERR_UNSUPPORTED;
    if (pf->vfs)
        return SYS_ERR_BUSY; // once per boot: VFs may be granted already
    if (n == 0 || n > pf->f.sriov.total_vfs)
        return SYS_ERR_INVALID_ARGS;
    struct pci_sriov s = pf->f.sriov;
    errval_t err = pci_sriov_set_num_vfs(&cfg, pf->f.bdf, &s, (uint16_t)n);
    if (err_is_ok(err))
        err = place_vf_bars(pf, &s);
    if (err_is_ok(err))
        err = pci_sriov_enable(&cfg, pf->f.bdf, &s, true);
    if (err_is_ok(err)) {
        pf->f.sriov = s;
        pf->vfs = (uint16_t)n;
        err = add_vfs(pf, &s);
    }
    *first = (uint16_t)(dev_rid(pf) + s.first_vf_offset);
    *stride = s.vf_stride;
    return err;
}

// ---- lspci ----

struct lines {
    char *buf;
    size_t size, used;
    uint64_t index, first, next;
};

static void take_line(void *arg, const char *line)
{
    struct lines *l = arg;
    uint64_t i = l->index++;
    size_t n = strlen(line);
    if (i < l->first || l->next)
        return;
    if (l->used + n + 2 > l->size) {
        l->next = i; // the caller asks again from here
        return;
    }
    memcpy(l->buf + l->used, line, n);
    l->buf[l->used + n] = '\n';
    l->used += n + 1;
    l->buf[l->used] = 0;
}

static int by_rid(const void *a, const void *b)
{
    uint16_t ra = pci_bdf_rid(((const struct pci_func *)a)->bdf);
    uint16_t rb = pci_bdf_rid(((const struct pci_func *)b)->bdf);
    return (ra > rb) - (ra < rb);
}

void dev_lspci(bool verbose, uint64_t first, char *buf, size_t size, uint64_t *next)
{
    static struct pci_func funcs[DEVMGR_MAX_DEVS];
    for (unsigned i = 0; i < ndevs; i++)
        funcs[i] = devs[i].f;
    qsort(funcs, ndevs, sizeof(funcs[0]), by_rid);
    struct lines l = {buf, size, 0, 0, first, 0};
    buf[0] = 0;
    pci_list_print(funcs, ndevs, verbose, take_line, &l);
    *next = l.next;
}
