/* lib/sys/include/sys/devices.h: driver invocations: IOMMU page tables, MSI messages. */
#pragma once

#include <stdbool.h>
#include <sys/caps.h>

// Map src into entries [entry, entry + pages) of the IOMMU table iovnode
// (kpi/caps.h, VNodeCmd_Map): the IOVNode one level down (pages 1), or
// for an IOVNodeL1 a Frame from page offset on; MAP_WRITE lets the device
// write. Unmap with invoke_unmap on the mapped cap.
static inline MUST_CHECK errval_t invoke_iovnode_map(capref_t iovnode, uint32_t entry, capref_t src,
                                                     uint32_t flags, uint64_t offset,
                                                     uint64_t pages)
{
    return cap_invoke(iovnode, VNodeCmd_Map, entry, src, flags, offset, pages, 0).err;
}

// The MSI address and data that raise dest's vector on its core: what a
// driver programs into a device's MSI-X entry or the IOMMU's fault event
// registers.
static inline MUST_CHECK errval_t invoke_irqdest_get_msi(capref_t dest, uint64_t *addr,
                                                         uint32_t *data)
{
    struct sysret r = cap_invoke(dest, IRQDestCmd_GetMSI, 0, 0, 0, 0, 0, 0);
    *addr = r.w[0];
    *data = (uint32_t)r.w[1];
    return r.err;
}

// Invalidate the interrupt entry cache of the VT-d unit whose registers
// the DevFrame regs covers: all of it (global) or entry index
// (kpi/caps.h, DevFrameCmd_IOMMUInvalidateIEC). The CPU driver runs the
// unit's invalidation queue for it.
static inline MUST_CHECK errval_t invoke_iommu_iec_invalidate(capref_t regs, bool global,
                                                              uint16_t index)
{
    return cap_invoke(regs, DevFrameCmd_IOMMUInvalidateIEC, global ? IOMMU_IEC_GLOBAL : 0, index, 0,
                      0, 0, 0)
        .err;
}
