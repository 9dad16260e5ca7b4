/*
 * usr/netd/main.c: netd, the kernel-mediated network path for experiments
 * (net/netd.h, docs/vnic.md). It opens a VNIC of its own through netctl,
 * as any application does, and switches frames between it and its clients
 * with copies: each client's frames are received into netd's DMA buffers,
 * copied into the client's queue here, and copied out through the RPC page
 * when the client asks; sending goes the other way. Clients share netd's
 * MAC and each has an IPv4 address of its own; netd checks the source of
 * every frame a client sends.
 */
#include <base/wire.h>
#include <net/netd.h>
#include <net/vnic.h>
#include <os/probe.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/sys.h>

#define QUEUE        64 // frames queued per client
#define IRQ_NOTIFY   (1ull << 0)
#define WATCH_NOTIFY (1ull << 1)

struct client {
    bool used;
    uint64_t pid;
    uint32_t ip;
    struct server_chan *waiting; // a deferred NETD_RX
    uint64_t waiting_pid;
    uint64_t deadline_us; // when it is answered empty-handed (0: never)
    uint8_t frames[QUEUE][NETQ_FRAME_MAX];
    uint16_t len[QUEUE];
    unsigned head, count;
    struct netq_stats st;
};

static struct netq *vnic;
static struct client clients[NETD_MAX_CLIENTS];
static struct server srv;
static uint64_t no_client; // frames for nobody
static bool irq_on;        // the VNIC's interrupt is unmasked
static unsigned nwaiting;  // clients with a deferred NETD_RX (waiting set)

// Mask or unmask the VNIC's interrupt (a register write only on a change).
static void irq_arm(bool on)
{
    if (on != irq_on)
        vnic_irq_arm(vnic, on);
    irq_on = on;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static struct client *by_ip(const uint8_t *ip)
{
    for (unsigned i = 0; i < NETD_MAX_CLIENTS; i++) {
        if (clients[i].used && !memcmp(&clients[i].ip, ip, 4))
            return &clients[i];
    }
    return NULL;
}

static void enqueue(struct client *c, const uint8_t *f, uint16_t len)
{
    if (c->count == QUEUE || len > NETQ_FRAME_MAX) {
        c->st.rx_dropped++;
        return;
    }
    unsigned i = (c->head + c->count++) % QUEUE;
    os_probe_push(OS_PROBE_COPY_IN);
    memcpy(c->frames[i], f, len);
    os_probe_pop();
    c->len[i] = len;
}

// Copy queued frames into the client's page, at most max; how many.
static unsigned drain_to(struct client *c, struct netd_page *pg, unsigned max)
{
    size_t off = 0;
    unsigned n = 0;
    if (!c->count) { // (most requests: no probe marks)
        pg->count = 0;
        return 0;
    }
    os_probe_push(OS_PROBE_COPY_IN);
    while (c->count && n < NETD_PAGE_FRAMES && n < max) {
        uint16_t len = c->len[c->head];
        if (off + 2 + len > sizeof(pg->data))
            break;
        memcpy(pg->data + off, &len, 2);
        memcpy(pg->data + off + 2, c->frames[c->head], len);
        off += 2 + ((len + 1u) & ~1u);
        c->head = (c->head + 1) % QUEUE;
        c->count--;
        c->st.rx_packets++;
        c->st.rx_bytes += len;
        n++;
    }
    pg->count = (uint16_t)n;
    os_probe_pop();
    return n;
}

// Answer the clients waiting for frames that have some now, and those
// whose time is up with none.
static void answer_waiting(void)
{
    if (!nwaiting)
        return;
    uint64_t now = sys_clock_us();
    for (unsigned k = 0; k < NETD_MAX_CLIENTS; k++) {
        struct client *c = &clients[k];
        if (!c->used || !c->waiting || (!c->count && (!c->deadline_us || now < c->deadline_us)))
            continue;
        struct server_chan *ch = c->waiting;
        c->waiting = NULL;
        nwaiting--;
        // A channel closed meanwhile (its slot perhaps another's now) is
        // not the one it waited on. A client that ended before netd heard
        // of it took its page along: the write below lands in the server
        // library's scratch page, and the answer is dropped with the
        // channel (sys/server.h).
        if (ch->pid != c->waiting_pid || !ch->buf)
            continue;
        // (sent with the loop's next receive: the client runs at once)
        server_answer(&srv, ch,
                      &(struct server_resp){.w = {drain_to(c, ch->buf, NETD_PAGE_FRAMES)}});
    }
}

// How long the server loop may sleep: until the first waiting client's
// time is up (0: no limit).
static uint64_t sleep_us(struct server *s)
{
    (void)s;
    if (!nwaiting)
        return 0;
    uint64_t now = sys_clock_us(), first = 0;
    for (unsigned k = 0; k < NETD_MAX_CLIENTS; k++) {
        const struct client *c = &clients[k];
        if (c->used && c->waiting && c->deadline_us) {
            uint64_t left = c->deadline_us > now ? c->deadline_us - now : 1;
            first = first && first < left ? first : left;
        }
    }
    return first;
}

// The frames that came in go to whom they are for. (The ring is looked
// at before each poll: most calls find it empty, and a look is a load.)
static void switch_rx(void)
{
    struct netq_pkt pk[32];
    unsigned n;
    while (vnic_rx_pending(vnic) && (n = netq_rx(vnic, pk, 32)) > 0) {
        os_probe_push(OS_PROBE_STACK_IN); // switching (the copies are COPY_IN)
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *f = pk[i].data;
            uint16_t len = pk[i].len, type = len >= 14 ? be16(f + 12) : 0;
            struct client *c = NULL;
            if (len >= 14 && (f[0] & 1)) { // broadcast and multicast: everyone
                for (unsigned k = 0; k < NETD_MAX_CLIENTS; k++) {
                    if (clients[k].used)
                        enqueue(&clients[k], f, len);
                }
                continue;
            }
            if (type == 0x0800 && len >= 34)
                c = by_ip(f + 30);
            else if (type == 0x0806 && len >= 42)
                c = by_ip(f + 38);
            if (c)
                enqueue(c, f, len);
            else
                no_client++;
        }
        os_probe_pop();
        netq_rx_done(vnic, pk, n);
    }
    answer_waiting();
}

// A client's frames go out if their source is the client's; then the
// frames that came for it, as many as it has room for (room), back in the
// page.
static void op_tx(struct client *c, struct netd_page *pg, unsigned room, struct server_resp *resp)
{
    size_t off = 0;
    struct netq_pkt out[NETD_PAGE_FRAMES];
    unsigned k = 0;
    os_probe_push(OS_PROBE_COPY_OUT); // checks and the copy into netd's buffers
    for (unsigned i = 0; i < pg->count && i < NETD_PAGE_FRAMES && off + 2 <= sizeof(pg->data);
         i++) {
        uint16_t len;
        memcpy(&len, pg->data + off, 2);
        const uint8_t *f = pg->data + off + 2;
        off += 2 + ((len + 1u) & ~1u);
        bool ours = len >= 14 && len <= NETQ_FRAME_MAX && off <= sizeof(pg->data) &&
                    !memcmp(f + 6, vnic->mac, 6);
        uint16_t type = ours ? be16(f + 12) : 0;
        if (ours && type == 0x0800)
            ours = len >= 34 && !memcmp(f + 26, &c->ip, 4);
        else if (ours && type == 0x0806)
            ours = len >= 42 && !memcmp(f + 28, &c->ip, 4);
        if (!ours || err_is_fail(netq_tx_buf(vnic, &out[k]))) {
            c->st.tx_dropped++;
            continue;
        }
        memcpy(out[k].data, f, len);
        out[k++].len = len;
        c->st.tx_packets++;
        c->st.tx_bytes += len;
    }
    os_probe_pop();
    unsigned sent = 0;
    resp->err = k ? netq_tx(vnic, out, k, &sent) : SYS_ERR_OK;
    c->st.doorbells += k > 0;
    resp->w[0] = sent;
    if (!room)
        return;
    switch_rx();
    resp->w[1] = drain_to(c, pg, room);
}

static struct client *client_of(struct server_chan *ch)
{
    for (unsigned i = 0; i < NETD_MAX_CLIENTS; i++) {
        if (clients[i].used && clients[i].pid == ch->pid)
            return &clients[i];
    }
    return NULL;
}

static void op_open(struct server_req *req, struct server_resp *resp)
{
    unsigned k = 0;
    while (k < NETD_MAX_CLIENTS && clients[k].used)
        k++;
    capref_t note = NULL_CAP;
    resp->err = k == NETD_MAX_CLIENTS  ? NETD_ERR_FULL
                : client_of(req->chan) ? SYS_ERR_EXISTS
                                       : SYS_ERR_OK;
    if (err_is_ok(resp->err))
        resp->err = notify_cap(cap_selfep, WATCH_NOTIFY, &note);
    if (err_is_ok(resp->err))
        resp->err = proc_watch(req->chan->pid, note);
    if (note)
        cap_destroy(note);
    if (err_is_fail(resp->err))
        return;
    switch_rx(); // what came before the client was there is not its
    struct client *c = &clients[k];
    memset(c, 0, sizeof(*c));
    *c = (struct client){.used = true, .pid = req->chan->pid, .ip = wire_hton32(NETD_FIRST_IP + k)};
    struct netd_info *info = req->chan->buf;
    *info = (struct netd_info){.ip = c->ip, .netmask = vnic->netmask, .gateway = vnic->gateway};
    memcpy(info->mac, vnic->mac, 6);
    resp->w[0] = k;
}

// Two tables (os/probe.h): os_probe for what netd does inside a
// client's request (handle), the other for the rest (the interrupt, the
// idle hook), so that a client can tell netd's share of its RPCs from the
// kernel's. The one not in use waits here.
static struct os_probe probe_other;

// Time so far to the table in use; from now on to the other.
static void probe_switch(void)
{
    if (os_probe.on)
        os_probe_tick();
    struct os_probe t = os_probe;
    os_probe = probe_other;
    probe_other = t;
    os_probe.mark = os_probe_tsc();
}

// Both tables (inside requests, then outside) into the page, then a
// fresh start if asked. (The first reset, which turns the probes on,
// ignores handle's closing mark: the marks still pair up.)
static void op_probe(void *page, bool reset)
{
    struct os_probe t[2];
    os_probe_snapshot(&t[0]);
    probe_switch();
    os_probe_snapshot(&t[1]);
    probe_switch();
    _Static_assert(sizeof(t) <= sizeof(struct netd_page), "the tables fit the page");
    memcpy(page, t, sizeof(t));
    if (!reset)
        return;
    os_probe_reset();
    probe_switch();
    os_probe_reset();
    probe_switch();
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    probe_switch();
    os_probe_push(OS_PROBE_API);
    struct client *c = req->op == NETD_OPEN ? NULL : client_of(req->chan);
    if (!req->chan->buf || (req->op != NETD_OPEN && !c)) {
        resp->err = req->chan->buf ? NETD_ERR_NOT_OPEN : SYS_ERR_INVALID_ARGS;
    } else if (req->op == NETD_OPEN) {
        op_open(req, resp);
    } else if (req->op == NETD_TX) {
        op_tx(c, req->chan->buf, (unsigned)req->a[0], resp);
    } else if (req->op == NETD_RX) {
        switch_rx();
        resp->w[0] = drain_to(c, req->chan->buf, NETD_PAGE_FRAMES);
        if (!resp->w[0] && req->a[0]) { // answered when a frame comes or time is up
            nwaiting += c->waiting == NULL;
            c->waiting = req->chan;
            c->waiting_pid = req->chan->pid;
            uint64_t now = sys_clock_us(), limit = req->a[1];
            c->deadline_us = !limit ? 0 : limit < UINT64_MAX - now ? now + limit : UINT64_MAX;
            resp->defer = true;
        }
    } else if (req->op == NETD_STATS) {
        memcpy(req->chan->buf, &c->st, sizeof(c->st));
    } else if (req->op == NETD_PROBE) {
        op_probe(req->chan->buf, req->a[0] != 0);
    } else {
        resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
    // A receive that brought nothing is the client waiting (as it counts it).
    bool empty = req->op == NETD_RX && err_is_ok(resp->err) && (resp->defer || !resp->w[0]);
    os_probe_pop_as(empty ? OS_PROBE_WAIT : OS_PROBE_API);
    probe_switch();
}

static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & IRQ_NOTIFY) {
        irq_arm(false);
        switch_rx();
    }
    if (!(bits & WATCH_NOTIFY))
        return;
    switch_rx(); // what came for a client that ended is its, not a later one's
    for (unsigned k = 0; k < NETD_MAX_CLIENTS; k++) {
        uint32_t state;
        uint64_t status;
        struct client *c = &clients[k];
        if (!c->used || (err_is_ok(proc_status(c->pid, &state, &status)) && state == PROC_RUNNING))
            continue;
        c->used = false; // its address is free again
        nwaiting -= c->waiting != NULL;
        c->waiting = NULL;
    }
}

// Before sleeping. With a client waiting for a frame: take what came in,
// and sleep only with the interrupt armed and nothing in the ring (a frame
// that came meanwhile sends it on unmask). With none waiting: the
// interrupt off, and frames stay in the VNIC's ring until a client's
// request takes them (every NETD_RX does, and a NETD_TX with room for
// frames), as a polling client would find them: a client that polls
// costs no interrupt.
static bool idle(struct server *s)
{
    (void)s;
    if (!nwaiting) {
        irq_arm(false);
        return false;
    }
    switch_rx();
    irq_arm(true);
    if (!vnic_rx_pending(vnic))
        return false;
    irq_arm(false);
    return true;
}

int main(void)
{
    errval_t err = vnic_open(&vnic);
    if (err_is_ok(err))
        err = vnic_irq_route(vnic, cap_selfep, IRQ_NOTIFY);
    if (err_is_fail(err)) {
        printf("netd: cannot open its VNIC: %s\n", err_msg(err));
        return 1;
    }
    vnic_irq_arm(vnic, false); // masked until a client sleeps (irq_on)
    static struct server_chan chans[NETD_MAX_CLIENTS * 2];
    srv = (struct server){.ep = cap_selfep,
                          .chans = chans,
                          .nchans = NETD_MAX_CLIENTS * 2,
                          .handle = handle,
                          .notify = notify,
                          .idle = idle,
                          .sleep_us = sleep_us,
                          .watch_clients = true}; // channels close as clients end
    err = name_register(NETD_NAME, cap_selfep);
    if (err_is_fail(err)) {
        printf("netd: cannot register its name: %s\n", err_msg(err));
        return 1;
    }
    const uint8_t *m = vnic->mac;
    printf("netd: on VNIC %u (%02x:%02x:%02x:%02x:%02x:%02x); clients get 10.0.2.40 and up\n",
           vnic_info(vnic)->id, m[0], m[1], m[2], m[3], m[4], m[5]);
    server_run(&srv);
}
