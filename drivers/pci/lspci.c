/* drivers/pci/lspci.c: the enumeration as text, in the style of lspci -nn and lspci -v. */
#include <base/fmt.h>
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>
#include <stdarg.h>

// One output line, built piecewise and handed to the caller's sink.
struct line {
    char buf[200];
    size_t len;
    pci_line_fn out;
    void *arg;
};

__attribute__((format(__printf__, 2, 3))) static void add(struct line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
    va_end(ap);
    l->len += n < 0 ? 0 : (size_t)n;
    if (l->len >= sizeof(l->buf))
        l->len = sizeof(l->buf) - 1; // truncated, never overrun
}

static void emit(struct line *l)
{
    l->out(l->arg, l->buf);
    l->len = 0;
    l->buf[0] = 0;
}

struct class_name {
    uint8_t class_code, subclass; // subclass 0xff: the base class's own name
    const char *name;
};

// PCI Code and ID Assignment Specification 1.x, chapter 1; names as lspci.
static const struct class_name class_names[] = {
    {0x00, 0xff, "Unclassified device"},
    {0x01, 0x00, "SCSI storage controller"},
    {0x01, 0x01, "IDE interface"},
    {0x01, 0x04, "RAID bus controller"},
    {0x01, 0x05, "ATA controller"},
    {0x01, 0x06, "SATA controller"},
    {0x01, 0x08, "Non-Volatile memory controller"},
    {0x01, 0xff, "Mass storage controller"},
    {0x02, 0x00, "Ethernet controller"},
    {0x02, 0xff, "Network controller"},
    {0x03, 0x00, "VGA compatible controller"},
    {0x03, 0xff, "Display controller"},
    {0x04, 0x03, "Audio device"},
    {0x04, 0xff, "Multimedia controller"},
    {0x05, 0xff, "Memory controller"},
    {0x06, 0x00, "Host bridge"},
    {0x06, 0x01, "ISA bridge"},
    {0x06, 0x04, "PCI bridge"},
    {0x06, 0xff, "Bridge"},
    {0x07, 0x00, "Serial controller"},
    {0x07, 0xff, "Communication controller"},
    {0x08, 0xff, "System peripheral"},
    {0x0c, 0x03, "USB controller"},
    {0x0c, 0x05, "SMBus"},
    {0x0c, 0xff, "Serial bus controller"},
};

const char *pci_class_name(uint8_t class_code, uint8_t subclass, char *buf, size_t size)
{
    const char *base = NULL;
    for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
        const struct class_name *c = &class_names[i];
        if (c->class_code != class_code)
            continue;
        if (c->subclass == subclass)
            return c->name;
        if (c->subclass == 0xff)
            base = c->name;
    }
    if (base)
        return base;
    fmt_snprintf(buf, size, "Class %02x", class_code);
    return buf;
}

const char *pci_cap_name(uint16_t id, bool extended)
{
    // PCI 3.0 Appendix H; PCIe 6.0 7.6.3 and the PCI Code and ID Assignment spec.
    static const struct {
        uint16_t id;
        bool extended;
        const char *name;
    } names[] = {
        {0x01, false, "Power Management"},
        {0x05, false, "MSI"},
        {0x09, false, "Vendor Specific"},
        {0x0d, false, "Subsystem"},
        {0x10, false, "Express"},
        {0x11, false, "MSI-X"},
        {0x12, false, "SATA HBA"},
        {0x13, false, "PCI Advanced Features"},
        {0x01, true, "Advanced Error Reporting"},
        {0x02, true, "Virtual Channel"},
        {0x03, true, "Device Serial Number"},
        {0x0b, true, "Vendor Specific"},
        {0x0d, true, "Access Control Services"},
        {0x0e, true, "Alternative Routing-ID Interpretation (ARI)"},
        {0x0f, true, "Address Translation Service (ATS)"},
        {0x10, true, "SR-IOV"},
        {0x18, true, "Latency Tolerance Reporting"},
        {0x19, true, "Secondary PCI Express"},
        {0x1e, true, "L1 PM Substates"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].id == id && names[i].extended == extended)
            return names[i].name;
    }
    return NULL;
}

static void add_size(struct line *l, uint64_t size)
{
    static const char units[] = "KMGT";
    if (size < 1024) {
        add(l, " [size=%llu]", (unsigned long long)size);
        return;
    }
    unsigned u = 0;
    size >>= 10;
    while (size >= 1024 && !(size & 1023) && u < 3)
        size >>= 10, u++;
    add(l, " [size=%llu%c]", (unsigned long long)size, units[u]);
}

static void print_bar(struct line *l, const char *label, const struct pci_bar *b, bool sized,
                      bool decoding)
{
    if (b->type == PCI_BAR_NONE)
        return;
    if (b->type == PCI_BAR_IO)
        add(l, "\t%sI/O ports at %llx", label, (unsigned long long)b->addr);
    else
        add(l, "\t%sMemory at %llx (%s, %s)", label, (unsigned long long)b->addr,
            b->type == PCI_BAR_MEM64 ? "64-bit" : "32-bit",
            b->prefetchable ? "prefetchable" : "non-prefetchable");
    if (!decoding)
        add(l, " [disabled]");
    if (sized)
        add_size(l, b->size);
    emit(l);
}

static void print_summary(struct line *l, const struct pci_func *f)
{
    char cbuf[16];
    const struct pci_header *h = &f->hdr;
    add(l, "%02x:%02x.%x %s [%02x%02x]: %04x:%04x", f->bdf.bus, f->bdf.dev, f->bdf.fn,
        pci_class_name(h->class_code, h->subclass, cbuf, sizeof(cbuf)), h->class_code, h->subclass,
        h->vendor, h->device);
    if (h->revision)
        add(l, " (rev %02x)", h->revision);
    if (f->is_vf)
        add(l, " (VF %u of %02x:%02x.%x)", f->vf_index, f->pf.bus, f->pf.dev, f->pf.fn);
    emit(l);
}

static void print_flags(struct line *l, const struct pci_func *f)
{
    uint16_t cmd = f->hdr.command;
    add(l, "\tFlags:%s%s%s", cmd & PCI_COMMAND_MASTER ? " bus master," : "",
        cmd & PCI_COMMAND_MEMORY ? " memory," : "", cmd & PCI_COMMAND_IO ? " I/O," : "");
    if (f->hdr.irq_pin && !f->is_vf)
        add(l, " IRQ %u (INT%c)", f->hdr.irq_line, 'A' + (f->hdr.irq_pin - 1) % 4);
    else
        add(l, " no INTx");
    emit(l);
}

static void print_window(struct line *l, const char *what, const struct pci_window *w)
{
    if (pci_window_empty(w))
        return;
    add(l, "\t%s behind bridge: %llx-%llx", what, (unsigned long long)w->base,
        (unsigned long long)w->limit);
    emit(l);
}

static void print_bridge(struct line *l, const struct pci_bridge *b)
{
    add(l, "\tBus: primary=%02x, secondary=%02x, subordinate=%02x", b->primary, b->secondary,
        b->subordinate);
    emit(l);
    print_window(l, "I/O", &b->io);
    print_window(l, "Memory", &b->mem);
    print_window(l, "Prefetchable memory", &b->pref);
}

static const char *express_type(uint8_t t)
{
    switch (t) {
    case PCI_EXP_TYPE_ENDPOINT: return "Endpoint";
    case PCI_EXP_TYPE_LEGACY_EP: return "Legacy Endpoint";
    case PCI_EXP_TYPE_ROOT_PORT: return "Root Port";
    case PCI_EXP_TYPE_UPSTREAM: return "Upstream Port";
    case PCI_EXP_TYPE_DOWNSTREAM: return "Downstream Port";
    case PCI_EXP_TYPE_RC_EP: return "Root Complex Integrated Endpoint";
    default: return "other port type";
    }
}

static void print_sriov(struct line *l, const struct pci_func *f)
{
    const struct pci_sriov *s = &f->sriov;
    add(l,
        ": VFs %u (total %u, initial %u), VF Enable%c VF MSE%c, First VF Offset %#x, "
        "Stride %u, VF Device ID %04x",
        s->num_vfs, s->total_vfs, s->initial_vfs, s->control & PCI_SRIOV_CTRL_VFE ? '+' : '-',
        s->control & PCI_SRIOV_CTRL_MSE ? '+' : '-', s->first_vf_offset, s->vf_stride,
        s->vf_device);
    emit(l);
    bool vf_mse = s->control & PCI_SRIOV_CTRL_MSE;
    for (unsigned i = 0; i < PCI_SRIOV_NBARS; i++) {
        char label[16];
        fmt_snprintf(label, sizeof(label), "\tVF BAR%u: ", i);
        print_bar(l, label, &f->vf_bars[i], true, vf_mse);
    }
}

// The decoded part of a capability's line, if it is one that was decoded.
static void print_cap_detail(struct line *l, const struct pci_func *f,
                             const struct pci_cap_entry *e)
{
    if (!e->extended && e->id == PCI_CAP_ID_MSI && f->has_msi && f->msi.off == e->off) {
        add(l, ": Enable%c Count=%u/%u Maskable%c 64bit%c", f->msi.enabled ? '+' : '-',
            f->msi.enabled_vectors, f->msi.vectors, f->msi.per_vector_mask ? '+' : '-',
            f->msi.addr64 ? '+' : '-');
    } else if (!e->extended && e->id == PCI_CAP_ID_MSIX && f->has_msix) {
        add(l, ": Enable%c Count=%u Masked%c, table BAR %u offset %#x, PBA BAR %u offset %#x",
            f->msix.enabled ? '+' : '-', f->msix.table_size, f->msix.function_mask ? '+' : '-',
            f->msix.table_bir, f->msix.table_offset, f->msix.pba_bir, f->msix.pba_offset);
    } else if (!e->extended && e->id == PCI_CAP_ID_EXPRESS && f->has_exp) {
        add(l, " (v%u) %s", f->exp.version, express_type(f->exp.port_type));
        if (f->exp.has_link)
            add(l, ", link x%u at gen %u", f->exp.link_width, f->exp.link_speed);
        if (f->exp.flr)
            add(l, ", FLR");
    } else if (e->extended && e->id == PCI_EXT_CAP_ID_SRIOV && f->has_sriov) {
        print_sriov(l, f);
        return;
    }
    emit(l);
}

static void print_caps(struct line *l, const struct pci_func *f)
{
    for (unsigned i = 0; i < f->ncaps; i++) {
        const struct pci_cap_entry *e = &f->caps[i];
        const char *name = pci_cap_name(e->id, e->extended);
        add(l, "\tCapabilities: [%x] ", e->off);
        if (name)
            add(l, "%s", name);
        else
            add(l, "%s capability %#x", e->extended ? "Extended" : "Legacy", e->id);
        print_cap_detail(l, f, e);
    }
    if (err_is_fail(f->cap_err)) {
        add(l, "\tCapabilities: <chain broken: %s>", err_msg(f->cap_err));
        emit(l);
    }
}

static void print_verbose(struct line *l, const struct pci_func *f)
{
    print_flags(l, f);
    // A VF's memory decoding is the PF's VF MSE (and, in QEMU, its own
    // command register): show its BARs as they are, not as disabled.
    bool decoding = f->is_vf || (f->hdr.command & PCI_COMMAND_MEMORY);
    for (unsigned i = 0; i < f->nbars; i++) {
        const struct pci_bar *b = &f->bars[i];
        bool on = b->type == PCI_BAR_IO ? f->is_vf || (f->hdr.command & PCI_COMMAND_IO) : decoding;
        print_bar(l, "", b, f->bars_sized, on);
    }
    if (err_is_fail(f->bar_err)) {
        add(l, "\tBARs: <not decoded: %s>", err_msg(f->bar_err));
        emit(l);
    }
    if (f->is_bridge)
        print_bridge(l, &f->bridge);
    print_caps(l, f);
}

void pci_list_print(const struct pci_func *f, unsigned n, bool verbose, pci_line_fn out, void *arg)
{
    struct line l = {.out = out, .arg = arg};
    for (unsigned i = 0; i < n; i++) {
        print_summary(&l, &f[i]);
        if (verbose) {
            print_verbose(&l, &f[i]);
            add(&l, "%s", "");
            emit(&l); // a blank line between functions, as lspci -v
        }
    }
}
