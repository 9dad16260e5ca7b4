/* tests/unit/net/simq.h: a simulated netq: two queues joined by a wire with faults, and a fake
 * clock. */
#pragma once

// Each end of the wire is a struct netq as a NIC driver would give it:
// its own receive and transmit buffers, handed out and taken back by
// index, with every misuse counted (a buffer given back twice, sent
// without being taken, ...). Frames one end sends arrive in the other
// end's receive ring (copied, as on a real wire) through the fault knobs:
// loss, duplication, reordering and corruption, each in parts per
// thousand from a seeded generator, so every run is the same. A tap sees
// (and may drop or change) every frame.
//
// Time is simq_now_us, which only moves when a queue waits (by the time
// it was asked to wait: nothing else can happen in a single-threaded
// simulation) or when an empty queue is polled (1 us per empty poll, so
// that a spinning loop sees time pass).

#include <net/netq.h>
#include <stdbool.h>
#include <stdint.h>

#define SIMQ_RX_BUFS 256
#define SIMQ_TX_BUFS 128

struct simq_end {
    struct netq q;
    struct simq_wire *wire;
    int side;
    uint8_t rxmem[SIMQ_RX_BUFS][NETQ_BUF_BYTES];
    uint8_t txmem[SIMQ_TX_BUFS][NETQ_BUF_BYTES];
    uint16_t rx_len[SIMQ_RX_BUFS];
    uint16_t rx_ring[SIMQ_RX_BUFS]; // filled buffers in arrival order
    unsigned rx_head, rx_count;
    uint16_t rx_free[SIMQ_RX_BUFS];
    unsigned n_rx_free;
    bool rx_out[SIMQ_RX_BUFS]; // handed out by rx, not yet given back
    uint16_t tx_free[SIMQ_TX_BUFS];
    unsigned n_tx_free;
    bool tx_out[SIMQ_TX_BUFS];
    unsigned tx_limit;  // if not 0: the most frames one tx call takes (a ring filling up)
    uint16_t claim_len; // if not 0: the next frame rx hands out claims this length (a broken NIC)
    uint16_t rx_flags;  // put on every frame rx hands out (a device's verdict: NETQ_RX_CSUM_GOOD)
    // Frames sent with NETQ_TX_CSUM_IP4_UDP whose checksums this end wrote,
    // as a device does (only while q.offloads has it; else a bad return).
    unsigned tx_csum_done;
    // Received buffers sent back (only while q.offloads has NETQ_TX_RX_BUF;
    // else a bad return): each goes back to the receive ring once sent.
    unsigned tx_from_rx;
    struct netq_stats stats;
    unsigned bad_returns; // rx_done or tx of a buffer the user did not hold
    unsigned waits;
    uint64_t waited_us, last_wait_us;
    bool closed;
    bool raw; // the test itself is the station here: waits elsewhere ignore its ring
};

// What the tap returns: deliver the frame (possibly changed), or drop it.
typedef bool (*simq_tap_fn)(int from, uint8_t *frame, uint16_t *len, void *arg);

struct simq_wire {
    struct simq_end end[2];
    unsigned loss, dup, reorder, corrupt; // per mille
    bool cut;                             // everything is lost (so are frames to a closed end)
    simq_tap_fn tap;
    void *tap_arg;
    uint64_t rng;
    // A frame held back to be delivered after the next one (reordering).
    uint8_t held[NETQ_BUF_BYTES];
    uint16_t held_len;
    int held_to; // -1: none
    unsigned sent, lost, duplicated, reordered, corrupted, delivered;
};

extern uint64_t simq_now_us;

// A new wire; end i has MAC 02:00:00:00:00:0(i+1), IPv4 10.0.0.(i+1)/24,
// no gateway.
struct simq_wire *simq_new(void);
// Free the wire (after both ends are closed or never used by a stack).
void simq_free(struct simq_wire *w);

// Put a frame straight into end e's receive ring (no knobs); false when
// it has no free buffer.
bool simq_inject(struct simq_end *e, const void *frame, uint16_t len);
// Deliver a frame held back for reordering now.
void simq_release_held(struct simq_wire *w);

// The test as a raw station on end e (no stack there): send a frame
// (through the wire), and take the next received one into buf (returns
// its length, 0 when none).
void simq_raw_send(struct simq_end *e, const void *frame, uint16_t len);
uint16_t simq_raw_recv(struct simq_end *e, void *buf, uint16_t max);

// Buffers of end e not back home: handed out by rx, and taken by tx_buf.
unsigned simq_rx_out(const struct simq_end *e);
unsigned simq_tx_out(const struct simq_end *e);

// The platform of the tests: simq_now_us and a seeded generator.
uint64_t simq_clock(void);
uint32_t simq_random(void);
