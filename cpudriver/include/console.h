/* cpudriver/include/console.h: the CPU driver's console output and panic. */
#pragma once

#include <stdarg.h>

// printf to the kernel console (COM1). "\n" becomes "\r\n".
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

// Print "PANIC: ..." and stop the machine (see arch_halt_fatal).
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Provided by the architecture: the lock the cores share for the console
// (re-entrant on one core, so a panic while printing still prints).
void console_lock(void);
void console_unlock(void);

// Provided by the architecture: write one byte to the console.
void arch_console_putc(char c);

// Provided by the architecture: stop after a fatal error. Exits QEMU with the
// panic status when the CPU driver was booted with panic=exit (tests), and
// otherwise halts with interrupts off, so a debugger can inspect the state.
_Noreturn void arch_halt_fatal(void);
