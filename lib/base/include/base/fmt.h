/* lib/base/include/base/fmt.h: printf-style formatting without a libc. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

// The output sink: called once per character.
typedef void (*fmt_putc_fn)(void *arg, char c);

// Format like vprintf into a sink. Returns the number of characters
// produced. Supports flags "-+ #0", width and precision (also as '*'),
// length modifiers hh h l ll z t j, and conversions d i u o x X p s c %.
// An unknown conversion is printed as-is, so a bad format is visible
// rather than silently misread.
int fmt_vformat(fmt_putc_fn putc, void *arg, const char *fmt, va_list ap);

// Format into buf (at most size bytes, always NUL-terminated when size > 0).
// Returns the length the whole output would have had, as C's vsnprintf.
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));
