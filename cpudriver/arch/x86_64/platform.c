/* cpudriver/arch/x86_64/platform.c: halting and leaving the machine. */
#include <arch/platform.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <console.h>

static bool exit_on_panic;

void platform_set_exit_on_panic(bool on) { exit_on_panic = on; }

static _Noreturn void halt_forever(void)
{
    for (;;) {
        cli();
        hlt();
    }
}

void platform_exit(unsigned code)
{
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    // QEMU acts on the write asynchronously: give it a moment (about a
    // second at any plausible TSC rate) before deciding there is no device.
    uint64_t start = rdtsc();
    while (rdtsc() - start < 4000000000ull)
        pause();
    kprintf("platform: no isa-debug-exit device; halting\n");
    halt_forever();
}

void arch_halt_fatal(void)
{
    dispatch_print_current();
    if (exit_on_panic)
        platform_exit(EXIT_PANIC);
    halt_forever();
}
