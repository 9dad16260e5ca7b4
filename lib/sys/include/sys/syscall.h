/* lib/sys/include/sys/syscall.h: the raw system call, as the register convention of kpi/syscalls.h.
 */
#pragma once

#include <kpi/errors.h>
#include <kpi/syscalls.h>
#include <stdint.h>

// What every system call returns: the error and up to six result words.
struct sysret {
    errval_t err;
    uint64_t w[6];
};

// The one system call: number n, ten argument words.
static inline struct sysret syscall10(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2,
                                      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                                      uint64_t a7, uint64_t a8, uint64_t a9)
{
    struct sysret r;
    register uint64_t rax __asm__("rax") = n;
    register uint64_t rdi __asm__("rdi") = a0;
    register uint64_t rsi __asm__("rsi") = a1;
    register uint64_t rdx __asm__("rdx") = a2;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    register uint64_t r12 __asm__("r12") = a6;
    register uint64_t r13 __asm__("r13") = a7;
    register uint64_t r14 __asm__("r14") = a8;
    register uint64_t r15 __asm__("r15") = a9;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "r"(r12), "r"(r13), "r"(r14), "r"(r15)
                     : "rcx", "r11", "memory");
    r.err = rax;
    r.w[0] = rdx;
    r.w[1] = rsi;
    r.w[2] = rdi;
    r.w[3] = r10;
    r.w[4] = r8;
    r.w[5] = r9;
    return r;
}

#define syscall0(n)          syscall10(n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#define syscall2(n, a, b)    syscall10(n, a, b, 0, 0, 0, 0, 0, 0, 0, 0)
#define syscall3(n, a, b, c) syscall10(n, a, b, c, 0, 0, 0, 0, 0, 0, 0)
