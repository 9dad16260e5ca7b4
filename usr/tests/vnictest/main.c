/*
 * usr/tests/vnictest/main.c: VNICs through netctl and devmgr, without a
 * TCP/IP stack: `vnictest checks` runs the control-plane tests,
 * `vnictest echo [--netd]` answers ARP and echoes UDP port 7 on raw frames until a
 * datagram "vnictest-done" arrives, `vnictest echo --poll` does the same
 * as the device floor of make bench (never sleeping, replies in batches,
 * "probe:reset" and "probe:report" answered as udpecho does), `vnictest
 * hold` keeps a VNIC and spins (to be killed).
 */
#include <base/wire.h>
#include <igb/igb_vf.h>
#include <net/netd.h>
#include <net/vnic.h>
#include <os/probe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/netctl.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <test/report.h>
#include <test/unwind.h>

#define ETH_IP   0x0800
#define ETH_ARP  0x0806
#define GATEWAY  0x0a000202u // 10.0.2.2
#define DONE_MSG "vnictest-done"

// Send one frame we build in a queue buffer: fill(buf) returns its length.
static MUST_CHECK errval_t send_frame(struct netq *q, const uint8_t *frame, uint16_t len)
{
    struct netq_pkt p;
    errval_t err = netq_tx_buf(q, &p);
    unsigned sent;
    if (err_is_fail(err))
        return err;
    memcpy(p.data, frame, len);
    p.len = len < 60 ? 60 : len; // the minimum frame (the pad is zero: buffers are)
    if (len < 60)
        memset((uint8_t *)p.data + len, 0, 60 - len);
    return netq_tx(q, &p, 1, &sent);
}

static void arp_frame(uint8_t *f, uint16_t op, const uint8_t *src_mac, uint32_t src_ip,
                      const uint8_t *dst_mac, uint32_t dst_ip)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(f, op == 1 ? bcast : dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    wire_put16(f + 12, ETH_ARP);
    uint8_t *a = f + 14;
    wire_put16(a, 1);
    wire_put16(a + 2, ETH_IP);
    a[4] = 6;
    a[5] = 4;
    wire_put16(a + 6, op);
    memcpy(a + 8, src_mac, 6);
    memcpy(a + 14, &src_ip, 4);
    memcpy(a + 18, op == 1 ? (const uint8_t[6]){0} : dst_mac, 6);
    memcpy(a + 24, &dst_ip, 4);
}

// The UDP header of f if it is a datagram for our port 7 (its UDP
// length in *ulen), else NULL.
static const uint8_t *udp7(struct netq *q, const uint8_t *f, uint16_t len, unsigned *ulen)
{
    if (len < 42 || wire_be16(f + 12) != ETH_IP || f[23] != 17 || memcmp(f + 30, &q->ip, 4))
        return NULL;
    unsigned ihl = (f[14] & 15) * 4u, ip_len = wire_be16(f + 16);
    if (ihl < 20 || 14 + ip_len > len || ip_len < ihl + 8)
        return NULL;
    const uint8_t *u = f + 14 + ihl;
    *ulen = wire_be16(u + 4);
    if (wire_be16(u + 2) != 7 || *ulen < 8 || *ulen > ip_len - ihl)
        return NULL;
    return u;
}

static bool payload_is(const uint8_t *u, unsigned ulen, const char *s)
{
    return ulen - 8 == strlen(s) && !memcmp(u + 8, s, ulen - 8);
}

// The reply to datagram u of frame f, carrying n bytes of p, into out:
// addresses and ports swapped. Its length (at least 60: padded).
static uint16_t reply_frame(struct netq *q, uint8_t *out, const uint8_t *f, const uint8_t *u,
                            const void *p, unsigned n)
{
    memcpy(out, f + 6, 6);
    memcpy(out + 6, q->mac, 6);
    wire_put16(out + 12, ETH_IP);
    memcpy(out + 14, f + 14, 20);
    out[14] = 0x45;
    wire_put16(out + 16, (uint16_t)(28 + n));
    out[22] = 64;
    memcpy(out + 26, &q->ip, 4);
    memcpy(out + 30, f + 26, 4);
    wire_put16(out + 24, 0);
    wire_put16(out + 24, wire_csum(out + 14, 20));
    uint8_t *ou = out + 34;
    wire_put16(ou, 7);
    memcpy(ou + 2, u, 2);
    wire_put16(ou + 4, (uint16_t)(8 + n));
    wire_put16(ou + 6, 0); // no UDP checksum (allowed in IPv4)
    memmove(ou + 8, p, n);
    if (42 + n >= 60)
        return (uint16_t)(42 + n);
    memset(out + 42 + n, 0, 60 - (42 + n));
    return 60;
}

// Answer one frame: ARP requests for our address, UDP to port 7. Returns
// true for the datagram that says we are done.
static bool answer(struct netq *q, const uint8_t *f, uint16_t len, unsigned *echoed)
{
    uint8_t out[NETQ_FRAME_MAX];
    if (len >= 42 && wire_be16(f + 12) == ETH_ARP && wire_be16(f + 20) == 1 &&
        !memcmp(f + 38, &q->ip, 4)) {
        uint32_t who;
        memcpy(&who, f + 28, 4);
        arp_frame(out, 2, q->mac, q->ip, f + 22, who);
        err_ignore(send_frame(q, out, 42),
                   "the test counts what arrives; a lost frame shows there");
        return false;
    }
    unsigned ulen;
    const uint8_t *u = udp7(q, f, len, &ulen);
    if (!u)
        return false;
    uint16_t n = reply_frame(q, out, f, u, u + 8, ulen - 8);
    if (err_is_ok(send_frame(q, out, n)))
        (*echoed)++;
    return payload_is(u, ulen, DONE_MSG);
}

// Echo on a VNIC (on VLAN vlan unless 0) or through netd.
static int echo(bool via_netd, uint16_t vlan)
{
    struct netq *q;
    errval_t err = via_netd ? netd_open(&q) : vnic_open(&q);
    if (err_is_ok(err) && vlan)
        err = netctl_vnic_vlan(vnic_cap(q), vlan);
    if (err_is_fail(err)) {
        printf("vnictest: no VNIC: %s\n", err_msg(err));
        return 1;
    }
    const uint8_t *ip = (const uint8_t *)&q->ip;
    if (via_netd)
        printf("vnictest: echo on %u.%u.%u.%u:7 (through netd)\n", ip[0], ip[1], ip[2], ip[3]);
    else if (vlan)
        printf("vnictest: echo on %u.%u.%u.%u:7 (VNIC %u, VLAN %u)\n", ip[0], ip[1], ip[2], ip[3],
               vnic_info(q)->id, vlan);
    else
        printf("vnictest: echo on %u.%u.%u.%u:7 (VNIC %u)\n", ip[0], ip[1], ip[2], ip[3],
               vnic_info(q)->id);
    unsigned echoed = 0, foreign = 0;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (bool done = false; !done;) {
        struct netq_pkt pk[32];
        unsigned n = netq_rx(q, pk, 32);
        for (unsigned i = 0; i < n; i++) {
            // Anything for another MAC (but broadcast) should never reach us.
            const uint8_t *dst = pk[i].data;
            foreign += memcmp(dst, q->mac, 6) && memcmp(dst, bcast, 6);
            done |= answer(q, pk[i].data, pk[i].len, &echoed);
        }
        netq_rx_done(q, pk, n);
        if (!n)
            err_ignore(netq_wait(q, 0), "the poll that follows sees what arrived");
    }
    struct netq_stats st;
    q->ops->stats(q, &st);
    printf("vnictest: done: %u echoes, %u foreign frames; rx %lu, tx %lu, dropped %lu, errors "
           "%lu, doorbells %lu, interrupts %lu\n",
           echoed, foreign, st.rx_packets, st.tx_packets, st.rx_dropped, st.rx_errors, st.doorbells,
           st.interrupts);
    q->ops->close(q);
    return 0;
}

// The payload answering a probe datagram of the floor (os/probe.h) into
// buf, or NULL when u is not one.
static const char *probe_answer(const uint8_t *u, unsigned ulen, unsigned *echoed, char *buf,
                                size_t n)
{
    if (payload_is(u, ulen, "probe:reset")) {
        os_probe_reset();
        *echoed = 0;
        return "probe: reset";
    }
    if (!payload_is(u, ulen, "probe:report"))
        return NULL;
    struct os_probe t;
    os_probe_snapshot(&t);
    int w = snprintf(buf, n, "probe echoes=%u hz=%lu", *echoed, (unsigned long)sys_tsc_hz());
    size_t at = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
    os_probe_format(&t, "", buf + at, n - at);
    return buf;
}

// The device floor (make bench): spin on the receive ring, never
// sleeping; each datagram for port 7 answered by swapping its headers
// into a transmit buffer (its one copy), a batch's replies sent with one
// doorbell. The spinning is the probes' wait phase, the answering the
// app phase: the probes are on from the start.
static int echo_poll(void)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    if (err_is_fail(err)) {
        printf("vnictest: no VNIC: %s\n", err_msg(err));
        return 1;
    }
    const uint8_t *ip = (const uint8_t *)&q->ip;
    printf("vnictest: poll-mode echo on %u.%u.%u.%u:7 (VNIC %u)\n", ip[0], ip[1], ip[2], ip[3],
           vnic_info(q)->id);
    unsigned echoed = 0, answered = 0;
    static char text[512];
    os_probe_reset();
    os_probe_push(OS_PROBE_WAIT);
    for (bool done = false; !done;) {
        struct netq_pkt pk[32], tx[32];
        unsigned n = netq_rx(q, pk, 32), k = 0, ulen, sent;
        if (!n)
            continue;
        os_probe_push(OS_PROBE_APP);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *f = pk[i].data, *u = udp7(q, f, pk[i].len, &ulen);
            if (!u) {
                answer(q, f, pk[i].len, &answered); // ARP
                continue;
            }
            done |= payload_is(u, ulen, DONE_MSG);
            const char *probe = probe_answer(u, ulen, &echoed, text, sizeof(text));
            if (err_is_fail(netq_tx_buf(q, &tx[k])))
                continue;
            tx[k].len = probe ? reply_frame(q, tx[k].data, f, u, probe, strlen(probe))
                              : reply_frame(q, tx[k].data, f, u, u + 8, ulen - 8);
            echoed += !probe;
            k++;
        }
        if (k)
            err_ignore(netq_tx(q, tx, k, &sent),
                       "sent says how many went; the test counts the echoes");
        netq_rx_done(q, pk, n);
        os_probe_pop();
    }
    os_probe_pop();
    printf("vnictest: done: %u echoes (poll mode)\n", echoed);
    q->ops->close(q);
    return 0;
}

// ---- Control-plane checks ----

static bool arp_gateway(struct netq *q, uint8_t mac[6])
{
    uint8_t f[42];
    uint32_t gw = wire_hton32(GATEWAY);
    for (int tries = 0; tries < 5; tries++) {
        arp_frame(f, 1, q->mac, q->ip, NULL, gw);
        errval_t err = send_frame(q, f, 42);
        if (err_is_fail(err))
            printf("vnictest: sending an ARP request: %s\n", err_msg(err));
        if (err_is_fail(netq_wait(q, 500000)))
            continue;
        struct netq_pkt pk[16];
        unsigned n = netq_rx(q, pk, 16);
        bool got = false;
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *r = pk[i].data;
            if (pk[i].len >= 42 && wire_be16(r + 12) == ETH_ARP && wire_be16(r + 20) == 2 &&
                !memcmp(r + 28, &gw, 4)) {
                memcpy(mac, r + 22, 6);
                got = true;
            }
        }
        netq_rx_done(q, pk, n);
        if (got)
            return true;
    }
    return false;
}

// A UDP frame from q to (mac, ip):dport with payload p (n bytes); its length.
static uint16_t udp_frame(uint8_t *f, struct netq *q, const uint8_t *mac, uint32_t ip,
                          uint16_t dport, const void *p, uint16_t n)
{
    memcpy(f, mac, 6);
    memcpy(f + 6, q->mac, 6);
    wire_put16(f + 12, ETH_IP);
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    wire_put16(h + 2, (uint16_t)(28 + n));
    h[8] = 64;
    h[9] = 17;
    memcpy(h + 12, &q->ip, 4);
    memcpy(h + 16, &ip, 4);
    wire_put16(h + 10, wire_csum(h, 20));
    uint8_t *u = h + 20;
    wire_put16(u, 5000);
    wire_put16(u + 2, dport);
    wire_put16(u + 4, (uint16_t)(8 + n));
    wire_put16(u + 6, 0);
    memcpy(u + 8, p, n);
    return (uint16_t)(42 + n);
}

// Filters in action: a second VNIC of ours sends to ports 7 and 9 of the
// first (the device loops pool to pool); with a filter for UDP port 7,
// only those arrive, the others are dropped and counted.
static void filters_enforced(struct netq *q)
{
    struct netq *q2 = NULL;
    capref_t fc = NULL_CAP;
    struct netctl_filter f = {NETCTL_PROTO_UDP, 7, 0};
    errval_t err = vnic_open(&q2);
    if (err_is_ok(err))
        err = vnic_filter_add(q, &f, &fc);
    uint64_t before = err_is_ok(err) ? vnic_filtered(q) : 0;
    uint8_t frame[128];
    for (int i = 0; i < 4 && err_is_ok(err); i++)
        err = send_frame(q2, frame, udp_frame(frame, q2, q->mac, q->ip, i % 2 ? 9 : 7, "x", 1));
    unsigned got7 = 0, got9 = 0;
    for (int tries = 0; err_is_ok(err) && tries < 20 && got7 < 2; tries++) {
        err_ignore(netq_wait(q, 100000), "the poll that follows sees what arrived");
        struct netq_pkt pk[16];
        unsigned n = netq_rx(q, pk, 16);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *r = pk[i].data;
            if (pk[i].len >= 42 && wire_be16(r + 12) == ETH_IP && r[23] == 17) {
                got7 += wire_be16(r + 36) == 7;
                got9 += wire_be16(r + 36) == 9;
            }
        }
        netq_rx_done(q, pk, n);
    }
    uint64_t dropped = vnic_filtered(q) - before;
    errval_t rm = fc ? vnic_filter_remove(q, fc) : err;
    report("vnic.filters_enforced",
           err_is_ok(err) && got7 == 2 && got9 == 0 && dropped == 2 && err_is_ok(rm),
           "%s, port 7: %u of 2, port 9: %u (0 wanted), %lu filtered, remove %s", err_name(err),
           got7, got9, dropped, err_name(rm));
    if (q2)
        q2->ops->close(q2);
}

// A cap of ours that looks like netctl's VNIC cap for VNIC id (a forgery:
// our own endpoint, netctl's badge layout).
static capref_t forged_vnic_cap(uint16_t id)
{
    capref_t c = NULL_CAP;
    if (err_is_ok(slot_alloc(&c)) &&
        err_is_fail(cap_mint(c, cap_selfep, 0, (1ull << 58) | (uint64_t)id << 8, 0)))
        c = NULL_CAP;
    return c;
}

// A VLAN is set by invoking the VNIC's cap, within 1..4094 (0: untagged),
// and the list shows it; without the cap (none, a forged one) nothing is.
static void vlan_checks(capref_t cap, uint16_t id)
{
    struct netctl_vnic all[NETCTL_MAX_VNICS];
    unsigned n = 0;
    errval_t bad = netctl_vnic_vlan(cap, 4095);
    errval_t none = netctl_vnic_vlan(NULL_CAP, 100);
    errval_t forged = netctl_vnic_vlan(forged_vnic_cap(id), 100);
    errval_t on = netctl_vnic_vlan(cap, 100);
    errval_t list = netctl_list(all, NETCTL_MAX_VNICS, &n);
    uint16_t shown = err_is_ok(list) ? all[id].vlan : 0;
    errval_t off = netctl_vnic_vlan(cap, 0);
    errval_t list2 = netctl_list(all, NETCTL_MAX_VNICS, &n);
    report("vnic.vlan",
           err_has(bad, SYS_ERR_INVALID_ARGS) && err_has(none, NETCTL_ERR_NOT_VNIC_CAP) &&
               err_has(forged, NETCTL_ERR_NOT_VNIC_CAP) && err_is_ok(on) && shown == 100 &&
               err_is_ok(off) && err_is_ok(list2) && all[id].vlan == 0,
           "4095: %s, no cap: %s, forged: %s, 100: %s (listed %u), 0: %s (listed %u)",
           err_name(bad), err_name(none), err_name(forged), err_name(on), shown, err_name(off),
           all[id].vlan);
}

// Broadcast frames q receives from q2 (our second VNIC; the device loops
// them) after q2 sends one to the broadcast address.
static unsigned broadcasts_seen(struct netq *q, struct netq *q2, char tag)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t frame[128];
    if (err_is_fail(send_frame(q2, frame, udp_frame(frame, q2, bcast, 0xffffffffu, 9, &tag, 1))))
        return 99;
    unsigned seen = 0;
    for (int tries = 0; tries < 5; tries++) {
        err_ignore(netq_wait(q, 100000), "the poll that follows sees what arrived");
        struct netq_pkt pk[16];
        unsigned n = netq_rx(q, pk, 16);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *r = pk[i].data;
            seen += pk[i].len >= 43 && r[0] == 0xff && wire_be16(r + 12) == ETH_IP && r[23] == 17 &&
                    r[42] == (uint8_t)tag;
        }
        netq_rx_done(q, pk, n);
    }
    return seen;
}

// What a VNIC receives besides its unicast is the device's to decide:
// with broadcast off, q2's broadcast never reaches q's pool; on again, it
// does. A copy of q2's cap names nothing once q2's VNIC has ended.
static void device_rx_mode(struct netq *q)
{
    struct netq *q2 = NULL;
    capref_t copy = NULL_CAP;
    errval_t err = vnic_open(&q2);
    if (err_is_ok(err))
        err = slot_alloc(&copy);
    if (err_is_ok(err))
        err = cap_copy(copy, vnic_cap(q2), CAP_RIGHTS_ALL);
    errval_t off = err_is_ok(err) ? netctl_vnic_rx_mode(vnic_cap(q), 0) : err;
    unsigned while_off = err_is_ok(off) ? broadcasts_seen(q, q2, 'a') : 99;
    errval_t on = netctl_vnic_rx_mode(vnic_cap(q), NETCTL_RX_BCAST);
    unsigned while_on = err_is_ok(on) ? broadcasts_seen(q, q2, 'b') : 0;
    errval_t bad = netctl_vnic_rx_mode(vnic_cap(q), 4);
    report("vnic.rx_mode_in_device",
           err_is_ok(err) && err_is_ok(off) && while_off == 0 && err_is_ok(on) && while_on == 1 &&
               err_has(bad, SYS_ERR_INVALID_ARGS),
           "%s; off: %s, %u broadcasts seen (0 wanted); on: %s, %u seen (1 wanted); mode 4: %s",
           err_name(err), err_name(off), while_off, err_name(on), while_on, err_name(bad));
    if (q2)
        q2->ops->close(q2);
    errval_t stale = copy ? netctl_vnic_vlan(copy, 5) : err;
    report("vnic.stale_cap", err_has(stale, NETCTL_ERR_NOT_VNIC_CAP), "%s", err_name(stale));
}

// netctl answers a VF's mailbox on the PF's mailbox interrupt: a reset and
// a request of our VF, with nobody calling netctl meanwhile (the VF driver
// has no idle hook, it only waits), are answered. The rings are down
// afterwards: the last check before the VNIC is closed.
static void mailbox_unprompted(struct netq *q)
{
    struct igb_vf *vf = vnic_vf(q);
    const uint8_t *mac = vnic_info(q)->mac;
    uint64_t t0 = sys_clock_us();
    errval_t reset = igb_vf_reset(vf, 5000000);
    errval_t set = err_is_ok(reset) ? igb_vf_set_mac(vf, mac, 5000000) : reset;
    report("vnic.mailbox_unprompted",
           !vf->idle && err_is_ok(reset) && err_is_ok(set) && !memcmp(vf->mac, mac, 6),
           "idle hook %s, reset %s, SET_MAC_ADDR %s, %lu us", vf->idle ? "set" : "none",
           err_name(reset), err_name(set), sys_clock_us() - t0);
}

static void checks(void)
{
    struct netq *q = NULL;
    errval_t err = vnic_open(&q);
    const struct netctl_vnic *info = q ? vnic_info(q) : NULL;
    report("vnic.open", err_is_ok(err) && !memcmp(q->mac, info->mac, 6) && info->owner == sys_pid(),
           "%s", err_name(err));
    if (err_is_fail(err))
        return;
    static struct devmgr_dev devs[DEVMGR_MAX_DEVS];
    unsigned n = 0;
    err_ignore(devmgr_list(devs, DEVMGR_MAX_DEVS, &n),
               "n stays 0 and the check that follows fails");
    bool granted = false;
    for (unsigned i = 0; i < n; i++)
        granted |= devs[i].rid == info->rid && devs[i].owner == sys_pid() &&
                   (devs[i].flags & DEVMGR_DEV_BOUND);
    report("vnic.vf_granted_and_confined", granted, "VF %04x not ours in an IOMMU domain",
           info->rid);
    uint8_t gw[6] = {0};
    report("vnic.arp_gateway", arp_gateway(q, gw), "no ARP reply from 10.0.2.2");
    // Filters are caps: made, listed, given back; a forged one is refused.
    struct netctl_filter f = {NETCTL_PROTO_UDP, 7, 0}, list[NETCTL_MAX_FILTERS];
    capref_t fc = NULL_CAP, forged = NULL_CAP;
    unsigned nf = 0, nf2 = 9;
    err = netctl_filter_create(vnic_cap(q), &f, &fc);
    errval_t l1 = netctl_filters(vnic_cap(q), list, NETCTL_MAX_FILTERS, &nf);
    errval_t fake = slot_alloc(&forged);
    if (err_is_ok(fake))
        fake = cap_mint(forged, cap_selfep, 0, (1ull << 59) | (uint64_t)info->id << 8, 0);
    errval_t fake_destroy = err_is_ok(fake) ? netctl_filter_destroy(forged) : fake;
    errval_t destroy = err_is_ok(err) ? netctl_filter_destroy(fc) : err;
    errval_t again = err_is_ok(err) ? netctl_filter_destroy(fc) : err;
    err_ignore(netctl_filters(vnic_cap(q), list, NETCTL_MAX_FILTERS, &nf2),
               "nf2 stays 0 and the check that follows fails");
    report("vnic.filter_caps",
           err_is_ok(err) && err_is_ok(l1) && nf == 1 && list[0].port == 7 &&
               err_has(fake_destroy, NETCTL_ERR_NO_FILTER) && err_is_ok(destroy) &&
               err_has(again, NETCTL_ERR_NO_FILTER) && nf2 == 0,
           "create %s, list %s (%u), forged %s, destroy %s, twice %s, left %u", err_name(err),
           err_name(l1), nf, err_name(fake_destroy), err_name(destroy), err_name(again), nf2);
    filters_enforced(q);
    device_rx_mode(q);
    // QEMU's igb has no rate scheduler and checks no source address: netctl
    // says so rather than pretend.
    errval_t rate = netctl_rate(vnic_cap(q), 100);
    struct netctl_vnic all[NETCTL_MAX_VNICS];
    err = netctl_list(all, NETCTL_MAX_VNICS, &n);
    report("vnic.rate_limit_unsupported",
           err_has(rate, IGB_ERR_NO_RATE_LIMIT) && err_is_ok(err) && all[info->id].enforced == 0,
           "%s, enforced %#x", err_name(rate), err_is_ok(err) ? all[info->id].enforced : 0);
    vlan_checks(vnic_cap(q), info->id);
    // Without the VNIC's cap nothing can end it: a forged cap, a filter cap
    // (netctl's, but not a VNIC's), no cap.
    errval_t theirs = netctl_vnic_destroy(forged_vnic_cap(info->id == 0 ? 1 : 0));
    errval_t filter = err_is_ok(netctl_filter_create(vnic_cap(q), &f, &fc))
                          ? netctl_vnic_destroy(fc)
                          : SYS_ERR_OK;
    errval_t none = netctl_vnic_destroy(NULL_CAP);
    report("vnic.not_owner",
           err_has(theirs, NETCTL_ERR_NOT_VNIC_CAP) && err_has(filter, NETCTL_ERR_NOT_VNIC_CAP) &&
               err_has(none, NETCTL_ERR_NOT_VNIC_CAP),
           "forged %s, filter cap %s, none %s", err_name(theirs), err_name(filter), err_name(none));
    if (fc)
        err_ignore(netctl_filter_destroy(fc), "cleanup: the filter goes with the VNIC anyway");
    err = netctl_list(all, NETCTL_MAX_VNICS, &n);
    report("vnic.list",
           err_is_ok(err) && n == NETCTL_MAX_VNICS && all[info->id].owner == sys_pid() &&
               all[info->id].tx_packets > 0,
           "%s, %u VNICs, owner %lu, tx %lu", err_name(err), n, all[info->id].owner,
           all[info->id].tx_packets);
    mailbox_unprompted(q);
    q->ops->close(q);
    err = netctl_list(all, NETCTL_MAX_VNICS, &n);
    // ... and the VF is netctl's again (the grant ended), not ours.
    uint16_t rid = info->rid;
    uint64_t vf_owner = 0;
    err_ignore(devmgr_list(devs, DEVMGR_MAX_DEVS, &n),
               "n stays 0 and the check that follows fails");
    for (unsigned i = 0; i < n; i++)
        vf_owner = devs[i].rid == rid ? devs[i].owner : vf_owner;
    report("vnic.close_frees", err_is_ok(err) && all[info->id].owner == 0 && vf_owner != sys_pid(),
           "%s, owner %lu, VF's owner %lu", err_name(err), all[info->id].owner, vf_owner);
}

// A second netd_open from a process that has one: netd refuses it
// (SYS_ERR_EXISTS) and the client library hands that back under
// NETD_ERR_CALL, the whole chain printed; the refused opens leave none of
// this program's memory behind (the first refusal is before the count:
// a first use may grow the heap or the slot allocator).
static void open_twice_test(void)
{
    struct netq *q2 = NULL;
    uint64_t total, free, before = 0, after = 0;
    errval_t first = netd_open(&q2), again = SYS_ERR_OK;
    errval_t err = memserv_stats(&total, &free, &before);
    for (int i = 0; i < 3 && err_is_ok(err); i++)
        again = netd_open(&q2);
    if (err_is_ok(err))
        err = memserv_stats(&total, &free, &after);
    char chain[1024];
    err_chain_format(first, chain, sizeof(chain));
    printf("vnictest: a second netd_open:\n%s\n", chain);
    report("netd.open_twice",
           err_is_ok(err) && err_no(first) == NETD_ERR_CALL &&
               err_no(err_pop(first)) == SYS_ERR_EXISTS && again == first && after == before,
           "%s under %s; 3 more: %s; memory held %ld bytes more after them (%s)",
           err_name(err_pop(first)), err_name(first), err_name(again), (long)(after - before),
           err_name(err));
}

// A wait with a limit on an idle queue ends with SYS_ERR_TIMEOUT after
// about the time asked (the kernel's 10 ms ticks): the VNIC sleeps on its
// interrupt, netd answers the client's RPC when the time is up. A frame
// that happens to come ends it early: then it is tried again.
static int wait_test(bool via_netd)
{
    struct netq *q;
    errval_t err = via_netd ? netd_open(&q) : vnic_open(&q);
    uint64_t us = 0;
    for (int tries = 0; err_is_ok(err) && tries < 5; tries++) {
        uint64_t t0 = sys_clock_us();
        err = netq_wait(q, 50000);
        us = sys_clock_us() - t0;
        struct netq_pkt pk[8];
        unsigned n = netq_rx(q, pk, 8);
        netq_rx_done(q, pk, n);
        if (!n && err_is_ok(err))
            err = SYS_ERR_INVALID_ARGS; // woken with nothing: wrong
        if (!n)
            break;
        err = SYS_ERR_OK; // a frame came: again
    }
    report(via_netd ? "netd.wait_timeout" : "vnic.wait_timeout",
           err_has(err, SYS_ERR_TIMEOUT) && us >= 29000 && us < 2000000,
           "%s after %lu us (50000 asked)", err_name(err), us);
    if (via_netd)
        open_twice_test();
    return tests_failed;
}

// ---- Set-up that unwinds: a failure injected at each step ----

// The VNICs of ours netctl lists: what a failed VNIC set-up must not leave.
static MUST_CHECK errval_t my_vnics(unsigned *n)
{
    struct netctl_vnic v[NETCTL_MAX_VNICS];
    unsigned k = 0;
    errval_t err = netctl_list(v, NETCTL_MAX_VNICS, &k);
    *n = 0;
    for (unsigned i = 0; i < k; i++)
        *n += v[i].owner == sys_pid();
    return err;
}

static MUST_CHECK errval_t arm_netctl(unsigned n)
{
    errval_t err;
    struct rpc_chan *c = netctl_chan(&err);
    return err_is_ok(err) ? rpc_failpoint(c, n) : err;
}

static MUST_CHECK errval_t arm_init(unsigned n)
{
    errval_t err;
    struct rpc_chan *c = initsvc_chan(&err);
    return err_is_ok(err) ? rpc_failpoint(c, n) : err;
}

static MUST_CHECK errval_t open_close_vnic(void)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    if (err_is_ok(err))
        q->ops->close(q); // which gives everything back too
    return err;
}

static MUST_CHECK errval_t spawn_wait(void)
{
    uint64_t pid, status;
    errval_t err = proc_spawn("vnictest usage", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    return err;
}

static void unwind(void)
{
    static const struct unwind_case cases[] = {
        {"unwind.vnic_open", "vnic_open", false, unwind_arm_here, unwind_pending_here,
         open_close_vnic},
        {"unwind.netctl_create", "netctl's VNIC create", true, arm_netctl, unwind_pending_server,
         open_close_vnic},
        {"unwind.spawn", "init's spawn", true, arm_init, unwind_pending_server, spawn_wait},
    };
    static const struct unwind_devices vnics = {"VNICs", my_vnics};
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        unwind_run(&cases[i], &vnics);
    printf("vnictest: unwind done\n");
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    if (!strcmp(t, "echo") && argc > 2 && !strcmp(argv[2], "--poll"))
        return echo_poll();
    if (!strcmp(t, "echo") && argc > 3 && !strcmp(argv[2], "--vlan"))
        return echo(false, (uint16_t)atoi(argv[3]));
    if (!strcmp(t, "echo"))
        return echo(argc > 2 && !strcmp(argv[2], "--netd"), 0);
    if (!strcmp(t, "wait"))
        return wait_test(argc > 2 && !strcmp(argv[2], "--netd"));
    if (!strcmp(t, "unwind")) {
        unwind();
        return tests_failed;
    }
    if (!strcmp(t, "checks")) {
        checks();
        return tests_failed;
    }
    if (!strcmp(t, "hold")) {
        struct netq *q;
        errval_t err = vnic_open(&q);
        printf("vnictest: holding VNIC %d: %s\n", err_is_ok(err) ? vnic_info(q)->id : -1,
               err_name(err));
        for (;;)
            sys_yield();
    }
    printf("usage: vnictest checks | unwind | echo [--netd | --poll | --vlan <vid>] | wait "
           "[--netd] | hold\n");
    return 1;
}
