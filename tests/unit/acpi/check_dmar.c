/* tests/unit/acpi/check_dmar.c: the DMAR parser and scope resolution on QEMU's table and corrupted
 * ones. */
#include "acpi_data.h"
#include <acpi/dmar.h>
#include <acpi/spec.h>
#include <acpi/tables.h>
#include <string.h>
#include <unit.h>

static struct acpi_dmar dmar;
static const char *why;

static MUST_CHECK errval_t parse(const struct tbuf *t, size_t len)
{
    void *g = guarded_copy(t->b, len);
    why = NULL;
    errval_t err = acpi_dmar_parse(g, len, &dmar, &why);
    guarded_free(g, len);
    if (err_is_fail(err))
        ck_assert_msg(why && *why, "an error without a reason");
    return err;
}

/* ---- A PCI topology for scope resolution ---- */

struct bridge {
    uint8_t bus, dev, fn, secondary, subordinate;
};

// tools/qemu's q35 as SeaBIOS numbers it: root ports 00:02.0 (igb) and
// 00:03.0 (NVMe); plus, for multi-hop paths, a switch below a third port:
// 00:04.0 -> bus 3, upstream 03:00.0 -> bus 4, downstream 04:01.0 -> bus 5,
// and a bridge misprogrammed with a secondary bus below its own (05:02.0).
static const struct bridge bridges[] = {
    {0, 2, 0, 1, 1}, {0, 3, 0, 2, 2}, {0, 4, 0, 3, 5},
    {3, 0, 0, 4, 5}, {4, 1, 0, 5, 5}, {5, 2, 0, 1, 1},
};

static MUST_CHECK errval_t topology(void *arg, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                                    struct acpi_bridge_buses *out)
{
    unsigned *calls = arg;
    if (calls)
        (*calls)++;
    for (unsigned i = 0; seg == 0 && i < sizeof(bridges) / sizeof(bridges[0]); i++) {
        const struct bridge *b = &bridges[i];
        if (b->bus == bus && b->dev == dev && b->fn == fn) {
            *out = (struct acpi_bridge_buses){b->secondary, b->subordinate};
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NOT_FOUND;
}

/* ---- Building DMAR structures ---- */

// Start a remapping structure with its fixed part; returns its offset.
static size_t begin(struct tbuf *t, const void *fixed, size_t n)
{
    size_t off = t->len;
    tbuf_put(t, fixed, n);
    return off;
}

// Close the structure at off: its length covers what was put since.
static void end(struct tbuf *t, size_t off)
{
    uint16_t len = (uint16_t)(t->len - off);
    memcpy(t->b + off + 2, &len, 2);
    tbuf_finish(t);
}

// A device scope with hops (device, function) pairs in path.
static void scope(struct tbuf *t, uint8_t type, uint8_t id, uint8_t bus, unsigned hops,
                  const uint8_t *path)
{
    struct acpi_dmar_scope_entry s = {type, (uint8_t)(6 + 2 * hops), 0, 0, id, bus};
    tbuf_put(t, &s, sizeof(s));
    tbuf_put(t, path, 2 * hops);
}

static size_t drhd(struct tbuf *t, uint8_t flags, uint64_t base)
{
    struct acpi_dmar_drhd_entry d = {{ACPI_DMAR_DRHD, 0}, flags, 0, 0, base};
    return begin(t, &d, sizeof(d));
}

/* ---- Tests ---- */

START_TEST(test_qemu_dmar)
{
    size_t rsdp_len;
    const uint8_t *rsdp = qemu_file("RSDP.bin", &rsdp_len, NULL);
    struct acpi_tables t;
    const struct acpi_sdt_header *h;
    ck_assert_uint_eq(acpi_tables_init(&t, rsdp, rsdp_len, qemu_map, NULL, &why), SYS_ERR_OK);
    ck_assert_uint_eq(acpi_table_find(&t, "DMAR", 0, &h), SYS_ERR_OK);
    ck_assert_uint_eq(acpi_dmar_parse(h, h->length, &dmar, &why), SYS_ERR_OK);

    ck_assert_uint_eq(dmar.haw, 48);
    ck_assert_uint_eq(dmar.flags, 1);
    ck_assert(dmar.intr_remap && !dmar.x2apic_opt_out);
    ck_assert_uint_eq(dmar.ndrhds, 1);
    ck_assert_uint_eq(dmar.nrmrrs + dmar.natsrs + dmar.nskipped, 0);
    const struct acpi_dmar_drhd *u = &dmar.drhds[0];
    ck_assert_uint_eq(u->reg_base, 0xfed90000);
    ck_assert_uint_eq(u->segment, 0);
    ck_assert(!u->include_pci_all); // so every device must be listed
    ck_assert_uint_eq(u->first_scope, 0);
    ck_assert_uint_eq(u->nscopes, 8);

    // IOAPIC 0 at 0xff:00.0; host bridge, VGA, root ports (as bridges), ICH9
    // LPC, SATA and SMBus, all on bus 0 with one-hop paths.
    static const struct {
        enum acpi_dmar_scope_type type;
        uint8_t bus, dev, fn;
    } want[] = {
        {ACPI_DMAR_SCOPE_IOAPIC, 0xff, 0, 0},   {ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, 0},
        {ACPI_DMAR_SCOPE_ENDPOINT, 0, 1, 0},    {ACPI_DMAR_SCOPE_BRIDGE, 0, 2, 0},
        {ACPI_DMAR_SCOPE_BRIDGE, 0, 3, 0},      {ACPI_DMAR_SCOPE_ENDPOINT, 0, 0x1f, 0},
        {ACPI_DMAR_SCOPE_ENDPOINT, 0, 0x1f, 2}, {ACPI_DMAR_SCOPE_ENDPOINT, 0, 0x1f, 3},
    };
    for (unsigned i = 0; i < 8; i++) {
        const struct acpi_dmar_scope *s = &dmar.scopes[i];
        ck_assert_int_eq(s->type, want[i].type);
        ck_assert_uint_eq(s->start_bus, want[i].bus);
        ck_assert_uint_eq(s->npath, 1);
        ck_assert_uint_eq(s->path[0].dev, want[i].dev);
        ck_assert_uint_eq(s->path[0].fn, want[i].fn);
        ck_assert_uint_eq(s->enum_id, 0);
    }
}
END_TEST

START_TEST(test_qemu_unit_for_devices)
{
    struct tbuf t;
    tbuf_from_file(&t, "DMAR.bin");
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    unsigned unit = 99;
    // The igb PF behind root port 00:02.0, one of its VFs (RID 0x180 =
    // 01:10.0), the NVMe behind 00:03.0, an ICH9 function, a root port itself.
    static const uint8_t covered[][3] = {{1, 0, 0}, {1, 16, 0}, {2, 0, 0}, {0, 31, 2}, {0, 2, 0}};
    for (unsigned i = 0; i < 5; i++) {
        ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 0, covered[i][0], covered[i][1], covered[i][2],
                                             topology, NULL, &unit),
                          SYS_ERR_OK);
        ck_assert_uint_eq(unit, 0);
    }
    // Not listed, and the unit is not INCLUDE_PCI_ALL: no unit translates it.
    ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 0, 0, 5, 0, topology, NULL, &unit),
                      SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 0, 3, 0, 0, topology, NULL, &unit),
                      SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 1, 1, 0, 0, topology, NULL, &unit),
                      SYS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_scope_resolve)
{
    uint8_t bus, dev, fn;
    unsigned calls = 0;
    // 00:04.0 -> 03:00.0 -> 04:01.0 -> 05:00.3: three bridges, then the device.
    struct acpi_dmar_scope s = {
        ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, 4, {{4, 0}, {0, 0}, {1, 0}, {0, 3}}};
    ck_assert_uint_eq(acpi_dmar_scope_resolve(&s, 0, topology, &calls, &bus, &dev, &fn),
                      SYS_ERR_OK);
    ck_assert_uint_eq(bus, 5);
    ck_assert_uint_eq(dev, 0);
    ck_assert_uint_eq(fn, 3);
    ck_assert_uint_eq(calls, 3);

    // A hop that is no bridge: the topology's error under ours.
    s = (struct acpi_dmar_scope){ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, 2, {{7, 0}, {0, 0}}};
    errval_t err = acpi_dmar_scope_resolve(&s, 0, topology, NULL, &bus, &dev, &fn);
    ck_assert_int_eq(err_no(err), ACPI_ERR_SCOPE_UNRESOLVED);
    ck_assert_int_eq(err_no(err_pop(err)), SYS_ERR_NOT_FOUND);

    // A bridge whose secondary bus is not below it is not followed.
    s = (struct acpi_dmar_scope){ACPI_DMAR_SCOPE_ENDPOINT, 0, 5, 2, {{2, 0}, {0, 0}}};
    ck_assert_uint_eq(acpi_dmar_scope_resolve(&s, 0, topology, NULL, &bus, &dev, &fn),
                      ACPI_ERR_SCOPE_UNRESOLVED);

    // IOAPIC scopes name no PCI function; empty paths are refused.
    s = (struct acpi_dmar_scope){ACPI_DMAR_SCOPE_IOAPIC, 0, 0xff, 1, {{0, 0}}};
    ck_assert_uint_eq(acpi_dmar_scope_resolve(&s, 0, topology, NULL, &bus, &dev, &fn),
                      SYS_ERR_INVALID_ARGS);
    s = (struct acpi_dmar_scope){ACPI_DMAR_SCOPE_BRIDGE, 0, 0, 0, {{0, 0}}};
    ck_assert_uint_eq(acpi_dmar_scope_resolve(&s, 0, topology, NULL, &bus, &dev, &fn),
                      SYS_ERR_INVALID_ARGS);
}
END_TEST

// QEMU's table plus an RMRR, an ATSR, an RHSA (not parsed) and a second
// unit with INCLUDE_PCI_ALL, which catches every device the first lacks.
START_TEST(test_rmrr_atsr_catch_all_unit)
{
    struct tbuf t;
    tbuf_from_file(&t, "DMAR.bin");
    struct acpi_dmar_rmrr_entry r = {{ACPI_DMAR_RMRR, 0}, 0, 0, 0x7f000000, 0x7f0fffff};
    size_t off = begin(&t, &r, sizeof(r));
    scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, 1, (const uint8_t[]){0x1d, 0});
    scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, 2, (const uint8_t[]){4, 0, 0, 1});
    end(&t, off);
    struct acpi_dmar_atsr_entry a = {{ACPI_DMAR_ATSR, 0}, ACPI_ATSR_ALL_PORTS, 0, 0};
    end(&t, begin(&t, &a, sizeof(a)));
    uint8_t rhsa[20] = {ACPI_DMAR_RHSA, 0, 20, 0};
    tbuf_put(&t, rhsa, sizeof(rhsa));
    end(&t, drhd(&t, ACPI_DRHD_INCLUDE_PCI_ALL, 0xfed91000));
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);

    ck_assert_uint_eq(dmar.nrmrrs, 1);
    ck_assert_uint_eq(dmar.rmrrs[0].base, 0x7f000000);
    ck_assert_uint_eq(dmar.rmrrs[0].limit, 0x7f0fffff);
    ck_assert_uint_eq(dmar.rmrrs[0].first_scope, 8);
    ck_assert_uint_eq(dmar.rmrrs[0].nscopes, 2);
    ck_assert_uint_eq(dmar.scopes[9].npath, 2);
    ck_assert_uint_eq(dmar.natsrs, 1);
    ck_assert(dmar.atsrs[0].all_ports);
    ck_assert_uint_eq(dmar.atsrs[0].nscopes, 0);
    ck_assert_uint_eq(dmar.nskipped, 1);
    ck_assert_uint_eq(dmar.ndrhds, 2);
    ck_assert(dmar.drhds[1].include_pci_all);
    ck_assert_uint_eq(dmar.drhds[1].nscopes, 0);

    unsigned unit;
    ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 0, 0, 5, 0, topology, NULL, &unit), SYS_ERR_OK);
    ck_assert_uint_eq(unit, 1);
    ck_assert_uint_eq(acpi_dmar_unit_for(&dmar, 0, 1, 0, 0, topology, NULL, &unit), SYS_ERR_OK);
    ck_assert_uint_eq(unit, 0);
}
END_TEST

START_TEST(test_table_corruption)
{
    struct tbuf t;
    tbuf_from_file(&t, "DMAR.bin");
    t.b[100] ^= 4;
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "table checksum is wrong");
    tbuf_from_file(&t, "DMAR.bin");
    ck_assert_uint_eq(parse(&t, t.len - 8), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(parse(&t, 40), SYS_ERR_CORRUPT); // shorter than the DMAR header

    static const uint8_t bad_haw[] = {0xff, 0x00, 10};
    for (unsigned i = 0; i < sizeof(bad_haw); i++) {
        tbuf_from_file(&t, "DMAR.bin");
        t.b[36] = bad_haw[i];
        acpi_fix_checksum(t.b, sizeof(t.b));
        ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
        ck_assert_str_eq(why, "DMAR host address width is out of range");
    }
}
END_TEST

// Set a 16-bit DRHD field or an 8-bit scope field of QEMU's table.
static void patch(struct tbuf *t, size_t off, unsigned size, uint64_t val)
{
    tbuf_from_file(t, "DMAR.bin");
    memcpy(t->b + off, &val, size);
    acpi_fix_checksum(t->b, sizeof(t->b));
}

START_TEST(test_bogus_lengths)
{
    struct tbuf t;
    // DRHD (at 48) lengths: 0 would never advance; past the table; below 16.
    static const uint16_t drhd_len[] = {0, 2, 88, 12};
    for (unsigned i = 0; i < 4; i++) {
        patch(&t, 50, 2, drhd_len[i]);
        ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    }
    patch(&t, 50, 2, 12);
    ck_assert_str_eq(why, "DMAR structure is shorter than its type's layout");

    // Device scope (the first at 64) lengths: 0, below its header, an
    // empty path, half a path entry, past the DRHD.
    static const uint8_t scope_len[] = {0, 5, 6, 7, 72};
    for (unsigned i = 0; i < 5; i++) {
        patch(&t, 65, 1, scope_len[i]);
        ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    }
    patch(&t, 121, 1, 16); // the last scope runs past the DRHD and the table
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "DMAR device scope length is below 6 or runs past its structure");

    tbuf_from_file(&t, "DMAR.bin"); // a table cut inside a structure header
    uint8_t two[2] = {0, 0};
    tbuf_put(&t, two, 2);
    tbuf_finish(&t);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "DMAR ends inside a structure header");
}
END_TEST

START_TEST(test_bad_fields)
{
    struct tbuf t;
    patch(&t, 56, 8, 0xfed90010); // register base not page aligned
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    patch(&t, 56, 8, 0);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    patch(&t, 78, 1, 32); // a path device above 31
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    patch(&t, 79, 1, 8); // a path function above 7
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    patch(&t, 72, 1, 9); // a reserved scope type is skipped, not trusted
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    ck_assert_uint_eq(dmar.drhds[0].nscopes, 7);
    ck_assert_uint_eq(dmar.nskipped, 1);

    tbuf_from_file(&t, "DMAR.bin");
    struct acpi_dmar_rmrr_entry r = {{ACPI_DMAR_RMRR, 0}, 0, 0, 0x7f000000, 0x7effffff};
    end(&t, begin(&t, &r, sizeof(r)));
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_CORRUPT);
    ck_assert_str_eq(why, "RMRR is not a 4 KiB aligned range with limit above base");
}
END_TEST

START_TEST(test_path_and_scope_limits)
{
    uint8_t path[2 * (ACPI_DMAR_MAX_PATH + 1)] = {0};
    struct tbuf t;
    tbuf_from_file(&t, "DMAR.bin");
    size_t off = drhd(&t, 0, 0xfed91000);
    scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, ACPI_DMAR_MAX_PATH, path);
    end(&t, off);
    ck_assert_uint_eq(parse(&t, t.len), SYS_ERR_OK);
    ck_assert_uint_eq(dmar.scopes[8].npath, ACPI_DMAR_MAX_PATH);

    tbuf_from_file(&t, "DMAR.bin");
    off = drhd(&t, 0, 0xfed91000);
    scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, ACPI_DMAR_MAX_PATH + 1, path);
    end(&t, off);
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);
    ck_assert_str_eq(why, "DMAR device scope path is longer than ACPI_DMAR_MAX_PATH");

    tbuf_from_file(&t, "DMAR.bin"); // 8 scopes already
    off = drhd(&t, 0, 0xfed91000);
    for (unsigned i = 8; i <= ACPI_DMAR_MAX_SCOPES; i++)
        scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 9, 1, (const uint8_t[]){i % 32, 0});
    end(&t, off);
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);
    ck_assert_str_eq(why, "more DMAR device scopes than ACPI_DMAR_MAX_SCOPES");

    tbuf_from_file(&t, "DMAR.bin");
    for (unsigned i = 1; i <= ACPI_DMAR_MAX_DRHDS; i++)
        end(&t, drhd(&t, 0, 0xfed90000 + 0x1000 * i));
    ck_assert_uint_eq(parse(&t, t.len), ACPI_ERR_TOO_MANY);
}
END_TEST

START_TEST(test_mutation_sweep)
{
    static const uint8_t values[] = {0, 1, 2, 6, 7, 0x20, 0x7f, 0x80, 0xff};
    struct tbuf orig;
    tbuf_from_file(&orig, "DMAR.bin");
    unsigned errors = 0;
    for (size_t off = 4; off < orig.len; off++) {
        for (unsigned v = 0; v < sizeof(values); v++) {
            struct tbuf t = orig;
            t.b[off] = values[v];
            acpi_fix_checksum(t.b, sizeof(t.b));
            size_t len = ((struct acpi_sdt_header *)t.b)->length;
            errval_t err = parse(&t, len < sizeof(t.b) ? len : sizeof(t.b));
            errors += err_is_fail(err);
            if (off >= 10 && off < 36)
                ck_assert_msg(err_is_ok(err), "byte %zu = %#x rejected: %s", off, values[v], why);
            if (err_is_ok(err))
                ck_assert_uint_le(dmar.nscopes, ACPI_DMAR_MAX_SCOPES);
        }
    }
    ck_assert_uint_gt(errors, 0);
}
END_TEST

static Suite *dmar_suite(void)
{
    Suite *s = suite_create("acpi_dmar");
    TCase *tc = tcase_create("dmar");
    tcase_add_checked_fixture(tc, qemu_tables_load, NULL);
    tcase_add_test(tc, test_qemu_dmar);
    tcase_add_test(tc, test_qemu_unit_for_devices);
    tcase_add_test(tc, test_scope_resolve);
    tcase_add_test(tc, test_rmrr_atsr_catch_all_unit);
    tcase_add_test(tc, test_table_corruption);
    tcase_add_test(tc, test_bogus_lengths);
    tcase_add_test(tc, test_bad_fields);
    tcase_add_test(tc, test_path_and_scope_limits);
    tcase_add_test(tc, test_mutation_sweep);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(dmar_suite)
