/* drivers/igb/include/igb/igb_defines.h: 82576 register bit definitions (offsets: igb_regs.h). */
#pragma once

#include <stdint.h>

// Sources as in igb_regs.h: the 82576 datasheet ("DS"), with QEMU 10.0's
// igb as the authority where the two differ (the comment says so).

/* ---- General (DS ch. 8, "General Register Descriptions") ---- */
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
// GPIE.MSIX_MODE must be set for any VF interrupt: without it QEMU masks
// EIMS/EICS to the low 16 bits and VF vectors live in bits 1..24.
#define IGB_GPIE_MSIX_MODE     (1u << 4)
#define IGB_IVAR_VALID         0x80u
// IVAR_MISC bits 15:8: the MSI-X vector of the "other" causes (every ICR
// cause but DRSTA) in MSI-X mode (QEMU igb_raise_interrupts).
#define IGB_IVAR_MISC_OTHER(v) (((uint32_t)(v) | IGB_IVAR_VALID) << 8)
// ICR.VMMB: a VF wrote REQ or ACK into its mailbox (MBVFICR), or reset
// (VFLRE). QEMU raises it only when it is newly set and unmasked in IMS
// (and in MSI-X mode, only through IVAR_MISC's vector if EIMS allows it);
// ICR is write-1-to-clear.
#define IGB_ICR_VMMB           (1u << 8)

/* ---- Receive (DS ch. 8, "Receive Register Descriptions") ---- */
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

#define IGB_SRRCTL_BSIZEPKT(kb)  ((uint32_t)(kb)&0x7fu) // packet buffer size in KiB
#define IGB_SRRCTL_DESCTYPE_ADV1 (1u << 25)             // advanced, one buffer
#define IGB_SRRCTL_DESCTYPE_MASK (7u << 25)
#define IGB_SRRCTL_DROP_EN       (1u << 31)
#define IGB_RXDCTL_ENABLE        (1u << 25)

/* ---- Transmit (DS ch. 8, "Transmit Register Descriptions") ---- */
#define IGB_TCTL_EN       (1u << 1)
#define IGB_TCTL_PSP      (1u << 3) // pad short packets
#define IGB_TCTL_CT       (0xfu << 4)
#define IGB_TCTL_COLD     (0x40u << 12)
#define IGB_TXDCTL_ENABLE (1u << 25)

/* ---- Virtualization, PF view (DS ch. 8, "Virtualization Register Descriptions") ---- */
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
// WVBR: bit p, a frame of pool p failed the MAC check; bit 8 + p, the VLAN
// check (igb_pf_spoof_events returns them as igb_pf.h's IGB_SPOOF_*).
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
#define IGB_MRQC_RSS            0x2u       // RSS only (QEMU: MRQC & 3 == 2)
#define IGB_MRQC_VMDQ_RSS       0x5u       // VMDq + RSS, 2 queues per pool (DS)
#define IGB_MRQC_FIELD_IPV4     (1u << 17) // hash IPv4 addresses
#define IGB_MRQC_FIELD_IPV4_TCP (1u << 16) // ... and TCP ports
#define IGB_MRQC_FIELD_IPV4_UDP (1u << 22) // ... and UDP ports
#define IGB_RETA_POOL_Q1        0x08u      // VMDq + RSS (DS): the pool's second queue
#define IGB_RXCSUM_PCSD         (1u << 13) // packet checksum off: RSS hash in the descriptor
#define IGB_VMOLR_RSSE          (1u << 17) // RSS within this pool (VMDq + RSS)

#define IGB_VLVF_VID(v)    ((uint32_t)(v)&0xfffu)
#define IGB_VLVF_POOL(p)   (1u << (12 + (p)))
#define IGB_VLVF_POOL_MASK (0xffu << 12)
#define IGB_VLVF_ENABLE    (1u << 31)
#define IGB_VMVIR_DEFAULT  (1u << 30) // always insert VMVIR's VLAN on transmit
