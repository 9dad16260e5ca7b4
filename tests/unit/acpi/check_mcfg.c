/* tests/unit/acpi/check_mcfg.c: the MCFG parser on QEMU's captured table and on corrupted ones. */
#include "acpi_data.h"
#include <acpi/mcfg.h>
#include <acpi/spec.h>
#include <acpi/tables.h>
#include <string.h>
#include <unit.h>

static struct acpi_mcfg mcfg;
static const char *why;

static MUST_CHECK errval_t parse(const struct tbuf *t, size_t len)
{
    void *g = guarded_copy(t->b, len);
    why = NULL;
    errval_t err = acpi_mcfg_parse(g, len, &mcfg, &why);
    guarded_free(g, len);
    if (err_is_fail(err))
        ck_assert_msg(why && *why, "an error without a reason");
    return err;
}

static void add_region(struct tbuf *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
    struct acpi_mcfg_entry e = {.base = base, .segment = seg, .start_bus = start, .end_bus = end};
    tbuf_put(t, &e, sizeof(e));
    tbuf_finish(t);
}

START_TEST(test_qemu_mcfg)
{
    size_t rsdp_len;
    const uint8_t *rsdp = qemu_file("RSDP.bin", &rsdp_len, NULL);
    struct acpi_tables t;
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_tables_init(&t, rsdp, rsdp_len, qemu_map, NULL, &why), SYS_ERR_OK);
    ck_assert_uint_eq(acpi_table_find(&t, "MCFG", 0, &h), SYS_ERR_OK);
    ck_assert_uint_eq(acpi_mcfg_parse(h, h->length, &mcfg, &why), SYS_ERR_OK);
    ck_assert_uint_eq(mcfg.n, 1);
    ck_assert_uint_eq(mcfg.regions[0].base, 0xb0000000);
    ck_assert_uint_eq(mcfg.regions[0].segment, 0);
    ck_assert_uint_eq(mcfg.regions[0].start_bus, 0);
    ck_assert_uint_eq(mcfg.regions[0].end_bus, 255);

    const struct acpi_mcfg_region *r;
    ck_assert_uint_eq(acpi_mcfg_find(&mcfg, 0, 1, &r), SYS_ERR_OK);
    ck_assert_ptr_eq(r, &mcfg.regions[0]);
    ck_assert_uint_eq(acpi_mcfg_find(&mcfg, 1, 0, &r), SYS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_several_regions)
{
    struct tbuf t;
    tbuf_from_file(&t, "MCFG.bin");
    add_region(&t, 0xe0000000, 1, 0x10, 0x1f); // segment 1, buses 16-31 only
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    ck_assert_uint_eq(mcfg.n, 2);
    const struct acpi_mcfg_region *r;
    ck_assert_uint_eq(acpi_mcfg_find(&mcfg, 1, 0x10, &r), SYS_ERR_OK);
    ck_assert_uint_eq(r->base, 0xe0000000);
    ck_assert_uint_eq(acpi_mcfg_find(&mcfg, 1, 0x20, &r), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(acpi_mcfg_find(&mcfg, 1, 0x0f, &r), SYS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_corrupt_mcfg)
{
    struct tbuf t;
    tbuf_from_file(&t, "MCFG.bin");
    t.b[50] ^= 0x10; // base address byte, checksum not fixed
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "table checksum is wrong");

    tbuf_from_file(&t, "MCFG.bin");
    ck_assert_uint_eq(parse(&t, t.len - 4), SYS_ERR_CORRUPT); // truncated mapping

    tbuf_from_file(&t, "MCFG.bin");
    t.len -= 4; // a partial allocation
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MCFG length is not a whole number of allocations");

    tbuf_from_file(&t, "MCFG.bin");
    add_region(&t, 0xe0000000, 1, 9, 8);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MCFG allocation ends before it starts");

    tbuf_from_file(&t, "MCFG.bin");
    add_region(&t, 0xe0080000, 1, 0, 1);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MCFG base address is not 1 MiB aligned");

    tbuf_from_file(&t, "MCFG.bin");
    add_region(&t, 0xfffffffffff00000ull, 1, 0, 1);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MCFG allocation wraps around the address space");

    tbuf_from_file(&t, "MCFG.bin");
    add_region(&t, 0xe0000000, 0, 0x80, 0x80); // bus 0x80 of segment 0 again
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "two MCFG allocations claim the same bus");
}
END_TEST

START_TEST(test_too_many_regions)
{
    struct tbuf t;
    tbuf_from_file(&t, "MCFG.bin");
    for (unsigned s = 1; s < ACPI_MCFG_MAX; s++)
        add_region(&t, 0x100000000ull * s, (uint16_t)s, 0, 255);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    ck_assert_uint_eq(mcfg.n, ACPI_MCFG_MAX);
    add_region(&t, 0x100000000ull * ACPI_MCFG_MAX, ACPI_MCFG_MAX, 0, 255);
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);
}
END_TEST

static Suite *mcfg_suite(void)
{
    Suite *s = suite_create("acpi_mcfg");
    TCase *tc = tcase_create("mcfg");
    tcase_add_checked_fixture(tc, qemu_tables_load, NULL);
    tcase_add_test(tc, test_qemu_mcfg);
    tcase_add_test(tc, test_several_regions);
    tcase_add_test(tc, test_corrupt_mcfg);
    tcase_add_test(tc, test_too_many_regions);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(mcfg_suite)
