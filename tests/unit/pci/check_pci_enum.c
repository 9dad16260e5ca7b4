/* tests/unit/pci/check_pci_enum.c: enumeration with bridges and VFs, lspci output, ECAM, MSI-X
 * tables. */
#include "fake_cfg.h"
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define NVME_PORT ((struct pci_bdf){0, 3, 0})
#define NVME      ((struct pci_bdf){2, 0, 0})
#define MAX_FUNCS 32

static struct fake_pci bus;
static struct pci_cfg cfg;
static struct fake_fn *pf;
static struct pci_func funcs[MAX_FUNCS];
static unsigned nfuncs;

// q35 as tools/qemu builds it, as far as enumeration goes: the host bridge,
// the igb's root port and PF (with its VFs' config spaces), and a second
// root port with an NVMe controller on bus 2.
static void setup(void)
{
    cfg = fake_init(&bus);
    struct fake_fn *hb = fake_add(&bus, (struct pci_bdf){0, 0, 0}, 0x8086, 0x29c0, 0);
    fake_set(hb, PCI_CLASS, 1, 0x06);
    fake_q35_root_port(&bus);
    pf = fake_igb_pf(&bus);
    fake_igb_vfs(&bus);
    struct fake_fn *rp2 = fake_add(&bus, NVME_PORT, 0x1b36, 0x000c, PCI_HEADER_BRIDGE);
    fake_set(rp2, PCI_CLASS, 1, 0x06);
    fake_set(rp2, PCI_SUBCLASS, 1, 0x04);
    fake_set(rp2, PCI_PRIMARY_BUS, 4, 0x00020200);
    struct fake_fn *nvme = fake_add(&bus, NVME, 0x1b36, 0x0010, PCI_HEADER_NORMAL);
    fake_set(nvme, PCI_REVISION, 4, 0x01080202); // class 01, subclass 08, prog-if 02, rev 2
    fake_set(nvme, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    fake_bar(nvme, PCI_BAR0, 16 * 1024, PCI_BAR_MEM_64, 0xfe800000);
    fake_cap(nvme, 0x40, PCI_CAP_ID_MSIX);
    fake_set(nvme, 0x42, 2, 0x0007); // 8 vectors
    fake_set(nvme, 0x44, 4, 0x2000); // table: BAR 0 at 0x2000
    fake_set(nvme, 0x48, 4, 0x3000); // PBA: BAR 0 at 0x3000
    nfuncs = 0;
}

static int index_of(struct pci_bdf b)
{
    const struct pci_func *f = pci_find(funcs, nfuncs, b);
    return f ? (int)(f - funcs) : -1;
}

START_TEST(test_enumerate_q35)
{
    ck_assert_uint_eq(pci_enumerate(&cfg, PCI_ENUM_SIZE_BARS, funcs, MAX_FUNCS, &nfuncs),
                      SYS_ERR_OK);
    ck_assert_uint_eq(nfuncs, 5); // no VFs while SR-IOV is off
    static const uint16_t rids[] = {0x000, 0x010, 0x018, 0x100, 0x200};
    for (unsigned i = 0; i < 5; i++)
        ck_assert_uint_eq(pci_bdf_rid(funcs[i].bdf), rids[i]);
    const struct pci_func *igb = &funcs[3];
    ck_assert(igb->hdr.vendor == 0x8086 && igb->hdr.device == 0x10c9 && !igb->is_vf);
    ck_assert(igb->bars_sized && err_is_ok(igb->bar_err) && err_is_ok(igb->cap_err));
    ck_assert_uint_eq(igb->bars[0].addr, 0xfa800000);
    ck_assert_uint_eq(igb->bars[0].size, 128 * 1024);
    ck_assert_uint_eq(igb->bars[2].type, PCI_BAR_IO);
    ck_assert_uint_eq(igb->bars[3].type, PCI_BAR_MEM64);
    ck_assert_uint_eq(igb->bars[4].type, PCI_BAR_NONE); // upper half of BAR 3
    ck_assert_uint_eq(igb->ncaps, 7);
    ck_assert(igb->has_msi && igb->has_msix && igb->has_exp && igb->has_sriov);
    ck_assert_uint_eq(igb->sriov.total_vfs, 8);
    ck_assert_uint_eq(igb->vf_bars[0].size, 16 * 1024); // sized through the PF
    ck_assert(funcs[1].is_bridge && funcs[1].bridge.secondary == 1);
    ck_assert(funcs[2].is_bridge && funcs[2].bridge.secondary == 2);
    ck_assert(funcs[4].has_msix && funcs[4].msix.table_size == 8);
    ck_assert_int_eq(pci_find_id(funcs, nfuncs, 0x1b36, 0x000c, 1), 2);
    ck_assert_int_eq(pci_find_id(funcs, nfuncs, 0x1b36, 0x000c, 2), -1);
    ck_assert_uint_eq(bus.writes_while_decoding, 0); // sizing turned decoding off
    // Sizing restored every register it touched.
    ck_assert_uint_eq(fake_get(pf, PCI_BAR0, 4), 0xfa800000);
    ck_assert_uint_eq(fake_get(pf, PCI_COMMAND, 2), 0x0103);
}
END_TEST

// VFs are found at their computed routing IDs, never by the scan (their
// IDs read 0xFFFF), with the PF's vendor and the VF device ID, and their
// BARs are the PF's VF BARs strided by the per-VF size.
START_TEST(test_enumerate_vfs)
{
    struct pci_sriov s;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &s), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &s, 7), SYS_ERR_OK);
    struct pci_bar vbar;
    ck_assert_uint_eq(pci_sriov_vf_bar_probe(&cfg, IGB_PF, &s, 0, &vbar), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_vf_bar_assign(&cfg, IGB_PF, &s, 0, &vbar, 0xfa900000), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &s, true), SYS_ERR_OK);

    ck_assert_uint_eq(pci_enumerate(&cfg, PCI_ENUM_SIZE_BARS, funcs, MAX_FUNCS, &nfuncs),
                      SYS_ERR_OK);
    ck_assert_uint_eq(nfuncs, 12);
    for (unsigned n = 1; n <= 7; n++) {
        int i = index_of(pci_rid_bdf((uint16_t)(0x180 + 2 * (n - 1))));
        ck_assert_int_ge(i, 0);
        const struct pci_func *vf = &funcs[i];
        ck_assert(vf->is_vf && vf->vf_index == n && pci_bdf_rid(vf->pf) == 0x100);
        ck_assert_uint_eq(vf->hdr.vendor, 0x8086);
        ck_assert_uint_eq(vf->hdr.device, 0x10ca);
        ck_assert_uint_eq(vf->hdr.class_code, 0x02);
        ck_assert(vf->bars_sized);
        ck_assert_uint_eq(vf->bars[0].addr, 0xfa900000 + (n - 1) * 16 * 1024);
        ck_assert_uint_eq(vf->bars[0].size, 16 * 1024);
    }
    ck_assert_int_eq(index_of(pci_rid_bdf(0x18e)), -1); // VF 8 exists in config, not enabled
    // Sorted: the VFs follow the PF on bus 1, before bus 2.
    ck_assert_uint_eq(pci_bdf_rid(funcs[4].bdf), 0x180);
    ck_assert_uint_eq(pci_bdf_rid(funcs[11].bdf), 0x200);
    ck_assert_uint_eq(fake_get(pf, IGB_SRIOV_OFF + PCI_SRIOV_CTRL, 2), 0x9); // VF MSE restored
    ck_assert_uint_eq(bus.writes_while_decoding, 0);
}
END_TEST

// Without sizing, enumeration only reads: safe while drivers own devices.
START_TEST(test_enumerate_read_only)
{
    ck_assert_uint_eq(pci_enumerate(&cfg, 0, funcs, MAX_FUNCS, &nfuncs), SYS_ERR_OK);
    ck_assert_uint_eq(nfuncs, 5);
    ck_assert_uint_eq(bus.writes, 0);
    const struct pci_func *igb = &funcs[3];
    ck_assert(!igb->bars_sized);
    ck_assert_uint_eq(igb->bars[0].type, PCI_BAR_MEM32);
    ck_assert_uint_eq(igb->bars[0].addr, 0xfa800000);
    ck_assert_uint_eq(igb->bars[0].size, 0);
    ck_assert_uint_eq(igb->bars[3].type, PCI_BAR_MEM64);
    ck_assert_uint_eq(igb->bars[3].addr, 0xfa840000);
    ck_assert_uint_eq(funcs[4].bars[0].addr, 0xfe800000);
}
END_TEST

// Bridges whose secondary bus points back up, or two bridges naming the
// same bus: every bus is scanned once, and the walk ends.
START_TEST(test_enumerate_bad_bridges)
{
    struct fake_fn *loop = fake_add(&bus, (struct pci_bdf){1, 5, 0}, 0x1b36, 0x000c, 1);
    fake_set(loop, PCI_PRIMARY_BUS, 4, 0x00000001); // secondary 0: back to the root bus
    struct fake_fn *dup = fake_add(&bus, (struct pci_bdf){0, 4, 0}, 0x1b36, 0x000c, 1);
    fake_set(dup, PCI_PRIMARY_BUS, 4, 0x00020200); // bus 2 again
    ck_assert_uint_eq(pci_enumerate(&cfg, 0, funcs, MAX_FUNCS, &nfuncs), SYS_ERR_OK);
    ck_assert_uint_eq(nfuncs, 7);
    for (unsigned i = 1; i < nfuncs; i++)
        ck_assert_uint_lt(pci_bdf_rid(funcs[i - 1].bdf), pci_bdf_rid(funcs[i].bdf));
}
END_TEST

START_TEST(test_enumerate_limits_and_errors)
{
    ck_assert_uint_eq(pci_enumerate(&cfg, 0, funcs, 3, &nfuncs), PCI_ERR_TOO_MANY);
    ck_assert_uint_eq(nfuncs, 3);
    // A looping capability list: the function is still listed, with the error.
    fake_set(pf, 0xa1, 1, 0x50);
    ck_assert_uint_eq(pci_enumerate(&cfg, 0, funcs, MAX_FUNCS, &nfuncs), SYS_ERR_OK);
    ck_assert_uint_eq(nfuncs, 5);
    ck_assert_uint_eq(funcs[3].cap_err, PCI_ERR_CAP_LIST);
    ck_assert(funcs[3].has_sriov); // the extended list is walked regardless
    // A reserved memory BAR type: reported, not fatal.
    fake_set(pf, PCI_BAR0, 4, 0xfa800002);
    ck_assert_uint_eq(pci_enumerate(&cfg, PCI_ENUM_SIZE_BARS, funcs, MAX_FUNCS, &nfuncs),
                      SYS_ERR_OK);
    ck_assert_uint_eq(funcs[3].bar_err, PCI_ERR_BAD_BAR);
}
END_TEST

// ---- lspci ----

static char out[64][200];
static unsigned nout;

static void collect(void *arg, const char *line)
{
    ck_assert_uint_lt(nout, 64);
    ck_assert_uint_lt(strlen(line), sizeof(out[0]));
    strcpy(out[nout++], line);
}

static bool printed(const char *want)
{
    for (unsigned i = 0; i < nout; i++) {
        if (!strcmp(out[i], want))
            return true;
    }
    return false;
}

START_TEST(test_lspci)
{
    struct pci_sriov s;
    ck_assert_uint_eq(pci_sriov_read(&cfg, IGB_PF, IGB_SRIOV_OFF, &s), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_set_num_vfs(&cfg, IGB_PF, &s, 2), SYS_ERR_OK);
    ck_assert_uint_eq(pci_sriov_enable(&cfg, IGB_PF, &s, true), SYS_ERR_OK);
    ck_assert_uint_eq(pci_enumerate(&cfg, PCI_ENUM_SIZE_BARS, funcs, MAX_FUNCS, &nfuncs),
                      SYS_ERR_OK);
    nout = 0;
    pci_list_print(funcs, nfuncs, false, collect, NULL);
    ck_assert_uint_eq(nout, 7);
    ck_assert_str_eq(out[0], "00:00.0 Host bridge [0600]: 8086:29c0");
    ck_assert_str_eq(out[1], "00:02.0 PCI bridge [0604]: 1b36:000c");
    ck_assert_str_eq(out[3], "01:00.0 Ethernet controller [0200]: 8086:10c9 (rev 01)");
    ck_assert_str_eq(out[4], "01:10.0 Ethernet controller [0200]: 8086:10ca (rev 01) (VF 1 of "
                             "01:00.0)");
    ck_assert_str_eq(out[5], "01:10.2 Ethernet controller [0200]: 8086:10ca (rev 01) (VF 2 of "
                             "01:00.0)");
    ck_assert_str_eq(out[6], "02:00.0 Non-Volatile memory controller [0108]: 1b36:0010 (rev 02)");

    nout = 0;
    pci_list_print(&funcs[3], 1, true, collect, NULL);
    ck_assert(printed("\tFlags: memory, I/O, IRQ 11 (INTA)")); // command 0x0103
    ck_assert(printed("\tMemory at fa800000 (32-bit, non-prefetchable) [size=128K]"));
    ck_assert(printed("\tI/O ports at c000 [size=32]"));
    ck_assert(printed("\tMemory at fa840000 (64-bit, non-prefetchable) [size=16K]"));
    ck_assert(printed("\tCapabilities: [70] MSI-X: Enable- Count=10 Masked-, table BAR 3 offset "
                      "0, PBA BAR 3 offset 0x2000"));
    ck_assert(printed("\tCapabilities: [160] SR-IOV: VFs 2 (total 8, initial 8), VF Enable+ VF "
                      "MSE+, First VF Offset 0x80, Stride 2, VF Device ID 10ca"));
    ck_assert(printed("\t\tVF BAR0: Memory at 0 (64-bit, prefetchable) [size=16K]"));
    ck_assert(printed("\tCapabilities: [a0] Express (v2) Endpoint, link x1 at gen 1, FLR"));
    ck_assert(printed(""));

    nout = 0;
    pci_list_print(&funcs[1], 1, true, collect, NULL);
    ck_assert(printed("\tBus: primary=00, secondary=01, subordinate=01"));
    ck_assert(printed("\tMemory behind bridge: fa800000-fe7fffff"));
    ck_assert(printed("\tI/O behind bridge: c000-cfff"));
    char buf[16];
    ck_assert_str_eq(pci_class_name(0x0c, 0x99, buf, sizeof(buf)), "Serial bus controller");
    ck_assert_str_eq(pci_class_name(0x42, 0x00, buf, sizeof(buf)), "Class 42");
    ck_assert_ptr_null(pci_cap_name(0x7f, false));
}
END_TEST

// ---- ECAM ----

START_TEST(test_ecam)
{
    // Buses 1 and 2 mapped; everything else reads as absent.
    uint8_t *mem = calloc(2, 1 << 20);
    ck_assert_ptr_nonnull(mem);
    struct pci_ecam e = {mem, 1, 2};
    struct pci_cfg c = pci_ecam_cfg(&e);
    struct pci_bdf b = {2, 3, 4};
    pci_write32(&c, b, 0x100, 0xdeadbeef);
    uint64_t at = (1u << 20) + pci_ecam_offset((struct pci_bdf){0, 3, 4}, 0x100);
    ck_assert_uint_eq(*(uint32_t *)(mem + at), 0xdeadbeef);
    ck_assert_uint_eq(pci_read16(&c, b, 0x102), 0xdead);
    ck_assert_uint_eq(pci_read8(&c, b, 0x100), 0xef);
    pci_write8(&c, b, 0x101, 0x11);
    pci_write16(&c, b, 0x102, 0x2233);
    ck_assert_uint_eq(pci_read32(&c, b, 0x100), 0x223311ef);
    ck_assert_uint_eq(pci_read32(&c, (struct pci_bdf){0, 0, 0}, 0), 0xffffffffu);
    ck_assert_uint_eq(pci_read16(&c, (struct pci_bdf){3, 0, 0}, 0), 0xffff);
    ck_assert_uint_eq(pci_read8(&c, (struct pci_bdf){3, 0, 0}, 0), 0xff);
    pci_write32(&c, (struct pci_bdf){3, 0, 0}, 0, 1); // dropped, not written past the window
    size_t stray = 0;
    for (size_t i = 0; i < (2u << 20); i++)
        stray += mem[i] != 0 && !(i >= at && i < at + 4);
    ck_assert_uint_eq(stray, 0);
    free(mem);
}
END_TEST

// ---- MSI-X tables ----

struct table_model {
    uint32_t words[16 * 4];
    unsigned nlog;
    uint32_t log[64]; // offsets written, in order
};

static uint32_t tm_read32(void *arg, uint32_t off)
{
    struct table_model *t = arg;
    ck_assert_uint_lt(off / 4, 64);
    return t->words[off / 4];
}

static uint64_t tm_read64(void *arg, uint32_t off)
{
    ck_abort_msg("MSI-X table read with 64 bits at %#x", off);
    return 0;
}

static void tm_write32(void *arg, uint32_t off, uint32_t v)
{
    struct table_model *t = arg;
    ck_assert_uint_lt(off / 4, 64);
    t->words[off / 4] = v;
    if (t->nlog < 64)
        t->log[t->nlog++] = off;
}

static void tm_write64(void *arg, uint32_t off, uint64_t v)
{
    ck_abort_msg("MSI-X table written with 64 bits at %#x", off);
}

START_TEST(test_msix_table)
{
    static struct table_model m;
    memset(&m, 0, sizeof(m));
    struct pci_msix_table t = {{tm_read32, tm_read64, tm_write32, tm_write64, &m}, 16};
    ck_assert_uint_eq(pci_msix_set(&t, 3, 0xfee01000, 0x40), SYS_ERR_OK);
    ck_assert_uint_eq(m.log[0], 3 * 16 + 12); // masked before the message changes
    ck_assert_uint_eq(m.words[3 * 4 + 0], 0xfee01000);
    ck_assert_uint_eq(m.words[3 * 4 + 1], 0);
    ck_assert_uint_eq(m.words[3 * 4 + 2], 0x40);
    ck_assert(pci_msix_masked(&t, 3));
    ck_assert_uint_eq(pci_msix_mask(&t, 3, false), SYS_ERR_OK);
    ck_assert(!pci_msix_masked(&t, 3));
    ck_assert_uint_eq(m.words[3 * 4 + 3], 0);
    ck_assert_uint_eq(pci_msix_mask(&t, 3, true), SYS_ERR_OK);
    ck_assert_uint_eq(m.words[3 * 4 + 3], PCI_MSIX_VCTRL_MASKED);
    ck_assert_uint_eq(pci_msix_set(&t, 16, 0, 0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(pci_msix_mask(&t, 16, false), SYS_ERR_INVALID_ARGS);
    ck_assert(!pci_msix_masked(&t, 99));

    // The capability: enable clears the function mask; disable keeps it clear.
    struct pci_msix x;
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x70, &x), SYS_ERR_OK);
    fake_writable(pf, 0x72, 2, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
    fake_set(pf, 0x72, 2, 0x0009 | PCI_MSIX_CTRL_MASKALL);
    pci_msix_enable(&cfg, IGB_PF, &x, true);
    ck_assert_uint_eq(fake_get(pf, 0x72, 2), 0x0009 | PCI_MSIX_CTRL_ENABLE);
    ck_assert(x.enabled && !x.function_mask);
    pci_msix_enable(&cfg, IGB_PF, &x, false);
    ck_assert_uint_eq(fake_get(pf, 0x72, 2), 0x0009);
}
END_TEST

// pci_msix_route: the entry gets the message and is unmasked, MSI-X goes
// on; an entry out of range changes nothing.
START_TEST(test_msix_route)
{
    static struct table_model m;
    memset(&m, 0, sizeof(m));
    struct pci_msix_table t = {{tm_read32, tm_read64, tm_write32, tm_write64, &m}, 4};
    struct pci_msix x;
    ck_assert_uint_eq(pci_msix_read(&cfg, IGB_PF, 0x70, &x), SYS_ERR_OK);
    fake_writable(pf, 0x72, 2, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
    fake_set(pf, 0x72, 2, 0x0009 | PCI_MSIX_CTRL_MASKALL);
    m.words[2 * 4 + 3] = PCI_MSIX_VCTRL_MASKED;
    ck_assert_uint_eq(pci_msix_route(&cfg, IGB_PF, &x, &t, 4, 0xfee00000, 0x31),
                      SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(m.nlog, 0);
    ck_assert_uint_eq(fake_get(pf, 0x72, 2), 0x0009 | PCI_MSIX_CTRL_MASKALL);
    ck_assert_uint_eq(pci_msix_route(&cfg, IGB_PF, &x, &t, 2, 0xfee00000, 0x31), SYS_ERR_OK);
    ck_assert_uint_eq(m.words[2 * 4 + 0], 0xfee00000);
    ck_assert_uint_eq(m.words[2 * 4 + 2], 0x31);
    ck_assert(!pci_msix_masked(&t, 2));
    ck_assert_uint_eq(fake_get(pf, 0x72, 2), 0x0009 | PCI_MSIX_CTRL_ENABLE);
}
END_TEST

static Suite *pci_enum_suite(void)
{
    Suite *s = suite_create("pci_enum");
    TCase *t = tcase_create("enum");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_enumerate_q35);
    tcase_add_test(t, test_enumerate_vfs);
    tcase_add_test(t, test_enumerate_read_only);
    tcase_add_test(t, test_enumerate_bad_bridges);
    tcase_add_test(t, test_enumerate_limits_and_errors);
    tcase_add_test(t, test_lspci);
    tcase_add_test(t, test_ecam);
    tcase_add_test(t, test_msix_table);
    tcase_add_test(t, test_msix_route);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(pci_enum_suite)
