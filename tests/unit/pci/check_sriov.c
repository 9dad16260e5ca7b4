/* tests/unit/pci/check_sriov.c: SR-IOV on a synthetic q35 igb PF: VF routing IDs, NumVFs, VF BARs.
 */
#include "fake_cfg.h"
#include <pci/pci_caps.h>
#include <pci/pci_regs.h>
#include <unit.h>

static struct fake_pci bus;
static struct pci_cfg cfg;
static struct fake_fn *pf;
static struct pci_sriov sriov;

static void setup(void)
{
    cfg = fake_init(&bus);
    fake_q35_root_port(&bus);
    pf = fake_igb_pf(&bus);
    fake_igb_vfs(&bus);
}

START_TEST(test_igb_capability)
{
    uint16_t off;
    ck_assert_uint_eq(pci_ext_cap_find(&cfg, IGB_PF, PCI_EXT_CAP_ID_SRIOV, &off), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, off, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(sriov.off, 0x160);
    ck_assert_uint_eq(sriov.initial_vfs, 8);
    ck_assert_uint_eq(sriov.total_vfs, 8);
    ck_assert_uint_eq(sriov.num_vfs, 0);
    ck_assert_uint_eq(sriov.first_vf_offset, 0x80);
    ck_assert_uint_eq(sriov.vf_stride, 2);
    ck_assert_uint_eq(sriov.vf_device, 0x10ca);
    ck_assert_uint_eq(sriov.page_sizes, 0x553);
    ck_assert_uint_eq(sriov.system_page_size, 1);
    ck_assert_uint_eq(sriov.control, 0);
}
END_TEST

// VF n has RID = PF RID + First VF Offset + (n - 1) * Stride: with the PF at
// 01:00.0 (0x100), offset 0x80 and stride 2, VF 1 is 0x180 = 01:10.0 and
// VF 7 is 0x18c = 01:11.4.
START_TEST(test_vf_routing_ids)
{
    struct pci_bdf vf;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 1, &vf), SYS_ERR_INVALID_ARGS); // NumVFs 0
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 7), SYS_ERR_OK);
    ck_assert_uint_eq(sriov.num_vfs, 7);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_NUM_VF, 2), 7);
    for (unsigned n = 1; n <= 7; n++) {
        ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, n, &vf), SYS_ERR_OK);
        ck_assert_uint_eq(pci_bdf_rid(vf), 0x180 + 2 * (n - 1));
    }
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 7, &vf), SYS_ERR_OK);
    ck_assert(vf.bus == 1 && vf.dev == 17 && vf.fn == 4);
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 0, &vf), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 8, &vf), SYS_ERR_INVALID_ARGS);

    // A PF high enough that its VFs' RIDs would pass 0xFFFF.
    struct pci_bdf high = {0xff, 31, 0};
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, high, 1, &vf), SYS_ERR_OVERFLOW);
}
END_TEST

// The VFs answer config reads, but their vendor and device IDs read 0xFFFF:
// a bus scan sees only the PF, and the VFs' identity comes from the PF.
START_TEST(test_vfs_invisible_to_scans)
{
    unsigned found = 0;
    for (uint8_t dev = 0; dev < 32; dev++) {
        for (uint8_t fn = 0; fn < 8; fn++) {
            struct pci_header h;
            if (err_is_ok(pci_header_read(&cfg, (struct pci_bdf){1, dev, fn}, &h)))
                found++;
        }
    }
    ck_assert_uint_eq(found, 1);

    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 7), SYS_ERR_OK);
    struct pci_bdf vf;
    struct pci_header h;
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 3, &vf), SYS_ERR_OK);
    ck_assert_uint_eq(pci_header_read(&cfg, vf, &h), PCI_ERR_NO_DEVICE);
    pci_header_read_vf(&cfg, vf, 0x8086, sriov.vf_device, &h);
    ck_assert_uint_eq(h.vendor, 0x8086);
    ck_assert_uint_eq(h.device, 0x10ca);
    ck_assert_uint_eq(h.class_code, 0x02);
    ck_assert_uint_eq(h.revision, 1);
}
END_TEST

START_TEST(test_enable_and_num_vfs_rules)
{
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &sriov, true), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 9), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 7), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &sriov, true), SYS_ERR_OK);
    // PLATFORM.md: SR-IOV Control = VF Enable | VF MSE = 0x9.
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_CTRL, 2), 0x9);
    ck_assert_uint_eq(sriov.control, 0x9);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 3), SYS_ERR_BUSY);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_NUM_VF, 2), 7);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &sriov, false), SYS_ERR_OK);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_CTRL, 2), 0);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 3), SYS_ERR_OK);

    fake_writable(pf, IGB_SRIOV_OFF + PCI_SRIOV_NUM_VF, 2, 0); // a PF that ignores NumVFs
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 5), SYS_ERR_IO);
}
END_TEST

// A PF whose First VF Offset and VF Stride depend on NumVFs (the spec allows
// it): the library must use the values read after setting NumVFs.
static void routing_follows_num_vfs(struct fake_fn *f, uint16_t off, unsigned size)
{
    if (off != IGB_SRIOV_OFF + PCI_SRIOV_NUM_VF)
        return;
    uint16_t n = (uint16_t)fake_get(f, off, 2);
    fake_set(f, IGB_SRIOV_OFF + PCI_SRIOV_VF_OFFSET, 2, n > 4 ? 0x40 : 0x80);
    fake_set(f, IGB_SRIOV_OFF + PCI_SRIOV_VF_STRIDE, 2, n > 4 ? 1 : 4);
}

START_TEST(test_routing_changes_with_num_vfs)
{
    pf->on_write = routing_follows_num_vfs;
    struct pci_bdf vf;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 6), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 6, &vf), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bdf_rid(vf), 0x100 + 0x40 + 5);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 2), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 2, &vf), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bdf_rid(vf), 0x100 + 0x80 + 4);
}
END_TEST

START_TEST(test_malformed_capability)
{
    uint16_t s = IGB_SRIOV_OFF;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, 0x150, &sriov), PCI_ERR_BAD_CAP); // that is ARI
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, 0xfd0, &sriov),
                      PCI_ERR_BAD_CAP); // runs past 4 KiB
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, 0x162, &sriov), PCI_ERR_BAD_CAP);

    fake_set(pf, s + PCI_SRIOV_INITIAL_VF, 2, 9); // InitialVFs above TotalVFs
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, s, &sriov), PCI_ERR_BAD_CAP);
    fake_set(pf, s + PCI_SRIOV_INITIAL_VF, 2, 8);
    fake_set(pf, s + PCI_SRIOV_NUM_VF, 2, 12); // NumVFs above TotalVFs
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, s, &sriov), PCI_ERR_BAD_CAP);

    // With VFs set, an offset of 0 makes VF 1 the PF; a stride of 0 makes
    // every VF the same function.
    fake_set(pf, s + PCI_SRIOV_NUM_VF, 2, 2);
    fake_set(pf, s + PCI_SRIOV_VF_OFFSET, 2, 0);
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, s, &sriov), PCI_ERR_BAD_CAP);
    fake_set(pf, s + PCI_SRIOV_VF_OFFSET, 2, 0x80);
    fake_set(pf, s + PCI_SRIOV_VF_STRIDE, 2, 0);
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, s, &sriov), PCI_ERR_BAD_CAP);
    fake_set(pf, s + PCI_SRIOV_NUM_VF, 2, 1); // one VF needs no stride
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, s, &sriov), SYS_ERR_OK);
    struct pci_bdf vf;
    ck_assert_uint_eq(pci_sriov_vf_bdf(&sriov, IGB_PF, 1, &vf), SYS_ERR_OK);
    ck_assert_uint_eq(pci_bdf_rid(vf), 0x180);
}
END_TEST

START_TEST(test_vf_bars)
{
    struct pci_bar bar;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 7), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &sriov, true), SYS_ERR_OK);

    // VF BARs 0 and 3: 64-bit prefetchable, 16 KiB per VF, unassigned.
    for (unsigned i = 0; i < 6; i += 3) {
        ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, i, &bar), SYS_ERR_OK);
        ck_assert_int_eq(bar.type, PCI_BAR_MEM64);
        ck_assert(bar.prefetchable);
        ck_assert_uint_eq(bar.size, 16 * 1024);
        ck_assert_uint_eq(bar.addr, 0);
    }
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 2, &bar), SYS_ERR_OK);
    ck_assert_int_eq(bar.type, PCI_BAR_NONE);
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 6, &bar), SYS_ERR_INVALID_ARGS);

    // Assign VF BAR 0 inside the root port's prefetchable window.
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 0, &bar), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_vf_bar_assign(&cfg, IGB_PF, &sriov, 0, &bar, 0xfa200000),
                      SYS_ERR_OK);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_VF_BAR0, 4), 0xfa20000c);
    ck_assert_uint_eq(pci_sriov_vf_bar_addr(&bar, 1), 0xfa200000);
    ck_assert_uint_eq(pci_sriov_vf_bar_addr(&bar, 7), 0xfa200000 + 6 * 16 * 1024);
    ck_assert_uint_eq(pci_sriov_vf_bar_assign(&cfg, IGB_PF, &sriov, 0, &bar, 0xfa201000),
                      SYS_ERR_ALIGNMENT);

    // VF Memory Space was off for every VF BAR write, and is back on.
    ck_assert_uint_eq(bus.writes_while_decoding, 0);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_CTRL, 2), 0x9);
}
END_TEST

START_TEST(test_malformed_vf_bars)
{
    struct pci_bar bar;
    uint16_t bar2 = IGB_SRIOV_OFF + PCI_SRIOV_VF_BAR0 + 8;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &sriov), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &sriov, 7), SYS_ERR_OK);
    fake_bar(pf, bar2, 256, PCI_BAR_SPACE_IO, 0); // VFs cannot have I/O BARs
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 2, &bar), PCI_ERR_BAD_BAR);
    fake_bar(pf, bar2 + 12, 4096, PCI_BAR_MEM_64, 0); // 64-bit in VF BAR 5
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 5, &bar), PCI_ERR_BAD_BAR);

    // A 32-bit VF BAR whose seventh copy would pass 4 GiB.
    fake_bar(pf, bar2, 1 << 20, 0, 0);
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &sriov, 2, &bar), SYS_ERR_OK);
    ck_assert_int_eq(bar.type, PCI_BAR_MEM32);
    ck_assert_uint_eq(pci_sriov_vf_bar_assign(&cfg, IGB_PF, &sriov, 2, &bar, 0xffc00000),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_sriov_vf_bar_assign(&cfg, IGB_PF, &sriov, 2, &bar, 0xff000000),
                      SYS_ERR_OK);
}
END_TEST

static Suite *sriov_suite(void)
{
    Suite *s = suite_create("pci_sriov");
    TCase *tc = tcase_create("sriov");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_igb_capability);
    tcase_add_test(tc, test_vf_routing_ids);
    tcase_add_test(tc, test_vfs_invisible_to_scans);
    tcase_add_test(tc, test_enable_and_num_vfs_rules);
    tcase_add_test(tc, test_routing_changes_with_num_vfs);
    tcase_add_test(tc, test_malformed_capability);
    tcase_add_test(tc, test_vf_bars);
    tcase_add_test(tc, test_malformed_vf_bars);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(sriov_suite)
