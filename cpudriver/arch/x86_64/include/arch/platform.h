/* cpudriver/arch/x86_64/include/arch/platform.h: stopping the machine. */
#pragma once

#include <kpi/platform.h>
#include <stdbool.h>

// QEMU's isa-debug-exit device (iobase 0xf4): writing v exits QEMU with
// status (v << 1) | 1 (EXIT_* in kpi/platform.h).
#define DEBUG_EXIT_PORT 0xf4

// Make fatal errors exit QEMU (EXIT_PANIC) instead of halting (panic=exit).
void platform_set_exit_on_panic(bool on);

// Leave QEMU with status code (EXIT_*); halts if not running under QEMU
// with isa-debug-exit.
_Noreturn void platform_exit(unsigned code);
