/* cpudriver/console.c: kprintf and panic on top of the architecture's console. */
#include <base/fmt.h>
#include <console.h>

// The edit line (console_line.h). Core 0 keeps it here until the cores
// share a page; from then on every core uses the one in that page, under
// the console lock, so a line printed on any core keeps the shell's input
// line whole.
static struct console_line boot_line;
static struct console_line *line = &boot_line;

struct console_line *console_line_state(void) { return line; }

void console_line_share(struct console_line *shared, bool copy)
{
    if (copy)
        *shared = *line;
    line = shared;
}

static void sink(void *arg, char c)
{
    (void)arg;
    arch_console_putc(c);
}

static void fmt_put(void *arg, char c) { console_line_put(line, &c, 1, sink, arg); }

void console_begin(unsigned flags)
{
    console_lock(); // every core prints: keep each call's text together
    if (!(flags & CONSOLE_EDIT))
        console_line_begin(line, sink, 0);
}

void console_write(unsigned flags, const char *buf, size_t len)
{
    if (flags & CONSOLE_EDIT)
        console_line_edit(line, buf, len, sink, 0);
    else
        console_line_put(line, buf, len, sink, 0);
}

void console_end(unsigned flags)
{
    if (!(flags & CONSOLE_EDIT))
        console_line_end(line, sink, 0);
    console_unlock();
}

void kvprintf(const char *fmt, va_list ap)
{
    console_begin(0);
    fmt_vformat(fmt_put, 0, fmt, ap);
    console_end(0);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("\nPANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    arch_halt_fatal();
}
