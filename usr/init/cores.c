/*
 * usr/init/cores.c: init's links to the monitors of the other cores.
 *
 * Each link is the channel the CPU drivers set up at boot (CHANCN slot =
 * core), polled in init's server loop next to its endpoint. init asks a
 * monitor to spawn or kill on its core, or to revoke imported copies; a
 * monitor tells init when it is up and when a process on its core ended,
 * and passes on its processes' requests for connections and caps.
 */
#include "init.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/irq.h>
#include <sys/monitor.h>
#include <sys/slot.h>
#include <sys/sys.h>
#include <sys/vspace.h>

#define MAX_CORES_INIT 8
#define MAX_PENDING    64

static const struct bootinfo *const bi = (const struct bootinfo *)INIT_BOOTINFO_VA;

struct link {
    struct mon_link l;
    bool up;
    uint64_t ram;
};
static struct link links[MAX_CORES_INIT];
static struct server_ump umps[MAX_CORES_INIT];

// What an answer from a monitor completes.
enum pending_kind { PEND_SPAWN, PEND_KILL, PEND_REVOKE };
struct pending {
    bool used;
    unsigned core;
    uint64_t tag;
    enum pending_kind kind;
    struct requester rq; // PEND_SPAWN, PEND_KILL: whom to answer
    struct proc_rec *proc;
    struct barrier *barrier; // PEND_REVOKE
};
static struct pending pending[MAX_PENDING];

// A revoke on several cores: done() once every core has answered.
struct barrier {
    unsigned left;
    errval_t err;
    void (*done)(void *arg, errval_t err);
    void *arg;
};

bool core_up(unsigned core) { return core > 0 && core < MAX_CORES_INIT && links[core].up; }

static struct pending *new_pending(unsigned core, enum pending_kind kind, uint64_t *tag)
{
    for (unsigned i = 0; i < MAX_PENDING; i++) {
        if (!pending[i].used) {
            *tag = links[core].l.next_tag++;
            pending[i] = (struct pending){.used = true, .core = core, .tag = *tag, .kind = kind};
            return &pending[i];
        }
    }
    return NULL;
}

void cores_reply(unsigned core, uint64_t tag, errval_t err, uint64_t w0, capref_t cap)
{
    if (core >= MAX_CORES_INIT || !links[core].up)
        return;
    // Memory of mem_serv's going to another core: it must not be handed
    // out again before the copies there are revoked.
    struct cap_info ci;
    if (err_is_ok(err) && cap && err_is_ok(cap_identify(cap, &ci)) &&
        (ci.type == ObjType_RAM || ci.type == ObjType_Frame))
        mem_mark_exported(ci.base);
    err_ignore(mon_reply(&links[core].l, tag, err, w0, cap),
               "a lost reply shows on the other core as its request failing");
}

// ---- Requests to monitors ----

// LAB 6 BEGIN cores_spawn
errval_t cores_spawn(struct proc_rec *p, capref_t module, const char *cmdline,
                     const struct requester *rq)
{
    if (!core_up(p->core))
        return SYS_ERR_INVALID_ARGS;
    uint64_t desc[3], tag;
    errval_t err = mon_export(module, desc);
    struct pending *pd = err_is_ok(err) ? new_pending(p->core, PEND_SPAWN, &tag) : NULL;
    if (err_is_ok(err) && !pd)
        err = SYS_ERR_BUSY;
    if (err_is_fail(err))
        return err;
    pd->rq = *rq;
    pd->proc = p;
    mon_send_string(&links[p->core].l, cmdline);
    mon_send(&links[p->core].l, MON_SPAWN, tag, p->pid, desc[0], desc[1], desc[2], 0);
    return SYS_ERR_OK;
}
// LAB 6 STUB
// // Ask the monitor of p->core to spawn p (its pid) from the boot module
// // frame module with the command line cmdline, and remember (a pending
// // entry of kind PEND_SPAWN, new_pending: SYS_ERR_BUSY when none is free)
// // whom to answer when the monitor's MON_REPLY comes. The monitor needs
// // the module as a descriptor (mon_export) and the command line first
// // (mon_send_string), then MON_SPAWN with the tag, the pid and the
// // descriptor's three words. SYS_ERR_INVALID_ARGS if the core is not up.
// errval_t cores_spawn(struct proc_rec *p, capref_t module, const char *cmdline,
//                      const struct requester *rq)
// {
//     // LAB 6: your code here
//     (void)p, (void)module, (void)cmdline, (void)rq;
//     printf("LAB 6: cores_spawn is not written yet (usr/init/cores.c)\n");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 6 END

errval_t cores_kill(struct proc_rec *p, const struct requester *rq)
{
    uint64_t tag;
    struct pending *pd = core_up(p->core) ? new_pending(p->core, PEND_KILL, &tag) : NULL;
    if (!pd)
        return SYS_ERR_BUSY;
    pd->rq = *rq;
    mon_send(&links[p->core].l, MON_KILL, tag, p->pid, 0, 0, 0, 0);
    return SYS_ERR_OK;
}

static void barrier_arrive(struct barrier *b, errval_t err)
{
    if (err_is_fail(err))
        b->err = err;
    if (--b->left == 0) {
        b->done(b->arg, b->err);
        free(b);
    }
}

void cores_revoke(uint64_t base, uint64_t bytes, unsigned except,
                  void (*done)(void *arg, errval_t err), void *arg)
{
    struct barrier *b = malloc(sizeof(*b));
    if (!b) {
        done(arg, SYS_ERR_NO_MEMORY);
        return;
    }
    *b = (struct barrier){.left = 1, .done = done, .arg = arg}; // 1: ourselves, below
    for (unsigned core = 1; core < MAX_CORES_INIT; core++) {
        uint64_t tag;
        if (core == except || !core_up(core))
            continue;
        struct pending *pd = new_pending(core, PEND_REVOKE, &tag);
        if (!pd) {
            b->err = SYS_ERR_BUSY;
            continue;
        }
        pd->barrier = b;
        b->left++;
        mon_send(&links[core].l, MON_REVOKE_IMPORTED, tag, base, bytes, 0, 0, 0);
    }
    // Core 0 holds imported copies only of other cores' memory.
    if (except != 0)
        cap_invoke(cap_kernel, KernelCmd_RevokeImported, base, bytes, 0, 0, 0, 0);
    barrier_arrive(b, SYS_ERR_OK);
}

// ---- Messages from monitors ----

static void on_reply(unsigned core, const uint64_t w[UMP_WORDS])
{
    struct pending *pd = NULL;
    for (unsigned i = 0; i < MAX_PENDING && !pd; i++) {
        if (pending[i].used && pending[i].core == core && pending[i].tag == w[1])
            pd = &pending[i];
    }
    if (!pd)
        return; // an answer nobody waits for: ignore it
    pd->used = false;
    errval_t err = w[2];
    switch (pd->kind) {
    case PEND_SPAWN:
        if (err_is_fail(err))
            pd->proc->used = false;
        answer(&pd->rq, err, pd->proc->pid, NULL_CAP, false);
        break;
    case PEND_KILL: answer(&pd->rq, err, 0, NULL_CAP, false); break;
    case PEND_REVOKE: barrier_arrive(pd->barrier, err); break;
    }
}

struct remote_revoke {
    unsigned core;
    uint64_t tag;
};

static void remote_revoke_done(void *arg, errval_t err)
{
    struct remote_revoke *r = arg;
    cores_reply(r->core, r->tag, err, 0, NULL_CAP);
    free(r);
}

void cores_app_request(unsigned core, uint64_t tag, uint64_t pid, uint64_t op, uint64_t a0,
                       const uint64_t desc[3], const char *name)
{
    struct requester rq = {.core = core, .tag = tag, .pid = pid};
    capref_t cap = NULL_CAP;
    errval_t err = SYS_ERR_OK;
    if (desc[0]) {
        err = slot_alloc(&cap);
        if (err_is_ok(err))
            err = mon_import(cap, desc);
        if (err_is_fail(err)) {
            if (cap)
                slot_free(cap);
            answer(&rq, err, 0, NULL_CAP, false);
            return;
        }
    }
    broker_handle(&rq, op, a0, cap, name);
}

static void on_message(struct server *s, struct server_ump *u, const uint64_t w[UMP_WORDS])
{
    (void)s;
    struct link *lk = u->user;
    unsigned core = lk->l.peer_core;
    char name[MON_STRING_MAX + 1];
    switch (w[0]) {
    case MON_STRING: mon_take_string(&lk->l, w); break;
    case MON_REPLY: on_reply(core, w); break;
    case MON_UP:
        lk->up = true;
        lk->ram = w[3];
        printf("init: monitor on core %lu connected (%lu MiB of RAM)\n", w[2], w[3] >> 20);
        break;
    case MON_EXITED: proc_remote_exited(w[2], w[3]); break;
    case MON_APP:
        mon_string_done(&lk->l, name, sizeof(name));
        cores_app_request(core, w[1], w[2], w[3] & 0xffff, w[3] >> 16, &w[4], name);
        break;
    case MON_REVOKE: {
        struct remote_revoke *r = malloc(sizeof(*r));
        if (!r) {
            cores_reply(core, w[1], SYS_ERR_NO_MEMORY, 0, NULL_CAP);
            break;
        }
        *r = (struct remote_revoke){core, w[1]};
        cores_revoke(w[2], w[3], core, remote_revoke_done, r);
        break;
    }
    default: printf("init: unknown message %lu from core %u\n", w[0], core);
    }
}

void cores_init(void)
{
    if (bi->core_count < 2 || !bi->chan_bytes)
        return;
    // Monitors wake us on MON_WAKE_VECTOR: a notification on our endpoint.
    errval_t err =
        irq_connect(cap_at(ROOTCN_SLOT_IRQCN, MON_WAKE_VECTOR), cap_selfep, UMP_WAKE_BIT);
    unsigned n = 0;
    for (unsigned core = 1; core < bi->core_count && core < MAX_CORES_INIT && err_is_ok(err);
         core++) {
        void *va;
        err = vspace_map(cap_at(ROOTCN_SLOT_CHANCN, core), bi->chan_bytes, MAP_WRITE, &va);
        if (err_is_fail(err))
            break;
        mon_link_init(&links[core].l, va, bi->chan_bytes, true, core);
        umps[n++] = (struct server_ump){.chan = &links[core].l.chan,
                                        .handle = on_message,
                                        .user = &links[core],
                                        .active = true};
    }
    if (err_is_fail(err))
        printf("init: cannot open the monitor channels: %s\n", err_msg(err));
    init_server.umps = umps;
    init_server.numps = n;
    // Wait (a while) for every monitor to say it is up, so that the boot
    // programs find all cores there.
    uint64_t deadline = sys_rdtsc() + 2 * bi->tsc_hz;
    for (unsigned up = 0; up < n && sys_rdtsc() < deadline; sys_yield()) {
        up = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t w[UMP_WORDS];
            while (err_is_ok(ump_recv(umps[i].chan, w)))
                on_message(&init_server, &umps[i], w);
            up += ((struct link *)umps[i].user)->up;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (!((struct link *)umps[i].user)->up)
            printf("init: no word from the monitor of core %u yet\n",
                   ((struct link *)umps[i].user)->l.peer_core);
    }
}
