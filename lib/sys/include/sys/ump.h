/*
 * lib/sys/include/sys/ump.h: UMP, message passing between cores through
 * shared memory (after Barrelfish's UMP).
 *
 * A channel is one Frame both ends map: two rings, one per direction. A
 * message is one 64-byte cache line: seven payload words and a sequence
 * number written last, so the receiver, polling, sees whole messages only.
 * The receiver acknowledges in its ring's header, which bounds how far the
 * sender may run ahead. Before a receiver sleeps (blocks in the kernel on
 * its endpoint) it sets a flag in the header; a sender that sees it raises
 * the receiver's vector (an IRQDest cap for the receiver's core), whose
 * notification on the receiver's endpoint wakes it. When one side ends,
 * whoever set the channel up (init) marks both rings closed and wakes the
 * other side: it takes what was sent, then gets UMP_ERR_CLOSED.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/caps.h>

#define UMP_WORDS     7
#define UMP_MSG_BYTES 64
#define UMP_MIN_BYTES (4 * UMP_MSG_BYTES) // two rings of a header and one slot
#define UMP_WAKE_BIT  (1ull << 40)        // notification badge bit of UMP wake-ups

struct ump_ring_hdr {
    volatile uint64_t acked;    // the receiver's count of messages taken
    volatile uint32_t sleeping; // the receiver is (about to be) blocked
    volatile uint32_t closed;   // one side has ended (set by whoever set the channel up)
    volatile uint64_t trace_id; // names the ring in the kernel's trace (set by its sender)
    uint32_t pad[10];
};
_Static_assert(sizeof(struct ump_ring_hdr) == UMP_MSG_BYTES, "a cache line");

struct ump_msg {
    uint64_t w[UMP_WORDS];
    volatile uint64_t seq; // 1, 2, 3 ...: the message is there once seq is
};
_Static_assert(sizeof(struct ump_msg) == UMP_MSG_BYTES, "a cache line");

struct ump_chan {
    struct ump_ring_hdr *tx_hdr, *rx_hdr;
    struct ump_msg *tx, *rx;
    unsigned slots;
    uint64_t tx_seq, rx_seq; // messages sent, taken
    capref_t wake;           // IRQDest of the peer's vector, or NULL_CAP (peer polls)
    uint64_t wakeups;        // notifications sent (statistics)
};

// Set up one end of the channel in the shared, mapped buffer (bytes, at
// least UMP_MIN_BYTES; both ends pass the same size). The two ends must
// pick opposite sides. The creator zeroes the buffer first.
void ump_init(struct ump_chan *c, void *buf, size_t bytes, bool side_a);

// Send one message; SYS_ERR_WOULD_BLOCK if the peer has not taken enough
// (the ring is full), UMP_ERR_CLOSED if it has ended. Wakes a sleeping peer.
MUST_CHECK errval_t ump_send(struct ump_chan *c, const uint64_t w[UMP_WORDS]);

// Take one message if there is one (LMP_ERR_NO_MESSAGE otherwise, or
// UMP_ERR_CLOSED once the peer has ended and nothing is left).
MUST_CHECK errval_t ump_recv(struct ump_chan *c, uint64_t w[UMP_WORDS]);

// Is a message waiting?
bool ump_pending(const struct ump_chan *c);

// Before sleeping: ask the peer for a wake-up. Returns true if a message
// came in meanwhile, or the channel closed (then do not sleep: clear the
// flag and look again).
bool ump_prepare_sleep(struct ump_chan *c);
void ump_awake(struct ump_chan *c);

// Mark both rings of the channel in buf (bytes long) closed: for the
// broker that set it up, when one side has ended.
void ump_close_buffer(void *buf, size_t bytes);
