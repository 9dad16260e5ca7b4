/* cpudriver/arch/x86_64/include/arch/paging.h: x86-64 4-level page tables. */
#pragma once

#include <arch/memlayout.h>
#include <bootmem.h>
#include <multiboot2.h>
#include <stdint.h>

// Page-table entry bits (Intel SDM vol. 3A 4.5, tables 4-14 to 4-19).
#define PTE_P    (1ull << 0) // present
#define PTE_W    (1ull << 1) // writable
#define PTE_U    (1ull << 2) // user accessible
#define PTE_PWT  (1ull << 3) // write-through
#define PTE_PCD  (1ull << 4) // cache disable
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)  // 2 MiB / 1 GiB page (PD / PDPT level)
#define PTE_G    (1ull << 8)  // global
#define PTE_NX   (1ull << 63) // no execute (EFER.NXE is set at boot)
#define PTE_ADDR 0x000ffffffffff000ull

#define PAGE_SIZE  4096ull
#define LARGE_PAGE (2ull << 20)

static inline unsigned pml4_index(uint64_t va) { return (va >> 39) & 511; }
static inline unsigned pdpt_index(uint64_t va) { return (va >> 30) & 511; }
static inline unsigned pd_index(uint64_t va) { return (va >> 21) & 511; }
static inline unsigned pt_index(uint64_t va) { return (va >> 12) & 511; }

// Build the CPU driver's own page tables and switch to them: the physmap
// over all physical memory (RAM write-back, everything else uncached), and
// the image at KERNEL_VMA with per-section rights (text read-only and
// executable, the rest no-execute) and an unmapped guard page below the
// boot stack. Drops the boot identity map. Page tables come from bm.
void paging_init(const struct boot_info *bi, struct bootmem *bm);

// Page tables for another core's instance of the CPU driver: the shared
// physmap, the image with .data/.bss taken from data_phys, and an identity
// map of the first 2 MiB for its start-up trampoline. Returns the PML4.
paddr_t paging_new_core(struct bootmem *bm, paddr_t data_phys);

// On a new core, once in the higher half: remove the identity map.
void paging_drop_identity(void);

// Physical address of the kernel PML4 (its upper half is shared by every
// address space).
paddr_t paging_kernel_pml4(void);
