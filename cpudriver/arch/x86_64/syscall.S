/*
 * cpudriver/arch/x86_64/syscall.S: the `syscall` entry point.
 *
 * SYSCALL leaves the user RSP in place, the user RIP in RCX and RFLAGS in
 * R11, and (by MSR_FMASK) interrupts off. We save the user registers
 * straight into the running dispatcher's struct trap_frame (its end is in
 * the per-core data, set by arch_resume), in the shape an interrupt's frame
 * has (vector SYSCALL_VECTOR), then switch to this core's kernel stack. No
 * copy is made on the way in, and none on the way out: arch_resume pops the
 * frame of the dispatcher it resumes where it lies (traps.S: trap_return,
 * iretq).
 */
#include <arch/gdt.h>
#include <arch/percpu.h>

#define SYSCALL_VECTOR 0x100

    .text
    .globl syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:PERCPU_USER_RSP
    mov %gs:PERCPU_USER_REGS, %rsp
    pushq $SEL_UDATA                        /* ss */
    pushq %gs:PERCPU_USER_RSP               /* rsp */
    pushq %r11                              /* rflags */
    pushq $SEL_UCODE                        /* cs */
    pushq %rcx                              /* rip */
    pushq $0                                /* error */
    pushq $SYSCALL_VECTOR                   /* vector */
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    mov %rsp, %rdi                          /* &current->regs */
    mov %gs:PERCPU_KSTACK_TOP, %rsp        /* (MSR_FMASK cleared DF) */
    call syscall_entry_c                    /* does not return */
    ud2
