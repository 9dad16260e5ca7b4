/* tests/unit/pci/fake_cfg.c: a synthetic PCI configuration space, and q35's igb in it. */
#include "fake_cfg.h"
#include <check.h>
#include <pci/pci_regs.h>
#include <string.h>

static struct fake_fn *lookup(struct fake_pci *p, struct pci_bdf b)
{
    for (unsigned i = 0; i < p->n; i++) {
        struct pci_bdf x = p->fns[i].bdf;
        if (x.bus == b.bus && x.dev == b.dev && x.fn == b.fn)
            return &p->fns[i];
    }
    return NULL;
}

static void check_access(struct pci_bdf b, uint16_t off, unsigned size)
{
    ck_assert_msg(size == 1 || size == 2 || size == 4, "config access of size %u", size);
    ck_assert_msg(off % size == 0, "misaligned config access at %#x size %u", off, size);
    ck_assert_msg(off + size <= 4096, "config access past 4 KiB at %#x", off);
    ck_assert_msg(b.dev < 32 && b.fn < 8, "config access to device %u function %u", b.dev, b.fn);
}

uint32_t fake_get(const struct fake_fn *f, uint16_t off, unsigned size)
{
    uint32_t v = 0;
    memcpy(&v, f->cfg + off, size);
    return v;
}

void fake_set(struct fake_fn *f, uint16_t off, unsigned size, uint32_t val)
{
    memcpy(f->cfg + off, &val, size);
}

void fake_writable(struct fake_fn *f, uint16_t off, unsigned size, uint32_t mask)
{
    memcpy(f->wmask + off, &mask, size);
}

static uint32_t fake_read(void *arg, struct pci_bdf b, uint16_t off, unsigned size)
{
    struct fake_pci *p = arg;
    check_access(b, off, size);
    p->reads++;
    struct fake_fn *f = lookup(p, b);
    if (!f)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return fake_get(f, off, size);
}

// Is a write at off a BAR write while its decoder is live?
static bool decoding(const struct fake_fn *f, uint16_t off)
{
    uint16_t cmd = (uint16_t)fake_get(f, PCI_COMMAND, 2);
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24 && (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)))
        return true;
    uint16_t s = f->sriov_off;
    if (!s || off < s + PCI_SRIOV_VF_BAR0 || off >= s + PCI_SRIOV_VF_BAR0 + 24)
        return false;
    return fake_get(f, s + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_MSE;
}

static void fake_write(void *arg, struct pci_bdf b, uint16_t off, unsigned size, uint32_t val)
{
    struct fake_pci *p = arg;
    check_access(b, off, size);
    p->writes++;
    struct fake_fn *f = lookup(p, b);
    if (!f)
        return;
    if (decoding(f, off))
        p->writes_while_decoding++;
    for (unsigned i = 0; i < size; i++) {
        uint8_t m = f->wmask[off + i], v = (uint8_t)(val >> (8 * i));
        f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (v & m));
    }
    if (f->on_write)
        f->on_write(f, off, size);
}

struct pci_cfg fake_init(struct fake_pci *p)
{
    memset(p, 0, sizeof(*p));
    return (struct pci_cfg){.read = fake_read, .write = fake_write, .arg = p};
}

struct fake_fn *fake_add(struct fake_pci *p, struct pci_bdf b, uint16_t vendor, uint16_t device,
                         uint8_t header_type)
{
    ck_assert_uint_lt(p->n, FAKE_MAX_FNS);
    struct fake_fn *f = &p->fns[p->n++];
    memset(f, 0, sizeof(*f));
    f->bdf = b;
    fake_set(f, PCI_VENDOR_ID, 2, vendor);
    fake_set(f, PCI_DEVICE_ID, 2, device);
    fake_set(f, PCI_HEADER_TYPE, 1, header_type);
    fake_writable(f, PCI_COMMAND, 2,
                  PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                      PCI_COMMAND_INTX_DISABLE);
    return f;
}

void fake_bar(struct fake_fn *f, uint16_t reg, uint64_t size, uint32_t flags, uint64_t addr)
{
    uint64_t mask = ~(size - 1);
    fake_set(f, reg, 4, (uint32_t)(addr & mask) | flags);
    fake_writable(f, reg, 4, (uint32_t)mask & (flags & PCI_BAR_SPACE_IO ? ~3u : ~0xfu));
    if (flags & PCI_BAR_MEM_64) {
        fake_set(f, reg + 4, 4, (uint32_t)((addr & mask) >> 32));
        fake_writable(f, reg + 4, 4, (uint32_t)(mask >> 32));
    }
}

void fake_cap(struct fake_fn *f, uint16_t off, uint8_t id)
{
    fake_set(f, off, 1, id);
    fake_set(f, off + 1, 1, 0);
    if (!(fake_get(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
        fake_set(f, PCI_STATUS, 2, fake_get(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
        fake_set(f, PCI_CAP_PTR, 1, off);
        return;
    }
    uint16_t at = (uint16_t)fake_get(f, PCI_CAP_PTR, 1);
    while (fake_get(f, at + 1, 1))
        at = (uint16_t)fake_get(f, at + 1, 1);
    fake_set(f, at + 1, 1, off);
}

void fake_ext_cap(struct fake_fn *f, uint16_t off, uint16_t id)
{
    fake_set(f, off, 4, (uint32_t)id | 1u << 16);
    if (off == PCI_EXT_CAP_FIRST)
        return;
    uint16_t at = PCI_EXT_CAP_FIRST;
    while (fake_get(f, at, 4) >> 20)
        at = (uint16_t)(fake_get(f, at, 4) >> 20);
    fake_set(f, at, 4, fake_get(f, at, 4) | (uint32_t)off << 20);
}

struct fake_fn *fake_q35_root_port(struct fake_pci *p)
{
    struct fake_fn *f = fake_add(p, IGB_ROOT_PORT, 0x1b36, 0x000c, PCI_HEADER_BRIDGE);
    fake_set(f, PCI_COMMAND, 2, 0x0107);
    fake_set(f, PCI_CLASS, 1, 0x06); // bridge, PCI-to-PCI
    fake_set(f, PCI_SUBCLASS, 1, 0x04);
    fake_bar(f, PCI_BAR0, 0x1000, 0, 0xfea11000);
    fake_set(f, PCI_PRIMARY_BUS, 4, 0x00010100);
    fake_writable(f, PCI_PRIMARY_BUS, 4, 0x00ffffff);
    fake_set(f, PCI_IO_BASE, 2, 0xc0c0); // 16-bit I/O window 0xc000-0xcfff
    fake_writable(f, PCI_IO_BASE, 2, 0xf0f0);
    fake_set(f, PCI_MEM_BASE, 4, 0xfe70fa80); // 0xfa800000-0xfe7fffff
    fake_writable(f, PCI_MEM_BASE, 4, 0xfff0fff0);
    fake_set(f, PCI_PREF_BASE, 4, 0xfa31fa21); // 64-bit, 0xfa200000-0xfa3fffff
    fake_writable(f, PCI_PREF_BASE, 4, 0xfff0fff0);
    fake_writable(f, PCI_PREF_BASE_UPPER, 4, 0xffffffff);
    fake_writable(f, PCI_PREF_LIMIT_UPPER, 4, 0xffffffff);
    fake_cap(f, 0x40, PCI_CAP_ID_SSVID);
    fake_cap(f, 0x48, PCI_CAP_ID_MSIX);
    fake_cap(f, 0x54, PCI_CAP_ID_EXPRESS);
    fake_set(f, 0x56, 2, 0x0142); // version 2, root port, slot implemented
    fake_set(f, 0x58, 4, 0x00008020);
    return f;
}

static void igb_caps(struct fake_fn *f)
{
    fake_cap(f, 0x40, PCI_CAP_ID_PM);
    fake_cap(f, 0x50, PCI_CAP_ID_MSI);
    fake_set(f, 0x52, 2, 0x0180); // 64-bit, per-vector mask, 1 vector
    fake_cap(f, 0x70, PCI_CAP_ID_MSIX);
    fake_set(f, 0x72, 2, 0x0009);     // 10 vectors
    fake_set(f, 0x74, 4, 0x00000003); // table: BAR 3, offset 0
    fake_set(f, 0x78, 4, 0x00002003); // PBA: BAR 3, offset 0x2000
    fake_cap(f, 0xa0, PCI_CAP_ID_EXPRESS);
    fake_set(f, 0xa2, 2, 0x0002);     // version 2, endpoint
    fake_set(f, 0xa4, 4, 0x10008020); // FLR, 128-byte payload
    fake_set(f, 0xac, 4, 0x00000411); // link: 2.5 GT/s, x1
    fake_set(f, 0xb2, 2, 0x0011);
    fake_ext_cap(f, 0x100, PCI_EXT_CAP_ID_AER);
    fake_ext_cap(f, 0x150, PCI_EXT_CAP_ID_ARI);
    fake_ext_cap(f, IGB_SRIOV_OFF, PCI_EXT_CAP_ID_SRIOV);
}

static void igb_sriov(struct fake_fn *f)
{
    uint16_t s = IGB_SRIOV_OFF;
    f->sriov_off = s;
    fake_set(f, s + PCI_SRIOV_INITIAL_VF, 2, 8);
    fake_set(f, s + PCI_SRIOV_TOTAL_VF, 2, 8);
    fake_set(f, s + PCI_SRIOV_VF_OFFSET, 2, 0x80);
    fake_set(f, s + PCI_SRIOV_VF_STRIDE, 2, 2);
    fake_set(f, s + PCI_SRIOV_VF_DID, 2, 0x10ca);
    fake_set(f, s + PCI_SRIOV_SUP_PGSIZE, 4, 0x553);
    fake_set(f, s + PCI_SRIOV_SYS_PGSIZE, 4, 1);
    fake_writable(f, s + PCI_SRIOV_CTRL, 2,
                  PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
    fake_writable(f, s + PCI_SRIOV_NUM_VF, 2, 0xffff);
    fake_writable(f, s + PCI_SRIOV_SYS_PGSIZE, 4, 0xffffffff);
    fake_bar(f, s + PCI_SRIOV_VF_BAR0, 16 * 1024, PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, 0);
    fake_bar(f, s + PCI_SRIOV_VF_BAR0 + 12, 16 * 1024, PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, 0);
}

struct fake_fn *fake_igb_pf(struct fake_pci *p)
{
    struct fake_fn *f = fake_add(p, IGB_PF, 0x8086, 0x10c9, PCI_HEADER_NORMAL);
    fake_set(f, PCI_COMMAND, 2, 0x0103);
    fake_set(f, PCI_REVISION, 1, 1);
    fake_set(f, PCI_CLASS, 1, 0x02); // network, Ethernet
    fake_set(f, PCI_SUBSYS_VENDOR, 4, 0x11001af4);
    fake_set(f, PCI_IRQ_LINE, 2, 0x010b);
    fake_bar(f, PCI_BAR0, 128 * 1024, 0, 0xfa800000);
    fake_bar(f, PCI_BAR0 + 4, 128 * 1024, 0, 0xfa820000); // flash
    fake_bar(f, PCI_BAR0 + 8, 32, PCI_BAR_SPACE_IO, 0xc000);
    fake_bar(f, PCI_BAR0 + 12, 16 * 1024, PCI_BAR_MEM_64, 0xfa840000); // MSI-X
    igb_caps(f);
    igb_sriov(f);
    return f;
}

void fake_igb_vfs(struct fake_pci *p)
{
    for (unsigned n = 1; n <= 8; n++) {
        uint16_t rid = (uint16_t)(0x100 + 0x80 + (n - 1) * 2);
        struct fake_fn *f = fake_add(p, pci_rid_bdf(rid), 0xffff, 0xffff, PCI_HEADER_NORMAL);
        fake_set(f, PCI_CLASS, 1, 0x02);
        fake_set(f, PCI_REVISION, 1, 1);
    }
}
