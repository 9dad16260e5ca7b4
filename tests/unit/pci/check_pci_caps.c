/* tests/unit/pci/check_pci_caps.c: capability walks (sound and malformed), MSI, MSI-X, PCIe
 * decoding. */
#include "fake_cfg.h"
#include <pci/pci_caps.h>
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

// Walk a list into ids[]/offs[]; returns the error that ended it.
static MUST_CHECK errval_t walk(struct pci_bdf b, bool extended, uint16_t *ids, uint16_t *offs,
                                unsigned max, unsigned *n)
{
    struct pci_cap_iter it;
    pci_cap_iter_init(&it, extended);
    for (*n = 0;; (*n)++) {
        uint16_t id, off;
        errval_t err = pci_cap_next(&cfg, b, &it, &id, &off);
        if (err_is_fail(err))
            return err;
        ck_assert_uint_lt(*n, max);
        ids[*n] = id;
        offs[*n] = off;
    }
}

START_TEST(test_igb_lists)
{
    uint16_t ids[8], offs[8];
    unsigned n;
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 8, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 4);
    static const uint16_t want_ids[] = {PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX,
                                        PCI_CAP_ID_EXPRESS};
    static const uint16_t want_offs[] = {0x40, 0x50, 0x70, 0xa0};
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(ids[i], want_ids[i]);
        ck_assert_uint_eq(offs[i], want_offs[i]);
    }
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 8, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 3);
    ck_assert(ids[0] == PCI_EXT_CAP_ID_AER && offs[0] == 0x100);
    ck_assert(ids[1] == PCI_EXT_CAP_ID_ARI && offs[1] == 0x150);
    ck_assert(ids[2] == PCI_EXT_CAP_ID_SRIOV && offs[2] == 0x160);

    uint16_t off;
    ck_assert_uint_eq(pci_cap_find(&cfg, IGB_PF, PCI_CAP_ID_MSIX, &off), SYS_ERR_OK);
    ck_assert_uint_eq(off, 0x70);
    ck_assert_uint_eq(pci_ext_cap_find(&cfg, IGB_PF, PCI_EXT_CAP_ID_SRIOV, &off), SYS_ERR_OK);
    ck_assert_uint_eq(off, 0x160);
    ck_assert_uint_eq(pci_cap_find(&cfg, IGB_PF, PCI_CAP_ID_VENDOR, &off), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(pci_ext_cap_find(&cfg, IGB_PF, PCI_EXT_CAP_ID_ACS, &off), SYS_ERR_NOT_FOUND);
}
END_TEST

// A VF's vendor ID reads 0xFFFF by definition; its capability list is
// still walked (found by igbtest: a VF's MSI-X was never listed).
START_TEST(test_vf_list)
{
    struct fake_fn *vf = fake_add(&bus, (struct pci_bdf){1, 16, 0}, 0xffff, 0xffff, 0);
    fake_cap(vf, 0x70, PCI_CAP_ID_MSIX);
    fake_cap(vf, 0xa0, PCI_CAP_ID_EXPRESS);
    uint16_t ids[4], offs[4], off;
    unsigned n;
    ck_assert_uint_eq(walk(vf->bdf, false, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(pci_cap_find(&cfg, vf->bdf, PCI_CAP_ID_MSIX, &off), SYS_ERR_OK);
    ck_assert_uint_eq(off, 0x70);
    // A function that is not there (all ones) has none.
    ck_assert_uint_eq(walk((struct pci_bdf){5, 0, 0}, false, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 0);
}
END_TEST

// FLR as QEMU's devices do it: the header software set is cleared.
static unsigned flrs, sleeps;

static void flr_clears(struct fake_fn *f, uint16_t off, unsigned size)
{
    (void)size;
    if (off != 0xa8 || !(fake_get(f, 0xa8, 2) & PCI_EXP_DEVCTL_FLR))
        return;
    flrs++;
    for (uint16_t r = 0x10; r < 0x28; r += 4)
        fake_set(f, r, 4, fake_get(f, r, 4) & 0xf); // the address bits go, the type stays
    fake_set(f, PCI_COMMAND, 2, 0);
    fake_set(f, PCI_IRQ_LINE, 1, 0);
    fake_set(f, 0xa8, 2, fake_get(f, 0xa8, 2) & ~PCI_EXP_DEVCTL_FLR); // it self-clears
}

static void count_sleep(void *arg, unsigned ms)
{
    (void)arg;
    sleeps += ms;
}

START_TEST(test_flr_restores_header)
{
    fake_writable(pf, 0xa8, 2, 0xffff);
    fake_writable(pf, PCI_COMMAND, 2, 0x0547); // SERR# and the rest software sets
    fake_writable(pf, PCI_IRQ_LINE, 1, 0xff);
    pf->on_write = flr_clears;
    flrs = sleeps = 0;
    uint32_t bar0 = fake_get(pf, PCI_BAR0, 4), bar3 = fake_get(pf, PCI_BAR0 + 12, 4);
    uint16_t cmd = (uint16_t)fake_get(pf, PCI_COMMAND, 2);
    ck_assert_uint_eq(pci_flr(&cfg, IGB_PF, count_sleep, NULL), SYS_ERR_OK);
    ck_assert_uint_eq(flrs, 1);
    ck_assert_uint_ge(sleeps, 100); // the wait the specification asks for
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0, 4), bar0);
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0 + 12, 4), bar3);
    ck_assert_uint_eq(fake_get(pf, PCI_COMMAND, 2), cmd);
    ck_assert_uint_eq(fake_get(pf, PCI_IRQ_LINE, 1), 0x0b);
    // A function without FLR (the root port's Express capability has none).
    ck_assert_uint_eq(pci_flr(&cfg, (struct pci_bdf){0, 2, 0}, count_sleep, NULL), PCI_ERR_NO_FLR);
    // Nor one with no PCI Express capability at all.
    struct fake_fn *plain = fake_add(&bus, (struct pci_bdf){3, 0, 0}, 0x1234, 0x5678, 0);
    (void)plain;
    ck_assert_uint_eq(pci_flr(&cfg, (struct pci_bdf){3, 0, 0}, count_sleep, NULL), PCI_ERR_NO_FLR);
}
END_TEST

START_TEST(test_no_capabilities)
{
    uint16_t ids[4], offs[4];
    unsigned n;
    fake_set(pf, PCI_STATUS, 2, 0); // the pointer is garbage without the status bit
    fake_set(pf, PCI_CAP_PTR, 1, 0x13);
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 0);
    fake_set(pf, 0x100, 4, 0); // no extended capabilities (PCIe 7.6.3)
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 0);
    fake_set(pf, 0x100, 4, 0xffffffff); // no extended config space at all
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    // An absent function has no lists either.
    ck_assert_uint_eq(walk((struct pci_bdf){3, 0, 0}, false, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(walk((struct pci_bdf){3, 0, 0}, true, ids, offs, 4, &n), SYS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_malformed_legacy_lists)
{
    uint16_t ids[64], offs[64];
    unsigned n;
    fake_set(pf, 0x71, 1, 0x50); // MSI-X -> MSI: a loop of two
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 64, &n), PCI_ERR_CAP_LIST);
    ck_assert_uint_eq(n, 3);
    fake_set(pf, 0x41, 1, 0x40); // PM -> PM: a loop of one
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 64, &n), PCI_ERR_CAP_LIST);
    ck_assert_uint_eq(n, 1);
    fake_set(pf, 0x41, 1, 0x20); // into the header
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 64, &n), PCI_ERR_CAP_LIST);
    fake_set(pf, PCI_CAP_PTR, 1, 0x3c); // the first pointer is already below 0x40
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 64, &n), PCI_ERR_CAP_LIST);
    ck_assert_uint_eq(n, 0);
    uint16_t off;
    ck_assert_uint_eq(pci_cap_find(&cfg, IGB_PF, PCI_CAP_ID_MSIX, &off), PCI_ERR_CAP_LIST);

    // Reserved low pointer bits are masked, not followed.
    fake_set(pf, PCI_CAP_PTR, 1, 0x43);
    fake_set(pf, 0x41, 1, 0x52);
    fake_set(pf, 0x71, 1, 0xa1);
    ck_assert_uint_eq(walk(IGB_PF, false, ids, offs, 64, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(offs[1], 0x50);
}
END_TEST

START_TEST(test_longest_legacy_list)
{
    // 48 capabilities, one in every dword from 0x40 to 0xfc: no false loop.
    struct fake_fn *f = fake_add(&bus, (struct pci_bdf){0, 9, 0}, 1, 2, PCI_HEADER_NORMAL);
    for (uint16_t o = 0x40; o <= 0xfc; o += 4)
        fake_cap(f, o, PCI_CAP_ID_VENDOR);
    uint16_t ids[64], offs[64];
    unsigned n;
    ck_assert_uint_eq(walk(f->bdf, false, ids, offs, 64, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 48);
    ck_assert_uint_eq(offs[47], 0xfc);
}
END_TEST

START_TEST(test_malformed_extended_lists)
{
    uint16_t ids[1024], offs[1024];
    unsigned n;
    fake_set(pf, 0x160, 4, fake_get(pf, 0x160, 4) | 0x100u << 20); // SR-IOV -> AER
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 1024, &n), PCI_ERR_CAP_LIST);
    ck_assert_uint_eq(n, 3);
    fake_set(pf, 0x100, 4, 0x10010001); // AER -> AER
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 1024, &n), PCI_ERR_CAP_LIST);
    ck_assert_uint_eq(n, 1);
    fake_set(pf, 0x100, 4, 0x04010001); // AER -> 0x40, below the extended space
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 1024, &n), PCI_ERR_CAP_LIST);
    fake_set(pf, 0x100, 4, 0x20010001); // AER -> 0x200, where nothing answers
    fake_set(pf, 0x200, 4, 0xffffffff);
    ck_assert_uint_eq(walk(IGB_PF, true, ids, offs, 1024, &n), PCI_ERR_CAP_LIST);
    uint16_t off;
    ck_assert_uint_eq(pci_ext_cap_find(&cfg, IGB_PF, PCI_EXT_CAP_ID_SRIOV, &off), PCI_ERR_CAP_LIST);

    // The longest sound chain: every dword from 0x100 to 0xffc.
    struct fake_fn *f = fake_add(&bus, (struct pci_bdf){0, 9, 0}, 1, 2, PCI_HEADER_NORMAL);
    for (uint16_t o = 0x100; o <= 0xffc; o += 4)
        fake_ext_cap(f, o, 0x0b);
    ck_assert_uint_eq(walk(f->bdf, true, ids, offs, 1024, &n), SYS_ERR_NOT_FOUND);
    ck_assert_uint_eq(n, 960);
}
END_TEST

START_TEST(test_msi)
{
    struct pci_msi m;
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0x50, &m), SYS_ERR_OK);
    ck_assert(m.addr64 && m.per_vector_mask && !m.enabled);
    ck_assert_uint_eq(m.vectors, 1);
    ck_assert_uint_eq(m.enabled_vectors, 1);
    ck_assert_uint_eq(m.data_off, 0x5c);
    ck_assert_uint_eq(m.mask_off, 0x60);
    ck_assert_uint_eq(m.pending_off, 0x64);

    fake_set(pf, 0x52, 2, 0x0037); // 32-bit, 8 of 8 vectors... enabled
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0x50, &m), SYS_ERR_OK);
    ck_assert(!m.addr64 && !m.per_vector_mask && m.enabled);
    ck_assert_uint_eq(m.vectors, 8);
    ck_assert_uint_eq(m.enabled_vectors, 8);
    ck_assert_uint_eq(m.data_off, 0x58);
    ck_assert_uint_eq(m.mask_off, 0);

    fake_set(pf, 0x52, 2, 0x000c); // Multiple Message Capable 110b: reserved
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0x50, &m), PCI_ERR_BAD_CAP);
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0x40, &m), PCI_ERR_BAD_CAP); // that is PM
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0x52, &m), PCI_ERR_BAD_CAP); // misaligned
    fake_cap(pf, 0xf0, PCI_CAP_ID_MSI);
    fake_set(pf, 0xf2, 2, 0x0180); // 64-bit with masks: 24 bytes, past 0x100
    ck_assert_uint_eq(pci_msi_read(&cfg, IGB_PF, 0xf0, &m), PCI_ERR_BAD_CAP);
}
END_TEST

START_TEST(test_msix)
{
    struct pci_msix x;
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x70, &x), SYS_ERR_OK);
    ck_assert_uint_eq(x.table_size, 10);
    ck_assert_uint_eq(x.table_bir, 3);
    ck_assert_uint_eq(x.table_offset, 0);
    ck_assert_uint_eq(x.pba_bir, 3);
    ck_assert_uint_eq(x.pba_offset, 0x2000);
    ck_assert(!x.enabled && !x.function_mask);

    struct pci_bar bars[6];
    unsigned n;
    ck_assert_uint_eq(pci_bars_probe(&cfg, IGB_PF, bars, &n), SYS_ERR_OK);
    ck_assert_uint_eq(pci_msix_check_bars(&x, bars), SYS_ERR_OK);
    bars[3].size = 0x2000; // the PBA would lie outside the BAR
    ck_assert_uint_eq(pci_msix_check_bars(&x, bars), PCI_ERR_BAD_CAP);
    bars[3].size = 0x4000;
    x.table_bir = 4; // the upper half of BAR 3: no BAR of its own
    ck_assert_uint_eq(pci_msix_check_bars(&x, bars), PCI_ERR_BAD_CAP);
    x.table_bir = 2; // an I/O BAR
    ck_assert_uint_eq(pci_msix_check_bars(&x, bars), PCI_ERR_BAD_CAP);

    fake_set(pf, 0x72, 2, 0xc7ff);     // enabled, masked, 2048 vectors
    fake_set(pf, 0x74, 4, 0x00001006); // BIR 6: reserved
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x70, &x), PCI_ERR_BAD_CAP);
    fake_set(pf, 0x74, 4, 0x00001005);
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x70, &x), SYS_ERR_OK);
    ck_assert(x.enabled && x.function_mask);
    ck_assert_uint_eq(x.table_size, 2048);
    ck_assert_uint_eq(x.table_offset, 0x1000);
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x50, &x), PCI_ERR_BAD_CAP); // that is MSI
}
END_TEST

START_TEST(test_express)
{
    struct pci_express e;
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_PF, 0xa0, &e), SYS_ERR_OK);
    ck_assert_uint_eq(e.version, 2);
    ck_assert_uint_eq(e.port_type, PCI_EXP_TYPE_ENDPOINT);
    ck_assert(e.flr && e.has_link && !e.slot);
    ck_assert_uint_eq(e.max_payload, 128);
    ck_assert_uint_eq(e.link_speed_max, 1);
    ck_assert_uint_eq(e.link_width_max, 1);
    ck_assert_uint_eq(e.link_width, 1);

    uint16_t off;
    ck_assert_uint_eq(pci_cap_find(&cfg, IGB_ROOT_PORT, PCI_CAP_ID_EXPRESS, &off), SYS_ERR_OK);
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_ROOT_PORT, off, &e), SYS_ERR_OK);
    ck_assert_uint_eq(e.port_type, PCI_EXP_TYPE_ROOT_PORT);
    ck_assert(e.slot && !e.flr);
    ck_assert_uint_eq(e.max_payload, 128);

    fake_set(pf, 0xa2, 2, 0x0092); // root complex integrated endpoint: no link
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_PF, 0xa0, &e), SYS_ERR_OK);
    ck_assert(!e.has_link);
    ck_assert_uint_eq(e.link_width, 0);
    fake_set(pf, 0xa2, 2, 0x0003); // capability version 3 does not exist
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_PF, 0xa0, &e), PCI_ERR_BAD_CAP);
    fake_set(pf, 0xa2, 2, 0x0002);
    fake_set(pf, 0xa4, 4, 0x10008026); // max payload 110b: reserved
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_PF, 0xa0, &e), PCI_ERR_BAD_CAP);
    ck_assert_uint_eq(pci_express_read(&cfg, IGB_PF, 0x70, &e), PCI_ERR_BAD_CAP);
}
END_TEST

static Suite *caps_suite(void)
{
    Suite *s = suite_create("pci_caps");
    TCase *tc = tcase_create("caps");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_igb_lists);
    tcase_add_test(tc, test_vf_list);
    tcase_add_test(tc, test_flr_restores_header);
    tcase_add_test(tc, test_no_capabilities);
    tcase_add_test(tc, test_malformed_legacy_lists);
    tcase_add_test(tc, test_longest_legacy_list);
    tcase_add_test(tc, test_malformed_extended_lists);
    tcase_add_test(tc, test_msi);
    tcase_add_test(tc, test_msix);
    tcase_add_test(tc, test_express);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(caps_suite)
