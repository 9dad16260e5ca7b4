/*
 * usr/shell/readline.c: line editing on a raw serial console.
 *
 * The prompt and the echo of what is typed go to the console as its edit
 * line (sys_print_edit): another program printing meanwhile has its text
 * put above the line, which the console draws again, so a line being typed
 * is never split (cpudriver/include/console_line.h).
 *
 * Keys: Enter ends the line (CR, LF or CR LF); backspace and DEL rub out a
 * character, Ctrl-U the line, Ctrl-C drops it for a new prompt; TAB is a
 * space (pasted text keeps its word breaks; there is no completion). An
 * escape sequence (ESC [ ... final byte, ESC O x: arrow and function keys)
 * is read and ignored; a control character inside one ends it and counts
 * as itself, so a lone ESC never swallows the Enter after it. Other
 * control characters are ignored. Characters past the line's limit are
 * not echoed, and the line is refused when Enter comes.
 */
#include "shell.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/caps.h>

enum esc_state { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

struct edit {
    char *buf;
    size_t size, n;
    size_t over; // characters typed past the limit: the line will be refused
    enum esc_state esc;
};

static void show(const char *s)
{
    fflush(stdout); // what the last command printed comes first
    sys_print_edit(s, strlen(s));
}

static void erase(size_t n)
{
    while (n--)
        show("\b \b");
}

// Whether c belongs to the escape sequence being read (and is swallowed);
// ECMA-48: a CSI is parameter and intermediate bytes 0x20-0x3f, then one
// final byte 0x40-0x7e.
static bool in_escape(struct edit *e, int c)
{
    enum esc_state s = e->esc;
    e->esc = ESC_NONE;
    if (s == ESC_START && (c == '[' || c == 'O'))
        e->esc = c == '[' ? ESC_CSI : ESC_SS3;
    else if (s == ESC_START && c == KEY_ESC)
        e->esc = ESC_START;
    else if (s == ESC_CSI && c >= 0x20 && c <= 0x3f)
        e->esc = ESC_CSI;
    else if (!((s == ESC_CSI || s == ESC_SS3) && c >= 0x40 && c <= 0x7e))
        return false; // not part of one: the key counts as typed
    return true;
}

static void insert(struct edit *e, char c)
{
    if (e->over || e->n + 1 >= e->size) {
        e->over++;
        return;
    }
    e->buf[e->n++] = c;
    char s[2] = {c, 0};
    show(s);
}

static void rub_out(struct edit *e)
{
    if (e->over) {
        e->over--; // it was never shown
    } else if (e->n > 0) {
        e->n--;
        erase(1);
    }
}

static void clear(struct edit *e)
{
    erase(e->n);
    e->n = e->over = 0;
}

static int last_cr; // a CR ended the last line: a LF right after it is the same Enter

// Enter: the line, or READLINE_TOO_LONG.
static int finish(struct edit *e)
{
    show("\n");
    e->buf[e->over ? 0 : e->n] = 0;
    return e->over ? READLINE_TOO_LONG : (int)e->n;
}

int readline(const char *prompt, char *buf, size_t size)
{
    struct edit e = {.buf = buf, .size = size};
    show(prompt);
    for (;;) {
        int c = getchar();
        if (c == EOF)
            return READLINE_EOF;
        if (e.esc != ESC_NONE && in_escape(&e, c))
            continue;
        bool lf_of_crlf = c == '\n' && last_cr;
        last_cr = c == '\r';
        if (lf_of_crlf)
            continue;
        if (c == '\r' || c == '\n')
            return finish(&e);
        if (c == KEY_BS || c == KEY_DEL)
            rub_out(&e);
        else if (c == KEY_CTRL_U)
            clear(&e);
        else if (c == KEY_CTRL_C) {
            show("^C\n");
            e.n = e.over = 0;
            show(prompt);
        } else if (c == KEY_ESC)
            e.esc = ESC_START;
        else if (c == KEY_TAB)
            insert(&e, ' ');
        else if (c >= ' ' && c < KEY_DEL)
            insert(&e, (char)c);
    }
}
