/* usr/devmgr/devmgr.h: devmgr's parts: device memory, PCI, the IOMMU, owners and drivers. */
#pragma once

#include <acpi/dmar.h>
#include <kpi/init.h>
#include <pci/pci_enum.h>
#include <stdbool.h>
#include <sys/caps.h>
#include <sys/devmgr.h>
#include <sys/server.h>
#include <vtd/vtd_unit.h>

#define MAX_DOMAINS     32
#define DEVCN_L1        128 // our L1 slot for the copy of init's DEVCN (TASKCN_SLOT_EXTRA0)
#define IRQCN_L1        129 // and of its IRQCN (TASKCN_SLOT_EXTRA1)
#define FAULT_VECTOR    150 // the IOMMU's fault event; devices get DEVMGR's others
#define VECTOR_FIRST    DEVMGR_VECTOR_FIRST // handed out for devices; with interrupt
#define VECTOR_LAST     199                 // remapping, vector v's entry is IRT index v
#define DRIVER_RESTARTS 3           // how often a driver that ended is started again, a boot
#define WATCH_NOTIFY    (1ull << 1) // notification bit: a watched process ended
#define FAULT_NOTIFY    (1ull << 2) // notification bit: the IOMMU recorded a fault

// One function devmgr manages.
struct dev {
    struct pci_func f;
    uint64_t owner;      // pid, or DEVMGR_NO_OWNER
    uint64_t granter;    // who granted it to owner (its previous owner), or DEVMGR_NO_OWNER
    char driver[16];     // the program devmgr started for it
    int domain;          // index in domains[], or -1
    capref_t note;       // fault signal to the owner, or NULL_CAP
    capref_t bars[6];    // DevFrames made for its BARs (ours)
    capref_t config;     // its configuration page (ours), or NULL_CAP
    uint16_t vfs;        // PFs: VFs enabled
    bool vf_bars_placed; // PFs: the VF BARs have their place (kept for a re-enable)
    unsigned restarts;   // its driver was started again after it ended
    uint64_t faults, fault_addr, fault_reason;
};

struct domain {
    bool used;
    struct vtd_domain vd;
    capref_t root; // its top table (ours; the creator has a copy)
    capref_t ram;  // the RAM it was made from (back to mem_serv as it goes)
    uint64_t creator;
};

extern struct dev devs[DEVMGR_MAX_DEVS];
extern unsigned ndevs;
extern struct domain domains[MAX_DOMAINS];
extern struct server devmgr_server;

// Device memory (mem.c): [pa, pa + bytes) as one DevFrame of our own
// (page aligned; nothing of it handed out before), or mapped here (pages
// retyped once each, uncached). NULL if it is not device memory.
MUST_CHECK errval_t devmem_frame(uint64_t pa, uint64_t bytes, capref_t *out);
void *devmem_map(uint64_t pa, uint64_t bytes);
MUST_CHECK errval_t devmem_init(void); // after our copy of DEVCN is in L1 slot DEVCN_L1
// One page of mapped device memory as a DevFrame of its own (from the
// piece we mapped it through), e.g. a function's configuration page.
MUST_CHECK errval_t devmem_page_cap(uint64_t pa, capref_t *out);
const struct bootinfo *devmem_bootinfo(void);

// PCI (pci.c): ECAM from the MCFG, the device table, lspci, SR-IOV.
MUST_CHECK errval_t pci_setup(uint64_t ecam_base, uint8_t first_bus, uint8_t last_bus);
const struct pci_cfg *pci_config(void);
struct dev *dev_find(uint16_t rid);
MUST_CHECK errval_t dev_bar_cap(struct dev *d, unsigned bar, capref_t *cap, uint64_t *bytes);
MUST_CHECK errval_t dev_config_cap(struct dev *d, capref_t *cap);
MUST_CHECK errval_t dev_sriov(struct dev *pf, unsigned n, uint16_t *first, uint16_t *stride);
// The PF's VFs off (VF Enable and VF Memory Space cleared) and its bus
// mastering off: what its next driver starts from.
MUST_CHECK errval_t dev_sriov_off(struct dev *pf);
void dev_lspci(bool verbose, uint64_t first, char *buf, size_t size, uint64_t *next);

// The IOMMU (iommu.c).
MUST_CHECK errval_t iommu_setup(const struct acpi_dmar *dmar);
MUST_CHECK errval_t iommu_domain(uint64_t creator, capref_t *root, uint16_t *id);
MUST_CHECK errval_t iommu_attach(struct dev *d, uint16_t id);
MUST_CHECK errval_t iommu_detach(struct dev *d);
void iommu_faults(void);
// A process ended: its domains go (devices in them are detached first).
void iommu_proc_ended(uint64_t pid);
// Domain id of creator's goes (devices attached to it detached first):
// DEVMGR_DOMAIN_FREE. Errors: VTD_ERR_NOT_ATTACHED (no such domain of its).
MUST_CHECK errval_t iommu_domain_free(uint64_t creator, uint16_t id);
bool iommu_enabled(void);
// Interrupt remapping: on (iommu_setup turns it on after translation);
// entry index made present (vector on the core with apic_id, only for
// requester rid) or cleared, each with the unit's entry cache invalidated.
bool iommu_ir_enabled(void);
MUST_CHECK errval_t iommu_irte_set(uint16_t index, uint16_t rid, uint8_t vector, uint8_t apic_id);
MUST_CHECK errval_t iommu_irte_clear(uint16_t index);

// Interrupt vectors (main.c): how many are handed out; a process ended:
// its vectors come back (their caps revoked).
unsigned irq_vectors_used(void);
void irq_proc_ended(uint64_t pid);
// d changes hands or goes to nobody: the remapping entries of the vectors
// handed out for it are cleared (not present, invalidated), so it raises
// none of them any more; the vectors stay their holders' until they end.
void irq_dev_released(const struct dev *d);
// The vectors handed out for device rid: bit n is vector VECTOR_FIRST + n.
uint64_t irq_dev_vectors(uint16_t rid);

// Owners and drivers (owners.c).
void owners_start_drivers(void);
MUST_CHECK errval_t owners_grant(struct dev *d, uint64_t pid);
MUST_CHECK errval_t owners_return(struct dev *d);
void owners_check(void); // a watched process ended: take back what it held
MUST_CHECK errval_t owners_watch(uint64_t pid);

uint16_t dev_rid(const struct dev *d);
