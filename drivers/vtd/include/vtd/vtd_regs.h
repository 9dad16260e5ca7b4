/* drivers/vtd/include/vtd/vtd_regs.h: Intel VT-d registers and translation-structure formats. */
#pragma once

#include <stdint.h>

// Source: Intel Virtualization Technology for Directed I/O Architecture
// Specification, rev. 3.x (chapter 9: translation structures, chapter 10:
// register descriptions; sections cited beside each group). What QEMU's
// intel-iommu implements was checked against hw/i386/intel_iommu*.

/* ---- Register offsets from the unit's base (10.4, Table 10-x) ---- */
#define VTD_VER       0x00 // 32: version, major 7:4 minor 3:0
#define VTD_CAP       0x08 // 64
#define VTD_ECAP      0x10 // 64
#define VTD_GCMD      0x18 // 32, write-only
#define VTD_GSTS      0x1c // 32
#define VTD_RTADDR    0x20 // 64
#define VTD_CCMD      0x28 // 64
#define VTD_FSTS      0x34 // 32
#define VTD_FECTL     0x38 // 32
#define VTD_FEDATA    0x3c // 32
#define VTD_FEADDR    0x40 // 32
#define VTD_FEUADDR   0x44 // 32
#define VTD_AFLOG     0x58 // 64
#define VTD_PMEN      0x64 // 32
#define VTD_PLMBASE   0x68 // 32
#define VTD_PLMLIMIT  0x6c // 32
#define VTD_PHMBASE   0x70 // 64
#define VTD_PHMLIMIT  0x78 // 64
#define VTD_IQH       0x80 // 64
#define VTD_IQT       0x88 // 64
#define VTD_IQA       0x90 // 64
#define VTD_ICS       0x9c // 32
#define VTD_IECTL     0xa0 // 32
#define VTD_IEDATA    0xa4 // 32
#define VTD_IEADDR    0xa8 // 32
#define VTD_IEUADDR   0xac // 32
#define VTD_IRTA      0xb8 // 64
// The IOTLB registers sit at ECAP.IRO * 16: IVA first, then IOTLB (10.4.8).
#define VTD_IVA_OFF   0x0
#define VTD_IOTLB_OFF 0x8
// Fault recording registers: CAP.NFR + 1 of them, 16 bytes each, from
// CAP.FRO * 16 (10.4.14).
#define VTD_FRCD_SIZE 16

#define VTD_VER_MAJOR(v) (((v) >> 4) & 0xfu)
#define VTD_VER_MINOR(v) ((v)&0xfu)

/* ---- CAP_REG (10.4.2) ---- */
#define VTD_CAP_ND(c)       ((unsigned)((c)&0x7)) // domains: 2^(4 + 2*ND)
#define VTD_CAP_RWBF        (1ull << 4)           // write-buffer flushing required
#define VTD_CAP_PLMR        (1ull << 5)
#define VTD_CAP_PHMR        (1ull << 6)
#define VTD_CAP_CM          (1ull << 7)                     // caching mode
#define VTD_CAP_SAGAW(c)    ((unsigned)(((c) >> 8) & 0x1f)) // bit n: AW n supported
#define VTD_CAP_MGAW(c)     ((unsigned)(((c) >> 16) & 0x3f) + 1)
#define VTD_CAP_ZLR         (1ull << 22)
#define VTD_CAP_FRO(c)      ((unsigned)(((c) >> 24) & 0x3ff)) // x 16 bytes
#define VTD_CAP_SLLPS(c)    ((unsigned)(((c) >> 34) & 0xf))   // bit 0: 2 MiB, bit 1: 1 GiB
#define VTD_CAP_PSI         (1ull << 39)                      // page-selective invalidation
#define VTD_CAP_NFR(c)      ((unsigned)(((c) >> 40) & 0xff) + 1)
#define VTD_CAP_MAMV(c)     ((unsigned)(((c) >> 48) & 0x3f)) // largest address mask
#define VTD_CAP_DWD         (1ull << 54)
#define VTD_CAP_DRD         (1ull << 55)
#define VTD_CAP_ND_RESERVED 7

/* ---- ECAP_REG (10.4.3) ---- */
#define VTD_ECAP_C       (1ull << 0) // page walks snoop the CPU caches
#define VTD_ECAP_QI      (1ull << 1)
#define VTD_ECAP_DT      (1ull << 2) // device-TLBs (ATS)
#define VTD_ECAP_IR      (1ull << 3)
#define VTD_ECAP_EIM     (1ull << 4) // x2APIC (32-bit destination) interrupt remapping
#define VTD_ECAP_PT      (1ull << 6)
#define VTD_ECAP_SC      (1ull << 7)                      // snoop control: SNP bit in leaf entries
#define VTD_ECAP_IRO(e)  ((unsigned)(((e) >> 8) & 0x3ff)) // x 16 bytes
#define VTD_ECAP_MHMV(e) ((unsigned)(((e) >> 20) & 0xf))
#define VTD_ECAP_SMTS    (1ull << 43) // scalable mode
#define VTD_ECAP_SLTS    (1ull << 46) // second-level translation (scalable mode)

/* ---- GCMD_REG / GSTS_REG (10.4.4, 10.4.5): same bit positions ---- */
#define VTD_GCMD_TE       (1u << 31) // translation enable (persistent)
#define VTD_GCMD_SRTP     (1u << 30) // set root table pointer (one-shot)
#define VTD_GCMD_SFL      (1u << 29) // set fault log (one-shot)
#define VTD_GCMD_EAFL     (1u << 28)
#define VTD_GCMD_WBF      (1u << 27) // write buffer flush (one-shot)
#define VTD_GCMD_QIE      (1u << 26) // queued invalidation enable (persistent)
#define VTD_GCMD_IRE      (1u << 25) // interrupt remapping enable (persistent)
#define VTD_GCMD_SIRTP    (1u << 24) // set interrupt remap table pointer (one-shot)
#define VTD_GCMD_CFI      (1u << 23) // compatibility format interrupts (persistent)
// Status bits that mirror one-shot commands: 10.4.4 says to clear them
// from the GSTS value before writing it back to GCMD with a new command.
#define VTD_GSTS_ONE_SHOT (VTD_GCMD_SRTP | VTD_GCMD_SFL | VTD_GCMD_WBF | VTD_GCMD_SIRTP)

/* ---- RTADDR_REG (10.4.6) ---- */
#define VTD_RTADDR_TTM_SHIFT 10 // 00b legacy, 01b scalable mode
#define VTD_RTADDR_ADDR_MASK (~0xfffull)

/* ---- CCMD_REG (10.4.7) ---- */
#define VTD_CCMD_ICC        (1ull << 63) // invalidate: set by software, cleared when done
#define VTD_CCMD_CIRG_SHIFT 61
#define VTD_CCMD_CAIG_SHIFT 59 // granularity actually performed
#define VTD_CCMD_FM_SHIFT   32
#define VTD_CCMD_SID_SHIFT  16
#define VTD_CCMD_GLOBAL     1ull
#define VTD_CCMD_DOMAIN     2ull
#define VTD_CCMD_DEVICE     3ull

/* ---- IOTLB_REG and IVA_REG (10.4.8) ---- */
#define VTD_IOTLB_IVT        (1ull << 63)
#define VTD_IOTLB_IIRG_SHIFT 60
#define VTD_IOTLB_IAIG_SHIFT 57
#define VTD_IOTLB_DR         (1ull << 49) // drain reads first
#define VTD_IOTLB_DW         (1ull << 48) // drain writes first
#define VTD_IOTLB_DID_SHIFT  32
#define VTD_IOTLB_GLOBAL     1ull
#define VTD_IOTLB_DOMAIN     2ull
#define VTD_IOTLB_PAGE       3ull
#define VTD_IVA_IH           (1ull << 6) // invalidation hint: leaf entries only changed
#define VTD_IVA_AM_MASK      0x3full

/* ---- FSTS_REG, FECTL_REG (10.4.9, 10.4.10) ---- */
#define VTD_FSTS_PFO    (1u << 0) // primary fault overflow
#define VTD_FSTS_PPF    (1u << 1) // primary pending fault (some FRCD has F set)
#define VTD_FSTS_IQE    (1u << 4)
#define VTD_FSTS_ICE    (1u << 5)
#define VTD_FSTS_ITE    (1u << 6)
#define VTD_FSTS_FRI(s) (((s) >> 8) & 0xffu) // first fault record index
#define VTD_FECTL_IM    (1u << 31)           // fault event interrupt masked
#define VTD_FECTL_IP    (1u << 30)

/* ---- Fault recording register, 128 bits as lo/hi (10.4.14) ---- */
#define VTD_FRCD_LO_FI_MASK     (~0xfffull)             // faulting page address
#define VTD_FRCD_LO_IR_INDEX(l) ((unsigned)((l) >> 48)) // interrupt-remapping faults
#define VTD_FRCD_HI_F           (1ull << 63)            // fault recorded; write 1 to clear
#define VTD_FRCD_HI_T           (1ull << 62)            // 0: write request, 1: read (or atomic)
#define VTD_FRCD_HI_AT(h)       ((unsigned)(((h) >> 60) & 3))
#define VTD_FRCD_HI_PV(h)       ((uint32_t)(((h) >> 40) & 0xfffff))
#define VTD_FRCD_HI_FR(h)       ((uint8_t)((h) >> 32))
#define VTD_FRCD_HI_PP          (1ull << 31) // PASID present
#define VTD_FRCD_HI_SID(h)      ((uint16_t)(h))

/* ---- Fault reasons (Appendix A; 7.1.3) ---- */
#define VTD_FR_ROOT_NOT_PRESENT  0x01
#define VTD_FR_CTX_NOT_PRESENT   0x02
#define VTD_FR_CTX_INVALID       0x03
#define VTD_FR_ADDR_BEYOND_AGAW  0x04
#define VTD_FR_WRITE             0x05
#define VTD_FR_READ              0x06
#define VTD_FR_PTE_ACCESS        0x07
#define VTD_FR_ROOT_TABLE_ACCESS 0x08
#define VTD_FR_CTX_TABLE_ACCESS  0x09
#define VTD_FR_ROOT_RESERVED     0x0a
#define VTD_FR_CTX_RESERVED      0x0b
#define VTD_FR_PTE_RESERVED      0x0c
#define VTD_FR_TT_BLOCKED        0x0d
#define VTD_FR_IR_FIRST          0x20 // 0x20-0x2f: interrupt-remapping faults
#define VTD_FR_IR_REQ_RESERVED   0x20 // reserved field set in the interrupt request
#define VTD_FR_IR_INDEX_OVER     0x21 // index beyond the table's size (IRTA.S)
#define VTD_FR_IR_NOT_PRESENT    0x22 // IRTE present bit clear
#define VTD_FR_IR_TABLE_ACCESS   0x23 // the table could not be read
#define VTD_FR_IR_IRTE_RESERVED  0x24 // reserved field set in the IRTE
#define VTD_FR_IR_COMPAT_BLOCKED 0x25 // compatibility format while GSTS.CFIS is clear
#define VTD_FR_IR_SID            0x26 // the requester failed the IRTE's source-ID check
#define VTD_FR_IR_LAST           0x2f

/* ---- Queued invalidation (6.5.2, 10.4.22-24) ---- */
// IQA: queue base 63:12, DW 11 (0: 128-bit descriptors), QS 2:0 (2^(QS+8)
// entries). IQT/IQH: the next descriptor's index in bits 18:4.
#define VTD_IQA_QS_MASK         7ull
#define VTD_IQ_INDEX_SHIFT      4
#define VTD_INV_DESC_SIZE       16
// Descriptor types in bits 3:0 of the low word.
#define VTD_INV_DESC_IEC        0x4ull      // interrupt entry cache invalidation (6.5.2.7)
#define VTD_INV_DESC_WAIT       0x5ull      // invalidation wait (6.5.2.8)
#define VTD_INV_IEC_INDEXED     (1ull << 4) // G: index-selective (else global)
#define VTD_INV_IEC_IM_SHIFT    27          // index mask: 2^IM entries from the index
#define VTD_INV_IEC_IIDX_SHIFT  32
#define VTD_INV_WAIT_SW         (1ull << 5) // write the status data to the status address
#define VTD_INV_WAIT_FN         (1ull << 6) // fence: later descriptors wait for this one
#define VTD_INV_WAIT_DATA_SHIFT 32

// One 128-bit invalidation descriptor.
struct vtd_inv_desc {
    uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_inv_desc) == VTD_INV_DESC_SIZE, "descriptors are 128 bits");

/* ---- Interrupt remapping (5.1, 9.9, 9.10, 10.4.29) ---- */
// IRTA: table base 63:12, EIME 11 (x2APIC destinations), S 3:0: the table
// has 2^(S+1) 16-byte entries.
#define VTD_IRTA_EIME       (1ull << 11)
#define VTD_IRTA_S_MASK     0xfull
#define VTD_IRTE_SIZE       16
#define VTD_IRT_MAX_ENTRIES 65536 // S = 15

// An interrupt remapping table entry, remapped format (9.10).
struct vtd_irte {
    uint64_t lo; // P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, IM 15 (0), V 23:16, DST 63:32
    uint64_t hi; // SID 15:0, SQ 17:16, SVT 19:18
};
_Static_assert(sizeof(struct vtd_irte) == VTD_IRTE_SIZE, "IRTE is 128 bits");

#define VTD_IRTE_P               (1ull << 0)
#define VTD_IRTE_FPD             (1ull << 1)
#define VTD_IRTE_DM_LOGICAL      (1ull << 2)
#define VTD_IRTE_RH              (1ull << 3)
#define VTD_IRTE_TM_LEVEL        (1ull << 4)
#define VTD_IRTE_DLM_SHIFT       5
#define VTD_IRTE_DLM_MASK        (7ull << 5)
#define VTD_IRTE_IM_POSTED       (1ull << 15)
#define VTD_IRTE_V_SHIFT         16
#define VTD_IRTE_DST_SHIFT       32
#define VTD_IRTE_XAPIC_DST_SHIFT (32 + 8) // xAPIC mode: the APIC ID is DST 15:8
// Bits that must be 0 in the low word (reserved 14:12 and 31:24) and the
// high word (63:20): QEMU refuses an entry with any of them set (reason 0x24).
#define VTD_IRTE_LO_RESERVED     0x00000000ff007000ull
#define VTD_IRTE_HI_RESERVED     0xfffffffffff00000ull
#define VTD_IRTE_SQ_SHIFT        16
#define VTD_IRTE_SVT_SHIFT       18
#define VTD_SVT_NONE             0ull // no requester check
#define VTD_SVT_RID              1ull // SID and SQ: the requester ID, with SQ's mask
#define VTD_SVT_BUS              2ull // SID = start bus 15:8 .. end bus 7:0

// A remappable-format MSI address (5.1.5.2): 0xFEE in 31:20, the handle's
// bits 14:0 in 19:5, format 1 in bit 4, SHV in 3, handle bit 15 in 2.
#define VTD_MSI_ADDR_BASE        0xfee00000ull
#define VTD_MSI_ADDR_FORMAT      (1ull << 4)
#define VTD_MSI_ADDR_SHV         (1ull << 3)
#define VTD_MSI_ADDR_INDEX_SHIFT 5
#define VTD_MSI_ADDR_INDEX15     (1ull << 2)
// An IOAPIC redirection entry in remappable format (5.1.5.1): format in
// bit 48, handle bits 14:0 in 63:49, handle bit 15 in bit 11.
#define VTD_RTE_FORMAT           (1ull << 48)
#define VTD_RTE_INDEX_SHIFT      49
#define VTD_RTE_INDEX15          (1ull << 11)

/* ---- Root and context entries, legacy mode (9.1, 9.3) ---- */

// The root table: 256 entries, one per bus, each pointing at that bus's
// context table (256 entries, one per devfn).
struct vtd_root_entry {
    uint64_t lo; // P bit 0, context-table pointer 63:12
    uint64_t hi; // reserved
};
_Static_assert(sizeof(struct vtd_root_entry) == 16, "root entry is 128 bits");

struct vtd_context_entry {
    uint64_t lo; // P 0, FPD 1, TT 3:2, second-level page-table pointer 63:12
    uint64_t hi; // AW 2:0, ignored 6:3, DID 23:8
};
_Static_assert(sizeof(struct vtd_context_entry) == 16, "context entry is 128 bits");

#define VTD_TABLE_ENTRIES    256 // root and context tables: one 4 KiB page
#define VTD_ROOT_P           (1ull << 0)
#define VTD_ROOT_CTP_MASK    (~0xfffull)
#define VTD_CTX_P            (1ull << 0)
#define VTD_CTX_FPD          (1ull << 1) // fault processing disable
#define VTD_CTX_TT_SHIFT     2
#define VTD_CTX_TT_MASK      (3ull << 2)
#define VTD_CTX_SLPTPTR_MASK (~0xfffull)
#define VTD_CTX_AW_MASK      7ull
#define VTD_CTX_DID_SHIFT    8
#define VTD_CTX_DID_MASK     (0xffffull << 8)
#define VTD_CTX_HI_RESERVED  0xffffffffff000080ull

// Adjusted guest address widths (AW field, SAGAW bit): levels of tables.
#define VTD_AW_39 1 // 3-level
#define VTD_AW_48 2 // 4-level
#define VTD_AW_57 3 // 5-level

/* ---- Second-level paging entries (9.8) ---- */
#define VTD_SL_R          (1ull << 0)
#define VTD_SL_W          (1ull << 1)
#define VTD_SL_PS         (1ull << 7)           // page size: a leaf at level 2 (2 MiB) or 3 (1 GiB)
#define VTD_SL_SNP        (1ull << 11)          // snoop, if ECAP.SC
#define VTD_SL_ADDR_MASK  0x000ffffffffff000ull // 51:12
#define VTD_SL_ENTRIES    512
#define VTD_SL_LEVEL_BITS 9
#define VTD_PAGE_SHIFT    12
