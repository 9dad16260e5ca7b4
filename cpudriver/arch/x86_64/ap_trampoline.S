/*
 * cpudriver/arch/x86_64/ap_trampoline.S: where a new core starts.
 *
 * After INIT-SIPI-SIPI the core runs in 16-bit real mode at
 * AP_TRAMPOLINE_PHYS (CS = 0x0800, IP = 0). smp.c copies this code there
 * with the parameter block at AP_PARAMS_OFFSET. It loads a small GDT,
 * enters protected mode, turns on PAE and long mode with the page tables
 * the boot core built for it (which identity-map this page), and jumps to
 * ap_start(params) in the higher half on its own stack. Position: every
 * address below is computed relative to ap_trampoline_start.
 */
#include <arch/smp.h>

#define TR(x) ((x) - ap_trampoline_start + AP_TRAMPOLINE_PHYS)
#define PARAMS (AP_TRAMPOLINE_PHYS + AP_PARAMS_OFFSET)

    .section .rodata.ap_trampoline, "a"
    .code16
    .globl ap_trampoline_start
ap_trampoline_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl TR(tr_gdt_desc)
    mov %cr0, %eax
    or $1, %eax                             /* PE */
    mov %eax, %cr0
    ljmpl $0x08, $TR(tr_pm32)

    .code32
tr_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax                          /* PAE */
    mov %eax, %cr4
    mov PARAMS, %eax                        /* params.cr3 (below 4 GiB) */
    mov %eax, %cr3
    mov $0xc0000080, %ecx                   /* EFER: LME, NXE */
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010000, %eax                    /* PG, WP */
    mov %eax, %cr0
    ljmp $0x18, $TR(tr_lm64)

    .code64
tr_lm64:
    mov $PARAMS, %rdi
    mov 16(%rdi), %rsp                      /* params.stack */
    mov 8(%rdi), %rax                       /* params.entry */
    xor %rbp, %rbp
    jmp *%rax

    .balign 8
tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff                /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff                /* 0x10: data */
    .quad 0x00af9a000000ffff                /* 0x18: 64-bit code */
tr_gdt_desc:
    .short tr_gdt_desc - tr_gdt - 1
    .long TR(tr_gdt)
    .globl ap_trampoline_end
ap_trampoline_end:
