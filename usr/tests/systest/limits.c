/*
 * usr/tests/systest/limits.c: per-process limits (`systest limits`).
 *
 * We run with the defaults and spawn `systest limited` with small limits.
 * The child checks its limits as init narrowed them, takes each resource
 * up to its limit and one more (the clear LIMIT_ERR_* each time), and
 * registers a name once it holds everything. Then a neighbour with the
 * defaults (`systest neighbour`) takes more of each than it may; we kill
 * the child and see every vector, domain, VNIC and byte it held come back.
 */
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/netctl.h>
#include <sys/ram.h>
#include <sys/slot.h>
#include <sys/storctl.h>
#include <sys/sys.h>

#include "systest.h"

#define HOLDING    "systest.limited" // the child's name: it holds everything now
#define CHILD_MEM  (6u << 20)
#define PIECE      (64u << 10)
#define MAX_PIECES (CHILD_MEM / PIECE)

static const struct proc_limits child_limits = {.max = {
                                                    [LIMIT_MEM] = CHILD_MEM,
                                                    [LIMIT_DOMAINS] = 1,
                                                    [LIMIT_VECTORS] = 1,
                                                    [LIMIT_VNICS] = 1,
                                                    [LIMIT_VSICS] = 0,
                                                    [LIMIT_CHANS] = 2,
                                                }};

// ---- The child: `systest limited` ----

// A grandchild asking for no limits gets ours.
static void check_narrowed(void)
{
    struct proc_limits own = {0}, grand = {0};
    uint64_t pid = 0, status;
    errval_t err = proc_limits(sys_pid(), &own);
    report("limits.own", err_is_ok(err) && !memcmp(&own, &child_limits, sizeof(own)),
           "%s, mem %lu domains %lu vectors %lu vnics %lu vsics %lu chans %lu", err_name(err),
           own.max[LIMIT_MEM], own.max[LIMIT_DOMAINS], own.max[LIMIT_VECTORS], own.max[LIMIT_VNICS],
           own.max[LIMIT_VSICS], own.max[LIMIT_CHANS]);
    err = proc_spawn_limited(PROC_ANY_CORE, "systest spin", &proc_limits_none, &pid);
    if (err_is_ok(err))
        err = proc_limits(pid, &grand);
    if (pid) {
        err_ignore(proc_kill(pid), "the child may have ended already");
        err_ignore(proc_wait(pid, &status), "the child's status is not what this test checks");
    }
    report("limits.narrowed", err_is_ok(err) && !memcmp(&grand, &child_limits, sizeof(grand)),
           "%s, grandchild mem %lu vectors %lu chans %lu", err_name(err), grand.max[LIMIT_MEM],
           grand.max[LIMIT_VECTORS], grand.max[LIMIT_CHANS]);
}

// One VNIC (its VF is ours: one vector for it), one domain; a VSIC none.
static void check_devices(void)
{
    static struct netctl_vnic vnic, second;
    capref_t irq = NULL_CAP, irq2 = NULL_CAP, root = NULL_CAP, root2 = NULL_CAP;
    uint32_t vector = 0;
    uint16_t dom = 0;
    capref_t vcap = NULL_CAP, vcap2 = NULL_CAP; // the VNICs' caps (kept: we hold them)
    errval_t v1 = netctl_vnic_create(&vnic, &vcap);
    errval_t v2 = netctl_vnic_create(&second, &vcap2);
    report("limits.vnics", err_is_ok(v1) && err_has(v2, LIMIT_ERR_VNICS), "first %s, second %s",
           err_name(v1), err_name(v2));
    uint64_t msi_addr;
    uint32_t msi_data;
    errval_t i1 = err_is_ok(v1) ? devmgr_irq(vnic.rid, &irq, &vector, &msi_addr, &msi_data) : v1;
    errval_t i2 = err_is_ok(v1) ? devmgr_irq(vnic.rid, &irq2, &vector, &msi_addr, &msi_data) : v1;
    report("limits.vectors", err_is_ok(i1) && err_has(i2, LIMIT_ERR_VECTORS), "first %s, second %s",
           err_name(i1), err_name(i2));
    errval_t d1 = devmgr_domain(&root, &dom);
    errval_t d2 = devmgr_domain(&root2, &dom);
    report("limits.domains", err_is_ok(d1) && err_has(d2, LIMIT_ERR_DOMAINS), "first %s, second %s",
           err_name(d1), err_name(d2));
    static struct storctl_vsic vsic;
    capref_t window = NULL_CAP;
    errval_t s = storctl_vsic_create(&vsic, &window);
    report("limits.vsics", err_has(s, LIMIT_ERR_VSICS), "%s", err_name(s));
    if (err_is_fail(s))
        printf("systest: a VSIC refused: %s\n", err_msg(s)); // the clear message
}

// Binds through bind_cap until refused; *n gets how many worked.
static MUST_CHECK errval_t bind_until_refused(capref_t bind_cap, unsigned *n)
{
    static struct rpc_chan c[4];
    errval_t err = SYS_ERR_OK;
    *n = 0;
    while (*n < 4 && err_is_ok(err = rpc_bind(&c[*n], bind_cap, NULL_CAP)))
        (*n)++;
    return err;
}

// Two channels to any one server: devmgr (a watching server: the limit
// came with init's answer to its watch), mem_serv and init (told by init,
// and init's own table).
static void check_channels(void)
{
    capref_t bind;
    unsigned n = 0, n_mem = 0, n_init = 0;
    errval_t err = name_lookup(DEVMGR_NAME, &bind);
    if (err_is_ok(err))
        err = bind_until_refused(bind, &n); // one open already (devmgr_chan)
    report("limits.chans", err_has(err, LIMIT_ERR_CHANNELS) && n == 1, "%s after %u more",
           err_name(err), n);
    errval_t mem = bind_until_refused(cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_MEMSERV), &n_mem);
    errval_t init = bind_until_refused(cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_INITEP), &n_init);
    report("limits.chans_memserv_init",
           err_has(mem, LIMIT_ERR_CHANNELS) && n_mem == 1 && err_has(init, LIMIT_ERR_CHANNELS) &&
               n_init == 1,
           "mem_serv %s after %u more, init %s after %u more", err_name(mem), n_mem, err_name(init),
           n_init);
}

// RAM up to the limit, in pieces; the one past it is refused.
static void check_memory(void)
{
    static capref_t held[MAX_PIECES];
    unsigned n = 0;
    uint64_t total, free, mine = 0;
    errval_t err;
    while (n < MAX_PIECES && err_is_ok(err = ram_alloc(&held[n], PIECE, OBJSIZE_PAGE)))
        n++;
    err_ignore(
        memserv_stats(&total, &free, &mine),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    report("limits.memory",
           err_has(err, LIMIT_ERR_MEMORY) && n > 0 && mine <= CHILD_MEM && mine + PIECE > CHILD_MEM,
           "%s after %u pieces, %lu bytes charged of %u", err_name(err), n, mine, CHILD_MEM);
    // Room for what registering our name takes (slots, a cap copy).
    for (unsigned k = 0; k < 4 && n; k++)
        err_ignore(ram_free(held[--n]),
                   "cleanup: what is not taken back is reclaimed when the test ends");
}

void limited_main(void)
{
    check_narrowed();
    check_devices();
    check_channels();
    check_memory();
    errval_t err = name_register(HOLDING, cap_selfep);
    if (err_is_fail(err))
        printf("systest: cannot register %s: %s\n", HOLDING, err_msg(err));
    for (;;) // until our parent kills us
        sys_yield();
}

// ---- The parent: `systest limits` ----

struct held {
    uint64_t free, vectors, domains;
    uint64_t others; // RAM not free and not ours (our own slots and heap vary)
};

static struct held now(void)
{
    struct held h = {0};
    uint64_t total, mine, all;
    err_ignore(
        memserv_stats(&total, &h.free, &mine),
        "the figures compared next are zero if mem_serv did not answer, and the check fails");
    h.others = total - h.free - mine;
    err_ignore(devmgr_stats(&h.vectors, &h.domains, &all),
               "the figures compared next are zero if devmgr did not answer, and the check fails");
    return h;
}

// Bytes charged to pid at mem_serv.
static uint64_t charged(uint64_t pid)
{
    errval_t err;
    struct rpc_chan *c = memserv_chan(&err);
    struct rpc_result r = {0};
    if (err_is_ok(err))
        err = rpc_call(c, MEMSERV_USAGE, pid, 0, 0, NULL_CAP, NULL_CAP, &r);
    return err_is_ok(err) ? r.w[0] : 0;
}

static unsigned vnics_of(uint64_t pid)
{
    static struct netctl_vnic v[NETCTL_MAX_VNICS];
    unsigned n = 0, held = 0;
    err_ignore(netctl_list(v, NETCTL_MAX_VNICS, &n), "n stays 0 and the check that follows fails");
    for (unsigned i = 0; i < n; i++)
        held += v[i].owner == pid;
    return held;
}

// `systest neighbour`, spawned with the defaults while the child holds
// all it may: it takes more than the child may.
void neighbour_main(void)
{
    capref_t roots[3], ram = NULL_CAP, bind;
    uint16_t dom;
    unsigned doms = 0, chans = 0;
    while (doms < 3 && err_is_ok(devmgr_domain(&roots[doms], &dom)))
        doms++;
    errval_t mem = ram_alloc(&ram, 2 * CHILD_MEM, OBJSIZE_PAGE);
    errval_t err = name_lookup(DEVMGR_NAME, &bind);
    if (err_is_ok(err))
        err = bind_until_refused(bind, &chans);
    report("limits.neighbour", doms == 3 && err_is_ok(mem) && err_is_ok(err) && chans == 4,
           "%u domains, %u MiB: %s, %u more devmgr channels: %s", doms, (2 * CHILD_MEM) >> 20,
           err_name(mem), chans, err_name(err));
    if (err_is_ok(mem))
        err_ignore(ram_free(ram),
                   "cleanup: what is not taken back is reclaimed when the test ends");
    // (Our domains and channels go when we end.)
}

// Run the neighbour and wait until devmgr has taken its domains back
// (it learns that it ended from its own watch), so that we leave nothing
// behind that comes back after we end.
static void run_neighbour(const struct held *want)
{
    uint64_t pid, status;
    errval_t err = proc_spawn("systest neighbour", &pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    uint64_t end = sys_clock_us() + 10000000;
    while (err_is_ok(err) && now().domains != want->domains && sys_clock_us() < end)
        sys_yield();
    if (err_is_fail(err))
        report("limits.neighbour", false, "%s", err_name(err));
}

// Wait up to 10 s for everything the child held to come back: devmgr
// and netctl learn it ended from their own watches, and init may answer
// our proc_wait before mem_serv has reclaimed its memory.
static bool back(const struct held *want, uint64_t child, uint64_t child_bytes, struct held *got)
{
    uint64_t end = sys_clock_us() + 10000000;
    do {
        *got = now();
        if (got->vectors == want->vectors && got->domains == want->domains && !vnics_of(child) &&
            !charged(child) && got->free >= want->free + child_bytes)
            return true;
        sys_yield();
    } while (sys_clock_us() < end);
    return false;
}

void test_limits(void)
{
    uint64_t pid = 0, status;
    struct proc_limits tiny = child_limits, own = {0};
    tiny.max[LIMIT_MEM] = PIECE; // less than a domain needs
    // (Our channel to init is bound and shares its page before we count.)
    errval_t err = proc_limits(sys_pid(), &own);
    report("limits.defaults", err_is_ok(err) && !memcmp(&own, &proc_limits_default, sizeof(own)),
           "%s, vectors %lu chans %lu", err_name(err), own.max[LIMIT_VECTORS],
           own.max[LIMIT_CHANS]);
    struct held before = now();
    err = proc_spawn_limited(PROC_ANY_CORE, "systest limited", &tiny, &pid);
    struct held after = now();
    report("limits.spawn_too_small",
           err_has(err, LIMIT_ERR_MEMORY) && after.others == before.others,
           "%s, others' RAM %lu then %lu", err_name(err), before.others, after.others);
    err = proc_spawn_limited(PROC_ANY_CORE, "systest limited", &child_limits, &pid);
    capref_t up;
    if (err_is_ok(err))
        err = name_lookup_wait(HOLDING, 30000, &up);
    if (err_is_fail(err)) {
        report("limits.child_holds", false, "%s", err_name(err));
        return;
    }
    cap_destroy(up);
    struct held holding = now();
    report("limits.child_holds",
           holding.vectors == before.vectors + 1 && holding.domains == before.domains + 1 &&
               vnics_of(pid) == 1 && holding.free < before.free,
           "vectors %lu then %lu, domains %lu then %lu, %u VNICs", before.vectors, holding.vectors,
           before.domains, holding.domains, vnics_of(pid));
    run_neighbour(&holding);
    struct held mine = now(); // the child's still counted
    uint64_t child_bytes = charged(pid);
    err = proc_kill(pid);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    struct held want = {mine.free, mine.vectors - 1, mine.domains - 1, 0}, got = {0};
    bool ok = err_is_ok(err) && back(&want, pid, child_bytes, &got);
    report("limits.released", ok && child_bytes && child_bytes <= CHILD_MEM,
           "%s; vectors %lu (want %lu), domains %lu (want %lu), %u VNICs, free %lu then %lu "
           "(the child had %lu)",
           err_name(err), got.vectors, want.vectors, got.domains, want.domains, vnics_of(pid),
           mine.free, got.free, child_bytes);
}
