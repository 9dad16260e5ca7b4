/* lib/os/net/sock_priv.h: the socket layer's inside (socket.c, sock_udp.c, sock_tcp.c,
 * sock_poll.c). */
#pragma once

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

#include <net/socket.h>
#include <stdbool.h>
#include <stdint.h>

#define SOCK_UDP_QUEUE   32    // datagrams waiting in one UDP socket (more are dropped)
#define SOCK_BACKLOG_MAX 64    // connections waiting in one listener
#define SOCK_UDP_MAX     65507 // the largest UDP payload IPv4 carries

enum sock_state {
    SOCK_NEW,        // TCP: not connected, not listening; UDP: any time
    SOCK_LISTENING,  // TCP
    SOCK_CONNECTING, // TCP: SYN sent
    SOCK_CONNECTED,  // TCP: established (maybe half closed)
    SOCK_DEAD,       // TCP: the connection is over (closed, reset or timed out)
};

struct sock_dgram {
    struct pbuf *p;
    ip_addr_t addr;
    u16_t port;
};

struct sock {
    int type; // SOCK_DGRAM or SOCK_STREAM
    enum sock_state state;
    bool nonblock, reuseaddr, linger0, nodelay, keepalive;
    bool rd_shut, wr_shut; // our shutdown
    bool peer_fin;         // TCP: the peer finished sending
    bool reset;            // TCP: ended by a reset or timeout (sends get EPIPE after err)
    int err;               // pending error for SO_ERROR and the next call
    uint64_t rcvtimeo_us, sndtimeo_us; // 0: no limit
    struct udp_pcb *udp;
    struct tcp_pcb *tcp; // NULL once lwIP freed it or the socket let it go
    bool udp_connected;
    // TCP: the connection's addresses, kept for names after the pcb is
    // gone (peer_port is 0 until a connection was made), and what bind()
    // asked for, to bind a new pcb after a failed connect.
    ip_addr_t local_ip, peer_ip, bind_ip;
    u16_t local_port, peer_port, bind_port;
    bool bound;
    u16_t snd_mark; // send: tcp_sndbuf when the last write could not go on
    // UDP: datagrams received, in order.
    struct sock_dgram q[SOCK_UDP_QUEUE];
    unsigned qhead, qcount;
    // TCP: bytes received and not read (a pbuf chain), and the listener's
    // connections not yet accepted.
    struct pbuf *rx;
    struct sock *acceptq[SOCK_BACKLOG_MAX];
    unsigned ahead, acount, backlog;
};

extern struct net_sock_stats sock_stats;

// errno = err, and -1.
int sock_fail(int err);
// The errno for an lwIP error.
int sock_errno_of(err_t e);
// Wait until ready(s): 0, or the errno to fail with: EAGAIN (nonblock,
// or timeout_us passed; 0 is no limit), ENETDOWN (no stack is open),
// EIO (a queue failed to wait). Even a non-blocking call polls once.
int sock_block(struct sock *s, bool nonblock, uint64_t timeout_us, bool (*ready)(struct sock *));
// Send what every stack gathered (the end of each call that may send).
void sock_flush(void);
// A sockaddr_in (len checked) as lwIP's address and port (host order);
// 0 or an errno (EINVAL, EAFNOSUPPORT, EFAULT).
int sock_addr_in(const struct sockaddr *sa, socklen_t len, ip_addr_t *ip, u16_t *port);
// Store ip and port (host order) into a caller's sockaddr of *len bytes,
// truncated to fit; *len becomes the full size.
void sock_addr_out(const ip_addr_t *ip, u16_t port, struct sockaddr *sa, socklen_t *len);
// The socket of fd, or NULL.
struct sock *sock_of_fd(int fd);
// A descriptor for s (EMFILE: none free: -1).
int sock_fd_alloc(struct sock *s);
// A new socket's memory (NULL if none).
struct sock *sock_new(int type);
void sock_free(struct sock *s);

// sock_udp.c
int sock_udp_open(struct sock *s);
int sock_udp_bind(struct sock *s, const ip_addr_t *ip, u16_t port);
int sock_udp_connect(struct sock *s, const struct sockaddr *sa, socklen_t len);
ssize_t sock_udp_sendto(struct sock *s, const void *buf, size_t len, int flags,
                        const struct sockaddr *to, socklen_t tolen);
ssize_t sock_udp_recvfrom(struct sock *s, void *buf, size_t len, int flags, struct sockaddr *from,
                          socklen_t *fromlen);
int sock_udp_shutdown(struct sock *s, int how);
short sock_udp_events(struct sock *s);
void sock_udp_close(struct sock *s);
void sock_udp_set_reuse(struct sock *s);

// sock_tcp.c
int sock_tcp_open(struct sock *s);
int sock_tcp_bind(struct sock *s, const ip_addr_t *ip, u16_t port);
int sock_tcp_connect(struct sock *s, const struct sockaddr *sa, socklen_t len);
int sock_tcp_listen(struct sock *s, int backlog);
int sock_tcp_accept(struct sock *s, struct sockaddr *addr, socklen_t *len);
ssize_t sock_tcp_send(struct sock *s, const void *buf, size_t len, int flags);
ssize_t sock_tcp_recv(struct sock *s, void *buf, size_t len, int flags);
int sock_tcp_shutdown(struct sock *s, int how);
short sock_tcp_events(struct sock *s);
void sock_tcp_close(struct sock *s);
void sock_tcp_set_options(struct sock *s);
