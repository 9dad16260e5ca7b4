/*
 * usr/monitor/main.c: the monitor of a further core (docs/multikernel.md).
 *
 * The CPU driver of each core but the first starts a monitor with the
 * core's share of RAM, its Kernel cap and vectors, and the channel to init
 * (CHANCN slot 0). The monitor is its core's init and mem_serv in one: it
 * spawns programs init asks for (from init's boot module frames, imported),
 * hands their memory out of its own RAM (core-local allocation), reclaims
 * it when they end, and tells init. Its processes reach it through the
 * same bind caps as on core 0 (TASKCN_SLOT_INITEP, TASKCN_SLOT_MEMSERV);
 * what needs the whole machine (UMP connections, caps for other cores) it
 * passes on to init.
 */
#include <kpi/init.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/memserv.h>
#include <sys/mm.h>
#include <sys/monitor.h>
#include <sys/ram.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/spawn.h>
#include <sys/vspace.h>

#define SELF_POOL   (8u << 20) // our own heap, CNodes and page tables
#define MAX_PROCS   32
#define MAX_CHANS   (2 * MAX_PROCS)
#define MAX_FWD     64
#define MAX_MODULES 16
#define HANDLE_L1   SLOT_L1_LIMIT // process i's handle CNode: L1 slot HANDLE_L1 + i
#define EXIT_NOTIFY 1ull
#define WAKE_FIRST  65  // vectors we hand out for UMP wake-ups
#define WAKE_LAST   199 // (200: MON_WAKE_VECTOR; no devmgr on this core)

static const struct bootinfo *const bi = (const struct bootinfo *)INIT_BOOTINFO_VA;

static struct mm mm;
static struct mon_link link; // to init
static struct server_chan chans[MAX_CHANS];
static struct server_ump link_ump;
static struct server srv;

// The monitor's record of a process it made on this core for init.
struct proc_rec {
    bool used;
    uint64_t pid;
    uint32_t vector; // its UMP wake-up vector, or 0
    struct spawn sp;
};
static struct proc_rec procs[MAX_PROCS];
static bool vector_used[256];

// A request passed on to init, waiting for its MON_REPLY.
enum fwd_kind {
    FWD_APP,    // a process's INIT_* request: answer it
    FWD_REVOKE, // a process's INIT_REMOTE_REVOKE: unexport its cap, answer it
    FWD_HELD,   // memory we hold: unexport it, free it
};
struct fwd {
    bool used;
    enum fwd_kind kind;
    uint64_t tag;
    struct server_chan *chan;
    uint64_t pid;
    capref_t cap;  // FWD_REVOKE: the process's cap (our copy)
    uint64_t base; // FWD_HELD
};
static struct fwd fwds[MAX_FWD];

// ---- Our own memory: a bump allocator over one region taken at start ----

static capref_t self_pool;
static uint64_t self_used;

static MUST_CHECK errval_t self_alloc(void *arg, capref_t *ret, uint64_t bytes, uint64_t align)
{
    (void)arg;
    uint64_t off = (self_used + align - 1) & ~(align - 1);
    if (off + bytes > SELF_POOL)
        return MM_ERR_NO_MEMORY;
    errval_t err = slot_alloc(ret);
    if (err_is_ok(err))
        err = cap_retype(*ret, self_pool, ObjType_RAM, off, bytes, 1);
    if (err_is_ok(err))
        self_used = off + bytes;
    return err;
}

static MUST_CHECK errval_t self_free(void *arg, capref_t ram)
{
    (void)arg;
    return cap_delete(ram); // not reused: the pool only grows
}

// ---- Requests to init ----

static struct fwd *new_fwd(enum fwd_kind kind)
{
    for (unsigned i = 0; i < MAX_FWD; i++) {
        if (!fwds[i].used) {
            fwds[i] = (struct fwd){.used = true, .kind = kind, .tag = link.next_tag++};
            return &fwds[i];
        }
    }
    return NULL;
}

// Memory mm took back while other cores had copies of caps made from it:
// init revokes them there (MON_REVOKE); then it is free again.
static void announce_held(void)
{
    struct mm_alloc a;
    while (mm_next_held(&mm, &a)) {
        struct fwd *f = new_fwd(FWD_HELD);
        if (!f) {
            printf("monitor %u: too many requests to init; %lu KiB at %#lx stay held\n", bi->core,
                   a.bytes >> 10, a.base);
            continue;
        }
        f->cap = a.cap;
        f->base = a.base;
        mon_send(&link, MON_REVOKE, f->tag, a.base, a.bytes, 0, 0, 0);
    }
}

// ---- Boot modules: init's frames, imported and mapped once ----

struct module {
    uint64_t base, bytes;
    capref_t cap;
    const void *image;
};
static struct module modules[MAX_MODULES];
static unsigned nmodules;

static MUST_CHECK errval_t module_get(const uint64_t desc[3], const void **image, size_t *size)
{
    for (unsigned i = 0; i < nmodules; i++) {
        if (modules[i].base == desc[1] && modules[i].bytes == desc[2]) {
            *image = modules[i].image;
            *size = modules[i].bytes;
            return SYS_ERR_OK;
        }
    }
    if (nmodules == MAX_MODULES)
        return SPAWN_ERR_TOO_MANY;
    struct module *m = &modules[nmodules];
    void *va = NULL;
    errval_t err = slot_alloc(&m->cap);
    if (err_is_ok(err))
        err = mon_import(m->cap, desc);
    if (err_is_ok(err))
        err = vspace_map(m->cap, desc[2], 0, &va);
    if (err_is_fail(err)) {
        if (m->cap)
            cap_destroy(m->cap);
        return err;
    }
    *m = (struct module){.base = desc[1], .bytes = desc[2], .cap = m->cap, .image = va};
    nmodules++;
    *image = va;
    *size = desc[2];
    return SYS_ERR_OK;
}

// ---- Processes ----

static struct proc_rec *proc_find(uint64_t pid)
{
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        if (procs[i].used && procs[i].pid == pid)
            return &procs[i];
    }
    return NULL;
}

// A domain's RAM, charged to its pid (our copy stays in mm to reclaim it).
static MUST_CHECK errval_t proc_alloc(void *arg, capref_t *ret, uint64_t bytes)
{
    capref_t ours;
    *ret = NULL_CAP;
    errval_t err = mm_alloc(&mm, (uint64_t)(uintptr_t)arg, bytes, OBJSIZE_PAGE, &ours);
    if (err_is_fail(err))
        return err;
    err = slot_alloc(ret);
    if (err_is_ok(err))
        err = cap_copy(*ret, ours, CAP_RIGHTS_ALL);
    if (err_is_fail(err) && *ret)
        slot_free(*ret); // (the RAM stays charged to pid until it is reclaimed)
    return err;
}

static MUST_CHECK errval_t give_bind(struct proc_rec *p, uint32_t slot, uint64_t badge)
{
    capref_t tmp;
    errval_t err = slot_alloc(&tmp);
    if (err_is_ok(err))
        err = cap_mint(tmp, srv.ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, RPC_BADGE_BIND | badge, 0);
    if (err_is_ok(err))
        err = spawn_give(&p->sp, slot, tmp);
    if (tmp)
        cap_destroy(tmp);
    return err;
}

// LAB 6 BEGIN proc_start
static MUST_CHECK errval_t proc_start(struct proc_rec *p, const char *cmdline,
                                      const uint64_t desc[3])
{
    char copy[MON_STRING_MAX + 1];
    const char *argv[ARGS_MAX];
    int argc = 0;
    strlcpy(copy, cmdline, sizeof(copy));
    char *save = copy;
    char *s = strtok_r(copy, " ", &save);
    for (; s && argc < ARGS_MAX; s = strtok_r(NULL, " ", &save))
        argv[argc++] = s;
    if (s)
        return SPAWN_ERR_ARGS; // more words than a process takes (init's split says the same)
    if (!argc)
        return SYS_ERR_INVALID_ARGS;
    const void *image;
    size_t size;
    errval_t err = module_get(desc, &image, &size);
    if (err_is_ok(err))
        err = spawn_load(&p->sp, image, size, argc, argv, p->pid, HANDLE_L1 + (uint32_t)(p - procs),
                         proc_alloc, (void *)(uintptr_t)p->pid);
    // Its services are ours: init's as on core 0, mem_serv's from our RAM.
    if (err_is_ok(err))
        err = give_bind(p, TASKCN_SLOT_INITEP, p->pid);
    if (err_is_ok(err))
        err = give_bind(p, TASKCN_SLOT_MEMSERV, p->pid | MON_BADGE_MEMSERV);
    capref_t note = NULL_CAP;
    if (err_is_ok(err))
        err = notify_cap(cap_selfep, EXIT_NOTIFY, &note);
    if (err_is_ok(err))
        err = cap_invoke(spawn_cap(&p->sp, SPAWN_H_DISPATCHER), DispatcherCmd_NotifyExit, note, 0,
                         0, 0, 0, 0)
                  .err;
    if (note)
        cap_destroy(note);
    if (err_is_ok(err))
        err = spawn_run(&p->sp);
    return err;
}
// LAB 6 STUB
// // Start process p, as init asked (MON_SPAWN): split cmdline into argv at
// // spaces (SYS_ERR_INVALID_ARGS if it has no word), map the boot module
// // init exported (module_get: desc is what mon_export gave init), load it
// // with spawn_load from our RAM charged to p->pid (proc_alloc), give it
// // its endpoints to us as init's and mem_serv's services (give_bind, with
// // the badges p->pid and p->pid | MON_BADGE_MEMSERV), ask its dispatcher
// // for an exit notification on our endpoint (a copy of cap_selfep minted
// // with RPC_BADGE_NOTIFY | EXIT_NOTIFY, DispatcherCmd_NotifyExit), and
// // run it. On failure on_spawn reclaims whatever was made (proc_reclaim).
// static MUST_CHECK errval_t proc_start(struct proc_rec *p, const char *cmdline,
//                                       const uint64_t desc[3])
// {
//     // LAB 6: your code here (module_get, proc_alloc and give_bind are yours to use)
//     (void)p, (void)cmdline, (void)desc, (void)module_get, (void)proc_alloc, (void)give_bind;
//     printf("LAB 6: proc_start is not written yet (usr/monitor/main.c)\n");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 6 END

// Give back everything of a process that ended (or failed to start).
static void proc_reclaim(struct proc_rec *p)
{
    mm_free_all(&mm, p->pid); // our handle CNode and its copies go with it
    if (p->sp.region)
        cap_destroy(p->sp.region);
    server_forget(&srv, p->pid);
    server_forget(&srv, p->pid | MON_BADGE_MEMSERV);
    for (unsigned i = 0; i < MAX_FWD; i++) {
        if (fwds[i].used && fwds[i].pid == p->pid)
            fwds[i].chan = NULL; // its answer has nobody to go to
    }
    if (p->vector)
        vector_used[p->vector] = false;
    p->used = false;
    announce_held();
}

static void on_spawn(const uint64_t w[UMP_WORDS])
{
    char cmdline[MON_STRING_MAX + 1];
    mon_string_done(&link, cmdline, sizeof(cmdline));
    uint64_t pid = w[2];
    struct proc_rec *p = NULL;
    for (unsigned i = 0; i < MAX_PROCS && !p; i++)
        p = procs[i].used ? NULL : &procs[i];
    errval_t err = !p ? SPAWN_ERR_TOO_MANY : proc_find(pid) ? SYS_ERR_EXISTS : SYS_ERR_OK;
    if (err_is_ok(err)) {
        *p = (struct proc_rec){.used = true, .pid = pid};
        err = proc_start(p, cmdline, &w[3]);
        if (err_is_fail(err))
            proc_reclaim(p);
    }
    err_ignore(mon_reply(&link, w[1], err, pid, NULL_CAP),
               "a lost reply shows on the other core as its request failing");
}

static void on_kill(const uint64_t w[UMP_WORDS])
{
    struct proc_rec *p = proc_find(w[2]);
    errval_t err =
        p ? invoke_dispatcher_stop(spawn_cap(&p->sp, SPAWN_H_DISPATCHER)) : PROC_ERR_NO_SUCH;
    // MON_EXITED follows
    err_ignore(mon_reply(&link, w[1], err, 0, NULL_CAP),
               "a lost reply shows on the other core as its request failing");
}

static void child_exit(void)
{
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        struct proc_rec *p = &procs[i];
        uint64_t state, status;
        if (!p->used ||
            err_is_fail(
                invoke_dispatcher_info(spawn_cap(&p->sp, SPAWN_H_DISPATCHER), &state, &status)) ||
            state != DISP_STATE_STOPPED)
            continue;
        uint64_t pid = p->pid;
        proc_reclaim(p);
        mon_send(&link, MON_EXITED, 0, pid, status, 0, 0, 0);
    }
}

// ---- Messages from init ----

static void on_reply(const uint64_t w[UMP_WORDS])
{
    struct fwd *f = NULL;
    for (unsigned i = 0; i < MAX_FWD && !f; i++)
        f = fwds[i].used && fwds[i].tag == w[1] ? &fwds[i] : NULL;
    if (!f)
        return;
    f->used = false;
    errval_t err = w[2];
    struct server_resp resp = {.err = err, .w = {w[3]}};
    switch (f->kind) {
    case FWD_APP:
        if (err_is_ok(err) && w[4]) { // a cap came along
            capref_t cap;
            resp.err = slot_alloc(&cap);
            if (err_is_ok(resp.err))
                resp.err = mon_import(cap, &w[4]);
            if (err_is_ok(resp.err)) {
                resp.cap = cap;
            } else if (cap) {
                slot_free(cap);
            }
        }
        if (f->chan)
            err_ignore(server_reply(f->chan, &resp),
                       "the client may have ended meanwhile: nobody is left to answer");
        if (resp.cap)
            cap_destroy(resp.cap); // it has its copy
        break;
    case FWD_REVOKE:
        // The copies elsewhere are gone: ours are no longer shared.
        if (err_is_ok(err))
            resp.err = cap_invoke(cap_kernel, KernelCmd_Unexport, f->cap, 0, 0, 0, 0, 0).err;
        cap_destroy(f->cap);
        if (f->chan)
            err_ignore(server_reply(f->chan, &resp),
                       "the client may have ended meanwhile: nobody is left to answer");
        break;
    case FWD_HELD:
        if (err_is_ok(err))
            err = cap_invoke(cap_kernel, KernelCmd_Unexport, f->cap, 0, 0, 0, 0, 0).err;
        if (err_is_ok(err))
            err = mm_release_held(&mm, f->base);
        if (err_is_fail(err))
            printf("monitor %u: memory at %#lx stays held: %s\n", bi->core, f->base, err_msg(err));
        break;
    }
}

static void on_message(struct server *s, struct server_ump *u, const uint64_t w[UMP_WORDS])
{
    (void)s;
    (void)u;
    switch (w[0]) {
    case MON_STRING: mon_take_string(&link, w); break;
    case MON_REPLY: on_reply(w); break;
    case MON_SPAWN: on_spawn(w); break;
    case MON_KILL: on_kill(w); break;
    case MON_REVOKE_IMPORTED: {
        struct sysret r = cap_invoke(cap_kernel, KernelCmd_RevokeImported, w[2], w[3], 0, 0, 0, 0);
        err_ignore(mon_reply(&link, w[1], r.err, r.w[0], NULL_CAP),
                   "a lost reply shows on the other core as its request failing");
        break;
    }
    default: printf("monitor %u: unknown message %lu from init\n", bi->core, w[0]);
    }
}

// ---- Requests from our processes ----

static void op_wake_vector(uint64_t pid, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(pid);
    uint32_t v = WAKE_FIRST;
    while (v <= WAKE_LAST && vector_used[v])
        v++;
    resp->err = !p              ? PROC_ERR_NO_SUCH
                : p->vector     ? SYS_ERR_EXISTS
                : v > WAKE_LAST ? IRQ_ERR_NO_VECTOR
                                : SYS_ERR_OK;
    if (err_is_fail(resp->err))
        return;
    vector_used[v] = true;
    p->vector = v;
    resp->w[0] = v;
    resp->cap = cap_at(ROOTCN_SLOT_IRQCN, v); // a copy goes; ours stays
}

// Pass a request on to init: its string (a name) first, its cap exported.
static void forward(struct server_req *req, struct server_resp *resp)
{
    uint64_t pid = req->chan->pid, desc[3] = {0, 0, 0};
    bool revoke = req->op == INIT_REMOTE_REVOKE;
    struct cap_info ci;
    struct fwd *f = new_fwd(revoke ? FWD_REVOKE : FWD_APP);
    resp->err = !f ? SYS_ERR_BUSY : SYS_ERR_OK;
    if (err_is_ok(resp->err) && revoke)
        resp->err = req->cap ? cap_identify(req->cap, &ci) : SYS_ERR_INVALID_ARGS;
    else if (err_is_ok(resp->err) && req->cap)
        resp->err = mon_export(req->cap, desc);
    // Memory of ours going to another core: held when taken back, until
    // the copies there are revoked.
    if (err_is_ok(resp->err) && req->cap && !revoke && err_is_ok(cap_identify(req->cap, &ci)) &&
        (ci.type == ObjType_RAM || ci.type == ObjType_Frame))
        err_ignore(mm_mark_exported(&mm, ci.base),
                   "only fails for memory mm does not hold: nothing to mark then");
    if (err_is_fail(resp->err)) {
        if (f)
            f->used = false;
        return;
    }
    f->chan = req->chan;
    f->pid = pid;
    resp->defer = true;
    if (revoke) {
        f->cap = req->cap; // unexported once init has revoked the copies
        req->cap = NULL_CAP;
        mon_send(&link, MON_REVOKE, f->tag, ci.base, ci.bytes, 0, 0, 0);
        return;
    }
    char name[NAME_MAX_LEN + 1] = "";
    if (req->chan->buf && req->op >= INIT_UMP_OFFER && req->op <= INIT_UMP_CONNECT)
        strlcpy(name, req->chan->buf, sizeof(name));
    mon_send_string(&link, name);
    mon_send(&link, MON_APP, f->tag, pid, req->op | req->a[0] << 16, desc[0], desc[1], desc[2]);
}

static void initsvc(struct server_req *req, struct server_resp *resp)
{
    switch (req->op) {
    case INIT_WAKE_VECTOR: op_wake_vector(req->chan->pid, resp); break;
    case INIT_UMP_OFFER:
    case INIT_UMP_ACCEPT:
    case INIT_UMP_CONNECT:
    case INIT_UMP_PEERWAKE:
    case INIT_CAP_SEND:
    case INIT_CAP_RECV:
    case INIT_REMOTE_REVOKE: forward(req, resp); break;
    case INIT_NAME_REGISTER:
    case INIT_NAME_LOOKUP:
    case INIT_PROC_SPAWN:
    case INIT_PROC_WAIT:
    case INIT_PROC_KILL:
    case INIT_PROC_LIST:
    case INIT_PROC_CAPS:
    case INIT_PROC_STATUS:
    case INIT_PROC_WATCH:
    case INIT_PROC_LIMITS:
    case INIT_POWEROFF: resp->err = MON_ERR_CORE0_ONLY; break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
}

static void memserv(uint64_t pid, struct server_req *req, struct server_resp *resp)
{
    struct cap_info info;
    capref_t cap;
    switch (req->op) {
    case MEMSERV_ALLOC: {
        uint64_t bytes = (req->a[0] + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
        resp->err = mm_alloc(&mm, pid, bytes, req->a[1] ? req->a[1] : OBJSIZE_PAGE, &cap);
        if (err_is_ok(resp->err))
            resp->cap = cap; // a copy goes out; ours stays to revoke it later
        break;
    }
    case MEMSERV_FREE:
        resp->err = req->cap ? cap_identify(req->cap, &info) : SYS_ERR_INVALID_ARGS;
        if (err_is_ok(resp->err) && info.type != ObjType_RAM)
            resp->err = MM_ERR_NOT_RAM;
        if (err_is_ok(resp->err))
            resp->err = mm_free(&mm, pid, info.base);
        announce_held();
        break;
    case MEMSERV_STATS:
        resp->w[0] = mm.total;
        resp->w[1] = mm.free;
        resp->w[2] = mm_usage(&mm, pid);
        break;
    case MEMSERV_USAGE: resp->w[0] = mm_usage(&mm, req->a[0]); break;
    default: resp->err = MM_ERR_DENIED; // charging others is init's, on core 0
    }
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    uint64_t pid = req->chan->pid;
    if (pid & MON_BADGE_MEMSERV)
        memserv(pid & ~MON_BADGE_MEMSERV, req, resp);
    else
        initsvc(req, resp);
    if (req->cap)
        cap_destroy(req->cap);
}

static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & EXIT_NOTIFY)
        child_exit();
}

// ---- Start ----

static MUST_CHECK errval_t setup(void)
{
    // Our RAM (SUPERCN slot 0): a pool of our own, the rest for processes.
    capref_t all = cap_at(ROOTCN_SLOT_SUPERCN, 0), rest = NULL_CAP;
    struct cap_info info;
    errval_t err = cap_identify(all, &info);
    if (err_is_ok(err) && info.bytes <= 2 * SELF_POOL)
        err = MM_ERR_NO_MEMORY;
    if (err_is_ok(err))
        err = slot_alloc(&self_pool); // ALLOC0: no memory needed yet
    if (err_is_ok(err))
        err = cap_retype(self_pool, all, ObjType_RAM, 0, SELF_POOL, 1);
    if (err_is_ok(err))
        err = slot_alloc(&rest);
    if (err_is_ok(err))
        err = cap_retype(rest, all, ObjType_RAM, SELF_POOL, info.bytes - SELF_POOL, 1);
    if (err_is_fail(err))
        return err;
    ram_set_source(&(struct ram_source){self_alloc, self_free, NULL});
    err = mm_add(&mm, rest);
    // The channel to init, polled in our loop; init raises MON_WAKE_VECTOR
    // when it leaves us a message while we sleep.
    void *va;
    if (err_is_ok(err))
        err = vspace_map(cap_at(ROOTCN_SLOT_CHANCN, 0), bi->chan_bytes, MAP_WRITE, &va);
    if (err_is_fail(err))
        return err;
    mon_link_init(&link, va, bi->chan_bytes, false, 0);
    err = irq_connect(cap_at(ROOTCN_SLOT_IRQCN, MON_WAKE_VECTOR), cap_selfep, UMP_WAKE_BIT);
    vector_used[MON_WAKE_VECTOR] = true;
    return err;
}

int main(void)
{
    errval_t err = setup();
    if (err_is_fail(err)) {
        printf("monitor %u: cannot start: %s\n", bi->core, err_msg(err));
        return 1;
    }
    srv = (struct server){
        .ep = cap_selfep, .chans = chans, .nchans = MAX_CHANS, .handle = handle, .notify = notify};
    link_ump = (struct server_ump){.chan = &link.chan, .handle = on_message, .active = true};
    srv.umps = &link_ump;
    srv.numps = 1;
    printf("monitor: core %u of %u online, %lu MiB of RAM for its processes\n", bi->core,
           bi->core_count, mm.total >> 20);
    mon_send(&link, MON_UP, 0, bi->core, mm.total, 0, 0, 0);
    server_run(&srv);
}
