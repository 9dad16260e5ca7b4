/* lib/os/net/sock_udp.c: datagram sockets on lwIP's raw UDP API. */
#include "net_priv.h"
#include "sock_priv.h"

#include "lwip/udp.h"

#include <errno.h>
#include <os/probe.h>
#include <string.h>

// lwIP's receive callback: the datagram (zero copy: the frame's own
// buffer, or a pool copy) waits in the socket's queue.
static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    struct sock *s = arg;
    if (s->qcount == SOCK_UDP_QUEUE || s->rd_shut) {
        sock_stats.udp_queue_full++;
        pbuf_free(p);
        return;
    }
    struct sock_dgram *d = &s->q[(s->qhead + s->qcount++) % SOCK_UDP_QUEUE];
    d->p = p;
    ip_addr_copy(d->addr, *addr);
    d->port = port;
}

int sock_udp_open(struct sock *s)
{
    s->udp = udp_new();
    if (s->udp == NULL)
        return ENOBUFS; // every UDP PCB of lwIP's pool is in use
    udp_recv(s->udp, udp_recv_cb, s);
    return 0;
}

void sock_udp_set_reuse(struct sock *s)
{
    if (s->reuseaddr)
        ip_set_option(s->udp, SOF_REUSEADDR);
    else
        ip_reset_option(s->udp, SOF_REUSEADDR);
}

int sock_udp_bind(struct sock *s, const ip_addr_t *ip, u16_t port)
{
    if (s->udp->local_port != 0)
        return EINVAL; // bound already
    return sock_errno_of(udp_bind(s->udp, ip, port));
}

int sock_udp_connect(struct sock *s, const struct sockaddr *sa, socklen_t len)
{
    ip_addr_t ip;
    u16_t port;
    if (sa != NULL && len >= sizeof(sa->sa_family) && sa->sa_family == AF_UNSPEC) {
        udp_disconnect(s->udp);
        s->udp_connected = false;
        return 0;
    }
    int err = sock_addr_in(sa, len, &ip, &port);
    if (err == 0 && (port == 0 || ip_addr_isany(&ip)))
        err = EINVAL;
    if (err == 0)
        err = sock_errno_of(udp_connect(s->udp, &ip, port));
    if (err != 0)
        return sock_fail(err);
    s->udp_connected = true;
    return 0;
}

// Send p to ip:port. A socket bound to a stack's address leaves through
// that stack (lwIP's source routing); one bound to any address through
// the stack net_route picks, with that stack's address as the source.
static err_t udp_out(struct sock *s, struct pbuf *p, const ip_addr_t *ip, u16_t port)
{
    if (!ip_addr_isany(&s->udp->local_ip))
        return udp_sendto(s->udp, p, ip, port);
    struct net_stack *st = net_route(ip_addr_get_ip4_u32(ip));
    if (st == NULL)
        return ERR_RTE;
    return udp_sendto_if_src(s->udp, p, ip, port, &st->netif, netif_ip_addr4(&st->netif));
}

ssize_t sock_udp_sendto(struct sock *s, const void *buf, size_t len, int flags,
                        const struct sockaddr *to, socklen_t tolen)
{
    ip_addr_t ip;
    u16_t port;
    if (to == NULL) {
        if (!s->udp_connected)
            return sock_fail(EDESTADDRREQ);
        ip_addr_copy(ip, s->udp->remote_ip);
        port = s->udp->remote_port;
    } else {
        int err = sock_addr_in(to, tolen, &ip, &port);
        if (err == 0 && port == 0)
            err = EINVAL;
        if (err != 0)
            return sock_fail(err);
    }
    if (s->wr_shut)
        return sock_fail(EPIPE);
    if (len > SOCK_UDP_MAX)
        return sock_fail(EMSGSIZE);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (p == NULL)
        return sock_fail(ENOBUFS);
    os_probe_push(OS_PROBE_COPY_OUT);
    if (len > 0)
        memcpy(p->payload, buf, len);
    os_probe_pop();
    os_probe_push(OS_PROBE_STACK_OUT);
    err_t e = udp_out(s, p, &ip, port);
    os_probe_pop();
    pbuf_free(p);
    if (e != ERR_OK)
        return sock_fail(sock_errno_of(e));
    return (ssize_t)len;
}

static bool udp_readable(struct sock *s) { return s->qcount > 0 || s->err != 0 || s->rd_shut; }

ssize_t sock_udp_recvfrom(struct sock *s, void *buf, size_t len, int flags, struct sockaddr *from,
                          socklen_t *fromlen)
{
    int err = sock_block(s, s->nonblock || (flags & MSG_DONTWAIT), s->rcvtimeo_us, udp_readable);
    if (err != 0)
        return sock_fail(err);
    if (s->qcount == 0 && s->rd_shut)
        return 0;         // shut for reading: the end
    if (s->qcount == 0) { // a pending error woke us
        err = s->err;
        s->err = 0;
        return sock_fail(err);
    }
    struct sock_dgram *d = &s->q[s->qhead];
    // What does not fit is lost, as POSIX says for datagrams.
    size_t n = len < d->p->tot_len ? len : d->p->tot_len;
    os_probe_push(OS_PROBE_COPY_IN);
    pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
    os_probe_pop();
    sock_addr_out(&d->addr, d->port, from, fromlen);
    if (!(flags & MSG_PEEK)) {
        pbuf_free(d->p);
        s->qhead = (s->qhead + 1) % SOCK_UDP_QUEUE;
        s->qcount--;
    }
    return (ssize_t)n;
}

// As on Linux: only a connected datagram socket can be shut down.
// Reading shut drops what is queued and what comes; writing shut makes
// sends fail with EPIPE.
int sock_udp_shutdown(struct sock *s, int how)
{
    if (!s->udp_connected)
        return sock_fail(ENOTCONN);
    if (how != SHUT_WR) {
        s->rd_shut = true;
        for (; s->qcount > 0; s->qcount--, s->qhead = (s->qhead + 1) % SOCK_UDP_QUEUE)
            pbuf_free(s->q[s->qhead].p);
    }
    if (how != SHUT_RD)
        s->wr_shut = true;
    return 0;
}

short sock_udp_events(struct sock *s)
{
    short ev = s->wr_shut ? 0 : POLLOUT;
    if (s->qcount > 0 || s->rd_shut)
        ev |= POLLIN;
    if (s->err != 0)
        ev |= POLLERR;
    return ev;
}

void sock_udp_close(struct sock *s)
{
    udp_remove(s->udp);
    for (; s->qcount > 0; s->qcount--, s->qhead = (s->qhead + 1) % SOCK_UDP_QUEUE)
        pbuf_free(s->q[s->qhead].p);
}
