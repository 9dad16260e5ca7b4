/*
 * lib/sys/include/sys/rpc.h: RPC channels over LMP.
 *
 * A client binds to a server through a bind cap (a badged send cap to the
 * server's endpoint): it sends the server a send cap to its own reply
 * endpoint and gets back a send cap badged for the new channel. A call is
 * then one SYS_CALL: four words (an operation and three arguments) and
 * optionally one cap out; four words (an error and three results) and
 * optionally one cap back. A channel may also share one page with the
 * server for larger arguments and results (rpc_share).
 *
 * Servers reply without blocking, so a client that is not waiting (it
 * died) cannot stall them; clients always wait in SYS_CALL.
 */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

// Badges on a server's endpoint: who sent a message.
#define RPC_BADGE_NOTIFY (1ull << 63) // kernel notifications; low bits: which
#define RPC_BADGE_BIND   (1ull << 62) // a bind cap; low bits: the client's pid
#define RPC_BADGE_CHAN   (1ull << 61) // a channel; low bits: its number
#define RPC_BADGE_LOW(b) ((b) & ((1ull << 48) - 1))

// Operations every server understands.
#define RPC_OP_BIND      0xb17d0001 // cap: send cap to the client's reply endpoint
#define RPC_OP_SHARE     0xb17d0002 // cap: a one-page Frame shared from now on
// -> w0: channels in use, w1: channels in all, w2: channels closed because
// their client ended (the server library answers it: server.h)
#define RPC_OP_STATS     0xb17d0003
#define RPC_OP_CLOSE     0xb17d0004 // the channel ends (answered, then closed)
// (pid) -> w0: channels pid has open here, w1, w2: what pid holds of the
// server's own resources (devmgr: IOMMU domains, vectors; netctl: VNICs;
// storctl: VSICs; the server library answers it: server.h's usage hook)
#define RPC_OP_USAGE     0xb17d0005
// (n): the n-th set-up step (FAILPOINT, sys/failpoint.h) of this channel's
// next request fails with FAIL_ERR_INJECTED; 0 disarms (tests only)
#define RPC_OP_FAILPOINT 0xb17d0006

#define RPC_BUF_SIZE 4096

// The time limit of the control plane's channels (devmgr, netctl, storctl:
// lib/sys): their operations take milliseconds, so a call not answered in
// 20 s is to a server that is stuck.
#define RPC_CONTROL_TIMEOUT_US (20ull * 1000000)

struct rpc_chan {
    capref_t ep;    // send cap to the server, badged for this channel
    capref_t reply; // our reply endpoint
    void *buf;      // the shared page, or NULL
    capref_t buf_frame;
    bool bound;
    bool own_reply; // rpc_bind made the reply endpoint
    // The RAM the reply endpoint (if ours) and the shared page were made
    // from: rpc_close gives it back to mem_serv.
    capref_t reply_ram, buf_ram;
    uint64_t timeout_us; // each call's limit (0: none); rpc_bind_timeout sets it
};

struct rpc_result {
    errval_t err; // the server's answer
    uint64_t w[3];
    bool got_cap; // a cap arrived in the receive slot
};

// Bind c through bind_cap, replies arriving on reply_ep (an endpoint cap we
// hold with the read right; NULL_CAP: make one).
MUST_CHECK errval_t rpc_bind(struct rpc_chan *c, capref_t bind_cap, capref_t reply_ep);

// rpc_bind with a time limit on the bind and on every call of the channel
// (timeout_us, not 0): a server that is stuck or whose queue never moves
// yields SYS_ERR_TIMEOUT instead of holding the client for ever. A call
// that times out abandons the channel (rpc_call). The reply endpoint must
// be the channel's own (reply_ep NULL_CAP).
MUST_CHECK errval_t rpc_bind_timeout(struct rpc_chan *c, capref_t bind_cap, uint64_t timeout_us);

// Map a fresh page and share it with the server as c->buf.
MUST_CHECK errval_t rpc_share(struct rpc_chan *c);

// End the channel: the server closes its side (RPC_OP_CLOSE), and what the
// channel held here (its cap, the reply endpoint rpc_bind made, the shared
// page) is freed. c may be bound again.
MUST_CHECK errval_t rpc_close(struct rpc_chan *c);

// The server's channel table (RPC_OP_STATS): in use (this one counted),
// in all, closed because their client ended.
MUST_CHECK errval_t rpc_stats(struct rpc_chan *c, uint64_t *used, uint64_t *all, uint64_t *reaped);

// What process pid holds at the server (RPC_OP_USAGE): out[0] channels,
// out[1] and out[2] the server's own resources.
MUST_CHECK errval_t rpc_usage(struct rpc_chan *c, uint64_t pid, uint64_t out[3]);

// Arm the server's failure injection for this channel's next request
// (RPC_OP_FAILPOINT): its n-th set-up step fails. For tests of unwinding.
MUST_CHECK errval_t rpc_failpoint(struct rpc_chan *c, unsigned n);

// One call. send: a cap to send along (NULL_CAP: none); recv: an empty
// slot for a cap the server may send back (NULL_CAP: none wanted). The
// return value is the transport's error; r->err is the server's.
//
// With a time limit (rpc_bind_timeout), a call not answered in time
// returns SYS_ERR_TIMEOUT and the channel is abandoned without asking the
// server: its cap, reply endpoint and shared page are freed here, and their
// RAM goes back to mem_serv, whose revocation takes the server's copies
// too, so a late answer lands nowhere (and the server closes that channel:
// server.h). c is then unbound; bind again to go on. The same happens
// when the server is gone (rpc_server_gone) with a reply endpoint of the
// channel's own.
MUST_CHECK errval_t rpc_call(struct rpc_chan *c, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                             capref_t send, capref_t recv, struct rpc_result *r);

// The transport errors after which a channel is of no more use: the call
// timed out (SYS_ERR_TIMEOUT), the server had ended before it
// (CAP_ERR_SLOT_EMPTY: its endpoint and our cap to it were reclaimed; the
// call was never delivered) or during it (LMP_ERR_ENDPOINT_DELETED).
bool rpc_server_gone(errval_t err);
