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
    7 // init: IRQSrc caps at slot GSI (< IRQ_VECTOR_FIRST),
      //       IRQDest caps at slot vector (core 0)
// init and monitors: Frames shared with the other cores' monitors (init:
// at slot = core; a monitor: at slot 0, shared with init).
#define ROOTCN_SLOT_CHANCN 8
#define ROOTCN_SLOTS_USER  9 // first L1 slot the domain manages itself
#define INIT_L1_SLOTS      L1_CNODE_MIN_SLOTS

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
#define TASKCN_SLOT_MEMSERV    11 // a bind cap to mem_serv (badged with the pid)
#define TASKCN_SLOT_INITEP     12 // a bind cap to init's services (badged with the pid)
#define TASKCN_SLOT_EXTRA0     13 // caps a parent hands over (the shell: COM1 ports)
#define TASKCN_SLOT_EXTRA1     14
#define TASKCN_SLOT_EXTRA2     15
#define TASKCN_SLOT_REPLYEP    16 // an endpoint for replies (lib/sys's first channel)
#define TASKCN_SLOTS_FREE      17 // first slot free for the domain

// The address space every program starts with (init's, made by the CPU
// driver, and every other, made by lib/sys's spawn):
//   DISPFRAME_VA   the dispatcher frame (1 page)
//   INIT_BOOTINFO_VA  init only: the bootinfo (BOOTINFO_SIZE)
//   ARGS_VA        the arguments page
//   0x400000       the program (hake/user.ld), below STACK_TOP - stack
//   STACK_TOP      top of the initial stack (STACK_PAGES pages below it)
//   HEAP_BASE ..   lib/sys's heap, then its other mappings (above 512 GiB)
// Page tables: the PML4 in PAGECN slot 0, the PDPT for 0-512 GiB in slot
// 1, the PD for 0-1 GiB in slot 2, and the page table for PD entry i
// (i < PAGECN_PT_MAX) in slot 3 + i, so lib/sys finds them by address.
#define DISPFRAME_VA      0x0000000000200000ull
#define INIT_DISPFRAME_VA DISPFRAME_VA
#define INIT_BOOTINFO_VA  0x0000000000210000ull // BOOTINFO_SIZE
#define STACK_TOP         0x0000000001000000ull
#define STACK_PAGES       16
#define INIT_STACK_TOP    STACK_TOP
#define INIT_STACK_PAGES  STACK_PAGES
#define HEAP_BASE         0x0000000040000000ull // 1 GiB
#define HEAP_LIMIT        0x0000008000000000ull // 512 GiB
#define MAP_REGION_BASE   HEAP_LIMIT
#define MAP_REGION_LIMIT  0x0000010000000000ull // 1 TiB
#define PAGECN_SLOT_PML4  0
#define PAGECN_SLOT_PDPT0 1
#define PAGECN_SLOT_PD0   2
#define PAGECN_SLOT_PT0   3
#define PAGECN_PT_MAX     (L2_CNODE_SLOTS - PAGECN_SLOT_PT0)

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
    uint32_t core_count; // cores online
    uint32_t core;       // the core this domain runs on
    uint64_t chan_bytes; // size of each channel Frame in CHANCN (0: none)
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
#define ARGS_VA         0x0000000000220000ull
#define INIT_ARGS_VA    ARGS_VA

struct args_page {
    uint32_t magic;
    uint32_t argc;
    uint64_t pid;      // the process id init gave it (0: init itself)
    uint64_t boot_tsc; // TSC when the CPU driver started (for boot timing)
    uint64_t tsc_hz;
    uint64_t argv[ARGS_MAX + 1]; // NULL-terminated
    char strings[4096 - 32 - 8 * (ARGS_MAX + 1)];
};
_Static_assert(sizeof(struct args_page) == 4096, "one page");
