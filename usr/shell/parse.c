/* usr/shell/parse.c: the shell's line editor keys, words, numbers and run's options (parse.h). */
#include "parse.h"
#include <stdio.h>
#include <string.h>

void shell_edit_begin(struct shell_edit *e, char *buf, size_t size)
{
    e->buf = buf;
    e->size = size;
    e->n = e->over = 0;
    e->esc = SHELL_ESC_NONE;
}

// Whether c belongs to the escape sequence being read (and is swallowed);
// ECMA-48: a CSI is parameter and intermediate bytes 0x20-0x3f, then one
// final byte 0x40-0x7e.
static bool in_escape(struct shell_edit *e, int c)
{
    enum shell_esc s = e->esc;
    e->esc = SHELL_ESC_NONE;
    if (s == SHELL_ESC_START && (c == '[' || c == 'O'))
        e->esc = c == '[' ? SHELL_ESC_CSI : SHELL_ESC_SS3;
    else if (s == SHELL_ESC_START && c == KEY_ESC)
        e->esc = SHELL_ESC_START;
    else if (s == SHELL_ESC_CSI && c >= 0x20 && c <= 0x3f)
        e->esc = SHELL_ESC_CSI;
    else if (!((s == SHELL_ESC_CSI || s == SHELL_ESC_SS3) && c >= 0x40 && c <= 0x7e))
        return false; // not part of one: the key counts as typed
    return true;
}

static void insert(struct shell_edit *e, char c)
{
    if (e->over || e->n + 1 >= e->size) {
        e->over++;
        return;
    }
    e->buf[e->n++] = c;
    char s[2] = {c, 0};
    e->show(e->arg, s);
}

static void rub_out(struct shell_edit *e)
{
    if (e->over) {
        e->over--; // it was never shown
    } else if (e->n > 0) {
        e->n--;
        e->show(e->arg, "\b \b");
    }
}

int shell_edit_key(struct shell_edit *e, int c)
{
    if (e->esc != SHELL_ESC_NONE && in_escape(e, c))
        return SHELL_EDIT_MORE;
    bool lf_of_crlf = c == '\n' && e->last_cr;
    e->last_cr = c == '\r';
    if (lf_of_crlf)
        return SHELL_EDIT_MORE;
    if (c == '\r' || c == '\n') {
        e->show(e->arg, "\n");
        e->buf[e->over ? 0 : e->n] = 0;
        return e->over ? READLINE_TOO_LONG : (int)e->n;
    }
    if (c == KEY_BS || c == KEY_DEL)
        rub_out(e);
    else if (c == KEY_CTRL_U) {
        while (e->n > 0)
            rub_out(e);
        e->over = 0;
    } else if (c == KEY_CTRL_C) {
        e->show(e->arg, "^C\n");
        e->n = e->over = 0;
        return SHELL_EDIT_DROPPED;
    } else if (c == KEY_ESC)
        e->esc = SHELL_ESC_START;
    else if (c == KEY_TAB)
        insert(e, ' ');
    else if (c >= ' ' && c < KEY_DEL)
        insert(e, (char)c);
    return SHELL_EDIT_MORE;
}

int shell_split(char *line, char **argv, int max)
{
    int argc = 0;
    char *save;
    for (char *s = strtok_r(line, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
        if (argc == max)
            return -1;
        argv[argc++] = s;
    }
    return argc;
}

bool shell_parse_num(const char *s, uint64_t max, uint64_t *v)
{
    uint64_t n = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        // (d > max first: max - d must not wrap, as it did for a max below 9)
        if (*s < '0' || *s > '9' || d > max || n > (max - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *v = n;
    return true;
}

// Take the first option and its value off (argv[1], argv[2]).
static void take(int *argc, char ***argv)
{
    *argc -= 2;
    *argv += 2;
}

bool shell_run_options(int *argc, char ***argv, unsigned max_core, unsigned *core,
                       struct proc_limits *l, char *why, size_t n)
{
    *l = proc_limits_default;
    uint64_t c;
    if (*argc >= 2 && !strcmp((*argv)[1], "-c")) {
        if (*argc < 3) {
            snprintf(why, n, "-c: the core number is missing");
            return false;
        }
        if (!shell_parse_num((*argv)[2], max_core, &c)) {
            snprintf(why, n, "-c %s: not a core number", (*argv)[2]);
            return false;
        }
        *core = (unsigned)c;
        take(argc, argv);
    }
    while (*argc >= 2 && !strncmp((*argv)[1], "--", 2)) {
        const char *opt = (*argv)[1];
        enum limit_res r = limit_by_name(opt + 2);
        if (r == LIMIT_COUNT) {
            snprintf(why, n,
                     "%s: no such limit (--mem, --domains, --vectors, --vnics, --vsics, --chans)",
                     opt);
            return false;
        }
        if (*argc < 3) {
            snprintf(why, n, "%s: the value is missing", opt);
            return false;
        }
        if (err_is_fail(limit_parse(r, (*argv)[2], &l->max[r]))) {
            snprintf(why, n, "%s %s: not a %s", opt, (*argv)[2],
                     r == LIMIT_MEM ? "size (digits, then K, M or G; or none)"
                                    : "count (digits below 65535; or none)");
            return false;
        }
        take(argc, argv);
    }
    return true;
}

bool shell_join(int argc, char **argv, char *line, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return false;
    line[0] = 0;
    for (int i = 0; i < argc; i++) {
        size_t w = strlen(argv[i]), sep = i + 1 < argc;
        if (used + w + sep + 1 > size)
            return false;
        memcpy(line + used, argv[i], w);
        used += w;
        if (sep)
            line[used++] = ' ';
        line[used] = 0;
    }
    return true;
}
