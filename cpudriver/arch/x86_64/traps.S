/*
 * cpudriver/arch/x86_64/traps.S: entry stubs for all 256 interrupt vectors.
 *
 * Each stub is 16 bytes (the IDT points at trap_stubs + 16 * vector). It
 * pushes a zero error code where the CPU pushes none, then the vector, and
 * joins trap_common, which saves the general registers as a struct
 * trap_frame (arch/trap.h) and calls trap_dispatch(frame).
 */
#include <arch/memlayout.h>

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3A 6.13). */
#define HAS_ERROR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
                      (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
                      (v) == 29 || (v) == 30)

/* Offset of the saved CS in the frame, before the GPRs are pushed. */
#define CS_BEFORE_GPRS 24

/* Restore the general-purpose registers of a trap frame, in the reverse of
 * the order the entry pushed them (struct trap_frame). */
.macro pop_gprs
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

.text
    .balign 16
    .globl trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if !HAS_ERROR(vec)
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr
    .globl trap_stubs_end
trap_stubs_end:

trap_common:
    testb $3, CS_BEFORE_GPRS(%rsp)
    jz 1f
    swapgs                                  /* from user mode: kernel GS */
1:  pushq %rax
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
    mov %rsp, %rdi
    cld
    call trap_dispatch
    .globl trap_return
trap_return:
    pop_gprs
    testb $3, CS_BEFORE_GPRS(%rsp)
    jz 2f
    swapgs
2:  add $16, %rsp                           /* vector and error code */
    iretq

/* Resume a dispatcher from its saved frame at %rsp (arch_resume): to user
 * mode always, so no test of the saved CS. */
    .globl trap_return_user
trap_return_user:
    pop_gprs
    swapgs
    add $16, %rsp                           /* vector and error code */
    iretq
