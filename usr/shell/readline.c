/*
 * usr/shell/readline.c: line editing on a raw serial console.
 *
 * The prompt and the echo of what is typed go to the console as its edit
 * line (sys_print_edit): another program printing meanwhile has its text
 * put above the line, which the console draws again, so a line being typed
 * is never split (cpudriver/include/console_line.h).
 */
#include "shell.h"
#include <stdio.h>
#include <string.h>
#include <sys/caps.h>

#define CTRL_C 0x03
#define CTRL_U 0x15
#define BS     0x08
#define DEL    0x7f
#define ESC    0x1b

static void show(const char *s)
{
    fflush(stdout); // what the last command printed comes first
    sys_print_edit(s, strlen(s));
}

static void show_char(char c)
{
    char s[2] = {c, 0};
    show(s);
}

static void erase(size_t n)
{
    while (n--)
        show("\b \b");
}

static int last_cr; // a CR ended the last line: a LF right after it is the same Enter

int readline(const char *prompt, char *buf, size_t size)
{
    size_t n = 0;
    int esc = 0; // inside an escape sequence (arrow keys): ignore it
    show(prompt);
    for (;;) {
        int c = getchar();
        if (c == EOF)
            return -1;
        if (esc) {
            esc = (esc == 1 && c == '[') || (c >= '0' && c <= '9') ? 2 : 0;
            continue;
        }
        if (c == '\n' && last_cr) {
            last_cr = 0;
            continue;
        }
        last_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            show("\n");
            buf[n] = 0;
            return (int)n;
        } else if (c == BS || c == DEL) {
            if (n > 0) {
                n--;
                erase(1);
            }
        } else if (c == CTRL_U) {
            erase(n);
            n = 0;
        } else if (c == CTRL_C) {
            show("^C\n");
            n = 0;
            show(prompt);
        } else if (c == ESC) {
            esc = 1;
        } else if (c >= ' ' && c < DEL && n + 1 < size) {
            buf[n++] = (char)c;
            show_char((char)c);
        }
    }
}
