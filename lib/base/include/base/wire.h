/*
 * lib/base/include/base/wire.h: big-endian fields and the Internet checksum
 * (RFC 1071), for programs that build frames by hand (the test programs
 * that speak raw Ethernet; the network stacks have their own).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline uint16_t wire_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline void wire_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

// The Internet checksum of n bytes (an odd last byte padded with a zero),
// the ones' complement sum starting from sum: a checksum over a pseudo
// header and then the data (UDP's, TCP's) starts from the header's sum.
static inline uint16_t wire_csum_from(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += wire_be16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

// The Internet checksum of n bytes.
static inline uint16_t wire_csum(const uint8_t *p, size_t n) { return wire_csum_from(0, p, n); }

// A 32-bit number (an IPv4 address written as 0x0a00020f) in network byte
// order, as struct fields and netctl's and netd's messages hold addresses.
static inline uint32_t wire_hton32(uint32_t host) { return __builtin_bswap32(host); }
