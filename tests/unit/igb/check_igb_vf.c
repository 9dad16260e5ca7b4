/*
 * tests/unit/igb/check_igb_vf.c: the igb VF driver against a model of QEMU's
 * 82576, with the real PF driver answering the mailbox (run from the VF's
 * idle hook, as a control plane would run concurrently).
 */
#include "igb_model.h"
#include <igb/igb_desc.h>
#include <igb/igb_pf.h>
#include <igb/igb_vf.h>
#include <string.h>
#include <unit.h>

#define TIMEOUT_US 1000000
#define RING       8
#define BUF        2048

static struct igb_model m;
static struct igb_pf pf;
static struct igb_vf vf0, vf1;
static unsigned pf_events[8]; // by kind
static bool pf_answers;
static bool pf_on_irq;        // the PF polls only when its mailbox vector (0) fired
static unsigned pf_irqs_seen; // of m.pf_msix[0]
static const uint8_t pf_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac0[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x10};
static const uint8_t mac1[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};
static const uint8_t peer[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02}; // slirp's gateway

// Arena layout: pages 0-3 VF 0's rings, 4-7 VF 1's, 16.. buffers (2 per page).
#define BUF_PAGE(vf, i) (16 + (vf)*24 + (i) / 2)

static void pf_poll(void *arg)
{
    struct igb_mbx_event ev[8];
    unsigned n;
    if (!pf_answers || !pf.num_vfs)
        return; // a PF that is not serving VFs (yet) answers nothing
    if (pf_on_irq && m.pf_msix[0] == pf_irqs_seen)
        return; // asleep until the mailbox interrupt, as netctl is
    pf_irqs_seen = m.pf_msix[0];
    ck_assert_uint_eq(igb_pf_mailbox_poll(&pf, ev, 8, &n), SYS_ERR_OK);
    for (unsigned i = 0; i < n; i++)
        pf_events[ev[i].kind]++;
}

static struct igb_pkt buf(unsigned vf, unsigned i)
{
    struct igbm_dma d = igbm_pages(&m, BUF_PAGE(vf, i), 1);
    unsigned off = (i % 2) * BUF;
    return (struct igb_pkt){.va = (uint8_t *)d.va + off, .iova = d.iova + off};
}

static struct igb_dma dma(unsigned page, unsigned n)
{
    struct igbm_dma d = igbm_pages(&m, page, n);
    return (struct igb_dma){d.va, d.iova, d.bytes};
}

static void vf_start(struct igb_vf *vf, unsigned n)
{
    struct mmio regs = igbm_vf_mmio(&m, n);
    ck_assert_uint_eq(igb_vf_init(vf, &regs, igbm_clock, pf_poll, &m), SYS_ERR_OK);
}

static void setup(void)
{
    igbm_init(&m, pf_mac);
    memset(pf_events, 0, sizeof(pf_events));
    pf_answers = true;
    pf_on_irq = false;
    pf_irqs_seen = 0;
    struct mmio regs = igbm_pf_mmio(&m);
    ck_assert_uint_eq(igb_pf_init(&pf, &regs, igbm_clock, &m), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_link_up(&pf, 2000000), SYS_ERR_OK);
    m.num_vfs = 2;
    ck_assert_uint_eq(igb_pf_enable_vfs(&pf, 2), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 0, mac0), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_set_vf_mac(&pf, 1, mac1), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, true), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 1, true), SYS_ERR_OK);
    vf_start(&vf0, 0);
    vf_start(&vf1, 1);
}

static void teardown(void) { ck_assert_uint_eq(m.bad_accesses, 0); }

// Reset vf (n), set up its rings and post RING - 1 buffers.
static void vf_up(struct igb_vf *vf, unsigned n, uint16_t bufsize)
{
    ck_assert_uint_eq(igb_vf_reset(vf, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_rings(vf, dma(4 * n, 1), RING, bufsize, dma(4 * n + 1, 1), RING),
                      SYS_ERR_OK);
    struct igb_pkt b[RING - 1];
    for (unsigned i = 0; i < RING - 1; i++)
        b[i] = buf(n, i);
    unsigned posted;
    ck_assert_uint_eq(igb_vf_rx_refill(vf, b, RING - 1, &posted), SYS_ERR_OK);
    ck_assert_uint_eq(posted, RING - 1);
}

// A frame dst <- src of len bytes (ethertype 0x88b5, payload seeded).
static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, size_t len, uint8_t seed)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seed + i * 7);
    return len;
}

// Send one frame of len bytes from vf, from its buffer slot i.
static void send_one(struct igb_vf *vf, unsigned n, unsigned i, const uint8_t *dst,
                     const uint8_t *src, size_t len, uint8_t seed)
{
    struct igb_pkt p = buf(n, 8 + i);
    p.len = (uint16_t)frame(p.va, dst, src, len, seed);
    unsigned sent;
    ck_assert_uint_eq(igb_vf_tx(vf, &p, 1, &sent), SYS_ERR_OK);
    ck_assert_uint_eq(sent, 1);
}

static unsigned rx_all(struct igb_vf *vf, struct igb_pkt *out, unsigned max)
{
    unsigned n;
    ck_assert_uint_eq(igb_vf_rx(vf, out, max, &n), SYS_ERR_OK);
    return n;
}

/* ---- Reset through the mailbox ---- */

START_TEST(test_init_vf_not_enabled)
{
    struct igb_vf v;
    struct mmio regs = igbm_vf_mmio(&m, 5); // VF 5 of 2
    ck_assert_uint_eq(igb_vf_init(&v, &regs, igbm_clock, NULL, &m), IGB_ERR_GONE);
}
END_TEST

START_TEST(test_reset_gets_mac)
{
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_mem_eq(vf0.mac, mac0, 6);
    ck_assert(vf0.reset_done);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_VFLR], 1);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_RESET], 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFRE) & 1, 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VFTE) & 1, 1);
    // Again, as an application restarting would.
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_RESET], 2);
}
END_TEST

// With the mailbox interrupt on, a PF that looks only when its vector
// fires (as netctl does) answers a VF's reset and requests unprompted:
// the VF's reset and each request raise the vector again. Masked, the
// same PF never hears the VF.
START_TEST(test_mailbox_irq)
{
    pf_on_irq = true;
    ck_assert_uint_eq(igb_pf_mailbox_irq(&pf, 10), SYS_ERR_INVALID_ARGS); // not the PF's
    ck_assert_uint_eq(igb_pf_mailbox_irq(&pf, 0), SYS_ERR_OK);
    ck_assert_uint_eq(m.pf_msix[0], 0);
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_mem_eq(vf0.mac, mac0, 6);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_VFLR], 1);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_RESET], 1);
    unsigned after_reset = m.pf_msix[0];
    ck_assert_uint_ge(after_reset, 2); // the VF's CTRL.RST (VFLRE), then VF_RESET
    ck_assert_uint_eq(igb_vf_set_mac(&vf0, mac0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_gt(m.pf_msix[0], after_reset);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_SET_MAC], 1);
    // The VF's ack of the reply raised it once more; the poll clears it.
    ck_assert_uint_eq(igbm_reg(&m, IGB_ICR) & IGB_ICR_VMMB, IGB_ICR_VMMB);
    pf_poll(&m);
    ck_assert_uint_eq(igbm_reg(&m, IGB_ICR) & IGB_ICR_VMMB, 0);

    struct mmio regs = igbm_pf_mmio(&m);
    mmio_write32(&regs, IGB_IMC, IGB_ICR_VMMB);
    unsigned masked = m.pf_msix[0];
    ck_assert_uint_eq(igb_vf_set_mac(&vf0, mac0, TIMEOUT_US), IGB_ERR_MBX_TIMEOUT);
    ck_assert_uint_eq(m.pf_msix[0], masked);
}
END_TEST

START_TEST(test_igb_pf_mailbox_irq_needs_vfs)
{
    struct igb_pf fresh;
    struct mmio regs = igbm_pf_mmio(&m);
    ck_assert_uint_eq(igb_pf_init(&fresh, &regs, igbm_clock, &m), SYS_ERR_OK);
    ck_assert_uint_eq(igb_pf_mailbox_irq(&fresh, 0), IGB_ERR_NOT_RESET);
}
END_TEST

START_TEST(test_reset_errors)
{
    // The PF never answers.
    pf_answers = false;
    uint64_t t0 = m.now_us;
    ck_assert_uint_eq(igb_vf_reset(&vf0, 50000), IGB_ERR_MBX_TIMEOUT);
    ck_assert_uint_lt(m.now_us - t0, 100000);
    ck_assert(!vf0.reset_done);
    // No MAC assigned.
    pf_answers = true;
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 1), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_reset(&vf1, TIMEOUT_US), IGB_ERR_NO_MAC);
    ck_assert(!vf1.reset_done);
    // The PF is resetting (and has not said it is done).
    ck_assert_uint_eq(igb_pf_reset(&pf), SYS_ERR_OK);
    t0 = m.now_us;
    ck_assert_uint_eq(igb_vf_reset(&vf0, 50000), IGB_ERR_PF_NOT_READY);
    ck_assert_uint_lt(m.now_us - t0, 100000);
}
END_TEST

START_TEST(test_set_mac)
{
    const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x99};
    ck_assert_uint_eq(igb_vf_set_mac(&vf0, mac0, TIMEOUT_US), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_set_mac(&vf0, other, TIMEOUT_US), IGB_ERR_MBX_NACK);
    ck_assert_mem_eq(vf0.mac, mac0, 6);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAL(1)), 0x02 | 0u << 8);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RAH(1)) & 0xffff, 0x1000);
    ck_assert_uint_eq(igb_vf_set_mac(&vf0, mac0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_SET_MAC], 2);
    // Frames for the refused address do not reach the VF.
    vf_up(&vf0, 0, BUF);
    uint8_t f[64];
    igbm_receive(&m, f, frame(f, other, peer, 64, 1));
    struct igb_pkt out[4];
    ck_assert_uint_eq(rx_all(&vf0, out, 4), 0);
}
END_TEST

/* ---- Rings ---- */

START_TEST(test_rings_checks)
{
    struct igb_dma r = dma(0, 1), t = dma(1, 1);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, BUF, t, RING), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, 4, BUF, t, RING), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, 12, BUF, t, RING), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, BUF, t, 512), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, 1000, t, RING), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, 512, t, RING), SYS_ERR_INVALID_ARGS);
    struct igb_dma small = {r.va, r.iova, 64};
    ck_assert_uint_eq(igb_vf_rings(&vf0, small, RING, BUF, t, RING), SYS_ERR_INVALID_ARGS);
    struct igb_dma odd = {(uint8_t *)t.va + 64, t.iova + 64, 1024};
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, BUF, odd, RING), SYS_ERR_ALIGNMENT);
    struct igb_pkt p = buf(0, 0);
    unsigned n;
    ck_assert_uint_eq(igb_vf_tx(&vf0, &p, 1, &n), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_vf_rx(&vf0, &p, 1, &n), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_vf_rx_refill(&vf0, &p, 1, &n), IGB_ERR_NOT_RESET);
    ck_assert_uint_eq(igb_vf_rings(&vf0, r, RING, BUF, t, RING), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDLEN(0)), RING * 16);
    ck_assert_uint_eq(igbm_reg(&m, IGB_TDBAL(0)), (uint32_t)t.iova);
    ck_assert_uint_eq(igbm_reg(&m, IGB_SRRCTL(0)) & 0x7f, 2);
    ck_assert(igbm_reg(&m, IGB_RXDCTL(0)) & IGB_RXDCTL_ENABLE);
    ck_assert(igbm_reg(&m, IGB_TXDCTL(0)) & IGB_TXDCTL_ENABLE);
    // A VF reset stops the queues: the rings must be set up again.
    ck_assert_uint_eq(igb_vf_reset(&vf0, TIMEOUT_US), SYS_ERR_OK);
    ck_assert(!(igbm_reg(&m, IGB_RXDCTL(0)) & IGB_RXDCTL_ENABLE));
    ck_assert_uint_eq(igb_vf_tx(&vf0, &p, 1, &n), IGB_ERR_NOT_RESET);
}
END_TEST

START_TEST(test_tx_batch_one_doorbell)
{
    vf_up(&vf0, 0, BUF);
    struct igb_pkt p[3];
    const size_t lens[3] = {60, 1514, 14};
    for (unsigned i = 0; i < 3; i++) {
        p[i] = buf(0, 8 + i);
        p[i].len = (uint16_t)frame(p[i].va, peer, mac0, lens[i], (uint8_t)i);
    }
    unsigned before = m.tdt_writes[0], sent;
    ck_assert_uint_eq(igb_vf_tx(&vf0, p, 3, &sent), SYS_ERR_OK);
    ck_assert_uint_eq(sent, 3);
    ck_assert_uint_eq(m.tdt_writes[0] - before, 1);
    ck_assert_uint_eq(m.nwire, 3);
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_uint_eq(m.wire[i].len, lens[i]);
        ck_assert_mem_eq(m.wire[i].data, p[i].va, lens[i]);
    }
    struct igb_pkt done[4];
    ck_assert_uint_eq(igb_vf_tx_reap(&vf0, done, 4), 3);
    ck_assert_ptr_eq(done[1].va, p[1].va);
    ck_assert_uint_eq(vf0.stats.tx_packets, 3);
    ck_assert_uint_eq(vf0.stats.tx_bytes, 60 + 1514 + 14);
    ck_assert_uint_eq(igb_vf_tx_reap(&vf0, done, 4), 0);
    struct igb_pool_stats hw;
    igb_vf_hw_stats(&vf0, &hw);
    ck_assert_uint_eq(hw.tx_packets, 3);
    ck_assert_uint_eq(hw.tx_octets, 60 + 1514 + 14 + 3 * 4);
}
END_TEST

START_TEST(test_tx_bad_and_full)
{
    vf_up(&vf0, 0, BUF);
    struct igb_pkt p[10];
    for (unsigned i = 0; i < 10; i++) {
        p[i] = buf(0, 8 + i);
        p[i].len = (uint16_t)frame(p[i].va, peer, mac0, 100, (uint8_t)i);
    }
    unsigned sent, before = m.tdt_writes[0];
    struct igb_pkt bad = p[0];
    bad.len = 13;
    ck_assert_uint_eq(igb_vf_tx(&vf0, &bad, 1, &sent), SYS_ERR_INVALID_ARGS);
    bad.len = 1515;
    ck_assert_uint_eq(igb_vf_tx(&vf0, &bad, 1, &sent), SYS_ERR_INVALID_ARGS);
    bad.len = 100;
    bad.iova = 0;
    struct igb_pkt mixed[2] = {p[0], bad};
    ck_assert_uint_eq(igb_vf_tx(&vf0, mixed, 2, &sent), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(sent, 0);
    ck_assert_uint_eq(m.tdt_writes[0], before); // nothing of a bad batch went out
    // The device sends at once in the model, but the ring only frees on reap.
    ck_assert_uint_eq(igb_vf_tx(&vf0, p, 10, &sent), SYS_ERR_OK);
    ck_assert_uint_eq(sent, RING - 1);
    ck_assert_uint_eq(igb_vf_tx(&vf0, p, 1, &sent), IGB_ERR_RING_FULL);
    ck_assert_uint_eq(sent, 0);
    struct igb_pkt done[RING];
    ck_assert_uint_eq(igb_vf_tx_reap(&vf0, done, 2), 2);
    ck_assert_uint_eq(igb_vf_tx(&vf0, p + 7, 3, &sent), SYS_ERR_OK);
    ck_assert_uint_eq(sent, 2);
    ck_assert_uint_eq(m.nwire, RING - 1 + 2);
}
END_TEST

START_TEST(test_tx_stops_without_vfte)
{
    vf_up(&vf0, 0, BUF);
    ck_assert_uint_eq(igb_pf_vf_enable(&pf, 0, false), SYS_ERR_OK);
    send_one(&vf0, 0, 0, peer, mac0, 60, 0);
    ck_assert_uint_eq(m.nwire, 0);
    struct igb_pkt done[2];
    ck_assert_uint_eq(igb_vf_tx_reap(&vf0, done, 2), 0);
}
END_TEST

START_TEST(test_rx_unicast_and_broadcast)
{
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    struct igb_pkt out[8];
    unsigned posted;
    struct igb_pkt extra = buf(0, 7);
    ck_assert_uint_eq(igb_vf_rx_refill(&vf0, &extra, 1, &posted), IGB_ERR_RING_FULL);
    ck_assert(!igb_vf_rx_pending(&vf0));
    uint8_t f[1514];
    igbm_receive(&m, f, frame(f, mac0, peer, 1514, 3));
    ck_assert(igb_vf_rx_pending(&vf0));
    ck_assert_uint_eq(rx_all(&vf0, out, 8), 1);
    ck_assert_uint_eq(out[0].len, 1514);
    ck_assert_mem_eq(out[0].va, f, 1514);
    ck_assert_uint_eq(rx_all(&vf1, out, 8), 0); // not its MAC
    // Short frames arrive padded to 60 bytes, as QEMU pads them.
    igbm_receive(&m, f, frame(f, mac1, peer, 42, 4));
    ck_assert_uint_eq(rx_all(&vf1, out, 8), 1);
    ck_assert_uint_eq(out[0].len, 60);
    ck_assert_mem_eq(out[0].va, f, 42);
    ck_assert_uint_eq(rx_all(&vf0, out, 8), 0);
    // Broadcast reaches both; unicast for nobody reaches neither (the PF's pool).
    const uint8_t bcast[6] = {255, 255, 255, 255, 255, 255}, nobody[6] = {2, 9, 9, 9, 9, 9};
    igbm_receive(&m, f, frame(f, bcast, peer, 60, 5));
    igbm_receive(&m, f, frame(f, nobody, peer, 60, 6));
    ck_assert_uint_eq(rx_all(&vf0, out, 8), 1);
    ck_assert_mem_eq(out[0].va, bcast, 6);
    ck_assert_uint_eq(rx_all(&vf1, out, 8), 1);
    ck_assert_mem_eq(out[0].va, bcast, 6);
    ck_assert_uint_eq(vf0.stats.rx_packets, 2);
    ck_assert_uint_eq(vf0.stats.rx_bytes, 1514 + 60);
    struct igb_pool_stats hw;
    igb_vf_hw_stats(&vf1, &hw);
    ck_assert_uint_eq(hw.rx_packets, 2);
}
END_TEST

START_TEST(test_rx_refill_and_overrun)
{
    vf_up(&vf0, 0, BUF);
    uint8_t f[100];
    frame(f, mac0, peer, 100, 1);
    for (unsigned i = 0; i < RING; i++) // one more than buffers posted
        igbm_receive(&m, f, 100);
    ck_assert_uint_eq(m.rx_no_buffer, 1);
    struct igb_pkt out[RING];
    ck_assert_uint_eq(rx_all(&vf0, out, 3), 3); // max respected
    // The ring had run out (the device dropped a frame it could not count):
    // one episode, however often it is polled before buffers come back.
    ck_assert_uint_eq(vf0.stats.rx_ring_exhausted, 1);
    ck_assert_uint_eq(rx_all(&vf0, out + 3, RING), RING - 4);
    ck_assert_uint_eq(rx_all(&vf0, out + RING - 1, 1), 0);
    ck_assert_uint_eq(vf0.stats.rx_ring_exhausted, 1);
    unsigned posted;
    ck_assert_uint_eq(igb_vf_rx_refill(&vf0, out, RING - 1, &posted), SYS_ERR_OK);
    ck_assert_uint_eq(posted, RING - 1);
    igbm_receive(&m, f, 100);
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    ck_assert_uint_eq(vf0.stats.rx_ring_exhausted, 1); // room again: no new episode
    struct igb_pkt zero = out[0];
    zero.iova = 0;
    ck_assert_uint_eq(igb_vf_rx_refill(&vf0, &zero, 1, &posted), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_rx_errors_dropped_and_counted)
{
    vf_up(&vf0, 0, BUF);
    uint8_t f[200];
    frame(f, mac0, peer, 200, 1);
    m.rx_error_bits = IGB_RXD_ERR_TCPE; // QEMU's L4 checksum error
    igbm_receive(&m, f, 200);
    m.rx_error_bits = IGB_RXD_ERR_IPE;
    igbm_receive(&m, f, 200);
    m.rx_error_bits = 0;
    struct igb_pkt out[RING];
    uint32_t rdt = igbm_reg(&m, IGB_RDT(0));
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 0);
    ck_assert_uint_eq(vf0.stats.rx_errors, 2);
    ck_assert_uint_eq(vf0.stats.rx_packets, 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDT(0)), (rdt + 2) % RING); // both buffers back, one write
    // The ring is still full of buffers: seven good frames fit.
    for (unsigned i = 0; i < RING - 1; i++)
        igbm_receive(&m, f, 200);
    ck_assert_uint_eq(m.rx_no_buffer, 0);
    ck_assert_uint_eq(rx_all(&vf0, out, RING), RING - 1);
}
END_TEST

// A frame's checksum status reaches the caller; only IPv4 header, L4 and
// UDP checks all done say its UDP checksums were checked.
START_TEST(test_rx_csum_status)
{
    vf_up(&vf0, 0, BUF);
    uint8_t f[200];
    frame(f, mac0, peer, 200, 1);
    const uint32_t all = IGB_RXD_STAT_IPCS | IGB_RXD_STAT_L4I | IGB_RXD_STAT_UDPCS;
    const uint32_t said[4] = {all, 0, IGB_RXD_STAT_IPCS, IGB_RXD_STAT_IPCS | IGB_RXD_STAT_L4I};
    for (unsigned i = 0; i < 4; i++) {
        m.rx_csum_bits = said[i];
        igbm_receive(&m, f, 200);
    }
    m.rx_csum_bits = 0;
    struct igb_pkt out[RING];
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 4);
    ck_assert_uint_eq(out[0].flags & all, all);
    ck_assert(igb_rxd_udp_csum_good(out[0].flags));
    for (unsigned i = 1; i < 4; i++) {
        ck_assert_uint_eq(out[i].flags & all, said[i]);
        ck_assert(!igb_rxd_udp_csum_good(out[i].flags));
    }
    ck_assert(!igb_rxd_udp_csum_good(IGB_RXD_STAT_DD | IGB_RXD_STAT_EOP));
}
END_TEST

// The transmit ring starts with the checksum context (index 0); a frame
// asking for checksums names it, others ask for nothing.
START_TEST(test_tx_csum_context)
{
    vf_up(&vf0, 0, BUF);
    const struct igb_tx_ctx_desc *c = dma(1, 1).va;
    ck_assert_uint_eq(c->vlan_macip_lens, (14u << 9) | 20u);
    ck_assert_uint_eq(c->type_tucmd_mlhl,
                      IGB_TXD_DTYP_CTXT | IGB_TXD_CMD_DEXT | IGB_TXCTX_TUCMD_IPV4);
    ck_assert_uint_eq(c->mss_l4len_idx, 0);
    ck_assert_uint_eq(igbm_reg(&m, IGB_TDT(0)), 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_TDH(0)), 1); // the device took it
    struct igb_pkt p[2];
    for (unsigned i = 0; i < 2; i++) {
        p[i] = buf(0, 8 + i);
        p[i].len = (uint16_t)frame(p[i].va, peer, mac0, 100, (uint8_t)i);
    }
    p[0].flags = IGB_TX_CSUM_IP4_UDP;
    unsigned sent;
    ck_assert_uint_eq(igb_vf_tx(&vf0, p, 2, &sent), SYS_ERR_OK);
    ck_assert_uint_eq(sent, 2);
    const union igb_tx_desc *d = dma(1, 1).va;
    // Bits 13:4 (the write-back's DD is bit 0 of the same word).
    ck_assert_uint_eq(d[1].read.olinfo_status & 0x3ff0,
                      IGB_TXD_IDX(0) | IGB_TXD_POPTS_IXSM | IGB_TXD_POPTS_TXSM);
    ck_assert_uint_eq(d[2].read.olinfo_status & 0x3ff0, 0);
    struct igb_pkt done[4];
    ck_assert_uint_eq(igb_vf_tx_reap(&vf0, done, 4), 2); // the context is not reaped
    ck_assert_ptr_eq(done[0].va, p[0].va);
    ck_assert_uint_eq(m.nwire, 2);
}
END_TEST

START_TEST(test_rx_oversized)
{
    vf_up(&vf0, 0, 1024); // buffers smaller than a full frame
    uint8_t f[1600];
    igbm_receive(&m, f, frame(f, mac0, peer, 1500, 2)); // spans two descriptors
    igbm_receive(&m, f, frame(f, mac0, peer, 300, 3));
    struct igb_pkt out[RING];
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    ck_assert_uint_eq(out[0].len, 300);
    ck_assert_mem_eq(out[0].va, f, 300);
    ck_assert_uint_eq(vf0.stats.rx_drops, 1);
    // Larger than the device takes without long-packet mode: never delivered.
    igbm_receive(&m, f, frame(f, mac0, peer, 1515, 4));
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 0);
    ck_assert_uint_eq(vf0.stats.rx_drops + vf0.stats.rx_errors, 1);
    // The dropped frame's buffers went back: RING - 1 small frames still fit.
    for (unsigned i = 0; i < RING - 2; i++)
        igbm_receive(&m, f, frame(f, mac0, peer, 100, 5));
    ck_assert_uint_eq(m.rx_no_buffer, 0);
}
END_TEST

/* ---- Between VFs, through the device ---- */

START_TEST(test_loopback_between_vfs)
{
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    struct igb_pkt out[RING];
    send_one(&vf0, 0, 0, mac1, mac0, 200, 9);
    ck_assert_uint_eq(m.nwire, 0); // switched inside the device
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 1);
    ck_assert_uint_eq(out[0].len, 200);
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 0);
    send_one(&vf0, 0, 1, peer, mac0, 200, 9); // for the wire
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 0);
    // QEMU hands a looped broadcast back to its sender too.
    const uint8_t bcast[6] = {255, 255, 255, 255, 255, 255};
    send_one(&vf0, 0, 2, bcast, mac0, 60, 9);
    ck_assert_uint_eq(m.nwire, 2);
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 1);
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    // Without loopback, frames between VFs leave on the wire.
    ck_assert_uint_eq(igb_pf_set_loopback(&pf, false), SYS_ERR_OK);
    send_one(&vf0, 0, 3, mac1, mac0, 200, 9);
    ck_assert_uint_eq(m.nwire, 3);
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 0);
}
END_TEST

START_TEST(test_spoofed_source_not_stopped)
{
    // QEMU's igb ignores the anti-spoof bits; the PF says so, and a VF can
    // indeed send with another VF's source address.
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    ck_assert_uint_eq(igb_pf_set_antispoof(&pf, 0, true), IGB_ERR_NO_ANTISPOOF);
    send_one(&vf0, 0, 0, peer, mac1, 60, 1);
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_mem_eq(m.wire[0].data + 6, mac1, 6);
}
END_TEST

START_TEST(test_board_drops_spoofed_source)
{
    // On an 82576 board the same bits stop it: the PF turned anti-spoofing
    // on with the VF's pool, the frame never leaves, and WVBR names the pool.
    m.board = true;
    igb_pf_identify(&pf, 0x8086, 0x0000);
    ck_assert_uint_eq(igb_pf_enforced(&pf), IGB_ENFORCES_ANTISPOOF | IGB_ENFORCES_RATE_LIMIT);
    ck_assert(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(0));
    ck_assert(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_VLAN_SPOOF(1));
    vf_up(&vf0, 0, BUF);
    send_one(&vf0, 0, 0, peer, mac1, 60, 1); // as VF 1
    ck_assert_uint_eq(m.nwire, 0);
    ck_assert_uint_eq(m.spoofed, 1);
    send_one(&vf0, 0, 1, peer, mac0, 60, 2); // as itself
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_uint_eq(igb_pf_spoof_events(&pf), IGB_SPOOF_MAC(0));
    ck_assert_uint_eq(igb_pf_spoof_events(&pf), 0); // read to clear
    // A VF taken back is no longer checked (nor allowed to send).
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 0), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(0), 0);
}
END_TEST

START_TEST(test_rx_mode_broadcast_multicast)
{
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    const uint8_t bcast[6] = {255, 255, 255, 255, 255, 255};
    struct igb_pkt out[RING];
    uint8_t f[128];
    ck_assert_uint_eq(pf.vf[1].rx_mode, IGB_RX_BCAST);
    ck_assert_uint_eq(igb_pf_set_vf_rx_mode(&pf, 1, 0), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMOLR(1)) & IGB_VMOLR_BAM, 0);
    igbm_receive(&m, f, frame(f, bcast, peer, 60, 1));
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 0); // the device kept it from VF 1
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    igbm_receive(&m, f, frame(f, mac1, peer, 60, 2));
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 1); // its own unicast still comes
    ck_assert_uint_eq(igb_pf_set_vf_rx_mode(&pf, 1, IGB_RX_BCAST | IGB_RX_MCAST), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMOLR(1)) &
                          (IGB_VMOLR_BAM | IGB_VMOLR_ROMPE | IGB_VMOLR_MPME),
                      IGB_VMOLR_BAM | IGB_VMOLR_ROMPE | IGB_VMOLR_MPME);
    igbm_receive(&m, f, frame(f, bcast, peer, 60, 3));
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 1);
    ck_assert_uint_eq(igb_pf_set_vf_rx_mode(&pf, 1, 4), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_pf_set_vf_rx_mode(&pf, 2, 0), SYS_ERR_INVALID_ARGS);
    // A VF taken back starts over with broadcast only.
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 1), SYS_ERR_OK);
    ck_assert_uint_eq(pf.vf[1].rx_mode, IGB_RX_BCAST);
    ck_assert_uint_eq(igbm_reg(&m, IGB_VMOLR(1)) & (IGB_VMOLR_BAM | IGB_VMOLR_ROMPE),
                      IGB_VMOLR_BAM);
}
END_TEST

START_TEST(test_vlan_access_port)
{
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    ck_assert_uint_eq(igb_pf_set_vf_vlan(&pf, 1, 5), SYS_ERR_OK);
    struct igb_pkt out[RING];
    uint8_t f[300];
    // Untagged: not for VF 1 any more, still for VF 0.
    igbm_receive(&m, f, frame(f, mac1, peer, 100, 1));
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 0);
    igbm_receive(&m, f, frame(f, mac0, peer, 100, 1));
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    // Tagged 5: to VF 1, the tag stripped.
    size_t len = frame(f, mac1, peer, 104, 2);
    memmove(f + 16, f + 12, len - 12);
    f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 5;
    igbm_receive(&m, f, len + 4);
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 1);
    ck_assert_uint_eq(out[0].len, len);
    ck_assert_uint_eq(((uint8_t *)out[0].va)[12], 0x88);
    // Tagged 6: nobody.
    f[15] = 6;
    igbm_receive(&m, f, len + 4);
    ck_assert_uint_eq(rx_all(&vf1, out, RING), 0);
    // What VF 1 sends carries the tag.
    send_one(&vf1, 1, 0, peer, mac1, 100, 3);
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_uint_eq(m.wire[0].len, 104);
    ck_assert_uint_eq(m.wire[0].data[12], 0x81);
    ck_assert_uint_eq(m.wire[0].data[15], 5);
}
END_TEST

/* ---- Interrupts ---- */

START_TEST(test_irq_polling_switch)
{
    ck_assert_uint_eq(igb_vf_irq_enable(&vf0, true), SYS_ERR_INVALID_ARGS); // nothing mapped
    ck_assert_uint_eq(igb_vf_irq_map(&vf0, 0, -1), IGB_ERR_NOT_RESET);
    vf_up(&vf0, 0, BUF);
    ck_assert_uint_eq(igb_vf_irq_map(&vf0, 3, -1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_irq_map(&vf0, -1, -1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_irq_map(&vf0, 1, -1), SYS_ERR_OK);
    uint8_t f[100];
    frame(f, mac0, peer, 100, 1);
    igbm_receive(&m, f, 100);
    ck_assert_uint_eq(m.msix[0][1], 0); // mapped but masked
    ck_assert_uint_eq(igb_vf_irq_enable(&vf0, true), SYS_ERR_OK);
    ck_assert_uint_eq(m.msix[0][1], 1); // the cause that waited is sent on unmask
    igbm_receive(&m, f, 100);
    igbm_receive(&m, f, 100);
    ck_assert_uint_eq(m.msix[0][1], 3); // auto-cleared: each frame interrupts
    ck_assert_uint_eq(igb_vf_irq_enable(&vf0, false), SYS_ERR_OK);
    igbm_receive(&m, f, 100);
    ck_assert_uint_eq(m.msix[0][1], 3); // polling: quiet
    ck_assert_uint_eq(m.msix[0][0] + m.msix[0][2] + m.msix[1][0] + m.msix[1][1], 0);
    struct igb_pkt out[RING];
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 4);
}
END_TEST

START_TEST(test_irq_tx_vector)
{
    vf_up(&vf1, 1, BUF);
    ck_assert_uint_eq(igb_vf_irq_map(&vf1, 0, 2), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_irq_enable(&vf1, true), SYS_ERR_OK);
    send_one(&vf1, 1, 0, peer, mac1, 60, 1);
    ck_assert_uint_eq(m.msix[1][2], 1);
    ck_assert_uint_eq(m.msix[1][0], 0);
    ck_assert_uint_eq(m.msix[0][2], 0);
}
END_TEST

/* ---- The second queue pair and RSS ---- */

// A UDP datagram to dst from 10.0.2.2:sport to 10.0.2.15:7 (60 bytes).
static size_t udp_frame(uint8_t *f, const uint8_t *dst, uint16_t sport)
{
    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, peer, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    f[17] = 46; // total length
    f[22] = 64;
    f[23] = 17;
    memcpy(f + 26, (const uint8_t[8]){10, 0, 2, 2, 10, 0, 2, 15}, 8);
    f[34] = (uint8_t)(sport >> 8);
    f[35] = (uint8_t)sport;
    f[37] = 7;
    f[39] = 26; // UDP length
    return 60;
}

// Queue pair 1 of VF 0 up: rings on pages 2-3, buffers from VF 1's slots.
static void q1_up(struct igb_vf *q1)
{
    ck_assert_uint_eq(igb_vf_queue1(q1, &vf0), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_rings(q1, dma(2, 1), RING, BUF, dma(3, 1), RING), SYS_ERR_OK);
    struct igb_pkt b[RING - 1];
    for (unsigned i = 0; i < RING - 1; i++)
        b[i] = buf(1, i);
    unsigned posted;
    ck_assert_uint_eq(igb_vf_rx_refill(q1, b, RING - 1, &posted), SYS_ERR_OK);
}

// Send n datagrams to dst from source ports 40000.., taking what each
// queue pair received as it goes (the rings hold RING - 1); per pair counts.
static void flows(const uint8_t *dst, unsigned n, struct igb_vf *a, struct igb_vf *b,
                  unsigned got[2])
{
    struct igb_pkt out[RING];
    got[0] = got[1] = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t f[60];
        igbm_receive(&m, f, udp_frame(f, dst, (uint16_t)(40000 + i)));
        struct igb_vf *q[2] = {a, b};
        for (unsigned k = 0; k < 2; k++) {
            unsigned r = rx_all(q[k], out, RING);
            got[k] += r;
            unsigned posted;
            ck_assert_uint_eq(igb_vf_rx_refill(q[k], out, r, &posted), SYS_ERR_OK);
        }
    }
}

START_TEST(test_queue1_is_the_pf_queue_plus_8)
{
    struct igb_vf q1, q2;
    ck_assert_uint_eq(igb_vf_queue1(&q1, &vf0), IGB_ERR_NOT_RESET);
    vf_up(&vf0, 0, BUF);
    q1_up(&q1);
    ck_assert_uint_eq(igb_vf_queue1(&q2, &q1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igb_vf_set_rss(&q1, true, TIMEOUT_US), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDBAL(8)), (uint32_t)dma(2, 1).iova);
    ck_assert_uint_eq(igbm_reg(&m, IGB_TDBAL(8)), (uint32_t)dma(3, 1).iova);
    ck_assert(igbm_reg(&m, IGB_RXDCTL(8)) & IGB_RXDCTL_ENABLE);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDT(8)), RING - 1);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDBAL(0)), (uint32_t)dma(0, 1).iova); // pair 0 untouched
    // Without RSS everything stays on pair 0; pair 1 still transmits.
    unsigned got[2];
    flows(mac0, 20, &vf0, &q1, got);
    ck_assert_uint_eq(got[0], 20);
    ck_assert_uint_eq(got[1], 0);
    send_one(&q1, 1, 0, peer, mac0, 60, 3);
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_uint_eq(m.tdt_writes[8], 3); // the ring set-up's two and the doorbell
}
END_TEST

// Pair 1 driven by another process (its own mapping of the registers):
// the same handle igb_vf_queue1 makes, made without touching a register
// (the mailbox's bits are read-to-clear, and pair 0's), and it drives the
// PF's queue 8.
static unsigned apart_reads;
static uint32_t apart_read32(void *arg, uint32_t off)
{
    apart_reads++;
    const struct mmio *regs = arg;
    return mmio_read32(regs, off);
}

START_TEST(test_queue1_apart_is_queue1)
{
    struct igb_vf q1, apart;
    vf_up(&vf0, 0, BUF);
    ck_assert_uint_eq(igb_vf_queue1(&q1, &vf0), SYS_ERR_OK);
    struct mmio counted = vf0.regs;
    counted.read32 = apart_read32;
    counted.arg = &vf0.regs;
    apart_reads = 0;
    igb_vf_queue1_apart(&apart, &counted, vf0.mac, vf0.clock_us, vf0.arg);
    ck_assert_uint_eq(apart_reads, 0);
    ck_assert_mem_eq(&apart.mac, &q1.mac, 6);
    ck_assert(apart.reset_done && apart.qoff == q1.qoff && apart.clock_us == q1.clock_us);
    apart.regs = vf0.regs; // (the rest as igb_vf_queue1's, through the same registers)
    ck_assert_mem_eq(&apart, &q1, sizeof(q1));
    ck_assert_uint_eq(igb_vf_rings(&apart, dma(2, 1), RING, BUF, dma(3, 1), RING), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RDBAL(8)), (uint32_t)dma(2, 1).iova);
    send_one(&apart, 1, 0, peer, mac0, 60, 3);
    ck_assert_uint_eq(m.nwire, 1);
    ck_assert_uint_eq(m.tdt_writes[8], 3);
}
END_TEST

START_TEST(test_rss_refused_while_another_vf_runs)
{
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, true, TIMEOUT_US), IGB_ERR_MBX_NACK);
    ck_assert_uint_eq(igb_vf_set_rss(&vf1, true, TIMEOUT_US), IGB_ERR_MBX_NACK);
    ck_assert_uint_eq(pf_events[IGB_MBX_EV_SET_RSS], 2);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC), IGB_MRQC_VMDQ);
    ck_assert_uint_eq(igb_pf_set_vf_rss(&pf, 1, true), IGB_ERR_NO_RSS);
    ck_assert_uint_eq(igb_pf_set_vf_rss(&pf, 7, true), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_rss_spreads_flows_over_both_pairs)
{
    struct igb_vf q1;
    vf_up(&vf0, 0, BUF); // VF 1 never resets: VF 0 is the only one running
    q1_up(&q1);
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, true, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC) & 3, IGB_MRQC_RSS);
    ck_assert(igbm_reg(&m, IGB_MRQC) & IGB_MRQC_FIELD_IPV4_UDP);
    ck_assert(igbm_reg(&m, IGB_RXCSUM) & IGB_RXCSUM_PCSD);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RSSRK(0)), 0xda565a6du);
    ck_assert_uint_eq(igbm_reg(&m, IGB_RETA(31)), 0x08000800u);
    unsigned got[2];
    flows(mac0, 64, &vf0, &q1, got);
    ck_assert_uint_eq(got[0] + got[1], 64);
    ck_assert_uint_gt(got[0], 8); // 64 flows: each pair gets a fair share
    ck_assert_uint_gt(got[1], 8);
    ck_assert_uint_eq(m.rx_queue[8], got[1]);
    ck_assert_uint_eq(q1.stats.rx_packets, got[1]);
    // ARP (no hash) goes to pair 0.
    uint8_t f[60];
    struct igb_pkt out[RING];
    frame(f, (const uint8_t[6]){255, 255, 255, 255, 255, 255}, peer, 60, 1);
    f[12] = 0x08, f[13] = 0x06;
    igbm_receive(&m, f, 60);
    ck_assert_uint_eq(rx_all(&vf0, out, RING), 1);
    ck_assert_uint_eq(rx_all(&q1, out, RING), 0);
    // Off again: all to pair 0, the device back in VMDq mode.
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, false, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC), IGB_MRQC_VMDQ);
    ck_assert(!(igbm_reg(&m, IGB_RXCSUM) & IGB_RXCSUM_PCSD));
}
END_TEST

START_TEST(test_rss_ends_when_another_vf_starts_or_vf0_resets)
{
    vf_up(&vf0, 0, BUF);
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, true, TIMEOUT_US), SYS_ERR_OK);
    vf_up(&vf1, 1, BUF); // its frames must reach it, not VF 0's queues
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC), IGB_MRQC_VMDQ);
    ck_assert(!pf.vf[0].rss);
    unsigned got[2];
    flows(mac1, 5, &vf1, &vf0, got);
    ck_assert_uint_eq(got[0], 5);
    ck_assert_uint_eq(got[1], 0);
    ck_assert_uint_eq(igb_pf_vf_reclaim(&pf, 1), SYS_ERR_OK);
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, true, TIMEOUT_US), SYS_ERR_OK); // alone again
    vf_up(&vf0, 0, BUF);                                                   // starts over
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC), IGB_MRQC_VMDQ);
    ck_assert(!pf.vf[0].rss);
}
END_TEST

START_TEST(test_rss_board_per_pool)
{
    struct igb_vf q1;
    m.board = true;
    igb_pf_identify(&pf, 0x8086, 0x0000);
    vf_up(&vf0, 0, BUF);
    vf_up(&vf1, 1, BUF);
    q1_up(&q1);
    ck_assert_uint_eq(igb_vf_set_rss(&vf0, true, TIMEOUT_US), SYS_ERR_OK);
    ck_assert_uint_eq(igbm_reg(&m, IGB_MRQC) & 7, IGB_MRQC_VMDQ_RSS);
    ck_assert(igbm_reg(&m, IGB_VMOLR(0)) & IGB_VMOLR_RSSE);
    ck_assert(!(igbm_reg(&m, IGB_VMOLR(1)) & IGB_VMOLR_RSSE));
    ck_assert_uint_eq(igbm_reg(&m, IGB_RETA(0)), 0x08000800u);
    unsigned got[2];
    flows(mac0, 64, &vf0, &q1, got);
    ck_assert_uint_eq(got[0] + got[1], 64);
    ck_assert_uint_gt(got[0], 8);
    ck_assert_uint_gt(got[1], 8);
    flows(mac1, 10, &vf1, &q1, got); // VF 1's pool has no RSS: all on its queue 0
    ck_assert_uint_eq(got[0], 10);
    ck_assert_uint_eq(got[1], 0);
}
END_TEST

static Suite *igb_vf_suite(void)
{
    Suite *s = suite_create("igb_vf");
    TCase *tc = tcase_create("vf");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_init_vf_not_enabled);
    tcase_add_test(tc, test_reset_gets_mac);
    tcase_add_test(tc, test_reset_errors);
    tcase_add_test(tc, test_mailbox_irq);
    tcase_add_test(tc, test_igb_pf_mailbox_irq_needs_vfs);
    tcase_add_test(tc, test_set_mac);
    tcase_add_test(tc, test_rings_checks);
    tcase_add_test(tc, test_tx_batch_one_doorbell);
    tcase_add_test(tc, test_tx_bad_and_full);
    tcase_add_test(tc, test_tx_stops_without_vfte);
    tcase_add_test(tc, test_rx_unicast_and_broadcast);
    tcase_add_test(tc, test_rx_refill_and_overrun);
    tcase_add_test(tc, test_rx_errors_dropped_and_counted);
    tcase_add_test(tc, test_rx_csum_status);
    tcase_add_test(tc, test_tx_csum_context);
    tcase_add_test(tc, test_rx_oversized);
    tcase_add_test(tc, test_loopback_between_vfs);
    tcase_add_test(tc, test_spoofed_source_not_stopped);
    tcase_add_test(tc, test_board_drops_spoofed_source);
    tcase_add_test(tc, test_rx_mode_broadcast_multicast);
    tcase_add_test(tc, test_vlan_access_port);
    tcase_add_test(tc, test_irq_polling_switch);
    tcase_add_test(tc, test_irq_tx_vector);
    tcase_add_test(tc, test_queue1_is_the_pf_queue_plus_8);
    tcase_add_test(tc, test_queue1_apart_is_queue1);
    tcase_add_test(tc, test_rss_refused_while_another_vf_runs);
    tcase_add_test(tc, test_rss_spreads_flows_over_both_pairs);
    tcase_add_test(tc, test_rss_ends_when_another_vf_starts_or_vf0_resets);
    tcase_add_test(tc, test_rss_board_per_pool);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(igb_vf_suite)
