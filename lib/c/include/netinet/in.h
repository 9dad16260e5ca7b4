/* lib/c/include/netinet/in.h: IPv4 addresses, struct sockaddr_in, protocol numbers, byte order. */
#pragma once

#include <stdint.h>
#include <sys/socket.h>

typedef uint32_t in_addr_t; // network byte order
typedef uint16_t in_port_t; // network byte order

struct in_addr {
    in_addr_t s_addr;
};

struct sockaddr_in {
    sa_family_t sin_family; // AF_INET
    in_port_t sin_port;
    struct in_addr sin_addr;
    unsigned char sin_zero[8];
};

// In host byte order, as POSIX defines them: htonl(INADDR_LOOPBACK).
#define INADDR_ANY       ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE      ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK  ((in_addr_t)0x7f000001)

#define INET_ADDRSTRLEN 16 // "255.255.255.255" and its NUL

#define IPPROTO_IP   0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP  6
#define IPPROTO_UDP  17

// Byte order: x86-64 is little-endian, the network big-endian.
static inline uint32_t htonl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint16_t htons(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t ntohl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint16_t ntohs(uint16_t x) { return __builtin_bswap16(x); }
