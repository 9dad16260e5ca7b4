/*
 * lib/os/net/include/net/socket.h: POSIX sockets over lwIP (Arrakis/P).
 *
 * The socket layer runs on lwIP's raw API in the application's one
 * thread: a call that would block runs the open stacks (net_poll_all,
 * net_wait_all) until it can finish, so there are no threads, locks or
 * copies between threads. Every function here is the POSIX one of the
 * same name without the net_sock_ prefix, with the same arguments,
 * results and errno values (docs/network.md lists what is supported);
 * lib/os/net/posix.c gives them their POSIX names in the user world, and
 * the host tests call them by these names.
 *
 * File descriptors are NET_SOCK_FD_BASE and up (0-2 are the console's);
 * sockets are the only descriptors Sietch has.
 */
#pragma once

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define NET_SOCK_MAX     128 // open sockets at once, accepted ones included
#define NET_SOCK_FD_BASE 3

int net_sock_socket(int domain, int type, int protocol);
int net_sock_bind(int fd, const struct sockaddr *addr, socklen_t len);
int net_sock_connect(int fd, const struct sockaddr *addr, socklen_t len);
int net_sock_listen(int fd, int backlog);
int net_sock_accept(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t net_sock_send(int fd, const void *buf, size_t len, int flags);
ssize_t net_sock_recv(int fd, void *buf, size_t len, int flags);
ssize_t net_sock_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                        socklen_t tolen);
ssize_t net_sock_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                          socklen_t *fromlen);
int net_sock_shutdown(int fd, int how);
int net_sock_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int net_sock_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int net_sock_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int net_sock_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int net_sock_poll(struct pollfd *fds, nfds_t nfds, int timeout);
// fcntl with its third argument as an int (F_GETFL ignores it).
int net_sock_fcntl(int fd, int cmd, int arg);
int net_sock_close(int fd);

// Allow at most max descriptors (1..NET_SOCK_MAX; the start is
// NET_SOCK_MAX): the analogue of setrlimit(RLIMIT_NOFILE). Sockets open
// beyond it stay open. Returns 0, or -1 with errno EINVAL.
int net_sock_set_max(unsigned max);

struct net_sock_stats {
    unsigned open;             // descriptors in use
    unsigned unaccepted;       // connections waiting in listeners' queues
    uint64_t udp_queue_full;   // datagrams dropped: a socket's queue was full
    uint64_t accept_no_pcb;    // connections lwIP could not make (every PCB in use)
    uint64_t accept_no_memory; // connections refused: no memory for a socket
    uint64_t close_retries;    // closes lwIP could not start at once (retried)
};
void net_sock_stats(struct net_sock_stats *out);
