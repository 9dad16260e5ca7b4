/*
 * usr/devmgr/main.c: devmgr, the device manager (Barrelfish's Kaluga and
 * PCI server in one; docs/devices.md).
 *
 * init starts it with the machine's device memory (a copy of its DEVCN),
 * its interrupt vectors (IRQCN) and the bootinfo. devmgr reads ACPI (MCFG,
 * DMAR), enumerates PCI through ECAM, places BARs firmware left out, turns
 * the IOMMU on with every device blocked, starts the driver it knows for
 * each device, and then serves: lists and lspci for everyone; caps to a
 * device (BARs, configuration page, vectors), IOMMU domains and SR-IOV to
 * its owner only.
 */
#include "devmgr.h"
#include <acpi/mcfg.h>
#include <acpi/tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/initsvc.h>
#include <sys/slot.h>

static struct server_chan chans[64];
struct server devmgr_server = {.chans = chans, .nchans = 64};

static const void *acpi_map(void *arg, uint64_t pa, size_t len)
{
    (void)arg;
    return devmem_map(pa, len);
}

static MUST_CHECK errval_t read_acpi(struct acpi_mcfg *mcfg, struct acpi_dmar *dmar)
{
    const struct bootinfo *bi = devmem_bootinfo();
    struct acpi_tables t;
    const struct acpi_sdt_header *m = NULL, *d = NULL;
    const char *why = "";
    errval_t err = acpi_tables_init(&t, bi->rsdp, bi->rsdp_len, acpi_map, NULL, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "MCFG", 0, &m);
    if (err_is_ok(err))
        err = acpi_mcfg_parse(m, m->length, mcfg, &why);
    if (err_is_ok(err))
        err = acpi_table_find(&t, "DMAR", 0, &d);
    if (err_is_ok(err))
        err = acpi_dmar_parse(d, d->length, dmar, &why);
    if (err_is_fail(err))
        printf("devmgr: ACPI: %s%s%s\n", err_msg(err), *why ? ": " : "", why);
    return err;
}

// ---- Requests ----

// The device rid, if the caller owns it.
static struct dev *owned(struct server_req *req, struct server_resp *resp)
{
    struct dev *d = dev_find((uint16_t)req->a[0]);
    if (!d || req->a[0] > 0xffff)
        resp->err = PCI_ERR_NO_DEVICE;
    else if (d->owner != req->chan->pid &&
             !(req->op == DEVMGR_RETURN && d->granter == req->chan->pid))
        resp->err = DEVMGR_ERR_NOT_OWNER; // (a granter may take its grant back)
    return err_is_ok(resp->err) ? d : NULL;
}

static int by_rid(const void *a, const void *b)
{
    uint16_t ra = ((const struct devmgr_dev *)a)->rid, rb = ((const struct devmgr_dev *)b)->rid;
    return (ra > rb) - (ra < rb);
}

static void op_list(struct server_req *req, struct server_resp *resp)
{
    struct devmgr_dev *out = req->chan->buf;
    if (!out) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    unsigned n = 0;
    for (unsigned i = 0; i < ndevs && n < RPC_BUF_SIZE / sizeof(*out); i++) {
        const struct dev *d = &devs[i];
        struct devmgr_dev *o = &out[n++];
        *o = (struct devmgr_dev){.rid = dev_rid(d),
                                 .vendor = d->f.hdr.vendor,
                                 .device = d->f.hdr.device,
                                 .class_code = d->f.hdr.class_code,
                                 .subclass = d->f.hdr.subclass,
                                 .vfs = d->vfs,
                                 .owner = d->owner,
                                 .faults = d->faults,
                                 .vectors = irq_dev_vectors(dev_rid(d))};
        o->flags = (d->f.is_vf ? DEVMGR_DEV_VF : 0) | (d->f.has_sriov ? DEVMGR_DEV_SRIOV : 0) |
                   (d->domain >= 0 ? DEVMGR_DEV_BOUND : 0);
        o->domain = d->domain >= 0 ? domains[d->domain].vd.id : 0;
        strlcpy(o->driver, d->driver, sizeof(o->driver));
    }
    qsort(out, n, sizeof(*out), by_rid);
    resp->w[0] = n;
}

// Vectors VECTOR_FIRST..VECTOR_LAST: which are handed out, to whom, and
// for which device (whose requester ID their remapping entries name).
static bool vec_used[256];
static uint64_t vec_holder[256];
static int32_t vec_rid[256]; // -1: no remapping entry (none written, or cleared)

static unsigned vectors_of(uint64_t pid)
{
    unsigned n = 0;
    for (unsigned v = VECTOR_FIRST; v <= VECTOR_LAST; v++)
        n += vec_used[v] && vec_holder[v] == pid;
    return n;
}

static unsigned domains_of(uint64_t pid)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        n += domains[i].used && domains[i].creator == pid;
    return n;
}

// The MSI that raises vector v (cap: its IRQDest) from device rid. With
// interrupt remapping: entry v is written for rid and the vector's core,
// and the message is the remappable one naming it (address 0xFEE00000 |
// index << 5 | format bit; data 0). Without: the compatibility-format
// message, which names the vector and core itself.
static MUST_CHECK errval_t irq_msi(capref_t cap, uint32_t v, uint16_t rid, uint64_t *addr,
                                   uint32_t *data)
{
    errval_t err = invoke_irqdest_get_msi(cap, addr, data);
    if (err_is_fail(err) || !iommu_ir_enabled())
        return err;
    uint8_t apic = (uint8_t)(*addr >> 12); // the core's APIC ID (bits 19:12 of that message)
    err = iommu_irte_set((uint16_t)v, rid, (uint8_t)v, apic);
    if (err_is_ok(err))
        vtd_msi_remappable((uint16_t)v, addr, data);
    return err;
}

static void op_irq(struct server_req *req, const struct dev *d, struct server_resp *resp)
{
    resp->err = limit_check(&req->chan->limits, LIMIT_VECTORS, vectors_of(req->chan->pid), 1);
    if (err_is_fail(resp->err))
        return;
    uint32_t v = VECTOR_FIRST;
    while (v <= VECTOR_LAST && vec_used[v])
        v++;
    if (v > VECTOR_LAST) {
        resp->err = IRQ_ERR_NO_VECTOR;
        return;
    }
    capref_t cap = cap_at(IRQCN_L1, v);
    uint64_t addr;
    uint32_t data;
    resp->err = irq_msi(cap, v, dev_rid(d), &addr, &data);
    if (err_is_fail(resp->err))
        return;
    vec_used[v] = true;
    vec_holder[v] = req->chan->pid;
    vec_rid[v] = iommu_ir_enabled() ? dev_rid(d) : -1;
    resp->cap = cap; // a copy goes out
    resp->w[0] = v;
    resp->w[1] = addr;
    resp->w[2] = data;
}

unsigned irq_vectors_used(void)
{
    unsigned n = 0;
    for (unsigned v = VECTOR_FIRST; v <= VECTOR_LAST; v++)
        n += vec_used[v];
    return n;
}

uint64_t irq_dev_vectors(uint16_t rid)
{
    uint64_t bits = 0;
    for (unsigned v = VECTOR_FIRST; v <= VECTOR_LAST; v++) {
        if (vec_used[v] && vec_rid[v] == rid)
            bits |= 1ull << (v - VECTOR_FIRST);
    }
    return bits;
}

// Vector v's remapping entry goes: not present, and out of the unit's cache.
static MUST_CHECK errval_t irq_entry_clear(unsigned v)
{
    if (vec_rid[v] < 0)
        return SYS_ERR_OK;
    errval_t err = iommu_irte_clear((uint16_t)v);
    if (err_is_ok(err))
        vec_rid[v] = -1;
    return err;
}

void irq_dev_released(const struct dev *d)
{
    for (unsigned v = VECTOR_FIRST; v <= VECTOR_LAST; v++) {
        if (!vec_used[v] || vec_rid[v] != dev_rid(d))
            continue;
        errval_t err = irq_entry_clear(v);
        if (err_is_fail(err))
            printf("devmgr: vector %u: its remapping entry for %02x:%02x.%u stays: %s\n", v,
                   d->f.bdf.bus, d->f.bdf.dev, d->f.bdf.fn, err_msg(err));
    }
}

// Vector v comes back from its holder. Its remapping entry goes first;
// then every copy of its cap (revoked: the holder may have passed one on),
// and with it any binding to an endpoint, so the next holder starts clean.
static MUST_CHECK errval_t irq_release(unsigned v)
{
    capref_t cap = cap_at(IRQCN_L1, v);
    errval_t err = irq_entry_clear(v);
    if (err_is_ok(err))
        err = cap_revoke(cap);
    if (err_is_ok(err)) {
        err = invoke_irqdest_disconnect(cap);
        if (err_has(err, IRQ_ERR_NOT_BOUND))
            err = SYS_ERR_OK;
    }
    if (err_is_fail(err)) { // kept out of use: someone may still have it
        printf("devmgr: vector %u of pid %lu: %s; not reused\n", v, vec_holder[v], err_msg(err));
        return err;
    }
    vec_used[v] = false;
    return SYS_ERR_OK;
}

// pid ended: the vectors it was given come back.
void irq_proc_ended(uint64_t pid)
{
    for (unsigned v = VECTOR_FIRST; v <= VECTOR_LAST; v++) {
        if (vec_used[v] && vec_holder[v] == pid)
            err_ignore(irq_release(v),
                       "irq_release prints and keeps the vector out of use when it fails");
    }
}

static void op_attach(struct server_req *req, struct dev *d, struct server_resp *resp)
{
    bool ok = false;
    for (unsigned i = 0; i < MAX_DOMAINS && !ok; i++)
        ok = domains[i].used && domains[i].vd.id == req->a[1] &&
             domains[i].creator == req->chan->pid;
    resp->err = ok ? iommu_attach(d, (uint16_t)req->a[1]) : VTD_ERR_NOT_ATTACHED;
    if (err_is_ok(resp->err) && req->cap) {
        d->note = req->cap; // signalled on faults
        req->cap = NULL_CAP;
    }
}

static void op_with_dev(struct server_req *req, struct server_resp *resp)
{
    struct dev *d = owned(req, resp);
    capref_t cap = NULL_CAP;
    if (!d)
        return;
    switch (req->op) {
    case DEVMGR_BAR: resp->err = dev_bar_cap(d, (unsigned)req->a[1], &cap, &resp->w[0]); break;
    case DEVMGR_CONFIG: resp->err = dev_config_cap(d, &cap); break;
    case DEVMGR_IRQ: op_irq(req, d, resp); break;
    case DEVMGR_ATTACH: op_attach(req, d, resp); break;
    case DEVMGR_DETACH: resp->err = iommu_detach(d); break;
    case DEVMGR_SRIOV: {
        uint16_t first = 0, stride = 0;
        resp->err = dev_sriov(d, (unsigned)req->a[1], &first, &stride);
        resp->w[0] = first;
        resp->w[1] = stride;
        break;
    }
    case DEVMGR_GRANT: resp->err = owners_grant(d, req->a[1]); break;
    case DEVMGR_RETURN: resp->err = owners_return(d); break;
    }
    if (cap) {
        resp->cap = cap;
        resp->cap_drop = true; // our copy of the copy
    }
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    switch (req->op) {
    case DEVMGR_LIST: op_list(req, resp); break;
    case DEVMGR_LSPCI:
        if (!req->chan->buf)
            resp->err = SYS_ERR_INVALID_ARGS;
        else
            dev_lspci(req->a[0], req->a[1], req->chan->buf, RPC_BUF_SIZE, &resp->w[0]);
        break;
    case DEVMGR_DOMAIN: {
        uint16_t id = 0;
        resp->err = limit_check(&req->chan->limits, LIMIT_DOMAINS, domains_of(req->chan->pid), 1);
        if (err_is_ok(resp->err))
            resp->err = iommu_enabled() ? owners_watch(req->chan->pid) : IOMMU_ERR_NO_UNIT;
        if (err_is_ok(resp->err))
            resp->err = iommu_domain(req->chan->pid, &resp->cap, &id);
        resp->cap_drop = err_is_ok(resp->err);
        resp->w[0] = id;
        break;
    }
    case DEVMGR_DOMAIN_FREE:
        resp->err = iommu_domain_free(req->chan->pid, (uint16_t)req->a[0]);
        break;
    case DEVMGR_FAULTS: {
        struct dev *d = dev_find((uint16_t)req->a[0]);
        resp->err = d ? SYS_ERR_OK : PCI_ERR_NO_DEVICE;
        if (d) {
            resp->w[0] = d->faults;
            resp->w[1] = d->fault_addr;
            resp->w[2] = d->fault_reason;
        }
        break;
    }
    case DEVMGR_IRQ_RETURN: {
        uint64_t v = req->a[0];
        bool held =
            v >= VECTOR_FIRST && v <= VECTOR_LAST && vec_used[v] && vec_holder[v] == req->chan->pid;
        resp->err = held ? irq_release((unsigned)v) : IRQ_ERR_NOT_HOLDER;
        break;
    }
    case DEVMGR_STATS:
        resp->w[0] = irq_vectors_used();
        for (unsigned i = 0; i < MAX_DOMAINS; i++)
            resp->w[1] += domains[i].used;
        resp->w[2] = VECTOR_LAST - VECTOR_FIRST + 1;
        break;
    case DEVMGR_BAR:
    case DEVMGR_CONFIG:
    case DEVMGR_IRQ:
    case DEVMGR_ATTACH:
    case DEVMGR_DETACH:
    case DEVMGR_SRIOV:
    case DEVMGR_GRANT:
    case DEVMGR_RETURN: op_with_dev(req, resp); break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

// RPC_OP_USAGE: the IOMMU domains and the vectors pid holds.
static void usage(struct server *s, uint64_t pid, uint64_t out[2])
{
    (void)s;
    out[0] = domains_of(pid);
    out[1] = vectors_of(pid);
}

static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & FAULT_NOTIFY)
        iommu_faults();
    if (bits & WATCH_NOTIFY)
        owners_check();
}

// ---- Start ----

static MUST_CHECK errval_t take_caps(void)
{
    // init's DEVCN and IRQCN copies go into L1 slots of ours, so that their
    // slots have addresses here.
    errval_t err =
        cap_copy(cap_l1(DEVCN_L1), cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA0), CAP_RIGHTS_ALL);
    if (err_is_ok(err))
        err = cap_copy(cap_l1(IRQCN_L1), cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA1),
                       CAP_RIGHTS_ALL);
    if (err_is_ok(err))
        err = devmem_init();
    return err;
}

int main(void)
{
    for (unsigned v = 0; v < 256; v++)
        vec_rid[v] = -1;
    static struct acpi_mcfg mcfg;
    static struct acpi_dmar dmar;
    errval_t err = take_caps();
    if (err_is_ok(err))
        err = read_acpi(&mcfg, &dmar);
    if (err_is_ok(err) && !mcfg.n)
        err = SYS_ERR_NOT_FOUND;
    if (err_is_ok(err))
        err = pci_setup(mcfg.regions[0].base, mcfg.regions[0].start_bus, mcfg.regions[0].end_bus);
    if (err_is_fail(err)) {
        printf("devmgr: cannot start: %s\n", err_msg(err));
        return 1;
    }
    err = iommu_setup(&dmar);
    if (err_is_fail(err))
        printf("devmgr: IOMMU not enabled (%s): devices are not confined\n", err_msg(err));
    unsigned vfs = 0;
    for (unsigned i = 0; i < ndevs; i++)
        vfs += devs[i].f.has_sriov;
    printf("devmgr: %u PCI functions (%u with SR-IOV); IOMMU %s\n", ndevs, vfs,
           iommu_enabled() ? "on, every device blocked until attached" : "off");
    devmgr_server.ep = cap_selfep;
    devmgr_server.handle = handle;
    devmgr_server.notify = notify;
    devmgr_server.usage = usage;
    devmgr_server.watch_clients = true; // a client's channel closes when it ends
    err = name_register(DEVMGR_NAME, cap_selfep);
    if (err_is_fail(err))
        printf("devmgr: cannot register its name: %s\n", err_msg(err));
    owners_start_drivers();
    server_run(&devmgr_server);
}
