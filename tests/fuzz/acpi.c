/*
 * tests/fuzz/acpi.c: the ACPI code (drivers/acpi) on any firmware bytes:
 * the RSDP and RSDT/XSDT walk over a memory image, and the MADT, MCFG and
 * DMAR parsers on one table each.
 *
 * The first input byte picks what the rest is: 0 a physical memory image
 * from address 0 with the RSDP at its start; 1 a MADT, 2 an MCFG, 3 a DMAR.
 * Checksums are made right before parsing (and a table's signature for
 * modes 1-3), or nearly every input would stop there, a path the unit
 * tests already take. Invariants: every table the walk hands out lies in
 * the image with a right checksum; every parsed table keeps its
 * capacities and the properties its header promises (MCFG regions aligned
 * and apart, DMAR paths within bounds, scope ranges inside the scope
 * array), and the lookups over them (ISA IRQs, ECAM regions, the VT-d
 * unit of a device) answer consistently.
 */
#include "fuzz.h"
#include <acpi/dmar.h>
#include <acpi/madt.h>
#include <acpi/mcfg.h>
#include <acpi/tables.h>

#define SDT_HDR 36

struct image {
    uint8_t *b;
    size_t len;
};

static const void *map_image(void *arg, uint64_t pa, size_t len)
{
    const struct image *im = arg;
    if (pa > im->len || len > im->len - pa)
        return NULL;
    return im->b + pa;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

// The table header at pa, if its length fits the image: checksum made right.
static void fix_table(struct image *im, uint64_t pa)
{
    if (pa > im->len || im->len - pa < SDT_HDR)
        return;
    uint32_t len = get32(im->b + pa + 4);
    if (len >= SDT_HDR && len <= im->len - pa)
        fix_sum(im->b + pa, len, 9);
}

// The RSDP's checksums, the root tables' and those of every table they list.
static void fix_image(struct image *im)
{
    if (im->len < ACPI_RSDP_V1_LEN)
        return;
    fix_sum(im->b, ACPI_RSDP_V1_LEN, 8);
    uint32_t rsdp_len = im->len >= 36 ? get32(im->b + 20) : 0;
    if (rsdp_len >= 36 && rsdp_len <= im->len)
        fix_sum(im->b, rsdp_len, 32);
    uint64_t roots[2] = {get32(im->b + 16), 0};
    if (im->len >= 36)
        memcpy(&roots[1], im->b + 24, 8);
    for (int r = 0; r < 2; r++) {
        uint64_t pa = roots[r];
        if (pa > im->len || im->len - pa < SDT_HDR)
            continue;
        uint32_t len = get32(im->b + pa + 4);
        size_t esize = r ? 8 : 4;
        for (size_t off = SDT_HDR; len <= im->len - pa && off + esize <= len; off += esize) {
            uint64_t entry = 0;
            memcpy(&entry, im->b + pa + off, esize);
            fix_table(im, entry);
        }
        fix_table(im, pa); // after its entries: they may overlap it
    }
}

static void check_madt(const void *t, size_t len)
{
    struct acpi_madt m;
    const char *why = NULL;
    errval_t err = acpi_madt_parse(t, len, &m, &why);
    if (err_is_fail(err)) {
        FUZZ_CHECK(why != NULL, "MADT error %s without a reason", err_name(err));
        return;
    }
    FUZZ_CHECK(m.ncpus <= ACPI_MADT_MAX_CPUS && m.nioapics <= ACPI_MADT_MAX_IOAPICS &&
                   m.noverrides <= ACPI_MADT_MAX_OVERRIDES && m.nnmis <= ACPI_MADT_MAX_NMIS,
               "MADT counts over capacity");
    for (uint8_t irq = 0; irq < 16; irq++) {
        uint32_t gsi;
        enum acpi_polarity pol;
        enum acpi_trigger trig;
        acpi_madt_isa_irq(&m, irq, &gsi, &pol, &trig);
        FUZZ_CHECK(pol <= ACPI_POLARITY_LOW && trig <= ACPI_TRIGGER_LEVEL, "IRQ %u: %d %d", irq,
                   pol, trig);
    }
}

static void check_mcfg(const void *t, size_t len)
{
    struct acpi_mcfg m;
    const char *why = NULL;
    errval_t err = acpi_mcfg_parse(t, len, &m, &why);
    if (err_is_fail(err)) {
        FUZZ_CHECK(why != NULL, "MCFG error %s without a reason", err_name(err));
        return;
    }
    FUZZ_CHECK(m.n <= ACPI_MCFG_MAX, "%u regions", m.n);
    for (unsigned i = 0; i < m.n; i++) {
        const struct acpi_mcfg_region *r = &m.regions[i], *found;
        FUZZ_CHECK(r->start_bus <= r->end_bus && !(r->base & 0xfffff),
                   "region %u: buses %u-%u base %#llx", i, r->start_bus, r->end_bus,
                   (unsigned long long)r->base);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(m.regions[j].segment != r->segment || m.regions[j].end_bus < r->start_bus ||
                           r->end_bus < m.regions[j].start_bus,
                       "regions %u and %u share a bus", j, i);
        FUZZ_CHECK(err_is_ok(acpi_mcfg_find(&m, r->segment, r->end_bus, &found)) && found == r,
                   "region %u: its last bus is not found in it", i);
    }
}

// Every bridge has secondary bus dev * 8 + fn + 1, below a bus of 255.
static errval_t fake_bridge(void *arg, uint16_t segment, uint8_t bus, uint8_t dev, uint8_t fn,
                            struct acpi_bridge_buses *out)
{
    (void)arg;
    (void)segment;
    if (bus == 255)
        return SYS_ERR_NOT_FOUND;
    out->secondary = (uint8_t)(dev * 8 + fn + 1);
    out->subordinate = out->secondary;
    return SYS_ERR_OK;
}

static void check_scope_range(const struct acpi_dmar *d, unsigned first, unsigned n)
{
    FUZZ_CHECK(first <= d->nscopes && n <= d->nscopes - first, "scopes [%u, +%u) of %u", first, n,
               d->nscopes);
}

static void check_dmar(const void *t, size_t len)
{
    struct acpi_dmar d;
    const char *why = NULL;
    errval_t err = acpi_dmar_parse(t, len, &d, &why);
    if (err_is_fail(err)) {
        FUZZ_CHECK(why != NULL, "DMAR error %s without a reason", err_name(err));
        return;
    }
    FUZZ_CHECK(d.ndrhds <= ACPI_DMAR_MAX_DRHDS && d.nrmrrs <= ACPI_DMAR_MAX_RMRRS &&
                   d.natsrs <= ACPI_DMAR_MAX_ATSRS && d.nscopes <= ACPI_DMAR_MAX_SCOPES,
               "DMAR counts over capacity");
    for (unsigned i = 0; i < d.ndrhds; i++)
        check_scope_range(&d, d.drhds[i].first_scope, d.drhds[i].nscopes);
    for (unsigned i = 0; i < d.nrmrrs; i++) {
        check_scope_range(&d, d.rmrrs[i].first_scope, d.rmrrs[i].nscopes);
        FUZZ_CHECK(d.rmrrs[i].base <= d.rmrrs[i].limit, "RMRR %u: base above limit", i);
    }
    for (unsigned i = 0; i < d.natsrs; i++)
        check_scope_range(&d, d.atsrs[i].first_scope, d.atsrs[i].nscopes);
    for (unsigned i = 0; i < d.nscopes; i++) {
        const struct acpi_dmar_scope *s = &d.scopes[i];
        FUZZ_CHECK(s->npath >= 1 && s->npath <= ACPI_DMAR_MAX_PATH, "scope %u: %u hops", i,
                   s->npath);
        for (unsigned h = 0; h < s->npath; h++)
            FUZZ_CHECK(s->path[h].dev <= 31 && s->path[h].fn <= 7, "scope %u hop %u", i, h);
        uint8_t bus, dev, fn;
        err = acpi_dmar_scope_resolve(s, 0, fake_bridge, NULL, &bus, &dev, &fn);
        if (err_is_ok(err))
            FUZZ_CHECK(dev <= 31 && fn <= 7, "scope %u resolves to %u.%u", i, dev, fn);
    }
    static const uint8_t bdfs[][3] = {{0, 0, 0}, {0, 2, 0}, {0, 31, 7}, {1, 0, 0}, {255, 31, 7}};
    for (size_t i = 0; i < sizeof(bdfs) / sizeof(bdfs[0]); i++) {
        unsigned unit;
        err =
            acpi_dmar_unit_for(&d, 0, bdfs[i][0], bdfs[i][1], bdfs[i][2], fake_bridge, NULL, &unit);
        if (err_is_ok(err))
            FUZZ_CHECK(unit < d.ndrhds && d.drhds[unit].segment == 0, "unit %u of %u", unit,
                       d.ndrhds);
    }
}

static void parse_table(const struct acpi_sdt_header *h, size_t len)
{
    if (!memcmp(h->signature, "APIC", 4))
        check_madt(h, len);
    else if (!memcmp(h->signature, "MCFG", 4))
        check_mcfg(h, len);
    else if (!memcmp(h->signature, "DMAR", 4))
        check_dmar(h, len);
}

static void walk_image(struct image *im)
{
    fix_image(im);
    struct acpi_tables t;
    const char *why = NULL;
    size_t rsdp_len = im->len < 36 ? im->len : 36;
    if (err_is_fail(acpi_tables_init(&t, im->b, rsdp_len, map_image, im, &why))) {
        FUZZ_CHECK(why != NULL, "no reason for a bad RSDP or root");
        return;
    }
    for (unsigned i = 0; i < t.count; i++) {
        uint64_t pa;
        const struct acpi_sdt_header *h;
        if (err_is_fail(acpi_table_get(&t, i, &pa, &h)))
            continue;
        FUZZ_CHECK((const uint8_t *)h == im->b + pa && h->length >= SDT_HDR &&
                       h->length <= im->len - pa && acpi_checksum_ok(h, h->length),
                   "table %u at %#llx handed out unchecked", i, (unsigned long long)pa);
        parse_table(h, h->length);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 16))
        return 0;
    static const char *const sigs[] = {"APIC", "MCFG", "DMAR"};
    struct image im = {malloc(size - 1 ? size - 1 : 1), size - 1};
    memcpy(im.b, data + 1, size - 1);
    unsigned mode = data[0] % 4;
    if (mode == 0) {
        walk_image(&im);
    } else if (im.len >= SDT_HDR) {
        memcpy(im.b, sigs[mode - 1], 4);
        uint32_t len = get32(im.b + 4);
        if (len >= SDT_HDR && len <= im.len)
            fix_sum(im.b, len, 9);
        parse_table((const struct acpi_sdt_header *)im.b, im.len);
    }
    free(im.b);
    return 0;
}
