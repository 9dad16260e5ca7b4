/*
 * usr/shell/parse.h: what the shell makes of the bytes typed at it, with
 * no system calls: the line editor's keys, the words of a line, numbers,
 * and `run`'s options. The shell's console loop and commands call these;
 * tests/fuzz/shell.c runs them on the host under libFuzzer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/limits.h>

// The keys the shell acts on (ASCII control characters).
#define KEY_CTRL_C 0x03
#define KEY_CTRL_U 0x15
#define KEY_CTRL_Z 0x1a
#define KEY_TAB    0x09
#define KEY_BS     0x08
#define KEY_ESC    0x1b
#define KEY_DEL    0x7f

#define READLINE_EOF       (-1)
#define READLINE_TOO_LONG  (-2)
#define SHELL_EDIT_MORE    (-3) // the line goes on
#define SHELL_EDIT_DROPPED (-4) // Ctrl-C: the line is dropped, a new one begins

enum shell_esc { SHELL_ESC_NONE, SHELL_ESC_START, SHELL_ESC_CSI, SHELL_ESC_SS3 };

// One line being typed. show (with arg) puts the echo on the console:
// characters as typed, "\b \b" to rub one out, "\n" at the end, "^C\n".
struct shell_edit {
    char *buf;
    size_t size, n;
    size_t over; // characters typed past the limit: the line will be refused
    enum shell_esc esc;
    bool last_cr; // a CR ended the last line: a LF right after it is the same Enter
    void (*show)(void *arg, const char *s);
    void *arg;
};

// A new line into buf (at most size - 1 characters), keeping e->last_cr.
void shell_edit_begin(struct shell_edit *e, char *buf, size_t size);

// Key c: SHELL_EDIT_MORE, SHELL_EDIT_DROPPED (begin again), or the line is
// done: its length (buf terminated; only characters ' ' to '~' in it) or
// READLINE_TOO_LONG (buf empty: a cut line is never run). Keys: Enter (CR,
// LF or CR LF), backspace and DEL, Ctrl-U, Ctrl-C, TAB as a space; escape
// sequences (ESC [ ... final byte, ESC O x) are read and ignored, and a
// control character inside one ends it and counts as itself; other
// control characters are ignored.
int shell_edit_key(struct shell_edit *e, int c);

// Split line into words at spaces (in place); -1 if there are more than max.
int shell_split(char *line, char **argv, int max);

// A number: decimal digits only, at most max.
bool shell_parse_num(const char *s, uint64_t max, uint64_t *v);

// `run`'s options at the front of argv[1..]: `-c N` (a core below
// max_core + 1; *core untouched without it), then limits (`--mem 8M
// --vectors 2 ...`: *l gets the defaults with those set). The options are
// taken off argc/argv. False with why (a message, at most n bytes) if one
// is wrong.
bool shell_run_options(int *argc, char ***argv, unsigned max_core, unsigned *core,
                       struct proc_limits *l, char *why, size_t n);

// The words joined with single spaces into line (size bytes with the
// terminator); false if they do not fit.
bool shell_join(int argc, char **argv, char *line, size_t size);
