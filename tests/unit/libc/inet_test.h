/* tests/unit/libc/inet_test.h: lib/c's <arpa/inet.h> functions as the host tests call them
 * (sietch_*). */
#pragma once

// Included after the host's <arpa/inet.h> by the test and after lib/c's by
// inet_side.c, so the compiler checks these against lib/c's declarations
// (the types are the same on both sides: net_list.h checks that).
#include "net_list.h"

int sietch_inet_pton(int af, const char *restrict src, void *restrict dst);
const char *sietch_inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size);
int sietch_inet_aton(const char *src, struct in_addr *dst);
in_addr_t sietch_inet_addr(const char *src);
char *sietch_inet_ntoa(struct in_addr in);
extern int sietch_errno;

// lib/c's byte-order functions (static inline in <netinet/in.h>), made callable.
uint32_t inet_side_htonl(uint32_t x);
uint16_t inet_side_htons(uint16_t x);
uint32_t inet_side_ntohl(uint32_t x);
uint16_t inet_side_ntohs(uint16_t x);

// Every value of net_list.h as lib/c's headers give it, ending with a NULL name.
extern const struct libc_net_value inet_side_values[];
