/* tests/unit/base/check_fmt.c: the printf engine against the C standard's behaviour. */
#include <base/fmt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unit.h>

// Format with lib/base and with the host libc; both must agree.
#define SAME(...)                                                                                  \
    do {                                                                                           \
        char ours[256], libc[256];                                                                 \
        int n1 = fmt_snprintf(ours, sizeof(ours), __VA_ARGS__);                                    \
        int n2 = snprintf(libc, sizeof(libc), __VA_ARGS__);                                        \
        ck_assert_str_eq(ours, libc);                                                              \
        ck_assert_int_eq(n1, n2);                                                                  \
    } while (0)

START_TEST(test_integers)
{
    SAME("%d %i %u", 0, -1, 42u);
    SAME("%d %d", INT_MAX, INT_MIN);
    SAME("%ld %lu %lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
    SAME("%lld %llu", LLONG_MIN, ULLONG_MAX);
    SAME("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    SAME("%zu %zd %td %jd", (size_t)123, (ssize_t)-5, (ptrdiff_t)-7, (intmax_t)INTMAX_MIN);
    SAME("%o %#o %#o", 8u, 8u, 0u);
}
END_TEST

START_TEST(test_hex_and_flags)
{
    SAME("%x %X %#x %#X %#x", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu, 0u);
    SAME("%08x|%-8x|%8x", 0x1234u, 0x1234u, 0x1234u);
    SAME("%+d % d %+d % d", 5, 5, -5, -5);
    SAME("%05d %-5d| %5d", -42, -42, -42);
    SAME("%.3d %.0d %.0d %5.3d", 7, 0, 1, 7);
    SAME("%#018lx %016lx", 0xffffffff80000000ul, 0x1ul);
    SAME("%*d %-*d| %.*d", 6, 1, 6, 1, 4, 1);
    SAME("%*d|", -6, 1);
}
END_TEST

START_TEST(test_strings_chars)
{
    SAME("%s|%10s|%-10s|%.2s|%5.1s", "abc", "abc", "abc", "abc", "abc");
    SAME("%c%c%c %3c|%-3c|", 'a', 'b', 'c', 'x', 'y');
    SAME("100%% %s", "done");
    SAME("%.4s", "sig\0nature"); // precision stops at the NUL anyway
}
END_TEST

START_TEST(test_pointer)
{
    char ours[64];
    fmt_snprintf(ours, sizeof(ours), "%p", (void *)0xffff800000001000ul);
    ck_assert_str_eq(ours, "0xffff800000001000");
}
END_TEST

START_TEST(test_truncation)
{
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    int n = fmt_snprintf(buf, 5, "%s", "abcdefgh");
    ck_assert_int_eq(n, 8);
    ck_assert_str_eq(buf, "abcd");
    ck_assert_int_eq(buf[5], 'X'); // nothing written past size
    ck_assert_int_eq(fmt_snprintf(buf, 0, "abc"), 3);
    ck_assert_int_eq(buf[0], 'a');
}
END_TEST

START_TEST(test_unknown_conversion_visible)
{
    char buf[32];
    fmt_snprintf(buf, sizeof(buf), "a%qb");
    ck_assert_str_eq(buf, "a%qb");
    fmt_snprintf(buf, sizeof(buf), "end%");
    ck_assert_str_eq(buf, "end%");
    fmt_snprintf(buf, sizeof(buf), "%-08lk!");
    ck_assert_str_eq(buf, "%-08lk!");
}
END_TEST

static Suite *fmt_suite(void)
{
    Suite *s = suite_create("fmt");
    TCase *tc = tcase_create("fmt");
    tcase_add_test(tc, test_integers);
    tcase_add_test(tc, test_hex_and_flags);
    tcase_add_test(tc, test_strings_chars);
    tcase_add_test(tc, test_pointer);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_unknown_conversion_visible);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(fmt_suite)
