/*
 * usr/tests/hostile/main.c: hostile, a program whose only purpose is to
 * misbehave, with what any application may hold: its own VNIC (VF, IOMMU
 * domain, mailbox), channels to every server, and the right to send any
 * frame its VF will carry.
 *
 *   hostile dma [n]     its VF's DMA aimed outside its IOMMU domain (n: a flood)
 *   hostile mailbox     a flood of mailbox requests netctl must refuse
 *   hostile servers     garbage at every server: random operations,
 *                       arguments, buffers and caps
 *   hostile msi         MSI messages aimed at another device's interrupt entry
 *   hostile vsic        its VSIC: the controller's registers, the admin
 *                       doorbells, other namespaces, DMA outside its window
 *   hostile spoof       frames with another VNIC's source MAC and IP
 *   hostile privileged  what only a process's spawner or the shell may do
 *   hostile hog         take VNICs, domains, channels and memory until refused
 *   hostile revoke      revoke the RAM mem_serv sent, then give it back
 *   hostile pagegone    give a channel's shared page back, then ask the
 *                       server for what it reads or writes there
 *
 * Each attack prints what it saw ("TEST PASS hostile.NAME" when the system
 * refused or survived it as it must, from where the attacker stands); the
 * test beside it (tests/system/test_hostile.py) checks what the attacker
 * cannot see: that a well-behaved neighbour's traffic goes on, the system
 * answers, and everything comes back when the attacker ends.
 */
#include <base/string.h>
#include <base/wire.h>
#include <igb/igb_regs.h>
#include <igb/igb_vf.h>
#include <net/netd.h>
#include <net/vnic.h>
#include <nvme/nvme_io.h>
#include <os/stord.h>
#include <os/vsic.h>
#include <pci/pci_enum.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/dma.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/storctl.h>
#include <sys/sys.h>
#include <sys/thread.h>
#include <sys/vspace.h>
#include <test/report.h>

// An IOVA never mapped in any domain of ours (the library hands out IOVAs
// from the bottom up, a few MiB at most).
#define OUTSIDE 0x7f0000000000ull

// A deterministic generator (xorshift), seeded from the command line.
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t faults_of(uint16_t rid)
{
    uint64_t count = 0, addr, reason;
    return err_is_ok(devmgr_faults(rid, &count, &addr, &reason)) ? count : 0;
}

/* ---- dma: the VF reads and writes outside its domain ---- */

static void wait_faults(uint16_t rid, uint64_t want)
{
    for (uint64_t t = sys_clock_us(); faults_of(rid) < want && sys_clock_us() - t < 2000000;)
        thread_yield();
}

static void attack_dma(unsigned flood)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    if (err_is_fail(err)) {
        report("dma", false, "no VNIC: %s", err_msg(err));
        return;
    }
    struct igb_vf *vf = vnic_vf(q);
    uint16_t rid = vnic_info(q)->rid;
    struct dma_buf rings, buf;
    err = dma_alloc(vnic_dma_space(q), 8192, DMA_WRITE, &rings);
    if (err_is_ok(err))
        err = dma_alloc(vnic_dma_space(q), 4096, DMA_WRITE, &buf);
    struct igb_dma rx = {rings.va, rings.iova, 4096};
    struct igb_dma tx = {(uint8_t *)rings.va + 4096, rings.iova + 4096, 4096};
    if (err_is_ok(err)) // our own rings, in our domain, instead of the library's
        err = igb_vf_rings(vf, rx, 8, 2048, tx, 8);
    uint64_t f0 = faults_of(rid);
    unsigned sent = 0, posted = 0;
    // 1. Send a frame from a buffer outside the domain (a DMA read).
    memset(buf.va, 0xff, 60);
    struct igb_pkt out = {.va = buf.va, .iova = OUTSIDE, .len = 60};
    if (err_is_ok(err))
        err = igb_vf_tx(vf, &out, 1, &sent);
    wait_faults(rid, f0 + 1);
    uint64_t f1 = faults_of(rid);
    // 2. Receive into buffers outside it (a DMA write): the broadcast we
    // send from a good buffer comes back to us through the device.
    struct igb_pkt in[4];
    for (unsigned i = 0; i < 4; i++)
        in[i] = (struct igb_pkt){.va = buf.va, .iova = OUTSIDE + 0x10000 + i * 4096};
    if (err_is_ok(err))
        err = igb_vf_rx_refill(vf, in, 4, &posted);
    struct igb_pkt good = {.va = buf.va, .iova = buf.iova, .len = 60};
    memcpy((uint8_t *)buf.va + 6, vnic_info(q)->mac, 6);
    if (err_is_ok(err))
        err = igb_vf_tx(vf, &good, 1, &sent);
    wait_faults(rid, f1 + 1);
    uint64_t f2 = faults_of(rid);
    // 3. Rings outside it: the device reads its descriptors there.
    struct igb_dma far = {(uint8_t *)rings.va + 4096, OUTSIDE + 0x100000, 4096};
    if (err_is_ok(err))
        err = igb_vf_rings(vf, rx, 8, 2048, far, 8);
    good.iova = buf.iova;
    if (err_is_ok(err))
        err = igb_vf_tx(vf, &good, 1, &sent);
    wait_faults(rid, f2 + 1);
    uint64_t f3 = faults_of(rid);
    report("dma", err_is_ok(err) && f1 > f0 && f2 > f1 && f3 > f2,
           "%s; IOMMU faults for my VF %02x:%02x.%u: buffer read %lu, buffer write %lu, ring %lu",
           err_name(err), rid >> 8, (rid >> 3) & 31, rid & 7, f1 - f0, f2 - f1, f3 - f2);
    // 4. A flood of them: devmgr counts every one it is told of, and the
    // console is not flooded (test_hostile.py counts the lines).
    if (err_is_ok(err))
        err = igb_vf_rings(vf, rx, 8, 2048, tx, 8);
    unsigned tries = 0;
    for (uint64_t t = sys_clock_us();
         err_is_ok(err) && tries < flood && sys_clock_us() - t < 10000000; tries++) {
        struct igb_pkt done[8];
        igb_vf_tx_reap(vf, done, 8);
        out.iova = OUTSIDE + (tries % 64) * 4096;
        err = igb_vf_tx(vf, &out, 1, &sent);
        if (err_has(err, IGB_ERR_RING_FULL))
            err = SYS_ERR_OK;
    }
    wait_faults(rid, f3 + tries / 2);
    uint64_t f4 = faults_of(rid);
    report("dma_flood", err_is_ok(err) && f4 > f3,
           "%s; %u sends from outside the domain, %lu IOMMU faults counted (the IOMMU keeps "
           "few fault records: the rest overflow)",
           err_name(err), tries, f4 - f3);
}

/* ---- msi: our VF's MSI-X entry aimed at interrupts not ours ---- */

// The interrupt entry (its index is the vector) devmgr wrote for VNIC 0's
// VF, the neighbour's; 0 if there is none.
static unsigned neighbour_entry(void)
{
    struct netctl_vnic v[NETCTL_MAX_VNICS];
    static struct devmgr_dev devs[DEVMGR_MAX_DEVS];
    unsigned nv = 0, nd = 0;
    if (err_is_fail(netctl_list(v, NETCTL_MAX_VNICS, &nv)) || !nv || !v[0].owner ||
        err_is_fail(devmgr_list(devs, DEVMGR_MAX_DEVS, &nd)))
        return 0;
    for (unsigned i = 0; i < nd; i++) {
        if (devs[i].rid == v[0].rid && devs[i].vectors)
            return DEVMGR_VECTOR_FIRST + (unsigned)__builtin_ctzll(devs[i].vectors);
    }
    return 0;
}

// Send our VF's vector 0 with the message (addr, data); the IOMMU fault it
// caused, if any: *reason, *index.
static bool fire(struct netq *q, uint64_t addr, uint32_t data, uint64_t *reason, uint64_t *index)
{
    uint16_t rid = vnic_info(q)->rid;
    uint64_t before = faults_of(rid), count = 0;
    struct pci_msix_table *t = vnic_msix(q);
    if (err_is_fail(pci_msix_set(t, 0, addr, data)) || err_is_fail(pci_msix_mask(t, 0, false)))
        return false;
    if (err_is_fail(igb_vf_irq_enable(vnic_vf(q), true)))
        return false;
    mmio_write32(&vnic_vf(q)->regs, IGB_VF_EICS, 1); // raise vector 0's cause ourselves
    wait_faults(rid, before + 1);
    err_ignore(devmgr_faults(rid, &count, index, reason),
               "fault counts for a diagnostic line: zero when devmgr does not answer");
    return count > before;
}

static void attack_msi(void)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    unsigned theirs = err_is_ok(err) ? neighbour_entry() : 0;
    if (err_is_fail(err) || !theirs) {
        report("msi", false, "%s; the neighbour's interrupt entry: %u", err_name(err), theirs);
        return;
    }
    // Remappable format (VT-d 5.1.2.2): 0xFEE, the index in bits 19:5 and
    // bit 2, bit 4 set.
    uint64_t reason = 0, index = 0, reason2 = 0, index2 = 0;
    bool f1 = fire(q, 0xfee00000u | (uint64_t)theirs << 5 | 1u << 4, 0, &reason, &index);
    bool f2 = fire(q, 0xfee00000u | 255u << 5 | 1u << 4, 0, &reason2, &index2);
    report("msi_remappable_blocked",
           f1 && reason == 0x26 && index == theirs && f2 && reason2 == 0x22 && index2 == 255,
           "the neighbour's entry %u: %s (reason %#lx, entry %lu); entry 255, never written: "
           "%s (reason %#lx, entry %lu)",
           theirs, f1 ? "blocked" : "NOT blocked", reason, index, f2 ? "blocked" : "NOT blocked",
           reason2, index2);
    // A compatibility-format message to the neighbour's vector on core 0:
    // real VT-d with remapping on blocks it (CFI clear); QEMU delivers it,
    // and the neighbour must take a wake-up it did not ask for in its stride.
    uint64_t r3 = 0, i3 = 0;
    bool f3 = fire(q, 0xfee00000u, theirs, &r3, &i3);
    printf("hostile: msi: a compatibility-format message for vector %u %s\n", theirs,
           f3 ? "was blocked" : "was not blocked (QEMU's model delivers them)");
}

/* ---- vsic: everything an application's VSIC lets it reach for ---- */

static void attack_vsic(void)
{
    struct vsic *v;
    struct vsa *mine;
    errval_t err = vsic_open(&v);
    if (err_is_ok(err))
        err = vsa_open(v, "hostile", &mine);
    if (err_is_fail(err)) {
        report("vsic", false, "no VSIC: %s", err_msg(err));
        return;
    }
    uint16_t rid = v->info.rid;
    // 1. The controller's own registers (page 0: CC, AQA, ASQ, ACQ), its
    // configuration, a vector of its own: devmgr gives none of them.
    capref_t cap;
    uint64_t bytes, addr;
    uint32_t vector, data;
    errval_t bar = devmgr_bar(rid, 0, &cap, &bytes), cfg = devmgr_config(rid, &cap);
    errval_t irq = devmgr_irq(rid, &cap, &vector, &addr, &data);
    report("vsic_registers",
           err_is_fail(bar) && err_is_fail(cfg) && err_is_fail(irq) &&
               err_has(bar, DEVMGR_ERR_NOT_OWNER),
           "BAR 0: %s; configuration: %s; a vector: %s", err_name(bar), err_name(cfg),
           err_name(irq));
    // 2. Other namespaces through our own queue: storctl's map (1), the
    // VSAs (2-5: one of them is the neighbour's), none (0), all (~0).
    struct dma_buf buf;
    err = vsic_dma(v, 4096, DMA_WRITE, &buf);
    uint64_t page = buf.iova;
    struct nvme_xfer x = {.pages = &page, .npages = 1};
    const uint32_t nsids[] = {0, 1, 2, 3, 4, 5, 0xffffffffu};
    unsigned refused = 0, n = 0;
    char seen[160] = "";
    for (unsigned i = 0; err_is_ok(err) && i < sizeof(nsids) / sizeof(nsids[0]); i++) {
        if (nsids[i] == mine->ns.nsid)
            continue;
        struct nvme_ns other = mine->ns;
        other.nsid = nsids[i];
        errval_t r = nvme_read_sync(&other, 0, 1, &x, VSIC_WAIT_US);
        errval_t w = nvme_write_sync(&other, 0, 1, &x, VSIC_WAIT_US);
        refused += err_is_fail(r) && err_is_fail(w);
        n++;
        size_t len = strlen(seen);
        snprintf(seen + len, sizeof(seen) - len, " %u:%s", nsids[i],
                 err_is_fail(r) && err_is_fail(w) ? "refused" : "ANSWERED");
    }
    report("vsic_other_namespaces", err_is_ok(err) && n > 0 && refused == n,
           "our namespace %u; the others:%s", mine->ns.nsid, seen);
    // 3. Our own namespace, with the data outside our window: the IOMMU.
    uint64_t f0 = faults_of(rid);
    uint64_t outside = OUTSIDE;
    struct nvme_xfer far = {.pages = &outside, .npages = 1};
    errval_t rd = nvme_read_sync(&mine->ns, 0, 1, &far, VSIC_WAIT_US);
    wait_faults(rid, f0 + 1);
    uint64_t f1 = faults_of(rid);
    report("vsic_dma_outside", f1 > f0, "a read into %#lx: %s, %lu IOMMU faults for the VF",
           outside, err_name(rd), f1 - f0);
    // 4. The admin doorbells on our page: tails and heads of every value.
    volatile uint32_t *db = v->db;
    for (uint32_t t = 0; t < 64; t++) {
        db[0] = (uint32_t)next_rand() % 64; // SQ 0 tail
        db[1] = (uint32_t)next_rand() % 64; // CQ 0 head
    }
    // Our own I/O still goes (we hurt at most ourselves), and storctl
    // still answers everyone.
    errval_t again = nvme_read_sync(&mine->ns, 0, 1, &x, VSIC_WAIT_US);
    static struct storctl_vsa list[16];
    unsigned nl = 0;
    errval_t serves = storctl_vsa_list(list, 16, &nl);
    report("vsic_admin_doorbells", err_is_ok(serves),
           "64 garbage admin doorbells; our own read then: %s; storctl lists %u VSAs: %s",
           err_name(again), nl, err_name(serves));
}

/* ---- mailbox: requests the PF must refuse, as fast as we can ---- */

static void attack_mailbox(unsigned n)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    if (err_is_fail(err)) {
        report("mailbox", false, "no VNIC: %s", err_msg(err));
        return;
    }
    unsigned refused = 0, own = 0, other = 0, i = 0;
    uint64_t start = sys_clock_us();
    for (; i < n && sys_clock_us() - start < 20000000; i++) {
        // Another VNIC's MAC, then random ones (multicast bit and all).
        uint8_t mac[6] = {0x52, 0x54, 0x00, 0x5e, 0x00, (uint8_t)(1 + i % 7)};
        if (i % 2)
            for (unsigned k = 0; k < 6; k++)
                mac[k] = (uint8_t)next_rand();
        err = igb_vf_set_mac(vnic_vf(q), mac, 1000000);
        bool ours = !memcmp(mac, vnic_info(q)->mac, 6);
        if (ours && err_is_ok(err))
            own++; // the one address it may ask for
        else if (!ours && err_has(err, IGB_ERR_MBX_NACK))
            refused++;
        else
            other++;
    }
    uint64_t ms = (sys_clock_us() - start) / 1000;
    report("mailbox", other == 0 && refused > 0 && refused + own == i,
           "%u requests in %lu ms: %u for other addresses, all refused (%u); %u for our own, "
           "granted; %u answered otherwise",
           i, ms, i - own, refused, own, other);
}

/* ---- servers: garbage at every one ---- */

struct target {
    const char *name; // a registered name, or "init" / "mem_serv"
    unsigned calls, timeouts, rebinds, bad_transport;
};

static MUST_CHECK errval_t bind_to(struct rpc_chan *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    if (strcmp(name, "init") && strcmp(name, "mem_serv"))
        return rpc_bind_service(c, name, 2000000);
    // init and mem_serv: through the caps every process starts with.
    capref_t bind, slot = cap_at(ROOTCN_SLOT_TASKCN,
                                 !strcmp(name, "init") ? TASKCN_SLOT_INITEP : TASKCN_SLOT_MEMSERV);
    errval_t err = slot_alloc(&bind);
    if (err_is_ok(err))
        err = cap_copy(bind, slot, CAP_RIGHTS_ALL);
    if (err_is_ok(err)) {
        err = rpc_bind_timeout(c, bind, 2000000);
        cap_destroy(bind);
    }
    if (err_is_ok(err))
        err = rpc_share(c);
    return err;
}

// A cap to send along: none, a Frame, a copy of our endpoint, a RAM cap.
static capref_t some_cap(capref_t frame, capref_t ram)
{
    capref_t c = NULL_CAP, src;
    switch (next_rand() % 4) {
    case 0: return NULL_CAP;
    case 1: src = frame; break;
    case 2: src = cap_selfep; break;
    default: src = ram;
    }
    if (err_is_fail(slot_alloc(&c)) || err_is_fail(cap_copy(c, src, CAP_RIGHTS_ALL)))
        return NULL_CAP;
    return c;
}

static uint64_t some_arg(void)
{
    static const uint64_t edges[] = {0,          1,          2,          7,          4095,
                                     4096,       1ull << 32, ~0ull,      ~0ull >> 1, 1ull << 63,
                                     0xffffffff, 0x10000,    0xb17d0001, 100,        65536};
    uint64_t r = next_rand();
    return (r & 3) ? edges[(r >> 2) % (sizeof(edges) / sizeof(edges[0]))] : next_rand();
}

static uint64_t some_op(void)
{
    static const uint64_t rpc_ops[] = {RPC_OP_BIND, RPC_OP_SHARE, RPC_OP_STATS, 0xb17d0005};
    uint64_t r = next_rand();
    if (r % 10 == 0)
        return rpc_ops[(r >> 8) % 4];
    if (r % 10 == 1)
        return next_rand();
    return (r >> 8) % 24; // where every server's operations are
}

// Operations that would only hurt us or stop the test: ending our own
// channel is fine (we bind again), but not spawning programs at random.
static bool skipped(const char *server, uint64_t op)
{
    return !strcmp(server, "init") && op == INIT_PROC_SPAWN;
}

static void fuzz_server(struct target *t, unsigned n, capref_t frame, capref_t ram)
{
    struct rpc_chan c;
    errval_t err = bind_to(&c, t->name);
    for (unsigned i = 0; i < n && err_is_ok(err); i++) {
        uint64_t op = some_op();
        if (skipped(t->name, op))
            continue;
        uint8_t *b = c.buf;
        for (unsigned k = 0; b && k < RPC_BUF_SIZE; k += 8) // garbage, no terminator
            *(uint64_t *)(b + k) = (next_rand() & 1) ? next_rand() : 0x4141414141414141ull;
        struct rpc_result r;
        capref_t send = some_cap(frame, ram), got = NULL_CAP;
        if (next_rand() & 1)
            err_ignore(slot_alloc(&got), "the test checks the slot count; a failure shows there");
        errval_t e = rpc_call(&c, op, some_arg(), some_arg(), some_arg(), send, got, &r);
        t->calls++;
        if (send)
            cap_destroy(send);
        if (got)
            cap_destroy(got); // whatever it gave us (a slot it filled, or an empty one)
        if (err_has(e, SYS_ERR_TIMEOUT))
            t->timeouts++;
        else if (err_is_fail(e))
            t->bad_transport++;
        if (!c.bound || (err_is_fail(e) && !err_has(e, SYS_ERR_TIMEOUT)) || op == RPC_OP_CLOSE) {
            err = bind_to(&c, t->name); // a channel we broke ourselves: another one
            t->rebinds++;
        }
    }
    // It still answers a plain question on a new channel.
    struct rpc_chan fresh;
    uint64_t used = 0, all = 0, reaped = 0;
    errval_t alive = bind_to(&fresh, t->name);
    if (err_is_ok(alive))
        alive = rpc_stats(&fresh, &used, &all, &reaped);
    report(t->name[0] == 'm' && t->name[1] == 'e' ? "server.mem_serv" : t->name,
           err_is_ok(err) && err_is_ok(alive),
           "%u garbage calls, %u timed out, %u transport errors, %u new channels; then: %s "
           "(%lu of %lu channels in use)",
           t->calls, t->timeouts, t->bad_transport, t->rebinds, err_name(alive), used, all);
    if (err_is_ok(alive))
        err_ignore(rpc_close(&fresh),
                   "closing a channel we abandon: the server closes it when we end");
    if (c.bound)
        err_ignore(rpc_close(&c), "closing a channel we abandon: the server closes it when we end");
}

// Whether the server called name is there (init and mem_serv always are);
// if not, attack says it leaves it out.
static bool running(const char *attack, const char *name)
{
    capref_t probe;
    if (!strcmp(name, "init") || !strcmp(name, "mem_serv"))
        return true;
    if (err_is_fail(name_lookup(name, &probe))) {
        printf("hostile: %s: %s is not running\n", attack, name);
        return false;
    }
    cap_destroy(probe);
    return true;
}

static void attack_servers(unsigned n)
{
    static struct target targets[] = {{.name = "init"},   {.name = "mem_serv"}, {.name = "devmgr"},
                                      {.name = "netctl"}, {.name = "storctl"},  {.name = "netd"},
                                      {.name = "stord"}};
    capref_t frame = NULL_CAP, ram = NULL_CAP;
    errval_t err = frame_alloc(&frame, 4096);
    if (err_is_ok(err))
        err = ram_alloc(&ram, 4096, 4096);
    if (err_is_fail(err)) {
        report("servers", false, "%s", err_msg(err));
        return;
    }
    for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        if (running("servers", targets[i].name))
            fuzz_server(&targets[i], n, frame, ram);
    }
}

/* ---- spoof: another VNIC's source MAC and IPv4 address ---- */

// A UDP frame from (smac, sip):7 to (dmac, dip):dport; its length.
static uint16_t udp_frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t dip,
                          uint32_t sip, uint16_t dport)
{
    memcpy(f, dmac, 6);
    memcpy(f + 6, smac, 6);
    wire_put16(f + 12, 0x0800);
    uint8_t *h = f + 14;
    memset(h, 0, 28);
    h[0] = 0x45;
    wire_put16(h + 2, 28 + 8);
    h[8] = 64;
    h[9] = 17;
    memcpy(h + 12, &sip, 4);
    memcpy(h + 16, &dip, 4);
    wire_put16(h + 10, wire_csum(h, 20));
    wire_put16(h + 20, 7);
    wire_put16(h + 22, dport);
    wire_put16(h + 24, 16);
    memcpy(h + 28, "spoofed!", 8);
    return 14 + 36;
}

static void attack_spoof(unsigned n)
{
    struct netq *q;
    errval_t err = vnic_open(&q);
    if (err_is_fail(err)) {
        report("spoof", false, "no VNIC: %s", err_msg(err));
        return;
    }
    // VNIC 0's identity (the neighbour's), and slirp's gateway.
    const uint8_t victim[6] = {0x52, 0x54, 0x00, 0x5e, 0x00, 0x01};
    const uint8_t gateway[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    uint32_t victim_ip = wire_hton32(0x0a00020f), gw_ip = wire_hton32(0x0a000202);
    unsigned sent = 0;
    for (unsigned i = 0; i < n && err_is_ok(err); i++) {
        struct netq_pkt p;
        err = netq_tx_buf(q, &p);
        if (err_is_fail(err))
            break;
        // Out to the gateway as the neighbour; to the neighbour as the
        // gateway (its answer goes to the real gateway, not to us).
        p.len = (i % 2) ? udp_frame(p.data, gateway, victim, gw_ip, victim_ip, 9)
                        : udp_frame(p.data, victim, gateway, victim_ip, gw_ip, 9);
        unsigned k;
        err = netq_tx(q, &p, 1, &k);
        sent += k;
    }
    const struct netctl_vnic *me = vnic_info(q);
    struct netctl_vnic all[NETCTL_MAX_VNICS];
    unsigned nv = 0;
    errval_t list = netctl_list(all, NETCTL_MAX_VNICS, &nv);
    bool enforced = err_is_ok(list) && (all[me->id].enforced & NETCTL_ENFORCES_ANTISPOOF);
    // On a device that enforces anti-spoofing, what we sent is dropped and
    // counted; on one that does not (QEMU), netctl says so.
    report("spoof", err_is_ok(err) && sent == n && err_is_ok(list),
           "%u frames sent with another's source MAC and IP; anti-spoofing %s by this device, "
           "%lu caught",
           sent, enforced ? "enforced" : "NOT enforced", err_is_ok(list) ? all[me->id].spoofed : 0);
}

/* ---- hog: more than its share ---- */

static void attack_hog(void)
{
    unsigned vnics = 0, domains = 0, chans = 0;
    errval_t ev = SYS_ERR_OK, ed = SYS_ERR_OK, ec = SYS_ERR_OK, em = SYS_ERR_OK;
    for (struct netq *q; vnics < NETCTL_MAX_VNICS && err_is_ok(ev = vnic_open(&q));)
        vnics++;
    for (capref_t root; domains < 64;) {
        uint16_t id;
        if (err_is_fail(ed = devmgr_domain(&root, &id)))
            break;
        domains++;
    }
    static struct rpc_chan c[64];
    while (chans < 64 && err_is_ok(ec = bind_to(&c[chans], "devmgr")))
        chans++;
    uint64_t taken = 0;
    for (capref_t ram; taken < (1ull << 36); taken += 1 << 20) {
        if (err_is_fail(em = ram_alloc(&ram, 1 << 20, 4096)))
            break;
    }
    report("hog",
           err_has(ev, LIMIT_ERR_VNICS) && err_has(ed, LIMIT_ERR_DOMAINS) &&
               err_has(ec, LIMIT_ERR_CHANNELS) && err_has(em, LIMIT_ERR_MEMORY),
           "%u VNICs, then %s; %u more IOMMU domains, then %s; %u more devmgr channels, then %s; "
           "%lu MiB, then %s",
           vnics, err_name(ev), domains, err_name(ed), chans, err_name(ec), taken >> 20,
           err_name(em));
}

/* ---- revoke: take back, through its own copy, what a server handed out ---- */

// A revoke through the RAM cap mem_serv sent spares mem_serv's own copy
// (the sent one lacks CAP_RIGHT_OWNER): mem_serv can still take the
// memory back, with what was made from it after the revoke.
static void attack_revoke(void)
{
    uint64_t total, free, mine0 = 0, mine1 = 1;
    capref_t ram = NULL_CAP, frame = NULL_CAP;
    struct cap_info info = {0};
    errval_t err = memserv_stats(&total, &free, &mine0);
    if (err_is_ok(err))
        err = ram_alloc(&ram, 1 << 20, 4096);
    errval_t rev = err_is_ok(err) ? cap_revoke(ram) : err;
    if (err_is_ok(err))
        err = cap_identify(ram, &info);
    bool no_owner = err_is_ok(err) && !(info.rights & CAP_RIGHT_OWNER);
    if (err_is_ok(err))
        err = slot_alloc(&frame);
    if (err_is_ok(err))
        err = cap_retype(frame, ram, ObjType_Frame, 0, 1 << 20, 1);
    errval_t freed = err_is_ok(err) ? ram_free(ram) : err;
    errval_t gone = frame ? cap_identify(frame, &info) : err;
    if (err_is_ok(err))
        err = memserv_stats(&total, &free, &mine1);
    report("revoke_ram",
           err_is_ok(err) && err_is_ok(rev) && no_owner && err_is_ok(freed) &&
               err_has(gone, CAP_ERR_SLOT_EMPTY) && mine1 == mine0,
           "%s; revoke %s; sent without OWNER: %s; free %s; the Frame made after the revoke: "
           "%s; charged to us %lu KiB before, %lu after",
           err_name(err), err_name(rev), no_owner ? "yes" : "no", err_name(freed), err_name(gone),
           mine0 >> 10, mine1 >> 10);
}

/* ---- pagegone: the shared page given back under the server ---- */

// A channel's page is our memory: we may give it back whenever we like,
// and the server's mapping goes with it. Asked then for something it
// writes (or reads) there, the server's access faults: the server library
// takes the fault, and closes the channel without an answer, so our call
// times out. The server goes on serving, with that channel closed.
static void attack_pagegone(void)
{
    static const struct {
        const char *name;
        uint64_t op;
    } targets[] = {{"stord", STORD_OPEN},   {"netd", NETD_OPEN},     {"storctl", STORCTL_INFO},
                   {"netctl", NETCTL_LIST}, {"devmgr", DEVMGR_LIST}, {"init", INIT_PROC_LIST}};
    char seen[240] = "";
    bool ok = true;
    for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        struct rpc_chan c, fresh;
        struct rpc_result r;
        uint64_t used0 = 0, used1 = 0, all, reaped;
        if (!running("pagegone", targets[i].name))
            continue;
        errval_t err = bind_to(&c, targets[i].name);
        if (err_is_ok(err))
            err = rpc_stats(&c, &used0, &all, &reaped);
        if (err_is_ok(err)) {
            err_ignore(vspace_unmap(c.buf_frame), "the frame goes next, its mapping with it");
            cap_destroy(c.buf_frame);
            err = ram_free(c.buf_ram); // mem_serv's revoke takes the server's copy
            c.buf = NULL;
            c.buf_frame = c.buf_ram = NULL_CAP;
        }
        errval_t call =
            err_is_ok(err) ? rpc_call(&c, targets[i].op, 0, 0, 0, NULL_CAP, NULL_CAP, &r) : err;
        errval_t alive = bind_to(&fresh, targets[i].name);
        if (err_is_ok(alive))
            alive = rpc_stats(&fresh, &used1, &all, &reaped);
        bool good =
            err_is_ok(err) && err_has(call, SYS_ERR_TIMEOUT) && err_is_ok(alive) && used1 == used0;
        ok = ok && good;
        size_t n = strlen(seen);
        snprintf(seen + n, sizeof(seen) - n, "%s%s %s%s%s %lu>%lu", n ? "; " : "", targets[i].name,
                 err_name(call), err_is_ok(alive) ? "" : ", then ",
                 err_is_ok(alive) ? "" : err_name(alive), used0, used1);
        if (err_is_ok(alive))
            err_ignore(rpc_close(&fresh), "the server closes it when we end");
        if (c.bound)
            err_ignore(rpc_close(&c), "the server closes it when we end");
    }
    report("pagegone", ok, "%s", seen);
}

/* ---- privileged: only a spawner, or the shell, may ---- */

static void attack_privileged(uint64_t victim)
{
    errval_t kill = victim ? proc_kill(victim) : SYS_ERR_INVALID_ARGS;
    errval_t devmgr = proc_kill(2); // the first process after init and mem_serv
    errval_t off = sys_poweroff();
    report("privileged",
           err_has(kill, PROC_ERR_DENIED) &&
               (err_has(devmgr, PROC_ERR_PROTECTED) || err_has(devmgr, PROC_ERR_DENIED)) &&
               err_has(off, PROC_ERR_DENIED),
           "kill %lu (not ours): %s; kill 2: %s; power off: %s", victim, err_name(kill),
           err_name(devmgr), err_name(off));
    // Names: no one process may fill init's table.
    unsigned ok = 0;
    errval_t err = SYS_ERR_OK;
    for (unsigned i = 0; i < 64 && err_is_ok(err); i++) {
        char name[32];
        snprintf(name, sizeof(name), "hostile.%lu.%u", sys_pid(), i);
        err = name_register(name, cap_selfep);
        ok += err_is_ok(err);
    }
    report("names", err_has(err, NAME_ERR_TOO_MANY) && ok < 64, "%u registered, then %s", ok,
           err_name(err));
}

int main(int argc, char **argv)
{
    test_id_prefix = "hostile.";
    test_why_on_pass = true;
    if (argc < 2) {
        printf(
            "usage: hostile dma [n] | msi | vsic | mailbox [n] | servers [n] [seed] | spoof [n] | "
            "privileged <victim pid> | hog | revoke | pagegone\n");
        return 2;
    }
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 0;
    if (argc > 3)
        rng ^= strtoull(argv[3], NULL, 0) * 0x2545f4914f6cdd1dull;
    const char *a = argv[1];
    if (!strcmp(a, "dma"))
        attack_dma(n ? n : 2000);
    else if (!strcmp(a, "mailbox"))
        attack_mailbox(n ? n : 1000);
    else if (!strcmp(a, "servers"))
        attack_servers(n ? n : 300);
    else if (!strcmp(a, "msi"))
        attack_msi();
    else if (!strcmp(a, "vsic"))
        attack_vsic();
    else if (!strcmp(a, "spoof"))
        attack_spoof(n ? n : 200);
    else if (!strcmp(a, "hog"))
        attack_hog();
    else if (!strcmp(a, "revoke"))
        attack_revoke();
    else if (!strcmp(a, "pagegone"))
        attack_pagegone();
    else if (!strcmp(a, "privileged"))
        attack_privileged(n);
    else {
        printf("hostile: no attack '%s'\n", a);
        return 2;
    }
    printf("hostile: %s: done, %u failures\n", a, tests_failed);
    return tests_failed ? 1 : 0;
}
