/* tests/unit/acpi/check_tables.c: RSDP and RSDT/XSDT validation on synthetic tables. */
#include <acpi/tables.h>
#include <stdint.h>
#include <string.h>
#include <unit.h>

// A fake physical memory: 64 KiB at physical 0x10000.
#define PHYS_BASE 0x10000u
static uint8_t phys[0x10000];

static const void *map(void *arg, uint64_t pa, size_t len)
{
    (void)arg;
    if (pa < PHYS_BASE || pa + len > PHYS_BASE + sizeof(phys))
        return NULL;
    return phys + (pa - PHYS_BASE);
}

static void fix_checksum(uint8_t *p, size_t len, uint8_t *field)
{
    *field = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    *field = (uint8_t)-sum;
}

static struct acpi_sdt_header *table(uint32_t pa, const char *sig, uint32_t len)
{
    struct acpi_sdt_header *h = (void *)(phys + (pa - PHYS_BASE));
    memset(h, 0xab, len);
    memcpy(h->signature, sig, 4);
    h->length = len;
    fix_checksum((uint8_t *)h, len, &h->checksum);
    return h;
}

static struct acpi_rsdp rsdp;

// RSDT at 0x11000 listing APIC (0x12000) and DMAR (0x13000); an XSDT at
// 0x14000 listing the same two; an ACPI 2.0 RSDP pointing at both.
static void setup(void)
{
    memset(phys, 0, sizeof(phys));
    table(0x12000, "APIC", 64);
    table(0x13000, "DMAR", 80);
    struct acpi_sdt_header *rsdt = table(0x11000, "RSDT", 36 + 8);
    uint32_t e32[2] = {0x12000, 0x13000};
    memcpy(rsdt + 1, e32, 8);
    fix_checksum((uint8_t *)rsdt, rsdt->length, &rsdt->checksum);
    struct acpi_sdt_header *xsdt = table(0x14000, "XSDT", 36 + 16);
    uint64_t e64[2] = {0x12000, 0x13000};
    memcpy(xsdt + 1, e64, 16);
    fix_checksum((uint8_t *)xsdt, xsdt->length, &xsdt->checksum);

    memset(&rsdp, 0, sizeof(rsdp));
    memcpy(rsdp.signature, "RSD PTR ", 8);
    rsdp.revision = 2;
    rsdp.rsdt_addr = 0x11000;
    rsdp.length = sizeof(rsdp);
    rsdp.xsdt_addr = 0x14000;
    fix_checksum((uint8_t *)&rsdp, ACPI_RSDP_V1_LEN, &rsdp.checksum);
    fix_checksum((uint8_t *)&rsdp, sizeof(rsdp), &rsdp.ext_checksum);
}

START_TEST(test_xsdt_preferred)
{
    struct acpi_tables t;
    const char *why = "";
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, sizeof(rsdp), map, NULL, &why), SYS_ERR_OK);
    ck_assert(t.xsdt);
    ck_assert_uint_eq(t.count, 2);
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_table_find(&t, "DMAR", 0, &h), SYS_ERR_OK);
    ck_assert_uint_eq(h->length, 80);
    ck_assert_uint_eq(acpi_table_find(&t, "MCFG", 0, &h), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(acpi_table_find(&t, "DMAR", 1, &h), SYS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_rsdp_v1_uses_rsdt)
{
    struct acpi_tables t;
    const char *why = "";
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, ACPI_RSDP_V1_LEN, map, NULL, &why), SYS_ERR_OK);
    ck_assert(!t.xsdt);
    ck_assert_uint_eq(t.count, 2);
    uint64_t pa;
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_table_get(&t, 0, &pa, &h), SYS_ERR_OK);
    ck_assert_uint_eq(pa, 0x12000);
    ck_assert(!memcmp(h->signature, "APIC", 4));
    ck_assert_uint_eq(acpi_table_get(&t, 2, &pa, &h), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_bad_xsdt_falls_back_to_rsdt)
{
    phys[0x14000 - PHYS_BASE + 40] ^= 1; // XSDT checksum now wrong
    struct acpi_tables t;
    const char *why = "";
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, sizeof(rsdp), map, NULL, &why), SYS_ERR_OK);
    ck_assert(!t.xsdt);
}
END_TEST

START_TEST(test_corrupt_rsdp)
{
    struct acpi_tables t;
    const char *why = "";
    struct acpi_rsdp bad = rsdp;
    bad.checksum ^= 1;
    ck_assert_uint_eq(acpi_tables_init(&t, &bad, sizeof(bad), map, NULL, &why), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "RSDP checksum is wrong");
    bad = rsdp;
    bad.signature[0] = 'X';
    ck_assert_uint_eq(acpi_tables_init(&t, &bad, sizeof(bad), map, NULL, &why), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, 10, map, NULL, &why), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(acpi_tables_init(&t, NULL, 36, map, NULL, &why), SYS_ERR_CORRUPT);
}
END_TEST

START_TEST(test_corrupt_tables_skipped)
{
    phys[0x12000 - PHYS_BASE + 50] ^= 0xff; // APIC checksum wrong
    struct acpi_tables t;
    const char *why = "";
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, sizeof(rsdp), map, NULL, &why), SYS_ERR_OK);
    uint64_t pa;
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_table_get(&t, 0, &pa, &h), SYS_ERR_CORRUPT);
    ck_assert_ptr_null(h);
    ck_assert_uint_eq(acpi_table_find(&t, "APIC", 0, &h), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(acpi_table_find(&t, "DMAR", 0, &h), SYS_ERR_OK);

    // A length running past mapped memory, and a length below the header size.
    struct acpi_sdt_header *d = (void *)(phys + 0x13000 - PHYS_BASE);
    d->length = 0x100000;
    ck_assert_uint_eq(acpi_table_get(&t, 1, &pa, &h), SYS_ERR_CORRUPT);
    d->length = 10;
    ck_assert_uint_eq(acpi_table_get(&t, 1, &pa, &h), SYS_ERR_CORRUPT);
}
END_TEST

START_TEST(test_root_wrong_signature_or_unmapped)
{
    struct acpi_tables t;
    const char *why = "";
    rsdp.rsdt_addr = 0x12000; // points at APIC, not an RSDT
    fix_checksum((uint8_t *)&rsdp, ACPI_RSDP_V1_LEN, &rsdp.checksum);
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, ACPI_RSDP_V1_LEN, map, NULL, &why),
                      SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "RSDT has the wrong signature");
    rsdp.rsdt_addr = 0x90000000; // outside memory
    fix_checksum((uint8_t *)&rsdp, ACPI_RSDP_V1_LEN, &rsdp.checksum);
    ck_assert_uint_eq(acpi_tables_init(&t, &rsdp, ACPI_RSDP_V1_LEN, map, NULL, &why),
                      SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "table cannot be mapped");
}
END_TEST

static Suite *acpi_suite(void)
{
    Suite *s = suite_create("acpi_tables");
    TCase *tc = tcase_create("tables");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_xsdt_preferred);
    tcase_add_test(tc, test_rsdp_v1_uses_rsdt);
    tcase_add_test(tc, test_bad_xsdt_falls_back_to_rsdt);
    tcase_add_test(tc, test_corrupt_rsdp);
    tcase_add_test(tc, test_corrupt_tables_skipped);
    tcase_add_test(tc, test_root_wrong_signature_or_unmapped);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(acpi_suite)
