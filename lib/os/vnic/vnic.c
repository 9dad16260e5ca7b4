/*
 * lib/os/vnic/vnic.c: a VNIC as a netq (net/netq.h): the application's own
 * igb VF, driven here with no kernel and no server on the data path.
 *
 * vnic_open asks netctl for a VNIC (netctl grants the VF to us through
 * devmgr), takes the VF's caps from devmgr (its register BAR, its MSI-X
 * BAR, its configuration page, a vector), puts it in an IOMMU domain of
 * our own holding its rings and buffers (one 2 KiB buffer per frame, 256
 * for receiving and 256 for sending), resets it through the mailbox and
 * checks the MAC netctl assigned. Frames then move between the rings and
 * the stack with no copy. netq_wait polls for a while after traffic and
 * then sleeps on the VF's MSI-X vector (adaptive: VNIC_SPIN_US).
 */
#include <igb/igb_desc.h>
#include <igb/igb_vf.h>
#include <net/vnic.h>
#include <os/probe.h>
#include <pci/pci_enum.h>
#include <pci/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devices.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/failpoint.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/netctl.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define RX_DESC    256
#define TX_DESC    256
#define NBUFS      (RX_DESC + TX_DESC) // 0..255 receive, 256..511 transmit
#define WAIT_US    2000000             // mailbox answers: netctl runs them at once
#define IRQ_BADGE  (1ull << 0)
// Receive buffers sent as replies (NETQ_TX_RX_BUF) come back to the
// receive ring when reaped: q_rx reaps once this many are out (after a
// poll that brought frames), so a stream of replies keeps the ring nearly
// full at one reap (and one receive tail write) per this many replies.
#define RX_REAP_AT 16

struct vnic {
    struct netq q;
    struct netctl_vnic info;
    capref_t cap; // the VNIC's capability: netctl's operations on it invoke it
    struct igb_vf vf;
    struct dma_space space;
    struct dma_buf ring_mem, bufs;
    uint16_t free_tx[TX_DESC];
    unsigned nfree_tx;
    unsigned rx_on_tx;           // receive buffers on the transmit ring (replies), not yet reaped
    capref_t irq_ep, irq_ep_ram; // the endpoint (and its RAM) the vector notifies
    capref_t irq;                // the VF's vector (IRQDest)
    uint32_t vector;
    capref_t cfg_cap, msix_cap, regs_cap; // configuration page, MSI-X BAR, BAR 0 (mapped)
    bool attached;                        // the VF is in our domain
    struct pci_fn_page page;
    struct pci_msix_table msix;
    uint64_t last_traffic; // the TSC at the last frame in or out (a reading, not a conversion)
    struct netq_stats st;
    struct netctl_filter filters[NETCTL_MAX_FILTERS]; // netctl's list for this VNIC
    unsigned nfilters;
    uint64_t filtered;   // IPv4 frames no filter admitted
    void *regs_va;       // (vnic_queue1_take's mapping of the registers)
    uint64_t regs_bytes; // the register BAR's size
    bool pair1;          // pair 1 is open here (vnic_open_queue1) or given away
    // Pair 1's memory, given to another process (vnic_queue1_give):
    // freed with the VNIC.
    struct vnic_given {
        struct dma_buf ring_mem, bufs;
    } given_mem;
};

_Static_assert(NETQ_TX_CSUM_IP4_UDP == IGB_TX_CSUM_IP4_UDP, "q_tx passes the flag as it is");

static struct vnic *vn(struct netq *q) { return q->impl; }

static struct igb_pkt buf_pkt(struct vnic *v, unsigned i)
{
    return (struct igb_pkt){.va = (char *)v->bufs.va + (size_t)i * NETQ_BUF_BYTES,
                            .iova = v->bufs.iova + (uint64_t)i * NETQ_BUF_BYTES};
}

static unsigned buf_index(struct vnic *v, uint64_t iova)
{
    return (unsigned)((iova - v->bufs.iova) / NETQ_BUF_BYTES);
}

// ---- netq operations ----

// Does some filter admit this frame? Without filters, everything does;
// with them, IPv4 only as they say (ARP and everything not IPv4 always).
static bool admitted(const struct vnic *v, const uint8_t *f, uint16_t len)
{
    if (!v->nfilters || len < 34 || f[12] != 0x08 || f[13] != 0x00)
        return true;
    unsigned ihl = (f[14] & 15) * 4u;
    uint8_t proto = f[23];
    uint32_t src;
    memcpy(&src, f + 26, 4);
    uint16_t port = 0;
    if ((proto == NETCTL_PROTO_TCP || proto == NETCTL_PROTO_UDP) && len >= 14 + ihl + 4)
        port = (uint16_t)(f[14 + ihl + 2] << 8 | f[14 + ihl + 3]);
    for (unsigned i = 0; i < v->nfilters; i++) {
        const struct netctl_filter *x = &v->filters[i];
        if ((x->proto == NETCTL_PROTO_ANY || x->proto == proto) && (!x->port || x->port == port) &&
            (!x->peer || x->peer == src))
            return true;
    }
    return false;
}

static unsigned reap(struct vnic *v);

static unsigned q_rx(struct netq *q, struct netq_pkt *out, unsigned max)
{
    struct vnic *v = vn(q);
    struct igb_pkt got[64];
    unsigned n = 0, kept = 0;
    max = max < 64 ? max : 64;
    os_probe_push(OS_PROBE_DRV_RX);
    if (err_is_fail(igb_vf_rx(&v->vf, got, max, &n))) {
        os_probe_pop_as(OS_PROBE_WAIT);
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!admitted(v, got[i].va, got[i].len)) { // straight back to the ring
            unsigned posted;
            err_ignore(igb_vf_rx_refill(&v->vf, &got[i], 1, &posted),
                       "its own descriptor was just freed: it fits");
            v->filtered++;
            continue;
        }
        uint16_t flags = igb_rxd_udp_csum_good(got[i].flags) ? NETQ_RX_CSUM_GOOD : 0;
        out[kept++] =
            (struct netq_pkt){got[i].va, got[i].len, (uint16_t)buf_index(v, got[i].iova), flags};
        v->st.rx_bytes += got[i].len;
    }
    n = kept;
    v->st.rx_packets += n;
    if (n)
        v->last_traffic = sys_rdtsc();
    else
        v->st.polls_empty++;
    // After a poll that brought frames, never in an empty one: the probes
    // count an empty poll as waiting, and the reap is the path's work.
    if (n && v->rx_on_tx >= RX_REAP_AT)
        reap(v);
    os_probe_pop_as(n ? OS_PROBE_DRV_RX : OS_PROBE_WAIT); // an empty poll is waiting
    return n;
}

static void q_rx_done(struct netq *q, const struct netq_pkt *pkts, unsigned n)
{
    struct vnic *v = vn(q);
    struct igb_pkt bufs[64];
    os_probe_push(OS_PROBE_DRV_RX);
    for (unsigned done = 0; done < n;) {
        unsigned k = 0;
        for (; k < 64 && done + k < n; k++)
            bufs[k] = buf_pkt(v, pkts[done + k].buf);
        unsigned posted = 0;
        err_ignore(igb_vf_rx_refill(&v->vf, bufs, k, &posted),
                   "they came off this ring: there is room for every one");
        v->st.doorbells++;
        done += k;
    }
    os_probe_pop();
}

// Buffers of frames the device has sent come back (and their
// descriptors to the ring): transmit buffers to the free list, receive
// buffers sent as replies to the receive ring (one tail write a batch);
// how many.
static unsigned reap(struct vnic *v)
{
    struct igb_pkt done[64], rx[64];
    unsigned n, total = 0;
    while ((n = igb_vf_tx_reap(&v->vf, done, 64)) > 0) {
        unsigned k = 0, posted = 0;
        for (unsigned i = 0; i < n; i++) {
            unsigned b = buf_index(v, done[i].iova);
            if (b < RX_DESC)
                rx[k++] = buf_pkt(v, b);
            else
                v->free_tx[v->nfree_tx++] = (uint16_t)b;
        }
        if (k > 0) {
            err_ignore(igb_vf_rx_refill(&v->vf, rx, k, &posted),
                       "they came off the receive ring: there is room for every one");
            v->rx_on_tx -= k;
            v->st.doorbells++;
        }
        total += n;
    }
    return total;
}

static MUST_CHECK errval_t q_tx_buf(struct netq *q, struct netq_pkt *out)
{
    struct vnic *v = vn(q);
    os_probe_push(OS_PROBE_DRV_TX);
    if (!v->nfree_tx)
        reap(v);
    if (!v->nfree_tx) {
        os_probe_pop();
        return SYS_ERR_WOULD_BLOCK;
    }
    unsigned i = v->free_tx[--v->nfree_tx];
    struct igb_pkt p = buf_pkt(v, i);
    *out = (struct netq_pkt){.data = p.va, .buf = (uint16_t)i};
    os_probe_pop();
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t q_tx(struct netq *q, const struct netq_pkt *pkts, unsigned n,
                                unsigned *sent)
{
    struct vnic *v = vn(q);
    struct igb_pkt p[64];
    unsigned total = 0;
    errval_t err = SYS_ERR_OK;
    os_probe_push(OS_PROBE_DRV_TX);
    while (total < n && err_is_ok(err)) {
        unsigned k = 0, s = 0;
        for (; k < 64 && total + k < n; k++) {
            p[k] = buf_pkt(v, pkts[total + k].buf);
            p[k].len = pkts[total + k].len;
            p[k].flags = pkts[total + k].flags & NETQ_TX_CSUM_IP4_UDP; // the driver's bit too
        }
        err = igb_vf_tx(&v->vf, p, k, &s);
        v->st.doorbells += s > 0;
        for (unsigned i = 0; i < s; i++) {
            v->st.tx_bytes += p[i].len;
            v->rx_on_tx += pkts[total + i].buf < RX_DESC; // a reply in its request's buffer
        }
        v->st.tx_packets += s;
        total += s;
        // The ring is full of sent frames not yet reaped (q_tx_buf reaps
        // only when its free list is empty): reap, and go on while that
        // makes room.
        if (err_has(err, IGB_ERR_RING_FULL) || (err_is_ok(err) && s < k)) {
            unsigned freed = reap(v);
            err = s || freed ? SYS_ERR_OK : SYS_ERR_WOULD_BLOCK;
            if (!s && !freed)
                break;
        }
    }
    *sent = total;
    if (total)
        v->last_traffic = sys_rdtsc();
    os_probe_pop();
    return total == n ? SYS_ERR_OK : err_is_fail(err) ? err : SYS_ERR_WOULD_BLOCK;
}

// Within VNIC_SPIN_US of the last traffic?
static bool spinning(const struct vnic *v)
{
    return sys_rdtsc() - v->last_traffic < (uint64_t)VNIC_SPIN_US * sys_tsc_hz() / 1000000;
}

// Adaptive: within VNIC_SPIN_US of traffic, poll; after that, sleep on
// the receive interrupt (unmask, look once more, wait, mask again).
// Poll for VNIC_SPIN_US after the last traffic; then sleep on the receive
// interrupt, with the kernel's timed receive when there is a limit (lwIP
// always has a timer due: an idle stack sleeps, it does not yield in a loop).
static MUST_CHECK errval_t q_wait_here(struct netq *q, uint64_t timeout_us)
{
    struct vnic *v = vn(q);
    uint64_t start = sys_clock_us();
    while (!igb_vf_rx_pending(&v->vf)) {
        uint64_t now = sys_clock_us();
        if (timeout_us && now - start >= timeout_us)
            return SYS_ERR_TIMEOUT;
        if (spinning(v) || !v->irq_ep) {
            sys_yield();
            continue;
        }
        err_ignore(igb_vf_irq_enable(&v->vf, true), "irq_ep is set only once vectors are mapped");
        struct lmp_recv_msg m;
        errval_t err = SYS_ERR_TIMEOUT;
        if (!igb_vf_rx_pending(&v->vf)) {
            err = timeout_us
                      ? lmp_recv_timeout(v->irq_ep, 0, NULL_CAP, timeout_us - (now - start), &m)
                      : lmp_recv(v->irq_ep, 0, NULL_CAP, &m);
            if (err_is_ok(err))
                v->st.interrupts++;
        }
        err_ignore(igb_vf_irq_enable(&v->vf, false), "irq_ep is set only once vectors are mapped");
        if (err_is_ok(err))
            v->last_traffic = sys_rdtsc(); // poll a while after an interrupt
        else if (!err_has(err, SYS_ERR_TIMEOUT))
            return err;
    }
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t q_wait(struct netq *q, uint64_t timeout_us)
{
    os_probe_push(OS_PROBE_WAIT);
    errval_t err = q_wait_here(q, timeout_us);
    os_probe_pop();
    return err;
}

static void q_stats(struct netq *q, struct netq_stats *out)
{
    struct vnic *v = vn(q);
    *out = v->st;
    out->rx_dropped = v->vf.stats.rx_drops + v->filtered;
    out->rx_errors = v->vf.stats.rx_errors;
    out->rx_ring_exhausted = v->vf.stats.rx_ring_exhausted;
}

static void vnic_free(struct vnic *v);

static void q_close(struct netq *q) { vnic_free(vn(q)); }

static const struct netq_ops ops = {q_rx, q_rx_done, q_tx_buf, q_tx, q_wait, q_stats, q_close};

static void q1_close(struct netq *q)
{
    (void)q; // the VNIC is pair 0's to give back; pair 1's memory goes with our domain
}

static const struct netq_ops ops1 = {q_rx, q_rx_done, q_tx_buf, q_tx, q_wait, q_stats, q1_close};

// ---- Opening ----

// Caps to BAR bar of device rid (or its configuration page: bar -1), mapped
// here. On failure nothing is kept.
static MUST_CHECK errval_t map_dev(uint16_t rid, int bar, capref_t *cap, void **va, uint64_t *bytes)
{
    *bytes = OBJSIZE_PAGE;
    errval_t err =
        FAILPOINT(bar < 0 ? devmgr_config(rid, cap) : devmgr_bar(rid, (unsigned)bar, cap, bytes));
    if (err_is_ok(err))
        err = FAILPOINT(vspace_map(*cap, *bytes, MAP_WRITE, va));
    if (err_is_fail(err) && *cap) {
        cap_destroy(*cap);
        *cap = NULL_CAP;
    }
    return err;
}

static void unmap_dev(capref_t *cap)
{
    if (!*cap)
        return;
    err_ignore(vspace_unmap(*cap), "fails only for a frame not mapped here; deleting it "
                                   "next unmaps it anyway");
    cap_destroy(*cap);
    *cap = NULL_CAP;
}

// The VF's vector, connected to a new endpoint of ours with a notify badge
// (sys/irq.h). What it made is in v, for vnic_free.
static MUST_CHECK errval_t irq_vector(struct vnic *v, struct dev_irq *irq)
{
    errval_t err =
        FAILPOINT(obj_alloc_ram(&v->irq_ep, ObjType_Endpoint, OBJSIZE_ENDPOINT, &v->irq_ep_ram));
    if (err_is_ok(err))
        err = FAILPOINT(irq_to_endpoint(v->info.rid, v->irq_ep, IRQ_BADGE, irq));
    if (err_is_ok(err)) {
        v->irq = irq->cap;
        v->vector = irq->vector;
    }
    return err;
}

// Receive interrupts (MSI-X vector 0 of the VF) as notifications on an
// endpoint of our own. What it made is in v, for vnic_free.
static MUST_CHECK errval_t irq_setup(struct vnic *v)
{
    void *page, *table;
    uint64_t bytes;
    uint16_t off;
    struct pci_msix x;
    struct dev_irq irq;
    errval_t err = map_dev(v->info.rid, -1, &v->cfg_cap, &page, &bytes);
    if (err_is_fail(err))
        return err;
    v->page = (struct pci_fn_page){page, pci_rid_bdf(v->info.rid)};
    struct pci_cfg cfg = pci_page_cfg(&v->page);
    // Attached to our domain already (memory_setup): the VF may master now.
    pci_write16(&cfg, v->page.bdf, PCI_COMMAND,
                pci_read16(&cfg, v->page.bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY |
                    PCI_COMMAND_MASTER);
    err = pci_cap_find(&cfg, v->page.bdf, PCI_CAP_ID_MSIX, &off);
    if (err_is_ok(err))
        err = pci_msix_read(&cfg, v->page.bdf, off, &x);
    if (err_is_ok(err))
        err = map_dev(v->info.rid, x.table_bir, &v->msix_cap, &table, &bytes);
    if (err_is_ok(err))
        err = irq_vector(v, &irq);
    if (err_is_fail(err))
        return err;
    v->msix = (struct pci_msix_table){mmio_direct((char *)table + x.table_offset), x.table_size};
    return FAILPOINT(
        pci_msix_route(&cfg, v->page.bdf, &x, &v->msix, 0, irq.msi_addr, irq.msi_data));
}

// Our domain: rings and buffers, the VF attached to it.
static MUST_CHECK errval_t memory_setup(struct vnic *v)
{
    errval_t err = dma_space_init(&v->space);
    if (err_is_ok(err))
        err = FAILPOINT(devmgr_attach(v->info.rid, v->space.domain, NULL_CAP));
    v->attached = err_is_ok(err);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, 2 * OBJSIZE_PAGE, DMA_WRITE, &v->ring_mem);
    if (err_is_ok(err))
        err = dma_alloc(&v->space, (uint64_t)NBUFS * NETQ_BUF_BYTES, DMA_WRITE, &v->bufs);
    return err;
}

static MUST_CHECK errval_t bring_up(struct vnic *v)
{
    void *regs;
    uint64_t bytes;
    errval_t err = map_dev(v->info.rid, 0, &v->regs_cap, &regs, &bytes);
    if (err_is_fail(err))
        return err;
    v->regs_bytes = bytes;
    struct mmio mmio = mmio_direct(regs);
    err = FAILPOINT(igb_vf_init(&v->vf, &mmio, sys_clock_us_hook, NULL, NULL));
    if (err_is_ok(err))
        err = FAILPOINT(igb_vf_reset(&v->vf, WAIT_US));
    if (err_is_ok(err) && memcmp(v->vf.mac, v->info.mac, 6))
        err = NETCTL_ERR_NOT_OWNER; // the PF gave another VF's address: not ours
    struct igb_dma rx = {v->ring_mem.va, v->ring_mem.iova, OBJSIZE_PAGE};
    struct igb_dma tx = {(char *)v->ring_mem.va + OBJSIZE_PAGE, v->ring_mem.iova + OBJSIZE_PAGE,
                         OBJSIZE_PAGE};
    if (err_is_ok(err))
        err = FAILPOINT(igb_vf_rings(&v->vf, rx, RX_DESC, NETQ_BUF_BYTES, tx, TX_DESC));
    if (err_is_fail(err))
        return err;
    struct igb_pkt bufs[RX_DESC];
    unsigned posted = 0;
    for (unsigned i = 0; i < RX_DESC; i++)
        bufs[i] = buf_pkt(v, i);
    err = FAILPOINT(igb_vf_rx_refill(&v->vf, bufs, RX_DESC, &posted));
    // (The ring holds RX_DESC - 1 buffers; the one it could not take is
    // simply not used.)
    for (unsigned i = 0; i < TX_DESC; i++)
        v->free_tx[v->nfree_tx++] = (uint16_t)(RX_DESC + i);
    if (err_is_ok(err))
        err = FAILPOINT(igb_vf_irq_map(&v->vf, 0, -1));
    return err;
}

// Undo vnic_open from wherever it got (xv6's freeproc): what v holds is
// given back, newest first; what was not made is NULL_CAP or zero. The
// VNIC goes first, so the VF is reset (and detached) before its memory
// and vector go.
static void vnic_free(struct vnic *v)
{
    if (v->cap) {
        err_ignore(netctl_vnic_destroy(v->cap),
                   "netctl takes the VNIC back when we end if it cannot now");
        cap_destroy(v->cap);
    }
    unmap_dev(&v->regs_cap);
    if (v->irq) {
        err_ignore(devmgr_irq_return(v->vector),
                   "devmgr takes the vector back when we end if it cannot now");
        cap_destroy(v->irq); // (revoked by devmgr: the slot is freed all the same)
    }
    obj_free(v->irq_ep, v->irq_ep_ram);
    unmap_dev(&v->msix_cap);
    unmap_dev(&v->cfg_cap);
    dma_free(&v->given_mem.bufs);
    dma_free(&v->given_mem.ring_mem);
    dma_free(&v->bufs);
    dma_free(&v->ring_mem);
    dma_space_fini(&v->space); // (the VF left the domain with the VNIC)
    free(v);
}

// Pair 1's rings (in v->ring_mem) set up and its receive buffers (in
// v->bufs) posted, v->vf being a pair 1 handle.
static MUST_CHECK errval_t rings_and_buffers(struct vnic *v)
{
    struct igb_dma rx = {v->ring_mem.va, v->ring_mem.iova, OBJSIZE_PAGE};
    struct igb_dma tx = {(char *)v->ring_mem.va + OBJSIZE_PAGE, v->ring_mem.iova + OBJSIZE_PAGE,
                         OBJSIZE_PAGE};
    errval_t err = igb_vf_rings(&v->vf, rx, RX_DESC, NETQ_BUF_BYTES, tx, TX_DESC);
    struct igb_pkt bufs[RX_DESC];
    unsigned posted = 0;
    for (unsigned i = 0; i < RX_DESC; i++)
        bufs[i] = buf_pkt(v, i);
    if (err_is_ok(err))
        err = igb_vf_rx_refill(&v->vf, bufs, RX_DESC, &posted);
    for (unsigned i = 0; i < TX_DESC; i++)
        v->free_tx[v->nfree_tx++] = (uint16_t)(RX_DESC + i);
    return err;
}

// Pair 1's rings and buffers: as pair 0's, in pair 0's domain.
static MUST_CHECK errval_t bring_up_queue1(struct vnic *v, struct vnic *v0)
{
    errval_t err = dma_alloc(&v0->space, 2 * OBJSIZE_PAGE, DMA_WRITE, &v->ring_mem);
    if (err_is_ok(err))
        err = dma_alloc(&v0->space, (uint64_t)NBUFS * NETQ_BUF_BYTES, DMA_WRITE, &v->bufs);
    if (err_is_ok(err))
        err = igb_vf_queue1(&v->vf, &v0->vf);
    if (err_is_ok(err))
        err = rings_and_buffers(v);
    return err;
}

MUST_CHECK errval_t vnic_open_queue1(struct netq *q0, struct netq **out)
{
    struct vnic *v0 = vn(q0);
    if (v0->pair1)
        return SYS_ERR_EXISTS;
    struct vnic *v = calloc(1, sizeof(*v));
    if (!v)
        return SYS_ERR_NO_MEMORY;
    errval_t err = bring_up_queue1(v, v0);
    if (err_is_fail(err)) {
        dma_free(&v->bufs);
        dma_free(&v->ring_mem);
        free(v);
        return err;
    }
    v0->pair1 = true;
    v->info = v0->info;
    v->q = v0->q;
    v->q.ops = &ops1;
    v->q.impl = v;
    *out = &v->q;
    return SYS_ERR_OK;
}

_Static_assert(VNIC_QUEUE1_RING_BYTES == 2 * OBJSIZE_PAGE, "bring_up_queue1's rings");
_Static_assert(VNIC_QUEUE1_BUFS_BYTES == (uint64_t)NBUFS * NETQ_BUF_BYTES, "one per descriptor");

MUST_CHECK errval_t vnic_queue1_give(struct netq *q0, struct vnic_queue1 *desc, capref_t *ring,
                                     capref_t *bufs, capref_t *regs)
{
    struct vnic *v0 = vn(q0);
    if (v0->vf.qoff)
        return SYS_ERR_INVALID_ARGS; // q0 is itself a pair 1
    if (v0->pair1)
        return SYS_ERR_EXISTS;
    struct vnic_given *g = &v0->given_mem;
    errval_t err = dma_alloc(&v0->space, VNIC_QUEUE1_RING_BYTES, DMA_WRITE, &g->ring_mem);
    if (err_is_ok(err))
        err = dma_alloc(&v0->space, VNIC_QUEUE1_BUFS_BYTES, DMA_WRITE, &g->bufs);
    if (err_is_fail(err)) {
        dma_free(&g->bufs);
        dma_free(&g->ring_mem);
        return err;
    }
    v0->pair1 = true;
    *desc = (struct vnic_queue1){.ring_iova = g->ring_mem.iova,
                                 .bufs_iova = g->bufs.iova,
                                 .regs_bytes = v0->regs_bytes,
                                 .ip = q0->ip,
                                 .netmask = q0->netmask,
                                 .gateway = q0->gateway,
                                 .offloads = q0->offloads};
    memcpy(desc->mac, q0->mac, 6);
    *ring = g->ring_mem.frame;
    *bufs = g->bufs.frame;
    *regs = v0->regs_cap;
    return SYS_ERR_OK;
}

static void taken_free(struct vnic *v)
{
    if (v->ring_mem.va)
        err_ignore(vspace_unmap(v->ring_mem.frame), "mapped by vnic_queue1_take");
    if (v->bufs.va)
        err_ignore(vspace_unmap(v->bufs.frame), "mapped by vnic_queue1_take");
    if (v->regs_cap)
        err_ignore(vspace_unmap(v->regs_cap), "mapped by vnic_queue1_take");
    free(v);
}

static void q1_taken_close(struct netq *q) { taken_free(vn(q)); }

static const struct netq_ops ops1_taken = {q_rx,   q_rx_done, q_tx_buf,      q_tx,
                                           q_wait, q_stats,   q1_taken_close};

MUST_CHECK errval_t vnic_queue1_take(const struct vnic_queue1 *desc, capref_t ring, capref_t bufs,
                                     capref_t regs, struct netq **out)
{
    struct vnic *v = calloc(1, sizeof(*v));
    if (!v)
        return SYS_ERR_NO_MEMORY;
    void *ring_va = NULL, *bufs_va = NULL, *regs_va = NULL;
    errval_t err = vspace_map(ring, VNIC_QUEUE1_RING_BYTES, MAP_WRITE, &ring_va);
    if (err_is_ok(err)) {
        v->ring_mem = (struct dma_buf){.va = ring_va, .iova = desc->ring_iova, .frame = ring};
        err = vspace_map(bufs, VNIC_QUEUE1_BUFS_BYTES, MAP_WRITE, &bufs_va);
    }
    if (err_is_ok(err)) {
        v->bufs = (struct dma_buf){.va = bufs_va, .iova = desc->bufs_iova, .frame = bufs};
        err = vspace_map(regs, desc->regs_bytes, MAP_WRITE, &regs_va);
    }
    if (err_is_ok(err)) {
        v->regs_cap = regs;
        v->regs_va = regs_va;
        v->regs_bytes = desc->regs_bytes;
        struct mmio mmio = mmio_direct(regs_va);
        igb_vf_queue1_apart(&v->vf, &mmio, desc->mac, sys_clock_us_hook, NULL);
        err = rings_and_buffers(v);
    }
    if (err_is_fail(err)) {
        taken_free(v);
        return err;
    }
    v->info.ip = desc->ip;
    memcpy(v->info.mac, desc->mac, 6);
    v->q = (struct netq){.ops = &ops1_taken,
                         .ip = desc->ip,
                         .netmask = desc->netmask,
                         .gateway = desc->gateway,
                         .offloads = desc->offloads,
                         .impl = v};
    memcpy(v->q.mac, desc->mac, 6);
    *out = &v->q;
    return SYS_ERR_OK;
}

void vnic_queue1_lent(struct netq *q1, uintptr_t range[3][2])
{
    struct vnic *v = vn(q1);
    uintptr_t at[3] = {(uintptr_t)v->ring_mem.va, (uintptr_t)v->bufs.va, (uintptr_t)v->regs_va};
    uint64_t bytes[3] = {VNIC_QUEUE1_RING_BYTES, VNIC_QUEUE1_BUFS_BYTES, v->regs_bytes};
    for (unsigned i = 0; i < 3; i++) {
        range[i][0] = at[i];
        range[i][1] = at[i] + bytes[i];
    }
}

MUST_CHECK errval_t vnic_rss(struct netq *q0, bool on)
{
    return igb_vf_set_rss(&vn(q0)->vf, on, WAIT_US);
}

MUST_CHECK errval_t vnic_open(struct netq **out)
{
    struct vnic *v = calloc(1, sizeof(*v));
    if (!v)
        return err_push(SYS_ERR_NO_MEMORY, VNIC_ERR_OPEN);
    errval_t err = FAILPOINT(netctl_vnic_create(&v->info, &v->cap));
    if (err_is_ok(err))
        err = memory_setup(v);
    if (err_is_ok(err))
        err = irq_setup(v);
    if (err_is_ok(err))
        err = bring_up(v);
    if (err_is_fail(err)) {
        vnic_free(v);
        return err_push(err, VNIC_ERR_OPEN);
    }
    // igb_vf_tx does IGB_TX_CSUM_IP4_UDP; reap puts sent receive buffers back.
    v->q = (struct netq){.ops = &ops,
                         .ip = v->info.ip,
                         .netmask = v->info.netmask,
                         .gateway = v->info.gateway,
                         .offloads = NETQ_TX_CSUM_IP4_UDP | NETQ_TX_RX_BUF,
                         .impl = v};
    memcpy(v->q.mac, v->info.mac, 6);
    *out = &v->q;
    return SYS_ERR_OK;
}

const struct netctl_vnic *vnic_info(struct netq *q) { return &vn(q)->info; }

capref_t vnic_cap(struct netq *q) { return vn(q)->cap; }

struct igb_vf *vnic_vf(struct netq *q) { return &vn(q)->vf; }

struct dma_space *vnic_dma_space(struct netq *q) { return &vn(q)->space; }

struct pci_msix_table *vnic_msix(struct netq *q) { return &vn(q)->msix; }

MUST_CHECK errval_t vnic_irq_route(struct netq *q, capref_t ep, uint64_t badge)
{
    struct vnic *v = vn(q);
    errval_t err = invoke_irqdest_disconnect(v->irq);
    if (err_is_ok(err))
        err = irq_connect(v->irq, ep, badge);
    return err_is_ok(err) ? err : err_push(err, VNIC_ERR_IRQ);
}

void vnic_irq_arm(struct netq *q, bool on)
{
    err_ignore(igb_vf_irq_enable(&vn(q)->vf, on), "a VNIC whose vectors are not mapped is polled");
}

bool vnic_rx_pending(struct netq *q) { return igb_vf_rx_pending(&vn(q)->vf); }

static MUST_CHECK errval_t refresh_filters(struct vnic *v)
{
    unsigned n = 0;
    errval_t err = netctl_filters(v->cap, v->filters, NETCTL_MAX_FILTERS, &n);
    if (err_is_ok(err))
        v->nfilters = n;
    return err;
}

MUST_CHECK errval_t vnic_filter_add(struct netq *q, const struct netctl_filter *f, capref_t *cap)
{
    errval_t err = netctl_filter_create(vn(q)->cap, f, cap);
    if (err_is_ok(err))
        err = refresh_filters(vn(q));
    return err_is_ok(err) ? err : err_push(err, VNIC_ERR_FILTER);
}

MUST_CHECK errval_t vnic_filter_remove(struct netq *q, capref_t cap)
{
    errval_t err = netctl_filter_destroy(cap);
    if (err_is_ok(err))
        err = refresh_filters(vn(q));
    return err_is_ok(err) ? err : err_push(err, VNIC_ERR_FILTER);
}

uint64_t vnic_filtered(struct netq *q) { return vn(q)->filtered; }
