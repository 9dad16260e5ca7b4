/* lib/os/net/sock_tcp.c: stream sockets on lwIP's raw TCP API. */
#include "net_priv.h"
#include "sock_priv.h"

#include "lwip/tcp.h"

#include <errno.h>
#include <string.h>

// ---- lwIP's callbacks ------------------------------------------------------

static void detach(struct sock *s)
{
    if (s->tcp != NULL) {
        tcp_arg(s->tcp, NULL);
        tcp_recv(s->tcp, NULL); // lwIP's default: acknowledge and drop
        tcp_err(s->tcp, NULL);
        s->tcp = NULL;
    }
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct sock *s = arg;
    if (p == NULL) {
        s->peer_fin = true;
        // Both sides have sent FIN: lwIP finishes alone (CLOSING,
        // TIME_WAIT) and frees the pcb without telling us, so let it go.
        if (s->wr_shut) {
            detach(s);
            s->state = SOCK_DEAD;
        }
        return ERR_OK;
    }
    if (s->rd_shut) { // shut for reading: acknowledged and dropped
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
    } else if (s->rx == NULL) {
        s->rx = p; // kept without a copy until read
    } else {
        pbuf_cat(s->rx, p); // the window (TCP_WND) bounds what waits unread
    }
    return ERR_OK;
}

// The pcb is gone (lwIP freed it): a reset, a timeout, or both FINs done.
static void tcp_err_cb(void *arg, err_t err)
{
    struct sock *s = arg;
    s->tcp = NULL;
    if (err == ERR_CLSD) {
        s->err = 0; // the orderly end of a connection
    } else if (err == ERR_ABRT && net_netif_removing) {
        s->err = ENETDOWN;
    } else if (s->state == SOCK_CONNECTING) {
        s->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    } else {
        // lwIP aborts a connection itself only when its retransmissions
        // (or keepalives) go unanswered.
        s->err = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : sock_errno_of(err);
    }
    s->reset = err != ERR_CLSD;
    s->state = SOCK_DEAD;
}

static void remember_names(struct sock *s)
{
    ip_addr_copy(s->local_ip, s->tcp->local_ip);
    ip_addr_copy(s->peer_ip, s->tcp->remote_ip);
    s->local_port = s->tcp->local_port;
    s->peer_port = s->tcp->remote_port;
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *s = arg;
    s->state = SOCK_CONNECTED;
    remember_names(s);
    return ERR_OK;
}

static void attach(struct sock *s, struct tcp_pcb *pcb)
{
    s->tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, tcp_recv_cb);
    tcp_err(pcb, tcp_err_cb);
}

void sock_tcp_set_options(struct sock *s)
{
    if (s->tcp == NULL)
        return;
    if (s->reuseaddr)
        ip_set_option(s->tcp, SOF_REUSEADDR);
    else
        ip_reset_option(s->tcp, SOF_REUSEADDR);
    if (s->state == SOCK_LISTENING)
        return; // a listening pcb has no Nagle or keepalive state
    if (s->keepalive)
        ip_set_option(s->tcp, SOF_KEEPALIVE);
    else
        ip_reset_option(s->tcp, SOF_KEEPALIVE);
    if (s->nodelay)
        tcp_nagle_disable(s->tcp);
    else
        tcp_nagle_enable(s->tcp);
}

// A connection completed the handshake on listener l. Every listener has
// this callback, because lwIP calls it with no pcb (and ERR_MEM) when
// every PCB is in use, and its default one asserts on that
// (docs/network.md).
static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct sock *l = arg, *s;
    if (newpcb == NULL || err != ERR_OK) {
        sock_stats.accept_no_pcb++;
        return ERR_VAL;
    }
    // lwIP's backlog (below) keeps the queue within l->backlog.
    if (l == NULL || l->acount == SOCK_BACKLOG_MAX || (s = sock_new(SOCK_STREAM)) == NULL) {
        sock_stats.accept_no_memory++;
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    s->state = SOCK_CONNECTED;
    s->nodelay = l->nodelay; // inherited, as on Linux
    s->keepalive = l->keepalive;
    attach(s, newpcb);
    remember_names(s);
    sock_tcp_set_options(s);
    // Counted against the backlog until accept() takes it, so lwIP drops
    // further SYNs (the peer retries) rather than overflow the queue.
    tcp_backlog_delayed(newpcb);
    l->acceptq[(l->ahead + l->acount++) % SOCK_BACKLOG_MAX] = s;
    sock_stats.unaccepted++;
    return ERR_OK;
}

// ---- Set-up ----------------------------------------------------------------

int sock_tcp_open(struct sock *s)
{
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL)
        return ENOBUFS; // every TCP PCB of lwIP's pool is in use
    attach(s, pcb);
    s->state = SOCK_NEW;
    return 0;
}

int sock_tcp_bind(struct sock *s, const ip_addr_t *ip, u16_t port)
{
    if (s->state != SOCK_NEW || s->tcp == NULL || s->tcp->local_port != 0)
        return EINVAL;
    int err = sock_errno_of(tcp_bind(s->tcp, ip, port));
    if (err == 0) {
        ip_addr_copy(s->bind_ip, *ip);
        s->bind_port = s->tcp->local_port;
        s->bound = true;
    }
    return err;
}

// After a connection attempt failed (and said so), the socket may try
// again, as on Linux: a new pcb, bound where the old one was.
static int reopen(struct sock *s)
{
    int err = sock_tcp_open(s);
    if (err != 0)
        return err;
    s->reset = false;
    sock_tcp_set_options(s);
    if (s->bound && tcp_bind(s->tcp, &s->bind_ip, s->bind_port) != ERR_OK) {
        tcp_close(s->tcp); // its port was taken meanwhile
        s->tcp = NULL;
        s->state = SOCK_DEAD;
        return EADDRINUSE;
    }
    return 0;
}

static bool connect_done(struct sock *s) { return s->state != SOCK_CONNECTING; }

// The outcome of a connection attempt that ended.
static int connect_result(struct sock *s)
{
    if (s->state == SOCK_CONNECTED)
        return 0;
    int err = s->err != 0 ? s->err : ECONNABORTED;
    s->err = 0;
    return sock_fail(err);
}

static int connect_start(struct sock *s, const struct sockaddr *sa, socklen_t len)
{
    ip_addr_t ip;
    u16_t port;
    int err = sock_addr_in(sa, len, &ip, &port);
    if (err != 0)
        return err;
    if (port == 0)
        return EINVAL;
    uint32_t dst = ip_addr_get_ip4_u32(&ip);
    if (dst == 0 || dst == 0xffffffffu)
        return ENETUNREACH;
    // A socket bound to no address leaves through the stack that reaches
    // the peer (the first opened, when several do).
    if (ip_addr_isany(&s->tcp->local_ip)) {
        struct net_stack *st = net_route(dst);
        if (st == NULL)
            return ENETUNREACH;
        tcp_bind_netif(s->tcp, &st->netif);
    }
    err = sock_errno_of(tcp_connect(s->tcp, &ip, port, tcp_connected_cb));
    if (err == 0)
        s->state = SOCK_CONNECTING;
    return err;
}

int sock_tcp_connect(struct sock *s, const struct sockaddr *sa, socklen_t len)
{
    if (s->state == SOCK_DEAD && s->err == 0 && s->peer_port == 0) {
        int err = reopen(s);
        if (err != 0)
            return sock_fail(err);
    }
    switch (s->state) {
    case SOCK_CONNECTED: return sock_fail(EISCONN);
    case SOCK_LISTENING: return sock_fail(EINVAL);
    case SOCK_DEAD: return s->err != 0 ? connect_result(s) : sock_fail(EISCONN);
    case SOCK_CONNECTING:
        if (s->nonblock)
            return sock_fail(EALREADY);
        break;
    case SOCK_NEW: {
        int err = s->tcp != NULL ? connect_start(s, sa, len) : EINVAL;
        if (err != 0)
            return sock_fail(err);
        sock_flush(); // the SYN
        if (s->nonblock)
            return sock_fail(EINPROGRESS);
        break;
    }
    }
    int err = sock_block(s, false, s->sndtimeo_us, connect_done);
    if (err != 0) // still connecting when SO_SNDTIMEO passed: as Linux
        return sock_fail(err == EAGAIN ? EINPROGRESS : err);
    return connect_result(s);
}

int sock_tcp_listen(struct sock *s, int backlog)
{
    u8_t b = (u8_t)(backlog < 1 ? 1 : backlog > SOCK_BACKLOG_MAX ? SOCK_BACKLOG_MAX : backlog);
    if (s->state == SOCK_LISTENING) {
        s->backlog = b;
        tcp_backlog_set(s->tcp, b);
        return 0;
    }
    if (s->state != SOCK_NEW || s->tcp == NULL)
        return sock_fail(EINVAL);
    err_t e = ERR_OK;
    if (s->tcp->local_port == 0)
        e = tcp_bind(s->tcp, IP_ADDR_ANY, 0);
    struct tcp_pcb *l = e == ERR_OK ? tcp_listen_with_backlog_and_err(s->tcp, b, &e) : NULL;
    if (l == NULL) // s->tcp is unchanged
        return sock_fail(sock_errno_of(e));
    s->tcp = l; // lwIP freed the old pcb; the new one has our arg
    s->state = SOCK_LISTENING;
    s->backlog = b;
    tcp_accept(l, tcp_accept_cb);
    return 0;
}

static bool acceptable(struct sock *s) { return s->acount > 0; }

int sock_tcp_accept(struct sock *l, struct sockaddr *addr, socklen_t *len)
{
    if (l->state != SOCK_LISTENING)
        return sock_fail(EINVAL);
    if (addr != NULL && len == NULL)
        return sock_fail(EFAULT);
    int err = sock_block(l, l->nonblock, l->rcvtimeo_us, acceptable);
    if (err != 0)
        return sock_fail(err);
    struct sock *s = l->acceptq[l->ahead];
    int fd = sock_fd_alloc(s); // EMFILE leaves the connection queued
    if (fd < 0)
        return -1;
    l->ahead = (l->ahead + 1) % SOCK_BACKLOG_MAX;
    l->acount--;
    sock_stats.unaccepted--;
    if (s->tcp != NULL)
        tcp_backlog_accepted(s->tcp);
    if (addr != NULL)
        sock_addr_out(&s->peer_ip, s->peer_port, addr, len);
    return fd;
}

// ---- Data ------------------------------------------------------------------

// Why a send cannot go on (0: it can, or must wait for a connection).
static int send_error(struct sock *s)
{
    if (s->err != 0)
        return s->err;
    switch (s->state) {
    case SOCK_NEW:
    case SOCK_LISTENING: return ENOTCONN;
    case SOCK_CONNECTING: return 0;
    case SOCK_DEAD: return EPIPE;
    case SOCK_CONNECTED: return s->wr_shut || s->tcp == NULL ? EPIPE : 0;
    }
    return EINVAL;
}

// Ready to try again: connected with more room than at the last try, or
// failed.
static bool writable(struct sock *s)
{
    if (send_error(s) != 0)
        return true;
    return s->state == SOCK_CONNECTED && tcp_sndbuf(s->tcp) > s->snd_mark &&
           tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN;
}

// Queue as much of buf as lwIP takes now; returns bytes queued, or -1
// with the errno in *err.
static ssize_t write_some(struct sock *s, const char *buf, size_t len, int *err)
{
    size_t done = 0;
    while (done < len && tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN) {
        size_t n = len - done;
        if (n > tcp_sndbuf(s->tcp))
            n = tcp_sndbuf(s->tcp);
        if (n == 0)
            break;
        err_t e = tcp_write(s->tcp, buf + done, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM)
            break; // lwIP's segments or heap: wait as for a full buffer
        if (e != ERR_OK) {
            *err = sock_errno_of(e);
            return -1;
        }
        done += n;
    }
    return (ssize_t)done;
}

ssize_t sock_tcp_send(struct sock *s, const void *buf, size_t len, int flags)
{
    bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
    size_t done = 0;
    for (;;) {
        int err = send_error(s);
        if (err != 0) {
            if (done > 0)
                return (ssize_t)done; // the error waits for the next call
            if (err == s->err)
                s->err = 0;
            return sock_fail(err);
        }
        if (s->state == SOCK_CONNECTED) {
            ssize_t n = write_some(s, (const char *)buf + done, len - done, &err);
            if (n < 0)
                return done > 0 ? (ssize_t)done : sock_fail(err);
            done += (size_t)n;
            tcp_output(s->tcp);
            if (done == len)
                return (ssize_t)done;
            s->snd_mark = tcp_sndbuf(s->tcp);
        }
        err = sock_block(s, nonblock, s->sndtimeo_us, writable);
        if (err != 0)
            return done > 0 ? (ssize_t)done : sock_fail(err);
    }
}

static bool readable(struct sock *s)
{
    return s->rx != NULL || s->peer_fin || s->rd_shut || s->err != 0 ||
           (s->state != SOCK_CONNECTED && s->state != SOCK_CONNECTING);
}

// Copy up to len received bytes to buf, consuming them unless peek.
static size_t take(struct sock *s, char *buf, size_t len, bool peek)
{
    size_t n = len < s->rx->tot_len ? len : s->rx->tot_len;
    pbuf_copy_partial(s->rx, buf, (u16_t)n, 0);
    if (!peek) {
        // Frees each pbuf once read: a zero-copy buffer goes back to the queue.
        s->rx = pbuf_free_header(s->rx, (u16_t)n);
        if (s->tcp != NULL)
            tcp_recved(s->tcp, (u16_t)n); // opens the window again
    }
    return n;
}

ssize_t sock_tcp_recv(struct sock *s, void *buf, size_t len, int flags)
{
    bool nonblock = s->nonblock || (flags & MSG_DONTWAIT), peek = flags & MSG_PEEK;
    bool all = (flags & MSG_WAITALL) && !peek;
    size_t got = 0;
    if (s->state == SOCK_NEW || s->state == SOCK_LISTENING)
        return sock_fail(ENOTCONN);
    if (len == 0)
        return 0;
    while (got < len) {
        int err = sock_block(s, nonblock, s->rcvtimeo_us, readable);
        if (err != 0)
            return got > 0 ? (ssize_t)got : sock_fail(err);
        if (s->rx == NULL)
            break; // the end of the stream, or an error
        got += take(s, (char *)buf + got, len - got, peek);
        if (!all)
            break;
    }
    if (got > 0 || s->err == 0)
        return (ssize_t)got; // data, or 0: the end of the stream
    int err = s->err;
    s->err = 0;
    return sock_fail(err);
}

int sock_tcp_shutdown(struct sock *s, int how)
{
    if (s->state != SOCK_CONNECTED && s->state != SOCK_DEAD)
        return sock_fail(ENOTCONN);
    if (how != SHUT_WR && !s->rd_shut) {
        // Ours alone: lwIP's own read shutdown resets the connection when
        // data comes; POSIX only drops it.
        s->rd_shut = true;
        if (s->rx != NULL && s->tcp != NULL)
            tcp_recved(s->tcp, s->rx->tot_len);
        if (s->rx != NULL)
            pbuf_free(s->rx);
        s->rx = NULL;
    }
    if (how != SHUT_RD && !s->wr_shut && s->tcp != NULL) {
        err_t e = tcp_shutdown(s->tcp, 0, 1); // our FIN, after what is queued
        if (e != ERR_OK)
            return sock_fail(sock_errno_of(e));
        // If the peer's FIN came first, LAST_ACK ends in tcp_err_cb (ERR_CLSD).
    }
    s->wr_shut |= how != SHUT_RD;
    return 0;
}

short sock_tcp_events(struct sock *s)
{
    short ev = 0;
    switch (s->state) {
    case SOCK_NEW: ev = POLLOUT | POLLHUP; break;
    case SOCK_LISTENING: ev = s->acount > 0 ? POLLIN : 0; break;
    case SOCK_CONNECTING: break;
    case SOCK_CONNECTED:
        if (s->rx != NULL || s->peer_fin || s->rd_shut)
            ev |= POLLIN;
        if (!s->wr_shut && s->tcp != NULL && tcp_sndbuf(s->tcp) > 0)
            ev |= POLLOUT;
        if (s->peer_fin && s->wr_shut)
            ev |= POLLHUP;
        break;
    case SOCK_DEAD: ev = POLLIN | POLLOUT | POLLHUP; break;
    }
    if (s->err != 0)
        ev |= POLLERR;
    return ev;
}

// ---- Close -----------------------------------------------------------------

// lwIP could not start the close (no memory for the FIN): try again on
// the pcb's poll timer until it can.
static err_t close_retry(void *arg, struct tcp_pcb *pcb)
{
    if (tcp_close(pcb) != ERR_OK)
        sock_stats.close_retries++;
    return ERR_OK;
}

// A connection nobody will read: reset it and free the socket.
static void discard(struct sock *s)
{
    if (s->tcp != NULL) {
        struct tcp_pcb *pcb = s->tcp;
        detach(s);
        tcp_abort(pcb);
    }
    if (s->rx != NULL)
        pbuf_free(s->rx);
    sock_free(s);
}

void sock_tcp_close(struct sock *s)
{
    if (s->state == SOCK_LISTENING) {
        for (; s->acount > 0; s->acount--, s->ahead = (s->ahead + 1) % SOCK_BACKLOG_MAX) {
            discard(s->acceptq[s->ahead]);
            sock_stats.unaccepted--;
        }
        tcp_arg(s->tcp, NULL);
        tcp_close(s->tcp); // a listener always closes at once
        return;
    }
    // Unread data stays unacknowledged, so lwIP's close resets the
    // connection, as POSIX systems do.
    if (s->rx != NULL)
        pbuf_free(s->rx);
    s->rx = NULL;
    struct tcp_pcb *pcb = s->tcp;
    if (pcb == NULL)
        return;
    detach(s);
    if (s->linger0) {
        tcp_abort(pcb);
    } else if (tcp_close(pcb) != ERR_OK) {
        sock_stats.close_retries++;
        tcp_poll(pcb, close_retry, 4);
    }
}
