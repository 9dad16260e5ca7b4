/* cpudriver/console_line.c: the console's edit line (console_line.h). */
#include <console_line.h>

static void put(struct console_line *l, char c, console_sink_fn out, void *arg)
{
    if (c == '\n')
        out(arg, '\r');
    out(arg, c);
    l->mid_line = c != '\n';
}

static void puts_raw(const char *s, console_sink_fn out, void *arg)
{
    while (*s)
        out(arg, *s++);
}

// Whether the edit line is on the terminal and can be drawn again.
static bool shown(const struct console_line *l) { return l->len > 0 && !l->too_long; }

void console_line_edit(struct console_line *l, const char *buf, size_t len, console_sink_fn out,
                       void *arg)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        // A new edit line starts on a line of its own: other output's
        // unfinished line is not the edit line's to erase.
        if (l->len == 0 && l->mid_line && c != '\n' && c != '\b')
            put(l, '\n', out, arg);
        put(l, c, out, arg);
        if (c == '\n') {
            l->len = 0;
            l->too_long = false;
        } else if (c == '\b') {
            if (l->len > 0)
                l->len--;
        } else if (c == '\r') {
            l->len = 0; // back to column 0: what follows is drawn over it
        } else if (l->len < CONSOLE_LINE_MAX) {
            l->text[l->len++] = c;
        } else {
            l->too_long = true;
        }
    }
}

void console_line_begin(struct console_line *l, console_sink_fn out, void *arg)
{
    if (!shown(l))
        return;
    puts_raw(CONSOLE_LINE_ERASE, out, arg);
    l->mid_line = false;
}

void console_line_put(struct console_line *l, const char *buf, size_t len, console_sink_fn out,
                      void *arg)
{
    for (size_t i = 0; i < len; i++)
        put(l, buf[i], out, arg);
}

void console_line_end(struct console_line *l, console_sink_fn out, void *arg)
{
    if (!shown(l))
        return;
    if (l->mid_line)
        put(l, '\n', out, arg); // the other output's last line stays whole
    for (uint32_t i = 0; i < l->len; i++)
        out(arg, l->text[i]);
    l->mid_line = true;
}
