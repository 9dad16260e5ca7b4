/* lib/os/net/sock_poll.c: poll() over sockets, running the stacks while it waits. */
#include "net_priv.h"
#include "sock_priv.h"

#include <errno.h>

#define POLL_MAX_FDS 1024 // more entries than this is EINVAL

// The events of one entry (revents), always including POLLERR, POLLHUP
// and POLLNVAL when they hold.
static short entry_events(const struct pollfd *p)
{
    if (p->fd < 0)
        return 0;
    struct sock *s = sock_of_fd(p->fd);
    if (s == NULL)
        return POLLNVAL;
    short ev = s->type == SOCK_STREAM ? sock_tcp_events(s) : sock_udp_events(s);
    return (short)(ev & (p->events | POLLERR | POLLHUP));
}

static int scan(struct pollfd *fds, nfds_t nfds)
{
    int ready = 0;
    for (nfds_t i = 0; i < nfds; i++) {
        fds[i].revents = entry_events(&fds[i]);
        if (fds[i].revents != 0)
            ready++;
    }
    return ready;
}

int net_sock_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds > POLL_MAX_FDS)
        return sock_fail(EINVAL);
    if (fds == NULL && nfds > 0)
        return sock_fail(EFAULT);
    net_poll_all(); // what has arrived counts even for a timeout of 0
    int ready = scan(fds, nfds);
    uint64_t start = net_now_us(), limit = timeout > 0 ? (uint64_t)timeout * 1000 : 0;
    while (ready == 0 && timeout != 0) {
        uint64_t left = 0, elapsed = net_now_us() - start;
        if (timeout > 0) {
            if (elapsed >= limit)
                break;
            left = limit - elapsed;
        }
        errval_t err = net_wait_all(left);
        if (err_no(err) == NET_ERR_NO_STACK)
            return sock_fail(ENETDOWN);
        if (err_is_fail(err))
            return sock_fail(EIO);
        net_poll_all();
        ready = scan(fds, nfds);
    }
    sock_flush();
    return ready;
}
