/*
 * lib/sys/exception.S: exc_resume, continuing after an exception handler.
 *
 * Puts the saved RFLAGS and RIP just below the interrupted stack pointer
 * (user code has no red zone: it is built with -mno-red-zone), switches to
 * that stack, restores every register, and returns through popfq; ret.
 */
#define R_RAX 0
#define R_RBX 8
#define R_RCX 16
#define R_RDX 24
#define R_RSI 32
#define R_RDI 40
#define R_RBP 48
#define R_RSP 56
#define R_R8  64
#define R_R9  72
#define R_R10 80
#define R_R11 88
#define R_R12 96
#define R_R13 104
#define R_R14 112
#define R_R15 120
#define R_RIP 128
#define R_RFLAGS 136

    .text
    .globl exc_resume
exc_resume:
    mov R_RSP(%rdi), %rax
    sub $16, %rax
    mov R_RIP(%rdi), %rcx
    mov %rcx, 8(%rax)
    mov R_RFLAGS(%rdi), %rcx
    mov %rcx, (%rax)
    mov %rax, %rsp
    mov R_RAX(%rdi), %rax
    mov R_RBX(%rdi), %rbx
    mov R_RCX(%rdi), %rcx
    mov R_RDX(%rdi), %rdx
    mov R_RSI(%rdi), %rsi
    mov R_RBP(%rdi), %rbp
    mov R_R8(%rdi), %r8
    mov R_R9(%rdi), %r9
    mov R_R10(%rdi), %r10
    mov R_R11(%rdi), %r11
    mov R_R12(%rdi), %r12
    mov R_R13(%rdi), %r13
    mov R_R14(%rdi), %r14
    mov R_R15(%rdi), %r15
    mov R_RDI(%rdi), %rdi
    popfq
    ret
