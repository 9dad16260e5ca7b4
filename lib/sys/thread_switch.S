/*
 * lib/sys/thread_switch.S: thread_switch(from_rsp, to_rsp).
 *
 * Saves the callee-saved registers on the current stack, stores the stack
 * pointer in *from_rsp, loads to_rsp and pops the next thread's registers.
 * A new thread's stack is prepared to "return" into thread_start.
 */
    .text
    .globl thread_switch
thread_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
