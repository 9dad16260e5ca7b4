/* lib/os/lwip/hooks.c: lwIP hooks (lwipopts.h): source routing, UDP length check, TCP ISNs,
 * listen-backlog drops. */
#include "lwip_port_hooks.h"

#include "lwip_port.h"

#include "lwip/inet_chksum.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/udp.h"
#include "lwip/stats.h"

struct netif *lwip_port_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
    struct netif *netif;

    // ip4_route calls the hook with no source, to ask for a route by
    // destination only: lwIP's own answer is the right one then.
    if (src == NULL || ip4_addr_isany(src))
        return NULL;
    // An interface without link keeps its packets: sending them through
    // another one would put a foreign source address on that wire.
    NETIF_FOREACH(netif)
    {
        if (netif_is_up(netif) && ip4_addr_cmp(src, netif_ip4_addr(netif)))
            return netif;
    }
    return NULL;
}

// RFC 768: the UDP length covers header and data, so it must equal the IP
// payload length. lwIP's udp_input trusts the IP length alone.
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp)
{
    LWIP_UNUSED_ARG(inp);
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *iph = p->payload;
    u16_t hlen = IPH_HL_BYTES(iph), len = lwip_ntohs(IPH_LEN(iph));
    if (IPH_PROTO(iph) != IP_PROTO_UDP)
        return 0;
    // A fragment's UDP header (if it has one) describes the whole datagram.
    if ((lwip_ntohs(IPH_OFFSET(iph)) & (IP_OFFMASK | IP_MF)) != 0)
        return 0;
    // Headers that do not fit are ip4_input's and udp_input's to drop.
    if (hlen < IP_HLEN || len < hlen || len > p->tot_len || hlen + UDP_HLEN > p->len)
        return 0;
    const struct udp_hdr *udph = (const struct udp_hdr *)((const u8_t *)p->payload + hlen);
    if (lwip_ntohs(udph->len) == len - hlen)
        return 0;
    // Checked only now, off the common path: a header that fails its
    // checksum is ip4_input's to count (ip.chkerr), not a length error.
    if (inet_chksum(iph, hlen) != 0)
        return 0;
    UDP_STATS_INC(udp.recv);
    UDP_STATS_INC(udp.lenerr);
    UDP_STATS_INC(udp.drop);
    pbuf_free(p);
    return 1;
}

u32_t lwip_port_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                        u16_t remote_port)
{
    LWIP_UNUSED_ARG(local_ip);
    LWIP_UNUSED_ARG(local_port);
    LWIP_UNUSED_ARG(remote_ip);
    LWIP_UNUSED_ARG(remote_port);
    return LWIP_RAND();
}

struct lwip_port_stats lwip_port_stats;

err_t lwip_port_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                             u8_t *opt2, struct pbuf *p)
{
    LWIP_UNUSED_ARG(optlen);
    LWIP_UNUSED_ARG(opt1len);
    LWIP_UNUSED_ARG(opt2);
    LWIP_UNUSED_ARG(p);
    // tcp_listen_input's own test, which drops such a SYN without a trace.
    if (pcb->state == LISTEN && (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
        const struct tcp_pcb_listen *l = (const struct tcp_pcb_listen *)pcb;
        if (l->accepts_pending >= l->backlog) {
            lwip_port_stats.syn_backlog_full++;
            TCP_STATS_INC(tcp.drop);
        }
    }
    return ERR_OK;
}
