/* usr/shell/shell.h: the shell's commands, line editor and console input. */
#pragma once

#include "parse.h"
#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/limits.h>

#define SHELL_LINE_MAX 255 // characters in a command line
#define SHELL_MAX_ARGS 32  // words in a command line (kpi/init.h's ARGS_MAX)

struct command {
    const char *name, *usage, *help;
    int (*run)(int argc, char **argv); // 0 on success
};

extern const struct command commands[];

int cmd_servers(int argc, char **argv); // servers.c
int cmd_limits(int argc, char **argv);  // limits.c

// Read one line into buf (at most size-1 characters), echoing and editing
// (backspace, Ctrl-U, Ctrl-C; TAB is a space; escape sequences such as the
// arrow keys are ignored); returns its length, READLINE_EOF at the end of
// input, or READLINE_TOO_LONG for a line longer than size-1 (buf is then
// empty: a cut line is never run).
int readline(const char *prompt, char *buf, size_t size);

// Take over COM1's input (the UART caps init handed us) as stdin.
MUST_CHECK errval_t console_init(void);

// How a foreground program's wait ended.
enum fg_end {
    FG_ENDED,       // it ended (or cannot be watched: the caller's proc_wait tells)
    FG_INTERRUPTED, // Ctrl-C was typed
    FG_DETACHED,    // Ctrl-Z was typed: it goes on in the background
};

// Wait until program pid ends or Ctrl-C or Ctrl-Z is typed; other keys
// typed meanwhile are read by the next readline (Ctrl-C drops them).
enum fg_end console_wait(uint64_t pid);
