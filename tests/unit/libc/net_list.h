/* tests/unit/libc/net_list.h: the constants and layouts of lib/c's network headers, as an X-macro
 * list. */
#pragma once

// Expanded once against lib/c's headers (inet_side.c) and once against the
// host's (check_inet.c): lib/os/net's socket layer is built against either,
// so they must agree with Linux's, name by name.
#define LIBC_NET_LIST(X)                                                                           \
    X(AF_UNSPEC)                                                                                   \
    X(AF_INET)                                                                                     \
    X(PF_INET)                                                                                     \
    X(SOCK_STREAM)                                                                                 \
    X(SOCK_DGRAM)                                                                                  \
    X(SOCK_NONBLOCK)                                                                               \
    X(SOMAXCONN)                                                                                   \
    X(SOL_SOCKET)                                                                                  \
    X(SO_REUSEADDR)                                                                                \
    X(SO_TYPE)                                                                                     \
    X(SO_ERROR)                                                                                    \
    X(SO_KEEPALIVE)                                                                                \
    X(SO_LINGER)                                                                                   \
    X(SO_RCVTIMEO)                                                                                 \
    X(SO_SNDTIMEO)                                                                                 \
    X(MSG_PEEK)                                                                                    \
    X(MSG_DONTWAIT)                                                                                \
    X(MSG_WAITALL)                                                                                 \
    X(MSG_NOSIGNAL)                                                                                \
    X(SHUT_RD)                                                                                     \
    X(SHUT_WR)                                                                                     \
    X(SHUT_RDWR)                                                                                   \
    X(INADDR_ANY)                                                                                  \
    X(INADDR_BROADCAST)                                                                            \
    X(INADDR_NONE)                                                                                 \
    X(INADDR_LOOPBACK)                                                                             \
    X(INET_ADDRSTRLEN)                                                                             \
    X(IPPROTO_IP)                                                                                  \
    X(IPPROTO_ICMP)                                                                                \
    X(IPPROTO_TCP)                                                                                 \
    X(IPPROTO_UDP)                                                                                 \
    X(TCP_NODELAY)                                                                                 \
    X(POLLIN)                                                                                      \
    X(POLLPRI)                                                                                     \
    X(POLLOUT)                                                                                     \
    X(POLLERR)                                                                                     \
    X(POLLHUP)                                                                                     \
    X(POLLNVAL)                                                                                    \
    X(O_RDONLY)                                                                                    \
    X(O_WRONLY)                                                                                    \
    X(O_RDWR)                                                                                      \
    X(O_NONBLOCK)                                                                                  \
    X(F_GETFL)                                                                                     \
    X(F_SETFL)                                                                                     \
    X(sizeof(socklen_t))                                                                           \
    X(sizeof(sa_family_t))                                                                         \
    X(sizeof(in_addr_t))                                                                           \
    X(sizeof(in_port_t))                                                                           \
    X(sizeof(nfds_t))                                                                              \
    X(sizeof(struct sockaddr))                                                                     \
    X(offsetof(struct sockaddr, sa_data))                                                          \
    X(sizeof(struct sockaddr_storage))                                                             \
    X(_Alignof(struct sockaddr_storage))                                                           \
    X(sizeof(struct sockaddr_in))                                                                  \
    X(offsetof(struct sockaddr_in, sin_port))                                                      \
    X(offsetof(struct sockaddr_in, sin_addr))                                                      \
    X(offsetof(struct sockaddr_in, sin_zero))                                                      \
    X(sizeof(struct linger))                                                                       \
    X(offsetof(struct linger, l_linger))                                                           \
    X(sizeof(struct pollfd))                                                                       \
    X(offsetof(struct pollfd, events))                                                             \
    X(offsetof(struct pollfd, revents))                                                            \
    X(sizeof(struct timeval))                                                                      \
    X(offsetof(struct timeval, tv_usec))                                                           \
    X(sizeof(time_t))                                                                              \
    X(sizeof(suseconds_t))

struct libc_net_value {
    const char *name;
    unsigned long value;
};
