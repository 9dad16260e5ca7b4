/*
 * drivers/vtd/include/vtd/vtd_unit.h: the user-space VT-d driver: a unit's
 * root and context tables, domains, attaching devices, invalidation,
 * translation enable and fault reporting.
 *
 * Division of labour with the CPU driver: a domain's second-level tables
 * are capabilities (IOVNodeL4 .. L1, kernel-checked maps, IOTLB
 * invalidated by the kernel after every change to them); this driver owns
 * the unit's registers (a DevFrame) and the root and context tables (Frames
 * of its own), and so decides which device uses which domain. A device
 * with no present context entry is blocked: once translation is on, its
 * DMA faults (reason 2) and reaches no memory.
 */
#pragma once

#include <base/mmio.h>
#include <vtd/vtd.h>

// A page of the driver's tables: where the driver writes it, and the
// physical address the hardware reads it at.
struct vtd_page {
    void *va;
    uint64_t pa;
};

// Give a zeroed, writable 4 KiB page (user space: a Frame retyped from
// the driver's own RAM, mapped, its address from identify).
typedef errval_t (*vtd_alloc_fn)(void *arg, struct vtd_page *out);

#define VTD_MAX_DOMAINS 256 // domain IDs this driver hands out: 1 .. VTD_MAX_DOMAINS - 1
#define VTD_IRT_ENTRIES 256 // interrupt remapping table: one page of 16-byte entries

// Invalidate the unit's interrupt entry cache: all of it (global), or the
// entry index. Only queued invalidation does that (vtd_qi_run), and the
// queue must not be on while the CPU driver invalidates through registers,
// so user space asks the CPU driver (invoke_iommu_iec_invalidate); host
// tests run the queue on their model.
typedef errval_t (*vtd_iec_fn)(void *arg, bool global, uint16_t index);

struct vtd_unit {
    struct mmio regs;
    struct vtd_caps caps;
    vtd_alloc_fn alloc;
    void *alloc_arg;
    struct vtd_page root;                   // the root table
    struct vtd_page ctx[VTD_TABLE_ENTRIES]; // context tables by bus (va NULL: none yet)
    uint64_t dids[VTD_MAX_DOMAINS / 64];    // domain IDs in use
    struct vtd_page irt;                    // interrupt remapping table (va NULL: IR off)
    vtd_iec_fn iec;
    void *iec_arg;
};

// A domain: the translation one set of devices shares.
struct vtd_domain {
    uint16_t id;      // tags the unit's caches
    unsigned aw;      // VTD_AW_48 (root is an IOVNodeL4) or VTD_AW_39 (an IOVNodeL3)
    uint64_t root_pa; // physical address of the root table (identify its cap)
    unsigned devices; // attached devices
};

// Take over the unit whose registers regs reaches, on a platform with host
// address width haw (the DMAR's): decode CAP/ECAP, turn translation and
// queued invalidation off if firmware left them on (the CPU driver
// invalidates through registers, which queued invalidation forbids), and
// allocate an empty root table. Errors: those of vtd_caps_decode;
// SYS_ERR_UNSUPPORTED (no legacy-mode second-level translation);
// VTD_ERR_HARDWARE (a command did not complete); alloc's.
MUST_CHECK errval_t vtd_unit_init(struct vtd_unit *u, const struct mmio *regs, unsigned haw,
                                  vtd_alloc_fn alloc, void *arg);

// Point the unit at the root table, invalidate its caches, and turn DMA
// translation on (GCMD/GSTS handshakes, VT-d 10.4.4-5). From here on every
// device without a present context entry is blocked. Errors:
// VTD_ERR_HARDWARE.
MUST_CHECK errval_t vtd_unit_enable(struct vtd_unit *u);

// Turn translation off: DMA is then untranslated. Errors: VTD_ERR_HARDWARE.
MUST_CHECK errval_t vtd_unit_disable(struct vtd_unit *u);

// A new domain whose second-level root table is at root_pa, with aw levels
// (VTD_AW_48: 4, VTD_AW_39: 3), and a free domain ID. The caller keeps a
// cap to the root for as long as any device is attached: the hardware
// reads it by address. Errors: SYS_ERR_UNSUPPORTED (aw not in SAGAW),
// SYS_ERR_ALIGNMENT / SYS_ERR_INVALID_ARGS (root_pa), VTD_ERR_NO_DOMAIN_ID.
MUST_CHECK errval_t vtd_domain_init(struct vtd_unit *u, struct vtd_domain *d, uint64_t root_pa,
                                    unsigned aw);

// Release d's domain ID. Errors: SYS_ERR_BUSY (devices still attached).
MUST_CHECK errval_t vtd_domain_fini(struct vtd_unit *u, struct vtd_domain *d);

// Attach device bus:dev.fn to d: its context entry points at d's root
// with d's ID, then the caches that may hold the old (not-present) entry
// are invalidated (with caching mode, VT-d 6.1: the context cache for the
// device with domain 0, and d's IOTLB). Errors: SYS_ERR_BUSY (attached
// already: detach first), SYS_ERR_INVALID_ARGS (dev > 31 or fn > 7),
// VTD_ERR_HARDWARE, alloc's (a new context table).
MUST_CHECK errval_t vtd_attach(struct vtd_unit *u, struct vtd_domain *d, uint8_t bus, uint8_t dev,
                               uint8_t fn);

// Detach the device from d: its context entry is cleared (it is blocked
// again) and the context cache and d's IOTLB invalidated (VT-d 6.5.3.3).
// Errors: VTD_ERR_NOT_ATTACHED (not attached to d), SYS_ERR_INVALID_ARGS,
// VTD_ERR_HARDWARE.
MUST_CHECK errval_t vtd_detach(struct vtd_unit *u, struct vtd_domain *d, uint8_t bus, uint8_t dev,
                               uint8_t fn);

// The domain ID the device is attached to. Errors: VTD_ERR_NOT_ATTACHED,
// SYS_ERR_INVALID_ARGS.
MUST_CHECK errval_t vtd_attached(const struct vtd_unit *u, uint8_t bus, uint8_t dev, uint8_t fn,
                                 uint16_t *did);

// Invalidate the IOTLB entries of d (domain-selective), or every cache of
// the unit (context cache and IOTLB, global). The CPU driver already
// invalidates after each change to IOMMU tables; these are for the
// driver's own changes. Errors: VTD_ERR_HARDWARE.
MUST_CHECK errval_t vtd_invalidate_domain(struct vtd_unit *u, const struct vtd_domain *d);
MUST_CHECK errval_t vtd_invalidate_all(struct vtd_unit *u);

// Send the unit's fault event interrupt as the MSI (addr, data) -- from
// IRQDestCmd_GetMSI -- and unmask it (10.4.10-13). It fires when a fault
// is recorded while none was pending.
void vtd_fault_event_setup(struct vtd_unit *u, uint64_t addr, uint32_t data);

typedef void (*vtd_fault_fn)(void *arg, const struct vtd_fault *f);

// Read every recorded fault (from FSTS.FRI on, 10.4.14), hand each to fn
// and clear it, then clear an overflow (*overflow says whether faults were
// lost). Returns the number of faults read. Until the faults are cleared,
// the unit raises no new fault event, and QEMU's records no second fault
// from the same device.
unsigned vtd_faults_drain(struct vtd_unit *u, vtd_fault_fn fn, void *arg, bool *overflow);

/* ---- Interrupt remapping ---- */

// Turn interrupt remapping on with an empty table of VTD_IRT_ENTRIES
// entries (allocated here): IRTA set and latched (GCMD.SIRTP, wait for
// IRTPS), the whole interrupt entry cache invalidated through iec,
// compatibility-format interrupts left off (GCMD.CFI clear), then GCMD.IRE
// (wait for IRES). From then on the unit delivers a remappable-format MSI
// only through a present entry whose source-ID check the requester passes,
// and records a fault (reasons 0x20-0x26) for every other. Errors:
// SYS_ERR_UNSUPPORTED (no ECAP.IR), SYS_ERR_BUSY (on already),
// VTD_ERR_HARDWARE, alloc's and iec's.
MUST_CHECK errval_t vtd_ir_enable(struct vtd_unit *u, vtd_iec_fn iec, void *arg);

// Write entry index (present, cfg) or clear it (not present), then
// invalidate the interrupt entry cache for it. Errors: SYS_ERR_INVALID_ARGS
// (index beyond the table), SYS_ERR_BUSY (set: present already, clear it
// first), SYS_ERR_ILLEGAL_INVOCATION (IR not on), iec's.
MUST_CHECK errval_t vtd_irte_set(struct vtd_unit *u, uint16_t index,
                                 const struct vtd_irte_cfg *cfg);
MUST_CHECK errval_t vtd_irte_clear(struct vtd_unit *u, uint16_t index);

// Entry index as the unit will read it: false if not present or not in the table.
bool vtd_irte_get(const struct vtd_unit *u, uint16_t index, struct vtd_irte_cfg *cfg);
