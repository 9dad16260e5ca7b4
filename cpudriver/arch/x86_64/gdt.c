/* cpudriver/arch/x86_64/gdt.c: the GDT, the TSS and the interrupt stacks. */
#include <arch/gdt.h>
#include <base/string.h>

// 64-bit TSS (Intel SDM vol. 3A 8.7).
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

#define IST_STACK_SIZE 8192

static struct tss tss;
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

// Code/data descriptors: in long mode only the access byte and L bit matter.
static uint64_t gdt[7] = {
    0,
    0x00af9a000000ffff, // 0x08 kernel code: present, DPL 0, code, L
    0x00cf92000000ffff, // 0x10 kernel data
    0x00cff2000000ffff, // 0x18 user data: DPL 3
    0x00affa000000ffff, // 0x20 user code: DPL 3, L
    0,
    0, // 0x28 TSS (16 bytes), filled in by gdt_init
};

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void set_tss_descriptor(void)
{
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) // present, 64-bit TSS
             | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;
}

void gdt_init(void)
{
    memset(&tss, 0, sizeof(tss));
    for (int i = 0; i < 3; i++)
        tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
    tss.iomap_base = sizeof(tss); // no I/O permission bitmap: ring 3 gets no ports
    set_tss_descriptor();

    struct desc_ptr p = {sizeof(gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "mov %1, %%ds\n\t"
                     "mov %1, %%es\n\t"
                     "mov %1, %%ss\n\t"
                     "pushq %2\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "ltr %w3"
                     :
                     : "m"(p), "r"((uint64_t)SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS)
                     : "rax", "memory");
}

void tss_set_rsp0(uint64_t rsp0) { tss.rsp[0] = rsp0; }
