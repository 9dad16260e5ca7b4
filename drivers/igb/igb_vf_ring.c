/* drivers/igb/igb_vf_ring.c: the 82576 VF's receive and transmit rings (advanced descriptors). */
#include "igb_vf_priv.h"
#include <base/string.h>
#include <stdio.h> // the lab stubs' "not written yet" line (docs/labs/lab7.md)

#define ENABLE_US 10000

// Descriptors must be in memory before the tail write tells the device,
// and the device's status word must be read before the rest: x86 keeps
// stores in order and loads in order, so the compiler is all to stop.
#define barrier() __asm__ volatile("" ::: "memory")

static unsigned ring_next(const struct igb_vf_ring *r, unsigned i)
{
    return i + 1 == r->n ? 0 : i + 1;
}

// Descriptors the driver has given the device and not yet taken back.
static unsigned ring_used(const struct igb_vf_ring *r) { return (r->tail + r->n - r->head) % r->n; }

static MUST_CHECK errval_t check_ring(struct igb_dma mem, unsigned n)
{
    if (n < IGB_VF_MIN_DESC || n > IGB_VF_MAX_DESC || n % 8 || !mem.va || mem.bytes < n * 16ull)
        return SYS_ERR_INVALID_ARGS;
    return mem.iova % IGB_RING_ALIGN ? SYS_ERR_ALIGNMENT : SYS_ERR_OK;
}

// Write the enable bit and wait for it to read back.
static MUST_CHECK errval_t enable_queue(struct igb_vf *vf, uint32_t ctl_off, uint32_t bit)
{
    igb_vf_wr(vf, ctl_off, bit);
    uint64_t start = vf->clock_us(vf->arg);
    while (!(igb_vf_rd(vf, ctl_off) & bit)) {
        if (vf->clock_us(vf->arg) - start > ENABLE_US)
            return SYS_ERR_TIMEOUT;
    }
    return SYS_ERR_OK;
}

static void ring_setup(struct igb_vf_ring *r, struct igb_dma mem, unsigned n)
{
    memset(mem.va, 0, n * 16ull);
    memset(r, 0, sizeof(*r));
    r->mem = mem;
    r->n = n;
}

// Load the context that frames asking for checksums name (IGB_TXD_IDX(0)):
// the transmit ring's first descriptor, handed to the device at once.
// The device keeps it for the queue until the queue is reset, so it costs
// a descriptor per ring set-up, none per frame. Were transmit not on yet,
// the device reads it before the first frame's descriptor behind it.
static void tx_load_csum_ctx(struct igb_vf *vf)
{
    struct igb_vf_ring *r = &vf->tx;
    volatile struct igb_tx_ctx_desc *c = r->mem.va;
    c->vlan_macip_lens = IGB_TXCTX_MACLEN(14) | IGB_TXCTX_IPLEN(20);
    c->seqnum_seed = 0;
    c->type_tucmd_mlhl =
        IGB_TXD_DTYP_CTXT | IGB_TXD_CMD_DEXT | IGB_TXCTX_TUCMD_IPV4 | IGB_TXCTX_TUCMD_L4T_UDP;
    c->mss_l4len_idx = IGB_TXCTX_IDX(0);
    r->head = r->tail = 1; // not the driver's to reap: no buffer, no RS
    barrier();
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDT, r->tail);
}

errval_t igb_vf_rings(struct igb_vf *vf, struct igb_dma rx, unsigned rx_n, uint16_t rx_buf_size,
                      struct igb_dma tx, unsigned tx_n)
{
    if (!vf->reset_done)
        return IGB_ERR_NOT_RESET;
    errval_t err = check_ring(rx, rx_n);
    if (err_is_ok(err))
        err = check_ring(tx, tx_n);
    if (err_is_ok(err) && (rx_buf_size < 1024 || rx_buf_size > 16384 || rx_buf_size % 1024))
        err = SYS_ERR_INVALID_ARGS;
    if (err_is_fail(err))
        return err;
    vf->rings_up = vf->in_frame = vf->rx_exhausted = false;
    igb_vf_wr(vf, vf->qoff + IGB_VF_RXDCTL, 0);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TXDCTL, 0);
    ring_setup(&vf->rx, rx, rx_n);
    ring_setup(&vf->tx, tx, tx_n);
    vf->rx_buf_size = rx_buf_size;
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDBAL, (uint32_t)rx.iova);
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDBAH, (uint32_t)(rx.iova >> 32));
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDLEN, rx_n * 16);
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDH, 0);
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDT, 0);
    igb_vf_wr(vf, vf->qoff + IGB_VF_SRRCTL,
              IGB_SRRCTL_BSIZEPKT(rx_buf_size / 1024) | IGB_SRRCTL_DESCTYPE_ADV1 |
                  IGB_SRRCTL_DROP_EN);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDBAL, (uint32_t)tx.iova);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDBAH, (uint32_t)(tx.iova >> 32));
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDLEN, tx_n * 16);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDH, 0);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDT, 0);
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDWBAL,
              0); // completions in the descriptors, not a head write-back
    igb_vf_wr(vf, vf->qoff + IGB_VF_TDWBAH, 0);
    err = enable_queue(vf, vf->qoff + IGB_VF_RXDCTL, IGB_RXDCTL_ENABLE);
    if (err_is_ok(err))
        err = enable_queue(vf, vf->qoff + IGB_VF_TXDCTL, IGB_TXDCTL_ENABLE);
    if (err_is_ok(err))
        tx_load_csum_ctx(vf);
    vf->rings_up = err_is_ok(err);
    return err;
}

// LAB 7 BEGIN rx_post
// Put buffer b on the receive ring at the tail (the caller writes RDT).
static void rx_post(struct igb_vf *vf, const struct igb_pkt *b)
{
    struct igb_vf_ring *r = &vf->rx;
    volatile union igb_rx_desc *d = (volatile union igb_rx_desc *)r->mem.va + r->tail;
    d->read.pkt_addr = b->iova;
    d->read.hdr_addr = 0;
    r->slot[r->tail] = *b;
    r->tail = ring_next(r, r->tail);
}

// Tell the device about every buffer posted so far: one register write.
static void rx_doorbell(struct igb_vf *vf)
{
    barrier();
    igb_vf_wr(vf, vf->qoff + IGB_VF_RDT, vf->rx.tail);
}
// LAB 7 STUB
// // Put buffer b on the receive ring at the tail (the caller writes RDT).
// static void rx_post(struct igb_vf *vf, const struct igb_pkt *b)
// {
//     // LAB 7: your code here: fill the read format of the descriptor at
//     // vf->rx.tail (union igb_rx_desc in igb/igb_regs.h: the buffer's
//     // IOVA, no header buffer), remember b in the ring's slot[] (the
//     // device's write-back overwrites the address: the slot is how
//     // igb_vf_rx finds the buffer again), and move the tail on.
//     (void)vf, (void)b, (void)ring_next; // ring_next is given: yours to use
// }
//
// // Tell the device about every buffer posted so far: one register write.
// static void rx_doorbell(struct igb_vf *vf)
// {
//     // LAB 7: your code here: the descriptors must be in memory before the
//     // device reads the new tail (barrier()), then write RDT (the queue's
//     // registers are at vf->qoff + IGB_VF_...).
//     (void)vf;
// }
// LAB 7 END

// LAB 7 BEGIN igb_vf_rx_refill
errval_t igb_vf_rx_refill(struct igb_vf *vf, const struct igb_pkt *bufs, unsigned n,
                          unsigned *posted)
{
    *posted = 0;
    if (!vf->rings_up)
        return IGB_ERR_NOT_RESET;
    for (unsigned i = 0; i < n; i++) {
        if (!bufs[i].iova)
            return SYS_ERR_INVALID_ARGS;
    }
    unsigned room = vf->rx.n - 1 - ring_used(&vf->rx); // a full ring would look empty (RDH == RDT)
    if (n && !room)
        return IGB_ERR_RING_FULL;
    unsigned k = n < room ? n : room;
    for (unsigned i = 0; i < k; i++)
        rx_post(vf, &bufs[i]);
    if (k)
        rx_doorbell(vf);
    *posted = k;
    return SYS_ERR_OK;
}
// LAB 7 STUB
// errval_t igb_vf_rx_refill(struct igb_vf *vf, const struct igb_pkt *bufs, unsigned n,
//                           unsigned *posted)
// {
//     // LAB 7: your code here: the contract is in igb/igb_vf.h. Check
//     // everything before posting anything; post as many as fit (a ring of
//     // n descriptors holds n - 1 buffers: ring_used), then one doorbell.
//     static bool said;
//     *posted = 0;
//     // (ring_used, rx_post and rx_doorbell are yours to use.)
//     (void)vf, (void)bufs, (void)n, (void)ring_used, (void)rx_post, (void)rx_doorbell;
//     if (!said) {
//         said = true;
//         printf("LAB 7: igb_vf_rx_refill is not written yet (drivers/igb/igb_vf_ring.c)\n");
//     }
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 7 END

bool igb_vf_rx_pending(const struct igb_vf *vf)
{
    const struct igb_vf_ring *r = &vf->rx;
    if (!vf->rings_up || r->head == r->tail)
        return false;
    const volatile union igb_rx_desc *d = (const volatile union igb_rx_desc *)r->mem.va + r->head;
    return d->wb.status_error & IGB_RXD_STAT_DD;
}

// Has the device filled every descriptor it was given (the last one
// posted is done, or none is posted)? It has no room for a frame then.
static bool rx_ring_exhausted(const struct igb_vf_ring *r)
{
    if (r->head == r->tail)
        return true;
    unsigned last = (r->tail + r->n - 1) % r->n;
    const volatile union igb_rx_desc *d = (const volatile union igb_rx_desc *)r->mem.va + last;
    return d->wb.status_error & IGB_RXD_STAT_DD;
}

// LAB 7 BEGIN igb_vf_rx
// What to do with a completed receive descriptor: deliver its frame, or
// drop it (and count why).
static bool rx_keep(struct igb_vf *vf, uint32_t status, uint16_t len)
{
    if (!(status & IGB_RXD_STAT_EOP)) {
        vf->in_frame = true; // the frame goes on in the next buffer: too large
        return false;
    }
    if (vf->in_frame) {
        vf->in_frame = false;
        vf->stats.rx_drops++;
        return false;
    }
    if ((status & IGB_RXD_ERR_MASK) || len == 0 || len > vf->rx_buf_size) {
        vf->stats.rx_errors++;
        return false;
    }
    vf->stats.rx_packets++;
    vf->stats.rx_bytes += len;
    return true;
}

errval_t igb_vf_rx(struct igb_vf *vf, struct igb_pkt *out, unsigned max, unsigned *n)
{
    *n = 0;
    if (!vf->rings_up)
        return IGB_ERR_NOT_RESET;
    struct igb_vf_ring *r = &vf->rx;
    bool exhausted = rx_ring_exhausted(r);
    vf->stats.rx_ring_exhausted += exhausted && !vf->rx_exhausted; // once per episode
    vf->rx_exhausted = exhausted;
    bool recycled = false;
    while (*n < max && r->head != r->tail) {
        volatile union igb_rx_desc *d = (volatile union igb_rx_desc *)r->mem.va + r->head;
        uint32_t status = d->wb.status_error;
        if (!(status & IGB_RXD_STAT_DD))
            break;
        barrier();
        uint16_t len = d->wb.length;
        struct igb_pkt b = r->slot[r->head];
        r->head = ring_next(r, r->head);
        if (rx_keep(vf, status, len)) {
            b.len = len;
            b.flags = (uint16_t)status; // which checksums the device checked
            out[(*n)++] = b;
        } else {
            rx_post(vf, &b); // there is room: its own descriptor was just freed
            recycled = true;
        }
    }
    if (recycled)
        rx_doorbell(vf);
    return SYS_ERR_OK;
}
// LAB 7 STUB
// errval_t igb_vf_rx(struct igb_vf *vf, struct igb_pkt *out, unsigned max, unsigned *n)
// {
//     // LAB 7: your code here: the contract is in igb/igb_vf.h. From
//     // vf->rx.head, take each descriptor the device is done with (its
//     // write-back's status has IGB_RXD_STAT_DD; read the status before the
//     // rest: barrier()), up to max. A frame that fits one buffer (EOP set)
//     // without errors goes to out with its length and its status (the
//     // checksums the device checked: flags); every other buffer goes
//     // straight back on the ring (rx_post), with one doorbell at the end.
//     // Keep vf->stats: rx_packets and rx_bytes for frames delivered,
//     // rx_drops for a frame that spanned buffers (count it once, on its
//     // last buffer: vf->in_frame), rx_errors for a frame the device
//     // flagged (IGB_RXD_ERR_MASK) or of length 0 or above rx_buf_size,
//     // and rx_ring_exhausted once per episode (rx_ring_exhausted(), given,
//     // and vf->rx_exhausted: see igb_vf.h).
//     static bool said;
//     *n = 0;
//     (void)vf, (void)out, (void)max, (void)rx_ring_exhausted; // given: yours to use
//     if (!said) {
//         said = true;
//         printf("LAB 7: igb_vf_rx is not written yet (drivers/igb/igb_vf_ring.c)\n");
//     }
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 7 END

// The checksum options of frame p's data descriptor (its olinfo_status
// beside the payload length): none, or the IPv4 header's and the UDP
// checksum by the context tx_load_csum_ctx loaded.
static uint32_t tx_csum_opts(const struct igb_pkt *p)
{
    return p->flags == IGB_TX_CSUM_IP4_UDP
               ? IGB_TXD_IDX(0) | IGB_TXD_POPTS_IXSM | IGB_TXD_POPTS_TXSM
               : 0;
}

// LAB 7 BEGIN igb_vf_tx
errval_t igb_vf_tx(struct igb_vf *vf, const struct igb_pkt *pkts, unsigned n, unsigned *sent)
{
    *sent = 0;
    if (!vf->rings_up)
        return IGB_ERR_NOT_RESET;
    for (unsigned i = 0; i < n; i++) {
        if (!pkts[i].iova || pkts[i].len < IGB_MIN_FRAME || pkts[i].len > IGB_MAX_FRAME)
            return SYS_ERR_INVALID_ARGS;
    }
    struct igb_vf_ring *r = &vf->tx;
    unsigned room = r->n - 1 - ring_used(r);
    if (n && !room)
        return IGB_ERR_RING_FULL;
    unsigned k = n < room ? n : room;
    for (unsigned i = 0; i < k; i++) {
        volatile union igb_tx_desc *d = (volatile union igb_tx_desc *)r->mem.va + r->tail;
        d->read.buffer_addr = pkts[i].iova;
        d->read.cmd_type_len = IGB_TXD_LEN(pkts[i].len) | IGB_TXD_DTYP_DATA | IGB_TXD_CMD_DEXT |
                               IGB_TXD_CMD_EOP | IGB_TXD_CMD_IFCS | IGB_TXD_CMD_RS;
        d->read.olinfo_status = IGB_TXD_PAYLEN(pkts[i].len) | tx_csum_opts(&pkts[i]);
        r->slot[r->tail] = pkts[i];
        r->tail = ring_next(r, r->tail);
    }
    if (k) {
        barrier();
        igb_vf_wr(vf, vf->qoff + IGB_VF_TDT, r->tail); // one doorbell for the batch
    }
    *sent = k;
    return SYS_ERR_OK;
}
// LAB 7 STUB
// errval_t igb_vf_tx(struct igb_vf *vf, const struct igb_pkt *pkts, unsigned n, unsigned *sent)
// {
//     // LAB 7: your code here: the contract is in igb/igb_vf.h. Check every
//     // frame before sending any (a bad batch sends nothing and writes no
//     // register); fill one advanced data descriptor per frame at
//     // vf->tx.tail (union igb_tx_desc: the buffer's IOVA; cmd_type_len
//     // with IGB_TXD_LEN, IGB_TXD_DTYP_DATA and the commands DEXT, EOP,
//     // IFCS and RS, so that the device reports it done; olinfo_status with
//     // IGB_TXD_PAYLEN and the frame's checksum options, tx_csum_opts(),
//     // given), keep the frame in the ring's slot[] for
//     // igb_vf_tx_reap, and write TDT once for the whole batch.
//     static bool said;
//     *sent = 0;
//     (void)vf, (void)pkts, (void)n, (void)tx_csum_opts;
//     if (!said) {
//         said = true;
//         printf("LAB 7: igb_vf_tx is not written yet (drivers/igb/igb_vf_ring.c)\n");
//     }
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 7 END

// LAB 7 BEGIN igb_vf_tx_reap
unsigned igb_vf_tx_reap(struct igb_vf *vf, struct igb_pkt *done, unsigned max)
{
    struct igb_vf_ring *r = &vf->tx;
    unsigned k = 0;
    while (vf->rings_up && k < max && r->head != r->tail) {
        const volatile union igb_tx_desc *d =
            (const volatile union igb_tx_desc *)r->mem.va + r->head;
        if (!(d->wb.status & IGB_TXD_STAT_DD))
            break;
        done[k++] = r->slot[r->head];
        vf->stats.tx_packets++;
        vf->stats.tx_bytes += r->slot[r->head].len;
        r->head = ring_next(r, r->head);
    }
    return k;
}
// LAB 7 STUB
// unsigned igb_vf_tx_reap(struct igb_vf *vf, struct igb_pkt *done, unsigned max)
// {
//     // LAB 7: your code here: from vf->tx.head, hand back (in order, at
//     // most max) the buffers of the descriptors the device has written
//     // back done (IGB_TXD_STAT_DD), counting vf->stats.tx_packets and
//     // tx_bytes. Nothing while the rings are down.
//     (void)vf, (void)done, (void)max;
//     return 0;
// }
// LAB 7 END
