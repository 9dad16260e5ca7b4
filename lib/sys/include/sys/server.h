/*
 * lib/sys/include/sys/server.h: the server side of RPC channels: one loop
 * receiving on the server's endpoint and dispatching by badge.
 *
 * A client's channel lasts until the server forgets it: server_forget, or,
 * in a server with watch_clients set, by itself when the client ends (the
 * library asks init to watch every client it binds, and on the signal
 * closes the channels of every client that ended, after the server's
 * client_ended hook has taken back what else it held), or when an answer
 * finds the client's reply endpoint gone (it gave up on a call that timed
 * out). A bind when every channel is in use is answered with
 * RPC_ERR_SERVER_FULL, never left waiting.
 *
 * Each channel carries its client's limits (sys/limits.h): a watching
 * server has them from init's answer to the watch, any other from its
 * client_limits hook. A bind past the client's LIMIT_CHANS channels to
 * this server is answered with LIMIT_ERR_CHANNELS; the server's handlers
 * check the rest against req->chan->limits.
 *
 * A client's shared page (RPC_OP_SHARE) is its memory: it goes when the
 * client ends or gives it back, and the server's mapping with it, possibly
 * while the server is in the middle of the client's request, or before
 * it hears that the client ended; the server's next access to it faults.
 * The library takes that fault (sys/exception.h): the access lands in a
 * zeroed scratch page of the server's own (made as server_run starts, or
 * at the first page shared), the channel is marked lost, and the faulting
 * instruction runs on. The loop closes a lost channel before it next
 * sends or receives, with no answer sent (server_reply refuses one:
 * RPC_ERR_PAGE_LOST), so a handler may go on writing into req->chan->buf
 * whatever happens to the client; what it reads there once the page is
 * lost is zeros or its own writes.
 */
#pragma once

#include <sys/limits.h>
#include <sys/rpc.h>
#include <sys/ump.h>

struct server;

// One bound client.
struct server_chan {
    bool used;
    uint64_t pid;   // from the badge of the bind cap it bound through
    capref_t reply; // send cap to the client's reply endpoint
    void *buf;      // the page shared with RPC_OP_SHARE, or NULL
    capref_t buf_frame;
    void *user;                // the server's own per-channel state
    struct proc_limits limits; // the client's (the same on all its channels)
    unsigned failpoint;        // RPC_OP_FAILPOINT: the step of its next request to fail
    bool lost; // its page went away: the scratch page is mapped at buf (closed by the loop)
};

// A request as the handler sees it.
struct server_req {
    struct server_chan *chan;
    uint64_t op;
    uint64_t a[3];
    capref_t cap; // a received cap (the handler owns it), or NULL_CAP
};

// The handler's answer. With defer set, nothing is sent now: the server
// answers later with server_reply (e.g. a wait for a process to exit).
struct server_resp {
    errval_t err;
    uint64_t w[3];
    capref_t cap;  // a cap to send back (copied; the server keeps its own...)
    bool cap_drop; // ...unless this is set: then its slot is freed after sending
    bool defer;
};

struct server_ump;

// The notification bit of the library's own watch on clients.
#define SERVER_CLIENT_ENDED_BIT (1ull << 41)

struct server {
    capref_t ep; // the endpoint we receive on (read and write rights)
    // UMP channels polled by the same loop (sys/ump.h): their wake-ups
    // arrive on ep as notifications with UMP_WAKE_BIT.
    struct server_ump *umps;
    unsigned numps;
    struct server_chan *chans;
    unsigned nchans;
    void (*handle)(struct server *s, struct server_req *req, struct server_resp *resp);
    // Kernel notifications (interrupts, child exits): the OR of their badges.
    void (*notify)(struct server *s, uint64_t bits);
    // Called before the loop blocks (may be NULL): do polled work, arm
    // interrupts; true if there is more to do now (the loop does not block).
    bool (*idle)(struct server *s);
    // Called after idle when the loop is about to block (may be NULL): the
    // longest it may sleep, in microseconds (0: until a message comes). A
    // server with deadlines of its own sets it; its idle hook meets them.
    uint64_t (*sleep_us)(struct server *s);
    // Watch every bound client and close its channels when it ends
    // (servers that init does not depend on: init answers the watch).
    bool watch_clients;
    // Called (may be NULL) for a client that ended, before its channels
    // close: give back what else it held.
    void (*client_ended)(struct server *s, uint64_t pid);
    // Called (may be NULL) as any channel closes (RPC_OP_CLOSE, the client
    // ended, server_forget): free the server's state of it (c->user).
    void (*chan_closing)(struct server *s, struct server_chan *c);
    // The limits of a new client pid (may be NULL: none), for a server
    // that does not watch its clients (init, mem_serv).
    void (*client_limits)(struct server *s, uint64_t pid, struct proc_limits *out);
    // What pid holds of the server's resources (may be NULL: nothing), as
    // RPC_OP_USAGE answers it in w1 and w2.
    void (*usage)(struct server *s, uint64_t pid, uint64_t out[2]);
    capref_t watch_note; // (the library's: the send cap init signals)
    uint64_t reaped;     // channels closed because their client ended
    uint64_t lost;       // channels closed because their shared page went away
    // (The library's: channels lost and not closed yet; the next server
    // with a shared page, for the fault handler, which is why a server
    // that has had a page shared must last as long as the process.)
    unsigned lost_open;
    bool paged;
    struct server *next_paged;
    // (The library's: the answer server_run has yet to send, with its next
    // receive in one system call.)
    struct server_chan *reply_chan;
    struct server_resp reply;
    void *user;
};

// A UMP channel in the server loop and what handles its messages.
struct server_ump {
    struct ump_chan *chan;
    void (*handle)(struct server *s, struct server_ump *u, const uint64_t w[UMP_WORDS]);
    void *user;
    bool active;
};

// Serve forever: server_step's loop, except that each answer goes with
// the next receive in one system call (SYS_CALL: the reply on the
// client's endpoint, then the wait on ep), once the idle hook has run, so
// that both directions of a request take the kernel's LMP fast path.
_Noreturn void server_run(struct server *s);

// Receive and dispatch one message (blocking), and answer it; then close
// the channels lost meanwhile.
void server_step(struct server *s);

// Answer a deferred request from inside the loop (a handler or a hook,
// for one of the loop's own channels): the answer goes with the loop's
// next receive in one system call, as server_run's answers do (server_step
// sends it before it returns); an answer already waiting to go is sent
// first. A client that no longer waits loses it, one that abandoned the
// channel has it closed, as server_reply says.
void server_answer(struct server *s, struct server_chan *c, const struct server_resp *resp);

// Send a reply to a channel (for deferred requests): a client that no
// longer waits loses its answer (LMP_ERR_NOT_LISTENING). CAP_ERR_SLOT_EMPTY:
// the client abandoned the channel (a call timed out: rpc.h);
// RPC_ERR_PAGE_LOST: its shared page went away (nothing is sent). The
// loop closes such a channel when it answers, a server replying later may
// server_close it.
MUST_CHECK errval_t server_reply(struct server_chan *c, const struct server_resp *resp);

// Close one channel now (the server's chan_closing hook first).
void server_close(struct server *s, struct server_chan *c);

// Close every channel of client pid (it ended): its slot is free for a new
// client; deferred replies to it are dropped.
void server_forget(struct server *s, uint64_t pid);

// Channels in use (for a server's statistics).
unsigned server_clients(const struct server *s);

// Channels client pid has open.
unsigned server_chans_of(const struct server *s, uint64_t pid);

// A bind cap for a client process pid: a send cap to s->ep badged
// RPC_BADGE_BIND | pid, in slot dest.
MUST_CHECK errval_t server_bind_cap(struct server *s, capref_t dest, uint64_t pid);
