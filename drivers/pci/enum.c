/* drivers/pci/enum.c: enumerate every function below bus 0, bridges and SR-IOV VFs included. */
#include <base/string.h>
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>

// The walk: a list of buses still to scan (each at most once), the output.
struct walk {
    const struct pci_cfg *c;
    unsigned flags;
    struct pci_func *out;
    unsigned max, n;
    bool overflow;
    uint8_t queue[256];
    unsigned head, tail;
    uint64_t seen[4]; // buses queued
};

static void queue_bus(struct walk *w, uint8_t bus)
{
    uint64_t bit = 1ull << (bus % 64);
    if (w->seen[bus / 64] & bit)
        return;
    w->seen[bus / 64] |= bit;
    w->queue[w->tail++] = bus;
}

// A BAR as its registers say, without sizing: an unassigned BAR and an
// unimplemented one both read 0 and are reported as absent.
static void peek_bar(const struct pci_cfg *c, struct pci_bdf b, uint16_t reg, bool last,
                     struct pci_bar *bar)
{
    uint32_t lo = pci_read32(c, b, reg);
    *bar = (struct pci_bar){.type = PCI_BAR_NONE};
    if (lo & PCI_BAR_SPACE_IO) {
        bar->addr = lo & PCI_BAR_IO_MASK;
        bar->type = bar->addr ? PCI_BAR_IO : PCI_BAR_NONE;
        return;
    }
    uint32_t type = lo & PCI_BAR_MEM_TYPE_MASK;
    bool is64 = type == PCI_BAR_MEM_64 && !last;
    if (type != PCI_BAR_MEM_32 && !is64)
        return;
    bar->addr = (is64 ? (uint64_t)pci_read32(c, b, reg + 4) << 32 : 0) | (lo & PCI_BAR_MEM_MASK);
    bar->prefetchable = lo & PCI_BAR_MEM_PREFETCH;
    if (bar->addr)
        bar->type = is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32;
}

static void read_bars(struct walk *w, struct pci_func *f)
{
    uint8_t type = f->hdr.header_type;
    f->nbars = type == PCI_HEADER_NORMAL   ? PCI_NBARS_NORMAL
               : type == PCI_HEADER_BRIDGE ? PCI_NBARS_BRIDGE
                                           : 0;
    if (!f->nbars)
        return;
    if (w->flags & PCI_ENUM_SIZE_BARS) {
        unsigned n;
        f->bar_err = pci_bars_probe(w->c, f->bdf, f->bars, &n);
        f->bars_sized = err_is_ok(f->bar_err);
        return;
    }
    for (unsigned i = 0; i < f->nbars; i++) {
        peek_bar(w->c, f->bdf, (uint16_t)(PCI_BAR0 + 4 * i), i == f->nbars - 1, &f->bars[i]);
        if (f->bars[i].type == PCI_BAR_MEM64 && i + 1 < f->nbars)
            f->bars[++i] = (struct pci_bar){.type = PCI_BAR_NONE};
    }
}

// Decode the capabilities the listing and drivers use; a capability that
// does not decode is a broken list as far as this function is concerned.
static void decode_cap(const struct pci_cfg *c, struct pci_func *f, const struct pci_cap_entry *e)
{
    errval_t err = SYS_ERR_OK;
    if (!e->extended && e->id == PCI_CAP_ID_MSI)
        f->has_msi = err_is_ok(err = pci_msi_read(c, f->bdf, e->off, &f->msi));
    else if (!e->extended && e->id == PCI_CAP_ID_MSIX)
        f->has_msix = err_is_ok(err = pci_msix_read(c, f->bdf, e->off, &f->msix));
    else if (!e->extended && e->id == PCI_CAP_ID_EXPRESS)
        f->has_exp = err_is_ok(err = pci_express_read(c, f->bdf, e->off, &f->exp));
    else if (e->extended && e->id == PCI_EXT_CAP_ID_SRIOV && !f->is_vf)
        f->has_sriov = err_is_ok(err = pci_sriov_read(c, f->bdf, e->off, &f->sriov));
    if (err_is_fail(err) && err_is_ok(f->cap_err))
        f->cap_err = err;
}

static void read_caps(const struct pci_cfg *c, struct pci_func *f)
{
    for (int extended = 0; extended < 2; extended++) {
        struct pci_cap_iter it;
        pci_cap_iter_init(&it, extended);
        for (;;) {
            uint16_t id, off;
            errval_t err = pci_cap_next(c, f->bdf, &it, &id, &off);
            if (err_no(err) == SYS_ERR_NOT_FOUND)
                break;
            if (err_is_fail(err) || f->ncaps == PCI_ENUM_MAX_CAPS) {
                f->cap_err = err_is_fail(err) ? err : PCI_ERR_CAP_LIST;
                break;
            }
            struct pci_cap_entry *e = &f->caps[f->ncaps++];
            *e = (struct pci_cap_entry){.id = id, .off = off, .extended = extended};
            decode_cap(c, f, e);
        }
    }
}

static struct pci_func *new_func(struct walk *w, struct pci_bdf b)
{
    if (w->n == w->max) {
        w->overflow = true;
        return NULL;
    }
    struct pci_func *f = &w->out[w->n++];
    memset(f, 0, sizeof(*f));
    f->bdf = b;
    return f;
}

// The VF BARs of a PF, sized through its capability when asked to.
static void read_vf_bars(struct walk *w, struct pci_func *pf)
{
    if (!(w->flags & PCI_ENUM_SIZE_BARS))
        return;
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        errval_t err = pci_sriov_vf_bar_probe(w->c, pf->bdf, &pf->sriov, i, &pf->vf_bars[i]);
        if (err_is_fail(err)) {
            pf->bar_err = err;
            return;
        }
        if (pf->vf_bars[i].type == PCI_BAR_MEM64 && i + 1 < PCI_SRIOV_NBARS)
            pf->vf_bars[++i] = (struct pci_bar){.type = PCI_BAR_NONE};
    }
}

// The enabled VFs of PF index pfi, at their computed addresses.
static void add_vfs(struct walk *w, unsigned pfi)
{
    read_vf_bars(w, &w->out[pfi]);
    const struct pci_sriov *s = &w->out[pfi].sriov;
    if (!(s->control & PCI_SRIOV_CTRL_VFE))
        return;
    for (unsigned n = 1; n <= s->num_vfs; n++) {
        struct pci_bdf vb;
        if (err_is_fail(pci_sriov_vf_bdf(s, w->out[pfi].bdf, n, &vb)))
            return;
        struct pci_func *vf = new_func(w, vb);
        if (!vf)
            return;
        const struct pci_func *pf = &w->out[pfi]; // after new_func: out does not move
        vf->is_vf = true;
        vf->pf = pf->bdf;
        vf->vf_index = (uint16_t)n;
        pci_header_read_vf(w->c, vb, pf->hdr.vendor, s->vf_device, &vf->hdr);
        vf->nbars = PCI_SRIOV_NBARS;
        vf->bars_sized = err_is_ok(pf->bar_err) && (w->flags & PCI_ENUM_SIZE_BARS);
        for (unsigned i = 0; vf->bars_sized && i < PCI_SRIOV_NBARS; i++) {
            vf->bars[i] = pf->vf_bars[i];
            if (vf->bars[i].type != PCI_BAR_NONE)
                vf->bars[i].addr = pci_sriov_vf_bar_addr(&pf->vf_bars[i], n);
        }
        read_caps(w->c, vf);
    }
}

static void add_function(struct walk *w, struct pci_bdf b, const struct pci_header *h)
{
    struct pci_func *f = new_func(w, b);
    if (!f)
        return;
    unsigned index = w->n - 1;
    f->hdr = *h;
    read_bars(w, f);
    if (h->header_type == PCI_HEADER_BRIDGE && err_is_ok(pci_bridge_read(w->c, b, &f->bridge))) {
        f->is_bridge = true;
        // Only a bus below this one: a secondary bus at or above it is
        // misprogrammed and would make the walk revisit buses.
        if (f->bridge.secondary > b.bus)
            queue_bus(w, f->bridge.secondary);
    }
    read_caps(w->c, f);
    if (f->has_sriov)
        add_vfs(w, index);
}

static void scan_bus(struct walk *w, uint8_t bus)
{
    for (uint8_t dev = 0; dev < PCI_MAX_DEV; dev++) {
        struct pci_header h;
        if (err_is_fail(pci_header_read(w->c, (struct pci_bdf){bus, dev, 0}, &h)))
            continue;
        add_function(w, (struct pci_bdf){bus, dev, 0}, &h);
        for (uint8_t fn = 1; h.multifunction && fn < PCI_MAX_FN; fn++) {
            struct pci_header hf;
            struct pci_bdf b = {bus, dev, fn};
            if (err_is_ok(pci_header_read(w->c, b, &hf)))
                add_function(w, b, &hf);
        }
    }
}

static void sort_by_rid(struct pci_func *f, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        struct pci_func t = f[i];
        unsigned j = i;
        for (; j > 0 && pci_bdf_rid(f[j - 1].bdf) > pci_bdf_rid(t.bdf); j--)
            f[j] = f[j - 1];
        f[j] = t;
    }
}

errval_t pci_enumerate(const struct pci_cfg *c, unsigned flags, struct pci_func *out, unsigned max,
                       unsigned *n)
{
    struct walk w = {.c = c, .flags = flags, .out = out, .max = max};
    queue_bus(&w, 0);
    while (w.head < w.tail)
        scan_bus(&w, w.queue[w.head++]);
    sort_by_rid(out, w.n);
    *n = w.n;
    return w.overflow ? PCI_ERR_TOO_MANY : SYS_ERR_OK;
}

const struct pci_func *pci_find(const struct pci_func *f, unsigned n, struct pci_bdf b)
{
    for (unsigned i = 0; i < n; i++) {
        if (pci_bdf_rid(f[i].bdf) == pci_bdf_rid(b))
            return &f[i];
    }
    return NULL;
}

int pci_find_id(const struct pci_func *f, unsigned n, uint16_t vendor, uint16_t device, unsigned k)
{
    for (unsigned i = 0; i < n; i++) {
        if (f[i].hdr.vendor == vendor && f[i].hdr.device == device && k-- == 0)
            return (int)i;
    }
    return -1;
}
