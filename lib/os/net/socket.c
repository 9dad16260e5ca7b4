/* lib/os/net/socket.c: the socket layer's descriptors, addresses, options and dispatch. */
#include "net_priv.h"
#include "sock_priv.h"

#include "lwip/tcp.h"
#include "lwip/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <os/probe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct net_sock_stats sock_stats;
static struct sock *fds[NET_SOCK_MAX];
static unsigned fd_max = NET_SOCK_MAX;

int sock_fail(int err)
{
    errno = err;
    return -1;
}

int sock_errno_of(err_t e)
{
    switch (e) {
    case ERR_OK: return 0;
    case ERR_MEM:
    case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return ENETUNREACH;
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_WOULDBLOCK: return EWOULDBLOCK;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN:
    case ERR_CLSD: return ENOTCONN;
    case ERR_ABRT: return ECONNABORTED;
    case ERR_RST: return ECONNRESET;
    case ERR_IF: return EIO;
    default: return EINVAL; // ERR_VAL, ERR_ARG
    }
}

void sock_flush(void)
{
    for (struct net_stack *s = net_stacks; s != NULL; s = s->next) {
        net_rx_return_flush(s); // buffers the call freed
        net_flush(s);
    }
}

// Run the stacks until s is ready, the time is up, or the wait fails.
static int block_until(struct sock *s, uint64_t timeout_us, bool (*ready)(struct sock *))
{
    uint64_t start = net_now_us();
    for (;;) {
        uint64_t left = 0, elapsed = net_now_us() - start;
        if (timeout_us != 0) {
            if (elapsed >= timeout_us)
                return EAGAIN;
            left = timeout_us - elapsed;
        }
        errval_t err = net_wait_all(left);
        if (err_no(err) == NET_ERR_NO_STACK)
            return ENETDOWN;
        if (err_is_fail(err))
            return EIO;
        net_poll_all();
        if (ready(s))
            return 0;
    }
}

int sock_block(struct sock *s, bool nonblock, uint64_t timeout_us, bool (*ready)(struct sock *))
{
    if (ready(s))
        return 0;
    net_poll_all();
    if (ready(s))
        return 0;
    if (nonblock)
        return EAGAIN;
    // The loop is waiting; the frame that ends it is charged to its phases.
    os_probe_push(OS_PROBE_WAIT);
    int err = block_until(s, timeout_us, ready);
    os_probe_pop();
    return err;
}

int sock_addr_in(const struct sockaddr *sa, socklen_t len, ip_addr_t *ip, u16_t *port)
{
    if (sa == NULL)
        return EFAULT;
    if (len < sizeof(struct sockaddr_in))
        return EINVAL;
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
    if (sin->sin_family != AF_INET)
        return EAFNOSUPPORT;
    ip_addr_set_ip4_u32(ip, sin->sin_addr.s_addr);
    *port = ntohs(sin->sin_port);
    return 0;
}

void sock_addr_out(const ip_addr_t *ip, u16_t port, struct sockaddr *sa, socklen_t *len)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = ip != NULL ? ip_addr_get_ip4_u32(ip) : 0;
    if (sa != NULL && len != NULL)
        memcpy(sa, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
    if (len != NULL)
        *len = sizeof(sin);
}

struct sock *sock_of_fd(int fd)
{
    if (fd < NET_SOCK_FD_BASE || fd >= NET_SOCK_FD_BASE + NET_SOCK_MAX)
        return NULL;
    return fds[fd - NET_SOCK_FD_BASE];
}

// The socket of fd, or NULL (errno EBADF).
static struct sock *sock_get(int fd)
{
    if (fd < NET_SOCK_FD_BASE || fd >= NET_SOCK_FD_BASE + NET_SOCK_MAX ||
        fds[fd - NET_SOCK_FD_BASE] == NULL) {
        errno = EBADF;
        return NULL;
    }
    return fds[fd - NET_SOCK_FD_BASE];
}

int net_sock_set_max(unsigned max)
{
    if (max < 1 || max > NET_SOCK_MAX)
        return sock_fail(EINVAL);
    fd_max = max;
    return 0;
}

int sock_fd_alloc(struct sock *s)
{
    for (int i = 0; i < (int)fd_max; i++) {
        if (fds[i] == NULL) {
            fds[i] = s;
            sock_stats.open++;
            return NET_SOCK_FD_BASE + i;
        }
    }
    return sock_fail(EMFILE);
}

struct sock *sock_new(int type)
{
    struct sock *s = calloc(1, sizeof(*s));
    if (s != NULL)
        s->type = type;
    return s;
}

void sock_free(struct sock *s) { free(s); }

int net_sock_socket(int domain, int type, int protocol)
{
    int kind = type & ~SOCK_NONBLOCK;
    if (!net_started())
        return sock_fail(ENETDOWN); // lwIP is not started: net_init first
    if (domain != AF_INET)
        return sock_fail(EAFNOSUPPORT);
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
        return sock_fail(ESOCKTNOSUPPORT);
    if (protocol != 0 && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
        return sock_fail(EPROTONOSUPPORT);
    struct sock *s = sock_new(kind);
    if (s == NULL)
        return sock_fail(ENOMEM);
    s->nonblock = (type & SOCK_NONBLOCK) != 0;
    int err = kind == SOCK_STREAM ? sock_tcp_open(s) : sock_udp_open(s);
    if (err != 0) {
        sock_free(s);
        return sock_fail(err);
    }
    int fd = sock_fd_alloc(s);
    if (fd < 0) {
        kind == SOCK_STREAM ? sock_tcp_close(s) : sock_udp_close(s);
        sock_free(s);
    }
    return fd;
}

int net_sock_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sock *s = sock_get(fd);
    ip_addr_t ip;
    u16_t port;
    if (s == NULL)
        return -1;
    int err = sock_addr_in(addr, len, &ip, &port);
    if (err != 0)
        return sock_fail(err);
    // Only the addresses of open stacks, or any.
    if (!ip_addr_isany(&ip) && net_stack_by_ip(ip_addr_get_ip4_u32(&ip)) == NULL)
        return sock_fail(EADDRNOTAVAIL);
    err = s->type == SOCK_STREAM ? sock_tcp_bind(s, &ip, port) : sock_udp_bind(s, &ip, port);
    return err != 0 ? sock_fail(err) : 0;
}

int net_sock_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    int r =
        s->type == SOCK_STREAM ? sock_tcp_connect(s, addr, len) : sock_udp_connect(s, addr, len);
    sock_flush();
    return r;
}

int net_sock_listen(int fd, int backlog)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if (s->type != SOCK_STREAM)
        return sock_fail(EOPNOTSUPP);
    return sock_tcp_listen(s, backlog);
}

int net_sock_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if (s->type != SOCK_STREAM)
        return sock_fail(EOPNOTSUPP);
    int r = sock_tcp_accept(s, addr, len);
    sock_flush();
    return r;
}

static ssize_t sock_sendto(int fd, const void *buf, size_t len, int flags,
                           const struct sockaddr *to, socklen_t tolen)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL)) != 0)
        return sock_fail(EOPNOTSUPP);
    if (buf == NULL && len > 0)
        return sock_fail(EFAULT);
    ssize_t r;
    if (s->type == SOCK_DGRAM)
        r = sock_udp_sendto(s, buf, len, flags, to, tolen);
    else if (to != NULL) // a connected socket's address is its peer's
        r = sock_fail(s->state == SOCK_CONNECTED ? EISCONN : ENOTCONN);
    else
        r = sock_tcp_send(s, buf, len, flags);
    sock_flush();
    return r;
}

ssize_t net_sock_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                        socklen_t tolen)
{
    os_probe_push(OS_PROBE_API);
    ssize_t r = sock_sendto(fd, buf, len, flags, to, tolen);
    os_probe_pop();
    return r;
}

ssize_t net_sock_send(int fd, const void *buf, size_t len, int flags)
{
    return net_sock_sendto(fd, buf, len, flags, NULL, 0);
}

static ssize_t sock_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                             socklen_t *fromlen)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if ((flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL)) != 0)
        return sock_fail(EOPNOTSUPP);
    if (buf == NULL && len > 0)
        return sock_fail(EFAULT);
    ssize_t r;
    if (s->type == SOCK_DGRAM) {
        r = sock_udp_recvfrom(s, buf, len, flags, from, fromlen);
    } else {
        r = sock_tcp_recv(s, buf, len, flags);
        if (r >= 0 && from != NULL && fromlen != NULL)
            sock_addr_out(&s->peer_ip, s->peer_port, from, fromlen);
    }
    sock_flush(); // window updates
    return r;
}

ssize_t net_sock_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                          socklen_t *fromlen)
{
    os_probe_push(OS_PROBE_API);
    ssize_t r = sock_recvfrom(fd, buf, len, flags, from, fromlen);
    os_probe_pop();
    return r;
}

ssize_t net_sock_recv(int fd, void *buf, size_t len, int flags)
{
    return net_sock_recvfrom(fd, buf, len, flags, NULL, NULL);
}

int net_sock_shutdown(int fd, int how)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return sock_fail(EINVAL);
    if (s->type != SOCK_STREAM)
        return sock_udp_shutdown(s, how);
    int r = sock_tcp_shutdown(s, how);
    sock_flush();
    return r;
}

int net_sock_close(int fd)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    fds[fd - NET_SOCK_FD_BASE] = NULL;
    sock_stats.open--;
    if (s->type == SOCK_STREAM)
        sock_tcp_close(s);
    else
        sock_udp_close(s);
    sock_free(s);
    sock_flush();
    return 0;
}

int net_sock_fcntl(int fd, int cmd, int arg)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    switch (cmd) {
    case F_GETFL: return O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
    case F_SETFL: s->nonblock = (arg & O_NONBLOCK) != 0; return 0;
    default: return sock_fail(EINVAL);
    }
}

// ---- Options ---------------------------------------------------------------

static int opt_int(const void *val, socklen_t len, int *out)
{
    if (val == NULL)
        return EFAULT;
    if (len < sizeof(int))
        return EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

static int opt_timeval(const void *val, socklen_t len, uint64_t *us)
{
    struct timeval tv;
    if (val == NULL)
        return EFAULT;
    if (len < sizeof(tv))
        return EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return EDOM; // as Linux
    *us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
    return 0;
}

static int opt_linger(struct sock *s, const void *val, socklen_t len)
{
    struct linger l;
    if (val == NULL)
        return EFAULT;
    if (len < sizeof(l))
        return EINVAL;
    memcpy(&l, val, sizeof(l));
    // Only "close resets the connection" (l_linger 0); a close that waits
    // for the data to be acknowledged is not supported.
    if (l.l_onoff && l.l_linger != 0)
        return EOPNOTSUPP;
    s->linger0 = l.l_onoff != 0;
    return 0;
}

static int set_socket_opt(struct sock *s, int name, const void *val, socklen_t len)
{
    int v = 0, err;
    switch (name) {
    case SO_REUSEADDR:
        if ((err = opt_int(val, len, &v)) != 0)
            return err;
        s->reuseaddr = v != 0;
        break;
    case SO_KEEPALIVE:
        if ((err = opt_int(val, len, &v)) != 0)
            return err;
        s->keepalive = v != 0;
        break;
    case SO_RCVTIMEO: return opt_timeval(val, len, &s->rcvtimeo_us);
    case SO_SNDTIMEO: return opt_timeval(val, len, &s->sndtimeo_us);
    case SO_LINGER: return s->type == SOCK_STREAM ? opt_linger(s, val, len) : ENOPROTOOPT;
    default: return ENOPROTOOPT;
    }
    if (s->type == SOCK_STREAM)
        sock_tcp_set_options(s);
    else
        sock_udp_set_reuse(s);
    return 0;
}

int net_sock_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    struct sock *s = sock_get(fd);
    int err = ENOPROTOOPT, v;
    if (s == NULL)
        return -1;
    if (level == SOL_SOCKET) {
        err = set_socket_opt(s, name, val, len);
    } else if (level == IPPROTO_TCP && name == TCP_NODELAY && s->type == SOCK_STREAM) {
        err = opt_int(val, len, &v);
        if (err == 0) {
            s->nodelay = v != 0;
            sock_tcp_set_options(s);
        }
    }
    return err != 0 ? sock_fail(err) : 0;
}

static int get_value(const void *v, socklen_t size, void *val, socklen_t *len)
{
    if (val == NULL || len == NULL)
        return EFAULT;
    if (*len < size)
        return EINVAL;
    memcpy(val, v, size);
    *len = size;
    return 0;
}

static int get_timeval(uint64_t us, void *val, socklen_t *len)
{
    struct timeval tv = {.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};
    return get_value(&tv, sizeof(tv), val, len);
}

int net_sock_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    struct sock *s = sock_get(fd);
    int v, err;
    if (s == NULL)
        return -1;
    if (level == IPPROTO_TCP && name == TCP_NODELAY && s->type == SOCK_STREAM) {
        v = s->nodelay;
        err = get_value(&v, sizeof(v), val, len);
    } else if (level != SOL_SOCKET) {
        err = ENOPROTOOPT;
    } else if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
        err = get_timeval(name == SO_RCVTIMEO ? s->rcvtimeo_us : s->sndtimeo_us, val, len);
    } else if (name == SO_LINGER && s->type == SOCK_STREAM) {
        struct linger l = {.l_onoff = s->linger0, .l_linger = 0};
        err = get_value(&l, sizeof(l), val, len);
    } else {
        switch (name) {
        case SO_REUSEADDR: v = s->reuseaddr; break;
        case SO_KEEPALIVE: v = s->keepalive; break;
        case SO_TYPE: v = s->type; break;
        case SO_ERROR: v = s->err; break;
        default: return sock_fail(ENOPROTOOPT);
        }
        err = get_value(&v, sizeof(v), val, len);
        if (err == 0 && name == SO_ERROR)
            s->err = 0; // reading SO_ERROR clears it
    }
    return err != 0 ? sock_fail(err) : 0;
}

// ---- Names -----------------------------------------------------------------

static int sock_name(int fd, struct sockaddr *addr, socklen_t *len, bool peer)
{
    struct sock *s = sock_get(fd);
    if (s == NULL)
        return -1;
    if (addr == NULL || len == NULL)
        return sock_fail(EFAULT);
    if (s->type == SOCK_DGRAM) {
        if (peer && !s->udp_connected)
            return sock_fail(ENOTCONN);
        sock_addr_out(peer ? &s->udp->remote_ip : &s->udp->local_ip,
                      peer ? s->udp->remote_port : s->udp->local_port, addr, len);
    } else if (peer) {
        if (s->state != SOCK_CONNECTED)
            return sock_fail(ENOTCONN);
        sock_addr_out(&s->peer_ip, s->peer_port, addr, len);
    } else if (s->tcp != NULL) { // both pcb kinds have the local address
        sock_addr_out(&s->tcp->local_ip, s->tcp->local_port, addr, len);
    } else {
        sock_addr_out(&s->local_ip, s->local_port, addr, len);
    }
    return 0;
}

int net_sock_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return sock_name(fd, addr, len, false);
}

int net_sock_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return sock_name(fd, addr, len, true);
}

void net_sock_stats(struct net_sock_stats *out) { *out = sock_stats; }
