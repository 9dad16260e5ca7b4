/*
 * tests/fuzz/igb.c: what an 82576 (or a VF) writes that Sietch's igb code
 * reads: the VF driver's receive path (drivers/igb/igb_vf_ring.c,
 * igb_vf_rx) on write-back descriptors, and the PF's side of the mailbox
 * (igb_pf_mailbox_poll, what netctl runs) on VF messages, both on the
 * unit tests' model of QEMU's igb (tests/unit/igb/igb_model.c; under
 * libFuzzer check_stub.c stands in for Check, whose assertions it uses).
 *
 * Byte 0, bit 0 picks the part; the rest is a program of operations.
 *
 * Receive: VF 0 is reset through the mailbox, its rings set up (8 to 32
 * descriptors, 1 to 4 KiB buffers, from byte 1) and its buffers posted;
 * then the harness is the device: it writes back frames of one to four
 * descriptors (status, length, packet type, VLAN, errors from the input;
 * the buffer filled with a pattern), raw descriptors, rogue writes to any
 * descriptor, a descriptor written back twice, and it calls igb_vf_rx and
 * igb_vf_rx_refill as the library OS does. Invariants: the frames handed
 * up are exactly the complete one-descriptor frames without errors, each
 * no longer than its buffer and holding what the device wrote; ring
 * indices stay in range and RDT is the driver's tail; every buffer is
 * either the caller's or on the ring, once (dropped frames' buffers go
 * back, in order); the counters add up to what was received, dropped and
 * refused; igb_vf_rx_pending says whether the next descriptor is done.
 *
 * Mailbox: four VFs, and the harness is each of them and the control
 * plane: messages of any type and length (ACK/NACK/CTS bits set by the VF
 * too), a buffer the VF keeps holding, VF resets (FLR), MACs assigned,
 * pools allowed, VLANs, receive modes and reclaims; then a poll.
 * Invariants: the events are the VF resets, then one per request served,
 * in VF order, at most max of them, and every request is answered even
 * beyond max; a refused message (or a SET_MAC naming another MAC) changes
 * no VF state and no filter; the reply is well formed (the request's type
 * and extra bits, exactly one of ACK and NACK, CTS exactly when the VF had
 * reset; VF_RESET's reply ACK with the assigned MAC or NACK without one;
 * words past the reply left alone) and released to the VF; only the
 * sender's state changes.
 */
#include "../unit/igb/igb_model.h"
#include "fuzz.h"
#include <igb/igb_pf.h>
#include <igb/igb_vf.h>

#define NVFS      4
#define NBUF      40          // receive buffers the caller owns
#define BUF_PAGE0 4           // arena pages: 0-1 RX ring, 2-3 TX ring, 4.. buffers
#define MAX_INPUT (16 * 1024) // a longer program finds nothing a shorter one does not
#define WAIT_US   1000000

static struct igb_model m, m_snap;
static struct igb_pf pf, pf_snap;
static const uint8_t pf_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

// The PF with NVFS VFs enabled, once; each input starts from a copy.
static void start(void)
{
    static bool made;
    if (!made) {
        igbm_init(&m, pf_mac);
        struct mmio regs = igbm_pf_mmio(&m);
        FUZZ_CHECK(err_is_ok(igb_pf_init(&pf, &regs, igbm_clock, &m)), "igb_pf_init");
        m.num_vfs = NVFS;
        FUZZ_CHECK(err_is_ok(igb_pf_enable_vfs(&pf, NVFS)), "igb_pf_enable_vfs");
        m_snap = m;
        pf_snap = pf;
        made = true;
    }
    m = m_snap;
    pf = pf_snap;
}

/* ---- Receive ---- */

enum { APP, RING, TAKEN }; // a buffer: the caller's, posted, consumed by the current igb_vf_rx

struct rx {
    struct igb_vf vf;
    union igb_rx_desc *ring;  // where the device sees the ring
    unsigned n;               // descriptors
    uint16_t bufsize;         // bytes per buffer
    struct igb_pkt buf[NBUF]; // the buffers, and where each is
    uint8_t where[NBUF];
    uint8_t buf_tag[NBUF];         // the pattern the device last wrote into each
    int posted[IGB_VF_MAX_DESC];   // the buffer behind each posted descriptor
    uint8_t good[IGB_VF_MAX_DESC]; // tag of a proper write-back still there (0: none)
    unsigned dev_head, dev_last, tail, head;
    uint8_t tag;              // the last pattern written
    bool in_frame, exhausted; // the contract's state, as the harness follows it
    struct igb_vf_stats st;   // what the counters must say
};

static void pf_poll(void *arg)
{
    (void)arg;
    struct igb_mbx_event ev[8];
    unsigned n;
    FUZZ_CHECK(err_is_ok(igb_pf_mailbox_poll(&pf, ev, 8, &n)), "igb_pf_mailbox_poll");
}

static volatile union igb_rx_desc *desc(struct rx *r, unsigned i)
{
    return (volatile union igb_rx_desc *)r->ring + i;
}

static int buf_of(struct rx *r, uint64_t iova)
{
    for (int b = 0; b < NBUF; b++) {
        if (r->buf[b].iova == iova)
            return b;
    }
    return -1;
}

static uint8_t pattern(uint8_t tag, size_t j) { return (uint8_t)(tag * 31u + j); }

// VF 0 reset through the mailbox (the PF answering from the idle hook)
// and its rings set up as the input says.
static void rx_up(struct rx *r, struct fuzz_input *in)
{
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x10};
    unsigned cfg = fuzz_take(in, 1);
    r->n = 8 * (1 + cfg % 4);
    r->bufsize = (uint16_t)(1024 * (1 + (cfg >> 2) % 4));
    FUZZ_CHECK(err_is_ok(igb_pf_set_vf_mac(&pf, 0, mac)), "igb_pf_set_vf_mac");
    FUZZ_CHECK(err_is_ok(igb_pf_vf_enable(&pf, 0, true)), "igb_pf_vf_enable");
    struct mmio regs = igbm_vf_mmio(&m, 0);
    FUZZ_CHECK(err_is_ok(igb_vf_init(&r->vf, &regs, igbm_clock, pf_poll, &m)), "igb_vf_init");
    FUZZ_CHECK(err_is_ok(igb_vf_reset(&r->vf, WAIT_US)), "igb_vf_reset");
    struct igbm_dma rx = igbm_pages(&m, 0, 2), tx = igbm_pages(&m, 2, 2);
    r->ring = rx.va;
    errval_t err = igb_vf_rings(&r->vf, (struct igb_dma){rx.va, rx.iova, rx.bytes}, r->n,
                                r->bufsize, (struct igb_dma){tx.va, tx.iova, tx.bytes}, 8);
    FUZZ_CHECK(err_is_ok(err), "igb_vf_rings: %s", err_name(err));
    struct igbm_dma bufs = igbm_pages(&m, BUF_PAGE0, NBUF * r->bufsize / 4096);
    for (unsigned b = 0; b < NBUF; b++) {
        r->buf[b] = (struct igb_pkt){.va = (uint8_t *)bufs.va + b * r->bufsize,
                                     .iova = bufs.iova + b * r->bufsize};
        r->where[b] = APP;
    }
    for (unsigned i = 0; i < IGB_VF_MAX_DESC; i++)
        r->posted[i] = -1;
}

static unsigned next(const struct rx *r, unsigned i) { return (i + 1) % r->n; }

// After a driver call: its indices in range, RDT its tail, and what it
// posted since the last look: known buffers, of the state `from`, each
// now on the ring, in read format.
static void rx_posted(struct rx *r, uint8_t from, const int *order, unsigned norder)
{
    const struct igb_vf_ring *q = &r->vf.rx;
    FUZZ_CHECK(q->head < r->n && q->tail < r->n, "head %u, tail %u of %u", q->head, q->tail, r->n);
    FUZZ_CHECK(igbm_reg(&m, IGB_RDT(0)) == q->tail, "RDT %u, tail %u", igbm_reg(&m, IGB_RDT(0)),
               q->tail);
    unsigned k = 0;
    for (unsigned i = r->tail; i != q->tail; i = next(r, i), k++) {
        volatile union igb_rx_desc *d = desc(r, i);
        int b = buf_of(r, d->read.pkt_addr);
        FUZZ_CHECK(b >= 0 && r->where[b] == from && d->read.hdr_addr == 0,
                   "descriptor %u posted with %#llx", i, (unsigned long long)d->read.pkt_addr);
        FUZZ_CHECK(!order || (k < norder && order[k] == b), "buffer %d posted out of turn", b);
        r->where[b] = RING;
        r->posted[i] = b;
        r->good[i] = 0;
    }
    FUZZ_CHECK(!order || k == norder, "%u of %u dropped frames' buffers went back", k, norder);
    r->tail = q->tail;
}

// Every buffer is the caller's or on the ring, once: the ring's share is
// the posted descriptors, each a different buffer.
static void rx_check_buffers(struct rx *r)
{
    unsigned on = 0, used = (r->tail + r->n - r->head) % r->n;
    for (unsigned b = 0; b < NBUF; b++) {
        FUZZ_CHECK(r->where[b] != TAKEN, "buffer %u neither handed up nor posted", b);
        on += r->where[b] == RING;
    }
    FUZZ_CHECK(on == used, "%u buffers on a ring of %u posted descriptors", on, used);
    for (unsigned i = r->head, k = 0; i != r->tail; i = next(r, i), k++) {
        for (unsigned j = next(r, i); j != r->tail; j = next(r, j))
            FUZZ_CHECK(r->posted[i] != r->posted[j], "buffer %d posted twice", r->posted[i]);
    }
    FUZZ_CHECK(!memcmp(&r->st, &r->vf.stats, sizeof(r->st)),
               "counters: packets %llu/%llu bytes %llu/%llu drops %llu/%llu errors %llu/%llu "
               "exhausted %llu/%llu",
               (unsigned long long)r->vf.stats.rx_packets, (unsigned long long)r->st.rx_packets,
               (unsigned long long)r->vf.stats.rx_bytes, (unsigned long long)r->st.rx_bytes,
               (unsigned long long)r->vf.stats.rx_drops, (unsigned long long)r->st.rx_drops,
               (unsigned long long)r->vf.stats.rx_errors, (unsigned long long)r->st.rx_errors,
               (unsigned long long)r->vf.stats.rx_ring_exhausted,
               (unsigned long long)r->st.rx_ring_exhausted);
}

// The device writes back descriptor i: wb as given, and len bytes of a
// fresh pattern into the buffer it fetched there (at most a buffer's).
static void dev_write(struct rx *r, unsigned i, union igb_rx_desc wb, bool dma)
{
    volatile union igb_rx_desc *d = desc(r, i);
    int b = dma ? buf_of(r, d->read.pkt_addr) : -1;
    if (d->wb.status_error & IGB_RXD_STAT_DD) // a second write-back: the same buffer
        b = r->good[i] ? r->posted[i] : -1;
    if (b >= 0 && r->where[b] != RING)
        b = -1; // the device fetched it long ago: it writes nothing the caller owns
    r->good[i] = 0;
    if (b >= 0) {
        r->tag = (uint8_t)(r->tag + 1 ? r->tag + 1 : 1);
        size_t len = wb.wb.length < r->bufsize ? wb.wb.length : r->bufsize;
        for (size_t j = 0; j < len; j++)
            ((uint8_t *)r->buf[b].va)[j] = pattern(r->tag, j);
        r->buf_tag[b] = r->tag;
        r->good[i] = b == r->posted[i] ? r->tag : 0;
    }
    d->wb.pkt_info = wb.wb.pkt_info;
    d->wb.hdr_info = wb.wb.hdr_info;
    d->wb.rss_or_ipid = wb.wb.rss_or_ipid;
    d->wb.length = wb.wb.length;
    d->wb.vlan = wb.wb.vlan;
    d->wb.status_error = wb.wb.status_error; // last, as the device does
    r->dev_last = i;
}

static union igb_rx_desc wb_from(struct fuzz_input *in)
{
    union igb_rx_desc wb;
    wb.wb.pkt_info = (uint16_t)fuzz_take(in, 2);
    wb.wb.hdr_info = (uint16_t)fuzz_take(in, 2);
    wb.wb.rss_or_ipid = fuzz_take(in, 4);
    wb.wb.status_error = fuzz_take(in, 4);
    wb.wb.length = (uint16_t)fuzz_take(in, 2);
    wb.wb.vlan = (uint16_t)fuzz_take(in, 2);
    return wb;
}

// A frame of 1-4 descriptors where the device has them: DD on each, EOP
// on the last, the length spread over full buffers; the input's status
// bits (errors, VLAN, anything) on the last, its packet type and VLAN on
// each; a length flag says lie about the last length.
static void dev_frame(struct rx *r, struct fuzz_input *in, unsigned arg)
{
    unsigned k = 1 + arg % 4, len = fuzz_take(in, 2);
    uint32_t extra = fuzz_take(in, 1) << 24 | (fuzz_take(in, 1) & 0x0c);
    uint16_t pkt_info = (uint16_t)fuzz_take(in, 2), vlan = (uint16_t)fuzz_take(in, 2);
    for (unsigned j = 0; j < k; j++) {
        if (r->dev_head == r->tail)
            return; // no descriptor: the device drops the rest (uncounted, as QEMU)
        bool last = j + 1 == k;
        union igb_rx_desc wb = {.wb = {.pkt_info = pkt_info, .vlan = vlan}};
        wb.wb.status_error = IGB_RXD_STAT_DD | (last ? IGB_RXD_STAT_EOP | extra : 0);
        unsigned here = len < r->bufsize || (arg & 4) ? len : r->bufsize;
        wb.wb.length = (uint16_t)(last ? len : here);
        len -= len < here ? len : here;
        dev_write(r, r->dev_head, wb, true);
        r->dev_head = next(r, r->dev_head);
    }
}

// What igb_vf_rx must do, from the contract: a frame is a run of done
// descriptors up to one with EOP; one of a single descriptor, no error
// bit and a length of 1 to a buffer's is handed up; one spanning
// descriptors is a drop, a flagged or impossible one an error; dropped
// frames' buffers go back in order. out: the frames; back: the buffers.
static unsigned rx_expect(struct rx *r, unsigned max, struct igb_pkt *out, unsigned *idx,
                          unsigned *nout, int *back, unsigned *nback)
{
    unsigned h = r->head;
    *nout = *nback = 0;
    bool exhausted = r->head == r->tail ||
                     (desc(r, (r->tail + r->n - 1) % r->n)->wb.status_error & IGB_RXD_STAT_DD);
    r->st.rx_ring_exhausted += exhausted && !r->exhausted;
    r->exhausted = exhausted;
    while (*nout < max && h != r->tail) {
        volatile union igb_rx_desc *d = desc(r, h);
        uint32_t status = d->wb.status_error;
        uint16_t len = d->wb.length;
        if (!(status & IGB_RXD_STAT_DD))
            break;
        int b = r->posted[h];
        h = next(r, h);
        r->where[b] = TAKEN;
        bool eop = status & IGB_RXD_STAT_EOP, whole = eop && !r->in_frame;
        r->in_frame = !eop;
        if (whole && !(status & IGB_RXD_ERR_MASK) && len && len <= r->bufsize) {
            idx[*nout] = (h + r->n - 1) % r->n;
            out[(*nout)++] =
                (struct igb_pkt){.va = r->buf[b].va, .iova = r->buf[b].iova, .len = len};
            r->st.rx_packets++;
            r->st.rx_bytes += len;
            continue;
        }
        r->st.rx_drops += eop && !whole;
        r->st.rx_errors += whole;
        back[(*nback)++] = b;
    }
    return h;
}

// Content: a frame the device wrote properly holds its pattern.
static void rx_check_frame(struct rx *r, unsigned i, const struct igb_pkt *got,
                           const struct igb_pkt *want)
{
    FUZZ_CHECK(got->va == want->va && got->iova == want->iova && got->len == want->len,
               "frame from descriptor %u: buffer %#llx, %u bytes; expected %#llx, %u", i,
               (unsigned long long)got->iova, got->len, (unsigned long long)want->iova, want->len);
    FUZZ_CHECK(got->len >= 1 && got->len <= r->bufsize, "a %u-byte frame from a %u-byte buffer",
               got->len, r->bufsize);
    int b = buf_of(r, got->iova);
    r->where[b] = APP;
    if (!r->good[i] || r->buf_tag[b] != r->good[i])
        return; // written by a rogue write: no pattern to expect
    for (size_t j = 0; j < got->len; j++)
        FUZZ_CHECK(((uint8_t *)got->va)[j] == pattern(r->good[i], j), "byte %zu of a frame", j);
}

static void do_rx(struct rx *r, unsigned max)
{
    struct igb_pkt want[8], got[8];
    int back[IGB_VF_MAX_DESC];
    unsigned idx[8], nwant, nback, n;
    unsigned h = rx_expect(r, max, want, idx, &nwant, back, &nback);
    FUZZ_CHECK(err_is_ok(igb_vf_rx(&r->vf, got, max, &n)), "igb_vf_rx");
    FUZZ_CHECK(n == nwant && r->vf.rx.head == h, "%u frames to head %u; expected %u to %u", n,
               r->vf.rx.head, nwant, h);
    for (unsigned k = 0; k < n; k++)
        rx_check_frame(r, idx[k], &got[k], &want[k]);
    r->head = h;
    rx_posted(r, TAKEN, back, nback);
}

// The caller gives back up to k of its buffers (one with IOVA 0 if bad).
static void do_refill(struct rx *r, unsigned k, bool bad)
{
    struct igb_pkt give[NBUF] = {0};
    unsigned n = 0, posted;
    for (unsigned b = 0; b < NBUF && n < k; b++) {
        if (r->where[b] == APP)
            give[n++] = r->buf[b];
    }
    if (bad && n)
        give[n - 1].iova = 0;
    unsigned room = r->n - 1 - (r->tail + r->n - r->head) % r->n;
    errval_t err = igb_vf_rx_refill(&r->vf, give, n, &posted);
    if (bad && n) {
        FUZZ_CHECK(err == SYS_ERR_INVALID_ARGS && posted == 0, "a buffer at IOVA 0: %s",
                   err_name(err));
        return;
    }
    FUZZ_CHECK(n && !room ? err == IGB_ERR_RING_FULL : err_is_ok(err), "refill: %s", err_name(err));
    FUZZ_CHECK(posted == (n < room ? n : room), "%u of %u posted with room for %u", posted, n,
               room);
    int order[NBUF];
    for (unsigned i = 0; i < posted; i++)
        order[i] = buf_of(r, give[i].iova);
    rx_posted(r, APP, order, posted);
}

static void rx_op(struct rx *r, struct fuzz_input *in)
{
    unsigned op = fuzz_take(in, 1), arg = op >> 3;
    switch (op & 7) {
    case 0: dev_frame(r, in, arg); break;
    case 1: // a raw write-back where the device is
        if (r->dev_head != r->tail) {
            dev_write(r, r->dev_head, wb_from(in), true);
            r->dev_head = next(r, r->dev_head);
        }
        break;
    case 2: dev_write(r, fuzz_take(in, 1) % r->n, wb_from(in), false); break; // rogue
    case 3: dev_write(r, r->dev_last, wb_from(in), true); break;              // written back twice
    case 4: do_rx(r, arg % 9); break;
    case 5: do_refill(r, arg % (NBUF + 1), false); break;
    case 6: do_refill(r, 1 + arg % 4, true); break;
    case 7: // the device catches up with the driver (as after a queue restart)
        r->dev_head = r->head;
        break;
    }
    FUZZ_CHECK(igb_vf_rx_pending(&r->vf) ==
                   (r->head != r->tail && (desc(r, r->head)->wb.status_error & IGB_RXD_STAT_DD)),
               "igb_vf_rx_pending");
    rx_check_buffers(r);
}

static void run_rx(struct fuzz_input *in)
{
    static struct rx r;
    memset(&r, 0, sizeof(r));
    rx_up(&r, in);
    r.st = r.vf.stats;
    do_refill(&r, NBUF, false);
    while (in->p < in->end)
        rx_op(&r, in);
    for (unsigned i = 0; i < r.n; i++) { // whatever is left: taken, and the buffers back
        do_rx(&r, 8);
        do_refill(&r, NBUF, false);
        rx_check_buffers(&r);
    }
    FUZZ_CHECK(m.bad_accesses == 0, "%u accesses to registers QEMU does not map", m.bad_accesses);
}

/* ---- Mailbox ---- */

#define V2PMAILBOX(v) (0x00c40 + 4 * (v)) // the VF's side, in the model's PF register file

// What a poll may change of one VF: the driver's state and its filters.
struct vf_view {
    struct igb_pf_vf st;
    uint32_t ral, rah;
    bool vfre, vfte;
};

struct mbx {
    struct mmio vf[NVFS];
    uint32_t sent[NVFS][IGB_MBX_WORDS]; // the buffer as each VF last left it
    uint32_t shared[0x600 / 4];         // VMOLR, VMVIR, VLVF, VFTA, DTXSWC: no poll changes them
};

static const uint32_t types[] = {IGB_MSG_VF_RESET,
                                 IGB_MSG_SET_MAC_ADDR,
                                 IGB_MSG_SET_MULTICAST,
                                 IGB_MSG_SET_VLAN,
                                 IGB_MSG_SET_LPE,
                                 IGB_MSG_SET_PROMISC,
                                 0,
                                 0x7f};

static void view(unsigned v, struct vf_view *out)
{
    memset(out, 0, sizeof(*out));
    out->st = pf.vf[v];
    out->ral = igbm_reg(&m, IGB_RAL(1 + v));
    out->rah = igbm_reg(&m, IGB_RAH(1 + v));
    out->vfre = igbm_reg(&m, IGB_VFRE) >> v & 1;
    out->vfte = igbm_reg(&m, IGB_VFTE) >> v & 1;
}

static bool same_state(const struct igb_pf_vf *a, const struct igb_pf_vf *b)
{
    return !memcmp(a->mac, b->mac, 6) && a->has_mac == b->has_mac && a->enabled == b->enabled &&
           a->cts == b->cts && a->vlan == b->vlan && a->rx_mode == b->rx_mode &&
           a->rate_mbps == b->rate_mbps;
}

static bool same_view(const struct vf_view *a, const struct vf_view *b)
{
    return same_state(&a->st, &b->st) && a->ral == b->ral && a->rah == b->rah &&
           a->vfre == b->vfre && a->vfte == b->vfte;
}

static void shared_regs(uint32_t *out)
{
    static const uint32_t at[][2] = {{IGB_VMOLR(0), 8},
                                     {IGB_VMVIR(0), 8},
                                     {IGB_VLVF(0), 32},
                                     {IGB_VFTA(0), 128},
                                     {IGB_DTXSWC, 1},
                                     {IGB_RAL(0), 2},
                                     {IGB_RAL(1 + NVFS), 2 * (IGB_RA_ENTRIES - 1 - NVFS)}};
    unsigned k = 0;
    for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        for (unsigned j = 0; j < at[i][1]; j++)
            out[k++] = igbm_reg(&m, at[i][0] + 4 * j);
    }
}

// VF v writes a message: a type from the table or the input, extra bits
// and the ACK/NACK/CTS bits as the input says, then len words (SET_MAC:
// the assigned MAC, if asked); it keeps holding the buffer if asked.
static void vf_send(struct mbx *x, struct fuzz_input *in, unsigned v, unsigned arg)
{
    uint32_t w[IGB_MBX_WORDS];
    unsigned len = 1 + fuzz_take(in, 1) % IGB_MBX_WORDS;
    w[0] = (arg & 8 ? fuzz_take(in, 2) : types[arg % 8]) | fuzz_take(in, 2) << 16;
    for (unsigned i = 1; i < len; i++)
        w[i] = fuzz_take(in, 4);
    if ((arg & 16) && pf.vf[v].has_mac && len >= 3) {
        w[1] = pf.vf[v].mac[0] | pf.vf[v].mac[1] << 8 | pf.vf[v].mac[2] << 16 |
               (uint32_t)pf.vf[v].mac[3] << 24;
        w[2] = (w[2] & 0xffff0000u) | pf.vf[v].mac[4] | pf.vf[v].mac[5] << 8;
    }
    mmio_write32(&x->vf[v], IGB_VF_MBX, IGB_V2P_VFU);
    if (!(mmio_read32(&x->vf[v], IGB_VF_MBX) & IGB_V2P_VFU))
        return; // the PF holds it (never between polls here)
    for (unsigned i = 0; i < len; i++)
        mmio_write32(&x->vf[v], IGB_VF_MBMEM + 4 * i, w[i]);
    mmio_write32(&x->vf[v], IGB_VF_MBX, IGB_V2P_REQ | (arg & 32 ? IGB_V2P_VFU : 0));
}

// The control plane's side, between polls (results are other tests' business).
static void control(struct fuzz_input *in, unsigned v, unsigned arg)
{
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)fuzz_take(in, 1)};
    errval_t err = SYS_ERR_OK; // (any answer: see above)
    switch (arg % 6) {
    case 0:
        if (arg & 8)
            mac[0] = (uint8_t)fuzz_take(in, 1);
        err = igb_pf_set_vf_mac(&pf, v, mac);
        break;
    case 1: err = igb_pf_vf_enable(&pf, v, arg & 8); break;
    case 2: err = igb_pf_set_vf_vlan(&pf, v, (uint16_t)(fuzz_take(in, 2) % 4096)); break;
    case 3: err = igb_pf_set_vf_rx_mode(&pf, v, (arg >> 3) & 3); break;
    case 4: err = igb_pf_vf_reclaim(&pf, v); break;
    case 5: mmio_write32(&pf.regs, IGB_P2VMAILBOX(v), IGB_P2V_RVFU); break; // free a stuck buffer
    }
    (void)err;
}

static void mac_words(const uint8_t *mac, uint32_t *w)
{
    w[0] = mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24;
    w[1] = mac[4] | mac[5] << 8;
}

// VF v's VF_RESET reply and what it did: clear to send, the pool on
// exactly when allowed with a MAC, the MAC's filter; nothing else.
static void check_reset(unsigned v, const struct vf_view *was, const struct vf_view *now,
                        const uint32_t *req, const uint32_t *reply, const struct igb_mbx_event *e)
{
    struct igb_pf_vf want = was->st;
    want.cts = true;
    FUZZ_CHECK(same_state(&now->st, &want), "VF %u: VF_RESET changed more than CTS", v);
    bool has = now->st.has_mac, on = has && now->st.enabled;
    FUZZ_CHECK(e->acked == has && now->vfre == on && now->vfte == on, "VF %u: reset, pool %d", v,
               now->vfre);
    FUZZ_CHECK(reply[0] == (IGB_MSG_VF_RESET | (has ? IGB_MSG_ACK : IGB_MSG_NACK)),
               "VF %u: VF_RESET answered %#x", v, reply[0]);
    uint32_t w[2] = {0, 0};
    if (has)
        mac_words(now->st.mac, w);
    FUZZ_CHECK(reply[1] == w[0] && reply[2] == w[1], "VF %u: reset reply's MAC", v);
    for (unsigned i = 3; i < IGB_MBX_WORDS; i++)
        FUZZ_CHECK(reply[i] == req[i], "VF %u: word %u of the buffer changed", v, i);
    FUZZ_CHECK((now->rah & IGB_RAH_AV) == (has ? IGB_RAH_AV : 0u) &&
                   (!has || (now->ral == w[0] && (now->rah & 0xffff) == w[1] &&
                             (now->rah & IGB_RAH_POOL_MASK) == IGB_RAH_POOL(v))),
               "VF %u: receive address %#x:%#x after reset", v, now->ral, now->rah);
}

// Any other request: answered with its own type and extra bits, ACK only
// for SET_MAC of the assigned MAC by a VF that reset, CTS exactly when it
// did; the reply's further words are the request's; nothing changed.
static void check_other(unsigned v, bool cts, const struct vf_view *was, const struct vf_view *now,
                        const uint32_t *req, const uint32_t *reply, const struct igb_mbx_event *e)
{
    uint32_t type = IGB_MSG_TYPE(req[0]), w[2];
    mac_words(was->st.mac, w);
    bool ok = cts && type == IGB_MSG_SET_MAC_ADDR && was->st.has_mac && req[1] == w[0] &&
              (req[2] & 0xffff) == w[1];
    FUZZ_CHECK(e->acked == ok, "VF %u: request %#x acked %d", v, req[0], e->acked);
    FUZZ_CHECK(e->kind ==
                   (cts && type == IGB_MSG_SET_MAC_ADDR ? IGB_MBX_EV_SET_MAC : IGB_MBX_EV_REFUSED),
               "VF %u: request %#x reported as kind %d", v, req[0], e->kind);
    uint32_t want = (req[0] & ~(IGB_MSG_ACK | IGB_MSG_NACK | IGB_MSG_CTS)) |
                    (ok ? IGB_MSG_ACK : IGB_MSG_NACK) | (cts ? IGB_MSG_CTS : 0);
    FUZZ_CHECK(reply[0] == want, "VF %u: request %#x answered %#x, not %#x", v, req[0], reply[0],
               want);
    for (unsigned i = 1; i < IGB_MBX_WORDS; i++)
        FUZZ_CHECK(reply[i] == req[i], "VF %u: word %u of the buffer changed", v, i);
    FUZZ_CHECK(same_view(was, now), "VF %u: a %s request changed its state", v,
               ok ? "SET_MAC" : "refused");
}

// The expected events of a poll: resets, then the requests served.
static unsigned expect(unsigned *flr, unsigned *req)
{
    *flr = igbm_reg(&m, IGB_VFLRE) & ((1u << NVFS) - 1);
    *req = 0;
    for (unsigned v = 0; v < NVFS; v++) {
        bool asked = igbm_reg(&m, IGB_MBVFICR) & IGB_MBVFICR_VFREQ(v);
        if (asked && !(igbm_reg(&m, IGB_P2VMAILBOX(v)) & IGB_P2V_VFU))
            *req |= 1u << v;
    }
    return (unsigned)__builtin_popcount(*flr) + (unsigned)__builtin_popcount(*req);
}

static void check_event(struct mbx *x, const struct igb_mbx_event *e, unsigned flr,
                        const struct vf_view *was, const bool *cts)
{
    unsigned v = e->vf;
    struct vf_view now;
    view(v, &now);
    uint32_t reply[IGB_MBX_WORDS];
    for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
        reply[i] = igbm_reg(&m, IGB_VMBMEM(v) + 4 * i);
    FUZZ_CHECK(e->msg == x->sent[v][0], "VF %u: event for %#x, sent %#x", v, e->msg, x->sent[v][0]);
    if (IGB_MSG_TYPE(x->sent[v][0]) == IGB_MSG_VF_RESET) {
        FUZZ_CHECK(e->kind == IGB_MBX_EV_RESET, "VF %u: VF_RESET reported as %d", v, e->kind);
        check_reset(v, &was[v], &now, x->sent[v], reply, e);
    } else {
        struct vf_view before = was[v];
        before.st.cts = cts[v];
        if (flr >> v & 1) // the reset came first: its pool went off
            before.vfre = before.vfte = false;
        check_other(v, cts[v], &before, &now, x->sent[v], reply, e);
    }
}

// The VFs' reset events, then what each VF not holding its buffer asked,
// answered in its buffer and released to it, at most max reported.
static void poll(struct mbx *x, unsigned max)
{
    struct vf_view was[NVFS];
    bool cts[NVFS];
    uint32_t shared[0x600 / 4] = {0};
    unsigned flr, req, total = expect(&flr, &req), n;
    for (unsigned v = 0; v < NVFS; v++) {
        view(v, &was[v]);
        cts[v] = pf.vf[v].cts && !(flr >> v & 1);
        for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
            x->sent[v][i] = igbm_reg(&m, IGB_VMBMEM(v) + 4 * i);
    }
    shared_regs(x->shared);
    struct igb_mbx_event ev[8];
    FUZZ_CHECK(err_is_ok(igb_pf_mailbox_poll(&pf, ev, max, &n)), "igb_pf_mailbox_poll");
    FUZZ_CHECK(n == (total < max ? total : max), "%u events of %u, max %u", n, total, max);
    shared_regs(shared);
    FUZZ_CHECK(!memcmp(shared, x->shared, sizeof(shared)), "a poll changed shared filters");
    unsigned k = 0, served = 0;
    for (unsigned v = 0; v < NVFS; v++) {
        if (!(flr >> v & 1) || k >= n)
            continue;
        FUZZ_CHECK(ev[k].vf == v && ev[k].kind == IGB_MBX_EV_VFLR && !ev[k].acked,
                   "event %u: VF %u kind %d; expected VF %u's reset", k, ev[k].vf, ev[k].kind, v);
        k++;
    }
    for (unsigned v = 0; v < NVFS; v++) {
        struct vf_view now;
        view(v, &now);
        if (req >> v & 1) {
            FUZZ_CHECK(!(igbm_reg(&m, IGB_MBVFICR) & IGB_MBVFICR_VFREQ(v)), "VF %u unanswered", v);
            uint32_t vside = igbm_reg(&m, V2PMAILBOX(v));
            FUZZ_CHECK((vside & (IGB_V2P_PFSTS | IGB_V2P_PFACK)) && !(vside & IGB_V2P_PFU),
                       "VF %u: mailbox %#x after the reply", v, vside);
            if (k + served < n) {
                FUZZ_CHECK(ev[k + served].vf == v, "event for VF %u, expected %u",
                           ev[k + served].vf, v);
                check_event(x, &ev[k + served], flr, was, cts);
            }
            served++;
            continue;
        }
        struct vf_view before = was[v];
        if (flr >> v & 1) { // reset events: CTS off and the pool with it, nothing else
            before.st.cts = false;
            before.vfre = before.vfte = false;
        }
        FUZZ_CHECK(same_view(&before, &now), "VF %u changed without a request", v);
        for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
            FUZZ_CHECK(igbm_reg(&m, IGB_VMBMEM(v) + 4 * i) == x->sent[v][i],
                       "VF %u: its buffer written without a request", v);
    }
}

static void run_mbx(struct fuzz_input *in)
{
    static struct mbx x;
    for (unsigned v = 0; v < NVFS; v++)
        x.vf[v] = igbm_vf_mmio(&m, v);
    while (in->p < in->end) {
        unsigned op = fuzz_take(in, 1), v = (op >> 2) % NVFS, arg = fuzz_take(in, 1);
        switch (op & 3) {
        case 0: vf_send(&x, in, v, arg); break;
        case 1: mmio_write32(&x.vf[v], IGB_VF_CTRL, IGB_CTRL_RST); break; // FLR
        case 2: control(in, v, arg); break;
        case 3: poll(&x, 1 + arg % 8); break;
        }
    }
    poll(&x, 8);
    FUZZ_CHECK(m.bad_accesses == 0, "%u accesses to registers QEMU does not map", m.bad_accesses);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_INPUT)
        return 0;
    start();
    struct fuzz_input in = {data + 1, data + size};
    if (data[0] & 1)
        run_mbx(&in);
    else
        run_rx(&in);
    return 0;
}
