/*
 * cpudriver/arch/x86_64/boot.S: from GRUB's 32-bit hand-off to C in long mode.
 *
 * GRUB (multiboot2) enters start32 in 32-bit protected mode, paging off,
 * EAX = 0x36d76289, EBX = physical address of the boot information. We build
 * just enough page tables to map the first 1 GiB twice (identity, to keep
 * running here, and at KERNEL_VMA, where the C code lives), enter long mode,
 * and jump to kernel_start(magic, mbi) in the higher half. Everything in this
 * file before start64_high runs at its physical (load) address.
 */
#include <arch/memlayout.h>

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC   0x36d76289
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80
#define COM1    0x3f8

/* Physical address of a higher-half symbol. */
#define PHYS(sym) ((sym) - KERNEL_VMA)

    .section .multiboot, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long 0                                 /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
    /* Module alignment tag: page-align modules so they map as frames. */
    .balign 8
    .short 6, 0
    .long 8
    /* End tag. */
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .globl start32
start32:
    cli
    cld
    mov $boot_stack_top, %esp
    mov %eax, boot_magic
    mov %ebx, boot_mbi

    cmp $MB2_BOOT_MAGIC, %eax
    jne no_multiboot

    /* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode

    /* Zero the boot page tables (GRUB zero-fills .bss, but do not rely on it). */
    mov $boot_tables_start, %edi
    mov $((boot_tables_end - boot_tables_start) / 4), %ecx
    xor %eax, %eax
    rep stosl

    /* PD: 512 x 2 MiB pages = physical 0 .. 1 GiB. */
    mov $boot_pd, %edi
    mov $(PTE_P | PTE_W | PTE_PS), %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    /* PML4[0] -> PDPT_lo[0] -> PD (identity); PML4[511] -> PDPT_hi[510] -> PD. */
    movl $(boot_pdpt_lo + PTE_P + PTE_W), boot_pml4
    movl $(boot_pdpt_hi + PTE_P + PTE_W), boot_pml4 + 511 * 8
    movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_lo
    movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_hi + 510 * 8

    /* PAE on, CR3, then EFER.LME (and NXE), then paging on: long mode. */
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax                    /* PG | WP | PE */
    mov %eax, %cr0

    lgdt boot_gdt_desc
    ljmp $0x08, $start64_low

/* Print the NUL-terminated string at ESI on COM1 and halt forever. */
boot_fail:
    mov $COM1, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  cli
    hlt
    jmp 2b

no_multiboot:
    mov $msg_no_multiboot, %esi
    jmp boot_fail
no_long_mode:
    mov $msg_no_long_mode, %esi
    jmp boot_fail

    .code64
start64_low:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $start64_high, %rax
    jmp *%rax

    .section .boot.data, "aw"
    .balign 8
boot_gdt:
    .quad 0                                 /* null */
    .quad 0x00af9a000000ffff                /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff                /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_desc:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt
boot_magic: .long 0
boot_mbi:   .long 0
msg_no_multiboot: .asciz "Sietch: not booted by a multiboot2 loader (wrong magic in EAX); halted.\r\n"
msg_no_long_mode: .asciz "Sietch: this CPU has no 64-bit long mode; halted.\r\n"

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_tables_start:
boot_pml4:    .skip 4096
boot_pdpt_lo: .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:      .skip 4096
boot_tables_end:
    .balign 16
    .skip 4096
boot_stack_top:

/* From here on: the higher half. */
    .text
    .code64
start64_high:
    /* Zero the kernel's .bss (it holds the stack we are about to use). */
    movabs $_bss_start, %rdi
    movabs $_bss_end, %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    movabs $(boot_kernel_stack + KERNEL_STACK_SIZE), %rsp
    xor %rbp, %rbp
    mov boot_magic, %edi                    /* zero-extends */
    mov boot_mbi, %esi
    call kernel_start
1:  cli
    hlt
    jmp 1b

/* The boot stack, with an unmapped guard page below it (see paging.c). */
    .section .bss.stack, "aw", @nobits
    .balign 4096
    .globl boot_stack_guard
boot_stack_guard:
    .skip 4096
    .globl boot_kernel_stack
boot_kernel_stack:
    .skip KERNEL_STACK_SIZE
