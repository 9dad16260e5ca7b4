/*
 * cpudriver/include/console_line.h: the console's edit line.
 *
 * Every program prints to the one serial console, and the shell echoes what
 * is typed there too. Without care, a background program's line lands in
 * the middle of the line being typed ("sietch$ run vnicvnictest: done\n
 * test wait"). The console keeps the text of the line being edited (the
 * prompt and the characters echoed so far: SYS_PRINT with SYS_PRINT_EDIT)
 * and, when anything else is printed while that line is on the screen, takes
 * it off first ("\r" and ESC [K: erase the line) and draws it again after,
 * on a line of its own, as a line editor does for asynchronous output. The
 * terminal then always shows other output above an intact input line.
 *
 * Pure logic over a byte sink, so it is tested on the host
 * (tests/unit/cpudriver/check_console_line.c); cpudriver/console.c holds the
 * instance (in the page the cores share) and the lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The longest edit line kept: the shell's prompt and a 255-character line.
#define CONSOLE_LINE_MAX 320

// The sequence that takes the edit line off the terminal: back to column 0
// and erase to the end of the line (ECMA-48 EL, "erase in line").
#define CONSOLE_LINE_ERASE "\r\x1b[K"

struct console_line {
    uint32_t len;  // bytes of text shown since the edit line began
    bool too_long; // text overflowed: the line is not redrawn until it ends
    bool mid_line; // the last byte written was not a newline
    char text[CONSOLE_LINE_MAX];
};

typedef void (*console_sink_fn)(void *arg, char c); // one byte to the terminal

// Edit text (the prompt, echoed characters, "\b \b" to rub one out): it
// goes out as it is ("\n" as "\r\n") and the line's text follows it; a
// newline ends the edit line.
void console_line_edit(struct console_line *l, const char *buf, size_t len, console_sink_fn out,
                       void *arg);

// Other output goes between begin and end: begin takes the edit line off
// the terminal, put writes ("\n" as "\r\n"), and end puts the edit line
// back on a line of its own.
void console_line_begin(struct console_line *l, console_sink_fn out, void *arg);
void console_line_put(struct console_line *l, const char *buf, size_t len, console_sink_fn out,
                      void *arg);
void console_line_end(struct console_line *l, console_sink_fn out, void *arg);
