/* tests/unit/lwip/frames.c: building and checking frames by hand, independently of lwIP. */
#include "frames.h"

#include <string.h>

uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

uint16_t inet_csum(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    uint64_t s = sum;
    for (size_t i = 0; i + 1 < len; i += 2)
        s += get16(p + i);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

static void put_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    put16(buf + 12, type);
}

size_t build_arp(uint8_t *buf, uint16_t op, const struct endpoint *from, const uint8_t *eth_dst,
                 const uint8_t *target_mac, uint32_t target_ip)
{
    put_eth(buf, eth_dst, from->mac, ETYPE_ARP);
    uint8_t *a = buf + HDR_ETH;
    put16(a, 1); // hardware type: Ethernet
    put16(a + 2, ETYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, from->mac, 6);
    put32(a + 14, from->ip);
    memcpy(a + 18, target_mac, 6);
    put32(a + 24, target_ip);
    return HDR_ETH + HDR_ARP;
}

size_t build_ipv4(uint8_t *buf, const struct endpoint *from, const struct endpoint *to,
                  uint8_t proto, const void *l4, size_t l4_len)
{
    static uint16_t next_id = 0x100;
    put_eth(buf, to->mac, from->mac, ETYPE_IPV4);
    uint8_t *ip = buf + HDR_ETH;
    memset(ip, 0, HDR_IPV4);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(HDR_IPV4 + l4_len));
    put16(ip + 4, next_id++);
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, from->ip);
    put32(ip + 16, to->ip);
    put16(ip + 10, inet_csum(ip, HDR_IPV4, 0));
    memmove(ip + HDR_IPV4, l4, l4_len);
    return HDR_ETH + HDR_IPV4 + l4_len;
}

void fix_ip_csum(uint8_t *frame)
{
    uint8_t *ip = frame + HDR_ETH;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;
    put16(ip + 10, 0);
    put16(ip + 10, inet_csum(ip, hlen, 0));
}

// The transport header and payload are assembled in place, where
// build_ipv4 expects them (it moves them by zero bytes).
static uint8_t *l4_of(uint8_t *buf) { return buf + HDR_ETH + HDR_IPV4; }

size_t build_udp(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                 const struct endpoint *to, uint16_t dport, const void *data, size_t len)
{
    uint8_t *u = l4_of(buf);
    uint16_t ulen = (uint16_t)(HDR_UDP + len);
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, ulen);
    put16(u + 6, 0);
    memmove(u + HDR_UDP, data, len);
    uint16_t c = inet_csum(u, ulen, pseudo_sum(from->ip, to->ip, PROTO_UDP, ulen));
    put16(u + 6, c ? c : 0xffff); // RFC 768: a computed 0 is sent as all ones
    return build_ipv4(buf, from, to, PROTO_UDP, u, ulen);
}

size_t build_icmp_echo(uint8_t *buf, const struct endpoint *from, const struct endpoint *to,
                       uint16_t id, uint16_t seq, const void *data, size_t len)
{
    uint8_t *c = l4_of(buf);
    c[0] = 8; // echo request
    c[1] = 0;
    put16(c + 2, 0);
    put16(c + 4, id);
    put16(c + 6, seq);
    memmove(c + HDR_ICMP, data, len);
    put16(c + 2, inet_csum(c, HDR_ICMP + len, 0));
    return build_ipv4(buf, from, to, PROTO_ICMP, c, HDR_ICMP + len);
}

size_t build_tcp(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                 const struct endpoint *to, uint16_t dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, const void *data, size_t len)
{
    return build_tcp_wnd(buf, from, sport, to, dport, seq, ack, flags, 8192, data, len);
}

size_t build_tcp_wnd(uint8_t *buf, const struct endpoint *from, uint16_t sport,
                     const struct endpoint *to, uint16_t dport, uint32_t seq, uint32_t ack,
                     uint8_t flags, uint16_t wnd, const void *data, size_t len)
{
    uint8_t *t = l4_of(buf);
    uint16_t tlen = (uint16_t)(HDR_TCP + len);
    memset(t, 0, HDR_TCP);
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    put16(t + 12, (uint16_t)((HDR_TCP / 4) << 12 | flags));
    put16(t + 14, wnd);
    if (len > 0) // data may be NULL for a segment without payload
        memmove(t + HDR_TCP, data, len);
    put16(t + 16, inet_csum(t, tlen, pseudo_sum(from->ip, to->ip, PROTO_TCP, tlen)));
    return build_ipv4(buf, from, to, PROTO_TCP, t, tlen);
}

static const char *parse_arp(const uint8_t *a, size_t len, struct parsed *out)
{
    if (len < HDR_ARP)
        return "ARP packet shorter than 28 bytes";
    if (get16(a) != 1 || get16(a + 2) != ETYPE_IPV4 || a[4] != 6 || a[5] != 4)
        return "ARP packet not for Ethernet and IPv4";
    out->arp_op = get16(a + 6);
    out->arp_sha = a + 8;
    out->arp_spa = get32(a + 14);
    out->arp_tha = a + 18;
    out->arp_tpa = get32(a + 24);
    return NULL;
}

static const char *parse_l4(struct parsed *out)
{
    const uint8_t *l4 = out->l4;
    size_t n = out->l4_len;
    uint32_t ps = pseudo_sum(out->ip_src, out->ip_dst, out->proto, (uint16_t)n);
    if (out->frag & 0x3fff)
        return NULL; // a fragment: the transport is checked after reassembly
    switch (out->proto) {
    case PROTO_UDP:
        if (n < HDR_UDP || get16(l4 + 4) != n)
            return "UDP length does not match the IP payload";
        if (get16(l4 + 6) != 0 && inet_csum(l4, n, ps) != 0)
            return "bad UDP checksum";
        out->sport = get16(l4);
        out->dport = get16(l4 + 2);
        out->data = l4 + HDR_UDP;
        out->data_len = n - HDR_UDP;
        return NULL;
    case PROTO_TCP: {
        size_t off = (size_t)(l4[12] >> 4) * 4;
        if (n < HDR_TCP || off < HDR_TCP || off > n)
            return "TCP header length out of range";
        if (inet_csum(l4, n, ps) != 0)
            return "bad TCP checksum";
        out->sport = get16(l4);
        out->dport = get16(l4 + 2);
        out->seq = get32(l4 + 4);
        out->ack = get32(l4 + 8);
        out->tcp_flags = l4[13];
        out->tcp_wnd = get16(l4 + 14);
        out->data = l4 + off;
        out->data_len = n - off;
        return NULL;
    }
    case PROTO_ICMP:
        if (n < HDR_ICMP)
            return "ICMP message shorter than 8 bytes";
        if (inet_csum(l4, n, 0) != 0)
            return "bad ICMP checksum";
        out->icmp_type = l4[0];
        out->sport = get16(l4 + 4);
        out->dport = get16(l4 + 6);
        out->data = l4 + HDR_ICMP;
        out->data_len = n - HDR_ICMP;
        return NULL;
    }
    return NULL;
}

const char *parse_frame(const uint8_t *f, size_t len, struct parsed *out)
{
    memset(out, 0, sizeof(*out));
    if (len < HDR_ETH)
        return "frame shorter than an Ethernet header";
    out->dst = f;
    out->src = f + 6;
    out->type = get16(f + 12);
    const uint8_t *ip = f + HDR_ETH;
    len -= HDR_ETH;
    if (out->type == ETYPE_ARP)
        return parse_arp(ip, len, out);
    if (out->type != ETYPE_IPV4)
        return NULL;
    if (len < HDR_IPV4 || (ip[0] >> 4) != 4)
        return "not an IPv4 header";
    size_t hlen = (size_t)(ip[0] & 0xf) * 4, total = get16(ip + 2);
    if (hlen < HDR_IPV4 || total < hlen || total > len)
        return "IPv4 lengths out of range";
    if (inet_csum(ip, hlen, 0) != 0)
        return "bad IPv4 header checksum";
    out->ip_id = get16(ip + 4);
    out->frag = get16(ip + 6);
    out->ttl = ip[8];
    out->proto = ip[9];
    out->ip_src = get32(ip + 12);
    out->ip_dst = get32(ip + 16);
    out->l4 = ip + hlen;
    out->l4_len = total - hlen;
    return parse_l4(out);
}
