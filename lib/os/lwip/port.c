/* lib/os/lwip/port.c: lwIP's platform side: start-up, sys_now, random, assertions, frame input. */
#include "lwip_port.h"

#include "lwip/debug.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/ethernet.h"
#include "lwip/stats.h"
#include "lwip/sys.h"

#include <string.h>

// Set once, by lwip_port_init, before lwIP runs.
static struct lwip_port_hooks port_hooks;

// The longest frame a netif takes: its MTU plus the link header.
#if ETHARP_SUPPORT_VLAN
#define PORT_LINK_HLEN (SIZEOF_ETH_HDR + SIZEOF_VLAN_HDR)
#else
#define PORT_LINK_HLEN SIZEOF_ETH_HDR
#endif

errval_t lwip_port_init(const struct lwip_port_hooks *hooks)
{
    if (hooks == NULL || hooks->now_ms == NULL)
        return LWIP_ERR_NO_CLOCK;
    if (hooks->random32 == NULL)
        return LWIP_ERR_NO_RANDOM;
    if (port_hooks.now_ms != NULL)
        return LWIP_ERR_ALREADY_INIT;
    // lwip_init already reads the clock (timeouts) and the random hook
    // (first ephemeral ports).
    port_hooks = *hooks;
    lwip_init();
    return SYS_ERR_OK;
}

u32_t sys_now(void)
{
    LWIP_ASSERT("sys_now: lwip_port_init has not run", port_hooks.now_ms != NULL);
    return port_hooks.now_ms();
}

uint32_t lwip_port_random(void)
{
    LWIP_ASSERT("LWIP_RAND: lwip_port_init has not run", port_hooks.random32 != NULL);
    return port_hooks.random32();
}

// Eight bytes at a time with an end-around carry, in whatever alignment:
// a word of 2k bytes is, modulo 0xffff, the sum of its 16-bit words, as
// 2^16 = 1 (mod 0xffff).
uint16_t lwip_port_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    uint64_t sum = 0, w;
    size_t n = len > 0 ? (size_t)len : 0;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        sum += w;
        sum += sum < w; // the carry out of bit 63 comes back in
    }
    w = 0;
    memcpy(&w, p, n); // the last 0-7 bytes; an odd one pairs with a zero
    sum += w;
    sum += sum < w;
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

_Noreturn void lwip_port_assert_failed(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
    abort();
}

// lwIP's etharp_input reads a whole ARP header from the first pbuf
// without checking its length (2.1.3): the bytes of a frame cut short
// would come from whatever the buffer held before.
static bool arp_cut_short(const struct pbuf *frame)
{
    if (frame->len < SIZEOF_ETH_HDR)
        return false; // ethernet_input drops these itself
    const struct eth_hdr *eth = frame->payload;
    return eth->type == PP_HTONS(ETHTYPE_ARP) && frame->len < SIZEOF_ETH_HDR + SIZEOF_ETHARP_HDR;
}

errval_t lwip_port_input(struct netif *netif, struct pbuf *frame)
{
    if (netif == NULL || frame == NULL || netif->input == NULL) {
        if (frame != NULL)
            pbuf_free(frame);
        return SYS_ERR_INVALID_ARGS;
    }
    LINK_STATS_INC(link.recv);
    // The NIC's own length filter is the first line; this one holds
    // whatever a driver or a loopback path lets through.
    if (frame->tot_len > netif->mtu + PORT_LINK_HLEN) {
        LINK_STATS_INC(link.lenerr);
        LINK_STATS_INC(link.drop);
        pbuf_free(frame);
        return LWIP_ERR_FRAME_TOO_LONG;
    }
    if (arp_cut_short(frame)) {
        ETHARP_STATS_INC(etharp.lenerr);
        ETHARP_STATS_INC(etharp.drop);
        pbuf_free(frame);
        return LWIP_ERR_FRAME_TOO_SHORT;
    }
    // On failure the input function leaves the frame to its caller.
    if (netif->input(frame, netif) != ERR_OK) {
        LINK_STATS_INC(link.drop);
        pbuf_free(frame);
        return LWIP_ERR_INPUT_REFUSED;
    }
    return SYS_ERR_OK;
}
