/*
 * usr/shell/limits.c: per-process limits in the shell: `limits`, each running
 * process's limits beside what it holds (from init, mem_serv and every
 * server that hands something out).
 */
#include "shell.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>

// The servers `limits` asks what each process holds, and which of their
// RPC_OP_USAGE answers is which resource.
static const struct {
    const char *name;
    enum limit_res held[2]; // LIMIT_COUNT: nothing
} servers[] = {
    {"devmgr", {LIMIT_DOMAINS, LIMIT_VECTORS}}, {"netctl", {LIMIT_VNICS, LIMIT_COUNT}},
    {"storctl", {LIMIT_VSICS, LIMIT_COUNT}},    {"netd", {LIMIT_COUNT, LIMIT_COUNT}},
    {"stord", {LIMIT_COUNT, LIMIT_COUNT}},
};
#define NSERVERS (sizeof(servers) / sizeof(servers[0]))

// Our channels to the servers that are running (bound NULL: not running).
struct chans {
    struct rpc_chan own[NSERVERS];
    bool bound[NSERVERS];
};

static void open_servers(struct chans *c)
{
    for (unsigned i = 0; i < NSERVERS; i++) {
        capref_t bind;
        c->bound[i] = err_is_ok(name_lookup(servers[i].name, &bind));
        if (!c->bound[i])
            continue;
        c->bound[i] = err_is_ok(rpc_bind(&c->own[i], bind, NULL_CAP));
        cap_destroy(bind);
    }
}

static void close_servers(struct chans *c)
{
    for (unsigned i = 0; i < NSERVERS; i++) {
        if (c->bound[i])
            // (a server that ended has closed it)
            err_ignore(rpc_close(&c->own[i]),
                       "closing a channel we abandon: the server closes it when we end");
    }
}

// What pid holds: use[r] per resource; channels: the most at any server.
static void usage_of(struct chans *c, const struct proc_info *p, uint64_t use[LIMIT_COUNT])
{
    errval_t err;
    uint64_t u[3];
    memset(use, 0, LIMIT_COUNT * sizeof(*use));
    use[LIMIT_MEM] = p->mem;
    struct rpc_chan *base[2] = {initsvc_chan(&err), memserv_chan(&err)};
    for (unsigned i = 0; i < 2; i++) {
        if (err_is_ok(rpc_usage(base[i], p->pid, u)) && u[0] > use[LIMIT_CHANS])
            use[LIMIT_CHANS] = u[0];
    }
    for (unsigned i = 0; i < NSERVERS; i++) {
        if (!c->bound[i] || err_is_fail(rpc_usage(&c->own[i], p->pid, u)))
            continue;
        use[LIMIT_CHANS] = u[0] > use[LIMIT_CHANS] ? u[0] : use[LIMIT_CHANS];
        for (unsigned k = 0; k < 2; k++) {
            if (servers[i].held[k] != LIMIT_COUNT)
                use[servers[i].held[k]] = u[1 + k];
        }
    }
}

static void print_limits(const struct proc_info *p, const uint64_t use[LIMIT_COUNT],
                         const struct proc_limits *l)
{
    static const int width[LIMIT_COUNT] = {14, 8, 8, 6, 6, 6};
    printf("%5lu %-10s", p->pid, p->name);
    for (unsigned r = 0; r < LIMIT_COUNT; r++) {
        char u[24], m[24], both[48];
        limit_format(r, use[r], u, sizeof(u));
        limit_format(r, l->max[r], m, sizeof(m));
        snprintf(both, sizeof(both), "%s/%s", r == LIMIT_MEM && p->core ? "-" : u, m);
        printf(" %-*s", r + 1 < LIMIT_COUNT ? width[r] : 0, both);
    }
    printf("\n");
}

int cmd_limits(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        printf("usage: limits\n");
        return 1;
    }
    static struct proc_info procs[PROC_LIST_MAX];
    static struct chans c;
    unsigned n;
    errval_t err = proc_list(procs, PROC_LIST_MAX, &n);
    if (err_is_fail(err)) {
        printf("limits: %s\n", err_msg(err_root(err)));
        return 1;
    }
    open_servers(&c);
    printf("  PID NAME       MEM (used/max) DOMAINS  VECTORS  VNICS  VSICS  CHANS\n");
    for (unsigned i = 0; i < n; i++) {
        struct proc_limits l = proc_limits_none; // init (pid 0) is not in its table
        uint64_t use[LIMIT_COUNT];
        if (procs[i].state != PROC_RUNNING ||
            (procs[i].pid && err_is_fail(proc_limits(procs[i].pid, &l))))
            continue;
        usage_of(&c, &procs[i], use);
        print_limits(&procs[i], use, &l);
    }
    close_servers(&c);
    return 0;
}
