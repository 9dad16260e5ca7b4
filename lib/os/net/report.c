/* lib/os/net/report.c: one line of a stack's counters, for applications to print or send. */
#include "net_priv.h"
#include <lwip/stats.h>
#include <lwip_port.h>
#include <net/socket.h>
#include <stdarg.h>
#include <stdio.h>

struct line {
    char *buf;
    size_t n, at;
};

// Append to the line; what does not fit is cut off.
__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(l->buf + l->at, l->n - l->at, fmt, ap);
    va_end(ap);
    if (w > 0)
        l->at += (size_t)w < l->n - l->at ? (size_t)w : l->n - l->at - 1;
}

#if LWIP_STATS
// What lwIP dropped of one protocol, and the commonest reasons why.
static void proto(struct line *l, const char *name, const struct stats_proto *p)
{
    put(l, ", %s %lu (checksum %lu, length %lu, protocol %lu)", name, (unsigned long)p->drop,
        (unsigned long)p->chkerr, (unsigned long)p->lenerr, (unsigned long)p->proterr);
}
#endif

// Drops of whole datagrams (and the ring's runs out of buffers), after
// the frame counters above, which tests parse as they are.
static void datagrams(struct line *l, const struct net_stack_stats *st, const struct netq_stats *q)
{
    struct net_sock_stats so;
    net_sock_stats(&so);
    put(l, "; datagrams: reassembled %lu, reassembly failed %lu, socket queue full %lu",
        (unsigned long)st->rx_reassembled, (unsigned long)st->rx_reass_failed,
        (unsigned long)so.udp_queue_full);
    put(l, ", native ring full %lu, native not one frame %lu, native oversize %lu",
        (unsigned long)st->native_ring_full, (unsigned long)st->native_not_one_frame,
        (unsigned long)st->native_oversize);
    put(l, "; rx ring ran out %lu", (unsigned long)q->rx_ring_exhausted);
#if LWIP_STATS
    put(l, "; ip fragments dropped %lu (memory %lu)", (unsigned long)lwip_stats.ip_frag.drop,
        (unsigned long)lwip_stats.ip_frag.memerr);
#endif
}

size_t net_stack_report(struct net_stack *s, char *buf, size_t n)
{
    struct net_stack_stats st;
    struct netq_stats q;
    struct line l = {buf, n, 0};
    if (n == 0)
        return 0;
    buf[0] = '\0';
    net_stack_stats(s, &st);
    s->q->ops->stats(s->q, &q);
    put(&l, "frames rx %lu tx %lu; dropped: queue %lu (bad frames %lu), stack %lu",
        (unsigned long)st.rx_frames, (unsigned long)st.tx_frames, (unsigned long)q.rx_dropped,
        (unsigned long)q.rx_errors, (unsigned long)st.rx_dropped);
#if LWIP_STATS
    put(&l, "; lwIP: link %lu, arp %lu", (unsigned long)lwip_stats.link.drop,
        (unsigned long)lwip_stats.etharp.drop);
    proto(&l, "ip", &lwip_stats.ip);
    proto(&l, "udp", &lwip_stats.udp);
    proto(&l, "tcp", &lwip_stats.tcp);
    put(&l, " (listen backlog full %lu, no pcb %lu)",
        (unsigned long)lwip_port_stats.syn_backlog_full, (unsigned long)lwip_stats.tcp.memerr);
    put(&l, ", icmp %lu", (unsigned long)lwip_stats.icmp.drop);
#endif
    datagrams(&l, &st, &q);
    return l.at;
}
