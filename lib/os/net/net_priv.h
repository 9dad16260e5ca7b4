/* lib/os/net/net_priv.h: the stack's inside, shared by netif.c, poll.c, native.c and the sockets.
 */
#pragma once

#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include <net/native.h>
#include <net/netif.h>

// A receive buffer lent to lwIP: a custom pbuf over the queue's buffer.
// lwIP frees it through rxbuf_free (netif.c), which gives the buffer back.
struct net_rxbuf {
    struct pbuf_custom pc; // first: lwIP hands back the pbuf
    struct net_stack *stack;
    struct netq_pkt pkt;
    struct net_rxbuf *next_free;
};

// A fragmented datagram whose fragments came off the queue (frag.c).
struct net_frag {
    uint32_t src; // network order
    uint16_t id;  // network order
    uint8_t proto;
    bool used;
    uint64_t first_us; // when its first fragment came
};
#define NET_FRAG_TRACK 32 // datagrams followed at once per stack

// Transmit buffers taken from the queue and not sent (a native packet
// given back unsent): reused before asking the queue again.
#define NET_SPARE_MAX 256

struct net_stack {
    struct netif netif;
    struct netq *q;
    struct net_config cfg;
    struct net_stack *next; // in the list of open stacks, in open order
    bool closing;           // closed; freed when rx_held reaches 0

    struct net_rxbuf *rxbufs, *rx_free; // cfg.rx_hold_max of them
    unsigned rx_held;                   // buffers out (lwIP, sockets, native)
    struct netq_pkt rx_done[NET_BATCH_MAX];
    unsigned n_rx_done;

    struct netq_pkt tx_pend[NET_BATCH_MAX]; // gathered, not yet sent
    unsigned n_tx_pend;
    struct netq_pkt tx_spare[NET_SPARE_MAX];
    unsigned n_tx_spare;
    unsigned tx_since_poll; // frames gathered since the last net_poll

    uint64_t last_traffic_us;
    struct net_udp *native;                   // open native endpoints
    uint16_t ip_id;                           // IPv4 identification of native datagrams
    size_t arp_hint;                          // lwIP ARP entry of the native path's last hop
    unsigned native_tx_out;                   // transmit buffers native endpoints hold
    uint8_t *native_rx_held, *native_tx_held; // bitmaps by buffer index: held by the app
    struct net_frag frags[NET_FRAG_TRACK];    // fragmented datagrams under way
    unsigned n_frags;                         // of them in use
    struct net_stack_stats stats;
};

// netif.c: the interface's life. net_netif_open adds s (its q, cfg set)
// to lwIP; on failure net_netif_open_failed frees it. net_netif_close
// takes it out of lwIP and frees it once every lent buffer is back.
MUST_CHECK errval_t net_netif_open(struct net_stack *s);
void net_netif_open_failed(struct net_stack *s);
void net_netif_close(struct net_stack *s);
// Take up to max_batches batches of received frames into lwIP or the
// native endpoints; returns how many frames.
unsigned net_rx_drain(struct net_stack *s, unsigned max_batches);

// True while net_netif_close takes an interface out of lwIP: TCP
// connections aborted then end with ENETDOWN, not as timed out.
extern bool net_netif_removing;

// net_init has run (lwIP may be used).
bool net_started(void);

// The open stacks, first opened first.
extern struct net_stack *net_stacks;

// A receive buffer is free again: give it back to the queue (batched).
void net_rx_return(struct net_stack *s, const struct netq_pkt *pkt);
// Give batched receive buffers back to the queue now.
void net_rx_return_flush(struct net_stack *s);
// A transmit buffer: a spare one or a new one from the queue.
// SYS_ERR_WOULD_BLOCK when the queue has none.
MUST_CHECK errval_t net_tx_buffer(struct net_stack *s, struct netq_pkt *out);
// Keep an unsent transmit buffer for later (false: the spare list is full).
bool net_tx_spare(struct net_stack *s, const struct netq_pkt *pkt);
// Gather a frame to send (sending the batch first if it is full); false
// when the batch is full and the queue takes nothing.
bool net_tx_gather(struct net_stack *s, const struct netq_pkt *pkt);

// The stack that reaches dst (network order): the first open stack on
// whose subnet dst is, else the first with a gateway; NULL if none.
struct net_stack *net_route(uint32_t dst);
// The stack whose address is ip (network order), or NULL.
struct net_stack *net_stack_by_ip(uint32_t ip);

// native.c: take pkt if it is an intact UDP datagram for an open native
// endpoint of s (then the endpoint owns its buffer); false to give it to lwIP.
bool net_native_input(struct net_stack *s, const struct netq_pkt *pkt);

// frag.c: what became of fragmented datagrams (rx_reassembled,
// rx_reass_failed). net_frag_is: pkt is an IPv4 fragment (RFC 791 3.1:
// More Fragments set, or an offset). net_frag_seen: the stack took
// fragment pkt off its queue (*key: its datagram). Before giving it to
// lwIP take net_frag_mark(), after it call net_frag_after with that mark:
// whether the datagram is whole now. net_frag_expire: datagrams older
// than lwIP's reassembly time are given up (net_poll calls it).
bool net_frag_is(const struct netq_pkt *pkt);
void net_frag_seen(struct net_stack *s, const struct netq_pkt *pkt, struct net_frag *key);
uint32_t net_frag_mark(void);
void net_frag_after(struct net_stack *s, const struct net_frag *key, uint32_t mark);
void net_frag_expire(struct net_stack *s, uint64_t now_us);
