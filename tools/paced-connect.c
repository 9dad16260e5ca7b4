/*
 * tools/paced-connect.c: an LD_PRELOAD library that makes a client's
 * non-blocking connect() wait until the connection is established, and
 * then 2 ms more, before it returns (still with EINPROGRESS, as the client
 * expects).
 *
 * QEMU's user network (slirp) listens for a host forward with a backlog
 * of 1: the host's kernel holds at most two connections that QEMU has not
 * accepted yet and drops the SYNs of the rest, which the clients send
 * again only a second later. When a client such as redis-benchmark -c 50
 * opens fifty connections at once, they come a pair a second (and
 * redis-benchmark gave up with "Connection reset by peer"). Preloaded into
 * the client, this opens them one after another, each after QEMU has had
 * time to accept the last (a packet capture of the guest's link shows
 * QEMU passing each on within a millisecond when it is paced so). What the
 * client sends and receives is untouched, and redis-benchmark creates its
 * clients before its clock starts. Built by the harness
 * (sietchtest.paced_connect) through its rule in hake/targets.mk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

enum { WAIT_MS = 30000 }; // longer than the SYN retries a dropped connect needs

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*real_connect)(int, const struct sockaddr *, socklen_t);
    if (!real_connect)
        real_connect =
            (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    int r = real_connect(fd, addr, len);
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        while (poll(&p, 1, WAIT_MS) < 0 && errno == EINTR)
            ;
        struct timespec accept_time = {.tv_nsec = 2 * 1000 * 1000};
        nanosleep(&accept_time, NULL);
        errno = EINPROGRESS; // the client asks SO_ERROR, as it would have
    }
    return r;
}
