/* lib/c/include/poll.h: waiting for several sockets at once (defined by lib/os/net). */
#pragma once

struct pollfd {
    int fd;        // a negative fd is skipped (revents 0)
    short events;  // what to wait for
    short revents; // what happened
};

typedef unsigned long nfds_t;

#define POLLIN   0x001 // data, a connection to accept, or the end of the stream
#define POLLPRI  0x002 // never reported (no urgent data)
#define POLLOUT  0x004 // room to send
#define POLLERR  0x008 // an error is pending (reported whether asked or not)
#define POLLHUP  0x010 // both directions are closed (reported whether asked or not)
#define POLLNVAL 0x020 // fd is not open (reported whether asked or not)

// Wait until one of fds[0..nfds) is ready or timeout milliseconds passed
// (0: do not wait; negative: no limit). Returns how many have revents set.
int poll(struct pollfd *fds, nfds_t nfds, int timeout);
