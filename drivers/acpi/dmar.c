/* drivers/acpi/dmar.c: parse the DMAR (VT-d 3.x chapter 8) and resolve device scopes. */
#include <acpi/dmar.h>
#include <acpi/spec.h>
#include <base/string.h>

#define PAGE_MASK 0xfffull
#define MAX_HAW   64

// Parse the device scopes in [p, end) into d->scopes, counting them in *n.
static MUST_CHECK errval_t parse_scopes(struct acpi_dmar *d, const uint8_t *p, const uint8_t *end,
                                        unsigned *first, unsigned *n, const char **why)
{
    *first = d->nscopes;
    *n = 0;
    while (p < end) {
        const struct acpi_dmar_scope_entry *s = (const void *)p;
        if ((size_t)(end - p) < sizeof(*s) || s->length < sizeof(*s) ||
            s->length > (size_t)(end - p)) {
            *why = "DMAR device scope length is below 6 or runs past its structure";
            return SYS_ERR_CORRUPT;
        }
        size_t path_bytes = s->length - sizeof(*s);
        if (path_bytes == 0 || path_bytes % sizeof(struct acpi_dmar_path_entry)) {
            *why = "DMAR device scope path is empty or not whole (device, function) pairs";
            return SYS_ERR_CORRUPT;
        }
        p += s->length;
        if (s->type < ACPI_DMAR_SCOPE_ENDPOINT || s->type > ACPI_DMAR_SCOPE_NAMESPACE) {
            d->nskipped++; // reserved type: not ours to interpret
            continue;
        }
        size_t hops = path_bytes / sizeof(struct acpi_dmar_path_entry);
        if (hops > ACPI_DMAR_MAX_PATH) {
            *why = "DMAR device scope path is longer than ACPI_DMAR_MAX_PATH";
            return ACPI_ERR_TOO_MANY;
        }
        if (d->nscopes == ACPI_DMAR_MAX_SCOPES) {
            *why = "more DMAR device scopes than ACPI_DMAR_MAX_SCOPES";
            return ACPI_ERR_TOO_MANY;
        }
        struct acpi_dmar_scope *out = &d->scopes[d->nscopes];
        *out = (struct acpi_dmar_scope){
            .type = s->type, .enum_id = s->enum_id, .start_bus = s->start_bus, .npath = hops};
        const struct acpi_dmar_path_entry *hop = (const void *)(s + 1);
        for (size_t i = 0; i < hops; i++) {
            if (hop[i].dev > 31 || hop[i].fn > 7) {
                *why = "DMAR device scope path names a device above 31 or a function above 7";
                return SYS_ERR_CORRUPT;
            }
            out->path[i] = (struct acpi_dmar_hop){.dev = hop[i].dev, .fn = hop[i].fn};
        }
        d->nscopes++;
        (*n)++;
    }
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t parse_drhd(struct acpi_dmar *d, const struct acpi_dmar_drhd_entry *e,
                                      const char **why)
{
    if (d->ndrhds == ACPI_DMAR_MAX_DRHDS) {
        *why = "more DRHD units than ACPI_DMAR_MAX_DRHDS";
        return ACPI_ERR_TOO_MANY;
    }
    if (!e->reg_base || (e->reg_base & PAGE_MASK)) {
        *why = "DRHD register base is zero or not 4 KiB aligned";
        return SYS_ERR_CORRUPT;
    }
    struct acpi_dmar_drhd *u = &d->drhds[d->ndrhds];
    *u = (struct acpi_dmar_drhd){.reg_base = e->reg_base,
                                 .segment = e->segment,
                                 .include_pci_all = e->flags & ACPI_DRHD_INCLUDE_PCI_ALL,
                                 .size = e->size & ACPI_DRHD_SIZE_MASK};
    const uint8_t *p = (const uint8_t *)e;
    errval_t err =
        parse_scopes(d, p + sizeof(*e), p + e->h.length, &u->first_scope, &u->nscopes, why);
    if (err_is_ok(err))
        d->ndrhds++;
    return err;
}

static MUST_CHECK errval_t parse_rmrr(struct acpi_dmar *d, const struct acpi_dmar_rmrr_entry *e,
                                      const char **why)
{
    if (d->nrmrrs == ACPI_DMAR_MAX_RMRRS) {
        *why = "more RMRRs than ACPI_DMAR_MAX_RMRRS";
        return ACPI_ERR_TOO_MANY;
    }
    if ((e->base & PAGE_MASK) || ((e->limit + 1) & PAGE_MASK) || e->limit < e->base) {
        *why = "RMRR is not a 4 KiB aligned range with limit above base";
        return SYS_ERR_CORRUPT;
    }
    struct acpi_dmar_rmrr *r = &d->rmrrs[d->nrmrrs];
    *r = (struct acpi_dmar_rmrr){.segment = e->segment, .base = e->base, .limit = e->limit};
    const uint8_t *p = (const uint8_t *)e;
    errval_t err =
        parse_scopes(d, p + sizeof(*e), p + e->h.length, &r->first_scope, &r->nscopes, why);
    if (err_is_ok(err))
        d->nrmrrs++;
    return err;
}

static MUST_CHECK errval_t parse_atsr(struct acpi_dmar *d, const struct acpi_dmar_atsr_entry *e,
                                      const char **why)
{
    if (d->natsrs == ACPI_DMAR_MAX_ATSRS) {
        *why = "more ATSRs than ACPI_DMAR_MAX_ATSRS";
        return ACPI_ERR_TOO_MANY;
    }
    struct acpi_dmar_atsr *a = &d->atsrs[d->natsrs];
    *a =
        (struct acpi_dmar_atsr){.segment = e->segment, .all_ports = e->flags & ACPI_ATSR_ALL_PORTS};
    const uint8_t *p = (const uint8_t *)e;
    errval_t err =
        parse_scopes(d, p + sizeof(*e), p + e->h.length, &a->first_scope, &a->nscopes, why);
    if (err_is_ok(err))
        d->natsrs++;
    return err;
}

// One remapping structure whose length fits the table.
static MUST_CHECK errval_t parse_entry(struct acpi_dmar *d, const struct acpi_dmar_entry *e,
                                       const char **why)
{
    static const size_t min_len[] = {
        [ACPI_DMAR_DRHD] = sizeof(struct acpi_dmar_drhd_entry),
        [ACPI_DMAR_RMRR] = sizeof(struct acpi_dmar_rmrr_entry),
        [ACPI_DMAR_ATSR] = sizeof(struct acpi_dmar_atsr_entry),
    };
    if (e->type > ACPI_DMAR_ATSR) {
        d->nskipped++;
        return SYS_ERR_OK;
    }
    if (e->length < min_len[e->type]) {
        *why = "DMAR structure is shorter than its type's layout";
        return SYS_ERR_CORRUPT;
    }
    const void *p = e;
    switch (e->type) {
    case ACPI_DMAR_DRHD: return parse_drhd(d, p, why);
    case ACPI_DMAR_RMRR: return parse_rmrr(d, p, why);
    default: return parse_atsr(d, p, why);
    }
}

errval_t acpi_dmar_parse(const void *table, size_t len, struct acpi_dmar *d, const char **why)
{
    memset(d, 0, sizeof(*d));
    errval_t err = acpi_table_check(table, len, "DMAR", sizeof(struct acpi_dmar_header), why);
    if (err_is_fail(err))
        return err;
    const struct acpi_dmar_header *h = table;
    if (h->haw + 1u < 12 || h->haw + 1u > MAX_HAW) {
        *why = "DMAR host address width is out of range";
        return SYS_ERR_CORRUPT;
    }
    d->haw = h->haw + 1u;
    d->flags = h->flags;
    d->intr_remap = h->flags & ACPI_DMAR_INTR_REMAP;
    d->x2apic_opt_out = h->flags & ACPI_DMAR_X2APIC_OPT_OUT;

    const uint8_t *base = table;
    for (size_t off = sizeof(*h); off < h->sdt.length;) {
        const struct acpi_dmar_entry *e = (const void *)(base + off);
        if (h->sdt.length - off < sizeof(*e)) {
            *why = "DMAR ends inside a structure header";
            return SYS_ERR_CORRUPT;
        }
        if (e->length < sizeof(*e) || e->length > h->sdt.length - off) {
            *why = "DMAR structure length is below 4 or runs past the table";
            return SYS_ERR_CORRUPT;
        }
        if (err_is_fail(err = parse_entry(d, e, why)))
            return err;
        off += e->length;
    }
    return SYS_ERR_OK;
}

errval_t acpi_dmar_scope_resolve(const struct acpi_dmar_scope *s, uint16_t segment,
                                 acpi_bridge_fn bridge, void *arg, uint8_t *bus, uint8_t *dev,
                                 uint8_t *fn)
{
    bool pci = s->type == ACPI_DMAR_SCOPE_ENDPOINT || s->type == ACPI_DMAR_SCOPE_BRIDGE;
    if (!pci || s->npath == 0 || s->npath > ACPI_DMAR_MAX_PATH)
        return SYS_ERR_INVALID_ARGS;
    uint8_t b = s->start_bus;
    if (s->npath > 1 && !bridge)
        return SYS_ERR_INVALID_ARGS;
    for (unsigned i = 0; i + 1 < s->npath; i++) {
        struct acpi_bridge_buses buses;
        errval_t err = bridge(arg, segment, b, s->path[i].dev, s->path[i].fn, &buses);
        if (err_is_fail(err))
            return err_push(err, ACPI_ERR_SCOPE_UNRESOLVED);
        // Buses are numbered downwards from the root: a secondary bus at or
        // above its bridge's own is misconfigured and must not be followed.
        if (buses.secondary <= b)
            return ACPI_ERR_SCOPE_UNRESOLVED;
        b = buses.secondary;
    }
    *bus = b;
    *dev = s->path[s->npath - 1].dev;
    *fn = s->path[s->npath - 1].fn;
    return SYS_ERR_OK;
}

// Does PCI scope s cover (bus, dev, fn)? *covers is set; errors from resolving.
static MUST_CHECK errval_t scope_covers(const struct acpi_dmar_scope *s, uint16_t segment,
                                        uint8_t bus, uint8_t dev, uint8_t fn, acpi_bridge_fn bridge,
                                        void *arg, bool *covers)
{
    uint8_t b, d, f;
    *covers = false;
    if (s->type != ACPI_DMAR_SCOPE_ENDPOINT && s->type != ACPI_DMAR_SCOPE_BRIDGE)
        return SYS_ERR_OK;
    errval_t err = acpi_dmar_scope_resolve(s, segment, bridge, arg, &b, &d, &f);
    if (err_is_fail(err))
        return err;
    if (b == bus && d == dev && f == fn) {
        *covers = true;
        return SYS_ERR_OK;
    }
    if (s->type != ACPI_DMAR_SCOPE_BRIDGE)
        return SYS_ERR_OK;
    if (!bridge)
        return SYS_ERR_INVALID_ARGS;
    struct acpi_bridge_buses buses;
    err = bridge(arg, segment, b, d, f, &buses);
    if (err_is_fail(err))
        return err_push(err, ACPI_ERR_SCOPE_UNRESOLVED);
    *covers = buses.secondary <= bus && bus <= buses.subordinate;
    return SYS_ERR_OK;
}

errval_t acpi_dmar_unit_for(const struct acpi_dmar *d, uint16_t segment, uint8_t bus, uint8_t dev,
                            uint8_t fn, acpi_bridge_fn bridge, void *arg, unsigned *unit)
{
    for (unsigned u = 0; u < d->ndrhds; u++) {
        const struct acpi_dmar_drhd *h = &d->drhds[u];
        if (h->segment != segment)
            continue;
        for (unsigned i = 0; i < h->nscopes; i++) {
            bool covers;
            errval_t err = scope_covers(&d->scopes[h->first_scope + i], segment, bus, dev, fn,
                                        bridge, arg, &covers);
            if (err_is_fail(err))
                return err;
            if (covers) {
                *unit = u;
                return SYS_ERR_OK;
            }
        }
    }
    for (unsigned u = 0; u < d->ndrhds; u++) {
        if (d->drhds[u].segment == segment && d->drhds[u].include_pci_all) {
            *unit = u;
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NOT_FOUND;
}
