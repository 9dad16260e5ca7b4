/* drivers/igb/include/igb/igb_desc.h: the 82576's advanced receive and transmit descriptors. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* ---- Descriptors (DS ch. 7: advanced receive and transmit descriptors; QEMU igb_regs.h) ---- */

// Advanced receive descriptor, one buffer: the driver writes the read
// format; the device overwrites all 16 bytes with the write-back format.
union igb_rx_desc {
    struct {
        uint64_t pkt_addr;
        uint64_t hdr_addr; // header split only; 0
    } read;
    struct {
        uint16_t pkt_info;
        uint16_t hdr_info;
        uint32_t rss_or_ipid;
        uint32_t status_error;
        uint16_t length;
        uint16_t vlan;
    } wb;
};
_Static_assert(sizeof(union igb_rx_desc) == 16, "advanced RX descriptor is 16 bytes");

#define IGB_RXD_STAT_DD    (1u << 0)
#define IGB_RXD_STAT_EOP   (1u << 1)
#define IGB_RXD_STAT_VP    (1u << 3)
// Receive checksum offload (RXCSUM IPOFLD and TUOFLD, on by default):
// IPCS says the IPv4 header checksum was checked, L4I and UDPCS that the
// UDP checksum was. QEMU sets them only for what it checked: not for a
// UDP checksum of 0, a fragment, or a protocol it does not parse
// (igb_build_rx_metadata, net_rx_pkt_validate_l4_csum). A failed check
// sets IPE or TCPE below as well.
#define IGB_RXD_STAT_UDPCS (1u << 4)
#define IGB_RXD_STAT_L4I   (1u << 5)
#define IGB_RXD_STAT_IPCS  (1u << 6)
// Errors in status_error 31:24 (e1000x_regs.h RXDEXT_STATERR): QEMU sets
// IPE and TCPE for bad IPv4/TCP/UDP checksums (RXCSUM offload is on by
// default); the others are physical-layer errors an emulator cannot see.
#define IGB_RXD_ERR_CE     (1u << 24)
#define IGB_RXD_ERR_SE     (1u << 25)
#define IGB_RXD_ERR_SEQ    (1u << 26)
#define IGB_RXD_ERR_CXE    (1u << 28)
#define IGB_RXD_ERR_TCPE   (1u << 29)
#define IGB_RXD_ERR_IPE    (1u << 30)
#define IGB_RXD_ERR_RXE    (1u << 31)
#define IGB_RXD_ERR_MASK                                                                           \
    (IGB_RXD_ERR_CE | IGB_RXD_ERR_SE | IGB_RXD_ERR_SEQ | IGB_RXD_ERR_CXE | IGB_RXD_ERR_TCPE |      \
     IGB_RXD_ERR_IPE | IGB_RXD_ERR_RXE)

// Did the device check a received frame's IPv4 header and UDP checksums
// (status: the write-back's status, its low half enough)? Right, unless
// it set IPE or TCPE: the VF driver drops those frames.
static inline bool igb_rxd_udp_csum_good(uint32_t status)
{
    const uint32_t checked = IGB_RXD_STAT_IPCS | IGB_RXD_STAT_L4I | IGB_RXD_STAT_UDPCS;
    return (status & checked) == checked;
}

// Advanced transmit data descriptor. The device writes back only the
// status word (DD) of a descriptor with RS set.
union igb_tx_desc {
    struct {
        uint64_t buffer_addr;
        uint32_t cmd_type_len;
        uint32_t olinfo_status;
    } read;
    struct {
        uint64_t rsvd;
        uint32_t nxtseq_seed;
        uint32_t status;
    } wb;
};
_Static_assert(sizeof(union igb_tx_desc) == 16, "advanced TX descriptor is 16 bytes");

#define IGB_TXD_LEN(n)     ((uint32_t)(n)&0xffffu)
#define IGB_TXD_DTYP_DATA  (3u << 20)
#define IGB_TXD_DTYP_CTXT  (2u << 20)
#define IGB_TXD_CMD_EOP    (1u << 24)
#define IGB_TXD_CMD_IFCS   (1u << 25)
#define IGB_TXD_CMD_RS     (1u << 27)
#define IGB_TXD_CMD_DEXT   (1u << 29)
#define IGB_TXD_PAYLEN(n)  ((uint32_t)(n) << 14)
#define IGB_TXD_STAT_DD    (1u << 0)
// olinfo_status of a data descriptor asking for checksums: the context
// index (bit 4) whose parameters apply, IXSM (insert the IPv4 header
// checksum) and TXSM (insert the TCP/UDP checksum). QEMU computes both
// for any queue, a VF's included (igb_setup_tx_offloads); the UDP
// checksum field must hold the pseudo-header's sum, as on the 82576 (a
// backend with virtio-net headers adds to it; QEMU's own software
// checksum zeroes it first).
#define IGB_TXD_IDX(i)     ((uint32_t)(i) << 4)
#define IGB_TXD_POPTS_IXSM (1u << 8)
#define IGB_TXD_POPTS_TXSM (1u << 9)

// Advanced transmit context descriptor: offload parameters the device
// keeps per queue under an index (0 or 1) until the queue is reset;
// data descriptors name the index (QEMU igb_process_tx_desc stores them
// in the queue's ctx[idx]).
struct igb_tx_ctx_desc {
    uint32_t vlan_macip_lens; // IPLEN 8:0, MACLEN 15:9, VLAN 31:16
    uint32_t seqnum_seed;     // reserved: 0
    uint32_t type_tucmd_mlhl; // TUCMD (IPV4 bit 10, L4T 12:11), DTYP 23:20, DEXT
    uint32_t mss_l4len_idx;   // IDX 6:4, L4LEN 15:8, MSS 31:16
};
_Static_assert(sizeof(struct igb_tx_ctx_desc) == 16, "advanced TX context descriptor is 16 bytes");

#define IGB_TXCTX_IPLEN(n)      ((uint32_t)(n))
#define IGB_TXCTX_MACLEN(n)     ((uint32_t)(n) << 9)
#define IGB_TXCTX_TUCMD_IPV4    (1u << 10)
#define IGB_TXCTX_TUCMD_L4T_UDP (0u << 11)
#define IGB_TXCTX_IDX(i)        ((uint32_t)(i) << 4)
