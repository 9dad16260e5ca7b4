/*
 * tests/fuzz/pci.c: the PCI library's capability walks and decoders
 * (drivers/pci: caps.c, sriov.c) on any configuration space.
 *
 * The input is one function's 4 KiB configuration space (shorter inputs
 * are padded with zeros); writes change it as plain memory. Invariants:
 * every access the library makes keeps its contract with the accessor
 * (size 1, 2 or 4, aligned, inside 4 KiB: struct pci_cfg); both walks end,
 * at offsets inside their ranges, each offset once; the decoders' offsets
 * stay in the capability area; SR-IOV counts and VF routing IDs are
 * consistent (VFs after the PF, in order, never colliding) and NumVFs can
 * be set and read back.
 */
#include "fuzz.h"
#include <pci/pci.h>
#include <pci/pci_caps.h>
#include <pci/pci_regs.h>

#define CFG_BYTES 4096

static bool access_ok(uint16_t off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && off % size == 0 && off + size <= CFG_BYTES;
}

static uint32_t cfg_read(void *arg, struct pci_bdf b, uint16_t off, unsigned size)
{
    FUZZ_CHECK(access_ok(off, size), "a %u-byte read at %#x", size, off);
    if (b.bus || b.dev || b.fn)
        return 0xffffffffu; // only the function under test is there
    uint32_t v = 0;
    memcpy(&v, (const uint8_t *)arg + off, size);
    return v;
}

static void cfg_write(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val)
{
    FUZZ_CHECK(access_ok(off, size), "a %u-byte write at %#x", size, off);
    FUZZ_CHECK(!b.bus && !b.dev && !b.fn, "a write to another function");
    memcpy((uint8_t *)arg + off, &val, size);
}

static void check_sriov(const struct pci_cfg *c, struct pci_bdf pf, uint16_t off)
{
    struct pci_sriov s;
    if (err_is_fail(pci_sriov_read(c, pf, off, &s)))
        return;
    FUZZ_CHECK(s.initial_vfs <= s.total_vfs && s.num_vfs <= s.total_vfs,
               "InitialVFs %u NumVFs %u TotalVFs %u", s.initial_vfs, s.num_vfs, s.total_vfs);
    uint32_t last = pci_bdf_rid(pf);
    for (unsigned n = 1; n <= s.num_vfs; n++) {
        struct pci_bdf vf;
        errval_t err = pci_sriov_vf_bdf(&s, pf, n, &vf);
        if (err == SYS_ERR_OVERFLOW)
            break;
        FUZZ_CHECK(err_is_ok(err), "VF %u: %s", n, err_name(err));
        FUZZ_CHECK(pci_bdf_rid(vf) > last, "VF %u's RID %#x not after %#x", n, pci_bdf_rid(vf),
                   last);
        last = pci_bdf_rid(vf);
    }
    if (!(s.control & PCI_SRIOV_CTRL_VFE) && s.total_vfs > 0) {
        uint16_t want = s.total_vfs;
        errval_t err = pci_sriov_set_num_vfs(c, pf, &s, want);
        FUZZ_CHECK(err_is_ok(err) || err == PCI_ERR_BAD_CAP, "set NumVFs: %s", err_name(err));
        if (err_is_ok(err))
            FUZZ_CHECK(s.num_vfs == want, "NumVFs %u after setting %u", s.num_vfs, want);
    }
}

static void decode(const struct pci_cfg *c, struct pci_bdf b, uint16_t id, uint16_t off)
{
    struct pci_msi m;
    struct pci_msix x;
    struct pci_express e;
    switch (id) {
    case PCI_CAP_ID_MSI:
        if (err_is_ok(pci_msi_read(c, b, off, &m)))
            FUZZ_CHECK(m.data_off < 0x100 && m.mask_off < 0x100 && m.pending_off < 0x100 &&
                           m.vectors >= 1 && m.vectors <= 32 && m.enabled_vectors <= 32,
                       "MSI at %#x decoded out of range", off);
        break;
    case PCI_CAP_ID_MSIX:
        if (err_is_ok(pci_msix_read(c, b, off, &x)))
            FUZZ_CHECK(
                x.table_bir <= 5 && x.pba_bir <= 5 && x.table_size >= 1 && x.table_size <= 2048,
                "MSI-X at %#x: BIRs %u %u, %u entries", off, x.table_bir, x.pba_bir, x.table_size);
        break;
    case PCI_CAP_ID_EXPRESS:
        if (err_is_ok(pci_express_read(c, b, off, &e)))
            FUZZ_CHECK(e.version == 1 || e.version == 2, "PCIe version %u", e.version);
        break;
    default: break;
    }
}

static void walk(const struct pci_cfg *c, struct pci_bdf b, bool extended)
{
    struct pci_cap_iter it;
    pci_cap_iter_init(&it, extended);
    bool seen[CFG_BYTES / 4] = {false};
    uint16_t id, off;
    while (err_is_ok(pci_cap_next(c, b, &it, &id, &off))) {
        FUZZ_CHECK(extended ? off >= 0x100 && off <= 0xffc : off >= 0x40 && off <= 0xfc,
                   "a capability at %#x", off);
        FUZZ_CHECK(off % 4 == 0 && !seen[off / 4], "capability offset %#x twice or unaligned", off);
        seen[off / 4] = true;
        if (extended && id == PCI_EXT_CAP_ID_SRIOV)
            check_sriov(c, b, off);
        else if (!extended)
            decode(c, b, id, off);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CFG_BYTES)
        return 0;
    uint8_t *space = calloc(1, CFG_BYTES);
    memcpy(space, data, size);
    struct pci_cfg c = {cfg_read, cfg_write, space};
    struct pci_bdf b = {0, 0, 0};
    walk(&c, b, false);
    walk(&c, b, true);
    uint16_t off;
    if (err_is_ok(pci_cap_find(&c, b, PCI_CAP_ID_MSIX, &off)))
        FUZZ_CHECK(cfg_read(space, b, off, 1) == PCI_CAP_ID_MSIX, "MSI-X found at %#x", off);
    free(space);
    return 0;
}
