/* lib/os/net/report.c: one line of a stack's counters, for applications to print or send. */
#include "net_priv.h"
#include <lwip/stats.h>
#include <lwip_port.h>
#include <stdarg.h>
#include <stdio.h>

struct line {
    char *buf;
    size_t n, at;
};

// Append to the line; what does not fit is cut off.
static void put(struct line *l, const char *fmt, ...)
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
    return l.at;
}
