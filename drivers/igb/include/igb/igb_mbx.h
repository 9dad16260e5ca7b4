/* drivers/igb/include/igb/igb_mbx.h: the 82576 PF-VF mailbox: control bits and messages. */
#pragma once

// The mailbox registers (PF: IGB_P2VMAILBOX, IGB_VMBMEM, IGB_MBVFICR; VF:
// IGB_VF_MBX, IGB_VF_MBMEM) are in igb_regs.h. Each VF has one 16-word
// buffer that either side may hold; a side posts a message by setting its
// STS/REQ bit and the other acknowledges with ACK (the datasheet's
// virtualization chapter, "PF/VF mailbox"; QEMU's igb_core.c and igbvf.c).

/* ---- MBVFICR: which VFs posted a request or an ack (PF view) ---- */
#define IGB_MBVFICR_VFREQ(vf) (1u << (vf))
#define IGB_MBVFICR_VFACK(vf) (1u << (16 + (vf)))

/* ---- P2VMAILBOX: the PF's side of VF vf's mailbox ---- */
#define IGB_P2V_STS  (1u << 0) // PF: a message is in the buffer for the VF
#define IGB_P2V_ACK  (1u << 1) // PF: the VF's message was read
#define IGB_P2V_VFU  (1u << 2) // (RO) the VF holds the buffer
#define IGB_P2V_PFU  (1u << 3) // the PF holds the buffer (only if VFU is clear)
#define IGB_P2V_RVFU (1u << 4) // take the buffer back from a stuck VF

/* ---- V2PMAILBOX: the VF's side (IGB_VF_MBX) ---- */
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
