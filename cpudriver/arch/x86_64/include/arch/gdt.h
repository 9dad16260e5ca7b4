/* cpudriver/arch/x86_64/include/arch/gdt.h: segments, the TSS and its stacks. */
#pragma once

#ifndef __ASSEMBLY__
#include <stdint.h>
#endif

// Selectors. The order kernel code, kernel data, user data, user code is
// the one syscall/sysret require (STAR: sysret loads SS = base+8, CS = base+16).
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA (0x18 | 3)
#define SEL_UCODE (0x20 | 3)
#define SEL_TSS   0x28

// Interrupt stack table slots (1-based, as in the IDT entry's IST field).
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3

#ifndef __ASSEMBLY__
void gdt_init(void);

// Set the stack the CPU switches to on an interrupt or exception from user mode.
void tss_set_rsp0(uint64_t rsp0);
#endif
