/*
 * usr/stord/main.c: stord, the kernel-mediated storage path for
 * experiments (os/stord.h, docs/vsic.md): a server that owns a VSIC, as
 * any application gets one from storctl, and serves each client's VSA
 * over IPC: a read or write of at most one page of blocks per call, the
 * data copied between the channel's shared page and the VSA's block
 * device. Clients that end lose their VSA (stord releases it).
 */
#include <os/stord.h>
#include <os/vsic.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/irq.h>
#include <sys/server.h>
#include <sys/slot.h>

#define WATCH_BIT (1ull << 1)
#define MAX_CHANS 16

static struct vsic *vsic;

static MUST_CHECK errval_t watch(uint64_t pid)
{
    capref_t note;
    errval_t err = notify_cap(cap_selfep, WATCH_BIT, &note);
    if (err_is_ok(err)) {
        err = proc_watch(pid, note);
        cap_destroy(note);
    }
    return err;
}

static void op_open(struct server_req *req, struct server_resp *resp)
{
    struct vsa *a = NULL;
    char name[STORCTL_VSA_NAME];
    if (req->chan->user || !req->chan->buf) {
        resp->err = req->chan->user ? SYS_ERR_BUSY : SYS_ERR_INVALID_ARGS;
        return;
    }
    memcpy(name, req->chan->buf, sizeof(name));
    name[sizeof(name) - 1] = 0;
    resp->err = watch(req->chan->pid);
    if (err_is_ok(resp->err))
        resp->err = vsa_open(vsic, name, &a);
    if (err_is_fail(resp->err))
        return;
    req->chan->user = a;
    resp->w[0] = a->dev.block_size;
    resp->w[1] = a->dev.blocks;
    resp->w[2] = a->ns.nsid;
    printf("stord: VSA '%s' (namespace %u) for pid %lu\n", name, a->ns.nsid, req->chan->pid);
}

// (block, count) of a read or write: inside the VSA, at most a page.
static struct vsa *io_args(struct server_req *req, struct server_resp *resp)
{
    struct vsa *a = req->chan->user;
    uint64_t block = req->a[0], count = req->a[1];
    if (!a)
        resp->err = STORD_ERR_NOT_OPEN;
    else if (!count || count * a->dev.block_size > RPC_BUF_SIZE)
        resp->err = STORD_ERR_TOO_BIG;
    else if (block >= a->dev.blocks || count > a->dev.blocks - block)
        resp->err = SYS_ERR_INVALID_ARGS;
    return err_is_ok(resp->err) ? a : NULL;
}

// A channel closes (STORD_CLOSE, or the server library as its client
// ends): its VSA goes back.
static void close_chan(struct server *s, struct server_chan *c)
{
    (void)s;
    struct vsa *a = c->user;
    if (a) {
        errval_t err = vsa_close(a);
        if (err_is_fail(err))
            printf("stord: releasing a VSA: %s\n", err_msg(err));
    }
    c->user = NULL;
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    struct vsa *a;
    switch (req->op) {
    case STORD_OPEN: op_open(req, resp); break;
    case STORD_READ:
        if ((a = io_args(req, resp)))
            resp->err = a->dev.read(a->dev.arg, req->a[0], (uint32_t)req->a[1], req->chan->buf);
        break;
    case STORD_WRITE:
        if ((a = io_args(req, resp)))
            resp->err = a->dev.write(a->dev.arg, req->a[0], (uint32_t)req->a[1], req->chan->buf);
        break;
    case STORD_FLUSH:
        a = req->chan->user;
        resp->err = a ? a->dev.flush(a->dev.arg) : STORD_ERR_NOT_OPEN;
        break;
    case STORD_CLOSE:
        resp->err = req->chan->user ? SYS_ERR_OK : STORD_ERR_NOT_OPEN;
        close_chan(s, req->chan);
        break;
    default: resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
    if (req->cap)
        cap_destroy(req->cap);
}

// A client ended: its VSA goes back, its channel closes.
static void notify(struct server *s, uint64_t bits)
{
    if (!(bits & WATCH_BIT))
        return;
    for (unsigned i = 0; i < s->nchans; i++) {
        struct server_chan *c = &s->chans[i];
        uint32_t state;
        uint64_t status, pid = c->pid;
        if (!c->used || (err_is_ok(proc_status(pid, &state, &status)) && state == PROC_RUNNING))
            continue;          // (an error: init has forgotten it, so it ended)
        server_forget(s, pid); // (close_chan as each closes)
    }
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        printf("usage: stord (then clients open VSAs through it: logapp <vsa> --stord ...)\n");
        return 1;
    }
    errval_t err = vsic_open(&vsic);
    if (err_is_fail(err)) {
        printf("stord: cannot get a VSIC: %s\n", err_msg(err));
        return 1;
    }
    static struct server_chan chans[MAX_CHANS];
    static struct server srv = {.chans = chans,
                                .nchans = MAX_CHANS,
                                .handle = handle,
                                .notify = notify,
                                .watch_clients = true,
                                .chan_closing = close_chan};
    srv.ep = cap_selfep;
    err = name_register(STORD_NAME, cap_selfep);
    if (err_is_fail(err)) {
        printf("stord: cannot register its name: %s\n", err_msg(err));
        return 1;
    }
    printf("stord: serving VSAs on VSIC %u (controller %u)\n", vsic->info.id, vsic->info.cntlid);
    server_run(&srv);
}
