/* lib/c/include/netinet/tcp.h: TCP-level socket options. */
#pragma once

// setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one): send small
// segments at once instead of waiting for an ACK (Nagle's algorithm off).
#define TCP_NODELAY 1
