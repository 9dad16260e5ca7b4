/* cpudriver/include/console.h: the CPU driver's console output and panic. */
#pragma once

#include <console_line.h>
#include <stdarg.h>
#include <stddef.h>

// printf to the kernel console (COM1). "\n" becomes "\r\n".
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

// kprintf the first time this line runs only: the stubs of a lab's handout
// (docs/labs.md) say once what is missing, and the boot goes on.
#define KPRINTF_ONCE(...)                                                                          \
    do {                                                                                           \
        static bool said_;                                                                         \
        if (!said_) {                                                                              \
            said_ = true;                                                                          \
            kprintf(__VA_ARGS__);                                                                  \
        }                                                                                          \
    } while (0)

// Print "PANIC: ..." and stop the machine (see arch_halt_fatal).
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Output that is not kprintf's (SYS_PRINT): console_begin takes the console
// (its lock) for one call's text, console_write adds to it, console_end
// gives it back. CONSOLE_EDIT marks the text of the line being edited (the
// shell's prompt and echo, console_line.h); all other text is printed
// above that line, which is drawn again after it.
#define CONSOLE_EDIT 1u
void console_begin(unsigned flags);
void console_write(unsigned flags, const char *buf, size_t len);
void console_end(unsigned flags);

// The edit line's state; console_line_share moves it to the page the cores
// share (copy: with the state so far, on the core that made the page).
struct console_line *console_line_state(void);
void console_line_share(struct console_line *shared, bool copy);

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
