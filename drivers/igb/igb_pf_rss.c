/* drivers/igb/igb_pf_rss.c: 82576 receive-side scaling over a VF's two queue pairs. */
#include "igb_pf_priv.h"

// The Toeplitz key: the one Microsoft's RSS specification publishes with
// its verification hashes, so a hash can be checked by hand.
static const uint8_t rss_key[4 * IGB_RSSRK_WORDS] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

#define RSS_FIELDS (IGB_MRQC_FIELD_IPV4 | IGB_MRQC_FIELD_IPV4_TCP | IGB_MRQC_FIELD_IPV4_UDP)

// The key, byte 0 in the low byte of RSSRK 0 (the device hashes the
// registers' bytes in memory order).
static void write_key(struct igb_pf *pf)
{
    for (unsigned i = 0; i < IGB_RSSRK_WORDS; i++) {
        const uint8_t *k = &rss_key[4 * i];
        igb_pf_wr(pf, IGB_RSSRK(i),
                  (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 |
                      (uint32_t)k[3] << 24);
    }
}

// Entries alternate between the two queues, so hashes split evenly: in
// VMDq + RSS an entry names the pool's queue (0 or IGB_RETA_POOL_Q1), in
// QEMU's RSS-only mode the device's queue (vf or vf + 8).
static void write_reta(struct igb_pf *pf, uint8_t q0, uint8_t q1)
{
    uint32_t word = (uint32_t)q0 | (uint32_t)q1 << 8;
    word |= word << 16;
    for (unsigned i = 0; i < IGB_RETA_WORDS; i++)
        igb_pf_wr(pf, IGB_RETA(i), word);
}

// Is a VF other than vf allowed to receive (its pool on)?
static bool others_running(const struct igb_pf *pf, unsigned vf)
{
    for (unsigned i = 0; i < pf->num_vfs; i++) {
        const struct igb_pf_vf *v = &pf->vf[i];
        if (i != vf && v->enabled && v->cts && v->has_mac)
            return true;
    }
    return false;
}

static void rss_off(struct igb_pf *pf, unsigned vf)
{
    if (!pf->vf[vf].rss)
        return;
    pf->vf[vf].rss = false;
    igb_pf_wr(pf, IGB_VMOLR(vf), igb_pf_rd(pf, IGB_VMOLR(vf)) & ~IGB_VMOLR_RSSE);
    for (unsigned i = 0; i < pf->num_vfs; i++) {
        if (pf->vf[i].rss)
            return; // (an 82576: other pools keep theirs)
    }
    igb_pf_wr(pf, IGB_MRQC, IGB_MRQC_VMDQ);
    igb_pf_wr(pf, IGB_RXCSUM, igb_pf_rd(pf, IGB_RXCSUM) & ~IGB_RXCSUM_PCSD);
}

errval_t igb_pf_set_vf_rss(struct igb_pf *pf, unsigned vf, bool on)
{
    errval_t err = igb_pf_check_vf(pf, vf);
    if (err_is_fail(err))
        return err;
    if (!on) {
        rss_off(pf, vf);
        return SYS_ERR_OK;
    }
    if (pf->emulated && (vf != 0 || others_running(pf, vf)))
        return IGB_ERR_NO_RSS;
    write_key(pf);
    igb_pf_wr(pf, IGB_RXCSUM, igb_pf_rd(pf, IGB_RXCSUM) | IGB_RXCSUM_PCSD);
    if (pf->emulated) {
        write_reta(pf, (uint8_t)vf, (uint8_t)(vf + IGB_POOLS));
        igb_pf_wr(pf, IGB_MRQC, IGB_MRQC_RSS | RSS_FIELDS);
    } else {
        write_reta(pf, 0, IGB_RETA_POOL_Q1);
        igb_pf_wr(pf, IGB_VMOLR(vf), igb_pf_rd(pf, IGB_VMOLR(vf)) | IGB_VMOLR_RSSE);
        igb_pf_wr(pf, IGB_MRQC, IGB_MRQC_VMDQ_RSS | RSS_FIELDS);
    }
    pf->vf[vf].rss = true;
    return SYS_ERR_OK;
}

void igb_pf_rss_pool_changed(struct igb_pf *pf, unsigned vf, bool on)
{
    if (!pf->emulated)
        return; // pool RSS concerns the pool alone
    for (unsigned i = 0; i < pf->num_vfs; i++) {
        if (pf->vf[i].rss && (i == vf) != on)
            rss_off(pf, i); // its VF stopped, or another started: back to VMDq
    }
}
