/*
 * usr/shell/readline.c: line editing on a raw serial console (the keys
 * themselves: parse.c's shell_edit_key).
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
#include <stdio.h>
#include <string.h>
#include <sys/caps.h>

static void show(void *arg, const char *s)
{
    (void)arg;
    fflush(stdout); // what the last command printed comes first
    err_ignore(sys_print_edit(s, strlen(s)), "nowhere left to report that the console failed");
}

int readline(const char *prompt, char *buf, size_t size)
{
    static struct shell_edit e = {.show = show}; // (last_cr lasts from line to line)
    shell_edit_begin(&e, buf, size);
    show(NULL, prompt);
    for (;;) {
        int c = getchar();
        if (c == EOF)
            return READLINE_EOF;
        int r = shell_edit_key(&e, c);
        if (r == SHELL_EDIT_DROPPED)
            show(NULL, prompt);
        else if (r != SHELL_EDIT_MORE)
            return r;
    }
}
