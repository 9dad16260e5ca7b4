/* usr/tests/igbtest/net.c: just enough Ethernet, ARP (RFC 826), IPv4 and UDP to talk to slirp. */
#include "igbtest.h"
#include <base/wire.h>
#include <string.h>

#define ETH_HLEN  14
#define ETH_ARP   0x0806
#define ETH_IP    0x0800
#define ARP_LEN   28
#define IP_UDP    17
#define MIN_FRAME 60

const uint8_t net_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void eth_header(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    wire_put16(f + 12, type);
}

// ARP for IPv4 over Ethernet: op, sender (mac, ip), target (mac, ip).
static size_t arp(uint8_t *f, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
                  const uint8_t tha[6], const uint8_t tpa[4], const uint8_t dst[6])
{
    memset(f, 0, MIN_FRAME);
    eth_header(f, dst, sha, ETH_ARP);
    uint8_t *a = f + ETH_HLEN;
    wire_put16(a, 1);          // hardware: Ethernet
    wire_put16(a + 2, ETH_IP); // protocol: IPv4
    a[4] = 6, a[5] = 4;
    wire_put16(a + 6, op);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    return MIN_FRAME;
}

size_t net_arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t sip[4], const uint8_t tip[4])
{
    static const uint8_t zero[6];
    return arp(f, 1, mac, sip, zero, tip, net_bcast);
}

static const uint8_t *arp_of(const uint8_t *f, size_t len, uint16_t op)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + ARP_LEN || wire_be16(f + 12) != ETH_ARP || wire_be16(a) != 1 ||
        wire_be16(a + 2) != ETH_IP || a[4] != 6 || a[5] != 4 || wire_be16(a + 6) != op)
        return NULL;
    return a;
}

bool net_arp_reply_for(const uint8_t *f, size_t len, const uint8_t ip[4], uint8_t mac[6])
{
    const uint8_t *a = arp_of(f, len, 2);
    if (!a || memcmp(a + 14, ip, 4))
        return false;
    memcpy(mac, a + 8, 6);
    return true;
}

size_t net_arp_answer(uint8_t *out, const uint8_t *f, size_t len, const uint8_t mac[6],
                      const uint8_t ip[4])
{
    const uint8_t *a = arp_of(f, len, 1);
    if (!a || memcmp(a + 24, ip, 4))
        return 0;
    return arp(out, 2, mac, ip, a + 8, a + 14, a + 8);
}

// UDP's checksum over the pseudo header (RFC 768) and the datagram u.
static uint16_t udp_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *u, size_t len)
{
    uint32_t sum =
        wire_be16(src) + wire_be16(src + 2) + wire_be16(dst) + wire_be16(dst + 2) + IP_UDP + len;
    uint16_t c = wire_csum_from(sum, u, len);
    return c ? c : 0xffff; // 0 would mean "no checksum"
}

size_t net_udp_echo(uint8_t *out, const uint8_t *f, size_t len, const uint8_t ip[4], uint16_t port,
                    const uint8_t **payload, size_t *plen)
{
    const uint8_t *iph = f + ETH_HLEN;
    if (len < ETH_HLEN + 28 || wire_be16(f + 12) != ETH_IP || (iph[0] >> 4) != 4 ||
        iph[9] != IP_UDP || memcmp(iph + 16, ip, 4) ||
        (wire_be16(iph + 6) & 0x3fff)) // not fragmented
        return 0;
    size_t ihl = (iph[0] & 15u) * 4, ip_len = wire_be16(iph + 2);
    if (ihl < 20 || ip_len < ihl + 8 || ETH_HLEN + ip_len > len)
        return 0;
    const uint8_t *u = iph + ihl;
    size_t ulen = wire_be16(u + 4);
    if (wire_be16(u + 2) != port || ulen < 8 || ulen > ip_len - ihl)
        return 0;
    *payload = u + 8;
    *plen = ulen - 8;
    eth_header(out, f + 6, f, ETH_IP);
    uint8_t *oi = out + ETH_HLEN, *ou = oi + 20;
    memset(oi, 0, 20);
    oi[0] = 0x45;
    wire_put16(oi + 2, (uint16_t)(20 + ulen));
    wire_put16(oi + 4, wire_be16(iph + 4));
    oi[8] = 64, oi[9] = IP_UDP;
    memcpy(oi + 12, ip, 4);
    memcpy(oi + 16, iph + 12, 4);
    wire_put16(oi + 10, wire_csum(oi, 20));
    wire_put16(ou, port);
    wire_put16(ou + 2, wire_be16(u));
    wire_put16(ou + 4, (uint16_t)ulen);
    wire_put16(ou + 6, 0);
    memcpy(ou + 8, *payload, *plen);
    wire_put16(ou + 6, udp_csum(oi + 12, oi + 16, ou, ulen));
    size_t n = ETH_HLEN + 20 + ulen;
    if (n < MIN_FRAME) {
        memset(out + n, 0, MIN_FRAME - n);
        n = MIN_FRAME;
    }
    return n;
}

size_t net_test_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], size_t len,
                      uint8_t seed)
{
    eth_header(f, dst, src, 0x88b5); // IEEE 802 local experimental
    for (size_t i = ETH_HLEN; i < len; i++)
        f[i] = (uint8_t)(seed + i * 13);
    return len;
}
