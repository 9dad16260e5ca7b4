/* cpudriver/console.c: kprintf and panic on top of the architecture's console. */
#include <base/fmt.h>
#include <console.h>

static void console_putc(void *arg, char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    arch_console_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
    console_lock(); // every core prints: keep each call's text together
    fmt_vformat(console_putc, 0, fmt, ap);
    console_unlock();
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
