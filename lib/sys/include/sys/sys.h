/* lib/sys/include/sys/sys.h: this domain's identity and console, set up at start. */
#pragma once

#include <kpi/errors.h>
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

// Print the whole chain of err on the console, newest code first, each
// with its name, its layer and its message (err_chain_format):
//   what: VNIC_ERR_OPEN [VNICs (library OS, lib/os/vnic)]: vnic_open could not ...
//     <- NETCTL_ERR_CALL [netctl (network control plane, usr/netctl)]: a request ...
//     <- NETCTL_ERR_NO_VNIC [netctl (network control plane, usr/netctl)]: every VNIC ...
void err_print_chain(const char *what, errval_t err);
