/* drivers/igb/igb_vf.c: 82576 VF reset and mailbox requests, interrupts, device counters. */
#include "igb_vf_priv.h"
#include <base/string.h>

uint32_t igb_vf_rd(const struct igb_vf *vf, uint32_t off) { return mmio_read32(&vf->regs, off); }

void igb_vf_wr(struct igb_vf *vf, uint32_t off, uint32_t v) { mmio_write32(&vf->regs, off, v); }

errval_t igb_vf_init(struct igb_vf *vf, const struct mmio *regs, uint64_t (*clock_us)(void *arg),
                     void (*idle)(void *arg), void *arg)
{
    memset(vf, 0, sizeof(*vf));
    vf->regs = *regs;
    vf->clock_us = clock_us;
    vf->idle = idle;
    vf->arg = arg;
    return igb_vf_rd(vf, IGB_VF_MBX) == 0xffffffffu ? IGB_ERR_GONE : SYS_ERR_OK;
}

static uint64_t now(const struct igb_vf *vf) { return vf->clock_us(vf->arg); }

static void wait_a_little(const struct igb_vf *vf)
{
    if (vf->idle)
        vf->idle(vf->arg);
}

// Read the mailbox register. Reading clears PFSTS, PFACK and RSTD, so
// they are kept in mbx_bits until the code waiting for them takes them.
static uint32_t mbx_read(struct igb_vf *vf)
{
    uint32_t v = igb_vf_rd(vf, IGB_VF_MBX);
    if (v != 0xffffffffu)
        vf->mbx_bits |= v & IGB_V2P_R2C;
    return v;
}

// Wait until bit (one of the read-to-clear bits) has been seen, and
// consume it. IGB_ERR_GONE if the registers vanish, SYS_ERR_TIMEOUT.
static MUST_CHECK errval_t mbx_take(struct igb_vf *vf, uint32_t bit, uint64_t deadline)
{
    for (;;) {
        if (mbx_read(vf) == 0xffffffffu)
            return IGB_ERR_GONE;
        if (vf->mbx_bits & bit) {
            vf->mbx_bits &= ~bit;
            return SYS_ERR_OK;
        }
        if (now(vf) > deadline)
            return SYS_ERR_TIMEOUT;
        wait_a_little(vf);
    }
}

// Take the message buffer (VFU), which the PF may hold for a moment.
static MUST_CHECK errval_t mbx_lock(struct igb_vf *vf, uint64_t deadline)
{
    for (;;) {
        igb_vf_wr(vf, IGB_VF_MBX, IGB_V2P_VFU);
        uint32_t v = mbx_read(vf);
        if (v == 0xffffffffu)
            return IGB_ERR_GONE;
        if (v & IGB_V2P_VFU)
            return SYS_ERR_OK;
        if (now(vf) > deadline)
            return IGB_ERR_MBX_BUSY;
        wait_a_little(vf);
    }
}

// Send len words and wait for the PF's reply (up to IGB_MBX_WORDS words
// into reply), all before deadline.
static MUST_CHECK errval_t mbx_call(struct igb_vf *vf, const uint32_t *msg, unsigned len,
                                    uint32_t *reply, uint64_t deadline)
{
    errval_t err = mbx_lock(vf, deadline);
    if (err_is_fail(err))
        return err;
    vf->mbx_bits &= ~(IGB_V2P_PFACK | IGB_V2P_PFSTS); // anything earlier is not about this
    for (unsigned i = 0; i < len; i++)
        igb_vf_wr(vf, IGB_VF_MBMEM + 4 * i, msg[i]);
    igb_vf_wr(vf, IGB_VF_MBX, IGB_V2P_REQ); // and VFU clear: the buffer is the PF's to read
    err = mbx_take(vf, IGB_V2P_PFACK, deadline);
    if (err_is_ok(err))
        err = mbx_take(vf, IGB_V2P_PFSTS, deadline);
    if (err_is_ok(err))
        err = mbx_lock(vf, deadline);
    if (err_no(err) == SYS_ERR_TIMEOUT)
        return IGB_ERR_MBX_TIMEOUT;
    if (err_is_fail(err))
        return err;
    for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
        reply[i] = igb_vf_rd(vf, IGB_VF_MBMEM + 4 * i);
    igb_vf_wr(vf, IGB_VF_MBX, IGB_V2P_ACK); // read, and the buffer released
    return SYS_ERR_OK;
}

static void words_to_mac(const uint32_t *w, uint8_t mac[6])
{
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
}

// Wait for the PF to be out of reset (RSTI clear): before that it does
// not read the mailbox.
static MUST_CHECK errval_t wait_pf_ready(struct igb_vf *vf, uint64_t deadline)
{
    for (;;) {
        uint32_t v = mbx_read(vf);
        if (v == 0xffffffffu)
            return IGB_ERR_GONE;
        if (!(v & IGB_V2P_RSTI))
            return SYS_ERR_OK;
        if (now(vf) > deadline)
            return IGB_ERR_PF_NOT_READY;
        wait_a_little(vf);
    }
}

errval_t igb_vf_reset(struct igb_vf *vf, uint64_t timeout_us)
{
    uint64_t deadline = now(vf) + timeout_us;
    vf->reset_done = vf->rings_up = vf->in_frame = false;
    vf->irq_mask = 0;
    igb_vf_wr(vf, IGB_VF_CTRL, IGB_CTRL_RST);
    errval_t err = wait_pf_ready(vf, deadline);
    if (err_is_fail(err))
        return err;
    vf->mbx_bits = 0;
    uint32_t msg = IGB_MSG_VF_RESET, reply[IGB_MBX_WORDS];
    err = mbx_call(vf, &msg, 1, reply, deadline);
    if (err_is_fail(err))
        return err;
    if (reply[0] == (IGB_MSG_VF_RESET | IGB_MSG_NACK))
        return IGB_ERR_NO_MAC;
    if (reply[0] != (IGB_MSG_VF_RESET | IGB_MSG_ACK))
        return IGB_ERR_MBX_PROTOCOL;
    words_to_mac(&reply[1], vf->mac);
    vf->reset_done = true;
    return SYS_ERR_OK;
}

errval_t igb_vf_set_mac(struct igb_vf *vf, const uint8_t mac[6], uint64_t timeout_us)
{
    if (!vf->reset_done)
        return IGB_ERR_NOT_RESET;
    uint32_t msg[3] = {IGB_MSG_SET_MAC_ADDR,
                       (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                           (uint32_t)mac[3] << 24,
                       (uint32_t)mac[4] | (uint32_t)mac[5] << 8};
    uint32_t reply[IGB_MBX_WORDS];
    errval_t err = mbx_call(vf, msg, 3, reply, now(vf) + timeout_us);
    if (err_is_fail(err))
        return err;
    if (IGB_MSG_TYPE(reply[0]) != IGB_MSG_SET_MAC_ADDR)
        return IGB_ERR_MBX_PROTOCOL;
    if (!(reply[0] & IGB_MSG_ACK))
        return IGB_ERR_MBX_NACK;
    memcpy(vf->mac, mac, 6);
    return SYS_ERR_OK;
}

errval_t igb_vf_irq_map(struct igb_vf *vf, int rx_vector, int tx_vector)
{
    if (rx_vector < -1 || rx_vector >= IGB_VF_MSIX_VECTORS || tx_vector < -1 ||
        tx_vector >= IGB_VF_MSIX_VECTORS || (rx_vector < 0 && tx_vector < 0))
        return SYS_ERR_INVALID_ARGS;
    if (!vf->reset_done)
        return IGB_ERR_NOT_RESET;
    uint32_t ivar = 0, mask = 0;
    if (rx_vector >= 0) {
        ivar |= IGB_IVAR_VALID | (uint32_t)rx_vector;
        mask |= 1u << rx_vector;
    }
    if (tx_vector >= 0) {
        ivar |= (IGB_IVAR_VALID | (uint32_t)tx_vector) << 8;
        mask |= 1u << tx_vector;
    }
    igb_vf_wr(vf, IGB_VF_EIMC, 7); // all masked while the routing changes
    igb_vf_wr(vf, IGB_VF_IVAR0, ivar);
    igb_vf_wr(vf, IGB_VF_EIAC, mask); // a vector's cause clears when its message is sent
    vf->irq_mask = mask;
    return SYS_ERR_OK;
}

errval_t igb_vf_irq_enable(struct igb_vf *vf, bool on)
{
    if (!vf->irq_mask)
        return SYS_ERR_INVALID_ARGS;
    igb_vf_wr(vf, on ? IGB_VF_EIMS : IGB_VF_EIMC, vf->irq_mask);
    return SYS_ERR_OK;
}

void igb_vf_hw_stats(struct igb_vf *vf, struct igb_pool_stats *out)
{
    *out = (struct igb_pool_stats){
        .rx_packets = igb_vf_rd(vf, IGB_VF_GPRC),
        .tx_packets = igb_vf_rd(vf, IGB_VF_GPTC),
        .rx_octets = igb_vf_rd(vf, IGB_VF_GORC),
        .tx_octets = igb_vf_rd(vf, IGB_VF_GOTC),
        .rx_multicast = igb_vf_rd(vf, IGB_VF_MPRC),
    };
}

errval_t igb_vf_queue1(struct igb_vf *q1, const struct igb_vf *vf0)
{
    if (vf0->qoff)
        return SYS_ERR_INVALID_ARGS;
    if (!vf0->reset_done)
        return IGB_ERR_NOT_RESET;
    memset(q1, 0, sizeof(*q1));
    q1->regs = vf0->regs;
    q1->clock_us = vf0->clock_us;
    q1->arg = vf0->arg;
    memcpy(q1->mac, vf0->mac, 6);
    q1->reset_done = true;
    q1->qoff = IGB_VF_QUEUE_STRIDE;
    return SYS_ERR_OK;
}

void igb_vf_queue1_apart(struct igb_vf *q1, const struct mmio *regs, const uint8_t mac[6],
                         uint64_t (*clock_us)(void *arg), void *arg)
{
    memset(q1, 0, sizeof(*q1));
    q1->regs = *regs;
    q1->clock_us = clock_us;
    q1->arg = arg;
    memcpy(q1->mac, mac, 6);
    q1->reset_done = true;
    q1->qoff = IGB_VF_QUEUE_STRIDE;
}

errval_t igb_vf_set_rss(struct igb_vf *vf, bool on, uint64_t timeout_us)
{
    if (vf->qoff)
        return SYS_ERR_INVALID_ARGS;
    if (!vf->reset_done)
        return IGB_ERR_NOT_RESET;
    uint32_t msg[2] = {IGB_MSG_SET_RSS, on}, reply[IGB_MBX_WORDS];
    errval_t err = mbx_call(vf, msg, 2, reply, now(vf) + timeout_us);
    if (err_is_fail(err))
        return err;
    if (IGB_MSG_TYPE(reply[0]) != IGB_MSG_SET_RSS)
        return IGB_ERR_MBX_PROTOCOL;
    return (reply[0] & IGB_MSG_ACK) ? SYS_ERR_OK : IGB_ERR_MBX_NACK;
}
