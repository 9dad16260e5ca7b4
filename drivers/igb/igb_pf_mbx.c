/* drivers/igb/igb_pf_mbx.c: the PF side of the 82576 PF/VF mailbox: VF resets and requests. */
#include "igb_pf_priv.h"
#include <base/string.h>

// One request as the VF left it, and the reply built for it.
struct mbx_msg {
    uint32_t w[IGB_MBX_WORDS];
    unsigned len; // words of the reply to write back
};

static void mac_to_words(const uint8_t mac[6], uint32_t *w)
{
    w[0] =
        (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
    w[1] = (uint32_t)mac[4] | (uint32_t)mac[5] << 8;
}

static void words_to_mac(const uint32_t *w, uint8_t mac[6])
{
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
}

// VF_RESET: the VF starts over. It is clear to send from now on, and gets
// the MAC the control plane assigned, with its pool on if that is allowed;
// without an assigned MAC the reply is a NACK and the pool stays off.
static bool on_reset(struct igb_pf *pf, unsigned vf, struct mbx_msg *m)
{
    struct igb_pf_vf *v = &pf->vf[vf];
    v->cts = true;
    err_ignore(igb_pf_set_vf_rss(pf, vf, false),
               "a VF starts over with one queue pair; its number is checked: cannot fail");
    memset(m->w, 0, sizeof(m->w));
    m->len = 3;
    igb_pf_program_mac(pf, vf);
    igb_pf_apply_pool(pf, vf);
    if (!v->has_mac) {
        m->w[0] = IGB_MSG_VF_RESET | IGB_MSG_NACK;
        return false;
    }
    m->w[0] = IGB_MSG_VF_RESET | IGB_MSG_ACK;
    mac_to_words(v->mac, &m->w[1]);
    return true;
}

// Decide on one request; the reply goes in m. A VF may not pick its own
// MAC: SET_MAC_ADDR succeeds only for the address it was assigned.
static struct igb_mbx_event decide(struct igb_pf *pf, unsigned vf, struct mbx_msg *m)
{
    struct igb_mbx_event ev = {.vf = vf, .kind = IGB_MBX_EV_REFUSED, .msg = m->w[0]};
    uint32_t type = IGB_MSG_TYPE(m->w[0]);
    if (type == IGB_MSG_VF_RESET) {
        ev.kind = IGB_MBX_EV_RESET;
        ev.acked = on_reset(pf, vf, m);
        return ev;
    }
    m->len = 1; // echo the request word with the verdict, as igb does
    m->w[0] &= ~(IGB_MSG_ACK | IGB_MSG_NACK | IGB_MSG_CTS);
    if (!pf->vf[vf].cts) {
        m->w[0] |= IGB_MSG_NACK; // not reset yet: no CTS either
        return ev;
    }
    if (type == IGB_MSG_SET_MAC_ADDR) {
        uint8_t want[6];
        words_to_mac(&m->w[1], want);
        ev.kind = IGB_MBX_EV_SET_MAC;
        ev.acked = pf->vf[vf].has_mac && !memcmp(want, pf->vf[vf].mac, 6);
        m->len = 3;
    } else if (type == IGB_MSG_SET_RSS) {
        ev.kind = IGB_MBX_EV_SET_RSS;
        ev.acked = err_is_ok(igb_pf_set_vf_rss(pf, vf, m->w[1] != 0));
    }
    m->w[0] |= (ev.acked ? IGB_MSG_ACK : IGB_MSG_NACK) | IGB_MSG_CTS;
    return ev;
}

// Answer VF vf's pending request. False if the VF holds the buffer (its
// request stays pending for the next poll).
static bool serve(struct igb_pf *pf, unsigned vf, struct igb_mbx_event *ev)
{
    igb_pf_wr(pf, IGB_P2VMAILBOX(vf), IGB_P2V_PFU);
    if (!(igb_pf_rd(pf, IGB_P2VMAILBOX(vf)) & IGB_P2V_PFU))
        return false;
    struct mbx_msg m;
    for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
        m.w[i] = igb_pf_rd(pf, IGB_VMBMEM(vf) + 4 * i);
    igb_pf_wr(pf, IGB_MBVFICR, IGB_MBVFICR_VFREQ(vf));
    *ev = decide(pf, vf, &m);
    for (unsigned i = 0; i < m.len; i++)
        igb_pf_wr(pf, IGB_VMBMEM(vf) + 4 * i, m.w[i]);
    // One write: "read your message" and "here is the reply", releasing
    // the buffer (PFU clear) so the VF can take it.
    igb_pf_wr(pf, IGB_P2VMAILBOX(vf), IGB_P2V_ACK | IGB_P2V_STS);
    return true;
}

static void push(struct igb_mbx_event *ev, unsigned max, unsigned *n, struct igb_mbx_event e)
{
    if (*n < max)
        ev[(*n)++] = e;
}

errval_t igb_pf_mailbox_poll(struct igb_pf *pf, struct igb_mbx_event *ev, unsigned max, unsigned *n)
{
    *n = 0;
    if (!pf->num_vfs)
        return IGB_ERR_NOT_RESET;
    igb_pf_wr(pf, IGB_ICR, IGB_ICR_VMMB); // before looking: a later post raises it anew
    uint32_t mask = (1u << pf->num_vfs) - 1;
    uint32_t flr = igb_pf_rd(pf, IGB_VFLRE) & mask;
    if (flr)
        igb_pf_wr(pf, IGB_VFLRE, flr);
    for (unsigned vf = 0; vf < pf->num_vfs; vf++) {
        if (!(flr & (1u << vf)))
            continue;
        pf->vf[vf].cts = false; // its queues are off; it must ask for a reset
        igb_pf_apply_pool(pf, vf);
        push(ev, max, n, (struct igb_mbx_event){.vf = vf, .kind = IGB_MBX_EV_VFLR});
    }
    uint32_t icr = igb_pf_rd(pf, IGB_MBVFICR);
    igb_pf_wr(pf, IGB_MBVFICR, icr & (mask << 16)); // VF acks of our replies: nothing to do
    for (unsigned vf = 0; vf < pf->num_vfs; vf++) {
        struct igb_mbx_event e;
        if ((icr & IGB_MBVFICR_VFREQ(vf)) && serve(pf, vf, &e))
            push(ev, max, n, e);
    }
    return SYS_ERR_OK;
}

// QEMU's igb_msix_notify: cause c goes to VF 8 - (c + 2) / 3 if that VF is
// enabled, else to the PF's own table, which has 10 entries.
static bool pf_vector(const struct igb_pf *pf, unsigned c)
{
    return c < 10 && 8 - (c + 2) / 3 >= pf->num_vfs;
}

errval_t igb_pf_mailbox_irq(struct igb_pf *pf, unsigned vector)
{
    if (!pf->num_vfs)
        return IGB_ERR_NOT_RESET;
    if (!pf_vector(pf, vector))
        return SYS_ERR_INVALID_ARGS;
    uint32_t misc = igb_pf_rd(pf, IGB_IVAR_MISC) & ~(0xffu << 8);
    igb_pf_wr(pf, IGB_IVAR_MISC, misc | IGB_IVAR_MISC_OTHER(vector));
    igb_pf_wr(pf, IGB_EIAC, igb_pf_rd(pf, IGB_EIAC) | 1u << vector);
    igb_pf_wr(pf, IGB_ICR, IGB_ICR_VMMB); // a stale cause would hide the next one
    igb_pf_wr(pf, IGB_IMS, IGB_ICR_VMMB);
    igb_pf_wr(pf, IGB_EIMS, 1u << vector);
    return SYS_ERR_OK;
}
