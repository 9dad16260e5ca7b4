/* tests/unit/net/fixture.h: two network stacks (or one and a raw peer) on a simulated wire. */
#pragma once

// fx_setup: stacks A (10.0.0.1, opened first: the default for unbound
// sockets) and B (10.0.0.2) on the two ends of a fresh wire, with
// spin_us 0 (no spinning on a clock that stands still). fx_setup_peer:
// stack B only; end A is the test itself, a raw station (frames.h's
// builders and parser), with the MAC and address of end A.
// fx_teardown closes every socket and stack left, runs the clock until
// lwIP has let go of every connection (TIME_WAIT included), and checks
// that every queue buffer came home and was never misused.

#include "../lwip/frames.h"
#include "simq.h"

#include <arpa/inet.h>
#include <net/netif.h>
#include <net/socket.h>
#include <netinet/in.h>
#include <stdint.h>

struct fx {
    struct simq_wire *w;
    struct net_stack *a, *b;
    struct endpoint ep_a, ep_b; // the ends' addresses (host byte order) for frames.c
};
extern struct fx fx;

#define FX_IP_A 0x0a000001u
#define FX_IP_B 0x0a000002u

void fx_setup(void);
void fx_setup_peer(void);
void fx_teardown(void);
// Open stack on end i with cfg (NULL: the fixture's defaults).
struct net_stack *fx_open(int i, const struct net_config *cfg);
// The fixture's configuration: the library's defaults with spin_us 0.
struct net_config fx_config(void);

// Run every stack until done(arg) or max_us of simulated time pass.
bool fx_run_until(bool (*done)(void *), void *arg, uint64_t max_us);
// Run every stack for us of simulated time.
void fx_run(uint64_t us);

// struct sockaddr_in for ip (host order) and port.
struct sockaddr_in fx_addr(uint32_t ip, uint16_t port);
// A bound socket (ip host order, 0 = any) of type; asserts success.
int fx_socket(int type, uint32_t ip, uint16_t port);
// Deterministic test data.
void fx_fill(uint8_t *buf, size_t len, uint32_t seed);

// The raw peer (end A): the next frame B sent that is not ARP, parsed
// into r, answering B's ARP requests for the peer on the way; false when
// none comes within the polls of B. buf holds the frame.
bool fx_peer_recv(struct parsed *r, uint8_t *buf);
// The same without polling B: false when B has sent nothing more yet.
bool fx_peer_take(struct parsed *r, uint8_t *buf);
// The peer sends a frame to B and B polls once.
void fx_peer_send(const void *frame, size_t len);
