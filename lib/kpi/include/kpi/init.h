/*
 * lib/kpi/include/kpi/init.h: the CSpace every domain starts with, and the
 * bootinfo the CPU driver gives init.
 *
 * A CSpace is an L1 CNode (the root) whose slots hold L2 CNodes of
 * L2_CNODE_SLOTS slots each. The first L1 slots have fixed roles, the same
 * in every domain; init's CSpace also holds the machine's resources.
 */
#pragma once

#include <kpi/caps.h>
#include <stdint.h>

// L1 (root CNode) slots.
#define ROOTCN_SLOT_TASKCN   0 // the domain's own caps: TASKCN_SLOT_*
#define ROOTCN_SLOT_PAGECN   1 // VNodes of the domain's address space
#define ROOTCN_SLOT_SEGCN    2 // frames of the program image and stack
#define ROOTCN_SLOT_ALLOC0   3 // empty L2 CNode for the slot allocator
#define ROOTCN_SLOT_SUPERCN  4 // init: RAM caps for all free memory
#define ROOTCN_SLOT_MODULECN 5 // init: the boot modules, as Frames
#define ROOTCN_SLOT_DEVCN    6 // init: device memory, as DevFrames
#define ROOTCN_SLOT_IRQCN                                                                          \
    7                       // init: IRQSrc caps at slot GSI (< IRQ_VECTOR_FIRST),
                            //       IRQDest caps at slot vector (core 0)
#define ROOTCN_SLOTS_USER 8 // first L1 slot the domain manages itself
#define INIT_L1_SLOTS     L1_CNODE_MIN_SLOTS

// Task CNode slots.
#define TASKCN_SLOT_DISPATCHER 0  // this dispatcher
#define TASKCN_SLOT_ROOTCN     1  // a copy of the root (L1) CNode cap
#define TASKCN_SLOT_VROOT      2  // the PML4 of this address space
#define TASKCN_SLOT_DISPFRAME  3  // the dispatcher frame (struct dispatcher_frame)
#define TASKCN_SLOT_ENDPOINT   4  // an endpoint this dispatcher receives on
#define TASKCN_SLOT_ARGSPAGE   5  // arguments: struct spawn_args (lib/sys)
#define TASKCN_SLOT_BOOTINFO   6  // init: the bootinfo frame
#define TASKCN_SLOT_KERNEL     7  // init: the Kernel cap
#define TASKCN_SLOT_IO         8  // init: all I/O ports
#define TASKCN_SLOT_PHYSADDR   9  // init: PhysAddr over the address space above RAM and 4 GiB
#define TASKCN_SLOT_INITMEM    10 // init: the RAM its own objects were made from
#define TASKCN_SLOTS_FREE      16 // first slot free for the domain

// Where init's program image and dispatcher frame live in its address space.
#define INIT_DISPFRAME_VA 0x0000000000200000ull // 1 page
#define INIT_BOOTINFO_VA  0x0000000000210000ull // BOOTINFO_SIZE
#define INIT_STACK_TOP    0x0000000001000000ull
#define INIT_STACK_PAGES  16

#define BOOTINFO_SIZE        8192
#define BOOTINFO_MAGIC       0x53494554 // "SIET"
#define BOOTINFO_MAX_REGIONS 64
#define BOOTINFO_MAX_MODULES 24
#define BOOTINFO_NAME_LEN    64

enum bootinfo_region_type {
    BOOTINFO_RAM = 1, // a RAM cap in SUPERCN
    BOOTINFO_DEV = 2, // a DevFrame cap in DEVCN (MMIO windows, ACPI tables, BIOS area)
};

struct bootinfo_region {
    uint64_t base, bytes;
    uint32_t type; // enum bootinfo_region_type
    uint32_t slot; // in SUPERCN or DEVCN
};

struct bootinfo_module {
    uint64_t base, bytes;
    uint32_t slot; // Frame cap in MODULECN
    uint32_t reserved;
    char cmdline[BOOTINFO_NAME_LEN]; // "name arg1 arg2", truncated to fit
};

// What init learns from the CPU driver at boot (TASKCN_SLOT_BOOTINFO,
// mapped at INIT_BOOTINFO_VA).
struct bootinfo {
    uint32_t magic;
    uint32_t n_regions, n_modules;
    uint32_t rsdp_len;   // 0 if the boot loader passed none
    uint8_t rsdp[36];    // a copy of the ACPI RSDP
    uint32_t core_count; // cores the firmware reports
    uint64_t tsc_hz;
    uint64_t ram_bytes; // all RAM given as caps
    char kernel_cmdline[128];
    struct bootinfo_region regions[BOOTINFO_MAX_REGIONS];
    struct bootinfo_module modules[BOOTINFO_MAX_MODULES];
};
_Static_assert(sizeof(struct bootinfo) <= BOOTINFO_SIZE, "bootinfo fits its frame");

// The arguments page every program starts with: its user address arrives in
// RDI at the entry point. Strings live in the page; argv[] holds their user
// addresses.
#define ARGS_PAGE_MAGIC 0x41524753 // "ARGS"
#define ARGS_MAX        32
#define INIT_ARGS_VA    0x0000000000220000ull

struct args_page {
    uint32_t magic;
    uint32_t argc;
    uint64_t argv[ARGS_MAX + 1]; // NULL-terminated
    char strings[4096 - 8 - 8 * (ARGS_MAX + 1)];
};
_Static_assert(sizeof(struct args_page) == 4096, "one page");
