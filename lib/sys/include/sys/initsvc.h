/*
 * lib/sys/include/sys/initsvc.h: init's services: names and processes.
 *
 * Every domain gets a bind cap to init (TASKCN_SLOT_INITEP); the channel
 * shares a page for names, argument strings and listings.
 */
#pragma once

#include <stdbool.h>
#include <sys/limits.h>
#include <sys/rpc.h>

enum initsvc_op {
    INIT_NAME_REGISTER = 1, // buf: name; cap: an unbadged send cap to the service
    INIT_NAME_LOOKUP = 2,   // buf: name -> cap: a bind cap badged with the caller's pid
    INIT_PROC_SPAWN = 3,    // (core, limits given) buf: "prog args", limits at 256 -> w0: pid
    INIT_PROC_WAIT = 4,     // (pid) -> w0: exit status (answered when it ends)
    INIT_PROC_KILL = 5,     // (pid)
    INIT_PROC_LIST = 6,     // -> buf: struct proc_info[w0]
    INIT_PROC_CAPS = 7,     // (pid, first) -> buf: text lines, w0: slots shown, w1: next first
    INIT_POWEROFF = 8,      // () leave the machine
    // Across cores (init, or a core's monitor, answers; docs/multikernel.md):
    INIT_WAKE_VECTOR = 9,  // () -> cap: an IRQDest on the caller's core, for UMP wake-ups
    INIT_UMP_OFFER = 10,   // buf: name; cap: our wake IRQDest: accept connections to it
    INIT_UMP_ACCEPT = 11,  // buf: name -> cap: channel frame, w0: connection (waits for a client)
    INIT_UMP_CONNECT = 12, // buf: name; cap: our wake IRQDest -> cap: channel frame, w0: connection
    INIT_UMP_PEERWAKE = 13,  // (connection) -> cap: the other side's wake IRQDest
    INIT_CAP_SEND = 14,      // (connection); cap: a RAM/Frame/DevFrame cap for the other side
    INIT_CAP_RECV = 15,      // (connection) -> cap (waits for one)
    INIT_REMOTE_REVOKE = 16, // cap: revoke its copies on other cores, then unexport it
    INIT_PROC_STATUS = 17,   // (pid) -> w0: state, w1: exit status (never waits)
    INIT_PROC_WATCH = 18,    // (pid); cap: a send cap we signal (LMP_FLAG_NOTIFY) when pid ends
                             //   -> w0..w2: pid's limits (proc_limits_pack)
    INIT_PROC_LIMITS = 19,   // (pid) -> w0..w2: pid's limits (proc_limits_pack)
};

// Where INIT_PROC_SPAWN finds the limits (a struct proc_limits) in the
// shared page, after the command line.
#define INIT_SPAWN_LIMITS_AT 256

#define NAME_MAX_LEN  31
#define PROC_ANY_CORE 0xffffffffu // proc_spawn_on: init picks (its own core)
#define PROC_NAME_LEN 32

enum proc_state { PROC_RUNNING = 1, PROC_EXITED = 2, PROC_KILLED = 3 };

struct proc_info {
    uint64_t pid;
    uint32_t state; // enum proc_state
    uint32_t core;
    uint64_t status; // exit status once ended
    uint64_t mem;    // bytes of RAM charged to it
    char name[PROC_NAME_LEN];
};
#define PROC_LIST_MAX (RPC_BUF_SIZE / sizeof(struct proc_info))

// The channel to init (bound and sharing a page on first use).
struct rpc_chan *initsvc_chan(errval_t *err);

// Register ep (an endpoint we receive on) under name.
MUST_CHECK errval_t name_register(const char *name, capref_t ep);

// A bind cap for the service called name, in a new slot.
MUST_CHECK errval_t name_lookup(const char *name, capref_t *bind_cap);

// The same, waiting up to timeout_ms for the service to register (one
// started at boot may still be coming up).
MUST_CHECK errval_t name_lookup_wait(const char *name, uint64_t timeout_ms, capref_t *bind_cap);

// Bind c to the service called name (waiting for it as name_lookup_wait
// does, 10 s), with a time limit on every call (timeout_us; 0: none, as on
// a data path), and share a page with it; what c has already (a binding,
// a page) is kept. The servers' client libraries bind their channels so.
MUST_CHECK errval_t rpc_bind_service(struct rpc_chan *c, const char *name, uint64_t timeout_us);

// Start "prog args..." (a boot module), returning its pid.
MUST_CHECK errval_t proc_spawn(const char *cmdline, uint64_t *pid);

// The same, on a chosen core.
MUST_CHECK errval_t proc_spawn_on(unsigned core, const char *cmdline, uint64_t *pid);

// The same with limits on what the new process may hold (NULL:
// proc_limits_default). init narrows them to the caller's own, so a child
// never gets more than its parent. A spawn whose own domain does not fit
// the memory limit fails with LIMIT_ERR_MEMORY.
MUST_CHECK errval_t proc_spawn_limited(unsigned core, const char *cmdline,
                                       const struct proc_limits *limits, uint64_t *pid);

// The limits of process pid (as init narrowed them). Errors: PROC_ERR_NO_SUCH.
MUST_CHECK errval_t proc_limits(uint64_t pid, struct proc_limits *out);
MUST_CHECK errval_t proc_wait(uint64_t pid, uint64_t *status);
MUST_CHECK errval_t proc_kill(uint64_t pid);

// A process's state (enum proc_state) and, once ended, its exit status,
// without waiting. Errors: PROC_ERR_NO_SUCH.
MUST_CHECK errval_t proc_status(uint64_t pid, uint32_t *state, uint64_t *status);

// Be told when pid ends: init signals note (a send cap to an endpoint of
// ours, minted with RPC_BADGE_NOTIFY | bits: the server loop's notify
// sees the bits) with LMP_FLAG_NOTIFY, which is never lost. Then ask
// proc_status which of the watched processes ended. Errors:
// PROC_ERR_NO_SUCH (no such process, or it has ended already).
MUST_CHECK errval_t proc_watch(uint64_t pid, capref_t note);

// proc_watch, also giving pid's limits (*limits): what a server enforces
// on a client it starts to watch, at no extra call.
MUST_CHECK errval_t proc_watch_limits(uint64_t pid, capref_t note, struct proc_limits *limits);

// The process table: up to max entries into out; *n gets the count.
MUST_CHECK errval_t proc_list(struct proc_info *out, unsigned max, unsigned *n);

// Text lines describing the caps of process pid, from slot `first` (L1 *
// 256 + L2) on: *text points into the shared page (valid until the next
// call), *next is where to go on (0: done).
MUST_CHECK errval_t proc_caps(uint64_t pid, uint64_t first, const char **text, uint64_t *next);

// Ask init to switch the machine off (does not return if it works).
MUST_CHECK errval_t sys_poweroff(void);

// ---- UMP channels between processes, on the same core or not ----

#include <sys/ump.h>

#define UMP_CONN_BYTES (8u << 10) // the shared frame of a connection

struct ump_conn {
    struct ump_chan chan;
    uint64_t id;
    capref_t frame, peer_wake;
};

// Offer connections under name (the server side).
MUST_CHECK errval_t ump_offer(const char *name);

// Wait for a client to connect to name; then the channel is ready.
MUST_CHECK errval_t ump_accept(const char *name, struct ump_conn *c);

// Connect to the server offering name.
MUST_CHECK errval_t ump_connect(const char *name, struct ump_conn *c);

// Wait for a message on c (sleeping in the kernel when there is none);
// UMP_ERR_CLOSED once the other side has ended and nothing is left.
MUST_CHECK errval_t ump_recv_wait(struct ump_conn *c, uint64_t w[UMP_WORDS]);

// Send, waiting while the ring is full; UMP_ERR_CLOSED if the other side
// has ended.
MUST_CHECK errval_t ump_send_wait(struct ump_conn *c, const uint64_t w[UMP_WORDS]);

// Hand a RAM, Frame or DevFrame cap to the other side of c, which takes it
// with ump_cap_recv (into a new slot).
MUST_CHECK errval_t ump_cap_send(struct ump_conn *c, capref_t cap);
MUST_CHECK errval_t ump_cap_recv(struct ump_conn *c, capref_t *cap);
