/* lib/kpi/include/kpi/platform.h: machine exit statuses (KernelCmd_Shutdown). */
#pragma once

// QEMU's isa-debug-exit turns status v into the process exit status
// (v << 1) | 1; tools/sietchtest.py maps them back.
#define EXIT_PASS  0x10 // QEMU status 33: everything ran and passed
#define EXIT_FAIL  0x11 // 35: a test failed
#define EXIT_PANIC 0x12 // 37: kernel panic or fatal exception
