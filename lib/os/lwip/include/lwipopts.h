/* lib/os/lwip/include/lwipopts.h: how Sietch configures lwIP 2.1 for its library OS. */
#pragma once

// Every option here overrides a default of lwIP's src/include/lwip/opt.h,
// whose comments define each one; the reasons are Sietch's. docs/network.md
// explains the choices as a whole.

// --- The execution model -----------------------------------------------------
// A run-to-completion library OS: one thread drives the stack from its
// poll loop (frames in, sys_check_timeouts, application work), so there
// are no lwIP threads, mailboxes, semaphores or locks.
#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS          1
// Room for timeouts of the libOS's own (lib/os/net uses none yet).
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)

// lwIP's sequential APIs need threads; the libOS has its own socket layer
// over the raw (callback) API.
#define LWIP_NETCONN                          0
#define LWIP_SOCKET                           0
#define LWIP_NETIF_API                        0
#define LWIP_CALLBACK_API                     1
// lib/c's <netinet/in.h> has htons and friends (and the host's in the
// unit tests): lwIP must not define them again as macros.
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
// The sockets' SO_REUSEADDR (lib/os/net/socket.c).
#define SO_REUSE                              1

// --- Protocols ---------------------------------------------------------------
#define LWIP_IPV4          1
#define LWIP_IPV6          0
#define LWIP_ETHERNET      1
#define LWIP_ARP           1
#define LWIP_ICMP          1
#define LWIP_UDP           1
#define LWIP_TCP           1
// A VNIC gets its address from the control plane, not from the network.
#define LWIP_DHCP          0
#define LWIP_AUTOIP        0
#define LWIP_IGMP          0
#define LWIP_DNS           0
#define LWIP_RAW           0
#define LWIP_ALTCP         0
// A libOS instance is an end host: it never forwards between its VNICs.
#define IP_FORWARD         0
// Datagrams larger than the MTU work both ways, up to UDP's largest
// (65507 bytes: 45 fragments of 1480): 64 fragments may wait for
// reassembly at a time, of up to 8 datagrams, each for at most
// IP_REASS_MAXAGE seconds (lwIP's 15). Fragments wait in the receive pool
// (lib/os/net copies them there), which has room for them (below). MIB2
// statistics count reassembled and failed datagrams (mib2.ipreasmoks,
// ipreasmfails), which lib/os/net's accounting of datagrams reads.
#define IP_REASSEMBLY      1
#define IP_FRAG            1
#define IP_REASS_MAX_PBUFS 64
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 16
// ARP resolution holds the packets that wait for it, so the first
// datagram to a new peer is sent rather than dropped: 16 frames per
// address (a datagram of up to 16 fragments, 23672 bytes of UDP data;
// lwIP drops the oldest beyond that, without counting it). Each waits as
// a copy in the heap, so a first datagram of 45 fragments would not fit
// beside its own 64 KiB anyway.
#define ARP_QUEUEING       1
#define ARP_QUEUE_LEN      16
#define MEMP_NUM_ARP_QUEUE (2 * ARP_QUEUE_LEN)
#define ARP_TABLE_SIZE     16

// --- Sietch's hooks (lib/os/lwip/hooks.c) ------------------------------------
#define LWIP_HOOK_FILENAME                        "lwip_port_hooks.h"
// A packet leaves through the interface that owns its source address, so
// that each VNIC sends only its own traffic (a VF's MAC anti-spoofing
// drops anything else) even when several share a subnet.
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest)        lwip_port_route_src(src, dest)
// Drops UDP datagrams whose length field disagrees with the IP length,
// which lwIP itself does not check.
#define LWIP_HOOK_IP4_INPUT(p, inp)               lwip_port_ip4_input(p, inp)
// Unpredictable initial sequence numbers (lwIP's own are a counter).
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) lwip_port_tcp_isn(lip, lport, rip, rport)
// Counts the SYNs a full listen backlog drops (lwIP drops them silently).
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
    lwip_port_tcp_inpacket(pcb, hdr, optlen, opt1len, opt2, p)

// --- Memory: static pools sized for one small libOS application --------------
// lwIP's own heap and pools in the program's bss: a fixed footprint
// (about 311 KiB: 145 for the receive pool, 128 for the heap, which
// holds outgoing data, 38 for the rest, most of it TCP PCBs and segments),
// no calls into malloc on the data path, and exhaustion counted in the
// statistics (mem.err, memp[].err) instead of growing.
#define MEM_LIBC_MALLOC          0
#define MEMP_MEM_MALLOC          0
#define MEM_ALIGNMENT            8
#define MEM_SIZE                 (128 * 1024)
// The receive pool: frames copied in (beyond rx_hold_max, and every
// IPv4 fragment): room for IP_REASS_MAX_PBUFS fragments and 32 more.
#define PBUF_POOL_SIZE           (IP_REASS_MAX_PBUFS + 32)
#define MEMP_NUM_PBUF            32
#define MEMP_NUM_UDP_PCB         8
// Drivers may wrap their own receive buffers in pbufs (zero-copy receive).
#define LWIP_SUPPORT_CUSTOM_PBUF 1

// --- TCP ---------------------------------------------------------------------
// Windows of eight segments (11.7 KiB: no window scaling needed) each
// way, well within the 64 buffers of the receive pool.
#define TCP_MSS                 1460
#define TCP_WND                 (8 * TCP_MSS)
#define TCP_SND_BUF             (8 * TCP_MSS)
#define TCP_SND_QUEUELEN        (4 * TCP_SND_BUF / TCP_MSS)
// A server with 100 clients and a full backlog of 16 (tcpecho), and room
// for connections closing (LAST_ACK, TIME_WAIT, which lwIP reuses first
// when PCBs run out). Segments are shared by all connections: each one
// queued to send or kept out of order takes one.
#define MEMP_NUM_TCP_PCB        128
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG        256
#define TCP_QUEUE_OOSEQ         1
// A connection keeps at most 8 buffers of data past a hole (a window's
// worth of bytes): a peer sending tiny segments past one it never fills
// cannot take the receive pool from everyone else (lwIP drops the rest,
// and the newest queued first; the peer retransmits what was real).
#define TCP_OOSEQ_MAX_PBUFS     8
#define TCP_OOSEQ_MAX_BYTES     TCP_WND
// listen()'s backlog: SYNs beyond it are dropped (the peer retries) and
// counted (lwip_port_stats), and the socket layer counts connections it
// has not accepted against it.
#define TCP_LISTEN_BACKLOG      1

// --- Checksums ---------------------------------------------------------------
// All in software for now: the emulated 82576's offloads are still to be
// measured and enabled per interface.
#define CHECKSUM_GEN_IP       1
#define CHECKSUM_GEN_UDP      1
#define CHECKSUM_GEN_TCP      1
#define CHECKSUM_GEN_ICMP     1
#define CHECKSUM_CHECK_IP     1
#define CHECKSUM_CHECK_UDP    1
#define CHECKSUM_CHECK_TCP    1
#define CHECKSUM_CHECK_ICMP   1
#define LWIP_CHECKSUM_ON_COPY 0
// lwIP's own loop adds 16 bits at a time; the port's adds 64
// (lib/os/lwip/port.c): the same sum, an eighth of the iterations. The
// native API (lib/os/net/native.c) uses it too.
#define LWIP_CHKSUM           lwip_port_chksum

// --- Statistics: every drop is counted (lwip_stats, lwip/stats.h) ------------
#define LWIP_STATS         1
// 32-bit counters: 16 bits wrap after a second of traffic.
#define LWIP_STATS_LARGE   1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS         1
#define ETHARP_STATS       1
#define IP_STATS           1
#define IPFRAG_STATS       1
#define ICMP_STATS         1
#define UDP_STATS          1
#define TCP_STATS          1
#define MEM_STATS          1
#define MEMP_STATS         1
#define SYS_STATS          0
#define MIB2_STATS         1 // datagrams reassembled and failed (ip4_frag.c)

// --- Diagnostics -------------------------------------------------------------
// Assertions stay on (LWIP_NOASSERT is not defined): they end the program
// through LWIP_PLATFORM_ASSERT (arch/cc.h). Debug messages are off
// (LWIP_DEBUG is not defined).
