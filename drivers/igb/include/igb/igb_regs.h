/* drivers/igb/include/igb/igb_regs.h: 82576 PF and VF registers, descriptors, mailbox codes. */
#pragma once

#include <stdint.h>

// Sources: the Intel 82576 GbE Controller Datasheet ("DS": register
// descriptions in chapter 8 under the headings named below; virtualization,
// pool switching (7.10.3.6) and VLAN (7.10.3.8) in 7.10, numbers as QEMU
// cites them), Linux's e1000_regs.h/e1000_mbox.h as copied into QEMU, and
// what QEMU 10.0's igb really does (hw/net/igb_core.c, igb_regs.h,
// e1000x_regs.h, igbvf.c), which is the authority here: where the two
// differ the comment says so. Only what Sietch's drivers and their model use.

/* ---- General registers (DS ch. 8, "General Register Descriptions") ---- */
#define IGB_CTRL     0x00000 // Device Control
#define IGB_STATUS   0x00008 // Device Status (RO)
#define IGB_CTRL_EXT 0x00018 // Extended Device Control
#define IGB_MDIC     0x00020 // MDI Control: PHY register access

#define IGB_CTRL_FD  (1u << 0)  // full duplex
#define IGB_CTRL_SLU (1u << 6)  // set link up
#define IGB_CTRL_RST (1u << 26) // device reset; self-clearing (igb_set_ctrl)

#define IGB_STATUS_FD         (1u << 0)
#define IGB_STATUS_LU         (1u << 1) // link up: set when auto-negotiation completes
#define IGB_STATUS_SPEED_MASK (3u << 6)
#define IGB_STATUS_SPEED_100  (1u << 6)
#define IGB_STATUS_SPEED_1000 (2u << 6)
#define IGB_STATUS_NUM_VFS(s) (((s) >> 14) & 0xfu) // VFs enabled in config space (igb_get_status)
#define IGB_STATUS_IOV_MODE   (1u << 18)
#define IGB_CTRL_EXT_PFRSTD   (1u << 14) // PF reset done: VF mailboxes RSTI -> RSTD
#define IGB_CTRL_EXT_DRV_LOAD (1u << 28)

/* MDIC, MDI control: QEMU answers at once and only for PHY address 1 */
#define IGB_MDIC_DATA(v)     ((v)&0xffffu)
#define IGB_MDIC_REG(r)      ((uint32_t)(r) << 16)
#define IGB_MDIC_PHY(p)      ((uint32_t)(p) << 21)
#define IGB_MDIC_OP_WRITE    (1u << 26)
#define IGB_MDIC_OP_READ     (2u << 26)
#define IGB_MDIC_READY       (1u << 28)
#define IGB_MDIC_ERROR       (1u << 30)
#define IGB_PHY_ADDR         1
#define IGB_PHY_BMCR         0x00 // MII control (IEEE 802.3 22.2.4.1)
#define IGB_PHY_BMSR         0x01 // MII status
#define IGB_BMCR_ANRESTART   (1u << 9)
#define IGB_BMCR_AUTOEN      (1u << 12)
#define IGB_BMCR_FD          (1u << 8)
#define IGB_BMCR_SPEED1000   (1u << 6)
#define IGB_BMSR_LINK        (1u << 2)
#define IGB_BMSR_AN_COMPLETE (1u << 5)

/* ---- Interrupts (DS ch. 8, "Interrupt Register Descriptions") ---- */
#define IGB_ICR       0x000c0 // cause read (clear on read)
#define IGB_IMS       0x000d0 // mask set
#define IGB_IMC       0x000d8 // mask clear
#define IGB_GPIE      0x01514 // general purpose interrupt enable
#define IGB_EICS      0x01520 // extended cause set
#define IGB_EIMS      0x01524 // extended mask set
#define IGB_EIMC      0x01528 // extended mask clear
#define IGB_EIAC      0x0152c // extended auto-clear
#define IGB_EIAM      0x01530 // extended auto-mask (QEMU: written, never used)
#define IGB_EICR      0x01580 // extended cause read
#define IGB_IVAR0     0x01700
#define IGB_IVAR_MISC 0x01740

// GPIE.MSIX_MODE must be set for any VF interrupt: without it QEMU masks
// EIMS/EICS to the low 16 bits and VF vectors live in bits 1..24.
#define IGB_GPIE_MSIX_MODE (1u << 4)
#define IGB_IVAR_VALID     0x80u

/* ---- Receive (DS ch. 8, "Receive Register Descriptions") ---- */
#define IGB_RCTL       0x00100
#define IGB_RXCSUM     0x05000
#define IGB_RLPML      0x05004
#define IGB_MTA        0x05200             // 128 words
#define IGB_RAL(n)     (0x05400 + 8 * (n)) // receive address low, entries 0-15
#define IGB_RAH(n)     (0x05404 + 8 * (n))
#define IGB_VFTA(n)    (0x05600 + 4 * (n)) // VLAN filter table, 128 words
#define IGB_RA_ENTRIES 16

#define IGB_RCTL_EN  (1u << 1)
#define IGB_RCTL_SBP (1u << 2)
#define IGB_RCTL_UPE (1u << 3)
#define IGB_RCTL_MPE (1u << 4)
#define IGB_RCTL_LPE                                                                               \
    (1u << 5) // long packets: without it frames over 1514 (+4 per VLAN tag) are dropped
#define IGB_RCTL_BAM      (1u << 15)
#define IGB_RCTL_VFE      (1u << 18) // VLAN filter enable (VFTA, and VLVF per pool in VMDq mode)
#define IGB_RCTL_SECRC    (1u << 26) // strip CRC: QEMU otherwise appends 4 zero bytes to every frame
#define IGB_RAH_AV        (1u << 31)         // address valid
#define IGB_RAH_POOL(p)   (1u << (18 + (p))) // pool select (QEMU: RAH_POOL_1 << pool)
#define IGB_RAH_POOL_MASK (0xffu << 18)

/* Per-queue receive registers, PF view: queue q at 0xC000 + 0x40 * q */
#define IGB_RDBAL(q)  (0x0c000 + 0x40 * (q))
#define IGB_RDBAH(q)  (0x0c004 + 0x40 * (q))
#define IGB_RDLEN(q)  (0x0c008 + 0x40 * (q))
#define IGB_SRRCTL(q) (0x0c00c + 0x40 * (q))
#define IGB_RDH(q)    (0x0c010 + 0x40 * (q))
#define IGB_RDT(q)    (0x0c018 + 0x40 * (q))
#define IGB_RXDCTL(q) (0x0c028 + 0x40 * (q))

#define IGB_SRRCTL_BSIZEPKT(kb)  ((uint32_t)(kb)&0x7fu) // packet buffer size in KiB
#define IGB_SRRCTL_DESCTYPE_ADV1 (1u << 25)             // advanced, one buffer
#define IGB_SRRCTL_DESCTYPE_MASK (7u << 25)
#define IGB_SRRCTL_DROP_EN       (1u << 31)
#define IGB_RXDCTL_ENABLE        (1u << 25)

/* ---- Transmit (DS ch. 8, "Transmit Register Descriptions") ---- */
#define IGB_TCTL      0x00400
#define IGB_TCTL_EN   (1u << 1)
#define IGB_TCTL_PSP  (1u << 3) // pad short packets
#define IGB_TCTL_CT   (0xfu << 4)
#define IGB_TCTL_COLD (0x40u << 12)

#define IGB_TDBAL(q)      (0x0e000 + 0x40 * (q))
#define IGB_TDBAH(q)      (0x0e004 + 0x40 * (q))
#define IGB_TDLEN(q)      (0x0e008 + 0x40 * (q))
#define IGB_TDH(q)        (0x0e010 + 0x40 * (q))
#define IGB_TDT(q)        (0x0e018 + 0x40 * (q))
#define IGB_TXDCTL(q)     (0x0e028 + 0x40 * (q))
#define IGB_TDWBAL(q)     (0x0e038 + 0x40 * (q))
#define IGB_TDWBAH(q)     (0x0e03c + 0x40 * (q))
#define IGB_TXDCTL_ENABLE (1u << 25)

#define IGB_QUEUES     16
#define IGB_RING_ALIGN 128 // DS: base and length in 128-byte units (QEMU masks less)

/* ---- Virtualization, PF view (DS ch. 8, "Virtualization Register Descriptions"; behaviour: QEMU
 * igb_core.c) ---- */
#define IGB_P2VMAILBOX(vf) (0x00c00 + 4 * (vf))    // PF side of VF vf's mailbox
#define IGB_VMBMEM(vf)     (0x00800 + 0x40 * (vf)) // VF vf's 16-word message buffer
#define IGB_MBVFICR        0x00c80 // VF requests (bits 0-7) and acks (16-23); write 1 to clear
#define IGB_MBVFIMR        0x00c84
#define IGB_VFLRE          0x00c88             // VF reset events (bit per VF); write 1 to clear
#define IGB_VFRE           0x00c8c             // VF (pool) receive enables
#define IGB_VFTE           0x00c90             // VF (pool) transmit enables
#define IGB_DTXSWC         0x03500             // DMA TX switch control
#define IGB_VMVIR(p)       (0x03700 + 4 * (p)) // per-pool default VLAN insertion
#define IGB_VMOLR(p)       (0x05ad0 + 4 * (p)) // per-pool offload and filter control
#define IGB_MRQC           0x05818             // multiple receive queues: VMDq mode
#define IGB_VT_CTL         0x0581c             // VMDq control: default pool
#define IGB_VLVF(n)        (0x05d00 + 4 * (n)) // VLAN -> pool filters, 32 entries
#define IGB_RTTDQSEL       0x03604 // TX queue select for the rate scheduler (write only)
#define IGB_RTTBCNRM       0x03690 // TX rate scheduler maximum compensation
#define IGB_RTTBCNRC       0x036b0 // TX rate scheduler config of the selected queue (write only)
#define IGB_WVBR           0x03554 // wrong VM behaviour: pools caught spoofing (read to clear)
#define IGB_PVTCTRL(vf)    (0x10000 + 0x100 * (vf)) // PF mirror of VF CTRL (RST resets the VF)
#define IGB_PVFGPRC(vf)    (0x10010 + 0x100 * (vf)) // per-pool good packets received
#define IGB_PVFGPTC(vf)    (0x10014 + 0x100 * (vf)) // per-pool good packets transmitted
#define IGB_PVFGORC(vf)    (0x10018 + 0x100 * (vf)) // per-pool good octets received (+4 per frame)
#define IGB_PVFGOTC(vf)    (0x10034 + 0x100 * (vf)) // per-pool good octets transmitted (+4)
#define IGB_PVFMPRC(vf)    (0x1003c + 0x100 * (vf)) // per-pool multicast packets received
#define IGB_PVTEIMC(vf)    (0x10028 + 0x100 * (vf)) // PF mirror of VF EIMC
#define IGB_POOLS          8
#define IGB_VLVF_ENTRIES   32

// Per-pool statistics QEMU keeps in VMDq mode (PF: PVF* mirrors; VF: VF*
// registers), never cleared. Octet counts include 4 bytes of FCS per frame;
// QEMU counts loopback traffic in these (its *LBC loopback counters stay 0).
struct igb_pool_stats {
    uint32_t rx_packets, tx_packets, rx_octets, tx_octets, rx_multicast;
};

#define IGB_MBVFICR_VFREQ(vf) (1u << (vf))
#define IGB_MBVFICR_VFACK(vf) (1u << (16 + (vf)))

#define IGB_P2V_STS  (1u << 0) // PF: a message is in the buffer for the VF
#define IGB_P2V_ACK  (1u << 1) // PF: the VF's message was read
#define IGB_P2V_VFU  (1u << 2) // (RO) the VF holds the buffer
#define IGB_P2V_PFU  (1u << 3) // the PF holds the buffer (only if VFU is clear)
#define IGB_P2V_RVFU (1u << 4) // take the buffer back from a stuck VF

#define IGB_MRQC_VMDQ            0x3u // QEMU tests MRQC bit 0 for VMDq; 3 is "VMDq, no RSS"
#define IGB_VT_CTL_DEF_POOL(p)   ((uint32_t)(p) << 7) // unmatched unicast from the wire goes here
#define IGB_VT_CTL_DIS_DEF_POOL  (1u << 29)
#define IGB_DTXSWC_MAC_SPOOF(p)  (1u << (p)) // per-pool source MAC check (QEMU ignores it)
#define IGB_DTXSWC_VLAN_SPOOF(p) (1u << (8 + (p)))
#define IGB_DTXSWC_LOOPBACK      (1u << 31) // pool-to-pool switching (igb_tx_pkt_switch)
// RTTBCNRC (82576 datasheet, transmit rate scheduler): rate factor = link speed / rate,
// unsigned 10.14 fixed point, with RS_ENA.
#define IGB_RTTBCNRC_RS_ENA      (1u << 31)
#define IGB_RTTBCNRC_RF_INT(n)   ((uint32_t)(n) << 14)
#define IGB_RTTBCNRC_RF_DEC_MASK 0x3fffu
#define IGB_RTTBCNRM_DEFAULT     0x14 // the maximum compensation Intel's drivers program
// WVBR: bit p, a frame of pool p failed the MAC check; bit 8 + p, the VLAN check.
#define IGB_WVBR_MAC(p)          (1u << (p))
#define IGB_WVBR_VLAN(p)         (1u << (8 + (p)))

#define IGB_VMOLR_RLPML(n) ((uint32_t)(n)&0x3fffu)
#define IGB_VMOLR_LPE      (1u << 16)
#define IGB_VMOLR_AUPE     (1u << 24) // accept untagged frames (only consulted with RCTL.VFE)
#define IGB_VMOLR_ROMPE    (1u << 25) // accept MTA/UTA hash matches
#define IGB_VMOLR_ROPE     (1u << 26) // QEMU ignores ROPE
#define IGB_VMOLR_BAM      (1u << 27) // accept broadcast
#define IGB_VMOLR_MPME     (1u << 28) // QEMU ignores MPME
#define IGB_VMOLR_STRVLAN  (1u << 30) // strip the VLAN tag on receive
#define IGB_VMOLR_STRCRC   (1u << 31) // QEMU ignores it: RCTL.SECRC decides

/* ---- RSS (DS 7.1.2.10 receive-side scaling, 7.10.2 VMDq + RSS; ch. 8 MRQC, RETA, RSSRK) ----
 * The datasheet spreads a pool's flows over the pool's two queues (pool p's
 * queues p and p + 8) when MRQC says VMDq + RSS and the pool's VMOLR.RSSE is
 * set; each RETA byte's bit 3 picks the pool's queue. QEMU 10's igb_core.c
 * does not: it hashes only when MRQC bits 1:0 are 10b (RSS, no VMDq), and
 * VMDq needs bit 0, so inside a pool every frame goes to the pool's first
 * queue. In RSS-only mode QEMU sends every accepted frame to queue
 * RETA[hash & 127] & 15 (frames with no hash type: queue 0), and each
 * queue's DMA is still the owning VF's (queue q belongs to VF q % 8). RSS
 * needs RXCSUM.PCSD (the descriptor then carries the hash, not the IP id). */
#define IGB_MRQC_RSS            0x2u                // RSS only (QEMU: MRQC & 3 == 2)
#define IGB_MRQC_VMDQ_RSS       0x5u                // VMDq + RSS, 2 queues per pool (DS)
#define IGB_MRQC_FIELD_IPV4     (1u << 17)          // hash IPv4 addresses
#define IGB_MRQC_FIELD_IPV4_TCP (1u << 16)          // ... and TCP ports
#define IGB_MRQC_FIELD_IPV4_UDP (1u << 22)          // ... and UDP ports
#define IGB_RETA(n)             (0x05c00 + 4 * (n)) // 32 words, 4 one-byte entries each
#define IGB_RETA_WORDS          32
#define IGB_RETA_ENTRIES        128                 // indexed by the hash's low 7 bits
#define IGB_RETA_POOL_Q1        0x08u               // VMDq + RSS (DS): the pool's second queue
#define IGB_RSSRK(n)            (0x05c80 + 4 * (n)) // the 40-byte Toeplitz key, 10 words
#define IGB_RSSRK_WORDS         10
#define IGB_RXCSUM_PCSD         (1u << 13) // packet checksum off: RSS hash in the descriptor
#define IGB_VMOLR_RSSE          (1u << 17) // RSS within this pool (VMDq + RSS)

#define IGB_VLVF_VID(v)    ((uint32_t)(v)&0xfffu)
#define IGB_VLVF_POOL(p)   (1u << (12 + (p)))
#define IGB_VLVF_POOL_MASK (0xffu << 12)
#define IGB_VLVF_ENABLE    (1u << 31)
#define IGB_VMVIR_DEFAULT  (1u << 30) // always insert VMVIR's VLAN on transmit

/* ---- Virtualization, VF view: the VF's BAR0 (DS ch. 8, VF registers; QEMU igbvf.c vf_to_pf_addr)
 * ---- */
#define IGB_VF_CTRL         0x0000 // RST: resets this VF only (PF's PVTCTRL)
#define IGB_VF_STATUS       0x0008
#define IGB_VF_EICS         0x1520
#define IGB_VF_EIMS         0x1524
#define IGB_VF_EIMC         0x1528
#define IGB_VF_EIAC         0x152c
#define IGB_VF_EIAM         0x1530
#define IGB_VF_EICR         0x1580 // QEMU: reads return the last value written, not the causes
#define IGB_VF_IVAR0        0x1700 // bits 7:0 RX queue 0's vector, 15:8 TX queue 0's (VTIVAR)
#define IGB_VF_IVAR_MISC    0x1740 // mailbox vector
#define IGB_VF_MBX          0x0c40 // V2PMAILBOX
#define IGB_VF_MBMEM        0x0800 // the 16-word message buffer
#define IGB_VF_RDBAL        0x2800 // RX queue 0 (PF queue vf)
#define IGB_VF_RDBAH        0x2804
#define IGB_VF_RDLEN        0x2808
#define IGB_VF_SRRCTL       0x280c
#define IGB_VF_RDH          0x2810
#define IGB_VF_RDT          0x2818
#define IGB_VF_RXDCTL       0x2828
#define IGB_VF_TDBAL        0x3800 // TX queue 0 (PF queue vf)
#define IGB_VF_TDBAH        0x3804
#define IGB_VF_TDLEN        0x3808
#define IGB_VF_TDH          0x3810
#define IGB_VF_TDT          0x3818
#define IGB_VF_TXDCTL       0x3828
#define IGB_VF_TDWBAL       0x3838
#define IGB_VF_TDWBAH       0x383c
#define IGB_VF_QUEUE_STRIDE 0x100  // queue 1's registers (PF queue vf + 8) follow queue 0's
#define IGB_VF_GPRC         0x0f10 // good packets received (PVFGPRC)
#define IGB_VF_GPTC         0x0f14
#define IGB_VF_GORC         0x0f18
#define IGB_VF_GOTC         0x0f34
#define IGB_VF_MPRC         0x0f3c
#define IGB_VF_MSIX_VECTORS 3 // MSI-X table in BAR3 at 0, PBA at 0x2000

#define IGB_V2P_REQ   (1u << 0) // VF: a message is in the buffer for the PF
#define IGB_V2P_ACK   (1u << 1) // VF: the PF's message was read
#define IGB_V2P_VFU   (1u << 2) // the VF holds the buffer (only if PFU is clear)
#define IGB_V2P_PFU   (1u << 3) // (RO) the PF holds the buffer
#define IGB_V2P_PFSTS (1u << 4) // (read-clear) the PF sent a message
#define IGB_V2P_PFACK (1u << 5) // (read-clear) the PF read the VF's message
#define IGB_V2P_RSTI  (1u << 6) // the PF is resetting
#define IGB_V2P_RSTD  (1u << 7) // (read-clear) the PF finished a reset
#define IGB_V2P_R2C   (IGB_V2P_PFSTS | IGB_V2P_PFACK | IGB_V2P_RSTD)
#define IGB_MBX_WORDS 16

/* ---- Mailbox messages (the igb/igbvf protocol: QEMU igb_regs.h "from igb/e1000_mbox.h") ---- */
#define IGB_MSG_VF_RESET      0x01u // VF -> PF: reset me; reply: ACK + MAC (words 1-2) or NACK
#define IGB_MSG_SET_MAC_ADDR  0x02u // VF -> PF: use this MAC (words 1-2)
#define IGB_MSG_SET_MULTICAST 0x03u
#define IGB_MSG_SET_VLAN      0x04u
#define IGB_MSG_SET_LPE       0x05u
#define IGB_MSG_SET_PROMISC   0x06u
#define IGB_MSG_SET_RSS       0x0101u // Sietch's own (not igb/e1000_mbox.h): word 1 = 1 on, 0 off
#define IGB_MSG_TYPE(w)       ((w)&0xffffu) // bits 15:0; 23:16 carry extra information
#define IGB_MSG_ACK           (1u << 31)
#define IGB_MSG_NACK          (1u << 30)
#define IGB_MSG_CTS           (1u << 29) // the VF is clear to send (it has reset)

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
