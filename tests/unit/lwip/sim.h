/* tests/unit/lwip/sim.h: an in-memory Ethernet segment: two lwIP netifs and a hand-driven peer. */
#pragma once

// One lwIP stack (lwIP has one per process) with two netifs, host A
// (10.0.0.1) and host B (10.0.0.2), on one simulated segment in 10.0.0.0/24,
// plus the test itself as a third station, the peer (10.0.0.9), which
// crafts frames and reads what is sent to it. A netif's linkoutput only
// queues the frame; sim_run delivers queued frames by destination MAC
// (broadcast to every other station) the way a driver would, through
// lwip_port_input. Time is a fake millisecond clock that only sim_advance
// moves, so lwIP's timers run exactly when a test says.

#include "frames.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/udp.h"

#include <kpi/errors.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// A frame on the wire, and where it came from (a host's index, or -1 for the peer).
struct sim_frame {
    struct sim_frame *next;
    int from;
    size_t len;
    uint8_t data[];
};

struct sim_host {
    struct netif netif;
    struct endpoint ep;
};

struct sim {
    struct sim_host host[2];
    struct endpoint peer;
    struct sim_frame *wire_head, *wire_tail;   // sent, not yet delivered
    struct sim_frame *inbox_head, *inbox_tail; // delivered to the peer
    // Return true to lose a frame on the wire (after it is seen).
    bool (*drop)(const struct sim_frame *f, void *arg);
    void *drop_arg;
    unsigned delivered, dropped, unknown_dst;
    size_t longest; // the longest frame any netif sent
};

extern struct sim sim;
extern uint32_t sim_now_ms;
// When not zero, the next value the random hook returns (then it is cleared).
extern uint32_t sim_next_random;

#define SIM_A (&sim.host[0])
#define SIM_B (&sim.host[1])

// Check fixture: start lwIP once per process, then bring up A and B on an
// empty wire. Teardown removes them and frees every queued frame.
void sim_setup(void);
void sim_teardown(void);

// Deliver queued frames (and those they cause) until the wire is quiet;
// returns how many were delivered.
unsigned sim_run(void);
// Move the clock ms forward, stopping at every lwIP timeout on the way to
// run it (sys_check_timeouts) and deliver what it sends.
void sim_advance(uint32_t ms);
// Run, then advance the clock timeout by timeout until done(arg) holds or
// max_ms of simulated time have passed; returns done(arg).
bool sim_run_until(bool (*done)(void *), void *arg, uint32_t max_ms);

// Hand a frame to host h's stack as its driver would (a PBUF_POOL chain
// through lwip_port_input); returns lwip_port_input's result.
errval_t sim_inject(struct sim_host *h, const void *frame, size_t len);
// The next frame the peer received (the caller frees it), or NULL.
struct sim_frame *sim_peer_recv(void);
// Free every frame waiting for the peer; returns how many there were.
unsigned sim_peer_flush(void);

// If r is an ARP request for the peer's address from host A or B, answer
// it (inject the reply into that host) and return true.
bool sim_peer_answer_arp(const struct parsed *r);

// Run the wire, answering ARP requests for the peer, until the peer gets
// something else: that frame (the caller frees it), parsed into r; NULL
// when the wire goes quiet first.
struct sim_frame *sim_peer_await(struct parsed *r);

// The peer pings h: sends an echo request with len bytes of payload,
// answers h's ARP request for the peer if one comes, and checks the reply
// field by field (ck_assert). Returns the reply's TTL.
unsigned sim_peer_ping(struct sim_host *h, uint16_t id, uint16_t seq, size_t len);

// A UDP echo server on h's address and port (remove it with udp_remove).
struct udp_pcb *sim_udp_echo_start(struct sim_host *h, uint16_t port);
// The peer sends len bytes to h's port and checks the echo (ck_assert).
void sim_peer_udp_echo(struct sim_host *h, uint16_t port, size_t len);

// Resources lwIP holds; a test compares them before and after.
struct sim_usage {
    unsigned pool, pbuf, seg, tcp, reass, arpq, frag;
    size_t heap;
};
struct sim_usage sim_usage(void);
void sim_assert_usage(const struct sim_usage *before);

// Deterministic test data: len bytes for (seed, len).
void sim_fill(uint8_t *buf, size_t len, uint32_t seed);
