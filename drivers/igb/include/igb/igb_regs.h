/* drivers/igb/include/igb/igb_regs.h: 82576 PF and VF register offsets (bits: igb_defines.h). */
#pragma once

// Sources: the Intel 82576 GbE Controller Datasheet ("DS": register
// descriptions in chapter 8 under the headings named below; virtualization,
// pool switching (7.10.3.6) and VLAN (7.10.3.8) in 7.10, numbers as QEMU
// cites them), Linux's e1000_regs.h/e1000_mbox.h as copied into QEMU, and
// what QEMU 10.0's igb really does (hw/net/igb_core.c, igb_regs.h,
// e1000x_regs.h, igbvf.c), which is the authority here: where the two
// differ the comment says so. Only what Sietch's drivers and their model use.
//
// Split as Linux splits its e1000 headers: offsets here, bit definitions
// in igb_defines.h, the PF-VF mailbox protocol in igb_mbx.h, descriptor
// formats in igb_desc.h. The public driver headers (igb_pf.h, igb_vf.h)
// include none of them: only the drivers, their device model and
// programs that touch the registers themselves do.

/* ---- General registers (DS ch. 8, "General Register Descriptions") ---- */
#define IGB_CTRL     0x00000 // Device Control
#define IGB_STATUS   0x00008 // Device Status (RO)
#define IGB_CTRL_EXT 0x00018 // Extended Device Control
#define IGB_MDIC     0x00020 // MDI Control: PHY register access

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

/* ---- Receive (DS ch. 8, "Receive Register Descriptions") ---- */
#define IGB_RCTL       0x00100
#define IGB_RXCSUM     0x05000
#define IGB_RLPML      0x05004
#define IGB_MTA        0x05200             // 128 words
#define IGB_RAL(n)     (0x05400 + 8 * (n)) // receive address low, entries 0-15
#define IGB_RAH(n)     (0x05404 + 8 * (n))
#define IGB_VFTA(n)    (0x05600 + 4 * (n)) // VLAN filter table, 128 words
#define IGB_RA_ENTRIES 16

/* Per-queue receive registers, PF view: queue q at 0xC000 + 0x40 * q */
#define IGB_RDBAL(q)  (0x0c000 + 0x40 * (q))
#define IGB_RDBAH(q)  (0x0c004 + 0x40 * (q))
#define IGB_RDLEN(q)  (0x0c008 + 0x40 * (q))
#define IGB_SRRCTL(q) (0x0c00c + 0x40 * (q))
#define IGB_RDH(q)    (0x0c010 + 0x40 * (q))
#define IGB_RDT(q)    (0x0c018 + 0x40 * (q))
#define IGB_RXDCTL(q) (0x0c028 + 0x40 * (q))

/* ---- Transmit (DS ch. 8, "Transmit Register Descriptions") ---- */
#define IGB_TCTL 0x00400

#define IGB_TDBAL(q)  (0x0e000 + 0x40 * (q))
#define IGB_TDBAH(q)  (0x0e004 + 0x40 * (q))
#define IGB_TDLEN(q)  (0x0e008 + 0x40 * (q))
#define IGB_TDH(q)    (0x0e010 + 0x40 * (q))
#define IGB_TDT(q)    (0x0e018 + 0x40 * (q))
#define IGB_TXDCTL(q) (0x0e028 + 0x40 * (q))
#define IGB_TDWBAL(q) (0x0e038 + 0x40 * (q))
#define IGB_TDWBAH(q) (0x0e03c + 0x40 * (q))

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

/* ---- RSS (DS 7.1.2.10 receive-side scaling, 7.10.2 VMDq + RSS; ch. 8 MRQC, RETA, RSSRK) ----
 * Bits and how the datasheet and QEMU differ: igb_defines.h. */
#define IGB_RETA(n)      (0x05c00 + 4 * (n)) // 32 words, 4 one-byte entries each
#define IGB_RETA_WORDS   32
#define IGB_RETA_ENTRIES 128                 // indexed by the hash's low 7 bits
#define IGB_RSSRK(n)     (0x05c80 + 4 * (n)) // the 40-byte Toeplitz key, 10 words
#define IGB_RSSRK_WORDS  10

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
