/* lib/os/net/frag.c: what became of each fragmented IPv4 datagram: reassembled, or given up. */
#include "net_priv.h"

#include "lwip/ip4_frag.h"
#include "lwip/stats.h"

#include <string.h>

// lwIP reassembles (ip4_frag.c) and counts fragments, not datagrams: a
// datagram whose fragments were dropped (no pool buffer, more than
// IP_REASS_MAX_PBUFS waiting) or never all came leaves no trace of its
// own. So each stack keeps a ledger of the datagrams whose fragments it
// took off its queue, by the key RFC 791 3.2 reassembles by (source,
// protocol, identification; the destination is the stack's). An entry
// ends when lwIP reports the datagram whole, or, failed, once lwIP's
// reassembly time (IP_REASS_MAXAGE ticks of IP_TMR_INTERVAL, and the
// tick in progress) has passed since its first fragment.
#define FRAG_TIMEOUT_US ((uint64_t)(IP_REASS_MAXAGE + 2) * IP_TMR_INTERVAL * 1000)

// Header offsets (RFC 791 3.1) within the frame.
#define OFF_IP       14
#define OFF_IP_ID    (OFF_IP + 4)
#define OFF_IP_FRAG  (OFF_IP + 6)
#define OFF_IP_PROTO (OFF_IP + 9)
#define OFF_IP_SRC   (OFF_IP + 12)

bool net_frag_is(const struct netq_pkt *pkt)
{
    const uint8_t *f = pkt->data;
    return pkt->len >= OFF_IP + 20 && f[12] == 0x08 && f[13] == 0x00 &&
           ((f[OFF_IP_FRAG] & 0x3f) != 0 || f[OFF_IP_FRAG + 1] != 0);
}

static void key_of(const struct netq_pkt *pkt, struct net_frag *k)
{
    const uint8_t *f = pkt->data;
    memcpy(&k->src, f + OFF_IP_SRC, 4);
    memcpy(&k->id, f + OFF_IP_ID, 2);
    k->proto = f[OFF_IP_PROTO];
}

static struct net_frag *find(struct net_stack *s, const struct net_frag *k)
{
    for (unsigned i = 0; i < NET_FRAG_TRACK; i++) {
        struct net_frag *e = &s->frags[i];
        if (e->used && e->src == k->src && e->id == k->id && e->proto == k->proto)
            return e;
    }
    return NULL;
}

static void release(struct net_stack *s, struct net_frag *e)
{
    e->used = false;
    s->n_frags--;
}

static void give_up(struct net_stack *s, struct net_frag *e)
{
    release(s, e);
    s->stats.rx_reass_failed++;
}

// A free entry; when all are taken, the oldest is given up (lwIP itself
// holds at most MEMP_NUM_REASSDATA datagrams, far fewer).
static struct net_frag *take(struct net_stack *s)
{
    struct net_frag *oldest = &s->frags[0];
    for (unsigned i = 0; i < NET_FRAG_TRACK; i++) {
        struct net_frag *e = &s->frags[i];
        if (!e->used)
            return e;
        if (e->first_us < oldest->first_us)
            oldest = e;
    }
    give_up(s, oldest);
    return oldest;
}

void net_frag_seen(struct net_stack *s, const struct netq_pkt *pkt, struct net_frag *key)
{
    key_of(pkt, key);
    if (find(s, key) != NULL)
        return;
    struct net_frag *e = take(s);
    *e = *key;
    e->used = true;
    e->first_us = net_now_us();
    s->n_frags++;
}

uint32_t net_frag_mark(void) { return lwip_stats.mib2.ipreasmoks; }

void net_frag_after(struct net_stack *s, const struct net_frag *key, uint32_t mark)
{
    // Only the datagram of the fragment lwIP just took can have been completed.
    if (lwip_stats.mib2.ipreasmoks == mark)
        return;
    struct net_frag *e = find(s, key);
    if (e != NULL)
        release(s, e);
    s->stats.rx_reassembled++;
}

void net_frag_expire(struct net_stack *s, uint64_t now_us)
{
    for (unsigned i = 0; s->n_frags > 0 && i < NET_FRAG_TRACK; i++) {
        struct net_frag *e = &s->frags[i];
        if (e->used && now_us - e->first_us >= FRAG_TIMEOUT_US)
            give_up(s, e);
    }
}
