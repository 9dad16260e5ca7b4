/* drivers/pci/caps.c: walk capability lists safely; decode MSI, MSI-X and PCI Express. */
#include <base/string.h>
#include <pci/pci_caps.h>
#include <pci/pci_regs.h>

#define PCI_CAP_LAST            0xfc  // the last dword a legacy capability can start at
#define PCI_EXT_CAP_LAST        0xffc // likewise for extended capabilities
#define PCI_MSIX_SIZE           12
#define PCI_EXP_SIZE_V1         0x24 // up to Root Status (PCIe 1.x)
#define PCI_EXP_SIZE_V2         0x3c // up to Slot Control 2 / Status 2 (7.5.3)
#define PCI_MSIX_PBA_ENTRY_BITS 64

void pci_cap_iter_init(struct pci_cap_iter *it, bool extended)
{
    memset(it, 0, sizeof(*it));
    it->extended = extended;
}

// Mark dword off visited; true if it already was.
static bool visited(struct pci_cap_iter *it, uint16_t off)
{
    unsigned dw = off >> 2;
    uint64_t bit = 1ull << (dw % 64);
    bool was = it->seen[dw / 64] & bit;
    it->seen[dw / 64] |= bit;
    return was;
}

static void start(const struct pci_cfg *c, struct pci_bdf b, struct pci_cap_iter *it)
{
    it->started = true;
    if (it->extended) {
        // No extended capabilities: 0 (PCIe 7.6.3) or all ones (no ECAM space).
        uint32_t h = pci_read32(c, b, PCI_EXT_CAP_FIRST);
        it->next = h && h != 0xffffffffu ? PCI_EXT_CAP_FIRST : 0;
        return;
    }
    // An absent function reads all ones everywhere; a VF's vendor ID reads
    // 0xFFFF too (PCIe 9.3.4.1.1), but its status register is real.
    uint16_t status = pci_read16(c, b, PCI_STATUS);
    bool present = status != 0xffff;
    it->next = present && (status & PCI_STATUS_CAP_LIST)
                   ? pci_read8(c, b, PCI_CAP_PTR) & PCI_CAP_PTR_MASK
                   : 0;
}

errval_t pci_cap_next(const struct pci_cfg *c, struct pci_bdf b, struct pci_cap_iter *it,
                      uint16_t *id, uint16_t *off)
{
    if (!it->started)
        start(c, b, it);
    uint16_t o = it->next;
    if (!o)
        return SYS_ERR_NOT_FOUND;
    if (it->extended) {
        if (o < PCI_EXT_CAP_FIRST || o > PCI_EXT_CAP_LAST || visited(it, o))
            return PCI_ERR_CAP_LIST;
        uint32_t h = pci_read32(c, b, o);
        if (h == 0xffffffffu) // the function vanished or the chain points at nothing
            return PCI_ERR_CAP_LIST;
        *id = (uint16_t)PCI_EXT_CAP_ID(h);
        it->next = (uint16_t)PCI_EXT_CAP_NEXT(h);
    } else {
        if (o < PCI_CAP_FIRST || o > PCI_CAP_LAST || visited(it, o))
            return PCI_ERR_CAP_LIST;
        *id = pci_read8(c, b, o + PCI_CAP_ID);
        it->next = pci_read8(c, b, o + PCI_CAP_NEXT) & PCI_CAP_PTR_MASK;
    }
    *off = o;
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t find(const struct pci_cfg *c, struct pci_bdf b, bool extended,
                                uint16_t want, uint16_t *off)
{
    struct pci_cap_iter it;
    pci_cap_iter_init(&it, extended);
    for (;;) {
        uint16_t id;
        errval_t err = pci_cap_next(c, b, &it, &id, off);
        if (err_is_fail(err) || id == want)
            return err;
    }
}

errval_t pci_cap_find(const struct pci_cfg *c, struct pci_bdf b, uint8_t id, uint16_t *off)
{
    return find(c, b, false, id, off);
}

errval_t pci_ext_cap_find(const struct pci_cfg *c, struct pci_bdf b, uint16_t id, uint16_t *off)
{
    return find(c, b, true, id, off);
}

// A legacy capability with id at off, size bytes long, inside 0x40..0xff?
static bool legacy_cap_ok(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, uint8_t id,
                          unsigned size)
{
    return off >= PCI_CAP_FIRST && off <= PCI_CAP_LAST && !(off & 3) &&
           off + size <= PCI_CFG_SIZE && pci_read8(c, b, off + PCI_CAP_ID) == id;
}

errval_t pci_msi_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, struct pci_msi *m)
{
    if (!legacy_cap_ok(c, b, off, PCI_CAP_ID_MSI, 4))
        return PCI_ERR_BAD_CAP;
    uint16_t ctrl = pci_read16(c, b, off + PCI_MSI_CONTROL);
    if (PCI_MSI_CTRL_MMC(ctrl) > PCI_MSI_MAX_LOG2 || PCI_MSI_CTRL_MME(ctrl) > PCI_MSI_MAX_LOG2)
        return PCI_ERR_BAD_CAP;
    bool is64 = ctrl & PCI_MSI_CTRL_64BIT, pvm = ctrl & PCI_MSI_CTRL_PVM;
    // The structure ends after Message Data (2 bytes) or the pending bits (4).
    unsigned size = pvm ? (is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32) + 4
                        : (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) + 2;
    if (off + size > PCI_CFG_SIZE)
        return PCI_ERR_BAD_CAP;
    *m = (struct pci_msi){
        .off = off,
        .control = ctrl,
        .enabled = ctrl & PCI_MSI_CTRL_ENABLE,
        .addr64 = is64,
        .per_vector_mask = pvm,
        .vectors = 1u << PCI_MSI_CTRL_MMC(ctrl),
        .enabled_vectors = 1u << PCI_MSI_CTRL_MME(ctrl),
        .data_off = off + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
    };
    if (pvm) {
        m->mask_off = off + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
        m->pending_off = off + (is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
    }
    return SYS_ERR_OK;
}

errval_t pci_msix_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off, struct pci_msix *x)
{
    if (!legacy_cap_ok(c, b, off, PCI_CAP_ID_MSIX, PCI_MSIX_SIZE))
        return PCI_ERR_BAD_CAP;
    uint16_t ctrl = pci_read16(c, b, off + PCI_MSIX_CONTROL);
    uint32_t table = pci_read32(c, b, off + PCI_MSIX_TABLE);
    uint32_t pba = pci_read32(c, b, off + PCI_MSIX_PBA);
    *x = (struct pci_msix){
        .off = off,
        .control = ctrl,
        .enabled = ctrl & PCI_MSIX_CTRL_ENABLE,
        .function_mask = ctrl & PCI_MSIX_CTRL_MASKALL,
        .table_size = PCI_MSIX_CTRL_SIZE(ctrl),
        .table_bir = table & PCI_MSIX_BIR_MASK,
        .table_offset = table & PCI_MSIX_OFFSET_MASK,
        .pba_bir = pba & PCI_MSIX_BIR_MASK,
        .pba_offset = pba & PCI_MSIX_OFFSET_MASK,
    };
    if (x->table_bir >= PCI_NBARS_NORMAL || x->pba_bir >= PCI_NBARS_NORMAL)
        return PCI_ERR_BAD_CAP; // BIR values 6 and 7 are reserved
    return SYS_ERR_OK;
}

// Does [off, off + len) lie inside memory BAR bir?
static bool in_bar(const struct pci_bar bars[6], uint8_t bir, uint64_t off, uint64_t len)
{
    const struct pci_bar *bar = &bars[bir];
    bool mem = bar->type == PCI_BAR_MEM32 || bar->type == PCI_BAR_MEM64;
    return mem && off + len <= bar->size;
}

errval_t pci_msix_check_bars(const struct pci_msix *x, const struct pci_bar bars[6])
{
    uint64_t table_len = (uint64_t)x->table_size * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_len = (x->table_size + PCI_MSIX_PBA_ENTRY_BITS - 1) / PCI_MSIX_PBA_ENTRY_BITS * 8;
    if (x->table_bir >= PCI_NBARS_NORMAL || x->pba_bir >= PCI_NBARS_NORMAL ||
        !in_bar(bars, x->table_bir, x->table_offset, table_len) ||
        !in_bar(bars, x->pba_bir, x->pba_offset, pba_len))
        return PCI_ERR_BAD_CAP;
    return SYS_ERR_OK;
}

errval_t pci_express_read(const struct pci_cfg *c, struct pci_bdf b, uint16_t off,
                          struct pci_express *e)
{
    if (!legacy_cap_ok(c, b, off, PCI_CAP_ID_EXPRESS, 4))
        return PCI_ERR_BAD_CAP;
    uint16_t flags = pci_read16(c, b, off + PCI_EXP_FLAGS);
    unsigned version = PCI_EXP_FLAGS_VERS(flags);
    if (version < 1 || version > 2 ||
        off + (version == 2 ? PCI_EXP_SIZE_V2 : PCI_EXP_SIZE_V1) > PCI_CFG_SIZE)
        return PCI_ERR_BAD_CAP;
    uint32_t devcap = pci_read32(c, b, off + PCI_EXP_DEVCAP);
    if (PCI_EXP_DEVCAP_PAYLOAD(devcap) > 5) // 6 and 7 are reserved
        return PCI_ERR_BAD_CAP;
    *e = (struct pci_express){
        .off = off,
        .version = (uint8_t)version,
        .port_type = (uint8_t)PCI_EXP_FLAGS_TYPE(flags),
        .slot = flags & PCI_EXP_FLAGS_SLOT,
        .irq_msg = (uint8_t)PCI_EXP_FLAGS_IRQ(flags),
        .devcap = devcap,
        .max_payload = 128u << PCI_EXP_DEVCAP_PAYLOAD(devcap),
        .flr = devcap & PCI_EXP_DEVCAP_FLR,
    };
    e->has_link = e->port_type != PCI_EXP_TYPE_RC_EP && e->port_type != PCI_EXP_TYPE_RC_EC;
    if (e->has_link) {
        uint32_t lnkcap = pci_read32(c, b, off + PCI_EXP_LNKCAP);
        uint16_t lnksta = pci_read16(c, b, off + PCI_EXP_LNKSTA);
        e->link_speed_max = (uint8_t)PCI_EXP_LNK_SPEED(lnkcap);
        e->link_width_max = (uint8_t)PCI_EXP_LNK_WIDTH(lnkcap);
        e->link_speed = (uint8_t)PCI_EXP_LNK_SPEED(lnksta);
        e->link_width = (uint8_t)PCI_EXP_LNK_WIDTH(lnksta);
    }
    if (version == 2)
        e->ari_forwarding = pci_read32(c, b, off + PCI_EXP_DEVCAP2) & PCI_EXP_DEVCAP2_ARI;
    return SYS_ERR_OK;
}
