/* usr/init/procs.c: the process table: spawn, wait, kill, list, show caps, reclaim. */
#include "init.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/failpoint.h>
#include <sys/irq.h>
#include <sys/lmp.h>
#include <sys/slot.h>

static struct proc_rec procs[MAX_PROCS];
static uint64_t next_pid = MEMSERV_PID;

struct proc_rec *proc_find(uint64_t pid)
{
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        if (procs[i].used && procs[i].pid == pid)
            return &procs[i];
    }
    return NULL;
}

// A free entry, or the oldest ended one (ended processes stay listed until
// their entry is needed).
static struct proc_rec *new_entry(void)
{
    struct proc_rec *oldest = NULL;
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        struct proc_rec *p = &procs[i];
        if (!p->used)
            return p;
        if (p->state != PROC_RUNNING && !p->waiters && (!oldest || p->pid < oldest->pid))
            oldest = p;
    }
    return oldest;
}

static unsigned index_of(const struct proc_rec *p) { return (unsigned)(p - procs); }

errval_t proc_create(int argc, const char *const *argv, spawn_alloc_fn alloc, void *alloc_arg,
                     const struct proc_limits *limits, struct proc_rec **out)
{
    size_t size;
    const void *elf = module_find(argv[0], &size);
    if (!elf)
        return SPAWN_ERR_NOT_FOUND;
    struct proc_rec *p = new_entry();
    if (!p)
        return SPAWN_ERR_TOO_MANY;
    uint64_t pid = next_pid++;
    *p = (struct proc_rec){.used = true,
                           .pid = pid,
                           .state = PROC_RUNNING,
                           .limits = limits ? *limits : proc_limits_none};
    strlcpy(p->name, argv[0], sizeof(p->name));
    errval_t err = SYS_ERR_OK;
    if (!alloc) {
        alloc = mem_alloc_for;
        alloc_arg = (void *)(uintptr_t)pid;
        // mem_serv holds it to them from its first byte (its own domain's).
        if (limits)
            err = mem_set_limits(pid, limits);
    }
    if (err_is_ok(err))
        err = spawn_load(&p->sp, elf, size, argc, argv, pid, HANDLE_L1 + index_of(p), alloc,
                         alloc_arg);
    capref_t tmp = NULL_CAP;
    // Every process can reach init's services and mem_serv, as itself.
    if (err_is_ok(err))
        err = FAILPOINT(slot_alloc(&tmp));
    if (err_is_ok(err))
        err = FAILPOINT(server_bind_cap(&init_server, tmp, pid));
    if (err_is_ok(err))
        err = FAILPOINT(spawn_give(&p->sp, TASKCN_SLOT_INITEP, tmp));
    if (tmp)
        cap_destroy(tmp);
    struct proc_rec *ms = proc_find(MEMSERV_PID);
    if (err_is_ok(err) && ms && ms != p)
        err = FAILPOINT(invoke_cnode_mint(cap_root, spawn_cap(&p->sp, SPAWN_H_TASKCN),
                                          TASKCN_SLOT_MEMSERV, spawn_cap(&ms->sp, SPAWN_H_ENDPOINT),
                                          CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, RPC_BADGE_BIND | pid,
                                          0));
    if (err_is_fail(err)) {
        proc_discard(p);
        return err;
    }
    *out = p;
    return SYS_ERR_OK;
}

void proc_discard(struct proc_rec *p)
{
    // Its RAM back (and with it everything made from it, our copies and
    // its dispatcher included), the region's slot, its entry.
    mem_reclaim(p->pid);
    if (p->sp.region)
        cap_destroy(p->sp.region);
    p->used = false;
}

errval_t proc_run(struct proc_rec *p)
{
    // Tell us when it stops: a notification on our endpoint.
    capref_t note = NULL_CAP;
    errval_t err = FAILPOINT(notify_cap(cap_selfep, EXIT_NOTIFY, &note));
    if (err_is_ok(err))
        err = FAILPOINT(cap_invoke(spawn_cap(&p->sp, SPAWN_H_DISPATCHER), DispatcherCmd_NotifyExit,
                                   note, 0, 0, 0, 0, 0)
                            .err);
    if (note)
        cap_destroy(note); // the dispatcher keeps its copy
    if (err_is_ok(err))
        err = FAILPOINT(spawn_run(&p->sp));
    return err;
}

errval_t proc_start(int argc, const char *const *argv, const struct proc_limits *limits,
                    uint64_t *pid)
{
    struct proc_rec *p;
    errval_t err = proc_create(argc, argv, NULL, NULL, limits, &p);
    if (err_is_fail(err))
        return err;
    err = proc_run(p);
    if (err_is_fail(err)) {
        proc_discard(p); // it never ran: nothing of it is left
        return err;
    }
    *pid = p->pid;
    return SYS_ERR_OK;
}

// LAB 5 BEGIN ended
// The process has stopped: answer its waiters and give its memory back.
static void ended(struct proc_rec *p, enum proc_state how, uint64_t status)
{
    p->state = how;
    p->status = status;
    for (struct waiter *w = p->waiters, *next; w; w = next) {
        next = w->next;
        if (w->chan->pid == w->pid)
            err_ignore(server_reply(w->chan, &(struct server_resp){.w = {status}}),
                       "the client may have ended meanwhile: nobody is left to answer");
        free(w);
    }
    p->waiters = NULL;
    for (struct watch *w = p->watches, *next; w; w = next) {
        next = w->next;
        // (gone with its watcher: fine)
        err_ignore(lmp_send(w->note, LMP_FLAG_NOTIFY, NULL_CAP, (uint64_t[4]){0}),
                   "a notification or answer to a process that may have ended: nothing to do then");
        cap_destroy(w->note);
        free(w);
    }
    p->watches = NULL;
    broker_proc_ended(p);
    if (p->core != 0)
        return; // its monitor has reclaimed its memory
    // Reclaiming its RAM takes everything made from it, our handle CNode
    // and its copies included; only the slot of the region cap is left.
    mem_reclaim(p->pid);
    cap_destroy(p->sp.region);
    server_forget(&init_server, p->pid);
}
// LAB 5 STUB
// // The process has stopped: record how (state, status), answer its
// // waiters (server_reply with the status, to each that is still the
// // same client: w->chan->pid == w->pid), notify and drop its watches,
// // tell the broker (broker_proc_ended), and, for a process of core 0,
// // give back its memory (mem_reclaim), the slot of its region cap, and
// // its server state (server_forget). The entry stays, listed as ended.
// static void ended(struct proc_rec *p, enum proc_state how, uint64_t status)
// {
//     // LAB 5: your code here
//     static bool told;
//     if (!told)
//         printf("LAB 5: ended is not written yet (usr/init/procs.c)\n");
//     told = true;
//     p->state = how;
//     p->status = status;
// }
// LAB 5 END

void proc_remote_exited(uint64_t pid, uint64_t status)
{
    struct proc_rec *p = proc_find(pid);
    if (p && p->core != 0 && p->state == PROC_RUNNING)
        ended(p, status == DISP_EXIT_KILLED ? PROC_KILLED : PROC_EXITED, status);
}

void procs_child_exit(void)
{
    for (unsigned i = 0; i < MAX_PROCS; i++) {
        struct proc_rec *p = &procs[i];
        uint64_t state, status;
        if (!p->used || p->state != PROC_RUNNING)
            continue;
        if (err_is_ok(
                invoke_dispatcher_info(spawn_cap(&p->sp, SPAWN_H_DISPATCHER), &state, &status)) &&
            state == DISP_STATE_STOPPED)
            ended(p, status == DISP_EXIT_KILLED ? PROC_KILLED : PROC_EXITED, status);
    }
}

// ---- Requests ----

// Split buf (a NUL-terminated command line in the shared page) into argv.
// Split buf into words at spaces; -1 if there are more than max.
static int split(char *buf, const char **argv, int max)
{
    int argc = 0;
    for (char *s = strtok_r(buf, " ", &buf); s; s = strtok_r(NULL, " ", &buf)) {
        if (argc == max)
            return -1;
        argv[argc++] = s;
    }
    return argc;
}

// Spawn on another core: its monitor does it, from our module frame.
static void spawn_remote(struct server_req *req, struct server_resp *resp, unsigned core,
                         const char *line, const char *prog, const struct proc_limits *limits)
{
    capref_t module = module_cap(prog);
    struct proc_rec *p = module ? new_entry() : NULL;
    resp->err = !module ? SPAWN_ERR_NOT_FOUND : !p ? SPAWN_ERR_TOO_MANY : SYS_ERR_OK;
    if (err_is_fail(resp->err))
        return;
    *p = (struct proc_rec){.used = true,
                           .pid = next_pid++,
                           .state = PROC_RUNNING,
                           .core = core,
                           .parent = req->chan->pid,
                           .limits = *limits};
    strlcpy(p->name, prog, sizeof(p->name));
    struct requester rq = {.chan = req->chan, .pid = req->chan->pid};
    resp->err = cores_spawn(p, module, line, &rq);
    if (err_is_fail(resp->err))
        p->used = false;
    else
        resp->defer = true; // answered when the monitor has done it
}

// The limits a spawn asks for (in the shared page, or the defaults),
// never above the spawner's own.
static struct proc_limits spawn_limits(struct server_req *req)
{
    struct proc_limits l = proc_limits_default;
    if (req->a[1])
        memcpy(&l, (const char *)req->chan->buf + INIT_SPAWN_LIMITS_AT, sizeof(l));
    const struct proc_rec *parent = proc_find(req->chan->pid);
    if (parent)
        proc_limits_narrow(&l, &parent->limits);
    return l;
}

static void op_spawn(struct server_req *req, struct server_resp *resp)
{
    char line[256], copy[256];
    const char *argv[ARGS_MAX];
    if (!req->chan->buf) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    // A command line cut at either limit would run with other arguments.
    bool fits = strlcpy(line, req->chan->buf, sizeof(line)) < sizeof(line);
    strlcpy(copy, line, sizeof(copy));
    int argc = fits ? split(copy, argv, ARGS_MAX) : -1;
    uint64_t core = req->a[0], pid = 0;
    struct proc_limits limits = spawn_limits(req);
    if (argc < 0) {
        resp->err = SPAWN_ERR_ARGS;
    } else if (!argc) {
        resp->err = SYS_ERR_INVALID_ARGS;
    } else if (core != PROC_ANY_CORE && core != 0) {
        if (!core_up((unsigned)core))
            resp->err = PROC_ERR_NO_CORE;
        else
            spawn_remote(req, resp, (unsigned)core, line, argv[0], &limits);
        return;
    } else {
        resp->err = proc_start(argc, argv, &limits, &pid);
        struct proc_rec *p = err_is_ok(resp->err) ? proc_find(pid) : NULL;
        if (p)
            p->parent = req->chan->pid;
    }
    resp->w[0] = pid;
}

static void op_wait(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    if (!p) {
        resp->err = PROC_ERR_NO_SUCH;
    } else if (p->state != PROC_RUNNING) {
        resp->w[0] = p->status;
    } else {
        struct waiter *w = malloc(sizeof(*w));
        if (!w) {
            resp->err = SYS_ERR_NO_MEMORY;
            return;
        }
        *w = (struct waiter){req->chan, req->chan->pid, p->waiters};
        p->waiters = w;
        resp->defer = true;
    }
}

static void op_status(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    if (!p) {
        resp->err = PROC_ERR_NO_SUCH;
        return;
    }
    resp->w[0] = p->state;
    resp->w[1] = p->status;
    resp->w[2] = p->core;
}

static void op_watch(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    struct cap_info ci;
    resp->err = !p || p->state != PROC_RUNNING ? PROC_ERR_NO_SUCH
                : !req->cap                    ? SYS_ERR_INVALID_ARGS
                                               : cap_identify(req->cap, &ci);
    if (err_is_ok(resp->err) && ci.type != ObjType_Endpoint)
        resp->err = CAP_ERR_WRONG_TYPE;
    struct watch *w = err_is_ok(resp->err) ? malloc(sizeof(*w)) : NULL;
    if (err_is_ok(resp->err) && !w)
        resp->err = SYS_ERR_NO_MEMORY;
    if (err_is_fail(resp->err))
        return;
    *w = (struct watch){req->cap, p->watches};
    p->watches = w;
    req->cap = NULL_CAP;                   // ours now
    proc_limits_pack(&p->limits, resp->w); // what the watcher, a server, enforces
}

static void op_limits(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    if (!p)
        resp->err = PROC_ERR_NO_SUCH;
    else
        proc_limits_pack(&p->limits, resp->w);
}

void procs_client_limits(struct server *s, uint64_t pid, struct proc_limits *out)
{
    (void)s;
    const struct proc_rec *p = proc_find(pid);
    *out = p ? p->limits : proc_limits_none;
}

bool procs_trusted(uint64_t pid)
{
    const struct proc_rec *p = proc_find(pid);
    return pid == 0 || (p && p->trusted);
}

// LAB 5 BEGIN op_kill
// May who end p? A trusted process may end any; any other only the
// processes it spawned, and theirs (an ancestor: parents are older, and
// pids are never reused, so the walk ends).
static bool may_end(uint64_t who, const struct proc_rec *p)
{
    if (procs_trusted(who))
        return true;
    for (unsigned depth = 0; p && depth < MAX_PROCS; depth++) {
        if (p->parent == who)
            return true;
        p = p->parent ? proc_find(p->parent) : NULL;
    }
    return false;
}

static void op_kill(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    if (req->a[0] == 0) // init itself: not in its table, but listed (op_list)
        resp->err = PROC_ERR_PROTECTED;
    else if (!p || p->state != PROC_RUNNING)
        resp->err = PROC_ERR_NO_SUCH;
    else if (p->pid <= MEMSERV_PID || p->pid == req->chan->pid || p->system)
        resp->err = PROC_ERR_PROTECTED;
    else if (!may_end(req->chan->pid, p))
        resp->err = PROC_ERR_DENIED;
    else if (p->core != 0) {
        struct requester rq = {.chan = req->chan, .pid = req->chan->pid};
        resp->err = cores_kill(p, &rq);
        resp->defer = err_is_ok(resp->err);
    } else
        resp->err = invoke_dispatcher_stop(spawn_cap(&p->sp, SPAWN_H_DISPATCHER));
    // The exit notification follows and does the rest.
}
// LAB 5 STUB
// // INIT_PROC_KILL: end process a[0] for the client req->chan->pid. The
// // errors are the contract (docs/labs/lab5.md): PROC_ERR_PROTECTED for
// // init (pid 0), mem_serv and below, a system process, or the caller
// // itself; PROC_ERR_NO_SUCH for a pid not running; PROC_ERR_DENIED unless
// // the caller is trusted (procs_trusted) or an ancestor of the process.
// // On core 0 stop its dispatcher; the exit notification then calls
// // ended(). On another core ask its monitor (cores_kill) and answer
// // later (resp->defer).
// static void op_kill(struct server_req *req, struct server_resp *resp)
// {
//     // LAB 5: your code here
//     (void)req;
//     printf("LAB 5: op_kill is not written yet (usr/init/procs.c)\n");
//     resp->err = SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 5 END

static void op_list(struct server_req *req, struct server_resp *resp)
{
    struct proc_info *out = req->chan->buf;
    unsigned n = 0;
    if (out) // init itself: pid 0, its own pool rather than mem_serv's RAM
        out[n++] = (struct proc_info){.pid = 0, .state = PROC_RUNNING, .name = "init"};
    for (unsigned i = 0; i < MAX_PROCS && n < PROC_LIST_MAX && out; i++) {
        const struct proc_rec *p = &procs[i];
        if (!p->used)
            continue;
        out[n] = (struct proc_info){
            .pid = p->pid, .state = p->state, .core = p->core, .status = p->status};
        out[n].mem = p->state == PROC_RUNNING && p->core == 0 ? mem_usage(p->pid) : 0;
        strlcpy(out[n].name, p->name, sizeof(out[n].name));
        n++;
    }
    resp->w[0] = n;
}

static const char *const type_names[] = {
#define X(name) #name,
    CAP_TYPES(X)
#undef X
};

// One line for the cap at ref in p's CSpace; false if the slot is empty.
static bool cap_line(const struct proc_rec *p, capref_t ref, char *out, size_t size)
{
    struct cap_info ci;
    if (err_is_fail(invoke_cnode_identify(spawn_cap(&p->sp, SPAWN_H_ROOT), ref, &ci)))
        return false;
    uint32_t a = CAPREF_ADDR(ref);
    const char *t = ci.type < ObjType_Num ? type_names[ci.type] : "?";
    char r[5] = {ci.rights & CAP_RIGHT_READ ? 'r' : '-', ci.rights & CAP_RIGHT_WRITE ? 'w' : '-',
                 ci.rights & CAP_RIGHT_EXECUTE ? 'x' : '-', ci.rights & CAP_RIGHT_GRANT ? 'g' : '-',
                 0};
    snprintf(out, size, "  %3u.%-3u %-11s %s base %#lx size %#lx\n", CAPADDR_L1(a), CAPADDR_L2(a),
             t, r, ci.base, ci.bytes);
    return true;
}

// The caps of a process, from slot `first` (L1 * 256 + L2) on, as text
// lines in the shared page; w0 = lines, w1 = where to go on (0: done).
static void op_caps(struct server_req *req, struct server_resp *resp)
{
    struct proc_rec *p = proc_find(req->a[0]);
    char *buf = req->chan->buf;
    if (!buf) {
        resp->err = SYS_ERR_INVALID_ARGS;
        return;
    }
    if (!p || p->state != PROC_RUNNING || p->core != 0) {
        resp->err = p && p->core ? SYS_ERR_NOT_IMPLEMENTED : PROC_ERR_NO_SUCH;
        return;
    }
    size_t used = 0;
    uint64_t lines = 0;
    buf[0] = 0;
    for (uint64_t i = req->a[1]; i < (uint64_t)INIT_L1_SLOTS * L2_CNODE_SLOTS; i++) {
        uint32_t l1 = (uint32_t)(i / L2_CNODE_SLOTS), l2 = (uint32_t)(i % L2_CNODE_SLOTS);
        struct cap_info ci;
        if (l2 == 0 &&
            err_is_fail(invoke_cnode_identify(spawn_cap(&p->sp, SPAWN_H_ROOT), cap_l1(l1), &ci))) {
            i += L2_CNODE_SLOTS - 1; // no CNode in this L1 slot
            continue;
        }
        char line[96];
        if (!cap_line(p, cap_at(l1, l2), line, sizeof(line)))
            continue;
        if (used + strlen(line) + 1 > RPC_BUF_SIZE) {
            resp->w[1] = i;
            break;
        }
        strcpy(buf + used, line);
        used += strlen(line);
        lines++;
    }
    resp->w[0] = lines;
}

void procs_handle(struct server_req *req, struct server_resp *resp)
{
    switch (req->op) {
    case INIT_PROC_SPAWN: op_spawn(req, resp); break;
    case INIT_PROC_WAIT: op_wait(req, resp); break;
    case INIT_PROC_KILL: op_kill(req, resp); break;
    case INIT_PROC_LIST: op_list(req, resp); break;
    case INIT_PROC_CAPS: op_caps(req, resp); break;
    case INIT_PROC_STATUS: op_status(req, resp); break;
    case INIT_PROC_WATCH: op_watch(req, resp); break;
    case INIT_PROC_LIMITS: op_limits(req, resp); break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
}
