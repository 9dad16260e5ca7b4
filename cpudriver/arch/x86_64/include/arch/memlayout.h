/* cpudriver/arch/x86_64/include/arch/memlayout.h: the CPU driver's address space. */
#pragma once

// Virtual layout (48-bit, canonical):
//   0x0000000000000000 - 0x00007fffffffffff  user space (per dispatcher)
//   0xffff800000000000 - ...                  physmap: all physical memory
//                                              (RAM write-back, holes uncached)
//   0xffffffff80000000 - 0xffffffffbfffffff  the CPU driver image (first 1 GiB
//                                              of physical memory, 2 MiB pages)
// The image is loaded by GRUB at physical 1 MiB; its boot code runs there,
// identity-mapped, until the jump to the higher half.
#define KERNEL_VMA    0xffffffff80000000
#define PHYSMAP_BASE  0xffff800000000000
#define PHYSMAP_LIMIT 0x0000400000000000 // 64 TiB: the most physmap can cover
#define KERNEL_LOAD   0x100000
#define USER_TOP      0x0000800000000000

#define KERNEL_STACK_SIZE 16384

#ifndef __ASSEMBLY__
#include <stdint.h>

#include <kpi/types.h>
typedef uint64_t lvaddr_t; // a kernel virtual address

// Kernel virtual address of physical memory, through the physmap.
static inline void *phys_to_virt(paddr_t pa) { return (void *)(PHYSMAP_BASE + pa); }

// Every core runs its own instance of the CPU driver: the text and rodata
// are shared, but each core has its own copy of .data and .bss, mapped at
// the same virtual addresses (smp.c). This is where this core's copy is.
extern paddr_t core_data_phys;
extern const char _data_start[], _kernel_end[];

// Physical address of a kernel virtual address (physmap or kernel image).
static inline paddr_t virt_to_phys(const void *va)
{
    lvaddr_t v = (lvaddr_t)va;
    if (v >= (lvaddr_t)_data_start && v < (lvaddr_t)_kernel_end)
        return core_data_phys + (v - (lvaddr_t)_data_start);
    return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYSMAP_BASE;
}
#endif
