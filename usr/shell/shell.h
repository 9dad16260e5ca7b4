/* usr/shell/shell.h: the shell's commands. */
#pragma once

#include <stddef.h>

#define SHELL_MAX_ARGS 16

struct command {
    const char *name, *usage, *help;
    int (*run)(int argc, char **argv); // 0 on success
};

extern const struct command commands[];

int cmd_servers(int argc, char **argv); // servers.c

// Read one line into buf (at most size-1 characters), echoing and editing
// (backspace, Ctrl-U, Ctrl-C); returns its length, or -1 at the end of input.
int readline(const char *prompt, char *buf, size_t size);
