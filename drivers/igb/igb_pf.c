/* drivers/igb/igb_pf.c: 82576 PF bring-up, VMDq pools, VF filters and enables (not the mailbox). */
#include "igb_pf_priv.h"
#include <base/string.h>

#define RESET_US     100000 // QEMU resets at once; a real 82576 in about a millisecond
#define MDIC_US      10000
#define LINK_POLL_US 1000 // between looks at the link
#define RLPML_STD    1518 // the largest frame a pool takes without LPE (with one VLAN tag)
#define POOL_VMOLR   (IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC | IGB_VMOLR_RLPML(RLPML_STD))

uint32_t igb_pf_rd(const struct igb_pf *pf, uint32_t off) { return mmio_read32(&pf->regs, off); }

void igb_pf_wr(struct igb_pf *pf, uint32_t off, uint32_t v) { mmio_write32(&pf->regs, off, v); }

static void set_bits(struct igb_pf *pf, uint32_t off, uint32_t bits, bool on)
{
    uint32_t v = igb_pf_rd(pf, off);
    igb_pf_wr(pf, off, on ? v | bits : v & ~bits);
}

static uint64_t now(const struct igb_pf *pf) { return pf->clock_us(pf->clock_arg); }

static void mask_interrupts(struct igb_pf *pf)
{
    igb_pf_wr(pf, IGB_IMC, 0xffffffffu);
    igb_pf_wr(pf, IGB_EIMC, 0xffffffffu);
    (void)igb_pf_rd(pf, IGB_ICR); // clears whatever was pending
}

errval_t igb_pf_reset(struct igb_pf *pf)
{
    igb_pf_wr(pf, IGB_CTRL, igb_pf_rd(pf, IGB_CTRL) | IGB_CTRL_RST);
    uint64_t start = now(pf);
    for (;;) {
        uint32_t ctrl = igb_pf_rd(pf, IGB_CTRL);
        if (ctrl == 0xffffffffu)
            return IGB_ERR_GONE;
        if (!(ctrl & IGB_CTRL_RST))
            break;
        if (now(pf) - start > RESET_US)
            return IGB_ERR_RESET_TIMEOUT;
    }
    mask_interrupts(pf);
    uint32_t ral = igb_pf_rd(pf, IGB_RAL(0)), rah = igb_pf_rd(pf, IGB_RAH(0));
    for (unsigned i = 0; i < 6; i++)
        pf->mac[i] = (uint8_t)(i < 4 ? ral >> (8 * i) : rah >> (8 * (i - 4)));
    pf->num_vfs = pf->pf_pool = 0;
    memset(pf->vf, 0, sizeof(pf->vf));
    return SYS_ERR_OK;
}

errval_t igb_pf_init(struct igb_pf *pf, const struct mmio *regs, uint64_t (*clock_us)(void *arg),
                     void *clock_arg)
{
    memset(pf, 0, sizeof(*pf));
    pf->regs = *regs;
    pf->clock_us = clock_us;
    pf->clock_arg = clock_arg;
    pf->emulated = true; // promise nothing until igb_pf_identify says otherwise
    if (igb_pf_rd(pf, IGB_STATUS) == 0xffffffffu)
        return IGB_ERR_GONE;
    return igb_pf_reset(pf);
}

// One MDIC transaction with the PHY; the data the PHY returned in *out.
static MUST_CHECK errval_t mdic(struct igb_pf *pf, uint32_t cmd, uint16_t *out)
{
    igb_pf_wr(pf, IGB_MDIC, cmd);
    uint64_t start = now(pf);
    for (;;) {
        uint32_t v = igb_pf_rd(pf, IGB_MDIC);
        if (v & IGB_MDIC_READY) {
            if (v & IGB_MDIC_ERROR)
                return IGB_ERR_MDIC;
            if (out)
                *out = (uint16_t)IGB_MDIC_DATA(v);
            return SYS_ERR_OK;
        }
        if (now(pf) - start > MDIC_US)
            return IGB_ERR_MDIC;
    }
}

errval_t igb_pf_phy_read(struct igb_pf *pf, unsigned reg, uint16_t *val)
{
    if (reg > 31)
        return SYS_ERR_INVALID_ARGS;
    return mdic(pf, IGB_MDIC_OP_READ | IGB_MDIC_PHY(IGB_PHY_ADDR) | IGB_MDIC_REG(reg), val);
}

errval_t igb_pf_phy_write(struct igb_pf *pf, unsigned reg, uint16_t val)
{
    if (reg > 31)
        return SYS_ERR_INVALID_ARGS;
    return mdic(pf, IGB_MDIC_OP_WRITE | IGB_MDIC_PHY(IGB_PHY_ADDR) | IGB_MDIC_REG(reg) | val, NULL);
}

errval_t igb_pf_link_up(struct igb_pf *pf, uint64_t timeout_us)
{
    uint16_t bmcr;
    errval_t err = igb_pf_phy_read(pf, IGB_PHY_BMCR, &bmcr);
    if (err_is_ok(err))
        err = igb_pf_phy_write(pf, IGB_PHY_BMCR, bmcr | IGB_BMCR_AUTOEN | IGB_BMCR_ANRESTART);
    if (err_is_fail(err))
        return err;
    igb_pf_wr(pf, IGB_CTRL, igb_pf_rd(pf, IGB_CTRL) | IGB_CTRL_SLU);
    // Auto-negotiation takes a while (QEMU's: 500 ms on its own timer):
    // look at STATUS once a millisecond, not in a tight loop, whose device
    // reads would keep an emulator's device thread from finishing it.
    uint64_t start = now(pf);
    while (!igb_pf_link_status(pf, NULL, NULL)) {
        uint64_t t = now(pf);
        if (t - start > timeout_us)
            return IGB_ERR_LINK_DOWN;
        while (now(pf) - t < LINK_POLL_US)
            ;
    }
    return SYS_ERR_OK;
}

bool igb_pf_link_status(struct igb_pf *pf, unsigned *mbps, bool *full_duplex)
{
    uint32_t s = igb_pf_rd(pf, IGB_STATUS);
    bool up = s != 0xffffffffu && (s & IGB_STATUS_LU);
    uint32_t speed = s & IGB_STATUS_SPEED_MASK;
    if (mbps)
        *mbps = !up                              ? 0
                : speed == IGB_STATUS_SPEED_1000 ? 1000
                : speed == IGB_STATUS_SPEED_100  ? 100
                                                 : 10;
    if (full_duplex)
        *full_duplex = up && (s & IGB_STATUS_FD);
    return up;
}

// Every pool's filters to their defaults, VLAN and extra addresses off,
// and the PF's address (receive address 0) steered to its pool.
static void reset_pools(struct igb_pf *pf, unsigned pf_pool)
{
    for (unsigned p = 0; p < IGB_POOLS; p++) {
        igb_pf_wr(pf, IGB_VMOLR(p), POOL_VMOLR);
        igb_pf_wr(pf, IGB_VMVIR(p), 0);
    }
    for (unsigned i = 0; i < IGB_VLVF_ENTRIES; i++)
        igb_pf_wr(pf, IGB_VLVF(i), 0);
    for (unsigned i = 0; i < 128; i++)
        igb_pf_wr(pf, IGB_VFTA(i), 0);
    for (unsigned i = 1; i < IGB_RA_ENTRIES; i++) {
        igb_pf_wr(pf, IGB_RAH(i), 0); // invalid first, so no half-written address matches
        igb_pf_wr(pf, IGB_RAL(i), 0);
    }
    uint32_t rah = igb_pf_rd(pf, IGB_RAH(0)) & 0xffffu;
    igb_pf_wr(pf, IGB_RAH(0), rah | IGB_RAH_AV | IGB_RAH_POOL(pf_pool));
}

// No queue runs until its owner sets it up (reset leaves queue 0 enabled).
static void stop_queues(struct igb_pf *pf)
{
    for (unsigned q = 0; q < IGB_QUEUES; q++) {
        igb_pf_wr(pf, IGB_RXDCTL(q), 0);
        igb_pf_wr(pf, IGB_TXDCTL(q), 0);
    }
}

errval_t igb_pf_enable_vfs(struct igb_pf *pf, unsigned n)
{
    if (n < 1 || n > IGB_MAX_VFS)
        return SYS_ERR_INVALID_ARGS;
    uint32_t s = igb_pf_rd(pf, IGB_STATUS);
    if (s == 0xffffffffu || !(s & IGB_STATUS_IOV_MODE) || IGB_STATUS_NUM_VFS(s) != n)
        return IGB_ERR_VFS_NOT_ENABLED;
    igb_pf_wr(pf, IGB_VFRE, 0);
    igb_pf_wr(pf, IGB_VFTE, 0);
    stop_queues(pf);
    reset_pools(pf, n);
    igb_pf_wr(pf, IGB_MRQC, IGB_MRQC_VMDQ);
    igb_pf_wr(pf, IGB_VT_CTL, IGB_VT_CTL_DEF_POOL(n));
    igb_pf_wr(pf, IGB_GPIE, IGB_GPIE_MSIX_MODE);
    igb_pf_wr(pf, IGB_DTXSWC, IGB_DTXSWC_LOOPBACK);
    igb_pf_wr(pf, IGB_RCTL, IGB_RCTL_EN | IGB_RCTL_BAM | IGB_RCTL_SECRC);
    igb_pf_wr(pf, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP | IGB_TCTL_CT | IGB_TCTL_COLD);
    igb_pf_wr(pf, IGB_VFRE, 1u << n);
    igb_pf_wr(pf, IGB_VFTE, 1u << n);
    // Whatever the VFs posted before now belongs to no one.
    igb_pf_wr(pf, IGB_MBVFICR, 0xffffffffu);
    igb_pf_wr(pf, IGB_VFLRE, 0xffffffffu);
    memset(pf->vf, 0, sizeof(pf->vf));
    for (unsigned i = 0; i < IGB_MAX_VFS; i++)
        pf->vf[i].rx_mode = IGB_RX_BCAST; // as reset_pools left VMOLR
    pf->num_vfs = n;
    pf->pf_pool = n;
    igb_pf_wr(pf, IGB_CTRL_EXT,
              igb_pf_rd(pf, IGB_CTRL_EXT) | IGB_CTRL_EXT_PFRSTD | IGB_CTRL_EXT_DRV_LOAD);
    return SYS_ERR_OK;
}

errval_t igb_pf_check_vf(const struct igb_pf *pf, unsigned vf)
{
    if (!pf->num_vfs)
        return IGB_ERR_NOT_RESET;
    return vf < pf->num_vfs ? SYS_ERR_OK : SYS_ERR_INVALID_ARGS;
}

void igb_pf_apply_pool(struct igb_pf *pf, unsigned vf)
{
    const struct igb_pf_vf *v = &pf->vf[vf];
    bool on = v->enabled && v->cts && v->has_mac;
    // A VF allowed to send may send only as itself (where the device checks).
    set_bits(pf, IGB_DTXSWC, IGB_DTXSWC_MAC_SPOOF(vf) | IGB_DTXSWC_VLAN_SPOOF(vf), v->enabled);
    set_bits(pf, IGB_VFRE, 1u << vf, on);
    set_bits(pf, IGB_VFTE, 1u << vf, on);
    igb_pf_rss_pool_changed(pf, vf, on);
}

// VF vf's unicast filter: receive address 1 + vf, steered to its pool.
void igb_pf_program_mac(struct igb_pf *pf, unsigned vf)
{
    const uint8_t *m = pf->vf[vf].mac;
    igb_pf_wr(pf, IGB_RAH(1 + vf), 0);
    if (!pf->vf[vf].has_mac)
        return;
    igb_pf_wr(pf, IGB_RAL(1 + vf),
              (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
    igb_pf_wr(pf, IGB_RAH(1 + vf),
              (uint32_t)m[4] | (uint32_t)m[5] << 8 | IGB_RAH_AV | IGB_RAH_POOL(vf));
}

static bool mac_is_zero(const uint8_t mac[6])
{
    return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

errval_t igb_pf_set_vf_mac(struct igb_pf *pf, unsigned vf, const uint8_t mac[6])
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_fail(err))
        return err;
    if ((mac[0] & 1) || mac_is_zero(mac))
        return SYS_ERR_INVALID_ARGS; // multicast, broadcast or zero: never a station's address
    if (!memcmp(mac, pf->mac, 6))
        return SYS_ERR_EXISTS;
    for (unsigned i = 0; i < pf->num_vfs; i++) {
        if (i != vf && pf->vf[i].has_mac && !memcmp(mac, pf->vf[i].mac, 6))
            return SYS_ERR_EXISTS;
    }
    memcpy(pf->vf[vf].mac, mac, 6);
    pf->vf[vf].has_mac = true;
    igb_pf_program_mac(pf, vf);
    igb_pf_apply_pool(pf, vf);
    return SYS_ERR_OK;
}

errval_t igb_pf_vf_enable(struct igb_pf *pf, unsigned vf, bool on)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_ok(err)) {
        pf->vf[vf].enabled = on;
        igb_pf_apply_pool(pf, vf);
    }
    return err;
}

errval_t igb_pf_vf_reclaim(struct igb_pf *pf, unsigned vf)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_fail(err))
        return err;
    err = igb_pf_set_vf_vlan(pf, vf, 0);
    if (err_is_fail(err))
        return err;
    igb_pf_wr(pf, IGB_PVTCTRL(vf), IGB_CTRL_RST); // stops its queues, raises a VFLR
    igb_pf_wr(pf, IGB_VFLRE, 1u << vf);           // ours: not an event to report
    igb_pf_wr(pf, IGB_PVTEIMC(vf), (1u << IGB_VF_MSIX_VECTORS) - 1);
    igb_pf_wr(pf, IGB_P2VMAILBOX(vf), IGB_P2V_RVFU); // free a buffer the VF held
    if (pf->vf[vf].rate_mbps)
        err_ignore(igb_pf_set_rate_limit(pf, vf, 0), "vf checked above: no limit is always taken");
    err_ignore(igb_pf_set_vf_rss(pf, vf, false), "vf checked above: cannot fail");
    memset(&pf->vf[vf], 0, sizeof(pf->vf[vf]));
    err_ignore(igb_pf_set_vf_rx_mode(pf, vf, IGB_RX_BCAST),
               "vf checked above, and broadcast is a mode every VF may have");
    igb_pf_program_mac(pf, vf);
    igb_pf_apply_pool(pf, vf);
    return SYS_ERR_OK;
}

errval_t igb_pf_set_loopback(struct igb_pf *pf, bool on)
{
    if (!pf->num_vfs)
        return IGB_ERR_NOT_RESET;
    set_bits(pf, IGB_DTXSWC, IGB_DTXSWC_LOOPBACK, on);
    return SYS_ERR_OK;
}

void igb_pf_identify(struct igb_pf *pf, uint16_t subsys_vendor, uint16_t subsys_id)
{
    pf->emulated = subsys_vendor == 0x1af4 && subsys_id == 0x1100;
}

unsigned igb_pf_enforced(const struct igb_pf *pf)
{
    return pf->emulated ? 0 : IGB_ENFORCES_ANTISPOOF | IGB_ENFORCES_RATE_LIMIT;
}

errval_t igb_pf_set_antispoof(struct igb_pf *pf, unsigned pool, bool on)
{
    if (pool >= IGB_POOLS)
        return SYS_ERR_INVALID_ARGS;
    set_bits(pf, IGB_DTXSWC, IGB_DTXSWC_MAC_SPOOF(pool) | IGB_DTXSWC_VLAN_SPOOF(pool), on);
    return on && pf->emulated ? IGB_ERR_NO_ANTISPOOF : SYS_ERR_OK;
}

// igb_pf_spoof_events hands WVBR over as it reads it.
_Static_assert(IGB_SPOOF_MAC(7) == IGB_WVBR_MAC(7) && IGB_SPOOF_VLAN(7) == IGB_WVBR_VLAN(7),
               "IGB_SPOOF_* are WVBR's bits");

uint32_t igb_pf_spoof_events(struct igb_pf *pf)
{
    return pf->emulated || !pf->num_vfs ? 0 : igb_pf_rd(pf, IGB_WVBR);
}

// RTTBCNRC for a rate of mbps on a link of link_mbps: the rate factor
// link / rate as an integer part and a 14-bit fraction, scheduling on.
static uint32_t rate_factor(unsigned link_mbps, uint32_t mbps)
{
    uint32_t whole = link_mbps / mbps;
    uint32_t frac = (uint32_t)(((uint64_t)(link_mbps % mbps) << 14) / mbps);
    return IGB_RTTBCNRC_RS_ENA | IGB_RTTBCNRC_RF_INT(whole) | (frac & IGB_RTTBCNRC_RF_DEC_MASK);
}

errval_t igb_pf_set_rate_limit(struct igb_pf *pf, unsigned vf, uint32_t mbps)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_fail(err))
        return err;
    if (pf->emulated)
        return IGB_ERR_NO_RATE_LIMIT;
    unsigned link = 0;
    if (mbps && !igb_pf_link_status(pf, &link, NULL))
        return IGB_ERR_LINK_DOWN;
    if (mbps == 1 || mbps > link)
        return SYS_ERR_INVALID_ARGS; // (a link's speed is 0 only when mbps is)
    uint32_t rc = mbps ? rate_factor(link, mbps) : 0;
    igb_pf_wr(pf, IGB_RTTBCNRM, IGB_RTTBCNRM_DEFAULT);
    const unsigned queues[2] = {vf, vf + IGB_POOLS}; // a VF's two queue pairs
    for (unsigned i = 0; i < 2; i++) {
        igb_pf_wr(pf, IGB_RTTDQSEL, queues[i]);
        igb_pf_wr(pf, IGB_RTTBCNRC, rc);
    }
    pf->vf[vf].rate_mbps = mbps;
    return SYS_ERR_OK;
}

errval_t igb_pf_set_vf_rx_mode(struct igb_pf *pf, unsigned vf, unsigned mode)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_ok(err) && (mode & ~(IGB_RX_BCAST | IGB_RX_MCAST)))
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_fail(err))
        return err;
    set_bits(pf, IGB_VMOLR(vf), IGB_VMOLR_BAM, mode & IGB_RX_BCAST);
    set_bits(pf, IGB_VMOLR(vf), IGB_VMOLR_ROMPE | IGB_VMOLR_MPME, mode & IGB_RX_MCAST);
    pf->vf[vf].rx_mode = (uint8_t)mode;
    return SYS_ERR_OK;
}

errval_t igb_pf_pool_stats(struct igb_pf *pf, unsigned pool, struct igb_pool_stats *out)
{
    if (!pf->num_vfs)
        return IGB_ERR_NOT_RESET;
    if (pool >= IGB_POOLS)
        return SYS_ERR_INVALID_ARGS;
    *out = (struct igb_pool_stats){
        .rx_packets = igb_pf_rd(pf, IGB_PVFGPRC(pool)),
        .tx_packets = igb_pf_rd(pf, IGB_PVFGPTC(pool)),
        .rx_octets = igb_pf_rd(pf, IGB_PVFGORC(pool)),
        .tx_octets = igb_pf_rd(pf, IGB_PVFGOTC(pool)),
        .rx_multicast = igb_pf_rd(pf, IGB_PVFMPRC(pool)),
    };
    return SYS_ERR_OK;
}

/* ---- VLAN: VLVF entries (VID -> pools), VFTA, VMVIR insertion, VMOLR strip ---- */

// Take pool out of every VLVF entry; an entry left with no pool is freed
// and its VID leaves the VLAN filter table.
static void vlan_leave(struct igb_pf *pf, unsigned pool)
{
    for (unsigned i = 0; i < IGB_VLVF_ENTRIES; i++) {
        uint32_t e = igb_pf_rd(pf, IGB_VLVF(i));
        if (!(e & IGB_VLVF_ENABLE) || !(e & IGB_VLVF_POOL(pool)))
            continue;
        e &= ~IGB_VLVF_POOL(pool);
        if (!(e & IGB_VLVF_POOL_MASK)) {
            unsigned vid = IGB_VLVF_VID(e);
            set_bits(pf, IGB_VFTA(vid >> 5), 1u << (vid & 31), false);
            e = 0;
        }
        igb_pf_wr(pf, IGB_VLVF(i), e);
    }
}

// The VLVF entry for vid, or a free one; -1 if neither exists.
static int vlan_slot(struct igb_pf *pf, uint16_t vid)
{
    int free = -1;
    for (unsigned i = 0; i < IGB_VLVF_ENTRIES; i++) {
        uint32_t e = igb_pf_rd(pf, IGB_VLVF(i));
        if ((e & IGB_VLVF_ENABLE) && IGB_VLVF_VID(e) == vid)
            return (int)i;
        if (!(e & IGB_VLVF_ENABLE) && free < 0)
            free = (int)i;
    }
    return free;
}

errval_t igb_pf_set_vf_vlan(struct igb_pf *pf, unsigned vf, uint16_t vid)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_fail(err))
        return err;
    if (vid >= 4095)
        return SYS_ERR_INVALID_ARGS;
    vlan_leave(pf, vf);
    int slot = vid ? vlan_slot(pf, vid) : -1;
    bool full = vid && slot < 0;
    if (full)
        vid = 0; // no room: the VF ends up untagged, and the caller is told
    if (vid) {
        uint32_t e = igb_pf_rd(pf, IGB_VLVF((unsigned)slot));
        igb_pf_wr(pf, IGB_VLVF((unsigned)slot),
                  IGB_VLVF_ENABLE | IGB_VLVF_VID(vid) | (e & IGB_VLVF_POOL_MASK) |
                      IGB_VLVF_POOL(vf));
        set_bits(pf, IGB_VFTA(vid >> 5), 1u << (vid & 31), true);
        set_bits(pf, IGB_RCTL, IGB_RCTL_VFE, true);
    }
    igb_pf_wr(pf, IGB_VMVIR(vf), vid ? IGB_VMVIR_DEFAULT | vid : 0);
    set_bits(pf, IGB_VMOLR(vf), IGB_VMOLR_AUPE, !vid);
    set_bits(pf, IGB_VMOLR(vf), IGB_VMOLR_STRVLAN, vid);
    pf->vf[vf].vlan = vid;
    return full ? IGB_ERR_VLAN_FULL : SYS_ERR_OK;
}
