/*
 * usr/tests/vsictest/main.c: VSICs and VSAs between applications
 * (tests/system/test_vsic.py drives it from the shell):
 *
 *   vsictest hold <vsa>         hold a VSIC and VSA <vsa>, doing I/O on it until killed
 *   vsictest drop <vsa> [handoff]  leave writes in flight on <vsa>, release it (and see
 *                               `vsictest hold <vsa>` take it) and end
 *   vsictest probe <held> <own> while another app holds <held>: what this one may not do,
 *                               and that ringing its admin doorbells harms nobody
 *   vsictest create             a VSIC when every one is in use (probe spawns it)
 *   vsictest full <name>        a new VSA name when every namespace has one
 */
#include <os/vsic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/lmp.h>
#include <sys/rpc.h>
#include <sys/storctl.h>
#include <sys/sys.h>
#include <sys/vspace.h>
#include <test/report.h>
#include <test/unwind.h>

static uint8_t buf[8 * 512], back[8 * 512];

static int hold(const char *name)
{
    struct vsic *v;
    struct vsa *a;
    errval_t err = vsic_open(&v);
    if (err_is_ok(err))
        err = vsa_open(v, name, &a);
    if (err_is_fail(err)) {
        printf("vsictest: hold %s: %s\n", name, err_msg(err));
        return 1;
    }
    printf("vsictest: holding '%s' (namespace %u) on VSIC %u, I/O running\n", name, a->ns.nsid,
           v->info.id);
    for (uint64_t i = 0;; i++) {
        memset(buf, (int)i, sizeof(buf));
        err = a->dev.write(a->dev.arg, (i % 64) * 8, 8, buf);
        if (err_is_ok(err))
            err = a->dev.read(a->dev.arg, (i % 64) * 8, 8, back);
        if (err_is_fail(err) || memcmp(buf, back, sizeof(buf))) {
            printf("vsictest: hold: I/O %lu failed: %s\n", i, err_msg(err));
            return 1;
        }
    }
}

// Spawn `vsictest hold name` and wait until storctl lists it as name's
// holder; *pid is the holder's.
static MUST_CHECK errval_t hand_off(const char *name, uint64_t *pid)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "vsictest hold %s", name);
    errval_t err = proc_spawn(cmd, pid);
    for (uint64_t until = sys_clock_us() + 30000000; err_is_ok(err);) {
        struct storctl_vsa list[STORCTL_MAX_VSAS];
        unsigned n = 0;
        err = storctl_vsa_list(list, STORCTL_MAX_VSAS, &n);
        for (unsigned i = 0; i < n && err_is_ok(err); i++) {
            if (!strcmp(list[i].name, name) && list[i].owner == *pid)
                return SYS_ERR_OK;
        }
        if (err_is_ok(err) && sys_clock_us() > until)
            err = SYS_ERR_TIMEOUT;
        sys_yield();
    }
    return err;
}

// Leave DROP_CMDS writes in flight on VSA name, release it (with handoff,
// see another process hold it), and end without waiting: storctl takes
// the VSIC back while the device may still be working on them (on a
// namespace QEMU throttles, it is: the test boots so). QEMU must not crash
// when their completions come, and the new holder's I/O must go on.
#define DROP_CMDS 8

static int drop(const char *name, bool handoff)
{
    struct vsic *v;
    struct vsa *a = NULL;
    struct dma_buf b;
    unsigned sent = 0;
    errval_t err = vsic_open(&v);
    if (err_is_ok(err))
        err = vsa_open(v, name, &a);
    if (err_is_ok(err))
        err = vsic_dma(v, 4096, 0, &b);
    for (; err_is_ok(err) && sent < DROP_CMDS; sent++) {
        uint64_t page = b.iova;
        struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
        uint16_t cid;
        err = nvme_write(&a->ns, 64 + sent * 8, 8, &x, NULL, NULL, &cid);
    }
    if (err_is_ok(err))
        vsic_poll(v);
    errval_t rel = err_is_ok(err) ? storctl_vsa_release(name) : err;
    uint64_t holder = 0;
    if (handoff && err_is_ok(rel))
        rel = hand_off(name, &holder);
    if (err_is_ok(rel))
        vsic_poll(v);
    printf("vsictest: drop '%s': %u writes sent, %u in flight as it ends, holder pid %lu (%s)\n",
           name, sent, err_is_ok(err) ? v->q.outstanding : 0, holder, err_name(rel));
    return err_is_ok(rel) ? 0 : 1; // the VSIC and the writes left to storctl and the device
}

// The namespace ID of VSA name, from storctl's list (0: none).
static uint32_t nsid_of(const char *name)
{
    struct storctl_vsa list[STORCTL_MAX_VSAS];
    unsigned n = 0;
    err_ignore(storctl_vsa_list(list, STORCTL_MAX_VSAS, &n), "n stays 0 and the listing is empty");
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(list[i].name, name))
            return list[i].nsid;
    }
    return 0;
}

// Spawn `vsictest create` and wait for it; its own TEST line says how it went.
static MUST_CHECK errval_t third_vsic(void)
{
    uint64_t pid, status;
    uint32_t state;
    errval_t err = proc_spawn("vsictest create", &pid);
    while (err_is_ok(err) && err_is_ok(err = proc_status(pid, &state, &status)) &&
           state == PROC_RUNNING)
        sys_yield();
    return err;
}

// Namespaces 1 .. 5 (tools/qemu) read through our queue: only ours may
// answer; the rest Invalid Field (attached elsewhere or nowhere).
static bool only_ours(struct vsic *v, struct vsa *a, uint32_t *wrong)
{
    uint64_t page = a->bounce.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    for (uint32_t nsid = 1; nsid <= 5; nsid++) {
        struct nvme_ns ns = {&v->q, nsid, 512, 8};
        errval_t err = nvme_read_sync(&ns, 0, 1, &x, VSIC_WAIT_US);
        if (nsid == a->ns.nsid ? err_is_fail(err) : !err_has(err, NVME_ERR_SC_INVALID_FIELD)) {
            *wrong = nsid;
            return false;
        }
    }
    return true;
}

// What we hold of the VF: its doorbell page, nothing else of BAR 0 (no
// CC, AQA, ASQ, ACQ: no admin queue of our own), nothing from devmgr.
static void probe_registers(struct vsic *v)
{
    capref_t bar = NULL_CAP, cfg = NULL_CAP, irq = NULL_CAP;
    uint64_t bytes = 0;
    uint32_t vector, data;
    uint64_t addr;
    struct cap_info ci = {0};
    void *two = NULL;
    errval_t e1 = devmgr_bar(v->info.rid, 0, &bar, &bytes);
    errval_t e2 = devmgr_config(v->info.rid, &cfg);
    errval_t e3 = devmgr_irq(v->info.rid, &irq, &vector, &addr, &data);
    errval_t e4 = devmgr_attach(v->info.rid, 1, NULL_CAP);
    errval_t id = cap_identify(v->doorbells, &ci);
    errval_t big = vspace_map(v->doorbells, 2 * 4096, MAP_WRITE, &two);
    report("no_page0",
           err_has(e1, DEVMGR_ERR_NOT_OWNER) && err_has(e2, DEVMGR_ERR_NOT_OWNER) &&
               err_has(e3, DEVMGR_ERR_NOT_OWNER) && err_has(e4, DEVMGR_ERR_NOT_OWNER) &&
               err_is_ok(id) && ci.bytes == 4096 && ci.base % 0x4000 == 0x1000 &&
               v->info.db_off == 0x1000 && err_is_fail(big),
           "devmgr: BAR 0 %s, config %s, vector %s, attach %s; the doorbell cap: %s, %lu bytes "
           "at BAR offset %#lx; mapping two pages of it: %s",
           err_name(e1), err_name(e2), err_name(e3), err_name(e4), err_name(id), ci.bytes,
           ci.base % 0x4000, err_name(big));
    capref_t again = NULL_CAP;
    errval_t twice =
        storctl_vsic_queues(v->info.id, v->q.sq.mem.iova, v->q.cq.mem.iova, 8, NULL_CAP, &again);
    report("queues_once", err_has(twice, SYS_ERR_BUSY), "a second queue pair: %s", err_name(twice));
}

// The admin doorbells are on our page: ring them with garbage. The device
// runs what lies in storctl's admin SQ (zeros: refused) and posts to its
// CQ; nothing reaches beyond our VSIC, and storctl does not notice.
static void probe_admin_doorbells(struct vsic *v, struct vsa *a)
{
    static const uint32_t junk[] = {0xffff, 0x1234, 16, 17, 0xffffffffu};
    unsigned dstrd = v->ctrl.dstrd;
    struct lmp_recv_msg m;
    while (err_is_ok(lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m)))
        ; // nothing outstanding: what earlier completions left
    for (uint32_t t = 0; t < 16; t++) {
        mmio_write32(&v->ctrl.regs, nvme_sq_tail_doorbell(0, dstrd), (t * 7) % 16);
        mmio_write32(&v->ctrl.regs, nvme_cq_head_doorbell(0, dstrd), (t * 5) % 16);
    }
    for (unsigned i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        mmio_write32(&v->ctrl.regs, nvme_sq_tail_doorbell(0, dstrd), junk[i]);
        mmio_write32(&v->ctrl.regs, nvme_cq_head_doorbell(0, dstrd), junk[i]);
        for (unsigned q = 2; q < 9; q++) // queues the VF does not have
            mmio_write32(&v->ctrl.regs, nvme_sq_tail_doorbell(q, dstrd), junk[i]);
    }
    uint64_t until = sys_clock_us() + 100000; // let the device get through it
    while (sys_clock_us() < until)
        sys_yield();
    // The device ran what it found (its completions raise our vector too).
    bool ran = err_is_ok(lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m));
    memset(buf, 0x3c, sizeof(buf));
    errval_t wr = a->dev.write(a->dev.arg, 8, 8, buf);
    memset(back, 0, sizeof(back));
    errval_t rd = err_is_ok(wr) ? a->dev.read(a->dev.arg, 8, 8, back) : wr;
    uint32_t wrong = 0;
    bool only = only_ours(v, a, &wrong);
    struct storctl_vsic list[STORCTL_MAX_VSICS];
    unsigned n = 0, others = 0;
    errval_t served = storctl_vsic_list(list, STORCTL_MAX_VSICS, &n);
    for (unsigned i = 0; i < n; i++)
        others += list[i].id != v->info.id && list[i].online && list[i].owner && list[i].vsas == 1;
    report("admin_doorbell_garbage",
           ran && err_is_ok(rd) && !memcmp(buf, back, sizeof(buf)) && only && err_is_ok(served) &&
               others == 1,
           "the device ran the stale entries: %s; our I/O after it: %s; only our namespace "
           "answers: %s (namespace %u); storctl: %s, "
           "%u other VSIC online and held with its VSA",
           ran ? "yes" : "no", err_name(rd), only ? "yes" : "no", wrong, err_name(served), others);
}

static void probe_device(struct vsic *v, struct vsa *a, const char *held)
{
    uint32_t other = nsid_of(held), wrong = 0;
    bool only = only_ours(v, a, &wrong);
    report("sees_its_vsa_only", only, "namespace %u answered otherwise (ours %u)", wrong,
           a->ns.nsid);
    // The other VSA's namespace through our own queue: the device refuses.
    struct nvme_ns ns = {&v->q, other, 512, a->ns.blocks};
    uint64_t page = a->bounce.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    errval_t rd = nvme_read_sync(&ns, 0, 1, &x, VSIC_WAIT_US);
    errval_t wr = nvme_write_sync(&ns, 0, 1, &x, VSIC_WAIT_US);
    report("other_vsa_unreachable",
           other && other != a->ns.nsid && err_has(rd, NVME_ERR_SC_INVALID_FIELD) &&
               err_has(wr, NVME_ERR_SC_INVALID_FIELD),
           "namespace %u ('%s'): read %s, write %s", other, held, err_name(rd), err_name(wr));
    errval_t own = nvme_read_sync(&a->ns, 0, 1, &x, VSIC_WAIT_US);
    report("own_vsa_reachable", err_is_ok(own), "namespace %u: %s", a->ns.nsid, err_name(own));
    probe_registers(v);
    probe_admin_doorbells(v, a);
}

static int probe(const char *held, const char *mine)
{
    struct storctl_vsa info;
    struct storctl_vsic second;
    struct vsic *v = NULL;
    struct vsa *a = NULL, *h = NULL;
    errval_t early = storctl_vsa_acquire(mine, &info);
    report("acquire_needs_vsic", err_has(early, STORCTL_ERR_NO_VSIC), "%s", err_name(early));
    errval_t err = vsic_open(&v);
    errval_t again = err_is_ok(err) ? storctl_vsic_create(&second, NULL) : err;
    report("one_vsic_per_process", err_is_ok(err) && err_has(again, STORCTL_ERR_HAS_VSIC),
           "open %s, a second %s", err_name(err), err_name(again));
    if (err_is_fail(err))
        return 1;
    errval_t spawn = third_vsic();
    if (err_is_fail(spawn))
        report("no_vsic_free", false, "spawning vsictest create: %s", err_name(spawn));
    errval_t taken = vsa_open(v, held, &h);
    report("held_vsa_refused", err_has(taken, STORCTL_ERR_VSA_HELD), "'%s': %s", held,
           err_name(taken));
    errval_t bad = storctl_vsa_acquire("no/such name", &info);
    report("bad_name_refused", err_has(bad, STORCTL_ERR_BAD_NAME), "%s", err_name(bad));
    err = vsa_open(v, mine, &a);
    report("own_vsa", err_is_ok(err), "'%s': %s", mine, err_name(err));
    if (err_is_ok(err))
        probe_device(v, a, held);
    errval_t notheld = storctl_vsa_release(held);
    errval_t rel = a ? vsa_close(a) : err;
    errval_t twice = storctl_vsa_release(mine);
    report("release",
           err_is_ok(rel) && err_has(twice, STORCTL_ERR_NOT_HELD) &&
               err_has(notheld, STORCTL_ERR_NOT_HELD),
           "ours %s, again %s, the other's %s", err_name(rel), err_name(twice), err_name(notheld));
    err = vsic_close(v);
    report("vsic_destroy", err_is_ok(err), "%s", err_name(err));
    return 0;
}

// The blocks [lba, lba + 8) of a read back as all byte b?
static bool reads_as(struct vsa *a, uint64_t lba, uint8_t b)
{
    memset(back, ~b, sizeof(back));
    if (err_is_fail(a->dev.read(a->dev.arg, lba, 8, back)))
        return false;
    for (size_t i = 0; i < sizeof(back); i++) {
        if (back[i] != b)
            return false;
    }
    return true;
}

// Hold VSA name, write its first and last blocks, destroy it: the name is
// gone from the list and its namespace free; new, the next name we
// acquire gets that namespace and reads zeros where the data was.
static int destroy(const char *name, const char *other, const char *fresh)
{
    struct vsic *v;
    struct vsa *a = NULL, *b = NULL;
    errval_t err = vsic_open(&v);
    if (err_is_ok(err))
        err = vsa_open(v, name, &a);
    uint32_t nsid = a ? a->ns.nsid : 0;
    uint64_t last = a ? a->ns.blocks - 8 : 0;
    memset(buf, 0xa5, sizeof(buf));
    if (err_is_ok(err))
        err = a->dev.write(a->dev.arg, 0, 8, buf);
    if (err_is_ok(err))
        err = a->dev.write(a->dev.arg, last, 8, buf);
    bool written = err_is_ok(err) && reads_as(a, last, 0xa5);
    errval_t bad = storctl_vsa_destroy("no/such"), theirs = storctl_vsa_destroy(other);
    errval_t gone = a ? vsa_destroy(a) : err;
    report("vsa_destroy",
           written && err_is_ok(gone) && nsid_of(name) == 0 && err_has(bad, STORCTL_ERR_BAD_NAME) &&
               err_has(theirs, STORCTL_ERR_NOT_HELD),
           "written %d, destroy %s (name still at namespace %u), bad name %s, not held %s", written,
           err_name(gone), nsid_of(name), err_name(bad), err_name(theirs));
    err = vsa_open(v, fresh, &b);
    report("vsa_destroy_zeroes",
           err_is_ok(err) && b->ns.nsid == nsid && reads_as(b, 0, 0) && reads_as(b, last, 0),
           "'%s': %s, namespace %u (was %u)", fresh, err_name(err), b ? b->ns.nsid : 0, nsid);
    if (b)
        err_ignore(vsa_close(b), "the test ends next; storctl takes the VSA back when it does");
    err_ignore(vsic_close(v), "the test ends next; storctl takes the VSIC back when it does");
    return 0;
}

// ---- Set-up that unwinds: a failure injected at each step ----

// The VSICs of ours storctl lists: what a failed VSIC set-up must not leave.
static MUST_CHECK errval_t my_vsics(unsigned *n)
{
    struct storctl_vsic v[STORCTL_MAX_VSICS];
    unsigned k = 0;
    errval_t err = storctl_vsic_list(v, STORCTL_MAX_VSICS, &k);
    *n = 0;
    for (unsigned i = 0; i < k; i++)
        *n += v[i].owner == sys_pid();
    return err;
}

static MUST_CHECK errval_t arm_storctl(unsigned n)
{
    errval_t err;
    struct rpc_chan *c = storctl_chan(&err);
    return err_is_ok(err) ? rpc_failpoint(c, n) : err;
}

static MUST_CHECK errval_t open_close_vsic(void)
{
    struct vsic *v;
    errval_t err = vsic_open(&v);
    if (err_is_ok(err))
        err = vsic_close(v);
    return err;
}

// vsic_open failed at each of its steps, then storctl's VSIC create at
// each of its own: nothing may be left behind (test/unwind.h).
static int unwind(void)
{
    static const struct unwind_case cases[] = {
        {"unwind.vsic_open", "vsic_open", false, unwind_arm_here, unwind_pending_here,
         open_close_vsic},
        {"unwind.storctl_create", "storctl's VSIC create", true, arm_storctl, unwind_pending_server,
         open_close_vsic},
    };
    static const struct unwind_devices vsics = {"VSICs", my_vsics};
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        unwind_run(&cases[i], &vsics);
    printf("vsictest: unwind done\n");
    return (int)tests_failed;
}

int main(int argc, char **argv)
{
    test_id_prefix = "vsictest.";
    test_why_on_pass = true;
    if (argc == 2 && !strcmp(argv[1], "unwind"))
        return unwind();
    if (argc == 3 && !strcmp(argv[1], "hold"))
        return hold(argv[2]);
    if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "handoff"))) && !strcmp(argv[1], "drop"))
        return drop(argv[2], argc == 4);
    if (argc == 4 && !strcmp(argv[1], "probe"))
        return probe(argv[2], argv[3]);
    if (argc == 2 && !strcmp(argv[1], "create")) {
        struct storctl_vsic v;
        errval_t err = storctl_vsic_create(&v, NULL);
        report("no_vsic_free", err_has(err, STORCTL_ERR_NO_VSIC_FREE), "%s", err_name(err));
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "full")) {
        struct vsic *v;
        struct vsa *a;
        errval_t err = vsic_open(&v);
        errval_t full = err_is_ok(err) ? vsa_open(v, argv[2], &a) : err;
        report("no_vsa_free", err_has(full, STORCTL_ERR_NO_VSA_FREE), "'%s': %s", argv[2],
               err_name(full));
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "destroy"))
        return destroy(argv[2], argv[3], argv[4]);
    printf("usage: vsictest hold <vsa> | drop <vsa> [handoff] | probe <held> <own> | create | "
           "full <name> | destroy <vsa> <another's> <new name> | unwind\n");
    return 2;
}
