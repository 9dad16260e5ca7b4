/*
 * usr/netctl/server.c: netctl's requests: VNICs for processes, filters as
 * capabilities, the mailbox, and taking VNICs back from processes that end.
 */
#include "netctl.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/failpoint.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/server.h>
#include <sys/slot.h>

#define WATCH_NOTIFY       (1ull << 1)
// A VNIC or filter cap: a badged cap to our endpoint (no rights: only a
// name). The badge holds the VNIC's generation, so a cap of a former
// owner names nothing.
#define FILTER_BADGE       (1ull << 59)
#define VNIC_BADGE         (1ull << 58)
#define FILTER_ID(g, v, s) (FILTER_BADGE | (uint64_t)(g) << 16 | (uint64_t)(v) << 8 | (s))
#define VNIC_ID(g, v)      (VNIC_BADGE | (uint64_t)(g) << 16 | (uint64_t)(v) << 8)
_Static_assert(NETCTL_RX_BCAST == IGB_RX_BCAST && NETCTL_RX_MCAST == IGB_RX_MCAST,
               "netctl's receive modes are the driver's");

// Count what the device caught each VNIC doing (WVBR is read to clear).
static void spoof_events(void)
{
    uint32_t w = igb_pf_spoof_events(&nc.pf);
    for (unsigned i = 0; w && i < NETCTL_MAX_VNICS; i++) {
        if (!(w & (IGB_SPOOF_MAC(i) | IGB_SPOOF_VLAN(i))))
            continue;
        nc.vnics[i].spoofed++;
        printf("netctl: VNIC %u (pid %lu) sent a frame with a source address or VLAN not its "
               "own: dropped by the device\n",
               i, nc.vnics[i].owner);
    }
}

// Answer whatever the VFs have asked in their mailboxes.
static void mailbox(void)
{
    struct igb_mbx_event ev[8];
    unsigned n;
    errval_t err;
    do {
        err = igb_pf_mailbox_poll(&nc.pf, ev, 8, &n);
    } while (err_is_ok(err) && n == 8);
}

static void describe(unsigned i, struct netctl_vnic *out)
{
    const struct vnic_rec *v = &nc.vnics[i];
    *out = (struct netctl_vnic){.id = (uint16_t)i,
                                .rid = v->rid,
                                .ip = v->ip,
                                .netmask = nc.netmask,
                                .gateway = nc.gateway,
                                .owner = v->owner,
                                .vlan = nc.pf.vf[i].vlan,
                                .rx_mode = nc.pf.vf[i].rx_mode,
                                .rate_mbps = nc.pf.vf[i].rate_mbps,
                                .spoofed = v->spoofed};
    unsigned e = igb_pf_enforced(&nc.pf);
    out->enforced = (uint8_t)(((e & IGB_ENFORCES_ANTISPOOF) ? NETCTL_ENFORCES_ANTISPOOF : 0) |
                              ((e & IGB_ENFORCES_RATE_LIMIT) ? NETCTL_ENFORCES_RATE_LIMIT : 0));
    memcpy(out->mac, v->mac, 6);
    for (unsigned k = 0; k < NETCTL_MAX_FILTERS; k++)
        out->nfilters += v->filters[k].used;
    struct igb_pool_stats st;
    if (err_is_ok(igb_pf_pool_stats(&nc.pf, i, &st))) {
        out->rx_packets = st.rx_packets;
        out->tx_packets = st.tx_packets;
        out->rx_octets = st.rx_octets;
        out->tx_octets = st.tx_octets;
    }
}

// Take VF i back: reset, pool off, filters gone (devmgr detaches it).
static void reclaim(unsigned i)
{
    struct vnic_rec *v = &nc.vnics[i];
    errval_t err = igb_pf_vf_reclaim(&nc.pf, i);
    if (err_is_fail(err))
        printf("netctl: VNIC %u: reclaim: %s\n", i, err_msg(err));
    memset(v->filters, 0, sizeof(v->filters));
    v->owner = 0;
    v->spoofed = 0;
    v->generation++;
}

static unsigned vnics_of(uint64_t pid)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NETCTL_MAX_VNICS; i++)
        n += pid && nc.vnics[i].owner == pid; // (owner 0: free)
    return n;
}

// Ask init to tell us when pid ends (its VNICs come back then).
static MUST_CHECK errval_t watch(uint64_t pid)
{
    capref_t note;
    errval_t err = notify_cap(cap_selfep, WATCH_NOTIFY, &note);
    if (err_is_ok(err))
        err = proc_watch(pid, note);
    if (note)
        cap_destroy(note);
    return err;
}

// NETCTL_VNIC_CREATE: a free VF for the caller. Each step is a FAILPOINT;
// a failure undoes the steps before it, so the VF is free again and
// netctl's table as it was.
static void op_create(struct server_req *req, struct server_resp *resp)
{
    uint64_t pid = req->chan->pid;
    resp->err = limit_check(&req->chan->limits, LIMIT_VNICS, vnics_of(pid), 1);
    if (err_is_fail(resp->err))
        return;
    unsigned i = 0;
    while (i < NETCTL_MAX_VNICS && nc.vnics[i].owner)
        i++;
    if (!req->chan->buf || i == NETCTL_MAX_VNICS) {
        resp->err = req->chan->buf ? NETCTL_ERR_NO_VNIC : SYS_ERR_INVALID_ARGS;
        return;
    }
    struct vnic_rec *v = &nc.vnics[i];
    capref_t cap = NULL_CAP;
    errval_t err = FAILPOINT(igb_pf_set_vf_mac(&nc.pf, i, v->mac));
    if (err_is_ok(err))
        err = FAILPOINT(igb_pf_vf_enable(&nc.pf, i, true));
    if (err_is_fail(err))
        goto fail;
    err = FAILPOINT(watch(pid));
    if (err_is_ok(err))
        err = FAILPOINT(devmgr_grant(v->rid, pid));
    if (err_is_fail(err))
        goto disable;
    err = FAILPOINT(slot_alloc(&cap));
    if (err_is_ok(err))
        err = FAILPOINT(cap_mint(cap, cap_selfep, 0, VNIC_ID(v->generation & 0xffff, i), 0));
    if (err_is_fail(err))
        goto ungrant;
    v->owner = pid;
    describe(i, req->chan->buf);
    resp->w[0] = i;
    resp->cap = cap;
    resp->cap_drop = true;
    return;
    // Undo, newest first (a failed step left nothing of its own).
ungrant:
    if (cap)
        cap_destroy(cap); // (an empty slot after a failed mint: freed all the same)
    err_ignore(devmgr_return(v->rid),
               "the VF is granted to a process that holds no VNIC cap to it: devmgr takes "
               "it back when that process ends");
disable:
    // (The watch on pid stays: when pid ends, netctl finds nothing of its.)
    reclaim(i); // reset, pool off
fail:
    resp->err = err;
}

// The VNIC the request's cap names: one of ours, badged as a VNIC, of the
// VNIC's current generation (not a former owner's).
static struct vnic_rec *held(struct server_req *req, struct server_resp *resp)
{
    struct cap_info ci;
    errval_t err = req->cap ? cap_identify(req->cap, &ci) : NETCTL_ERR_NOT_VNIC_CAP;
    if (err_is_ok(err) &&
        (ci.type != ObjType_Endpoint || ci.bytes != nc.ep_id || !(ci.base & VNIC_BADGE)))
        err = NETCTL_ERR_NOT_VNIC_CAP;
    unsigned i = err_is_ok(err) ? (ci.base >> 8) & 0xff : 0;
    if (err_is_ok(err) && (i >= NETCTL_MAX_VNICS || !nc.vnics[i].owner ||
                           (nc.vnics[i].generation & 0xffff) != ((ci.base >> 16) & 0xffff)))
        err = NETCTL_ERR_NOT_VNIC_CAP;
    resp->err = err;
    return err_is_ok(err) ? &nc.vnics[i] : NULL;
}

static void op_filter_create(struct server_req *req, struct server_resp *resp)
{
    struct vnic_rec *v = held(req, resp);
    if (!v)
        return;
    struct netctl_filter f = {.proto = (uint8_t)req->a[0],
                              .port = (uint16_t)(req->a[0] >> 8),
                              .peer = (uint32_t)req->a[1]};
    if (f.proto != NETCTL_PROTO_ANY && f.proto != NETCTL_PROTO_ICMP &&
        f.proto != NETCTL_PROTO_TCP && f.proto != NETCTL_PROTO_UDP) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    unsigned s = 0;
    while (s < NETCTL_MAX_FILTERS && v->filters[s].used)
        s++;
    if (s == NETCTL_MAX_FILTERS) {
        resp->err = NETCTL_ERR_TOO_MANY_FILTERS;
        return;
    }
    capref_t cap;
    unsigned i = (unsigned)(v - nc.vnics);
    resp->err = slot_alloc(&cap);
    if (err_is_ok(resp->err))
        resp->err = cap_mint(cap, cap_selfep, 0, FILTER_ID(v->generation & 0xffff, i, s), 0);
    if (err_is_fail(resp->err))
        return;
    v->filters[s] = (struct filter){true, f};
    resp->cap = cap;
    resp->cap_drop = true;
}

static void op_filter_destroy(struct server_req *req, struct server_resp *resp)
{
    struct cap_info ci;
    resp->err = req->cap ? cap_identify(req->cap, &ci) : SYS_ERR_INVALID_ARGS;
    // Ours (our endpoint, a filter's badge) and still current.
    if (err_is_ok(resp->err) &&
        (ci.type != ObjType_Endpoint || ci.bytes != nc.ep_id || !(ci.base & FILTER_BADGE)))
        resp->err = NETCTL_ERR_NO_FILTER;
    if (err_is_fail(resp->err))
        return;
    unsigned i = (ci.base >> 8) & 0xff, s = ci.base & 0xff, g = (ci.base >> 16) & 0xffff;
    if (i >= NETCTL_MAX_VNICS || s >= NETCTL_MAX_FILTERS || !nc.vnics[i].filters[s].used ||
        (nc.vnics[i].generation & 0xffff) != g) {
        resp->err = NETCTL_ERR_NO_FILTER;
        return;
    }
    nc.vnics[i].filters[s].used = false;
}

static void op_filters(struct server_req *req, struct server_resp *resp)
{
    struct vnic_rec *v = held(req, resp);
    struct netctl_filter *out = req->chan->buf;
    if (!v || !out) {
        resp->err = v ? SYS_ERR_INVALID_ARGS : resp->err;
        return;
    }
    unsigned n = 0;
    for (unsigned s = 0; s < NETCTL_MAX_FILTERS; s++) {
        if (v->filters[s].used)
            out[n++] = v->filters[s].f;
    }
    resp->w[0] = n;
}

static void op_list(struct server_req *req, struct server_resp *resp)
{
    if (!req->chan->buf) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    for (unsigned i = 0; i < NETCTL_MAX_VNICS; i++)
        describe(i, (struct netctl_vnic *)req->chan->buf + i);
    resp->w[0] = NETCTL_MAX_VNICS;
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    spoof_events();
    struct vnic_rec *v;
    switch (req->op) {
    case NETCTL_VNIC_CREATE: op_create(req, resp); break;
    case NETCTL_VNIC_DESTROY:
        if ((v = held(req, resp))) {
            reclaim((unsigned)(v - nc.vnics));
            resp->err = devmgr_return(v->rid);
        }
        break;
    case NETCTL_FILTER_CREATE: op_filter_create(req, resp); break;
    case NETCTL_FILTER_DESTROY: op_filter_destroy(req, resp); break;
    case NETCTL_FILTERS: op_filters(req, resp); break;
    case NETCTL_RATE:
        if ((v = held(req, resp)))
            resp->err =
                igb_pf_set_rate_limit(&nc.pf, (unsigned)(v - nc.vnics), (uint32_t)req->a[0]);
        break;
    case NETCTL_LIST: op_list(req, resp); break;
    case NETCTL_VLAN:
        if ((v = held(req, resp)))
            resp->err = req->a[0] > 4094 ? SYS_ERR_INVALID_ARGS
                                         : igb_pf_set_vf_vlan(&nc.pf, (unsigned)(v - nc.vnics),
                                                              (uint16_t)req->a[0]);
        break;
    case NETCTL_RX_MODE: // (NETCTL_RX_* are the driver's IGB_RX_* bits)
        if ((v = held(req, resp)))
            resp->err =
                req->a[0] > (NETCTL_RX_BCAST | NETCTL_RX_MCAST)
                    ? SYS_ERR_INVALID_ARGS
                    : igb_pf_set_vf_rx_mode(&nc.pf, (unsigned)(v - nc.vnics), (unsigned)req->a[0]);
        break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

// RPC_OP_USAGE: the VNICs pid holds.
static void usage(struct server *s, uint64_t pid, uint64_t out[2])
{
    (void)s;
    out[0] = vnics_of(pid);
}

// The PF's mailbox interrupt: a VF asked something, or reset. Or a
// watched process ended: its VNICs come back.
static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & MAILBOX_NOTIFY)
        mailbox();
    if (!(bits & WATCH_NOTIFY))
        return;
    for (unsigned i = 0; i < NETCTL_MAX_VNICS; i++) {
        uint32_t state;
        uint64_t status;
        struct vnic_rec *v = &nc.vnics[i];
        if (!v->owner ||
            (err_is_ok(proc_status(v->owner, &state, &status)) && state == PROC_RUNNING))
            continue;
        printf("netctl: VNIC %u: its owner (pid %lu) ended: VF %02x:%02x.%u reset and free\n", i,
               v->owner, v->rid >> 8, (v->rid >> 3) & 31, v->rid & 7);
        reclaim(i);
    }
}

int netctl_serve(void)
{
    struct cap_info ci;
    errval_t err = cap_identify(cap_selfep, &ci);
    nc.ep_id = ci.bytes;
    static struct server_chan chans[32];
    static struct server srv = {
        .chans = chans,
        .nchans = 32,
        .handle = handle,
        .notify = notify,
        .watch_clients = true,
        .usage = usage,
    };
    srv.ep = cap_selfep;
    mailbox(); // whatever a VF posted before the interrupt was on
    if (err_is_ok(err))
        err = name_register(NETCTL_NAME, cap_selfep);
    if (err_is_fail(err)) {
        printf("netctl: cannot register its name: %s\n", err_msg(err));
        return 1;
    }
    server_run(&srv);
}
