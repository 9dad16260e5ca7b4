/* cpudriver/include/multiboot2.h: the multiboot2 boot information, parsed. */
#pragma once

#include <kpi/errors.h>
#include <stddef.h>
#include <stdint.h>

// Boot information tag types (Multiboot2 spec 3.6).
#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_BOOT_MAGIC   0x36d76289

// Memory map entry types (Multiboot2 spec 3.6.8).
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED  2
#define MB2_MEM_ACPI      3
#define MB2_MEM_NVS       4
#define MB2_MEM_BAD       5

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 32

struct boot_region {
    uint64_t base, len;
    uint32_t type;
};

struct boot_module {
    uint64_t start, end; // physical, end exclusive
    const char *cmdline; // module name and arguments, points into the MBI
};

// Everything the CPU driver takes from the boot loader.
struct boot_info {
    const char *cmdline; // CPU driver arguments ("" if none)
    const char *loader;  // boot loader name ("" if none)
    struct boot_region mmap[BOOT_MAX_REGIONS];
    unsigned n_mmap;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned n_modules;
    const void *rsdp; // copy of the RSDP inside the MBI, or NULL
    size_t rsdp_len;
    int rsdp_tag;      // MB2_TAG_ACPI_OLD or MB2_TAG_ACPI_NEW
    uint32_t mbi_size; // total size of the MBI, to reserve it
};

// Parse the boot information at mbi (a kernel-readable pointer). Checks every
// tag's size and bounds; on malformed input returns BOOT_ERR_BAD_MBI and sets
// *why to a short description. Tags Sietch does not use are skipped.
MUST_CHECK errval_t mb2_parse(const void *mbi, struct boot_info *info, const char **why);

// Name of a memory map entry type ("available", "reserved", ...).
const char *mb2_mem_type_name(uint32_t type);
