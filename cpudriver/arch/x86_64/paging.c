/* cpudriver/arch/x86_64/paging.c: the CPU driver's own page tables. */
#include <arch/paging.h>
#include <arch/x86.h>
#include <base/string.h>
#include <console.h>

extern const char _text_start[], _text_end[];
extern const char boot_stack_guard[];

// The boot core's copy of .data and .bss is where GRUB loaded it.
paddr_t core_data_phys;

static struct bootmem *tables_from;
static uint64_t *pml4; // the tables being built (this core's, or a new core's)
static paddr_t pml4_pa;
static int on_physmap; // set once CR3 holds our tables

// Where the CPU driver reaches a page table: the boot map of the first 1 GiB
// until the switch, the physmap after it.
static uint64_t *table_va(paddr_t pa)
{
    return on_physmap ? phys_to_virt(pa) : (uint64_t *)(KERNEL_VMA + pa);
}

paddr_t paging_kernel_pml4(void) { return pml4_pa; }

// A zeroed page for a page table (bootmem allocates low memory first, so
// before the switch it lies inside the boot map).
static uint64_t *new_table(paddr_t *pa)
{
    if (err_is_fail(bootmem_alloc(tables_from, PAGE_SIZE, PAGE_SIZE, pa)))
        panic("paging: out of memory for page tables");
    if (!on_physmap && *pa >= (1ull << 30))
        panic("paging: page table at %#lx beyond the boot map", *pa);
    uint64_t *t = table_va(*pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

// The table an entry points to, allocating it if the entry is empty.
static uint64_t *next_level(uint64_t *entry)
{
    if (!(*entry & PTE_P)) {
        paddr_t pa;
        new_table(&pa);
        *entry = pa | PTE_P | PTE_W;
    }
    return table_va(*entry & PTE_ADDR);
}

static void map_page(uint64_t va, paddr_t pa, uint64_t flags, int large)
{
    uint64_t *pdpt = next_level(&pml4[pml4_index(va)]);
    uint64_t *pd = next_level(&pdpt[pdpt_index(va)]);
    if (large) {
        pd[pd_index(va)] = pa | flags | PTE_PS | PTE_P;
        return;
    }
    uint64_t *pt = next_level(&pd[pd_index(va)]);
    pt[pt_index(va)] = pa | flags | PTE_P;
}

static int overlaps_ram(const struct boot_info *bi, paddr_t b, paddr_t e)
{
    for (unsigned i = 0; i < bi->n_mmap; i++) {
        const struct boot_region *r = &bi->mmap[i];
        if (r->type == MB2_MEM_AVAILABLE && r->base < e && r->base + r->len > b)
            return 1;
    }
    return 0;
}

// All of physical memory up to the highest address the memory map names,
// at least 4 GiB so the device windows below 4 GiB (LAPIC, IOAPIC, ECAM,
// the IOMMU) are reachable.
static void map_physmap(const struct boot_info *bi)
{
    paddr_t top = 4ull << 30;
    for (unsigned i = 0; i < bi->n_mmap; i++) {
        paddr_t end = bi->mmap[i].base + bi->mmap[i].len;
        top = end > top ? end : top;
    }
    top = (top + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
    if (top > PHYSMAP_LIMIT)
        top = PHYSMAP_LIMIT;
    for (paddr_t pa = 0; pa < top; pa += LARGE_PAGE) {
        uint64_t cache = overlaps_ram(bi, pa, pa + LARGE_PAGE) ? 0 : PTE_PCD | PTE_PWT;
        map_page(PHYSMAP_BASE + pa, pa, PTE_W | PTE_G | PTE_NX | cache, 1);
    }
}

// The image: text and rodata from where GRUB put them (shared by all
// cores), data and bss from data_phys (each core's own copy).
static void map_image(paddr_t data_phys)
{
    for (uint64_t va = (uint64_t)_text_start; va < (uint64_t)_kernel_end; va += PAGE_SIZE) {
        if (va == (uint64_t)boot_stack_guard)
            continue;           // a stack overflow faults here instead of corrupting .bss
        uint64_t flags = PTE_G; // text: read, execute
        paddr_t pa = va - KERNEL_VMA;
        if (va >= (uint64_t)_data_start) {
            flags |= PTE_W | PTE_NX; // data, bss: read, write
            pa = data_phys + (va - (uint64_t)_data_start);
        } else if (va >= (uint64_t)_text_end) {
            flags |= PTE_NX; // rodata: read only
        }
        map_page(va, pa, flags, 0);
    }
}

void paging_init(const struct boot_info *bi, struct bootmem *bm)
{
    tables_from = bm;
    core_data_phys = (paddr_t)_data_start - KERNEL_VMA;
    pml4 = new_table(&pml4_pa);
    map_physmap(bi);
    map_image(core_data_phys);
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(pml4_pa);
    on_physmap = 1;
    pml4 = table_va(pml4_pa);
}

paddr_t paging_new_core(struct bootmem *bm, paddr_t data_phys)
{
    // Build into a new root, then restore ours: map_page works on `pml4`.
    uint64_t *saved = pml4;
    paddr_t saved_pa = pml4_pa, root_pa;
    tables_from = bm;
    pml4 = new_table(&root_pa);
    // The physmap's tables are shared: they never change after boot.
    memcpy(&pml4[256], &saved[256], 255 * sizeof(uint64_t));
    map_image(data_phys);
    // Identity-map the first 2 MiB for the start-up trampoline; the new
    // core drops it once it runs in the higher half.
    map_page(0, 0, PTE_W, 1);
    pml4 = saved;
    pml4_pa = saved_pa;
    return root_pa;
}

void paging_drop_identity(void)
{
    uint64_t *root = phys_to_virt(read_cr3() & PTE_ADDR);
    root[0] = 0;
    write_cr3(read_cr3());
    pml4_pa = read_cr3() & PTE_ADDR;
    pml4 = root;
}
