/*
 * lib/os/net/include/net/netif.h: the library OS's network stack: lwIP
 * over a netq (the application's own queue pair), polled and waited on by
 * the application's one thread. docs/network.md describes it.
 *
 * A program calls net_init once, then opens a stack on each queue it got
 * (net_open, <net/open.h>). Everything runs to completion in the caller's
 * thread: net_poll moves frames between the queue and lwIP and runs
 * lwIP's timers; net_wait sleeps when there is nothing to do. The native
 * API (<net/native.h>) and the sockets (<net/socket.h>) call these for the
 * application while it blocks.
 */
#pragma once

#include <kpi/errors.h>
#include <net/netq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// What the library needs from the platform.
struct net_platform {
    uint64_t (*now_us)(void);   // monotonic microseconds
    uint32_t (*random32)(void); // 32 unpredictable bits (TCP sequence numbers, ports)
};

// Start the network library and lwIP with platform's hooks (copied). Once
// per program. Errors: NET_ERR_NO_PLATFORM (a hook is missing),
// NET_ERR_ALREADY_INIT.
MUST_CHECK errval_t net_init(const struct net_platform *platform);

// Sietch's platform in the user world: the TSC as the clock, RDRAND for
// random numbers (a TSC-seeded generator on a CPU without it).
const struct net_platform *net_platform_sietch(void);

// Microseconds on the platform's clock (0 before net_init).
uint64_t net_now_us(void);

#define NET_BATCH_MAX 64 // most frames per netq_rx call or doorbell

// How one stack polls, batches and waits. net_config_defaults fills it in.
struct net_config {
    // Frames taken per netq_rx call (1..NET_BATCH_MAX; default 32).
    unsigned rx_batch;
    // Frames sent per doorbell at most (1..NET_BATCH_MAX; default 32):
    // frames lwIP sends are gathered and go out together at the end of
    // net_poll, of a socket call or of net_flush, or when this many wait.
    unsigned tx_batch;
    // Received buffers lwIP and the sockets may hold at once without a copy
    // (1..4096; default 64). Beyond that, frames are copied into lwIP's
    // own pool and their buffers go back to the queue at once, so that a
    // slow reader never takes every receive buffer from the NIC.
    unsigned rx_hold_max;
    // The adaptive wait: after a frame came or went, net_wait keeps
    // returning at once (the caller polls again: spinning) until spin_us
    // microseconds pass without traffic; only then does it sleep in
    // netq_wait. 0: always sleep when idle. Default 100.
    uint64_t spin_us;
};

// The defaults above.
void net_config_defaults(struct net_config *cfg);

struct net_stack;

// Counters of one stack (lwIP's own are in lwip_stats).
struct net_stack_stats {
    uint64_t rx_frames;    // taken from the queue
    uint64_t rx_zero_copy; // given to lwIP in their queue buffers
    uint64_t rx_copied;    // copied into lwIP's pool (rx_hold_max reached)
    uint64_t rx_native;    // delivered to native endpoints
    uint64_t rx_dropped;   // dropped here: refused by lwip_port_input, no pool buffer, bad length
    // Fragmented IPv4 datagrams, whole datagrams each: made whole by lwIP,
    // or given up (a fragment was dropped, e.g. no pool buffer or more
    // than lwIP's reassembly holds, or never came) once lwIP's
    // reassembly time passed since the first fragment.
    uint64_t rx_reassembled, rx_reass_failed;
    // Datagrams for native endpoints dropped there (also in each
    // endpoint's struct net_udp_stats): the ring was full; longer than
    // one frame (fragmented, reassembled by lwIP: the native API takes
    // single frames) or with IP options; a frame over the MTU.
    uint64_t native_ring_full, native_not_one_frame, native_oversize;
    uint64_t tx_frames;    // handed to the queue
    uint64_t tx_no_buffer; // lwIP's frames dropped: no transmit buffer (or batch) was free
    uint64_t doorbells;    // netq_tx calls (one per batch)
    uint64_t tx_stalls;    // netq_tx calls that left frames behind (ring full): sent later
    uint64_t polls, spins, sleeps;
    unsigned
        rx_held; // receive buffers lent to lwIP and the sockets now (native: struct net_udp_stats)
    unsigned tx_spare; // transmit buffers taken from the queue and kept for reuse
};

// Open a stack on q: an lwIP interface with q's MAC, address, netmask and
// gateway, up at once (it announces its address: a gratuitous ARP). The
// stack owns q from then on (net_stack_close closes it). cfg NULL: the
// defaults. The first stack opened is the default for sockets that are
// not bound to an address. Errors: NET_ERR_NOT_INIT, SYS_ERR_INVALID_ARGS
// (NULL q or out), NET_ERR_BAD_CONFIG, NET_ERR_NO_ADDRESS (no IPv4
// address or no unicast MAC), SYS_ERR_NO_MEMORY, NET_ERR_NETIF.
MUST_CHECK errval_t net_stack_open(struct netq *q, const struct net_config *cfg,
                                   struct net_stack **out);

// Take the stack down: its interface leaves lwIP (TCP connections on its
// address are aborted; sockets bound to it get ENETUNREACH), and q is
// closed once every receive buffer lwIP and the sockets still hold has
// come back (sockets give theirs back when closed). Do not use s after
// this. Errors: SYS_ERR_INVALID_ARGS, NET_ERR_BUSY (native endpoints are
// still open on it; nothing was done).
MUST_CHECK errval_t net_stack_close(struct net_stack *s);

// One round of work: take received frames in batches (up to 8 batches)
// and hand them to the native endpoints or lwIP, run lwIP's timers that
// are due, give buffers lwIP freed back to the queue and send what is
// gathered (one doorbell). Returns the frames received and sent.
unsigned net_poll(struct net_stack *s);

// Wait for work, at most timeout_us (0: no limit beyond lwIP's next timer).
// Sends what is gathered first. Within spin_us of the last traffic it
// returns at once (see struct net_config); otherwise it sleeps in
// netq_wait until a frame may have come, lwIP's next timer is due, or the
// timeout passed. Errors: those of netq_wait.
MUST_CHECK errval_t net_wait(struct net_stack *s, uint64_t timeout_us);

// net_poll on every open stack; the frames moved in all.
unsigned net_poll_all(void);

// net_wait over every open stack: one stack waits as net_wait; with
// several, the wait goes to each queue in turn in slices of at most
// NET_WAIT_SLICE_US (a frame on another queue waits at most that long).
// Errors: NET_ERR_NO_STACK, those of netq_wait.
#define NET_WAIT_SLICE_US 1000
MUST_CHECK errval_t net_wait_all(uint64_t timeout_us);

// Send the frames gathered so far (one netq_tx, one doorbell).
void net_flush(struct net_stack *s);

void net_stack_stats(struct net_stack *s, struct net_stack_stats *out);

// One line (no newline) of what s moved and what was dropped where: by its
// queue (no buffer, filtered; bad frames), by the stack, and by lwIP per
// protocol (lwIP's counters are the process's, over all its stacks); then
// whole datagrams: fragmented ones reassembled and given up, dropped by
// full socket queues (the process's), by native endpoints (ring full, not
// one frame, oversize); the times the queue's receive ring ran out of
// buffers; lwIP's fragment drops. In buf (n bytes, cut short to fit).
// Returns the length written.
size_t net_stack_report(struct net_stack *s, char *buf, size_t n);

// The stack's lwIP interface (for code that uses lwIP's raw API itself)
// and queue.
struct netif *net_stack_netif(struct net_stack *s);
struct netq *net_stack_netq(struct net_stack *s);
