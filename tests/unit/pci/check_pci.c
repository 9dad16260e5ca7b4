/* tests/unit/pci/check_pci.c: headers, BAR sizing and assignment, bridges on a synthetic config
 * space. */
#include "fake_cfg.h"
#include <pci/pci.h>
#include <pci/pci_regs.h>
#include <unit.h>

static struct fake_pci bus;
static struct pci_cfg cfg;
static struct fake_fn *pf, *rp;

static void setup(void)
{
    cfg = fake_init(&bus);
    rp = fake_q35_root_port(&bus);
    pf = fake_igb_pf(&bus);
}

START_TEST(test_addresses)
{
    struct pci_bdf vf = {1, 16, 2};
    ck_assert_uint_eq(pci_bdf_rid(vf), 0x182);
    struct pci_bdf back = pci_rid_bdf(0x18c);
    ck_assert_uint_eq(back.bus, 1);
    ck_assert_uint_eq(back.dev, 17);
    ck_assert_uint_eq(back.fn, 4);
    ck_assert_uint_eq(pci_ecam_offset(vf, 0x160), 0x100000 | 16 << 15 | 2 << 12 | 0x160);
    ck_assert_uint_eq(pci_ecam_offset((struct pci_bdf){255, 31, 7}, 0xffc), 0x0ffffffc);
}
END_TEST

START_TEST(test_headers)
{
    struct pci_header h;
    ck_assert_uint_eq(pci_header_read(&cfg, IGB_PF, &h), SYS_ERR_OK);
    ck_assert_uint_eq(h.vendor, 0x8086);
    ck_assert_uint_eq(h.device, 0x10c9);
    ck_assert_uint_eq(h.class_code, 0x02);
    ck_assert_uint_eq(h.subclass, 0);
    ck_assert_uint_eq(h.revision, 1);
    ck_assert_uint_eq(h.header_type, PCI_HEADER_NORMAL);
    ck_assert(!h.multifunction && h.has_caps);
    ck_assert_uint_eq(h.subsys_vendor, 0x1af4);
    ck_assert_uint_eq(h.subsys_id, 0x1100);
    ck_assert_uint_eq(h.irq_line, 0x0b);
    ck_assert_uint_eq(h.irq_pin, 1);

    ck_assert_uint_eq(pci_header_read(&cfg, IGB_ROOT_PORT, &h), SYS_ERR_OK);
    ck_assert_uint_eq(h.header_type, PCI_HEADER_BRIDGE);
    ck_assert_uint_eq(h.subsys_vendor, 0); // type 1 has no subsystem IDs there

    ck_assert_uint_eq(pci_header_read(&cfg, (struct pci_bdf){0, 5, 0}, &h), PCI_ERR_NO_DEVICE);
}
END_TEST

START_TEST(test_igb_bars)
{
    struct pci_bar bars[6];
    unsigned n;
    ck_assert_uint_eq(pci_bars_probe(&cfg, IGB_PF, bars, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(bars[0].type, PCI_BAR_MEM32);
    ck_assert_uint_eq(bars[0].addr, 0xfa800000);
    ck_assert_uint_eq(bars[0].size, 128 * 1024);
    ck_assert(!bars[0].prefetchable);
    ck_assert_int_eq(bars[1].type, PCI_BAR_MEM32);
    ck_assert_uint_eq(bars[1].addr, 0xfa820000);
    ck_assert_int_eq(bars[2].type, PCI_BAR_IO);
    ck_assert_uint_eq(bars[2].addr, 0xc000);
    ck_assert_uint_eq(bars[2].size, 32);
    ck_assert_int_eq(bars[3].type, PCI_BAR_MEM64);
    ck_assert_uint_eq(bars[3].addr, 0xfa840000);
    ck_assert_uint_eq(bars[3].size, 16 * 1024);
    ck_assert_int_eq(bars[4].type, PCI_BAR_NONE); // BAR 3's upper half
    ck_assert_int_eq(bars[5].type, PCI_BAR_NONE); // not implemented

    // Everything restored, and no BAR was written with decoding on.
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0, 4), 0xfa800000);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 8, 4), 0xc001);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 12, 4), 0xfa840004);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 16, 4), 0);
    ck_assert_uint_eq(fake_get(pf, PCI_COMMAND, 2), 0x0103);
    ck_assert_uint_eq(bus.writes_while_decoding, 0);

    ck_assert_uint_eq(pci_bars_probe(&cfg, IGB_ROOT_PORT, bars, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(bars[0].size, 0x1000);
    ck_assert_int_eq(bars[1].type, PCI_BAR_NONE);
}
END_TEST

#define PLAIN ((struct pci_bdf){0, 9, 0})

// An endpoint with no BARs yet, for BAR layouts the igb does not have.
static struct fake_fn *plain(void)
{
    return fake_add(&bus, PLAIN, 0x1234, 0x5678, PCI_HEADER_NORMAL);
}

START_TEST(test_bar_variants)
{
    struct fake_fn *f = plain();
    struct pci_bar bar;
    fake_bar(f, PCI_BAR0, 8ull << 30, PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, 0x2000000000ull);
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 0, &bar), SYS_ERR_OK);
    ck_assert_int_eq(bar.type, PCI_BAR_MEM64);
    ck_assert(bar.prefetchable);
    ck_assert_uint_eq(bar.size, 8ull << 30); // no address bit in the low dword
    ck_assert_uint_eq(bar.addr, 0x2000000000ull);

    // A 16-bit I/O decoder: the upper half of the BAR is hardwired to 0.
    fake_set(f, PCI_BAR0 + 8, 4, 0xc001);
    fake_writable(f, PCI_BAR0 + 8, 4, 0x0000ffc0);
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 2, &bar), SYS_ERR_OK);
    ck_assert_int_eq(bar.type, PCI_BAR_IO);
    ck_assert_uint_eq(bar.addr, 0xc000);
    ck_assert_uint_eq(bar.size, 64);
}
END_TEST

START_TEST(test_malformed_bars)
{
    struct fake_fn *f = plain();
    struct pci_bar bar;
    fake_set(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    fake_set(f, PCI_BAR0, 4, PCI_BAR_MEM_1M); // "below 1 MiB": reserved
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 0, &bar), PCI_ERR_BAD_BAR);
    fake_set(f, PCI_BAR0, 4, 0x6); // reserved memory type 11b
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 0, &bar), PCI_ERR_BAD_BAR);
    fake_bar(f, PCI_BAR0 + 20, 4096, PCI_BAR_MEM_64, 0); // 64-bit in the last register
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 5, &bar), PCI_ERR_BAD_BAR);
    fake_writable(f, PCI_BAR0 + 4, 4, 0xfff0f000); // size mask with a hole
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 1, &bar), PCI_ERR_BAD_BAR);
    fake_set(f, PCI_BAR0 + 16, 4, PCI_BAR_MEM_PREFETCH); // type bits, no address bits
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 4, &bar), PCI_ERR_BAD_BAR);
    fake_set(f, PCI_BAR0 + 12, 4, 0); // nothing at all: not implemented
    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 3, &bar), SYS_ERR_OK);
    ck_assert_int_eq(bar.type, PCI_BAR_NONE);
    ck_assert_uint_eq(fake_get(f, PCI_COMMAND, 2), PCI_COMMAND_MEMORY); // restored every time
    ck_assert_uint_eq(bus.writes_while_decoding, 0);

    ck_assert_uint_eq(pci_bar_probe(&cfg, PLAIN, 6, &bar), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_bar_probe(&cfg, IGB_ROOT_PORT, 2, &bar), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_bar_probe(&cfg, (struct pci_bdf){0, 10, 0}, 0, &bar), PCI_ERR_NO_DEVICE);
    fake_add(&bus, (struct pci_bdf){0, 10, 0}, 0x1234, 0x5678, PCI_HEADER_CARDBUS);
    ck_assert_uint_eq(pci_bar_probe(&cfg, (struct pci_bdf){0, 10, 0}, 0, &bar),
                      PCI_ERR_WRONG_HEADER);
}
END_TEST

START_TEST(test_bar_assign)
{
    struct pci_bar bar;
    ck_assert_uint_eq(pci_bar_probe(&cfg, IGB_PF, 0, &bar), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 0, &bar, 0xfb000000), SYS_ERR_OK);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0, 4), 0xfb000000);
    ck_assert_uint_eq(bar.addr, 0xfb000000);
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 0, &bar, 0xfb010000), SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 0, &bar, 0x100000000ull),
                      SYS_ERR_INVALID_ARGS); // a 32-bit decoder
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 0, &bar, 0xfffe0000), SYS_ERR_OK);

    ck_assert_uint_eq(pci_bar_probe(&cfg, IGB_PF, 3, &bar), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 3, &bar, 0x800004000ull), SYS_ERR_OK);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 12, 4), 0x00004004);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 16, 4), 0x8);
    ck_assert_uint_eq(bus.writes_while_decoding, 0);
    ck_assert_uint_eq(fake_get(pf, PCI_COMMAND, 2), 0x0103);

    struct pci_bar none = {.type = PCI_BAR_NONE};
    ck_assert_uint_eq(pci_bar_assign(&cfg, IGB_PF, 5, &none, 0), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_bridge_read)
{
    struct pci_bridge br;
    ck_assert_uint_eq(pci_bridge_read(&cfg, IGB_ROOT_PORT, &br), SYS_ERR_OK);
    ck_assert_uint_eq(br.primary, 0);
    ck_assert_uint_eq(br.secondary, 1);
    ck_assert_uint_eq(br.subordinate, 1);
    ck_assert(!br.io32);
    ck_assert_uint_eq(br.io.base, 0xc000);
    ck_assert_uint_eq(br.io.limit, 0xcfff);
    ck_assert_uint_eq(br.mem.base, 0xfa800000);
    ck_assert_uint_eq(br.mem.limit, 0xfe7fffff);
    ck_assert(br.pref64);
    ck_assert_uint_eq(br.pref.base, 0xfa200000);
    ck_assert_uint_eq(br.pref.limit, 0xfa3fffff);
    ck_assert(!pci_window_empty(&br.mem));
    ck_assert_uint_eq(pci_bridge_read(&cfg, IGB_PF, &br), PCI_ERR_WRONG_HEADER);
    ck_assert_uint_eq(pci_bridge_read(&cfg, (struct pci_bdf){0, 7, 0}, &br), PCI_ERR_NO_DEVICE);

    // A 32-bit I/O window and a 64-bit prefetchable window above 4 GiB.
    fake_set(rp, PCI_IO_BASE, 2, 0x2111);
    fake_set(rp, PCI_IO_BASE_UPPER, 4, 0x00020001);
    fake_set(rp, PCI_PREF_BASE_UPPER, 4, 0x8);
    fake_set(rp, PCI_PREF_LIMIT_UPPER, 4, 0x8);
    ck_assert_uint_eq(pci_bridge_read(&cfg, IGB_ROOT_PORT, &br), SYS_ERR_OK);
    ck_assert(br.io32);
    ck_assert_uint_eq(br.io.base, 0x11000);
    ck_assert_uint_eq(br.io.limit, 0x22fff);
    ck_assert_uint_eq(br.pref.base, 0x8fa200000ull);
    ck_assert_uint_eq(br.pref.limit, 0x8fa3fffffull);
}
END_TEST

START_TEST(test_bridge_program)
{
    struct pci_bridge br;
    ck_assert_uint_eq(pci_bridge_set_buses(&cfg, IGB_ROOT_PORT, 0, 4, 6), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bridge_set_buses(&cfg, IGB_ROOT_PORT, 1, 1, 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_bridge_set_buses(&cfg, IGB_ROOT_PORT, 0, 5, 4), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_bridge_set_mem_window(&cfg, IGB_ROOT_PORT, 0xf0000000, 0xf0ffffff),
                      SYS_ERR_OK);
    ck_assert_uint_eq(
        pci_bridge_set_pref_window(&cfg, IGB_ROOT_PORT, 0x800000000ull, 0x803ffffffull),
        SYS_ERR_OK);
    ck_assert_uint_eq(pci_bridge_read(&cfg, IGB_ROOT_PORT, &br), SYS_ERR_OK);
    ck_assert_uint_eq(br.secondary, 4);
    ck_assert_uint_eq(br.subordinate, 6);
    ck_assert_uint_eq(br.mem.base, 0xf0000000);
    ck_assert_uint_eq(br.mem.limit, 0xf0ffffff);
    ck_assert_uint_eq(br.pref.base, 0x800000000ull);
    ck_assert_uint_eq(br.pref.limit, 0x803ffffffull);

    ck_assert_uint_eq(pci_bridge_set_mem_window(&cfg, IGB_ROOT_PORT, 1, 0), SYS_ERR_OK); // close
    ck_assert_uint_eq(pci_bridge_read(&cfg, IGB_ROOT_PORT, &br), SYS_ERR_OK);
    ck_assert(pci_window_empty(&br.mem));

    ck_assert_uint_eq(pci_bridge_set_mem_window(&cfg, IGB_ROOT_PORT, 0xf0080000, 0xf0ffffff),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(pci_bridge_set_mem_window(&cfg, IGB_ROOT_PORT, 0xf0000000, 0xf00fefff),
                      SYS_ERR_ALIGNMENT);
    ck_assert_uint_eq(
        pci_bridge_set_mem_window(&cfg, IGB_ROOT_PORT, 0x100000000ull, 0x1000fffffull),
        SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_bridge_set_mem_window(&cfg, IGB_PF, 0, 0xfffff), PCI_ERR_WRONG_HEADER);

    fake_set(rp, PCI_PREF_BASE, 4, 0xfa30fa20); // a 32-bit prefetchable window
    ck_assert_uint_eq(
        pci_bridge_set_pref_window(&cfg, IGB_ROOT_PORT, 0x800000000ull, 0x803ffffffull),
        SYS_ERR_INVALID_ARGS);
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_addresses);
    tcase_add_test(tc, test_headers);
    tcase_add_test(tc, test_igb_bars);
    tcase_add_test(tc, test_bar_variants);
    tcase_add_test(tc, test_malformed_bars);
    tcase_add_test(tc, test_bar_assign);
    tcase_add_test(tc, test_bridge_read);
    tcase_add_test(tc, test_bridge_program);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(pci_suite)
