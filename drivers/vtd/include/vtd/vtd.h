/* drivers/vtd/include/vtd/vtd.h: pure VT-d helpers: capabilities, entries, invalidation, faults. */
#pragma once

#include <base/mmio.h>
#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vtd/vtd_regs.h>

/* ---- Capabilities ---- */

// A remapping unit's CAP and ECAP registers decoded (VT-d 10.4.2-3).
struct vtd_caps {
    uint64_t cap, ecap;
    unsigned haw;      // host address width (from the DMAR): table pointers lie below 2^haw
    unsigned ndomains; // domain IDs 0 .. ndomains - 1
    unsigned sagaw;    // bit n set: AW value n (VTD_AW_*) supported
    unsigned mgaw;     // widest DMA address (bits)
    unsigned nfr;      // fault recording registers
    uint32_t fro;      // byte offset of the first fault recording register
    uint32_t iro;      // byte offset of the IOTLB registers (IVA, then IOTLB)
    unsigned mamv;     // largest address mask for page-selective invalidation
    bool caching_mode; // not-present entries may be cached: invalidate on every change
    bool rwbf, psi, zlr, sp_2m, sp_1g, drain_read, drain_write;
    bool coherent, qi, dev_tlb, intr_remap, eim, pass_through, snoop_control, scalable;
};

// Decode cap and ecap for a unit on a platform with host address width haw
// (struct acpi_dmar's haw). Errors: SYS_ERR_INVALID_ARGS (haw outside
// 12..64); SYS_ERR_CORRUPT (ND reserved, or FRO or IRO 0, which would put
// those registers on top of the architected ones).
MUST_CHECK errval_t vtd_caps_decode(uint64_t cap, uint64_t ecap, unsigned haw, struct vtd_caps *c);

// The smallest supported AW (VTD_AW_39, _48, _57) whose width covers
// want_bits of DMA address. Errors: SYS_ERR_UNSUPPORTED.
MUST_CHECK errval_t vtd_aw_for(const struct vtd_caps *c, unsigned want_bits, unsigned *aw);

static inline unsigned vtd_aw_levels(unsigned aw) { return aw + 2; }    // 3, 4, 5
static inline unsigned vtd_aw_bits(unsigned aw) { return 30 + 9 * aw; } // 39, 48, 57

// Byte offset (from the unit's base) of fault recording register i.
// Errors: SYS_ERR_INVALID_ARGS (i >= nfr).
MUST_CHECK errval_t vtd_frcd_offset(const struct vtd_caps *c, unsigned i, uint32_t *off);

/* ---- Global command ---- */

// The value to write to GCMD to set (or clear) command bit cmd, given the
// current GSTS: every persistent state kept, one-shot status bits dropped
// (VT-d 10.4.4). The caller then polls GSTS for the matching status bit.
uint32_t vtd_gcmd_value(uint32_t gsts, uint32_t cmd, bool set);

/* ---- Root and context entries (legacy mode) ---- */

enum vtd_tt {
    VTD_TT_UNTRANSLATED = 0, // DMA translated through the second-level tables
    VTD_TT_DEVICE_TLB = 1,   // the same, and ATS translation requests (needs ECAP.DT)
    VTD_TT_PASS_THROUGH = 2, // DMA addresses are host addresses (needs ECAP.PT)
};

// What a context entry says about one device (bus, devfn).
struct vtd_context_cfg {
    uint16_t domain;  // domain ID: tags the unit's caches
    unsigned aw;      // VTD_AW_*: levels of the second-level tables
    uint64_t slptptr; // physical address of the top table (unused for pass-through)
    enum vtd_tt tt;
    bool fault_disable; // FPD: do not record faults for this device
};

// Point root entry re at context table ctx_table. Errors: SYS_ERR_ALIGNMENT
// (not 4 KiB aligned), SYS_ERR_INVALID_ARGS (not below 2^haw).
MUST_CHECK errval_t vtd_root_encode(const struct vtd_caps *c, uint64_t ctx_table,
                                    struct vtd_root_entry *re);

// The context table root entry re points at, or false if not present.
bool vtd_root_decode(const struct vtd_root_entry *re, uint64_t *ctx_table);

// Encode a present context entry. Checks against the unit: domain below
// ndomains and not 0 under caching mode (domain 0 is then reserved: it
// tags cached not-present entries, 10.4.2 CM); tt supported (PT, DT); aw in SAGAW,
// or for pass-through the largest supported AW, which the entry must then
// carry (9.3); slptptr 4 KiB aligned below 2^haw. Errors:
// SYS_ERR_INVALID_ARGS, SYS_ERR_UNSUPPORTED, SYS_ERR_ALIGNMENT.
MUST_CHECK errval_t vtd_context_encode(const struct vtd_caps *c, const struct vtd_context_cfg *cfg,
                                       struct vtd_context_entry *ce);

// Decode a context entry; false (cfg untouched) if not present.
bool vtd_context_decode(const struct vtd_context_entry *ce, struct vtd_context_cfg *cfg);

// The context-table index of a device: its devfn.
static inline unsigned vtd_context_index(uint8_t dev, uint8_t fn)
{
    return (unsigned)(dev & 31) << 3 | (fn & 7);
}

/* ---- Second-level paging entries ---- */

#define VTD_PERM_READ  1u
#define VTD_PERM_WRITE 2u

// A leaf entry mapping physical pa at level (1: 4 KiB page, 2: 2 MiB, 3:
// 1 GiB superpage) with perms (VTD_PERM_*) and optionally the snoop bit.
// Errors: SYS_ERR_INVALID_ARGS (level, no or unknown perms, pa beyond haw),
// SYS_ERR_UNSUPPORTED (superpage size or snoop not supported),
// SYS_ERR_ALIGNMENT (pa not aligned to the page size).
MUST_CHECK errval_t vtd_slpte_leaf(const struct vtd_caps *c, unsigned level, uint64_t pa,
                                   unsigned perms, bool snoop, uint64_t *pte);

// A non-leaf entry pointing at the next-level table at table_pa, readable
// and writable (permissions combine down the walk, so the leaf decides).
// Errors: SYS_ERR_ALIGNMENT, SYS_ERR_INVALID_ARGS (beyond haw).
MUST_CHECK errval_t vtd_slpte_table(const struct vtd_caps *c, uint64_t table_pa, uint64_t *pte);

struct vtd_slpte {
    bool present; // R or W set
    bool read, write;
    bool leaf; // a page (level 1), or a superpage (PS at level 2 or 3)
    bool snoop;
    uint64_t addr; // the page or the next table
};

// Decode entry pte found at level (1..5).
void vtd_slpte_decode(uint64_t pte, unsigned level, struct vtd_slpte *out);

// The index into a level's table for DMA address iova (level 1..5).
static inline unsigned vtd_sl_index(uint64_t iova, unsigned level)
{
    return (unsigned)(iova >> (VTD_PAGE_SHIFT + VTD_SL_LEVEL_BITS * (level - 1))) &
           (VTD_SL_ENTRIES - 1);
}

// Bytes one entry at level maps (4 KiB, 2 MiB, 1 GiB, ...).
static inline uint64_t vtd_sl_level_size(unsigned level)
{
    return 1ull << (VTD_PAGE_SHIFT + VTD_SL_LEVEL_BITS * (level - 1));
}

/* ---- Invalidation through registers (10.4.7, 10.4.8) ---- */

// CCMD values (ICC set) for a global, domain or device context-cache
// invalidation; fm is the function mask for device granularity.
uint64_t vtd_ccmd_global(void);
uint64_t vtd_ccmd_domain(uint16_t did);
uint64_t vtd_ccmd_device(uint16_t did, uint16_t sid, uint8_t fm);

// IOTLB register values (IVT set, draining when the unit supports it) for
// a global or domain invalidation.
uint64_t vtd_iotlb_global(const struct vtd_caps *c);
uint64_t vtd_iotlb_domain(const struct vtd_caps *c, uint16_t did);

// A page-selective invalidation of 2^am pages at addr in domain did: the
// IVA and IOTLB register values. ih: only leaf entries changed. Errors:
// SYS_ERR_UNSUPPORTED (no CAP.PSI), SYS_ERR_INVALID_ARGS (am > MAMV),
// SYS_ERR_ALIGNMENT (addr not aligned to the 2^am pages).
MUST_CHECK errval_t vtd_iotlb_page(const struct vtd_caps *c, uint16_t did, uint64_t addr,
                                   unsigned am, bool ih, uint64_t *iva, uint64_t *iotlb);

/* ---- Interrupt remapping (5.1, 9.10) ---- */

// What a remapped interrupt becomes: fixed delivery, physical destination
// mode, no redirection hint, and only requester sid may use the entry
// (SVT 01, SQ 00: all 16 bits of the requester ID compared).
struct vtd_irte_cfg {
    uint8_t vector;  // delivered on this vector ...
    uint8_t apic_id; // ... of the local APIC with this (xAPIC) ID
    bool level;      // trigger mode: IOAPIC level-triggered inputs; MSIs are edge
    uint16_t sid;    // the requester ID that may raise it (bus << 8 | dev << 3 | fn)
};

// The IRTA register value for a table of `entries` 16-byte entries (a
// power of two, 2 .. 65536) at physical table_pa (4 KiB aligned), xAPIC
// mode. Errors: SYS_ERR_INVALID_ARGS, SYS_ERR_ALIGNMENT.
MUST_CHECK errval_t vtd_irta_value(uint64_t table_pa, unsigned entries, uint64_t *irta);

// Encode a present entry; decode one (false, cfg untouched, if not present).
void vtd_irte_encode(const struct vtd_irte_cfg *cfg, struct vtd_irte *e);
bool vtd_irte_decode(const struct vtd_irte *e, struct vtd_irte_cfg *cfg);

// The MSI a device sends to raise entry index: remappable format, no
// subhandle (SHV 0, data 0). vtd_msi_index reads the index back (false:
// not a remappable-format interrupt address).
void vtd_msi_remappable(uint16_t index, uint64_t *addr, uint32_t *data);
bool vtd_msi_index(uint64_t addr, uint16_t *index);

/* ---- Queued invalidation (6.5.2) ---- */

// Invalidate the whole interrupt entry cache, or 2^im entries from index
// (index a multiple of 2^im; SYS_ERR_INVALID_ARGS otherwise).
struct vtd_inv_desc vtd_inv_iec_global(void);
MUST_CHECK errval_t vtd_inv_iec_index(uint16_t index, unsigned im, struct vtd_inv_desc *d);
// A wait descriptor: when the unit reaches it (all earlier descriptors
// done: fence), it writes status to the 32-bit word at status_pa.
struct vtd_inv_desc vtd_inv_wait(uint64_t status_pa, uint32_t status);

#define VTD_QI_ENTRIES 256         // a queue of one 4 KiB page (IQA.QS 0)
#define VTD_QI_DONE    0x51e7c401u // what the final wait descriptor writes

// Memory for one run of the invalidation queue: a 4 KiB page (va, pa) and
// a 32-bit status word elsewhere (status, status_pa). publish (or NULL)
// makes the CPU's writes visible to a unit that does not snoop caches.
struct vtd_qi {
    void *va;
    uint64_t pa;
    volatile uint32_t *status;
    uint64_t status_pa;
    void (*publish)(const void *p, size_t len);
};

// Run descriptors d[0..n) through the unit's invalidation queue and wait
// for them: IQA and IQT set, QI on (GCMD.QIE), the descriptors and a wait
// descriptor queued, the status word polled, QI off again. Interrupt
// entry cache invalidation exists only as a queued command (6.5.2.7), but
// while QI is on the unit ignores register-based invalidation, which the
// CPU driver uses for the IOTLB: so the queue is on only for the length of
// one call, and whoever calls this must exclude the register users
// meanwhile (the CPU driver calls it under its IOMMU lock). Errors:
// SYS_ERR_INVALID_ARGS (n is 0 or too large, or QI is on already),
// VTD_ERR_HARDWARE (QI did not turn on or off, or the wait never
// completed, e.g. the unit refused a descriptor: FSTS.IQE).
MUST_CHECK errval_t vtd_qi_run(const struct mmio *regs, const struct vtd_qi *q,
                               const struct vtd_inv_desc *d, unsigned n);

/* ---- Fault records (10.4.14) ---- */

struct vtd_fault {
    uint16_t sid; // requester (source) ID
    uint8_t bus, dev, fn;
    uint8_t reason;  // VTD_FR_*
    bool intr_remap; // an interrupt-remapping fault: ir_index valid, addr not
    uint16_t ir_index;
    uint64_t addr; // DMA faults: the faulting page
    bool write;    // DMA faults: a write (else a read or atomic)
    bool pasid_present;
    uint32_t pasid;
    unsigned at; // address type of the request
};

// Decode a fault recording register (lo = bits 63:0, hi = 127:64).
// Errors: VTD_ERR_NO_FAULT (F clear: the register holds no fault).
MUST_CHECK errval_t vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f);

// A short description of fault reason r ("write to a page without write
// permission"); "unknown fault reason" for codes not in the spec's tables.
const char *vtd_fault_reason_name(uint8_t r);

// The fault as one log line, e.g. "DMA write fault from 01:10.0 at
// 0x12345000: present bit in context entry is clear (reason 0x2)".
// Returns what fmt_snprintf returns.
int vtd_fault_format(const struct vtd_fault *f, char *buf, size_t size);
