/*
 * cpudriver/arch/x86_64/smp.c: one CPU driver instance per core.
 *
 * The boot core starts every other core the MADT lists with INIT-SIPI-SIPI
 * (Intel SDM vol. 3A 8.4.4) through ap_trampoline.S. Each new core gets its
 * own copy of the CPU driver's .data and .bss (mapped at the same virtual
 * addresses, with the shared text, rodata and physmap), so every kernel
 * variable (scheduler, mapping database, timer, interrupt bindings, GDT,
 * TSS, stacks) is per core without naming it so: the instances share no
 * kernel state. The one exception is a lock that keeps console lines whole.
 * A core whose monitor program is in the boot menu makes that monitor
 * itself, from RAM the boot core sets aside for it.
 */
#include <arch/gdt.h>
#include <arch/iommu.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/startup.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <base/string.h>
#include <console.h>
#include <kcheck.h>
#include <syscall.h>
#include <trace.h>

#define ICR_INIT      0x00004500 // INIT, level assert
#define ICR_STARTUP   0x00004600 // start-up IPI; the vector is the page number
#define AP_TIMEOUT_MS 1000

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char boot_kernel_stack[];

// The pristine .data (kernel_start saves it before anything changes it):
// each new core's copy starts from it.
extern char pristine_data[];
extern uint64_t pristine_data_len;

// The page the instances share: the console lock and edit line, and every
// core's APIC id.
struct smp_shared {
    uint32_t console_lock;
    uint32_t iommu_lock; // the IOMMU's invalidation registers (iommu.c)
    uint32_t ncores;
    uint32_t apic_id[MAX_CORES];
    struct console_line console_line; // under console_lock (console_line.h)
};
_Static_assert(sizeof(struct smp_shared) <= BASE_PAGE_SIZE, "the shared page holds it");
static struct smp_shared *shared;
static volatile uint32_t *shared_lock;

uint32_t smp_apic_id(unsigned core)
{
    if (!shared)
        return core == 0 ? lapic_id() : UINT32_MAX;
    return core < shared->ncores ? shared->apic_id[core] : UINT32_MAX;
}
static struct {
    uint64_t base, bytes;
} channels[MAX_CORES];

// The lock word holds the owning core + 1. A core that faults while it
// prints (a panic inside kprintf) takes it again without waiting.
static unsigned lock_depth;

void console_lock(void)
{
    if (!shared_lock)
        return;
    uint32_t me = sched.core + 1, free_word = 0;
    if (__atomic_load_n(shared_lock, __ATOMIC_RELAXED) != me) {
        while (!__atomic_compare_exchange_n(shared_lock, &free_word, me, false, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED)) {
            free_word = 0;
            pause();
        }
    }
    lock_depth++;
}

void smp_iommu_lock(void)
{
    if (!shared)
        return;
    while (__atomic_exchange_n(&shared->iommu_lock, 1, __ATOMIC_ACQUIRE))
        pause();
}

void smp_iommu_unlock(void)
{
    if (shared)
        __atomic_store_n(&shared->iommu_lock, 0, __ATOMIC_RELEASE);
}

void console_unlock(void)
{
    if (shared_lock && lock_depth && --lock_depth == 0)
        __atomic_store_n(shared_lock, 0, __ATOMIC_RELEASE);
}

void smp_channel(unsigned core, uint64_t *base, uint64_t *bytes)
{
    *base = core < MAX_CORES ? channels[core].base : 0;
    *bytes = core < MAX_CORES ? channels[core].bytes : 0;
}

static void delay_us(uint64_t us)
{
    uint64_t start = rdtsc(), ticks = tsc_hz() / 1000000 * us;
    while (rdtsc() - start < ticks)
        pause();
}

static paddr_t alloc(struct bootmem *bm, uint64_t bytes, const char *what)
{
    paddr_t pa;
    if (err_is_fail(bootmem_alloc(bm, bytes, BASE_PAGE_SIZE, &pa)))
        panic("smp: no memory for %s", what);
    return pa;
}

// A copy of the CPU driver's data for another core: .data as it was at
// boot, .bss zero.
static paddr_t new_data_copy(struct bootmem *bm)
{
    uint64_t bytes = (uint64_t)(_kernel_end - _data_start);
    paddr_t pa = alloc(bm, bytes, "a core's kernel data");
    char *p = phys_to_virt(pa);
    memset(p, 0, bytes);
    memcpy(p, pristine_data, pristine_data_len);
    return pa;
}

static const struct boot_module *find_monitor(const struct boot_info *boot)
{
    for (unsigned i = 1; i < boot->n_modules; i++) {
        const char *c = boot->modules[i].cmdline;
        if (!strncmp(c, "monitor", 7) && (c[7] == 0 || c[7] == ' '))
            return &boot->modules[i];
    }
    return NULL;
}

// INIT, then two start-up IPIs (the second in case the first is missed).
static bool start_core(struct ap_params *p, uint32_t apic_id)
{
    lapic_send_ipi_mode(apic_id, ICR_INIT);
    delay_us(10000);
    for (int i = 0; i < 2 && !p->online; i++) {
        lapic_send_ipi_mode(apic_id, ICR_STARTUP | (AP_TRAMPOLINE_PHYS >> 12));
        delay_us(200);
    }
    uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * AP_TIMEOUT_MS;
    while (!p->online && rdtsc() - start < limit)
        pause();
    return p->online;
}

unsigned smp_start_cores(const struct acpi_madt *madt, const struct acpi_dmar *dmar,
                         const struct boot_info *boot, struct bootmem *bm)
{
    shared = phys_to_virt(alloc(bm, BASE_PAGE_SIZE, "the shared page"));
    *shared = (struct smp_shared){.ncores = 1, .apic_id = {lapic_id()}};
    shared_lock = &shared->console_lock;
    console_lock();
    console_line_share(&shared->console_line, true);
    console_unlock();
    memcpy(phys_to_virt(AP_TRAMPOLINE_PHYS), ap_trampoline_start,
           (size_t)(ap_trampoline_end - ap_trampoline_start));
    struct ap_params *p = phys_to_virt(AP_TRAMPOLINE_PHYS + AP_PARAMS_OFFSET);
    const struct boot_module *mon = find_monitor(boot);
    // A core's monitor takes AP_RAM_BYTES (and its CPU driver a little
    // more): with too little memory fewer cores run, so that init on core
    // 0 still gets what it needs.
    unsigned ncores = 1, want = 0, present = 0;
    uint64_t left = bootmem_free_bytes(bm), per_core = AP_RAM_BYTES + AP_OVERHEAD_BYTES;
    for (unsigned i = 0; i < madt->ncpus; i++) {
        if (!madt->cpus[i].enabled || madt->cpus[i].apic_id == lapic_id())
            continue;
        present++;
        if (!mon || left >= per_core + CORE0_KEEP_BYTES) {
            want++;
            left -= mon ? per_core : 0;
        }
    }
    if (want < present)
        kprintf("smp: %u of %u further cores not started: %lu MiB of memory, each monitor "
                "would take %llu and core 0 keeps %llu (give the machine more memory)\n",
                present - want, present, bootmem_free_bytes(bm) >> 20, AP_RAM_BYTES >> 20,
                CORE0_KEEP_BYTES >> 20);
    for (unsigned i = 0; i < madt->ncpus && ncores < MAX_CORES; i++) {
        const struct acpi_madt_cpu *cpu = &madt->cpus[i];
        if (!cpu->enabled || cpu->apic_id == lapic_id())
            continue;
        if (ncores > want)
            break; // (the ones memory allows: above)
        paddr_t data = new_data_copy(bm);
        *p = (struct ap_params){
            .cr3 = paging_new_core(bm, data),
            .entry = (uint64_t)ap_start,
            .stack = (uint64_t)boot_kernel_stack + KERNEL_STACK_SIZE,
            .core = ncores,
            .apic_id = cpu->apic_id,
            .data_phys = data,
            .timer_hz = lapic_timer_hz(),
            .tsc_hz = tsc_hz(),
            .console_lock = (uint64_t)shared,
            .ncores = 1 + want,
            .dmar_phys = virt_to_phys(dmar),
            .kcheck = kcheck_enabled,
            .trace = trace_region_addr(),
        };
        if (mon) {
            p->module_start = mon->start;
            p->module_end = mon->end;
            p->ram_base = alloc(bm, AP_RAM_BYTES, "a monitor's RAM");
            p->ram_bytes = AP_RAM_BYTES;
            p->chan_base = alloc(bm, AP_CHAN_BYTES, "a monitor channel");
            p->chan_bytes = AP_CHAN_BYTES;
            memset(phys_to_virt(p->chan_base), 0, AP_CHAN_BYTES);
            channels[ncores].base = p->chan_base;
            channels[ncores].bytes = p->chan_bytes;
        }
        if (p->cr3 >= (1ull << 32))
            panic("smp: page tables for core %u above 4 GiB", ncores);
        shared->apic_id[ncores] = cpu->apic_id;
        shared->ncores = ncores + 1; // before it starts: its monitor may notify core 0
        if (start_core(p, cpu->apic_id))
            ncores++;
        else
            shared->ncores = ncores;
        if (!p->online)
            kprintf("smp: core with APIC id %u did not start\n", cpu->apic_id);
    }
    return ncores;
}

// ---- On the new core ----

_Noreturn void ap_start(struct ap_params *identity_p)
{
    (void)identity_p; // its identity-mapped address goes with the identity map
    struct ap_params *p = phys_to_virt(AP_TRAMPOLINE_PHYS + AP_PARAMS_OFFSET);
    core_data_phys = p->data_phys;
    kcheck_enabled = p->kcheck;
    trace_init_core(p->trace, (unsigned)p->core);
    shared = (struct smp_shared *)p->console_lock;
    shared_lock = &shared->console_lock;
    console_line_share(&shared->console_line, false);
    gdt_init();
    idt_init();
    paging_drop_identity();
    percpu_init((uint32_t)p->core, (uint64_t)boot_kernel_stack + KERNEL_STACK_SIZE);
    lapic_init_ap(p->timer_hz, p->tsc_hz);
    lapic_timer_start(TIMER_HZ);
    enable_smep();
    // Every core's CPU driver invalidates the IOMMU after changes its own
    // processes make to IOMMU tables: the same units as the boot core's.
    iommu_init(phys_to_virt(p->dmar_phys), true);
    kprintf("core %lu: APIC id %lu online\n", p->core, p->apic_id);
    if (p->module_end) {
        struct boot_module m = {p->module_start, p->module_end, "monitor"};
        startup_monitor(&m, p->ram_base, p->ram_bytes, p->chan_base, p->chan_bytes,
                        (unsigned)p->ncores);
    }
    __atomic_store_n(&p->online, 1, __ATOMIC_RELEASE);
    kernel_exit();
}
