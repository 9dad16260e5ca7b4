/*
 * usr/mem_serv/main.c: mem_serv, the RAM server.
 *
 * init hands it the machine's free RAM (as RAM caps in TASKCN_SLOT_EXTRA0..2)
 * and binds to it first. Every client binds through a cap badged with its
 * pid, so every byte is charged to a process: a process gets RAM caps
 * (MEMSERV_ALLOC), gives them back (MEMSERV_FREE), and when it ends, init
 * asks for everything charged to it back (MEMSERV_FREE_ALL): revoking our
 * copy of each RAM cap removes every cap and object made from it on this
 * core. If some were sent to other cores, the memory is held until init has
 * revoked them there too (MEMSERV_HELD, MEMSERV_RELEASE_HELD). init tells
 * us a new process's limits on memory and channels before charging it
 * anything (MEMSERV_SET_LIMITS): an allocation past its memory limit is
 * refused with LIMIT_ERR_MEMORY. mem_serv's own heap comes from a pool of
 * its own, apart from the memory it manages.
 */
#include <stdio.h>
#include <sys/capops.h>
#include <sys/memserv.h>
#include <sys/mm.h>
#include <sys/ram.h>
#include <sys/server.h>
#include <sys/slot.h>

#define SELF_POOL  (8u << 20) // our own heap, page tables and CNodes
#define MAX_CHANS  128
#define INIT_PID   0
#define MAX_LIMITS 128 // processes with limits at once (init's table holds 64)

static struct mm mm;
static struct server_chan chans[MAX_CHANS];

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

// ---- Limits: init sets them before it charges a new process anything ----

struct pid_limits {
    uint64_t pid; // 0: a free entry (init has no limits)
    struct proc_limits l;
};
static struct pid_limits limits[MAX_LIMITS];

static struct pid_limits *limits_of(uint64_t pid)
{
    for (unsigned i = 0; i < MAX_LIMITS && pid; i++) {
        if (limits[i].pid == pid)
            return &limits[i];
    }
    return NULL;
}

static MUST_CHECK errval_t set_limits(uint64_t pid, uint64_t mem, uint64_t nchans)
{
    struct pid_limits *e = limits_of(pid);
    for (unsigned i = 0; i < MAX_LIMITS && !e && pid; i++)
        e = limits[i].pid ? NULL : &limits[i];
    if (!e)
        return pid ? SYS_ERR_NO_MEMORY : MM_ERR_DENIED;
    *e = (struct pid_limits){pid, proc_limits_none};
    e->l.max[LIMIT_MEM] = mem;
    e->l.max[LIMIT_CHANS] = nchans;
    return SYS_ERR_OK;
}

static void forget_limits(uint64_t pid)
{
    struct pid_limits *e = limits_of(pid);
    if (e)
        e->pid = 0;
}

// The server library's hook: a new client's limits (channels).
static void client_limits(struct server *s, uint64_t pid, struct proc_limits *out)
{
    (void)s;
    const struct pid_limits *e = limits_of(pid);
    *out = e ? e->l : proc_limits_none;
}

// ---- Requests ----

static void op_alloc(uint64_t pid, uint64_t bytes, uint64_t align, struct server_resp *resp)
{
    bytes = (bytes + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
    capref_t cap;
    const struct pid_limits *e = limits_of(pid);
    resp->err = e ? limit_check(&e->l, LIMIT_MEM, mm_usage(&mm, pid), bytes) : SYS_ERR_OK;
    if (err_is_ok(resp->err))
        resp->err = mm_alloc(&mm, pid, bytes, align ? align : OBJSIZE_PAGE, &cap);
    if (err_is_ok(resp->err))
        resp->cap = cap; // a copy goes out; ours stays to revoke it later
}

static void op_free(struct server_req *req, struct server_resp *resp)
{
    struct cap_info info;
    resp->err = req->cap ? cap_identify(req->cap, &info) : SYS_ERR_INVALID_ARGS;
    if (err_is_ok(resp->err) && info.type != ObjType_RAM)
        resp->err = MM_ERR_NOT_RAM;
    if (err_is_ok(resp->err))
        resp->err = mm_free(&mm, req->chan->pid, info.base);
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    uint64_t pid = req->chan->pid;
    bool init = pid == INIT_PID;
    switch (req->op) {
    case MEMSERV_ALLOC: op_alloc(pid, req->a[0], req->a[1], resp); break;
    case MEMSERV_FREE: op_free(req, resp); break;
    case MEMSERV_STATS:
        resp->w[0] = mm.total;
        resp->w[1] = mm.free;
        resp->w[2] = mm_usage(&mm, pid);
        break;
    case MEMSERV_ALLOC_FOR:
        if (!init)
            resp->err = MM_ERR_DENIED;
        else
            op_alloc(req->a[0], req->a[1], req->a[2], resp);
        break;
    case MEMSERV_FREE_ALL:
        if (!init)
            resp->err = MM_ERR_DENIED;
        else {
            resp->w[0] = mm_free_all(&mm, req->a[0]);
            server_forget(s, req->a[0]);
            forget_limits(req->a[0]);
        }
        break;
    case MEMSERV_USAGE: resp->w[0] = mm_usage(&mm, req->a[0]); break;
    case MEMSERV_HELD: {
        struct mm_alloc a;
        if (!init) {
            resp->err = MM_ERR_DENIED;
        } else if (mm_next_held(&mm, &a)) {
            resp->w[0] = 1;
            resp->w[1] = a.base;
            resp->w[2] = a.bytes;
            resp->cap = a.cap; // a copy, for init to unexport once revoked
        }
        break;
    }
    case MEMSERV_EXPORTED:
        resp->err = init ? mm_mark_exported(&mm, req->a[0]) : MM_ERR_DENIED;
        break;
    case MEMSERV_SET_LIMITS:
        resp->err = init ? set_limits(req->a[0], req->a[1], req->a[2]) : MM_ERR_DENIED;
        break;
    case MEMSERV_RELEASE_HELD:
        resp->err = init ? mm_release_held(&mm, req->a[0]) : MM_ERR_DENIED;
        break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    // Our own pool comes out of the first region, before it is managed.
    capref_t first = cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA0);
    struct cap_info info;
    errval_t err = cap_identify(first, &info);
    if (err_is_ok(err) && info.bytes <= SELF_POOL)
        err = MM_ERR_NO_MEMORY;
    capref_t rest = NULL_CAP;
    if (err_is_ok(err))
        err = slot_alloc(&self_pool); // from ALLOC0, no memory needed
    if (err_is_ok(err))
        err = cap_retype(self_pool, first, ObjType_RAM, 0, SELF_POOL, 1);
    if (err_is_ok(err))
        err = slot_alloc(&rest);
    if (err_is_ok(err))
        err = cap_retype(rest, first, ObjType_RAM, SELF_POOL, info.bytes - SELF_POOL, 1);
    if (err_is_fail(err)) {
        printf("mem_serv: cannot take its own pool: %s\n", err_msg(err));
        return 1;
    }
    ram_set_source(&(struct ram_source){self_alloc, self_free, NULL});
    err_ignore(mm_add(&mm, rest), "memory that cannot be added is simply not handed out");
    for (uint32_t s = TASKCN_SLOT_EXTRA1; s <= TASKCN_SLOT_EXTRA2; s++) {
        capref_t more = cap_at(ROOTCN_SLOT_TASKCN, s);
        if (err_is_ok(cap_identify(more, &info)))
            err_ignore(mm_add(&mm, more), "memory that cannot be added is simply not handed out");
    }
    printf("mem_serv: managing %lu MiB in %u regions\n", mm.total >> 20, mm.nregions);
    static struct server srv = {
        .chans = chans, .nchans = MAX_CHANS, .handle = handle, .client_limits = client_limits};
    srv.ep = cap_selfep;
    server_run(&srv);
}
