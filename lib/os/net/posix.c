/* lib/os/net/posix.c: the POSIX names of the socket layer (user world; lib/c declares them). */
#include <fcntl.h>
#include <net/socket.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

// Each is net_sock_<name> (<net/socket.h>); the host tests call those
// directly, beside the host's own socket functions.

int socket(int domain, int type, int protocol) { return net_sock_socket(domain, type, protocol); }

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    return net_sock_bind(fd, addr, len);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    return net_sock_connect(fd, addr, len);
}

int listen(int fd, int backlog) { return net_sock_listen(fd, backlog); }

int accept(int fd, struct sockaddr *addr, socklen_t *len) { return net_sock_accept(fd, addr, len); }

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    return net_sock_send(fd, buf, len, flags);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return net_sock_recv(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    return net_sock_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen)
{
    return net_sock_recvfrom(fd, buf, len, flags, from, fromlen);
}

int shutdown(int fd, int how) { return net_sock_shutdown(fd, how); }

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    return net_sock_setsockopt(fd, level, name, val, len);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    return net_sock_getsockopt(fd, level, name, val, len);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return net_sock_getsockname(fd, addr, len);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return net_sock_getpeername(fd, addr, len);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout) { return net_sock_poll(fds, nfds, timeout); }

int fcntl(int fd, int cmd, ...)
{
    int arg = 0;
    if (cmd == F_SETFL) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, int);
        va_end(ap);
    }
    return net_sock_fcntl(fd, cmd, arg);
}

int close(int fd) { return net_sock_close(fd); }
