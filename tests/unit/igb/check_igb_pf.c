/* tests/unit/igb/check_igb_pf.c: the igb PF driver against a model of QEMU's 82576. */
#include "igb_model.h"
#include <igb/igb_pf.h>
#include <string.h>
#include <unit.h>

static struct igb_model m;
static struct igb_pf pf;
static const uint8_t pf_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac0[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x10};
static const uint8_t mac1[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};

static void setup(void)
{
    igbm_init(&m, pf_mac);
    struct mmio regs = igbm_pf_mmio(&m);
    ck_assert_uint_eq(igb_pf_init(&pf, &regs, igbm_clock, &m), SYS_ERR_OK);
}

static void teardown(void) { ck_assert_uint_eq(m.bad_accesses, 0); }

// The PCI layer's part: NumVFs and VF Enable in the SR-IOV capability.
static void vfs_on(unsigned n)
{
    m.num_vfs = n;
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, n), SYS_ERR_OK);
}

/* ---- A VF as raw mailbox accesses, to test the PF's side alone ---- */

static struct mmio vfregs(unsigned vf) { return igbm_vf_mmio(&m, vf); }

static void raw_post(unsigned vf, const uint32_t *w, unsigned n)
{
    struct mmio r = vfregs(vf);
    mmio_write32(&r, IGB_VF_MBX, IGB_V2P_VFU);
    ck_assert(mmio_read32(&r, IGB_VF_MBX) & IGB_V2P_VFU);
    for (unsigned i = 0; i < n; i++)
        mmio_write32(&r, IGB_VF_MBMEM + 4 * i, w[i]);
    mmio_write32(&r, IGB_VF_MBX, IGB_V2P_REQ);
}

// Post a request, let the PF poll once, return the reply's first words.
static struct igb_mbx_event raw_call(unsigned vf, const uint32_t *w, unsigned n, uint32_t *reply)
{
    struct igb_mbx_event ev[4];
    unsigned nev;
    raw_post(vf, w, n);
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 4, &nev), SYS_ERR_OK);
    ck_assert_uint_eq(nev, 1);
    struct mmio r = vfregs(vf);
    uint32_t mbx = mmio_read32(&r, IGB_VF_MBX);
    ck_assert_msg((mbx & (IGB_V2P_PFACK | IGB_V2P_PFSTS)) == (IGB_V2P_PFACK | IGB_V2P_PFSTS),
                  "mailbox %#x: the PF did not ack and answer", mbx);
    for (unsigned i = 0; i < 3; i++)
        reply[i] = mmio_read32(&r, IGB_VF_MBMEM + 4 * i);
    mmio_write32(&r, IGB_VF_MBX, IGB_V2P_ACK);
    return ev[0];
}

static uint32_t mac_lo(const uint8_t *a)
{
    return a[0] | a[1] << 8 | a[2] << 16 | (uint32_t)a[3] << 24;
}

static uint32_t mac_hi(const uint8_t *a) { return a[4] | a[5] << 8; }

/* ---- Bring-up ---- */

START_TEST(test_init_resets)
{
    ck_assert_uint_eq(m.resets, 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_IMS), 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_EIMS), 0);
    ck_assert_mem_eq(pf.mac, pf_mac, 6);
    ck_assert_uint_eq(pf.num_vfs, 0);
}
END_TEST

START_TEST(test_init_gone)
{
    m.gone = true;
    struct mmio regs = igbm_pf_mmio(&m);
    ck_assert_uint_eq(igb_pf_init(&pf, &regs, igbm_clock, &m), IGB_ERR_GONE);
}
END_TEST

START_TEST(test_reset_timeout)
{
    m.rst_stuck = true;
    uint64_t t0 = m.now_us;
    ck_assert_uint_eq(igb_pf_reset(&pf), IGB_ERR_RESET_TIMEOUT);
    ck_assert_uint_lt(m.now_us - t0, 200000); // bounded, not a hang
}
END_TEST

START_TEST(test_phy_access)
{
    uint16_t v = 0;
    ck_assert_uint_eq(igb_pf_phy_read(&pf, IGB_PHY_BMCR, &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, m.phy[IGB_PHY_BMCR]);
    ck_assert(v & IGB_BMCR_AUTOEN);
    ck_assert_uint_eq(igb_pf_phy_write(&pf, 4, 0x1e1), SYS_ERR_OK);
    ck_assert_uint_eq(m.phy[4], 0x1e1);
    ck_assert_uint_eq(igb_pf_phy_read(&pf, 32, &v), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_phy_write(&pf, 40, 0), SYS_ERR_INVALID_ARGS);
    m.mdic_error = true;
    ck_assert_uint_eq(igb_pf_phy_read(&pf, IGB_PHY_BMSR, &v), IGB_ERR_MDIC);
    m.mdic_error = false;
    m.mdic_never_ready = true;
    uint64_t t0 = m.now_us;
    ck_assert_uint_eq(igb_pf_phy_write(&pf, 4, 0), IGB_ERR_MDIC);
    ck_assert_uint_lt(m.now_us - t0, 100000);
}
END_TEST

START_TEST(test_link_up)
{
    unsigned mbps = 1;
    bool fd = true;
    ck_assert(!igb_pf_link_status(&pf, &mbps, &fd)); // down after the reset
    ck_assert_uint_eq(mbps, 0);
    ck_assert(!fd);
    uint64_t t0 = m.now_us;
    ck_assert_uint_eq(igb_pf_link_up(&pf, 2000000), SYS_ERR_OK);
    ck_assert_uint_ge(m.now_us - t0, 500000); // QEMU's auto-negotiation takes 500 ms
    ck_assert(igb_pf_link_status(&pf, &mbps, &fd));
    ck_assert_uint_eq(mbps, 1000);
    ck_assert(fd);
}
END_TEST

START_TEST(test_link_timeout)
{
    ck_assert_uint_eq(igb_pf_link_up(&pf, 100000), IGB_ERR_LINK_DOWN);
    m.mdic_error = true;
    ck_assert_uint_eq(igb_pf_link_up(&pf, 2000000), IGB_ERR_MDIC);
}
END_TEST

START_TEST(test_enable_vfs_checks)
{
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, 0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, IGB_MAX_VFS + 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, 2), IGB_ERR_VFS_NOT_ENABLED); // not in config space
    m.num_vfs = 3;
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, 2), IGB_ERR_VFS_NOT_ENABLED);
    ck_assert_uint_eq(pf.num_vfs, 0);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, true), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_pf_set_loopback(&pf, true), IGB_ERR_NOT_RESET);
    unsigned n;
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, NULL, 0, &n), IGB_ERR_NOT_RESET);
}
END_TEST

START_TEST(test_enable_vfs_programs_vmdq)
{
    vfs_on(2);
    ck_assert_uint_eq(pf.pf_pool, 2);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC) & 1, 1);
    ck_assert_uint_eq((igbm_reg(&m, IGB_VT_CTL) >> 7) & 7, 2);
    ck_assert(igbm_reg(&m, IGB_GPIE) & IGB_GPIE_MSIX_MODE);
    ck_assert(igbm_reg(&m, IGB_RCTL) & IGB_RCTL_EN);
    ck_assert(igbm_reg(&m, IGB_RCTL) & IGB_RCTL_SECRC);
    ck_assert(!(igbm_reg(&m, IGB_RCTL) & IGB_RCTL_LPE));
    ck_assert(igbm_reg(&m, IGB_TCTL) & IGB_TCTL_EN);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE), 1u << 2); // only the PF's pool until VFs reset
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTE), 1u << 2);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(0)), mac_hi(pf_mac) | IGB_RAH_AV | IGB_RAH_POOL(2));
    ck_assert(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_LOOPBACK);
    for (unsigned p = 0; p < IGB_POOLS; p++)
        ck_assert((igbm_reg(&m, IGB_VMOLR(p)) & (IGB_VMOLR_BAM | IGB_VMOLR_AUPE)) ==
                  (IGB_VMOLR_BAM | IGB_VMOLR_AUPE));
    for (unsigned q = 0; q < IGB_QUEUES; q++)
        ck_assert(!(igbm_reg(&m, IGB_RXDCTL(q)) & IGB_RXDCTL_ENABLE));
    // The VFs learn the PF is out of reset.
    struct mmio r = vfregs(1);
    uint32_t mbx = mmio_read32(&r, IGB_VF_MBX);
    ck_assert(!(mbx & IGB_V2P_RSTI) && (mbx & IGB_V2P_RSTD));
}
END_TEST

/* ---- VF addresses and enables ---- */

START_TEST(test_set_vf_mac)
{
    vfs_on(2);
    const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1}, zero[6] = {0};
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 2, mac0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mcast), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, zero), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, pf_mac), SYS_ERR_EXISTS);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 1, mac0), SYS_ERR_EXISTS);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK); // again: the same VF may
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAL(1)), mac_lo(mac0));
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(1)), mac_hi(mac0) | IGB_RAH_AV | IGB_RAH_POOL(0));
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 1, mac1), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(2)), mac_hi(mac1) | IGB_RAH_AV | IGB_RAH_POOL(1));
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE), 1u << 2); // not reset, not enabled: pools off
}
END_TEST

START_TEST(test_mailbox_reset_gives_mac)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, true), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 1, 0); // allowed, but not reset yet
    uint32_t req = IGB_MSG_VF_RESET, reply[3];
    struct igb_mbx_event ev = raw_call(0, &req, 1, reply);
    ck_assert_uint_eq(ev.vf, 0);
    ck_assert_int_eq(ev.kind, IGB_MBX_EV_RESET);
    ck_assert(ev.acked);
    ck_assert_uint_eq(reply[0], IGB_MSG_VF_RESET | IGB_MSG_ACK);
    ck_assert_uint_eq(reply[1], mac_lo(mac0));
    ck_assert_uint_eq(reply[2] & 0xffff, mac_hi(mac0));
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE), 1u << 0 | 1u << 2);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTE), 1u << 0 | 1u << 2);
    // Disabling and enabling by the control plane.
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, false), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 1, 0);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, true), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTE) & 1, 1);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 5, true), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_mailbox_reset_without_mac)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 1, true), SYS_ERR_OK);
    uint32_t req = IGB_MSG_VF_RESET, reply[3];
    struct igb_mbx_event ev = raw_call(1, &req, 1, reply);
    ck_assert_int_eq(ev.kind, IGB_MBX_EV_RESET);
    ck_assert(!ev.acked);
    ck_assert_uint_eq(reply[0], IGB_MSG_VF_RESET | IGB_MSG_NACK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 2, 0); // no MAC: the pool stays off
}
END_TEST

START_TEST(test_mailbox_set_mac_policy)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    uint32_t reply[3], req[3] = {IGB_MSG_SET_MAC_ADDR, mac_lo(mac0), mac_hi(mac0)};
    // Before a reset nothing is accepted, and there is no CTS.
    struct igb_mbx_event ev = raw_call(0, req, 3, reply);
    ck_assert_int_eq(ev.kind, IGB_MBX_EV_REFUSED);
    ck_assert_uint_eq(reply[0], IGB_MSG_SET_MAC_ADDR | IGB_MSG_NACK);
    uint32_t rst = IGB_MSG_VF_RESET;
    raw_call(0, &rst, 1, reply);
    // The assigned MAC: yes.
    ev = raw_call(0, req, 3, reply);
    ck_assert_int_eq(ev.kind, IGB_MBX_EV_SET_MAC);
    ck_assert(ev.acked);
    ck_assert_uint_eq(reply[0], IGB_MSG_SET_MAC_ADDR | IGB_MSG_ACK | IGB_MSG_CTS);
    // Any other: no, and the filter still holds the assigned one.
    uint32_t other[3] = {IGB_MSG_SET_MAC_ADDR, mac_lo(mac1), mac_hi(mac1)};
    ev = raw_call(0, other, 3, reply);
    ck_assert_int_eq(ev.kind, IGB_MBX_EV_SET_MAC);
    ck_assert(!ev.acked);
    ck_assert_uint_eq(reply[0], IGB_MSG_SET_MAC_ADDR | IGB_MSG_NACK | IGB_MSG_CTS);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAL(1)), mac_lo(mac0));
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(1)) & 0xffff, mac_hi(mac0));
    // The control plane reassigns it while the VF runs: the filter follows
    // at once, and the old address is now the one refused.
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac1), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAL(1)), mac_lo(mac1));
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(1)), mac_hi(mac1) | IGB_RAH_AV | IGB_RAH_POOL(0));
    ck_assert(!raw_call(0, req, 3, reply).acked);
    ck_assert(raw_call(0, other, 3, reply).acked);
}
END_TEST

START_TEST(test_mailbox_other_requests_refused)
{
    vfs_on(1);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    uint32_t reply[3], rst = IGB_MSG_VF_RESET;
    raw_call(0, &rst, 1, reply);
    const uint32_t kinds[] = {IGB_MSG_SET_MULTICAST | 1u << 16, IGB_MSG_SET_VLAN, IGB_MSG_SET_LPE,
                              IGB_MSG_SET_PROMISC, 0x77};
    for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        uint32_t req[2] = {kinds[i], 5};
        struct igb_mbx_event ev = raw_call(0, req, 2, reply);
        ck_assert_int_eq(ev.kind, IGB_MBX_EV_REFUSED);
        ck_assert_uint_eq(ev.msg, kinds[i]);
        ck_assert_uint_eq(reply[0], kinds[i] | IGB_MSG_NACK | IGB_MSG_CTS);
    }
    ck_assert_uint_eq(igbm_reg(&m, IGB_RCTL) & IGB_RCTL_VFE, 0); // no VLAN was set up
}
END_TEST

START_TEST(test_mailbox_vflr)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 1, mac1), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 1, true), SYS_ERR_OK);
    uint32_t reply[3], rst = IGB_MSG_VF_RESET;
    raw_call(1, &rst, 1, reply);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 2, 2);
    struct mmio r = vfregs(1);
    mmio_write32(&r, IGB_VF_CTRL, IGB_CTRL_RST); // the VF resets itself
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 2, 0);
    struct igb_mbx_event ev[4];
    unsigned n;
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 4, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].kind, IGB_MBX_EV_VFLR);
    ck_assert_uint_eq(ev[0].vf, 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFLRE), 0); // acknowledged
    ck_assert(!pf.vf[1].cts);
    uint32_t req[3] = {IGB_MSG_SET_MAC_ADDR, mac_lo(mac1), mac_hi(mac1)};
    ck_assert_int_eq(raw_call(1, req, 3, reply).kind, IGB_MBX_EV_REFUSED);
    ck_assert(raw_call(1, &rst, 1, reply).acked); // back after its reset request
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 2, 2);
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 4, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_mailbox_busy_and_overflow)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    uint32_t rst = IGB_MSG_VF_RESET;
    raw_post(0, &rst, 1);
    struct mmio r = vfregs(0);
    mmio_write32(&r, IGB_VF_MBX, IGB_V2P_VFU); // the VF takes the buffer back at once
    struct igb_mbx_event ev[2];
    unsigned n = 9;
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 2, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 0); // left pending
    ck_assert(igbm_reg(&m, IGB_MBVFICR) & IGB_MBVFICR_VFREQ(0));
    mmio_write32(&r, IGB_VF_MBX, 0);
    // Two VFs with requests, room for one event: both are answered.
    raw_post(1, &rst, 1);
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 1, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(ev[0].vf, 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MBVFICR) & 0xff, 0);
    struct mmio r1 = vfregs(1);
    ck_assert_uint_eq(mmio_read32(&r1, IGB_VF_MBMEM), IGB_MSG_VF_RESET | IGB_MSG_NACK);
}
END_TEST

START_TEST(test_reclaim)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, true), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 0, 7), SYS_ERR_OK);
    uint32_t reply[3], rst = IGB_MSG_VF_RESET;
    raw_call(0, &rst, 1, reply);
    m.r[IGB_RXDCTL(0) / 4] |= IGB_RXDCTL_ENABLE; // as the VF's driver would have
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 0), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 1, 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTE) & 1, 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(1)), 0);
    ck_assert(!(igbm_reg(&m, IGB_RXDCTL(0)) & IGB_RXDCTL_ENABLE));
    ck_assert_uint_eq(igbm_reg(&m, IGB_VLVF(0)), 0);
    ck_assert(!pf.vf[0].has_mac && !pf.vf[0].cts && !pf.vf[0].enabled);
    struct igb_mbx_event ev[2];
    unsigned n;
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 2, &n), SYS_ERR_OK);
    ck_assert_uint_eq(n, 0);                       // our own reset of the VF is no event
    ck_assert(!raw_call(0, &rst, 1, reply).acked); // a new owner needs a new MAC
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 3), SYS_ERR_INVALID_ARGS);
}
END_TEST

/* ---- Switch features ---- */

START_TEST(test_loopback_antispoof_rate)
{
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_set_loopback(&pf, false), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_LOOPBACK, 0);
    ck_assert_uint_eq(igb_pf_set_loopback(&pf, true), SYS_ERR_OK);
    ck_assert(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_LOOPBACK);
    ck_assert_uint_eq(igb_pf_set_antispoof(&pf, 1, true), IGB_ERR_NO_ANTISPOOF);
    ck_assert(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(1));
    ck_assert_uint_eq(igb_pf_set_antispoof(&pf, 1, false), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(1), 0);
    ck_assert_uint_eq(igb_pf_set_antispoof(&pf, 8, true), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 0, 100), IGB_ERR_NO_RATE_LIMIT);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 100), SYS_ERR_INVALID_ARGS);
    // QEMU's model promises nothing; its scheduler registers were never
    // written (teardown: no access to a register QEMU does not have).
    ck_assert_uint_eq(igb_pf_enforced(&pf), 0);
    ck_assert_uint_eq(igb_pf_spoof_events(&pf), 0);
    igb_pf_identify(&pf, 0x1af4, 0x1100);
    ck_assert_uint_eq(igb_pf_enforced(&pf), 0);
}
END_TEST

START_TEST(test_board_rate_limit)
{
    m.board = true;
    igb_pf_identify(&pf, 0x8086, 0xa02c);
    vfs_on(3);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 1, 100), IGB_ERR_LINK_DOWN);
    ck_assert_uint_eq(igb_pf_link_up(&pf, 2000000), SYS_ERR_OK);
    // 1000 / 100 = 10: both of VF 1's queues (1 and 9), no one else's.
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 1, 100), SYS_ERR_OK);
    ck_assert_uint_eq(m.rate[1], IGB_RTTBCNRC_RS_ENA | IGB_RTTBCNRC_RF_INT(10));
    ck_assert_uint_eq(m.rate[9], IGB_RTTBCNRC_RS_ENA | IGB_RTTBCNRC_RF_INT(10));
    ck_assert_uint_eq(m.rate[0] | m.rate[2] | m.rate[8], 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RTTBCNRM), IGB_RTTBCNRM_DEFAULT);
    ck_assert_uint_eq(pf.vf[1].rate_mbps, 100);
    // 1000 / 300 = 3 + 1/3: the fraction in 14 bits, rounded down.
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 300), SYS_ERR_OK);
    ck_assert_uint_eq(m.rate[2], IGB_RTTBCNRC_RS_ENA | IGB_RTTBCNRC_RF_INT(3) | 5461);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 1001), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 1000), SYS_ERR_OK);
    ck_assert_uint_eq(m.rate[2], IGB_RTTBCNRC_RS_ENA | IGB_RTTBCNRC_RF_INT(1));
    // Off again, and off when the VF is taken back.
    ck_assert_uint_eq(igb_pf_set_rate_limit(&pf, 2, 0), SYS_ERR_OK);
    ck_assert_uint_eq(m.rate[2] | m.rate[10], 0);
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 1), SYS_ERR_OK);
    ck_assert_uint_eq(m.rate[1] | m.rate[9], 0);
    ck_assert_uint_eq(pf.vf[1].rate_mbps, 0);
}
END_TEST

START_TEST(test_vlan_filters)
{
    vfs_on(3);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 0, 4095), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 0, 100), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 1, 100), SYS_ERR_OK); // shares the entry
    ck_assert_uint_eq(igbm_reg(&m, IGB_VLVF(0)),
                      IGB_VLVF_ENABLE | IGB_VLVF_VID(100) | IGB_VLVF_POOL(0) | IGB_VLVF_POOL(1));
    ck_assert_uint_eq(igbm_reg(&m, IGB_VLVF(1)), 0);
    ck_assert(igbm_reg(&m, IGB_VFTA(100 >> 5)) & (1u << (100 & 31)));
    ck_assert(igbm_reg(&m, IGB_RCTL) & IGB_RCTL_VFE);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMVIR(0)), IGB_VMVIR_DEFAULT | 100);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMOLR(0)) & (IGB_VMOLR_AUPE | IGB_VMOLR_STRVLAN),
                      IGB_VMOLR_STRVLAN);
    ck_assert(igbm_reg(&m, IGB_VMOLR(2)) & IGB_VMOLR_AUPE); // others still take untagged
    // Moving VF 0 leaves VF 1 alone in the old entry; moving VF 1 frees it.
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 0, 200), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VLVF(0)),
                      IGB_VLVF_ENABLE | IGB_VLVF_VID(100) | IGB_VLVF_POOL(1));
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 1, 0), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VLVF(0)), 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTA(100 >> 5)) & (1u << (100 & 31)), 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMVIR(1)), 0);
    ck_assert(igbm_reg(&m, IGB_VMOLR(1)) & IGB_VMOLR_AUPE);
    // All 32 entries taken (by someone else): a clear error, the VF untagged.
    for (unsigned i = 0; i < IGB_VLVF_ENTRIES; i++)
        m.r[IGB_VLVF(i) / 4] |= IGB_VLVF_ENABLE | IGB_VLVF_VID(1000 + i) | IGB_VLVF_POOL(7);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 2, 300), IGB_ERR_VLAN_FULL);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMVIR(2)), 0);
    ck_assert_uint_eq(pf.vf[2].vlan, 0);
}
END_TEST

START_TEST(test_pool_stats)
{
    struct igb_pool_stats s;
    ck_assert_uint_eq(igb_pf_pool_stats(&pf, 0, &s), IGB_ERR_NOT_RESET);
    vfs_on(2);
    ck_assert_uint_eq(igb_pf_pool_stats(&pf, 8, &s), SYS_ERR_INVALID_ARGS);
    // A broadcast from the wire reaches every pool that is on: the PF's.
    uint8_t frame[60] = {255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 0, 9, 0x08, 0x06};
    ck_assert_uint_eq(igb_pf_link_up(&pf, 2000000), SYS_ERR_OK);
    igbm_receive(&m, frame, sizeof(frame));
    ck_assert_uint_eq(igb_pf_pool_stats(&pf, 2, &s), SYS_ERR_OK);
    ck_assert_uint_eq(s.rx_packets, 0); // its queue is off: nothing was written
    m.r[IGB_PVFGPRC(1) / 4] = 5;
    m.r[IGB_PVFGOTC(1) / 4] = 640;
    m.r[IGB_PVFMPRC(1) / 4] = 2;
    ck_assert_uint_eq(igb_pf_pool_stats(&pf, 1, &s), SYS_ERR_OK);
    ck_assert_uint_eq(s.rx_packets, 5);
    ck_assert_uint_eq(s.tx_octets, 640);
    ck_assert_uint_eq(s.rx_multicast, 2);
    ck_assert_uint_eq(s.tx_packets, 0);
}
END_TEST

static Suite *igb_pf_suite(void)
{
    Suite *s = suite_create("igb_pf");
    TCase *tc = tcase_create("pf");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_init_resets);
    tcase_add_test(tc, test_init_gone);
    tcase_add_test(tc, test_reset_timeout);
    tcase_add_test(tc, test_phy_access);
    tcase_add_test(tc, test_link_up);
    tcase_add_test(tc, test_link_timeout);
    tcase_add_test(tc, test_enable_vfs_checks);
    tcase_add_test(tc, test_enable_vfs_programs_vmdq);
    tcase_add_test(tc, test_set_vf_mac);
    tcase_add_test(tc, test_mailbox_reset_gives_mac);
    tcase_add_test(tc, test_mailbox_reset_without_mac);
    tcase_add_test(tc, test_mailbox_set_mac_policy);
    tcase_add_test(tc, test_mailbox_other_requests_refused);
    tcase_add_test(tc, test_mailbox_vflr);
    tcase_add_test(tc, test_mailbox_busy_and_overflow);
    tcase_add_test(tc, test_reclaim);
    tcase_add_test(tc, test_loopback_antispoof_rate);
    tcase_add_test(tc, test_board_rate_limit);
    tcase_add_test(tc, test_vlan_filters);
    tcase_add_test(tc, test_pool_stats);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(igb_pf_suite)
