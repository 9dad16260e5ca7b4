/*
 * cpudriver/arch/x86_64/init.c: the CPU driver's start-up on the boot core.
 *
 * boot.S calls kernel_start in long mode on the boot stack with the
 * multiboot2 magic and the physical address of the boot information. The
 * steps: console, GDT/IDT (so any fault from here on prints a dump), the
 * boot information, physical memory, page tables, ACPI, the LAPIC timer.
 */
#include <acpi/dmar.h>
#include <acpi/madt.h>
#include <acpi/tables.h>
#include <arch/gdt.h>
#include <arch/iommu.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/platform.h>
#include <arch/serial.h>
#include <arch/smp.h>
#include <arch/startup.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <base/string.h>
#include <bootmem.h>
#include <console.h>
#include <kcheck.h>
#include <kernel_tests.h>
#include <multiboot2.h>
#include <options.h>
#include <syscall.h>
#include <trace.h>

#define SIETCH_VERSION "0.1"

extern const char _kernel_phys_start[], _kernel_phys_end[];
extern const char boot_kernel_stack[];
extern const char _bss_start[];

uint64_t boot_tsc;

// .data as the image had it, for further cores' copies (smp.c).
#define PRISTINE_MAX 4096
char pristine_data[PRISTINE_MAX];
uint64_t pristine_data_len;
static struct boot_info boot_info;
static struct bootmem bootmem;
static struct acpi_madt madt; // zero (no IOAPIC, no CPUs) if there is no valid MADT
static struct acpi_dmar dmar; // the VT-d units, for iommu_init

// In the largest unit that says it exactly, or else in MiB or KiB (cut
// down): 2047 MiB, not "1 GiB".
static void print_size(uint64_t bytes)
{
    if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
        kprintf("%lu GiB", bytes >> 30);
    else if (bytes >= (1ull << 20))
        kprintf("%lu MiB", bytes >> 20);
    else
        kprintf("%lu KiB", bytes >> 10);
}

// Parse the MBI at mbi (a kernel-readable address of physical mbi_pa).
static void parse_boot_info(const void *mbi)
{
    const char *why = "";
    errval_t err = mb2_parse(mbi, &boot_info, &why);
    if (err_is_fail(err))
        panic("boot: bad multiboot2 information: %s (%s)", why, err_name(err));
}

// Before paging_init the MBI is reached through the boot map of the first
// 1 GiB (GRUB places it near the image).
static void parse_boot_info_early(uint32_t magic, uint32_t mbi_pa)
{
    if (magic != MB2_BOOT_MAGIC)
        panic("boot: wrong multiboot2 magic %#x", magic);
    if (mbi_pa >= (1u << 30) - (1u << 20))
        panic("boot: multiboot2 information at %#x is outside the boot map", mbi_pa);
    parse_boot_info((const void *)(KERNEL_VMA + mbi_pa));
}

static void print_boot_info(void)
{
    kprintf("boot: loader \"%s\", command line \"%s\"\n", boot_info.loader, boot_info.cmdline);
    kprintf("memory map:\n");
    for (unsigned i = 0; i < boot_info.n_mmap; i++) {
        const struct boot_region *r = &boot_info.mmap[i];
        kprintf("  0x%012lx-0x%012lx %-16s ", r->base, r->base + r->len - 1,
                mb2_mem_type_name(r->type));
        print_size(r->len);
        kprintf("\n");
    }
    kprintf("modules: %u\n", boot_info.n_modules);
    for (unsigned i = 0; i < boot_info.n_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        kprintf("  0x%010lx-0x%010lx %6lu KiB  %s\n", m->start, m->end, (m->end - m->start) >> 10,
                m->cmdline);
    }
}

// Free RAM is every available region less what is in use now.
static void init_bootmem(uint32_t mbi_pa)
{
    bootmem_init(&bootmem);
    for (unsigned i = 0; i < boot_info.n_mmap; i++) {
        const struct boot_region *r = &boot_info.mmap[i];
        if (r->type == MB2_MEM_AVAILABLE && err_is_fail(bootmem_add(&bootmem, r->base, r->len)))
            panic("bootmem: too many memory regions");
    }
    errval_t err = bootmem_reserve(&bootmem, 0, 1 << 20); // BIOS data, real-mode area
    err |= bootmem_reserve(&bootmem, (uint64_t)_kernel_phys_start,
                           (uint64_t)_kernel_phys_end - (uint64_t)_kernel_phys_start);
    err |= bootmem_reserve(&bootmem, mbi_pa, boot_info.mbi_size);
    for (unsigned i = 0; i < boot_info.n_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        err |= bootmem_reserve(&bootmem, m->start, m->end - m->start);
    }
    if (err_is_fail(err))
        panic("bootmem: too many memory regions");
    kprintf("bootmem: ");
    print_size(bootmem_free_bytes(&bootmem));
    kprintf(" free in %u ranges\n", bootmem.n);
}

static const void *acpi_physmap(void *arg, uint64_t pa, size_t len)
{
    return pa + len <= PHYSMAP_LIMIT && pa + len >= pa ? phys_to_virt(pa) : NULL;
}

// The DMAR names the VT-d units whose IOTLBs the kernel invalidates after
// changing IOMMU page tables (iommu.c). No DMAR: IOMMU tables cannot be mapped.
static void find_iommus(const struct acpi_tables *t)
{
    const struct acpi_sdt_header *h;
    const char *why = "";
    if (err_is_fail(acpi_table_find(t, "DMAR", 0, &h))) {
        kprintf("ACPI: no valid DMAR: no IOMMU\n");
        return;
    }
    if (err_is_fail(acpi_dmar_parse(h, h->length, &dmar, &why))) {
        kprintf("ACPI: DMAR rejected: %s\n", why);
        return;
    }
    iommu_init(&dmar, false);
}

static void list_acpi_tables(void)
{
    struct acpi_tables t;
    const char *why = "";
    if (!boot_info.rsdp) {
        kprintf("ACPI: the boot loader passed no RSDP\n");
        return;
    }
    if (err_is_fail(
            acpi_tables_init(&t, boot_info.rsdp, boot_info.rsdp_len, acpi_physmap, 0, &why))) {
        kprintf("ACPI: RSDP rejected: %s\n", why);
        return;
    }
    const struct acpi_rsdp *r = boot_info.rsdp;
    kprintf("ACPI: RSDP revision %u (%s tag), %s at %#lx, tables:", r->revision,
            boot_info.rsdp_tag == MB2_TAG_ACPI_NEW ? "new" : "old", t.xsdt ? "XSDT" : "RSDT",
            virt_to_phys(t.root));
    for (unsigned i = 0; i < t.count; i++) {
        uint64_t pa;
        const struct acpi_sdt_header *h;
        if (err_is_ok(acpi_table_get(&t, i, &pa, &h)))
            kprintf(" %.4s", h->signature);
        else
            kprintf(" [corrupt table at %#lx]", pa);
    }
    kprintf("\n");
    find_iommus(&t);
    const struct acpi_sdt_header *h;
    if (err_is_fail(acpi_table_find(&t, "APIC", 0, &h))) {
        kprintf("ACPI: no valid MADT: assuming one core and the standard IOAPIC\n");
        return;
    }
    if (err_is_fail(acpi_madt_parse(h, h->length, &madt, &why))) {
        kprintf("ACPI: MADT rejected: %s\n", why);
        memset(&madt, 0, sizeof(madt));
        return;
    }
    kprintf("ACPI: MADT: %u CPUs, %u IOAPICs", madt.ncpus, madt.nioapics);
    if (madt.nioapics)
        kprintf(" (IOAPIC %u at %#x, GSI base %u)", madt.ioapics[0].id, madt.ioapics[0].addr,
                madt.ioapics[0].gsi_base);
    kprintf("\n");
}

static void start_timer(void)
{
    lapic_init();
    kprintf("LAPIC: id %u, timer clock %lu kHz, TSC %lu MHz\n", lapic_id(), lapic_timer_hz() / 1000,
            tsc_hz() / 1000000);
    lapic_timer_start(TIMER_HZ);
    sti();
    uint64_t start = lapic_ticks();
    while (lapic_ticks() < start + 3)
        hlt();
    kprintf("LAPIC: timer ticking at %u Hz\n", TIMER_HZ);
}

// SMEP: the kernel never executes user pages, so a kernel bug jumping
// there faults instead of running user-supplied code.
void enable_smep(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7)
        return;
    cpuid(7, 0, r);
    if (r[1] & (1u << 7))
        write_cr4(read_cr4() | (1ull << 20));
}

_Noreturn void kernel_start(uint32_t magic, uint32_t mbi_pa);

_Noreturn void kernel_start(uint32_t magic, uint32_t mbi_pa)
{
    boot_tsc = rdtsc();
    pristine_data_len = (uint64_t)(_bss_start - _data_start);
    if (pristine_data_len <= PRISTINE_MAX)
        memcpy(pristine_data, _data_start, pristine_data_len);
    serial_init();
    if (pristine_data_len > PRISTINE_MAX)
        panic("boot: .data is %lu bytes, more than PRISTINE_MAX", pristine_data_len);
    kprintf("\nSietch CPU driver %s (x86_64), built " __DATE__ " " __TIME__ "\n", SIETCH_VERSION);
    gdt_init();
    idt_init();
    parse_boot_info_early(magic, mbi_pa);
    char panic_opt[8];
    platform_set_exit_on_panic(opt_get(boot_info.cmdline, "panic", panic_opt, sizeof(panic_opt)) &&
                               !strcmp(panic_opt, "exit"));
    kcheck_enabled = opt_has(boot_info.cmdline, "kcheck");
    print_boot_info();
    init_bootmem(mbi_pa);
    paging_init(&boot_info, &bootmem);
    // LAB 1 BUG reparse_mbi
    parse_boot_info(phys_to_virt(mbi_pa)); // again: its pointers now use the physmap
    // LAB 1 PLANT
    // parse_boot_info_early(magic, mbi_pa); // again, now that paging is on
    // LAB 1 END
    kprintf("paging: physmap at %#lx, image at %#lx\n", (uint64_t)PHYSMAP_BASE,
            (uint64_t)KERNEL_VMA);
    list_acpi_tables();
    start_timer();
    kernel_tests_run(boot_info.cmdline);
    cli();
    enable_smep();
    percpu_init(0, (uint64_t)boot_kernel_stack + KERNEL_STACK_SIZE);
    irq_init(madt.nioapics ? madt.ioapics[0].addr : 0);
    unsigned ncores = 1;
    trace_init(boot_info.cmdline, madt.ncpus < MAX_CORES ? madt.ncpus : MAX_CORES, &bootmem);
    if (boot_info.n_modules > 0)
        ncores = smp_start_cores(&madt, &dmar, &boot_info, &bootmem);
    if (ncores > 1)
        kprintf("smp: %u cores online\n", ncores);

    if (boot_info.n_modules == 0) {
        kprintf("no init module: nothing to run\n");
        if (opt_has(boot_info.cmdline, "shutdown"))
            platform_exit(EXIT_PASS);
        kprintf("idle (QEMU: Ctrl-A X quits)\n");
    } else {
        startup_init(&boot_info, &bootmem, ncores);
    }
    kernel_exit();
}
