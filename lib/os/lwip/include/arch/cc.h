/* lib/os/lwip/include/arch/cc.h: lwIP's compiler and platform port (user and host worlds). */
#pragma once

// lwIP's arch.h includes this first, before its own types: only standard
// headers here. In the user world they are lib/c's and GCC's; in the host
// world (unit tests) the build machine's.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h> // ssize_t and SSIZE_MAX

// lwIP wants <unistd.h> only for ssize_t, which <sys/types.h> above gives.
#define LWIP_NO_UNISTD_H      1
// lib/c's <errno.h> has every code lwIP uses.
#define LWIP_ERRNO_STDINCLUDE 1

// x86-64 only. lwIP's arch.h then defines BYTE_ORDER as LITTLE_ENDIAN
// (the host's <endian.h> may have defined it already, to the same value).
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Sietch's lwIP port assumes a little-endian machine"
#endif
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

// Diagnostics go to the console. An assertion failure ends the program:
// lwIP's state is corrupt at that point and continuing would hide it.
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        printf x;                                                                                  \
    } while (0)
#define LWIP_PLATFORM_ASSERT(msg) lwip_port_assert_failed(msg, __FILE__, __LINE__)
_Noreturn void lwip_port_assert_failed(const char *msg, const char *file, int line);

// Random numbers come from the hook given to lwip_port_init (lwip_port.h).
#define LWIP_RAND() lwip_port_random()
uint32_t lwip_port_random(void);
// The Internet checksum's sum (RFC 1071): the one's-complement sum of the
// 16-bit words of data as they lie in memory (an odd last byte padded with
// a zero), folded to 16 bits and not inverted, as lwIP's LWIP_CHKSUM.
uint16_t lwip_port_chksum(const void *data, int len);
