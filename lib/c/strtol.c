/* lib/c/strtol.c: strings to integers (the strtol family, atoi, strtoimax). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

// What parse() found.
struct number {
    uint64_t mag;  // the magnitude, saturated at UINT64_MAX
    bool neg;      // a minus sign came first
    bool overflow; // the digits did not fit in 64 bits
};

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99; // larger than any base
}

// Parse the common syntax of C11 7.22.1.4. Returns false when there is no
// number (or the base is bad), and then *end is s. A "0x" not followed by
// a hex digit is the number 0 followed by 'x'.
static bool parse(const char *s, char **end, int base, struct number *num)
{
    const char *p = s;
    *num = (struct number){0};
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        num->neg = *p++ == '-';
    bool hex_prefix = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16;
    if ((base == 0 || base == 16) && hex_prefix) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = *p == '0' ? 8 : 10;
    }
    bool ok = base >= 2 && base <= 36 && digit_value(*p) < base;
    if (!ok) {
        if (end)
            *end = (char *)(uintptr_t)s;
        if (base < 2 || base > 36)
            errno = EINVAL;
        return false;
    }
    for (int d; (d = digit_value(*p)) < base; p++) {
        if (num->mag > (UINT64_MAX - d) / base)
            num->overflow = true;
        num->mag = num->overflow ? UINT64_MAX : num->mag * base + d;
    }
    if (end)
        *end = (char *)(uintptr_t)p;
    return true;
}

// Signed conversion clamped to [min, max], min == -max - 1.
static int64_t to_signed(const char *s, char **end, int base, int64_t max)
{
    struct number n;
    if (!parse(s, end, base, &n))
        return 0;
    uint64_t limit = n.neg ? (uint64_t)max + 1 : (uint64_t)max;
    if (n.overflow || n.mag > limit) {
        errno = ERANGE;
        return n.neg ? -max - 1 : max;
    }
    return n.neg ? (int64_t)(0 - n.mag) : (int64_t)n.mag;
}

// Unsigned conversion up to max; a minus sign negates modulo max + 1.
static uint64_t to_unsigned(const char *s, char **end, int base, uint64_t max)
{
    struct number n;
    if (!parse(s, end, base, &n))
        return 0;
    if (n.overflow || n.mag > max) {
        errno = ERANGE;
        return max;
    }
    return n.neg ? (0 - n.mag) & max : n.mag;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
    return to_signed(s, end, base, LONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
    return to_signed(s, end, base, LLONG_MAX);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
    return to_signed(s, end, base, INTMAX_MAX);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
    return to_unsigned(s, end, base, ULONG_MAX);
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
    return to_unsigned(s, end, base, ULLONG_MAX);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
    return to_unsigned(s, end, base, UINTMAX_MAX);
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }

long atol(const char *s) { return strtol(s, NULL, 10); }

long long atoll(const char *s) { return strtoll(s, NULL, 10); }

intmax_t imaxabs(intmax_t x) { return x < 0 ? -x : x; }
