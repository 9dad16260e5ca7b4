/* cpudriver/arch/x86_64/ktests.c: in-kernel boot tests and deliberate faults. */
#include <acpi/tables.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <base/string.h>
#include <console.h>
#include <kernel_tests.h>
#include <options.h>
#include <stdbool.h>

extern char _text_start[];

static unsigned passed, failed;

static void report(const char *id, bool ok, const char *why)
{
    if (ok) {
        kprintf("TEST PASS %s\n", id);
        passed++;
    } else {
        kprintf("TEST FAIL %s: %s\n", id, why);
        failed++;
    }
}

// The timer keeps ticking with interrupts on: 5 more ticks arrive.
static void test_timer(void)
{
    uint64_t t0 = lapic_ticks(), tsc0 = rdtsc();
    while (lapic_ticks() < t0 + 5 && rdtsc() - tsc0 < 10 * tsc_hz())
        hlt();
    report("kernel.timer", lapic_ticks() >= t0 + 5, "fewer than 5 timer ticks in 10 s");
}

// The physmap reaches the kernel image: the same bytes at both addresses.
static void test_physmap(void)
{
    static const char marker[] = "sietch physmap marker";
    const char *via_physmap = phys_to_virt(virt_to_phys(marker));
    report("kernel.physmap", !memcmp(marker, via_physmap, sizeof(marker)),
           "image bytes differ through the physmap");
}

// Deliberate faults, each reaching the fatal exception dump.
static void crash(const char *kind)
{
    kprintf("crash: causing a deliberate '%s' fault\n", kind);
    if (!strcmp(kind, "pf")) {
        *(volatile uint64_t *)0xdeadbeef000 = 1;
    } else if (!strcmp(kind, "ud")) {
        __asm__ volatile("ud2");
    } else if (!strcmp(kind, "de")) {
        // In asm: C's 1/x lets the compiler assume x != 0 (and GCC does).
        __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "rax", "rcx", "rdx");
    } else if (!strcmp(kind, "gp")) {
        *(volatile uint64_t *)0x8000000000000000ull = 1; // non-canonical
    } else if (!strcmp(kind, "stack")) {
        // Run off the bottom of the boot stack into its guard page.
        __asm__ volatile("1: push $0; jmp 1b");
    } else if (!strcmp(kind, "wp")) {
        *(volatile uint8_t *)_text_start = 0xcc; // text is read-only
    }
    kprintf("crash: unknown kind '%s' (pf, ud, de, gp, stack, wp)\n", kind);
}

void kernel_tests_run(const char *cmdline)
{
    char kind[16];
    if (opt_get(cmdline, "crash", kind, sizeof(kind)))
        crash(kind);
    if (!opt_has(cmdline, "ktest"))
        return;
    test_timer();
    test_physmap();
    kprintf("kernel tests: %u passed, %u failed\n", passed, failed);
}
