/* tests/unit/lwip/frames.h: Ethernet, ARP, IPv4, ICMP, UDP and TCP frames built by hand. */
#pragma once

// An oracle independent of lwIP: byte offsets from the RFCs and a
// checksum of its own, so that what lwIP sends is checked against the
// protocols rather than against lwIP's own headers.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDR_ETH       14   /* IEEE 802.3: destination, source, type */
#define HDR_ARP       28   /* RFC 826, for Ethernet and IPv4 */
#define HDR_IPV4      20   /* RFC 791, without options */
#define HDR_UDP       8    /* RFC 768 */
#define HDR_TCP       20   /* RFC 793, without options */
#define HDR_ICMP      8    /* RFC 792 echo: type, code, checksum, id, seq */
#define ETH_MAX_FRAME 1514 /* MTU 1500 and the Ethernet header */
#define ETYPE_IPV4    0x0800
#define ETYPE_ARP     0x0806
#define PROTO_ICMP    1
#define PROTO_TCP     6
#define PROTO_UDP     17

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

// Big-endian field access.
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);

// RFC 1071 Internet checksum of len bytes, starting from sum (a partial
// sum, e.g. of a pseudo-header); 0 over data that carries a valid one.
uint16_t inet_csum(const void *data, size_t len, uint32_t sum);
// The partial sum of the TCP/UDP pseudo-header (RFC 793 3.1, RFC 768).
uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

// An endpoint: MAC and IPv4 address (host byte order, 10.0.0.1 = 0x0a000001).
struct endpoint {
    uint8_t mac[6];
    uint32_t ip;
};

// Builders write a whole frame into buf (big enough: HDR_ETH + IP and
// transport headers + payload) and return its length.
size_t build_arp(uint8_t *buf, uint16_t op, const struct endpoint *from, const uint8_t *eth_dst,
                 const uint8_t *target_mac, uint32_t target_ip);
// IPv4 with a correct header checksum around l4 (l4_len bytes), from -> to.
size_t build_ipv4(uint8_t *buf, const struct endpoint *from, const struct endpoint *to,
                  uint8_t proto, const void *l4, size_t l4_len);
size_t build_udp(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                 const struct endpoint *to, uint16_t dport, const void *data, size_t len);
size_t build_icmp_echo(uint8_t *buf, const struct endpoint *from, const struct endpoint *to,
                       uint16_t id, uint16_t seq, const void *data, size_t len);
// A TCP segment without options, window 8192.
size_t build_tcp(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                 const struct endpoint *to, uint16_t dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, const void *data, size_t len);
// The same with the window field wnd.
size_t build_tcp_wnd(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                     const struct endpoint *to, uint16_t dport, uint32_t seq, uint32_t ack,
                     uint8_t flags, uint16_t wnd, const void *data, size_t len);
// Recompute the IPv4 header checksum of a frame built above (after a test
// changed a header field on purpose).
void fix_ip_csum(uint8_t *frame);

// A received frame taken apart, every length and checksum checked.
struct parsed {
    const uint8_t *dst, *src; // Ethernet addresses
    uint16_t type;
    // ARP (type ETYPE_ARP)
    uint16_t arp_op;
    const uint8_t *arp_sha, *arp_tha;
    uint32_t arp_spa, arp_tpa;
    // IPv4 (type ETYPE_IPV4)
    uint32_t ip_src, ip_dst;
    uint8_t proto, ttl;
    uint16_t ip_id, frag; // frag: flags and offset field
    const uint8_t *l4;    // the transport header
    size_t l4_len;        // transport header and data
    // the transport's payload (UDP, TCP, ICMP echo)
    uint16_t sport, dport; // ICMP echo: id and seq
    uint32_t seq, ack;     // TCP
    uint8_t tcp_flags, icmp_type;
    uint16_t tcp_wnd; // TCP: the window field
    const uint8_t *data;
    size_t data_len;
};

// Parse frame; NULL on success, else what is wrong with it.
const char *parse_frame(const uint8_t *frame, size_t len, struct parsed *out);
