/* cpudriver/arch/x86_64/include/arch/iommu.h: VT-d units and IOMMU page tables in the kernel. */
#pragma once

#include <acpi/dmar.h>
#include <invocation.h>
#include <vtd/vtd.h>

// Find the remapping units the DMAR lists and read their capabilities.
// The CPU driver never programs translation itself (the user-space VT-d
// driver does); it only invalidates IOTLBs after changing IOMMU tables.
void iommu_init(const struct acpi_dmar *dmar, bool quiet);

// Can the kernel keep IOMMU tables coherent with the hardware now?
// Errors: IOMMU_ERR_NO_UNIT (no unit found), IOMMU_ERR_QUEUED_INVALIDATION
// (a unit has queued invalidation enabled: register-based invalidation is
// then not allowed, VT-d 6.5.2).
MUST_CHECK errval_t iommu_check(void);

// The first unit's capabilities (entry encoding: host address width,
// superpages); NULL without a unit.
const struct vtd_caps *iommu_caps(void);

// n entries from e of an IOMMU table changed: write them back to memory
// when a unit's page walks do not snoop the CPU caches (ECAP.C clear), then
// invalidate every unit's IOTLB (and with it the paging-structure caches)
// globally: the kernel does not know which domains use a table, and under
// caching mode even not-present -> present changes need this.
void iommu_tables_changed(const uint64_t *e, unsigned n);

// DevFrameCmd_IOMMUInvalidateIEC on a DevFrame: invalidate the interrupt
// entry cache of the unit whose registers the frame covers, running the
// invalidation queue for this one command (drivers/vtd: vtd_qi_run).
// Decode finds the unit and checks the arguments; the invoke runs the
// queue and reports a unit that does not answer in inv->device_err.
MUST_CHECK errval_t iommu_iec_decode(struct invocation *inv, struct inv_decoded *d);
void iommu_iec_invoke(struct invocation *inv, const struct inv_decoded *d);

// VNodeCmd_Map on IOMMU tables (IOVNodeL4 .. IOVNodeL1), decode and invoke.
MUST_CHECK errval_t iovnode_map_decode(struct invocation *inv, struct inv_decoded *d);
void iovnode_map_invoke(struct invocation *inv, const struct inv_decoded *d);

// The last cap to an IOMMU table is gone: clear it and invalidate.
void iovnode_destroyed(const struct capability *cap);
