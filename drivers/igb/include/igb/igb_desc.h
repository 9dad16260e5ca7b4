/* drivers/igb/include/igb/igb_desc.h: the 82576's advanced receive and transmit descriptors. */
#pragma once

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

#define IGB_RXD_STAT_DD  (1u << 0)
#define IGB_RXD_STAT_EOP (1u << 1)
#define IGB_RXD_STAT_VP  (1u << 3)
// Errors in status_error 31:24 (e1000x_regs.h RXDEXT_STATERR): QEMU sets
// IPE and TCPE for bad IPv4/TCP/UDP checksums (RXCSUM offload is on by
// default); the others are physical-layer errors an emulator cannot see.
#define IGB_RXD_ERR_CE   (1u << 24)
#define IGB_RXD_ERR_SE   (1u << 25)
#define IGB_RXD_ERR_SEQ  (1u << 26)
#define IGB_RXD_ERR_CXE  (1u << 28)
#define IGB_RXD_ERR_TCPE (1u << 29)
#define IGB_RXD_ERR_IPE  (1u << 30)
#define IGB_RXD_ERR_RXE  (1u << 31)
#define IGB_RXD_ERR_MASK                                                                           \
    (IGB_RXD_ERR_CE | IGB_RXD_ERR_SE | IGB_RXD_ERR_SEQ | IGB_RXD_ERR_CXE | IGB_RXD_ERR_TCPE |      \
     IGB_RXD_ERR_IPE | IGB_RXD_ERR_RXE)

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

#define IGB_TXD_LEN(n)    ((uint32_t)(n)&0xffffu)
#define IGB_TXD_DTYP_DATA (3u << 20)
#define IGB_TXD_DTYP_CTXT (2u << 20)
#define IGB_TXD_CMD_EOP   (1u << 24)
#define IGB_TXD_CMD_IFCS  (1u << 25)
#define IGB_TXD_CMD_RS    (1u << 27)
#define IGB_TXD_CMD_DEXT  (1u << 29)
#define IGB_TXD_PAYLEN(n) ((uint32_t)(n) << 14)
#define IGB_TXD_STAT_DD   (1u << 0)
