/* lib/c/include/arpa/inet.h: IPv4 addresses between text and binary (lib/c/inet.c). */
#pragma once

#include <netinet/in.h>

// Text to address: af must be AF_INET (else -1, errno EAFNOSUPPORT);
// src in dotted-decimal "a.b.c.d", each part 0..255 in decimal without
// leading zeros (as POSIX's inet_pton), stored in dst (a struct in_addr,
// network byte order). Returns 1, or 0 when src is not such an address.
int inet_pton(int af, const char *restrict src, void *restrict dst);

// Address to text: af must be AF_INET (else NULL, errno EAFNOSUPPORT);
// writes "a.b.c.d" into dst, size bytes; NULL with errno ENOSPC when it
// does not fit. Returns dst.
const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size);

// The older forms, which also take the classic shorthand ("10.1" is
// 10.0.0.1, parts in octal with a leading 0 or hex with 0x): inet_aton
// returns 1 and stores the address, or 0; inet_addr returns the address
// (network byte order) or INADDR_NONE (also for "255.255.255.255").
int inet_aton(const char *src, struct in_addr *dst);
in_addr_t inet_addr(const char *src);
// "a.b.c.d" in a static buffer that the next call overwrites.
char *inet_ntoa(struct in_addr in);
