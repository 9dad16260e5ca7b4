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

// The ones' complement of the ones' complement sum of n bytes (n even).
static inline uint16_t wire_csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += wire_be16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}
