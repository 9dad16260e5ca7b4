/* lib/kpi/include/kpi/types.h: scalar types shared by the kernel and user space. */
#pragma once

#include <stdint.h>

typedef uint64_t paddr_t; // a physical address (also a device's DMA address before the IOMMU)
typedef uint64_t vaddr_t; // a virtual address in some address space
