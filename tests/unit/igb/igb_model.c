/* tests/unit/igb/igb_model.c: a model of QEMU 10's igb (82576) PF and VFs for the driver tests. */
#include "igb_model.h"
#include <check.h>
#include <string.h>

#define R(off)           (m->r[(off) / 4])
#define BIT(n)           (1u << (n))
#define VTIVAR(vf)       (0x11700 + 4 * (vf)) // QEMU's invented PF offsets for the VFs' IVARs
#define VTIVAR_MISC(vf)  (0x11720 + 4 * (vf))
#define PVTEICS(vf)      (0x10020 + 0x100 * (vf))
#define PVTEIMS(vf)      (0x10024 + 0x100 * (vf))
#define PVTEIAC(vf)      (0x1002c + 0x100 * (vf))
#define PVTEIAM(vf)      (0x10030 + 0x100 * (vf))
#define PVTEICR(vf)      (0x10080 + 0x100 * (vf))
#define V2PMAILBOX(vf)   (0x00c40 + 4 * (vf))
#define EICR_MSIX_MASK   0x01ffffffu
#define EICR_LEGACY_MASK 0x4000ffffu
#define ICR_VMMB         BIT(8)
#define ICR_DRSTA        BIT(30)
#define ETH_HLEN         14
#define VLAN_TPID        0x8100

static void reset(struct igb_model *m)
{
    memset(m->r, 0, sizeof(m->r));
    R(IGB_CTRL) = IGB_CTRL_FD | BIT(3) | BIT(9) | BIT(20); // FD, LRST, 1000, ADVD3WUC
    R(IGB_STATUS) = BIT(10) | BIT(31);                     // PHYRA: link down until autoneg
    R(IGB_RXDCTL(0)) = IGB_RXDCTL_ENABLE;
    R(IGB_TXDCTL(0)) = IGB_TXDCTL_ENABLE;
    R(IGB_RXCSUM) = BIT(8) | BIT(9);
    R(IGB_RLPML) = 0x2600;
    R(0x38) = VLAN_TPID | (uint32_t)VLAN_TPID << 16; // VET
    for (unsigned v = 0; v < 8; v++) {
        R(V2PMAILBOX(v)) = IGB_V2P_RSTI;
        R(IGB_VMOLR(v)) = 0x2600 | IGB_VMOLR_STRCRC;
    }
    R(IGB_MBVFIMR) = R(IGB_VFRE) = R(IGB_VFTE) = 0xff;
    const uint8_t *a = m->perm_mac;
    R(IGB_RAL(0)) = a[0] | a[1] << 8 | a[2] << 16 | (uint32_t)a[3] << 24;
    R(IGB_RAH(0)) = a[4] | a[5] << 8 | IGB_RAH_AV;
    memset(m->phy, 0, sizeof(m->phy));
    m->phy[IGB_PHY_BMCR] = IGB_BMCR_SPEED1000 | IGB_BMCR_FD | IGB_BMCR_AUTOEN;
    m->phy[IGB_PHY_BMSR] = 0x7949 | IGB_BMSR_LINK; // capabilities, link, no AN complete
    m->phy[2] = 0x02a8;
    m->autoneg_done_at = 0;
    m->resets++;
}

void igbm_init(struct igb_model *m, const uint8_t mac[6])
{
    memset(m, 0, sizeof(*m));
    memcpy(m->perm_mac, mac, 6);
    m->clock_step_us = 100;
    for (unsigned v = 0; v < 8; v++)
        m->port[v] = (struct igbm_port){m, v};
    reset(m);
    m->resets = 0;
}

uint32_t igbm_reg(const struct igb_model *m, uint32_t off) { return R(off); }

static void autoneg_tick(struct igb_model *m)
{
    if (m->autoneg_done_at && m->now_us >= m->autoneg_done_at) {
        m->autoneg_done_at = 0;
        R(IGB_STATUS) |= IGB_STATUS_LU;
        m->phy[IGB_PHY_BMSR] |= IGB_BMSR_AN_COMPLETE | IGB_BMSR_LINK;
    }
}

uint64_t igbm_clock(void *arg)
{
    struct igb_model *m = arg;
    m->now_us += m->clock_step_us;
    autoneg_tick(m);
    return m->now_us;
}

struct igbm_dma igbm_pages(struct igb_model *m, unsigned first, unsigned n)
{
    ck_assert_uint_le(first + n, IGBM_PAGES);
    return (struct igbm_dma){m->mem[first], IGBM_IOVA_BASE + first * 4096ull, n * 4096ull};
}

void *igbm_va(struct igb_model *m, uint64_t iova, size_t len)
{
    ck_assert_msg(iova >= IGBM_IOVA_BASE && iova + len <= IGBM_IOVA_BASE + sizeof(m->mem),
                  "device DMA to %#llx+%zu, outside the arena", (unsigned long long)iova, len);
    return (uint8_t *)m->mem + (iova - IGBM_IOVA_BASE);
}

/* ---- Interrupts: igb_raise_interrupts in MSI-X mode, igb_msix_notify ---- */

static bool msix_mode(const struct igb_model *m) { return R(IGB_GPIE) & IGB_GPIE_MSIX_MODE; }

static void raise_eicr(struct igb_model *m, uint32_t off, uint32_t causes)
{
    uint32_t old = R(IGB_EICR) & R(IGB_EIMS);
    R(off) |= causes;
    if (!msix_mode(m))
        return; // the drivers never use the PF's legacy interrupt
    uint32_t raised = R(IGB_EICR) & R(IGB_EIMS) & ~old;
    for (unsigned c = 0; c < 25; c++) {
        if (!(raised & BIT(c)))
            continue;
        unsigned vfn = 8 - (c + 2) / 3;
        if (vfn < m->num_vfs)
            m->msix[vfn][(c + 2) % 3]++;
        else if (c < IGBM_PF_VECTORS)
            m->pf_msix[c]++;
        R(IGB_EICR) &= ~(R(IGB_EIAC) & BIT(c));
    }
}

// ICR (or IMS) gains causes: in MSI-X mode a newly pending, unmasked
// cause other than DRSTA sets the EICR bit IVAR_MISC's "other" entry names.
static void raise_icr(struct igb_model *m, uint32_t off, uint32_t causes)
{
    uint32_t old = R(IGB_ICR) & R(IGB_IMS);
    R(off) |= causes;
    uint32_t raised = R(IGB_ICR) & R(IGB_IMS) & ~old & ~ICR_DRSTA;
    uint32_t ent = (R(IGB_IVAR_MISC) >> 8) & 0xff;
    if (msix_mode(m) && raised && (ent & IGB_IVAR_VALID))
        raise_eicr(m, IGB_EICR, BIT(ent & 0x1f));
}

static uint32_t eicr_mask(const struct igb_model *m)
{
    return msix_mode(m) ? EICR_MSIX_MASK : EICR_LEGACY_MASK;
}

static uint32_t vf_shift(unsigned vf, uint32_t val) { return (val & 7) << (22 - vf * 3); }

static unsigned ivar_entry(unsigned q, bool tx) { return (q < 8 ? q * 4 : (q - 8) * 4 + 2) + tx; }

static uint32_t queue_eic(const struct igb_model *m, unsigned q, bool tx)
{
    unsigned n = ivar_entry(q, tx);
    uint32_t ent = (R(IGB_IVAR0 + 4 * (n / 4)) >> (8 * (n % 4))) & 0xff;
    return (ent & IGB_IVAR_VALID) ? BIT(ent & 0x1f) : 0;
}

static void set_vtivar(struct igb_model *m, unsigned vf, uint32_t val)
{
    R(VTIVAR(vf)) = val;
    for (unsigned tx = 0; tx < 2; tx++) {
        uint32_t ent = (val >> (8 * tx)) & 0xff;
        if (!(ent & IGB_IVAR_VALID))
            continue;
        unsigned n = ivar_entry(vf, tx);
        ent = IGB_IVAR_VALID | (24 - vf * 3 - (2 - (ent & 7)));
        R(IGB_IVAR0 + 4 * (n / 4)) |= ent << (8 * (n % 4)); // QEMU only ever ORs
    }
}

/* ---- Mailbox and VF reset (igb_set_pfmailbox, igb_set_vfmailbox, igb_core_vf_reset) ---- */

static void set_pfmailbox(struct igb_model *m, unsigned vf, uint32_t val)
{
    if (val & IGB_P2V_STS)
        R(V2PMAILBOX(vf)) |= IGB_V2P_PFSTS;
    if (val & IGB_P2V_ACK)
        R(V2PMAILBOX(vf)) |= IGB_V2P_PFACK;
    if (val & IGB_P2V_PFU) {
        if (!(R(IGB_P2VMAILBOX(vf)) & IGB_P2V_VFU)) {
            R(IGB_P2VMAILBOX(vf)) |= IGB_P2V_PFU;
            R(V2PMAILBOX(vf)) |= IGB_V2P_PFU;
        }
    } else {
        R(IGB_P2VMAILBOX(vf)) &= ~IGB_P2V_PFU;
        R(V2PMAILBOX(vf)) &= ~IGB_V2P_PFU;
    }
    if (val & IGB_P2V_RVFU) {
        R(V2PMAILBOX(vf)) &= ~IGB_V2P_VFU;
        R(IGB_MBVFICR) &= ~(IGB_MBVFICR_VFACK(vf) | IGB_MBVFICR_VFREQ(vf));
    }
}

static void set_vfmailbox(struct igb_model *m, unsigned vf, uint32_t val)
{
    if (val & IGB_V2P_REQ) {
        R(IGB_MBVFICR) |= IGB_MBVFICR_VFREQ(vf);
        raise_icr(m, IGB_ICR, ICR_VMMB);
    }
    if (val & IGB_V2P_ACK) {
        R(IGB_MBVFICR) |= IGB_MBVFICR_VFACK(vf);
        raise_icr(m, IGB_ICR, ICR_VMMB);
    }
    if (val & IGB_V2P_VFU) {
        if (!(R(V2PMAILBOX(vf)) & IGB_V2P_PFU)) {
            R(V2PMAILBOX(vf)) |= IGB_V2P_VFU;
            R(IGB_P2VMAILBOX(vf)) |= IGB_P2V_VFU;
        }
    } else {
        R(V2PMAILBOX(vf)) &= ~IGB_V2P_VFU;
        R(IGB_P2VMAILBOX(vf)) &= ~IGB_P2V_VFU;
    }
}

static void vf_reset(struct igb_model *m, unsigned vf)
{
    R(IGB_RXDCTL(vf)) &= ~IGB_RXDCTL_ENABLE;
    R(IGB_RXDCTL(vf + 8)) &= ~IGB_RXDCTL_ENABLE;
    R(IGB_TXDCTL(vf)) &= ~IGB_TXDCTL_ENABLE;
    R(IGB_TXDCTL(vf + 8)) &= ~IGB_TXDCTL_ENABLE;
    R(IGB_VFRE) &= ~BIT(vf);
    R(IGB_VFTE) &= ~BIT(vf);
    R(IGB_VFLRE) |= BIT(vf);
    raise_icr(m, IGB_ICR, ICR_VMMB); // VFLRE and the mailbox share the cause
}

/* ---- PHY (igb_set_mdic) ---- */

static void set_mdic(struct igb_model *m, uint32_t val)
{
    unsigned reg = (val >> 16) & 31, phy = (val >> 21) & 31;
    if (m->mdic_never_ready) {
        R(IGB_MDIC) = val & ~IGB_MDIC_READY;
        return;
    }
    if (phy != IGB_PHY_ADDR || m->mdic_error) {
        val |= IGB_MDIC_ERROR;
    } else if (val & IGB_MDIC_OP_READ) {
        val = (val & ~0xffffu) | m->phy[reg];
    } else if (val & IGB_MDIC_OP_WRITE) {
        uint16_t data = (uint16_t)val;
        if (reg == IGB_PHY_BMCR) {
            m->phy[reg] = data & ~(0x3f | BIT(15) | IGB_BMCR_ANRESTART);
            if ((data & IGB_BMCR_ANRESTART) && (data & IGB_BMCR_AUTOEN)) {
                R(IGB_STATUS) &= ~IGB_STATUS_LU; // e1000x_restart_autoneg: down, then 500 ms
                m->phy[IGB_PHY_BMSR] &= ~(IGB_BMSR_AN_COMPLETE | IGB_BMSR_LINK);
                m->autoneg_done_at = m->now_us + 500000;
            }
        } else {
            m->phy[reg] = data;
        }
    }
    R(IGB_MDIC) = val | IGB_MDIC_READY;
}

/* ---- Receive (igb_receive_internal, igb_receive_assign, igb_write_packet_to_guest) ---- */

static bool mac_eq(const uint8_t *a, const uint8_t *b) { return !memcmp(a, b, 6); }

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t ra_pools(struct igb_model *m, const uint8_t *dst)
{
    uint32_t pools = 0;
    for (unsigned i = 0; i < IGB_RA_ENTRIES; i++) {
        uint32_t lo = R(IGB_RAL(i)), hi = R(IGB_RAH(i));
        uint8_t a[6] = {lo, lo >> 8, lo >> 16, lo >> 24, hi, hi >> 8};
        if ((hi & IGB_RAH_AV) && mac_eq(a, dst))
            pools |= (hi & IGB_RAH_POOL_MASK) >> 18;
    }
    return pools;
}

// Does a valid receive address match dst (whatever its pool bits)?
static bool ra_match(struct igb_model *m, const uint8_t *dst)
{
    for (unsigned i = 0; i < IGB_RA_ENTRIES; i++) {
        uint32_t lo = R(IGB_RAL(i)), hi = R(IGB_RAH(i));
        uint8_t a[6] = {lo, lo >> 8, lo >> 16, lo >> 24, hi, hi >> 8};
        if ((hi & IGB_RAH_AV) && mac_eq(a, dst))
            return true;
    }
    return false;
}

static bool oversized(size_t len, unsigned vlans, bool lpe, uint32_t rlpml)
{
    return lpe ? len + 4 > rlpml : len > ETH_HLEN + 4 * vlans + 1500;
}

// Which pools take the frame (VMDq mode); *external: also for the wire.
static uint32_t assign(struct igb_model *m, const uint8_t *f, size_t len, bool *external)
{
    bool looped = external != NULL,
         bcast = mac_eq(f, (const uint8_t[6]){255, 255, 255, 255, 255, 255});
    unsigned vlans = be16(f + 12) == VLAN_TPID;
    uint16_t vid = vlans ? be16(f + 14) & 0xfff : 0;
    uint32_t rctl = R(IGB_RCTL), q = 0;
    if (!(rctl & IGB_RCTL_SBP) && oversized(len, vlans, rctl & IGB_RCTL_LPE, R(IGB_RLPML)))
        return 0;
    if (vlans && (rctl & IGB_RCTL_VFE) && !(R(IGB_VFTA(vid >> 5)) & BIT(vid & 31)))
        return 0;
    if (bcast) {
        for (unsigned p = 0; p < 8; p++)
            q |= (R(IGB_VMOLR(p)) & IGB_VMOLR_BAM) ? BIT(p) : 0;
    } else {
        q = ra_pools(m, f);
        if (q && !(f[0] & 1) && looped)
            *external = false;
    }
    if (rctl & IGB_RCTL_VFE) {
        uint32_t mask = 0;
        for (unsigned i = 0; vlans && i < IGB_VLVF_ENTRIES; i++) {
            uint32_t e = R(IGB_VLVF(i));
            if ((e & IGB_VLVF_ENABLE) && IGB_VLVF_VID(e) == vid)
                mask |= (e & IGB_VLVF_POOL_MASK) >> 12;
        }
        for (unsigned p = 0; !vlans && p < 8; p++)
            mask |= (R(IGB_VMOLR(p)) & IGB_VMOLR_AUPE) ? BIT(p) : 0;
        q &= mask;
    }
    if (!(f[0] & 1) && !q && !looped && !(R(IGB_VT_CTL) & IGB_VT_CTL_DIS_DEF_POOL))
        q = BIT((R(IGB_VT_CTL) >> 7) & 7);
    q &= R(IGB_VFRE);
    uint32_t over = 0;
    for (unsigned p = 0; p < 8; p++) {
        uint32_t vmolr = R(IGB_VMOLR(p));
        if ((q & BIT(p)) && oversized(len, vlans, vmolr & IGB_VMOLR_LPE, vmolr & 0x3fff))
            over |= BIT(p);
    }
    if (q && over == q)
        m->roc++;
    return q & ~over;
}

static uint32_t ring_free(struct igb_model *m, unsigned q)
{
    uint32_t h = R(IGB_RDH(q)), t = R(IGB_RDT(q)), n = R(IGB_RDLEN(q)) / 16;
    return h <= t ? t - h : n + t - h;
}

static uint64_t ring_base(struct igb_model *m, uint32_t bal, uint32_t bah)
{
    return (uint64_t)R(bah) << 32 | R(bal);
}

// Write frame f (len bytes, plus 4 of FCS unless stripped) into queue q's
// buffers, a descriptor per buffer.
static void write_frame(struct igb_model *m, unsigned q, const uint8_t *f, size_t len,
                        uint16_t vlan, bool vp)
{
    uint32_t bsize = (R(IGB_SRRCTL(q)) & 0x7f) * 1024;
    bsize = bsize ? bsize : 2048;
    size_t total = len + ((R(IGB_RCTL) & IGB_RCTL_SECRC) ? 0 : 4), off = 0;
    uint64_t base = ring_base(m, IGB_RDBAL(q), IGB_RDBAH(q));
    do {
        union igb_rx_desc *d = igbm_va(m, base + 16 * R(IGB_RDH(q)), 16);
        size_t chunk = total - off < bsize ? total - off : bsize;
        uint8_t *buf = igbm_va(m, d->read.pkt_addr, chunk);
        for (size_t i = 0; i < chunk; i++)
            buf[i] = off + i < len ? f[off + i] : 0; // the "FCS" is zeros, as in QEMU
        off += chunk;
        bool last = off >= total;
        memset(d, 0, sizeof(*d));
        d->wb.length = (uint16_t)chunk;
        d->wb.vlan = vlan;
        d->wb.status_error =
            IGB_RXD_STAT_DD | (last ? IGB_RXD_STAT_EOP | m->rx_error_bits | m->rx_csum_bits |
                                          (vp ? IGB_RXD_STAT_VP : 0)
                                    : 0);
        R(IGB_RDH(q)) = (R(IGB_RDH(q)) + 1) % (R(IGB_RDLEN(q)) / 16);
    } while (off < total);
}

static void deliver(struct igb_model *m, unsigned q, const uint8_t *f, size_t len)
{
    uint8_t copy[IGBM_FRAME + 4];
    uint16_t vlan = 0;
    bool vp = false;
    if (be16(f + 12) == VLAN_TPID && (R(IGB_VMOLR(q % 8)) & IGB_VMOLR_STRVLAN)) {
        vlan = be16(f + 14);
        vp = true;
        memcpy(copy, f, 12);
        memcpy(copy + 12, f + 16, len - 16);
        f = copy;
        len -= 4;
    }
    size_t total = len + ((R(IGB_RCTL) & IGB_RCTL_SECRC) ? 0 : 4);
    uint32_t bsize = (R(IGB_SRRCTL(q)) & 0x7f) * 1024;
    if (R(IGB_RDLEN(q)) == 0 || total > ring_free(m, q) * (bsize ? bsize : 2048)) {
        m->rx_no_buffer++;
        return;
    }
    write_frame(m, q, f, len, vlan, vp);
    m->rx_queue[q]++;
    if (R(IGB_MRQC) & 1) { // QEMU keeps the pools' counters in VMDq mode only
        R(IGB_PVFGPRC(q % 8))++;
        R(IGB_PVFGORC(q % 8)) += (uint32_t)len + 4;
        if ((f[0] & 1) && !mac_eq(f, (const uint8_t[6]){255, 255, 255, 255, 255, 255}))
            R(IGB_PVFMPRC(q % 8))++;
    }
    raise_eicr(m, IGB_EICR, queue_eic(m, q, false));
}

/* ---- RSS (igb_rss_enabled, igb_rss_parse_packet, igb_receive_assign) ---- */

// Toeplitz hash of in[0..n) under the 40-byte key in RSSRK (its bytes in
// memory order, as QEMU reads the registers).
static uint32_t toeplitz(struct igb_model *m, const uint8_t *in, size_t n)
{
    const uint8_t *key = (const uint8_t *)&R(IGB_RSSRK(0));
    uint32_t h = 0, window = (uint32_t)key[0] << 24 | key[1] << 16 | key[2] << 8 | key[3];
    for (size_t i = 0; i < n; i++) {
        for (int b = 7; b >= 0; b--) {
            if (in[i] & (1u << b))
                h ^= window;
            window = window << 1 | ((key[i + 4] >> b) & 1);
        }
    }
    return h;
}

// The frame's RSS hash, or false if it has no hash type MRQC enables
// (only IPv4 is modelled: the drivers hash nothing else).
static bool rss_hash(struct igb_model *m, const uint8_t *f, size_t len, uint32_t *hash)
{
    uint32_t mrqc = R(IGB_MRQC);
    if (len < 34 || be16(f + 12) != 0x0800 || !(R(IGB_RXCSUM) & IGB_RXCSUM_PCSD))
        return false;
    size_t ihl = (f[14] & 15) * 4u;
    uint8_t in[12];
    memcpy(in, f + 26, 8); // source and destination address
    bool tcp = f[23] == 6 && (mrqc & IGB_MRQC_FIELD_IPV4_TCP);
    bool udp = f[23] == 17 && (mrqc & IGB_MRQC_FIELD_IPV4_UDP);
    if ((tcp || udp) && len >= 14 + ihl + 4) {
        memcpy(in + 8, f + 14 + ihl, 4); // source and destination port
        *hash = toeplitz(m, in, 12);
        return true;
    }
    if (!(mrqc & IGB_MRQC_FIELD_IPV4))
        return false;
    *hash = toeplitz(m, in, 8);
    return true;
}

static uint8_t reta(struct igb_model *m, uint32_t hash)
{
    return ((const uint8_t *)&R(IGB_RETA(0)))[hash & 127];
}

// RSS without VMDq (MRQC 1:0 = 10b): a frame the receive addresses (or
// broadcast) accept goes to queue RETA[hash] & 15, without a hash to 0.
static uint32_t rss_only_queues(struct igb_model *m, const uint8_t *f, size_t len)
{
    bool bcast = mac_eq(f, (const uint8_t[6]){255, 255, 255, 255, 255, 255});
    if (bcast ? !(R(IGB_RCTL) & IGB_RCTL_BAM) : !ra_match(m, f))
        return 0;
    uint32_t hash;
    return BIT(rss_hash(m, f, len, &hash) ? reta(m, hash) & 15 : 0);
}

// VMDq + RSS as the datasheet has it (board only: QEMU never hashes in
// VMDq mode): a pool with VMOLR.RSSE takes its second queue when the
// entry's bit 3 is set.
static uint32_t pool_rss(struct igb_model *m, uint32_t pools, const uint8_t *f, size_t len)
{
    uint32_t hash;
    if (!m->board || (R(IGB_MRQC) & 7) != IGB_MRQC_VMDQ_RSS || !rss_hash(m, f, len, &hash) ||
        !(reta(m, hash) & IGB_RETA_POOL_Q1))
        return pools;
    for (unsigned p = 0; p < 8; p++) {
        if ((pools & BIT(p)) && (R(IGB_VMOLR(p)) & IGB_VMOLR_RSSE))
            pools = (pools & ~BIT(p)) | BIT(p + 8);
    }
    return pools;
}

static void receive(struct igb_model *m, const uint8_t *frame, size_t len, bool *external)
{
    uint8_t f[IGBM_FRAME];
    if (external)
        *external = true;
    if (!(R(IGB_STATUS) & IGB_STATUS_LU) || !(R(IGB_RCTL) & IGB_RCTL_EN) || len > sizeof(f))
        return;
    memset(f, 0, sizeof(f));
    memcpy(f, frame, len);
    len = len < 60 ? 60 : len; // padded to the minimum frame, as QEMU does
    uint32_t queues = (R(IGB_MRQC) & 1) ? pool_rss(m, assign(m, f, len, external), f, len)
                      : (R(IGB_MRQC) & 3) == IGB_MRQC_RSS ? rss_only_queues(m, f, len)
                                                          : 0;
    for (unsigned q = 0; q < IGB_QUEUES; q++) {
        if ((queues & BIT(q)) && (R(IGB_RXDCTL(q)) & IGB_RXDCTL_ENABLE))
            deliver(m, q, f, len);
    }
}

void igbm_receive(struct igb_model *m, const uint8_t *frame, size_t len)
{
    receive(m, frame, len, NULL);
}

/* ---- Transmit (igb_start_xmit, igb_process_tx_desc, igb_tx_pkt_switch) ---- */

static void to_wire(struct igb_model *m, const uint8_t *f, size_t len)
{
    ck_assert_uint_lt(m->nwire, IGBM_WIRE);
    memcpy(m->wire[m->nwire].data, f, len);
    m->wire[m->nwire++].len = (uint16_t)len;
}

// A board's MAC anti-spoofing: is f's source address one of pool's?
static bool source_ok(struct igb_model *m, unsigned pool, const uint8_t *f)
{
    if (!m->board || !(R(IGB_MRQC) & 1) || !(R(IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(pool)))
        return true;
    for (unsigned i = 0; i < 16; i++) {
        uint32_t rah = R(IGB_RAH(i)), ral = R(IGB_RAL(i));
        const uint8_t a[6] = {(uint8_t)ral,         (uint8_t)(ral >> 8), (uint8_t)(ral >> 16),
                              (uint8_t)(ral >> 24), (uint8_t)rah,        (uint8_t)(rah >> 8)};
        if ((rah & IGB_RAH_AV) && (rah & IGB_RAH_POOL(pool)) && mac_eq(f + 6, a))
            return true;
    }
    R(IGB_WVBR) |= IGB_WVBR_MAC(pool);
    m->spoofed++;
    return false;
}

static void send(struct igb_model *m, unsigned q, uint8_t *f, size_t len)
{
    if (!source_ok(m, q % 8, f))
        return;
    uint32_t vmvir = R(IGB_VMVIR(q % 8));
    if ((R(IGB_MRQC) & 1) && (vmvir & IGB_VMVIR_DEFAULT) && len + 4 <= IGBM_FRAME) {
        memmove(f + 16, f + 12, len - 12); // insert the pool's VLAN tag
        f[12] = VLAN_TPID >> 8;
        f[13] = VLAN_TPID & 0xff;
        f[14] = (uint8_t)(vmvir >> 8);
        f[15] = (uint8_t)vmvir;
        len += 4;
    }
    R(IGB_PVFGPTC(q % 8))++;
    R(IGB_PVFGOTC(q % 8)) += (uint32_t)len + 4;
    bool external = true;
    if ((R(IGB_MRQC) & 1) && (R(IGB_DTXSWC) & IGB_DTXSWC_LOOPBACK))
        receive(m, f, len, &external);
    if (external)
        to_wire(m, f, len);
}

static bool tx_enabled(struct igb_model *m, unsigned q)
{
    return (R(IGB_TCTL) & IGB_TCTL_EN) && (!(R(IGB_MRQC) & 1) || (R(IGB_VFTE) & BIT(q % 8))) &&
           (R(IGB_TXDCTL(q)) & IGB_TXDCTL_ENABLE);
}

static void start_xmit(struct igb_model *m, unsigned q)
{
    static uint8_t pkt[IGBM_FRAME + 4];
    size_t len = 0;
    uint32_t n = R(IGB_TDLEN(q)) / 16, eic = 0;
    if (!tx_enabled(m, q))
        return;
    uint64_t base = ring_base(m, IGB_TDBAL(q), IGB_TDBAH(q));
    while (R(IGB_TDH(q)) != R(IGB_TDT(q)) && R(IGB_TDT(q)) < n) {
        union igb_tx_desc *d = igbm_va(m, base + 16 * R(IGB_TDH(q)), 16);
        uint32_t cmd = d->read.cmd_type_len, blen = cmd & 0xffff;
        if ((cmd & IGB_TXD_CMD_DEXT) && (cmd & IGB_TXD_DTYP_DATA) == IGB_TXD_DTYP_DATA) {
            if (len + blen <= IGBM_FRAME)
                memcpy(pkt + len, igbm_va(m, d->read.buffer_addr, blen), blen);
            len += blen;
            if (cmd & IGB_TXD_CMD_EOP) {
                if (len <= IGBM_FRAME && len >= ETH_HLEN)
                    send(m, q, pkt, len);
                len = 0;
            }
        }
        R(IGB_TDH(q)) = (R(IGB_TDH(q)) + 1) % n;
        if (cmd & IGB_TXD_CMD_RS) {
            d->wb.status |= IGB_TXD_STAT_DD;
            eic |= queue_eic(m, q, true);
        }
    }
    raise_eicr(m, IGB_EICR, eic);
}

/* ---- Register access ---- */

static uint32_t pf_read(void *arg, uint32_t off)
{
    struct igb_model *m = arg;
    ck_assert_msg(off % 4 == 0 && off < 0x20000, "PF read of %#x", off);
    if (m->gone)
        return 0xffffffffu;
    if (off >= IGBM_REGS * 4) {
        m->bad_accesses++;
        return 0;
    }
    uint32_t v = R(off);
    if (off == IGB_STATUS) {
        autoneg_tick(m);
        v = R(off) | IGB_STATUS_FD | IGB_STATUS_SPEED_1000;
        if (m->num_vfs)
            v |= m->num_vfs << 14 | IGB_STATUS_IOV_MODE;
    } else if (off == IGB_ICR || off == IGB_EICR || (off >= 0x10080 && off % 0x100 == 0x80)) {
        R(off) = 0; // read to clear (the VFs' EICR mirrors too: they hold what was written)
    } else if (off >= V2PMAILBOX(0) && off < V2PMAILBOX(8)) {
        R(off) &= ~IGB_V2P_R2C;
    } else if (off == IGB_WVBR) {
        m->bad_accesses += !m->board; // not a register QEMU has
        R(off) = 0;
    } else if (off == IGB_RTTDQSEL || off == IGB_RTTBCNRC) {
        m->bad_accesses++; // write only
    }
    return v;
}

static bool pf_write_vf_regs(struct igb_model *m, uint32_t off, uint32_t v)
{
    if (off >= IGB_P2VMAILBOX(0) && off < IGB_P2VMAILBOX(8))
        set_pfmailbox(m, (off - IGB_P2VMAILBOX(0)) / 4, v);
    else if (off >= V2PMAILBOX(0) && off < V2PMAILBOX(8))
        set_vfmailbox(m, (off - V2PMAILBOX(0)) / 4, v);
    else if (off == IGB_MBVFICR || off == IGB_VFLRE)
        R(off) &= ~v;
    else if (off >= VTIVAR(0) && off < VTIVAR(8))
        set_vtivar(m, (off - VTIVAR(0)) / 4, v);
    else if (off >= 0x10000 && off < 0x10800 && (off & 0xff) == 0x00)
        (v & IGB_CTRL_RST) ? vf_reset(m, (off - 0x10000) / 0x100) : (void)0;
    else if (off >= 0x10000 && off < 0x10800) { // VF mirrors; the counters are read-only
        unsigned vf = (off - 0x10000) / 0x100, reg = off & 0xff;
        if (reg == 0x20 || reg == 0x24 || reg == 0x28 || reg == 0x2c || reg == 0x30 || reg == 0x80)
            R(off) = v;
        uint32_t bits = vf_shift(vf, v) & eicr_mask(m);
        if (reg == 0x20)
            raise_eicr(m, IGB_EICR, bits);
        else if (reg == 0x24)
            raise_eicr(m, IGB_EIMS, bits);
        else if (reg == 0x28)
            R(IGB_EIMS) &= ~bits;
        else if (reg == 0x2c && msix_mode(m))
            R(IGB_EIAC) |= bits;
        else if (reg == 0x80)
            R(IGB_EICR) &= ~bits;
    } else
        return false;
    return true;
}

static void pf_write(void *arg, uint32_t off, uint32_t v)
{
    struct igb_model *m = arg;
    ck_assert_msg(off % 4 == 0 && off < 0x20000, "PF write of %#x", off);
    if (off >= IGBM_REGS * 4) {
        m->bad_accesses++;
        return;
    }
    if (pf_write_vf_regs(m, off, v))
        return;
    if (off == IGB_RTTDQSEL || off == IGB_RTTBCNRC || off == IGB_RTTBCNRM || off == IGB_WVBR) {
        if (!m->board) {
            m->bad_accesses++; // QEMU drops writes to registers it does not know
            return;
        }
        if (off == IGB_RTTBCNRC)
            m->rate[R(IGB_RTTDQSEL) % IGB_QUEUES] = v;
        R(off) = v;
        return;
    }
    if (off >= IGB_TDT(0) && off <= IGB_TDT(15) && (off - IGB_TDT(0)) % 0x40 == 0) {
        unsigned q = (off - IGB_TDT(0)) / 0x40;
        R(off) = v & 0xffff;
        m->tdt_writes[q]++;
        start_xmit(m, q);
        return;
    }
    if (off >= 0xc000 && off < 0xf000 && ((off & 0x3f) == 0x08))
        v &= 0xffff0; // RDLEN/TDLEN
    else if (off >= 0xc000 && off < 0xf000 && ((off & 0x3f) == 0x00))
        v &= ~0x1fu; // RDBAL/TDBAL
    else if (off >= 0xc000 && off < 0xf000 && ((off & 0x3f) == 0x10 || (off & 0x3f) == 0x18))
        v &= 0xffff; // heads and tails
    switch (off) {
    case IGB_CTRL:
        if (m->rst_stuck) {
            R(off) = v;
        } else if (v & IGB_CTRL_RST) {
            reset(m);
        } else {
            R(off) = v;
        }
        return;
    case IGB_STATUS: return; // read-only
    case IGB_MDIC: set_mdic(m, v); return;
    case IGB_CTRL_EXT:
        R(off) = v;
        for (unsigned vf = 0; (v & IGB_CTRL_EXT_PFRSTD) && vf < 8; vf++)
            R(V2PMAILBOX(vf)) = (R(V2PMAILBOX(vf)) & ~IGB_V2P_RSTI) | IGB_V2P_RSTD;
        return;
    case IGB_IMS: raise_icr(m, IGB_IMS, v); return;
    case IGB_ICR: R(off) &= ~v; return; // write 1 to clear (igb_set_icr)
    case IGB_IMC: R(IGB_IMS) &= ~v; return;
    case IGB_EICS: raise_eicr(m, IGB_EICR, v & eicr_mask(m)); return;
    case IGB_EIMS: raise_eicr(m, IGB_EIMS, v & eicr_mask(m)); return;
    case IGB_EIMC: R(IGB_EIMS) &= ~(v & eicr_mask(m)); return;
    case IGB_EICR: R(off) &= ~(v & eicr_mask(m)); return;
    case IGB_EIAC: R(off) |= msix_mode(m) ? v & EICR_MSIX_MASK : 0; return;
    default: R(off) = v; return;
    }
}

// A VF BAR offset -> the PF offset QEMU's igbvf.c maps it to, or 0 for
// an offset it does not map (reads 0, writes ignored).
static uint32_t vf_to_pf(unsigned vf, uint32_t off, bool write)
{
    switch (off) {
    case IGB_VF_CTRL: return IGB_PVTCTRL(vf);
    case IGB_VF_STATUS: return write ? 0 : IGB_STATUS;
    case IGB_VF_EICS: return PVTEICS(vf);
    case IGB_VF_EIMS: return PVTEIMS(vf);
    case IGB_VF_EIMC: return IGB_PVTEIMC(vf);
    case IGB_VF_EIAC: return PVTEIAC(vf);
    case IGB_VF_EIAM: return PVTEIAM(vf);
    case IGB_VF_EICR: return PVTEICR(vf);
    case IGB_VF_IVAR0: return VTIVAR(vf);
    case IGB_VF_IVAR_MISC: return VTIVAR_MISC(vf);
    case IGB_VF_MBX: return V2PMAILBOX(vf);
    case IGB_VF_GPRC: return IGB_PVFGPRC(vf);
    case IGB_VF_GPTC: return IGB_PVFGPTC(vf);
    case IGB_VF_GORC: return IGB_PVFGORC(vf);
    case IGB_VF_GOTC: return IGB_PVFGOTC(vf);
    case IGB_VF_MPRC: return IGB_PVFMPRC(vf);
    }
    if (off >= IGB_VF_MBMEM && off < IGB_VF_MBMEM + 0x40)
        return off + 0x40 * vf;
    for (unsigned q = 0; q < 2; q++) { // RX/TX queue q's registers -> the PF's queue vf + 8q
        uint32_t at = q * IGB_VF_QUEUE_STRIDE;
        if (off >= 0x2800 + at && off < 0x2840 + at)
            return IGB_RDBAL(vf + 8 * q) + (off - 0x2800 - at);
        if (off >= 0x3800 + at && off < 0x3840 + at)
            return IGB_TDBAL(vf + 8 * q) + (off - 0x3800 - at);
    }
    return 0;
}

static uint32_t vf_read(void *arg, uint32_t off)
{
    struct igbm_port *p = arg;
    if (p->vf >= p->m->num_vfs || p->m->gone)
        return 0xffffffffu; // the VF is not enabled: nothing decodes its BAR
    uint32_t pf = vf_to_pf(p->vf, off, false);
    if (!pf)
        p->m->bad_accesses++;
    return pf ? pf_read(p->m, pf) : 0;
}

static void vf_write(void *arg, uint32_t off, uint32_t v)
{
    struct igbm_port *p = arg;
    uint32_t pf = vf_to_pf(p->vf, off, true);
    if (!pf)
        p->m->bad_accesses++;
    else if (p->vf < p->m->num_vfs)
        pf_write(p->m, pf, v);
}

static uint64_t no_read64(void *arg, uint32_t off)
{
    ck_abort_msg("64-bit read of %#x: the igb is accessed 32 bits at a time", off);
    return 0;
}

static void no_write64(void *arg, uint32_t off, uint64_t v)
{
    ck_abort_msg("64-bit write of %#x: the igb is accessed 32 bits at a time", off);
}

struct mmio igbm_pf_mmio(struct igb_model *m)
{
    return (struct mmio){pf_read, no_read64, pf_write, no_write64, m};
}

struct mmio igbm_vf_mmio(struct igb_model *m, unsigned vf)
{
    return (struct mmio){vf_read, no_read64, vf_write, no_write64, &m->port[vf]};
}
