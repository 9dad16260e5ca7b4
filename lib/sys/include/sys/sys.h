/* lib/sys/include/sys/sys.h: this domain's identity and console, set up at start. */
#pragma once

#include <stddef.h>
#include <stdint.h>

// The process id init gave us (0 for init), our name (argv[0]).
uint64_t sys_pid(void);
const char *sys_name(void);

// The core we run on (domains do not move between cores).
unsigned sys_core(void);

// The TSC when the CPU driver started, and its frequency (for timing boot).
uint64_t sys_boot_tsc(void);
uint64_t sys_tsc_hz(void);

// Microseconds since the CPU driver started, from the TSC (0 while its
// frequency is unknown). sys_clock_us_hook is the same for the drivers'
// clock hooks (uint64_t (*)(void *arg); the argument is not used).
uint64_t sys_clock_us(void);
uint64_t sys_clock_us_hook(void *arg);

// Where console input comes from (libc_sys_read): a function that blocks
// until at least one byte is there. Without one, input is at its end.
void sys_set_console_reader(size_t (*read)(char *buf, size_t len));

static inline uint64_t sys_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
