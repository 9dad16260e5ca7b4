/* drivers/acpi/mcfg.c: parse the MCFG (PCI Firmware Specification 3.2, 4.1.2). */
#include <acpi/mcfg.h>
#include <acpi/spec.h>
#include <base/string.h>

#define ECAM_BUS_SHIFT 20 // 1 MiB of config space per bus (PCIe 6.0 7.2.2)

static bool overlaps(const struct acpi_mcfg_region *a, const struct acpi_mcfg_region *b)
{
    return a->segment == b->segment && a->start_bus <= b->end_bus && b->start_bus <= a->end_bus;
}

static MUST_CHECK errval_t check_region(const struct acpi_mcfg *m, const struct acpi_mcfg_region *r,
                                        const char **why)
{
    if (r->start_bus > r->end_bus) {
        *why = "MCFG allocation ends before it starts";
        return SYS_ERR_CORRUPT;
    }
    if (r->base & ((1ull << ECAM_BUS_SHIFT) - 1)) {
        *why = "MCFG base address is not 1 MiB aligned";
        return SYS_ERR_CORRUPT;
    }
    uint64_t end = ((uint64_t)r->end_bus + 1) << ECAM_BUS_SHIFT;
    if (r->base + end < r->base) {
        *why = "MCFG allocation wraps around the address space";
        return SYS_ERR_CORRUPT;
    }
    for (unsigned i = 0; i < m->n; i++) {
        if (overlaps(&m->regions[i], r)) {
            *why = "two MCFG allocations claim the same bus";
            return SYS_ERR_CORRUPT;
        }
    }
    return SYS_ERR_OK;
}

errval_t acpi_mcfg_parse(const void *table, size_t len, struct acpi_mcfg *m, const char **why)
{
    memset(m, 0, sizeof(*m));
    errval_t err = acpi_table_check(table, len, "MCFG", sizeof(struct acpi_mcfg_header), why);
    if (err_is_fail(err))
        return err;
    const struct acpi_mcfg_header *h = table;
    size_t bytes = h->sdt.length - sizeof(*h);
    if (bytes % sizeof(struct acpi_mcfg_entry)) {
        *why = "MCFG length is not a whole number of allocations";
        return SYS_ERR_CORRUPT;
    }
    const struct acpi_mcfg_entry *e = (const void *)(h + 1);
    for (size_t i = 0; i < bytes / sizeof(*e); i++) {
        struct acpi_mcfg_region r = {.base = e[i].base,
                                     .segment = e[i].segment,
                                     .start_bus = e[i].start_bus,
                                     .end_bus = e[i].end_bus};
        if (err_is_fail(err = check_region(m, &r, why)))
            return err;
        if (m->n == ACPI_MCFG_MAX) {
            *why = "more MCFG allocations than ACPI_MCFG_MAX";
            return ACPI_ERR_TOO_MANY;
        }
        m->regions[m->n++] = r;
    }
    return SYS_ERR_OK;
}

errval_t acpi_mcfg_find(const struct acpi_mcfg *m, uint16_t segment, uint8_t bus,
                        const struct acpi_mcfg_region **out)
{
    for (unsigned i = 0; i < m->n; i++) {
        const struct acpi_mcfg_region *r = &m->regions[i];
        if (r->segment == segment && r->start_bus <= bus && bus <= r->end_bus) {
            *out = r;
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NOT_FOUND;
}
