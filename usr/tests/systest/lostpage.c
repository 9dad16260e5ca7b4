/*
 * usr/tests/systest/lostpage.c: a client's shared page taken away under the
 * server (`systest lostpage`): the server library's fault handler.
 *
 * We serve three children in turn. `systest pageclient` binds, shares a
 * page, has us answer through it and closes, as a client should. `systest
 * lostclient` binds two channels, shares a page on each, and asks on the
 * second for OP_KILLME: our handler kills it and waits until init has
 * taken its memory back, and with it our copies of both pages (their slots
 * are empty: the revoke came first), then reads and writes both pages, as
 * a server answering late does. Each access faults; the library maps its
 * scratch page there and marks the channel lost, and we go on. The loop
 * then closes both channels without an answer, and gives back what they
 * held. A second `systest pageclient` is served as the first was, in a
 * page at the addresses a lost one had. Without the library's handler the
 * first write ends this program with a page fault (status 139).
 */
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/server.h>
#include <sys/slot.h>
#include <sys/sys.h>

#include "systest.h"

#define LOST_NAME   "systest.lostpage"
#define OP_ECHO     1 // page[1] = page[0] + 1
#define OP_KILLME   2 // the client is killed before we touch its pages
#define WORDS       (RPC_BUF_SIZE / 8)
#define PATTERN     0x5a5a0000a5a5ull
#define STEP_US     100000    // a step of the loop waits at most this long
#define DEADLINE_US 30000000u // for one client's whole visit

static struct server_chan chans[4];
static uint64_t *echo_page;  // where the last OP_ECHO found its page
static uint64_t *lost_at[2]; // the two lost pages' addresses
static bool killed;          // OP_KILLME has been handled
// Before the kill, with both lost channels open: free slots, our RAM.
static unsigned slots_before;
static uint64_t mine_before;

static uint64_t step_us(struct server *s)
{
    (void)s;
    return STEP_US;
}

// The other channel of c's client (its first).
static struct server_chan *other_chan(struct server *s, struct server_chan *c)
{
    for (unsigned i = 0; i < s->nchans; i++) {
        if (s->chans[i].used && s->chans[i].pid == c->pid && &s->chans[i] != c)
            return &s->chans[i];
    }
    return NULL;
}

// Whether the frame cap in slot is gone (its memory was taken back).
static bool frame_gone(capref_t slot)
{
    struct cap_info info;
    errval_t err = cap_identify(slot, &info);
    return err_is_fail(err) || info.type == ObjType_Null;
}

// Read a lost page (the scratch page, zeroed for it), fill it and read it
// back: how many words were not as expected.
static unsigned touch(volatile uint64_t *page)
{
    unsigned bad = page[0] != 0;
    for (unsigned i = 0; i < WORDS; i++)
        page[i] = PATTERN + i;
    for (unsigned i = 0; i < WORDS; i++)
        bad += page[i] != PATTERN + i;
    return bad;
}

// OP_KILLME on b: kill the client, wait for its memory to go, then write
// into both its pages.
static void kill_and_write(struct server *s, struct server_chan *b)
{
    struct server_chan *a = other_chan(s, b);
    uint64_t total, free, status = 0;
    errval_t err = a ? memserv_stats(&total, &free, &mine_before) : SYS_ERR_NOT_FOUND;
    slots_before = slot_free_count();
    if (err_is_ok(err))
        err = proc_kill(b->pid);
    if (err_is_ok(err))
        err = proc_wait(b->pid, &status); // answered once its memory is back
    bool gone = err_is_ok(err) && frame_gone(a->buf_frame) && frame_gone(b->buf_frame);
    unsigned bad = 0;
    if (gone) {
        lost_at[0] = a->buf;
        lost_at[1] = b->buf;
        bad = touch(a->buf) + touch(b->buf);
    }
    errval_t refused = a ? server_reply(a, &(struct server_resp){0}) : SYS_ERR_NOT_FOUND;
    report("lostpage.written_after_revoke",
           gone && !bad && a->lost && b->lost && s->lost_open == 2 &&
               err_has(refused, RPC_ERR_PAGE_LOST) && status == DISP_EXIT_KILLED,
           "%s, status %#lx; pages gone first %d; %u words wrong; lost %d %d (%u); an answer: %s",
           err_name(err), status, gone, bad, a && a->lost, b->lost, s->lost_open,
           err_name(refused));
    killed = true; // (what the channels held goes as the loop closes them)
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    uint64_t *page = req->chan->buf;
    if (!page) {
        resp->err = SYS_ERR_INVALID_ARGS;
    } else if (req->op == OP_ECHO) {
        page[1] = page[0] + 1;
        echo_page = page;
    } else if (req->op == OP_KILLME) {
        kill_and_write(s, req->chan);
    } else {
        resp->err = SYS_ERR_ILLEGAL_INVOCATION;
    }
}

// Serve until the client has ended (or *flag is set); its status.
static MUST_CHECK errval_t serve(struct server *s, uint64_t pid, const bool *flag, uint64_t *status)
{
    uint64_t end = sys_clock_us() + DEADLINE_US;
    uint32_t state = PROC_RUNNING;
    errval_t err = SYS_ERR_OK;
    while (err_is_ok(err) && state == PROC_RUNNING && !(flag && *flag)) {
        if (sys_clock_us() > end)
            return SYS_ERR_TIMEOUT;
        server_step(s);
        err = proc_status(pid, &state, status);
    }
    return err;
}

// A well-behaved client's visit: it ran and ended well, its page was at.
static MUST_CHECK errval_t visit(struct server *s, uint64_t **page)
{
    uint64_t pid = 0, status = 1;
    echo_page = NULL;
    errval_t err = proc_spawn("systest pageclient", &pid);
    if (err_is_ok(err))
        err = serve(s, pid, NULL, &status);
    if (err_is_ok(err))
        err = proc_wait(pid, &status);
    *page = echo_page;
    return err_is_ok(err) && status != 0 ? SYS_ERR_INVALID_ARGS : err;
}

void test_lostpage(void)
{
    static struct server srv = {.chans = chans, .nchans = 4, .handle = handle, .sleep_us = step_us};
    srv.ep = cap_selfep;
    uint64_t *page = NULL, pid = 0, status = 0, total, free, mine0 = 0, mine1 = 1;
    unsigned slots1 = 0;
    errval_t err = name_register(LOST_NAME, cap_selfep);
    if (err_is_ok(err)) // (also makes the scratch page: the first page shared)
        err = visit(&srv, &page);
    if (err_is_ok(err))
        err = proc_spawn("systest lostclient", &pid);
    if (err_is_ok(err))
        err = serve(&srv, pid, &killed, &status);
    if (err_is_ok(err) && !killed)
        err = SYS_ERR_NOT_FOUND;
    if (err_is_ok(err)) {
        slots1 = slot_free_count();
        err = memserv_stats(&total, &free, &mine0);
    }
    // Four slots come back: each channel's reply cap and frame slot (which
    // held the scratch page's copy at the end); no memory came or went.
    report("lostpage.closed",
           err_is_ok(err) && server_clients(&srv) == 0 && srv.lost == 2 && !srv.lost_open &&
               slots1 == slots_before + 4 && mine0 == mine_before,
           "%s; channels open %u, closed lost %lu (%u still lost); free slots %u then %u; RAM "
           "%lu then %lu",
           err_name(err), server_clients(&srv), srv.lost, srv.lost_open, slots_before, slots1,
           mine_before, mine0);
    if (err_is_ok(err))
        err = visit(&srv, &page);
    err_ignore(memserv_stats(&total, &free, &mine1),
               "mine1 stays 1: the check that reads it fails");
    bool reused = page && (page == lost_at[0] || page == lost_at[1]);
    report("lostpage.serves_on",
           err_is_ok(err) && reused && slot_free_count() == slots1 && mine1 == mine0 &&
               server_clients(&srv) == 0,
           "%s; its page at %p (lost ones at %p, %p); free slots %u then %u, RAM %lu then %lu",
           err_name(err), (void *)page, (void *)lost_at[0], (void *)lost_at[1], slots1,
           slot_free_count(), mine0, mine1);
}

// A client: bind, share a page, one echo through it; the channel.
static MUST_CHECK errval_t open_echo(struct rpc_chan *c, capref_t bind)
{
    struct rpc_result r = {0};
    errval_t err = rpc_bind(c, bind, NULL_CAP);
    if (err_is_ok(err))
        err = rpc_share(c);
    if (err_is_ok(err)) {
        ((uint64_t *)c->buf)[0] = 41;
        err = rpc_call(c, OP_ECHO, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    }
    if (err_is_ok(err))
        err = r.err;
    if (err_is_ok(err) && ((uint64_t *)c->buf)[1] != 42)
        err = SYS_ERR_INVALID_ARGS;
    return err;
}

int lostpage_client(bool lose)
{
    capref_t bind;
    struct rpc_chan a, b;
    struct rpc_result r = {0};
    errval_t err = name_lookup(LOST_NAME, &bind);
    if (err_is_ok(err))
        err = open_echo(&a, bind);
    if (err_is_ok(err) && !lose)
        err = rpc_close(&a);
    if (err_is_ok(err) && lose)
        err = open_echo(&b, bind);
    if (err_is_ok(err) && lose) // killed while we wait
        err = rpc_call(&b, OP_KILLME, 0, 0, 0, NULL_CAP, NULL_CAP, &r);
    if (err_is_fail(err) || lose)
        printf("systest %s: %s\n", lose ? "lostclient" : "pageclient",
               lose && err_is_ok(err) ? "answered, but should have been killed" : err_msg(err));
    return err_is_ok(err) && !lose ? 0 : 1;
}
