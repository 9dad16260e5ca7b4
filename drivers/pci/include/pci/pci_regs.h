/* drivers/pci/include/pci/pci_regs.h: PCI/PCIe configuration-space registers and bits. */
#pragma once

#include <stdint.h>

// Sources: PCI Local Bus Specification 3.0 (PCI), PCI-to-PCI Bridge
// Architecture Specification 1.2 (PPB), PCI Express Base Specification 6.0
// (PCIe), whose chapter 9 holds SR-IOV (formerly the SR-IOV 1.1 spec).

#define PCI_CFG_SIZE       256  // conventional config space (PCI 6.1)
#define PCIE_CFG_SIZE      4096 // extended config space (PCIe 7.2.2)
#define PCI_MAX_DEV        32
#define PCI_MAX_FN         8
#define PCI_VENDOR_NONE    0xffffu // vendor ID read from an absent function
#define PCI_ECAM_BUS_SHIFT 20      // ECAM: bus << 20 | dev << 15 | fn << 12 | reg (PCIe 7.2.2)
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_FN_SHIFT  12

/* ---- Common header, types 0 and 1 (PCI 6.1, 6.2) ---- */
#define PCI_VENDOR_ID   0x00 // 16
#define PCI_DEVICE_ID   0x02 // 16
#define PCI_COMMAND     0x04 // 16 (PCI 6.2.2)
#define PCI_STATUS      0x06 // 16 (PCI 6.2.3)
#define PCI_REVISION    0x08 // 8
#define PCI_PROG_IF     0x09 // 8
#define PCI_SUBCLASS    0x0a // 8
#define PCI_CLASS       0x0b // 8
#define PCI_HEADER_TYPE 0x0e // 8
#define PCI_BAR0        0x10 // 32 each, 4 apart (PCI 6.2.5.1)
#define PCI_CAP_PTR     0x34 // 8 (PCI 6.7), valid when PCI_STATUS_CAP_LIST
#define PCI_IRQ_LINE    0x3c // 8
#define PCI_IRQ_PIN     0x3d // 8

#define PCI_COMMAND_IO           (1u << 0)
#define PCI_COMMAND_MEMORY       (1u << 1)
#define PCI_COMMAND_MASTER       (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST      (1u << 4)

#define PCI_HEADER_LAYOUT_MASK 0x7fu
#define PCI_HEADER_MULTIFN     0x80u
#define PCI_HEADER_NORMAL      0 // type 0: endpoints
#define PCI_HEADER_BRIDGE      1 // type 1: PCI-to-PCI bridges, PCIe ports
#define PCI_HEADER_CARDBUS     2

/* ---- Type 0 only (PCI 6.2) ---- */
#define PCI_SUBSYS_VENDOR 0x2c // 16
#define PCI_SUBSYS_ID     0x2e // 16
#define PCI_NBARS_NORMAL  6
#define PCI_NBARS_BRIDGE  2

/* ---- Base Address Registers (PCI 6.2.5.1) ---- */
#define PCI_BAR_SPACE_IO      (1u << 0) // I/O space; else memory space
#define PCI_BAR_IO_MASK       0xfffffffcu
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_32        0x0u // anywhere in 32-bit space
#define PCI_BAR_MEM_1M        0x2u // below 1 MiB: reserved since PCI 3.0
#define PCI_BAR_MEM_64        0x4u // two registers: low then high dword
#define PCI_BAR_MEM_PREFETCH  (1u << 3)
#define PCI_BAR_MEM_MASK      0xfffffff0u

/* ---- Type 1 header (PPB 3.2) ---- */
#define PCI_PRIMARY_BUS      0x18 // 8
#define PCI_SECONDARY_BUS    0x19 // 8
#define PCI_SUBORDINATE_BUS  0x1a // 8
#define PCI_IO_BASE          0x1c // 8: bits 7:4 are address 15:12 (PPB 3.2.5.6)
#define PCI_IO_LIMIT         0x1d // 8
#define PCI_MEM_BASE         0x20 // 16: bits 15:4 are address 31:20 (PPB 3.2.5.8)
#define PCI_MEM_LIMIT        0x22 // 16
#define PCI_PREF_BASE        0x24 // 16: as MEM, bits 3:0 say 32 or 64-bit (PPB 3.2.5.9)
#define PCI_PREF_LIMIT       0x26 // 16
#define PCI_PREF_BASE_UPPER  0x28 // 32: address 63:32 of the prefetchable window
#define PCI_PREF_LIMIT_UPPER 0x2c // 32
#define PCI_IO_BASE_UPPER    0x30 // 16: address 31:16 of a 32-bit I/O window
#define PCI_IO_LIMIT_UPPER   0x32 // 16
#define PCI_BRIDGE_CONTROL   0x3e // 16

#define PCI_WINDOW_CAP_MASK  0xfu // low bits of I/O and prefetchable base/limit
#define PCI_WINDOW_32BIT_IO  0x1u
#define PCI_WINDOW_64BIT_MEM 0x1u
#define PCI_IO_WINDOW_MASK   0xf0u
#define PCI_MEM_WINDOW_MASK  0xfff0u
#define PCI_IO_WINDOW_GRAN   0x1000u   // 4 KiB
#define PCI_MEM_WINDOW_GRAN  0x100000u // 1 MiB

/* ---- Capability list (PCI 6.7) ---- */
#define PCI_CAP_ID       0x0  // 8
#define PCI_CAP_NEXT     0x1  // 8: bits 1:0 reserved, masked off
#define PCI_CAP_FIRST    0x40 // capabilities live in 0x40..0xff
#define PCI_CAP_PTR_MASK 0xfcu

#define PCI_CAP_ID_PM      0x01
#define PCI_CAP_ID_MSI     0x05
#define PCI_CAP_ID_VENDOR  0x09
#define PCI_CAP_ID_SSVID   0x0d
#define PCI_CAP_ID_EXPRESS 0x10
#define PCI_CAP_ID_MSIX    0x11

/* ---- Extended capabilities (PCIe 7.6.3) ---- */
#define PCI_EXT_CAP_FIRST   0x100
#define PCI_EXT_CAP_ID(h)   ((h)&0xffffu)
#define PCI_EXT_CAP_VER(h)  (((h) >> 16) & 0xfu)
#define PCI_EXT_CAP_NEXT(h) (((h) >> 20) & 0xffcu) // bits 1:0 reserved, masked off

#define PCI_EXT_CAP_ID_AER   0x0001
#define PCI_EXT_CAP_ID_ACS   0x000d
#define PCI_EXT_CAP_ID_ARI   0x000e
#define PCI_EXT_CAP_ID_ATS   0x000f
#define PCI_EXT_CAP_ID_SRIOV 0x0010

/* ---- MSI capability (PCI 6.8.1) ---- */
#define PCI_MSI_CONTROL     0x02 // 16
#define PCI_MSI_ADDR_LO     0x04 // 32
#define PCI_MSI_ADDR_HI     0x08 // 32, 64-bit capable only
#define PCI_MSI_DATA_32     0x08 // 16, 32-bit layout
#define PCI_MSI_DATA_64     0x0c // 16, 64-bit layout
#define PCI_MSI_MASK_32     0x0c // 32, per-vector masking only
#define PCI_MSI_MASK_64     0x10
#define PCI_MSI_PENDING_32  0x10
#define PCI_MSI_PENDING_64  0x14
#define PCI_MSI_CTRL_ENABLE (1u << 0)
#define PCI_MSI_CTRL_MMC(c) (((c) >> 1) & 0x7u) // log2 vectors requested
#define PCI_MSI_CTRL_MME(c) (((c) >> 4) & 0x7u) // log2 vectors enabled
#define PCI_MSI_CTRL_64BIT  (1u << 7)
#define PCI_MSI_CTRL_PVM    (1u << 8) // per-vector masking
#define PCI_MSI_MAX_LOG2    5         // 32 vectors; 6 and 7 are reserved

/* ---- MSI-X capability (PCI 6.8.2) ---- */
#define PCI_MSIX_CONTROL      0x02 // 16
#define PCI_MSIX_TABLE        0x04 // 32: BIR in 2:0, QWORD-aligned offset in 31:3
#define PCI_MSIX_PBA          0x08 // 32: likewise
#define PCI_MSIX_CTRL_SIZE(c) (((c)&0x7ffu) + 1)
#define PCI_MSIX_CTRL_MASKALL (1u << 14)
#define PCI_MSIX_CTRL_ENABLE  (1u << 15)
#define PCI_MSIX_BIR_MASK     0x7u
#define PCI_MSIX_OFFSET_MASK  0xfffffff8u
#define PCI_MSIX_ENTRY_SIZE   16
#define PCI_MSIX_VCTRL_MASKED (1u << 0)

// One MSI-X table entry, in the BAR the table BIR names (PCI 6.8.2.6-9).
struct pci_msix_entry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t vector_control; // PCI_MSIX_VCTRL_MASKED
};
_Static_assert(sizeof(struct pci_msix_entry) == PCI_MSIX_ENTRY_SIZE, "MSI-X entry layout");

/* ---- PCI Express capability (PCIe 7.5.3) ---- */
#define PCI_EXP_FLAGS             0x02 // 16: PCI Express Capabilities register
#define PCI_EXP_DEVCAP            0x04 // 32
#define PCI_EXP_DEVCTL            0x08 // 16
#define PCI_EXP_DEVSTA            0x0a // 16
#define PCI_EXP_LNKCAP            0x0c // 32
#define PCI_EXP_LNKCTL            0x10 // 16
#define PCI_EXP_LNKSTA            0x12 // 16
#define PCI_EXP_DEVCAP2           0x24 // 32
#define PCI_EXP_DEVCTL2           0x28 // 16
#define PCI_EXP_FLAGS_VERS(f)     ((f)&0xfu)
#define PCI_EXP_FLAGS_TYPE(f)     (((f) >> 4) & 0xfu)
#define PCI_EXP_FLAGS_SLOT        (1u << 8)
#define PCI_EXP_FLAGS_IRQ(f)      (((f) >> 9) & 0x1fu)
#define PCI_EXP_DEVCAP_PAYLOAD(c) ((c)&0x7u) // 128 << n bytes
#define PCI_EXP_DEVCAP_FLR        (1u << 28)
#define PCI_EXP_DEVCTL_FLR        (1u << 15) // Initiate Function Level Reset
#define PCI_EXP_LNK_SPEED(l)      ((l)&0xfu)
#define PCI_EXP_LNK_WIDTH(l)      (((l) >> 4) & 0x3fu)
#define PCI_EXP_DEVCAP2_ARI       (1u << 5) // ARI Forwarding Supported (ports)
#define PCI_EXP_DEVCTL2_ARI       (1u << 5)

// Device/Port Type (PCIe 7.5.3.2).
#define PCI_EXP_TYPE_ENDPOINT   0x0
#define PCI_EXP_TYPE_LEGACY_EP  0x1
#define PCI_EXP_TYPE_ROOT_PORT  0x4
#define PCI_EXP_TYPE_UPSTREAM   0x5
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_TYPE_PCIE_PCI   0x7
#define PCI_EXP_TYPE_PCI_PCIE   0x8
#define PCI_EXP_TYPE_RC_EP      0x9 // Root Complex Integrated Endpoint: no link registers
#define PCI_EXP_TYPE_RC_EC      0xa // Root Complex Event Collector: no link registers

/* ---- SR-IOV extended capability (PCIe 9.3.3) ---- */
#define PCI_SRIOV_CAP        0x04 // 32
#define PCI_SRIOV_CTRL       0x08 // 16
#define PCI_SRIOV_STATUS     0x0a // 16
#define PCI_SRIOV_INITIAL_VF 0x0c // 16
#define PCI_SRIOV_TOTAL_VF   0x0e // 16
#define PCI_SRIOV_NUM_VF     0x10 // 16: RW while VF Enable is clear
#define PCI_SRIOV_FUNC_LINK  0x12 // 8
#define PCI_SRIOV_VF_OFFSET  0x14 // 16: First VF Offset, may change with NumVFs
#define PCI_SRIOV_VF_STRIDE  0x16 // 16: may change with NumVFs
#define PCI_SRIOV_VF_DID     0x1a // 16: the VFs' device ID
#define PCI_SRIOV_SUP_PGSIZE 0x1c // 32: bit n = page size 4 KiB << n supported
#define PCI_SRIOV_SYS_PGSIZE 0x20 // 32
#define PCI_SRIOV_VF_BAR0    0x24 // 32 each, 6 of them, per-VF sizes (9.3.3.14)
#define PCI_SRIOV_MIGR_STATE 0x3c // 32
#define PCI_SRIOV_SIZE       0x40
#define PCI_SRIOV_NBARS      6
#define PCI_SRIOV_CTRL_VFE   (1u << 0) // VF Enable
#define PCI_SRIOV_CTRL_VFM   (1u << 1) // VF Migration Enable
#define PCI_SRIOV_CTRL_MSE   (1u << 3) // VF Memory Space Enable
#define PCI_SRIOV_CTRL_ARI   (1u << 4) // ARI Capable Hierarchy
