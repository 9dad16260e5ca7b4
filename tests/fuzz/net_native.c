/*
 * tests/fuzz/net_native.c: the native network API's classifier
 * (lib/os/net/native.c: which frames are intact UDP datagrams for an
 * endpoint, handed out zero-copy, and which go to lwIP) on frames from the
 * wire, with lwIP behind it.
 *
 * One stack on the unit tests' simulated wire (tests/unit/net: simq.c and
 * fixture.c), a native endpoint on UDP port 7, and the input as frames:
 * each a flags byte, a 2-byte little-endian length and that many bytes.
 * The flags ask the harness to make fields right that random bytes rarely
 * are: bit 0 the Ethernet type, IP version and header length, protocol
 * and destination (the stack's address, port 7); bit 1 the IP header
 * checksum; bit 2 zeroes the UDP checksum (none). Invariants: a datagram
 * handed out is one the frame held (its length, bytes, source address and
 * port); every queue buffer comes home at the end, none misused
 * (fx_teardown's checks).
 */
#include "../unit/net/fixture.h"
#include "fuzz.h"
#include <net/native.h>
#include <net/netq.h>

#define HDRS      42 // Ethernet, IPv4 without options, UDP
#define MAX_INPUT (16 * 1024)

static uint16_t ip_sum(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void fix_frame(uint8_t *f, size_t len, uint8_t flags)
{
    if (len < HDRS)
        return;
    uint8_t *ip = f + 14;
    if (flags & 1) {
        f[12] = 0x08, f[13] = 0x00;
        ip[0] = 0x45, ip[9] = 17;
        uint32_t dst = htonl(FX_IP_B);
        memcpy(ip + 16, &dst, 4);
        ip[22] = 0, ip[23] = 7;
    }
    if (flags & 4)
        ip[26] = ip[27] = 0;
    if (flags & 2) {
        ip[10] = ip[11] = 0;
        uint16_t s = ip_sum(ip);
        ip[10] = (uint8_t)(s >> 8), ip[11] = (uint8_t)s;
    }
}

// What the endpoint holds now must come from frame f (len bytes).
static void check_received(struct net_udp *u, const uint8_t *f, size_t len)
{
    struct net_udp_pkt pkts[8];
    unsigned n;
    FUZZ_CHECK(err_is_ok(net_udp_recv(u, pkts, 8, &n)), "net_udp_recv");
    for (unsigned i = 0; i < n; i++) {
        FUZZ_CHECK(i == 0 && len >= HDRS && pkts[i].len <= len - HDRS,
                   "datagram %u of %u, %u bytes, from a %zu-byte frame", i, n, pkts[i].len, len);
        FUZZ_CHECK(!memcmp(pkts[i].data, f + HDRS, pkts[i].len), "the payload differs");
        FUZZ_CHECK(!memcmp(&pkts[i].ip, f + 26, 4) && !memcmp(&pkts[i].port, f + 34, 2),
                   "the source differs");
    }
    FUZZ_CHECK(err_is_ok(net_udp_done(u, pkts, n)), "net_udp_done");
}

static void run_input(const uint8_t *data, size_t size)
{
    fx_setup_peer();
    struct net_udp *u;
    FUZZ_CHECK(err_is_ok(net_udp_open(fx.b, htons(7), 8, &u)), "net_udp_open");
    uint8_t frame[NETQ_BUF_BYTES], out[NETQ_BUF_BYTES];
    for (size_t at = 0; size - at >= 3;) {
        uint8_t flags = data[at];
        size_t len = data[at + 1] | (size_t)data[at + 2] << 8;
        at += 3;
        len = len < size - at ? len : size - at;
        len = len < NETQ_MTU + 14 ? len : NETQ_MTU + 14;
        memcpy(frame, data + at, len);
        at += len;
        fix_frame(frame, len, flags);
        if (len == 0)
            continue;
        fx_peer_send(frame, len);
        check_received(u, frame, len);
        while (simq_raw_recv(&fx.w->end[0], out, sizeof(out)) > 0)
            ; // what the stack answered (ARP, ICMP) is not checked here
    }
    FUZZ_CHECK(err_is_ok(net_udp_close(u)), "net_udp_close");
    fx_teardown();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size <= MAX_INPUT)
        run_input(data, size);
    return 0;
}
