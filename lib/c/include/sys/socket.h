/*
 * lib/c/include/sys/socket.h: the POSIX sockets interface (types, constants,
 * functions). lib/c declares it; the library OS defines the functions
 * (lib/os/net/posix.c over lib/os/net's socket layer, docs/network.md), so
 * a program that calls them links `net`. Values and layouts are Linux's on
 * x86-64 (tests/unit/libc checks them against the build machine's).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

typedef uint32_t socklen_t;
typedef unsigned short sa_family_t;

struct sockaddr {
    sa_family_t sa_family;
    char sa_data[14];
};

// Room and alignment for any address the system knows (only IPv4 here).
struct sockaddr_storage {
    sa_family_t ss_family;
    char ss_pad[118];
    unsigned long ss_align;
};

struct linger {
    int l_onoff;  // linger on close: only l_linger 0 (close resets) is supported
    int l_linger; // seconds
};

#define AF_UNSPEC 0
#define AF_INET   2
#define PF_UNSPEC AF_UNSPEC
#define PF_INET   AF_INET

#define SOCK_STREAM   1
#define SOCK_DGRAM    2
#define SOCK_NONBLOCK 04000 // or'ed into socket()'s type: O_NONBLOCK from the start

#define SOMAXCONN 4096 // listen() takes any backlog; the socket layer caps it

// setsockopt/getsockopt levels and options
#define SOL_SOCKET   1
#define SO_REUSEADDR 2
#define SO_TYPE      3
#define SO_ERROR     4
#define SO_KEEPALIVE 9
#define SO_LINGER    13
#define SO_RCVTIMEO  20
#define SO_SNDTIMEO  21

// send/recv flags
#define MSG_PEEK     0x2
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL  0x100
#define MSG_NOSIGNAL 0x4000 // accepted; Sietch has no signals, so EPIPE is all a send gets

// shutdown's how
#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t send(int fd, const void *buf, size_t len, int flags);
ssize_t recv(int fd, void *buf, size_t len, int flags);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen);
ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);
