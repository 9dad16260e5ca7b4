/*
 * usr/tests/igbtest/tests.c: traffic through the VFs: ARP with slirp,
 * MSI-X versus polling, switching between VFs, what each VF may receive
 * and claim, what QEMU's igb does not enforce, counters, and UDP echo.
 */
#include "igbtest.h"
#include <pci/pci_regs.h>
#include <stdio.h>
#include <string.h>

#define RX_VECTOR 90
#define RX_BADGE  (1ull << 3)
#define QUIET_US  200000
#define ECHO_US   120000000 // the host client's whole run

static const uint8_t gw_ip[4] = {10, 0, 2, 2};
static const uint8_t slirp_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t stranger[6] = {0x52, 0x54, 0x00, 0xab, 0x00, 0x99}; // no pool's MAC

// What a receive callback looks for.
struct watch {
    const uint8_t *want; // a frame to find byte for byte (len wlen), or NULL
    size_t wlen;
    bool seen;
    uint8_t mac[6]; // the gateway's, from an ARP reply
    bool arp_reply;
};

static void on_frame(void *arg, struct igbt_vf *v, const uint8_t *f, size_t len)
{
    struct watch *w = arg;
    if (w->want && len >= w->wlen && !memcmp(f, w->want, w->wlen))
        w->seen = true;
    if (net_arp_reply_for(f, len, gw_ip, w->mac))
        w->arp_reply = true;
}

// Poll v until cond holds or timeout_us passes; the PF's mailbox served too.
static bool poll_until(struct igbt *t, struct igbt_vf *v, struct watch *w, bool *cond,
                       uint64_t timeout_us)
{
    uint64_t start = clock_us(NULL);
    while (!*cond && clock_us(NULL) - start < timeout_us) {
        if (!vnic_poll(v, on_frame, w))
            sys_yield();
        igbt_pf_serve(t);
    }
    return *cond;
}

static void drain(struct igbt *t)
{
    for (unsigned i = 0; i < IGBT_VFS; i++)
        vnic_poll(&t->vn[i], NULL, NULL);
}

static MUST_CHECK errval_t ask_gateway(struct igbt_vf *v)
{
    uint8_t f[64];
    return vnic_send(v, f, net_arp_request(f, v->vf.mac, v->ip, gw_ip));
}

static void test_arp(struct igbt *t, struct igbt_vf *v)
{
    struct watch w = {0};
    errval_t err = ask_gateway(v);
    bool ok = err_is_ok(err) && poll_until(t, v, &w, &w.arp_reply, IGBT_WAIT_US);
    report("igb.arp_gateway", ok && !memcmp(w.mac, slirp_mac, 6),
           "send %s; reply %s from %02x:%02x:%02x:%02x:%02x:%02x", err_name(err),
           w.arp_reply ? "seen" : "missing", w.mac[0], w.mac[1], w.mac[2], w.mac[3], w.mac[4],
           w.mac[5]);
}

// Interrupts: an RX interrupt reaches the endpoint; masked, none does and
// polling still finds the frame.
static void test_irq(struct igbt *t, struct igbt_vf *v)
{
    struct lmp_recv_msg msg = {0};
    errval_t err = igbt_msix(t, v, RX_VECTOR, RX_BADGE);
    if (err_is_ok(err))
        err = igb_vf_irq_map(&v->vf, 0, -1);
    drain(t);
    if (err_is_ok(err))
        err = igb_vf_irq_enable(&v->vf, true);
    if (err_is_ok(err))
        err = ask_gateway(v);
    errval_t irq = err_is_ok(err) ? wait_notify(v->irq_ep, IGBT_WAIT_US, &msg) : err;
    report("igb.msix_rx_interrupt",
           err_is_ok(irq) && (msg.flags & LMP_RECV_NOTIFY) && msg.badge == RX_BADGE,
           "setup %s, interrupt %s, badge %#lx", err_name(err), err_name(irq), msg.badge);
    struct watch w = {0};
    poll_until(t, v, &w, &w.arp_reply, IGBT_WAIT_US);
    err_ignore(igb_vf_irq_enable(&v->vf, false), "mapped above: a failure there was reported");
    while (err_is_ok(wait_notify(v->irq_ep, QUIET_US, &msg)))
        ; // stragglers from before the mask
    w = (struct watch){0};
    err = ask_gateway(v);
    errval_t quiet = wait_notify(v->irq_ep, QUIET_US, &msg);
    bool polled = poll_until(t, v, &w, &w.arp_reply, IGBT_WAIT_US);
    report("igb.irq_masked_polling", err_is_ok(err) && err_has(quiet, SYS_ERR_TIMEOUT) && polled,
           "send %s; while masked: %s (want a timeout); reply by polling %s", err_name(err),
           err_name(quiet), polled ? "found" : "missing");
}

// A frame for VF 1's MAC goes from VF 0 to VF 1 inside the device; one for
// a MAC no pool has does not reach VF 1.
static void test_switching(struct igbt *t, struct igbt_vf *a, struct igbt_vf *b)
{
    uint8_t f[300], g[300];
    drain(t);
    struct watch wa = {.want = f, .wlen = net_test_frame(f, b->vf.mac, a->vf.mac, 300, 1)};
    errval_t err = vnic_send(a, f, wa.wlen);
    bool got = err_is_ok(err) && poll_until(t, b, &wa, &wa.seen, IGBT_WAIT_US);
    struct watch back = {.want = f, .wlen = wa.wlen};
    vnic_poll(a, on_frame, &back);
    report("igb.loopback_vf_to_vf", got && !back.seen, "send %s; VF 1 %s it, VF 0 %s it",
           err_name(err), got ? "got" : "did not get", back.seen ? "also got" : "did not get");
    struct watch ws = {.want = g, .wlen = net_test_frame(g, stranger, a->vf.mac, 300, 2)};
    err = vnic_send(a, g, ws.wlen);
    poll_until(t, b, &ws, &ws.seen, QUIET_US);
    report("igb.vf_filters_foreign_mac", err_is_ok(err) && !ws.seen,
           "send %s; VF 1 %s a frame for another MAC", err_name(err),
           ws.seen ? "got" : "did not get");
}

// A VF may not pick its MAC: asking for another is refused, the filter
// stays, frames for the asked-for MAC do not reach it; its own is fine.
static void test_mac_policy(struct igbt *t, struct igbt_vf *a, struct igbt_vf *b)
{
    const uint8_t want[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x42};
    uint8_t before[6], f[100];
    memcpy(before, b->vf.mac, 6);
    unsigned refused = t->pf_events[IGB_MBX_EV_SET_MAC];
    errval_t err = igb_vf_set_mac(&b->vf, want, IGBT_WAIT_US);
    struct watch w = {.want = f, .wlen = net_test_frame(f, want, a->vf.mac, 100, 3)};
    errval_t sent = vnic_send(a, f, w.wlen);
    poll_until(t, b, &w, &w.seen, QUIET_US);
    report("igb.vf_mac_refused",
           err_has(err, IGB_ERR_MBX_NACK) && !memcmp(b->vf.mac, before, 6) && !w.seen &&
               t->pf_events[IGB_MBX_EV_SET_MAC] == refused + 1 && err_is_ok(sent),
           "asking for 02:00:00:00:00:42: %s; frames for it %s", err_name(err),
           w.seen ? "arrive" : "do not arrive");
    err = igb_vf_set_mac(&b->vf, before, IGBT_WAIT_US);
    report("igb.vf_mac_own_accepted", err_is_ok(err), "%s", err_name(err));
}

// What QEMU's igb does not do, said plainly by the PF driver, and seen.
static void test_not_emulated(struct igbt *t, struct igbt_vf *a, struct igbt_vf *b)
{
    uint8_t f[100];
    // QEMU's igb carries the subsystem IDs QEMU gives every device that
    // sets none (1af4:1100): that is how netctl knows what it can promise.
    uint16_t sv = pci_read16(&t->cfg, t->pff->bdf, PCI_SUBSYS_VENDOR);
    uint16_t sid = pci_read16(&t->cfg, t->pff->bdf, PCI_SUBSYS_ID);
    igb_pf_identify(&t->pf, sv, sid);
    report("igb.identified_as_qemu", t->pf.emulated && igb_pf_enforced(&t->pf) == 0,
           "subsystem %04x:%04x", sv, sid);
    errval_t as = igb_pf_set_antispoof(&t->pf, a->index, true);
    struct watch w = {.want = f, .wlen = net_test_frame(f, b->vf.mac, b->vf.mac, 100, 4)};
    errval_t sent = vnic_send(a, f, w.wlen); // VF 0 claims to be VF 1
    poll_until(t, b, &w, &w.seen, IGBT_WAIT_US);
    errval_t off = igb_pf_set_antispoof(&t->pf, a->index, false);
    report("igb.antispoof_not_enforced",
           err_has(as, IGB_ERR_NO_ANTISPOOF) && err_is_ok(sent) && w.seen && err_is_ok(off),
           "enable: %s; a frame with VF 1's source address from VF 0 %s", err_name(as),
           w.seen ? "was delivered" : "was not delivered (update docs/vnic.md!)");
    errval_t rl = igb_pf_set_rate_limit(&t->pf, a->index, 100);
    report("igb.rate_limit_unsupported", err_has(rl, IGB_ERR_NO_RATE_LIMIT), "%s", err_name(rl));
}

static void test_counters(struct igbt *t, struct igbt_vf *v)
{
    drain(t);
    struct igb_pool_stats pool = {0}, own;
    errval_t err = igb_pf_pool_stats(&t->pf, v->index, &pool);
    igb_vf_hw_stats(&v->vf, &own);
    const struct igb_vf_stats *s = &v->vf.stats;
    uint64_t seen = s->rx_packets + s->rx_drops + s->rx_errors;
    report("igb.pool_counters",
           err_is_ok(err) && pool.rx_packets == own.rx_packets &&
               pool.tx_packets == own.tx_packets && pool.rx_packets == seen &&
               pool.tx_packets >= s->tx_packets && pool.tx_packets > 0,
           "%s; device: rx %u tx %u, VF's view rx %u tx %u; driver: rx %lu (+%lu dropped, %lu "
           "errors) tx %lu reaped",
           err_name(err), pool.rx_packets, pool.tx_packets, own.rx_packets, own.tx_packets,
           s->rx_packets, s->rx_drops, s->rx_errors, s->tx_packets);
}

struct echo {
    struct igbt_vf *v;
    unsigned echoed;
    bool done;
};

static void on_echo(void *arg, struct igbt_vf *v, const uint8_t *f, size_t len)
{
    struct echo *e = arg;
    static uint8_t out[1600];
    const uint8_t *payload;
    size_t plen, n = net_arp_answer(out, f, len, v->vf.mac, v->ip);
    if (!n && (n = net_udp_echo(out, f, len, v->ip, 7, &payload, &plen)) != 0) {
        e->echoed++;
        e->done |= plen == 12 && !memcmp(payload, "igbtest-done", 12);
    }
    if (n && err_is_fail(vnic_send(v, out, n)))
        printf("igbtest: echo: no transmit buffer\n");
}

// Serve ARP and UDP echo on VF 0 for the host, sleeping on the RX
// interrupt when idle: poll while there is work, unmask, check once more
// (a frame may have come between), then wait.
static void test_echo(struct igbt *t, struct igbt_vf *v)
{
    struct echo e = {.v = v};
    struct lmp_recv_msg msg;
    uint64_t start = clock_us(NULL);
    unsigned sleeps = 0;
    printf("igbtest: echo server on %u.%u.%u.%u:7\n", v->ip[0], v->ip[1], v->ip[2], v->ip[3]);
    while (!e.done && clock_us(NULL) - start < ECHO_US) {
        if (vnic_poll(v, on_echo, &e))
            continue;
        err_ignore(igb_vf_irq_enable(&v->vf, true), "mapped at set-up: polling goes on anyway");
        if (!igb_vf_rx_pending(&v->vf)) {
            sleeps += err_is_ok(wait_notify(v->irq_ep, 500000, &msg));
            igbt_pf_serve(t);
        }
        err_ignore(igb_vf_irq_enable(&v->vf, false), "mapped at set-up: polling goes on anyway");
        vnic_poll(&t->vn[1], NULL, NULL); // keep VF 1's ring from filling with broadcasts
    }
    report("igb.udp_echo", e.done && e.echoed > 1, "%u datagrams echoed, %s; woken %u times",
           e.echoed, e.done ? "told to stop" : "never told to stop", sleeps);
}

void igbt_tests(struct igbt *t)
{
    struct igbt_vf *a = &t->vn[0], *b = &t->vn[1];
    test_arp(t, a);
    test_irq(t, a);
    test_switching(t, a, b);
    test_mac_policy(t, a, b);
    test_not_emulated(t, a, b);
    if (t->echo)
        test_echo(t, a);
    test_counters(t, a);
    drain(t);
    report("igb.vf1_only_own_frames", b->foreign == 0 && a->foreign == 0,
           "unicast frames for another MAC: VF 1 received %u, VF 0 %u", b->foreign, a->foreign);
}
