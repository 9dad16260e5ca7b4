/* cpudriver/arch/x86_64/include/arch/startup.h: making the first user dispatcher. */
#pragma once

#include <bootmem.h>
#include <multiboot2.h>

// Make init from the first boot module (which must be a valid static ELF
// executable: otherwise a clear panic) with its CSpace, VSpace, dispatcher
// and every resource of the machine (kpi/init.h), and make it ready to run.
// Takes init's memory from bm and hands all the rest of bm to init;
// ncores (from the MADT) goes into init's bootinfo.
// The TSC when kernel_start began (init.c), for boot timing.
extern uint64_t boot_tsc;

void startup_init(const struct boot_info *boot, struct bootmem *bm, unsigned ncores);

// On a further core: make its monitor from module m, with [ram, ram +
// ram_bytes) as all its memory, this core's vectors and Kernel cap, and the
// channel pages [chan, chan + chan_bytes) shared with init (CHANCN slot 0).
void startup_monitor(const struct boot_module *m, paddr_t ram, uint64_t ram_bytes, paddr_t chan,
                     uint64_t chan_bytes, unsigned ncores);
