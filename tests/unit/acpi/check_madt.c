/* tests/unit/acpi/check_madt.c: the MADT parser on QEMU's captured table and on corrupted ones. */
#include "acpi_data.h"
#include <acpi/madt.h>
#include <acpi/spec.h>
#include <acpi/tables.h>
#include <string.h>
#include <unit.h>

static struct acpi_madt madt;
static const char *why;

// Parse t's bytes from a guarded copy, so an over-read crashes the test.
static MUST_CHECK errval_t parse(const struct tbuf *t, size_t len)
{
    void *g = guarded_copy(t->b, len);
    why = NULL;
    errval_t err = acpi_madt_parse(g, len, &madt, &why);
    guarded_free(g, len);
    if (err_is_fail(err))
        ck_assert_msg(why && *why, "an error without a reason");
    return err;
}

// The captured APIC table, found through the captured RSDP and RSDT.
START_TEST(test_qemu_madt)
{
    size_t rsdp_len;
    const uint8_t *rsdp = qemu_file("RSDP.bin", &rsdp_len, NULL);
    struct acpi_tables t;
    ck_assert_uint_eq(acpi_tables_init(&t, rsdp, rsdp_len, qemu_map, NULL, &why), SYS_ERR_OK);
    ck_assert(!t.xsdt); // GRUB's old tag, SeaBIOS's revision 0 RSDP
    ck_assert_uint_eq(t.count, 6);
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_table_find(&t, "APIC", 0, &h), SYS_ERR_OK);
    ck_assert_uint_eq(acpi_madt_parse(h, h->length, &madt, &why), SYS_ERR_OK);

    ck_assert_uint_eq(madt.lapic_addr, 0xfee00000);
    ck_assert(madt.pcat_compat);
    ck_assert_uint_eq(madt.ncpus, 1); // tools/qemu's default -smp 1
    ck_assert_uint_eq(madt.cpus[0].uid, 0);
    ck_assert_uint_eq(madt.cpus[0].apic_id, 0);
    ck_assert(madt.cpus[0].enabled && !madt.cpus[0].x2apic);
    ck_assert_uint_eq(madt.nioapics, 1);
    ck_assert_uint_eq(madt.ioapics[0].id, 0);
    ck_assert_uint_eq(madt.ioapics[0].addr, 0xfec00000);
    ck_assert_uint_eq(madt.ioapics[0].gsi_base, 0);
    ck_assert_uint_eq(madt.nskipped, 0);

    // q35: the PIT's IRQ 0 on GSI 2, and the PCI-routed IRQs 5, 9, 10, 11
    // level-triggered, active high.
    static const uint8_t irqs[] = {0, 5, 9, 10, 11};
    ck_assert_uint_eq(madt.noverrides, 5);
    for (unsigned i = 0; i < 5; i++) {
        const struct acpi_madt_override *o = &madt.overrides[i];
        ck_assert_uint_eq(o->bus, 0);
        ck_assert_uint_eq(o->source, irqs[i]);
        ck_assert_uint_eq(o->gsi, i == 0 ? 2 : irqs[i]);
        ck_assert_uint_eq(o->flags, i == 0 ? 0 : 0xd);
        ck_assert_int_eq(o->trigger, i == 0 ? ACPI_TRIGGER_CONFORMS : ACPI_TRIGGER_LEVEL);
        ck_assert_int_eq(o->polarity, i == 0 ? ACPI_POLARITY_CONFORMS : ACPI_POLARITY_HIGH);
    }
    ck_assert_uint_eq(madt.nnmis, 1); // LINT1 of every processor
    ck_assert(madt.nmis[0].all_cpus && !madt.nmis[0].source);
    ck_assert_uint_eq(madt.nmis[0].lint, 1);
}
END_TEST

START_TEST(test_isa_irq_routing)
{
    struct tbuf t;
    tbuf_from_file(&t, "APIC.bin");
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    uint32_t gsi;
    enum acpi_polarity pol;
    enum acpi_trigger trig;
    acpi_madt_isa_irq(&madt, 0, &gsi, &pol, &trig); // overridden, flags "conform"
    ck_assert_uint_eq(gsi, 2);
    ck_assert(pol == ACPI_POLARITY_HIGH && trig == ACPI_TRIGGER_EDGE);
    acpi_madt_isa_irq(&madt, 9, &gsi, &pol, &trig);
    ck_assert_uint_eq(gsi, 9);
    ck_assert(pol == ACPI_POLARITY_HIGH && trig == ACPI_TRIGGER_LEVEL);
    acpi_madt_isa_irq(&madt, 4, &gsi, &pol, &trig); // COM1: no override
    ck_assert_uint_eq(gsi, 4);
    ck_assert(pol == ACPI_POLARITY_HIGH && trig == ACPI_TRIGGER_EDGE);
}
END_TEST

// Entry types QEMU does not emit with -smp 1: x2APIC, x2APIC NMI, NMI
// source, LAPIC address override, and an unknown type to be skipped.
START_TEST(test_x2apic_and_other_entries)
{
    struct tbuf t;
    tbuf_from_file(&t, "APIC.bin");
    struct acpi_madt_x2apic_entry x = {
        {ACPI_MADT_X2APIC, 16}, 0, 0x100, ACPI_MADT_ONLINE_CAPABLE, 7};
    struct acpi_madt_x2apic_nmi_entry xn = {{ACPI_MADT_X2APIC_NMI, 12}, 0xf, 7, 0, {0}};
    struct acpi_madt_nmi_source_entry ns = {{ACPI_MADT_NMI_SOURCE, 8}, 0x5, 23};
    struct acpi_madt_lapic_override_entry lo = {{ACPI_MADT_LAPIC_OVERRIDE, 12}, 0, 0xfee10000};
    uint8_t unknown[5] = {0x7f, 5, 1, 2, 3};
    tbuf_put(&t, &x, sizeof(x));
    tbuf_put(&t, &xn, sizeof(xn));
    tbuf_put(&t, &ns, sizeof(ns));
    tbuf_put(&t, &lo, sizeof(lo));
    tbuf_put(&t, unknown, sizeof(unknown));
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);

    ck_assert_uint_eq(madt.ncpus, 2);
    const struct acpi_madt_cpu *c = &madt.cpus[1];
    ck_assert(c->x2apic && !c->enabled && c->online_capable);
    ck_assert_uint_eq(c->apic_id, 0x100);
    ck_assert_uint_eq(c->uid, 7);
    ck_assert_uint_eq(madt.nnmis, 3);
    ck_assert(!madt.nmis[1].all_cpus && madt.nmis[1].uid == 7 && madt.nmis[1].lint == 0);
    ck_assert(madt.nmis[1].polarity == ACPI_POLARITY_LOW);
    ck_assert(madt.nmis[1].trigger == ACPI_TRIGGER_LEVEL);
    ck_assert(madt.nmis[2].source && madt.nmis[2].gsi == 23);
    ck_assert(madt.nmis[2].polarity == ACPI_POLARITY_HIGH);
    ck_assert(madt.nmis[2].trigger == ACPI_TRIGGER_EDGE);
    ck_assert_uint_eq(madt.lapic_addr, 0xfee10000);
    ck_assert_uint_eq(madt.nskipped, 1);
}
END_TEST

START_TEST(test_table_level_corruption)
{
    struct tbuf t;
    tbuf_from_file(&t, "APIC.bin");
    t.b[60] ^= 1; // an IOAPIC address byte: only the checksum notices
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "table checksum is wrong");

    tbuf_from_file(&t, "APIC.bin");
    ck_assert_uint_eq(parse(&t, t.len - 1), SYS_ERR_CORRUPT); // truncated mapping
    ck_assert_str_eq(why, "table length runs past the mapped bytes");
    ck_assert_uint_eq(parse(&t, 20), SYS_ERR_CORRUPT); // not even a header

    t.len = 40; // header says 40: below the MADT's fixed part
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "table shorter than its fixed part");

    tbuf_from_file(&t, "APIC.bin");
    memcpy(t.b, "APIX", 4);
    acpi_fix_checksum(t.b, sizeof(t.b));
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "wrong table signature");
}
END_TEST

// Set the length byte of the entry at off (a captured entry), fix the checksum.
static void set_entry_len(struct tbuf *t, size_t off, uint8_t len)
{
    tbuf_from_file(t, "APIC.bin");
    t->b[off + 1] = len;
    acpi_fix_checksum(t->b, sizeof(t->b));
}

START_TEST(test_bogus_entry_lengths)
{
    struct tbuf t;
    set_entry_len(&t, 44, 0); // would loop forever if trusted
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MADT entry length is below 2 or runs past the table");
    set_entry_len(&t, 44, 1);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    set_entry_len(&t, 44, 200); // past the table
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    set_entry_len(&t, 52, 8); // the IOAPIC entry claims 8 of its 12 bytes
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MADT entry is shorter than its type's layout");

    // A table whose last entry header is cut after its type byte.
    tbuf_from_file(&t, "APIC.bin");
    t.len -= 5; // drop the 6-byte LAPIC NMI but its type byte
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "MADT ends inside an entry header");
}
END_TEST

START_TEST(test_reserved_flags)
{
    struct tbuf t;
    tbuf_from_file(&t, "APIC.bin");
    t.b[64 + 8] = 0x2; // first override: polarity 10b is reserved
    acpi_fix_checksum(t.b, sizeof(t.b));
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    tbuf_from_file(&t, "APIC.bin");
    t.b[114 + 5] = 2; // LAPIC NMI on LINT2, which does not exist
    acpi_fix_checksum(t.b, sizeof(t.b));
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
}
END_TEST

START_TEST(test_capacity_exceeded)
{
    struct tbuf t;
    tbuf_from_file(&t, "APIC.bin");
    for (unsigned i = 1; i < ACPI_MADT_MAX_CPUS; i++) {
        struct acpi_madt_lapic_entry l = {{ACPI_MADT_LAPIC, 8}, (uint8_t)i, (uint8_t)i, 1};
        tbuf_put(&t, &l, sizeof(l));
    }
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    ck_assert_uint_eq(madt.ncpus, ACPI_MADT_MAX_CPUS);
    struct acpi_madt_lapic_entry one_more = {{ACPI_MADT_LAPIC, 8}, 200, 200, 1};
    tbuf_put(&t, &one_more, sizeof(one_more));
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);

    tbuf_from_file(&t, "APIC.bin");
    for (unsigned i = 1; i <= ACPI_MADT_MAX_IOAPICS; i++) {
        struct acpi_madt_ioapic_entry io = {{ACPI_MADT_IOAPIC, 12}, (uint8_t)i, 0, 0, 24 * i};
        tbuf_put(&t, &io, sizeof(io));
    }
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);
}
END_TEST

// Every byte of the table replaced by several values (checksum fixed, so
// the entry checks are what stand): the parser must return, never crash
// or read past the table, and give a reason with every error.
START_TEST(test_mutation_sweep)
{
    static const uint8_t values[] = {0, 1, 2, 5, 0x7f, 0x80, 0xff};
    struct tbuf orig;
    tbuf_from_file(&orig, "APIC.bin");
    unsigned errors = 0;
    for (size_t off = 4; off < orig.len; off++) {
        for (unsigned v = 0; v < sizeof(values); v++) {
            struct tbuf t = orig;
            t.b[off] = values[v];
            acpi_fix_checksum(t.b, sizeof(t.b));
            size_t len = ((struct acpi_sdt_header *)t.b)->length;
            // Map what the header claims, up to the buffer: lengths beyond
            // the real table must be caught by the entry checks.
            errval_t err = parse(&t, len < sizeof(t.b) ? len : sizeof(t.b));
            errors += err_is_fail(err);
            // The OEM fields are free text: changing them is no corruption.
            if (off >= 10 && off < 36)
                ck_assert_msg(err_is_ok(err), "byte %zu = %#x rejected: %s", off, values[v], why);
        }
    }
    ck_assert_uint_gt(errors, 0);
}
END_TEST

static Suite *madt_suite(void)
{
    Suite *s = suite_create("acpi_madt");
    TCase *tc = tcase_create("madt");
    tcase_add_checked_fixture(tc, qemu_tables_load, NULL);
    tcase_add_test(tc, test_qemu_madt);
    tcase_add_test(tc, test_isa_irq_routing);
    tcase_add_test(tc, test_x2apic_and_other_entries);
    tcase_add_test(tc, test_table_level_corruption);
    tcase_add_test(tc, test_bogus_entry_lengths);
    tcase_add_test(tc, test_reserved_flags);
    tcase_add_test(tc, test_capacity_exceeded);
    tcase_add_test(tc, test_mutation_sweep);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(madt_suite)
