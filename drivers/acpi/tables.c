/* drivers/acpi/tables.c: validate the RSDP and walk the RSDT/XSDT. Pure logic,
 * linked into the CPU driver, user space and host tests alike. */
#include <acpi/tables.h>
#include <base/string.h>

// No real table is this large; a bigger length is corruption.
#define ACPI_MAX_TABLE (16u << 20)

bool acpi_checksum_ok(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

errval_t acpi_table_check(const void *table, size_t len, const char *sig, size_t min_len,
                          const char **why)
{
    const struct acpi_sdt_header *h = table;
    if (!table || len < sizeof(*h) || memcmp(h->signature, sig, 4)) {
        *why = "wrong table signature";
        return SYS_ERR_CORRUPT;
    }
    if (h->length < min_len || h->length < sizeof(*h)) {
        *why = "table shorter than its fixed part";
        return SYS_ERR_CORRUPT;
    }
    if (h->length > len) {
        *why = "table length runs past the mapped bytes";
        return SYS_ERR_CORRUPT;
    }
    if (!acpi_checksum_ok(h, h->length)) {
        *why = "table checksum is wrong";
        return SYS_ERR_CORRUPT;
    }
    return SYS_ERR_OK;
}

// Map a table: first its header, then (once the length is known sane) all of it.
static const struct acpi_sdt_header *map_table(const struct acpi_tables *t, uint64_t pa,
                                               const char **why)
{
    const struct acpi_sdt_header *h = t->map(t->arg, pa, sizeof(*h));
    if (!h) {
        *why = "table cannot be mapped";
        return NULL;
    }
    if (h->length < sizeof(*h) || h->length > ACPI_MAX_TABLE) {
        *why = "table length out of range";
        return NULL;
    }
    h = t->map(t->arg, pa, h->length);
    if (!h) {
        *why = "table cannot be mapped";
        return NULL;
    }
    if (!acpi_checksum_ok(h, h->length)) {
        *why = "table checksum is wrong";
        return NULL;
    }
    return h;
}

static MUST_CHECK errval_t use_root(struct acpi_tables *t, uint64_t pa, bool xsdt, const char **why)
{
    const struct acpi_sdt_header *h = map_table(t, pa, why);
    if (!h)
        return SYS_ERR_CORRUPT;
    if (memcmp(h->signature, xsdt ? "XSDT" : "RSDT", 4)) {
        *why = xsdt ? "XSDT has the wrong signature" : "RSDT has the wrong signature";
        return SYS_ERR_CORRUPT;
    }
    t->root = h;
    t->xsdt = xsdt;
    t->count = (h->length - sizeof(*h)) / (xsdt ? 8 : 4);
    return SYS_ERR_OK;
}

errval_t acpi_tables_init(struct acpi_tables *t, const void *rsdp, size_t len, acpi_map_fn map,
                          void *arg, const char **why)
{
    const struct acpi_rsdp *r = rsdp;
    *t = (struct acpi_tables){.map = map, .arg = arg};
    if (!r || len < ACPI_RSDP_V1_LEN || memcmp(r->signature, "RSD PTR ", 8)) {
        *why = "no RSDP signature";
        return SYS_ERR_CORRUPT;
    }
    if (!acpi_checksum_ok(r, ACPI_RSDP_V1_LEN)) {
        *why = "RSDP checksum is wrong";
        return SYS_ERR_CORRUPT;
    }
    // ACPI 2.0+: prefer the XSDT when the extended part is intact.
    if (r->revision >= 2 && len >= sizeof(*r) && r->length >= sizeof(*r) && r->length <= len &&
        acpi_checksum_ok(r, r->length) && r->xsdt_addr) {
        if (err_is_ok(use_root(t, r->xsdt_addr, true, why)))
            return SYS_ERR_OK;
    }
    return use_root(t, r->rsdt_addr, false, why);
}

errval_t acpi_table_get(const struct acpi_tables *t, unsigned i, uint64_t *pa,
                        const struct acpi_sdt_header **out)
{
    if (i >= t->count)
        return SYS_ERR_INVALID_ARGS;
    const uint8_t *entries = (const uint8_t *)(t->root + 1);
    if (t->xsdt)
        memcpy(pa, entries + 8 * i, 8); // entries are unaligned
    else {
        uint32_t a;
        memcpy(&a, entries + 4 * i, 4);
        *pa = a;
    }
    const char *why;
    *out = map_table(t, *pa, &why);
    return *out ? SYS_ERR_OK : SYS_ERR_CORRUPT;
}

errval_t acpi_table_find(const struct acpi_tables *t, const char *sig, unsigned n,
                         const struct acpi_sdt_header **out)
{
    for (unsigned i = 0; i < t->count; i++) {
        uint64_t pa;
        const struct acpi_sdt_header *h;
        if (err_is_ok(acpi_table_get(t, i, &pa, &h)) && !memcmp(h->signature, sig, 4) && n-- == 0) {
            *out = h;
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NOT_FOUND;
}
