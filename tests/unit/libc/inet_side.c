/* tests/unit/libc/inet_side.c: the tests' window on lib/c's network headers (built like lib/c,
 * renamed). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "inet_test.h"

uint32_t inet_side_htonl(uint32_t x) { return htonl(x); }
uint16_t inet_side_htons(uint16_t x) { return htons(x); }
uint32_t inet_side_ntohl(uint32_t x) { return ntohl(x); }
uint16_t inet_side_ntohs(uint16_t x) { return ntohs(x); }

#define NET_ENTRY(expr) {#expr, (unsigned long)(expr)},
const struct libc_net_value inet_side_values[] = {LIBC_NET_LIST(NET_ENTRY){NULL, 0}};
