/* cpudriver/arch/x86_64/include/arch/smp.h: starting the other cores. */
#pragma once

#define AP_TRAMPOLINE_PHYS 0x8000 // below 1 MiB, page-aligned: SIPI vector 0x08
#define AP_PARAMS_OFFSET   0xf00  // the parameter block, inside the trampoline page
#define MAX_CORES          8
#define AP_RAM_BYTES       (64ull << 20) // RAM each further core's monitor starts with
// What core 0 keeps before another core is started: init needs more than
// 64 MiB in one piece (usr/init/mem.c), and the CPU driver some of its own.
#define CORE0_KEEP_BYTES   (96ull << 20)
// A further core's own CPU driver memory (its .data, page tables, a
// channel), counted generously when deciding how many cores fit.
#define AP_OVERHEAD_BYTES  (4ull << 20)
#define AP_CHAN_BYTES      (16u << 10) // pages each further core's monitor shares with init

#ifndef __ASSEMBLY__
#include <acpi/dmar.h>
#include <acpi/madt.h>
#include <bootmem.h>
#include <multiboot2.h>
#include <stdint.h>

// What a new core needs to come up, written by the boot core into the
// trampoline page (struct layout fixed: ap_trampoline.S reads cr3, entry
// and stack at offsets 0, 8, 16).
struct ap_params {
    uint64_t cr3;   // its page tables
    uint64_t entry; // ap_start, in the higher half
    uint64_t stack; // top of its (per-core) boot stack
    uint64_t core, apic_id;
    uint64_t data_phys; // its .data/.bss copy
    uint64_t timer_hz, tsc_hz;
    uint64_t console_lock;             // kernel address of the page all cores share (smp.c)
    uint64_t module_start, module_end; // the monitor program's ELF image
    uint64_t ram_base, ram_bytes;      // RAM for its monitor
    uint64_t chan_base, chan_bytes;    // pages shared with core 0's init
    uint64_t ncores;
    uint64_t dmar_phys;       // the boot core's parsed DMAR (its IOMMU units: iommu.c)
    uint64_t kcheck;          // SYS_CHECK answers (the `kcheck` kernel argument)
    uint64_t trace;           // the trace's rings (kernel/include/trace.h), 0: none
    volatile uint64_t online; // set by the new core when it is up
};

// The cores the MADT lists (enabled ones), numbered from 0 = this core.
// Start each other core: give it its own copy of the CPU driver's data,
// page tables, a stack, and (if a "monitor" boot module exists) RAM and a
// channel to init, from which it makes its own monitor dispatcher. Waits
// for each core to report in; a core that does not is reported and skipped.
// Returns the number of cores online (at least 1).
unsigned smp_start_cores(const struct acpi_madt *madt, const struct acpi_dmar *dmar,
                         const struct boot_info *boot, struct bootmem *bm);

// The channel pages shared with core i's monitor (for init's bootinfo).
void smp_channel(unsigned core, uint64_t *base, uint64_t *bytes);

// The APIC id of core (UINT32_MAX if there is no such core).
uint32_t smp_apic_id(unsigned core);

// The one lock the CPU drivers share besides the console's: two cores must
// not drive the IOMMU's invalidation registers at once. Held briefly, with
// interrupts off (every kernel path runs so).
void smp_iommu_lock(void);
void smp_iommu_unlock(void);

// Where a new core enters the higher half (from ap_trampoline.S).
_Noreturn void ap_start(struct ap_params *p);

// Turn on SMEP if the CPU has it (every core, at start).
void enable_smep(void);
#endif
