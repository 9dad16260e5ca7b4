/* usr/tests/igbtest/vnic.c: a VF driven as an application's library OS would: rings, send, poll. */
#include "igbtest.h"
#include <stdio.h>
#include <string.h>

void igbt_pf_serve(void *arg)
{
    struct igbt *t = arg;
    struct igb_mbx_event ev[8];
    unsigned n;
    errval_t err = igb_pf_mailbox_poll(&t->pf, ev, 8, &n);
    if (err_is_fail(err)) {
        printf("igbtest: PF mailbox: %s\n", err_msg(err));
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        t->pf_events[ev[i].kind]++;
        printf("igbtest: PF mailbox: VF %u %s%s\n", ev[i].vf,
               (const char *[]){"reset itself", "asked for a reset", "asked for a MAC",
                                "made a request"}[ev[i].kind],
               ev[i].kind == IGB_MBX_EV_VFLR ? ""
               : ev[i].acked                 ? ": granted"
                                             : ": refused");
    }
}

// Where buffer i of a region starting at page first is, for the CPU and the device.
static struct igb_pkt vf_buf(struct igbt_vf *v, unsigned first, unsigned i)
{
    uint64_t off = first * 4096ull + i * (uint64_t)IGBT_BUF;
    return (struct igb_pkt){.va = (uint8_t *)v->mem.va + off, .iova = IGBT_IOVA + off};
}

static MUST_CHECK errval_t rings(struct igbt_vf *v)
{
    struct igb_dma rx = {v->mem.va, IGBT_IOVA, 4096};
    struct igb_dma tx = {(uint8_t *)v->mem.va + 4096, IGBT_IOVA + 4096, 4096};
    errval_t err = igb_vf_rings(&v->vf, rx, IGBT_RING, IGBT_BUF, tx, IGBT_RING);
    if (err_is_fail(err))
        return err;
    struct igb_pkt bufs[IGBT_RX_BUFS];
    for (unsigned i = 0; i < IGBT_RX_BUFS; i++)
        bufs[i] = vf_buf(v, 2, i);
    unsigned posted;
    err = igb_vf_rx_refill(&v->vf, bufs, IGBT_RX_BUFS, &posted);
    if (err_is_ok(err) && posted != IGBT_RX_BUFS)
        err = IGB_ERR_RING_FULL;
    for (unsigned i = 0; i < IGBT_TX_BUFS; i++)
        v->tx_free[i] = vf_buf(v, 2 + IGBT_RX_BUFS / 2, i);
    v->ntx_free = IGBT_TX_BUFS;
    return err;
}

errval_t vnic_up(struct igbt *t, struct igbt_vf *v)
{
    const struct pci_bar *b = &v->f->bars[0];
    void *regs = dev_map(b->addr, b->size);
    if (!regs)
        return SYS_ERR_NOT_FOUND;
    struct mmio mm = mmio_direct(regs);
    errval_t err = igb_vf_init(&v->vf, &mm, clock_us, igbt_pf_serve, t);
    if (err_is_ok(err))
        err = igb_vf_reset(&v->vf, IGBT_WAIT_US);
    return err_is_ok(err) ? rings(v) : err;
}

errval_t vnic_send(struct igbt_vf *v, const uint8_t *f, size_t len)
{
    struct igb_pkt done[IGBT_TX_BUFS];
    unsigned n = igb_vf_tx_reap(&v->vf, done, IGBT_TX_BUFS), sent;
    for (unsigned i = 0; i < n; i++)
        v->tx_free[v->ntx_free++] = done[i];
    if (!v->ntx_free)
        return IGB_ERR_RING_FULL;
    struct igb_pkt p = v->tx_free[--v->ntx_free];
    memcpy(p.va, f, len);
    p.len = (uint16_t)len;
    errval_t err = igb_vf_tx(&v->vf, &p, 1, &sent);
    if (err_is_fail(err))
        v->tx_free[v->ntx_free++] = p;
    return err;
}

unsigned vnic_poll(struct igbt_vf *v, vnic_rx_fn fn, void *arg)
{
    struct igb_pkt got[16];
    unsigned n, total = 0, posted;
    do {
        if (err_is_fail(igb_vf_rx(&v->vf, got, 16, &n)))
            return total;
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *f = got[i].va;
            if (!(f[0] & 1) && memcmp(f, v->vf.mac, 6))
                v->foreign++; // unicast for someone else: the filter let it through
            if (fn)
                fn(arg, v, f, got[i].len);
        }
        if (n)
            err_ignore(igb_vf_rx_refill(&v->vf, got, n, &posted), "the slots just freed: they fit");
        total += n;
    } while (n);
    return total;
}
