/*
 * tests/fuzz/options.c: the CPU driver's command-line options
 * (cpudriver/options.c), which read the words the boot loader passes.
 *
 * The input is a key, a NUL, then the command line. Invariants: opt_has
 * and opt_get agree; a value found is a whole word's value, NUL-terminated
 * within the buffer; with a buffer one byte too small it is refused;
 * opt_uint agrees with a straightforward reading of the same value
 * (decimal, or hex after 0x; anything else, an overflow or no digits give
 * the default).
 */
#include "fuzz.h"
#include <options.h>

#define VAL_MAX 256

// The number in s as options.h defines it, or false.
static bool model_uint(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9'                 ? *s - '0'
                : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                                       : -1;
        if (d < 0 || v > (UINT64_MAX - (unsigned)d) / base)
            return false;
        v = v * base + (unsigned)d;
    }
    *out = v;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul || size > 4096)
        return 0;
    const char *key = (const char *)data;
    size_t rest = size - (size_t)(nul + 1 - data);
    char *cmdline = malloc(rest + 1); // NUL-terminated where the input ends
    memcpy(cmdline, nul + 1, rest);
    cmdline[rest] = '\0';

    char val[VAL_MAX];
    bool has = opt_has(cmdline, key), got = opt_get(cmdline, key, val, sizeof(val));
    FUZZ_CHECK(got ? has : true, "opt_get found what opt_has did not");
    if (got) {
        size_t n = strnlen(val, sizeof(val));
        FUZZ_CHECK(n < sizeof(val) && !strchr(val, ' '), "a value of %zu bytes or with a space", n);
        char small[VAL_MAX];
        FUZZ_CHECK(!opt_get(cmdline, key, small, n), "a %zu-byte value fits in %zu bytes", n, n);
        FUZZ_CHECK(opt_get(cmdline, key, small, n + 1) && !strcmp(small, val),
                   "the value changes with the buffer");
        uint64_t want, a = opt_uint(cmdline, key, 1), b = opt_uint(cmdline, key, 2);
        if (n < 24 && model_uint(val, &want))
            FUZZ_CHECK(a == want && b == want, "opt_uint(\"%s\") %llu, want %llu", val,
                       (unsigned long long)a, (unsigned long long)want);
        else if (n < 24)
            FUZZ_CHECK(a == 1 && b == 2, "opt_uint(\"%s\") is not the default", val);
    } else if (has) {
        FUZZ_CHECK(opt_uint(cmdline, key, 7) == 7, "a value too long for opt_get read as a number");
    }
    free(cmdline);
    return 0;
}
