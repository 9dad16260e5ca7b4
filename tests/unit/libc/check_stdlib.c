/* tests/unit/libc/check_stdlib.c: lib/c's strtol family against the host libc, and rand, abs,
 * getenv. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#include "libc_test.h"

// Convert s in base with lib/c and with the host: same value, same end,
// same errno (both start from 0).
#define SAME_CONVERSION(ours, host, type, s, base)                                                 \
    do {                                                                                           \
        char *e1, *e2;                                                                             \
        sietch_errno = 0;                                                                          \
        errno = 0;                                                                                 \
        type v1 = ours(s, &e1, base);                                                              \
        type v2 = host(s, &e2, base);                                                              \
        ck_assert_msg(v1 == v2 && e1 == e2 && sietch_errno == errno,                               \
                      #host "(\"%s\", %d): lib/c %lld end +%td errno %d, host %lld end +%td "      \
                            "errno %d",                                                            \
                      s, base, (long long)v1, e1 - (s), sietch_errno, (long long)v2, e2 - (s),     \
                      errno);                                                                      \
    } while (0)

static void same_all(const char *s, int base)
{
    SAME_CONVERSION(sietch_strtol, strtol, long, s, base);
    SAME_CONVERSION(sietch_strtoll, strtoll, long long, s, base);
    SAME_CONVERSION(sietch_strtoul, strtoul, unsigned long, s, base);
    SAME_CONVERSION(sietch_strtoull, strtoull, unsigned long long, s, base);
    SAME_CONVERSION(sietch_strtoimax, strtoimax, intmax_t, s, base);
    SAME_CONVERSION(sietch_strtoumax, strtoumax, uintmax_t, s, base);
}

static const char *const edge_cases[] = {
    "",
    " ",
    "+",
    "-",
    "+-1",
    "- 1",
    "0",
    "-0",
    "+0",
    "00",
    "1 2",
    "42abc",
    "\t\n\v\f\r 42",
    // Prefixes: "0x" needs a hex digit after it to count.
    "0x",
    "0X",
    "0xg",
    "0x1f",
    "0X1F",
    "-0x1a",
    "  +0xA",
    "0x0x1",
    "077",
    "-077",
    "08",
    "09",
    "0b101",
    "1z",
    "zz",
    "Zz",
    // The limits of 64 bits, and just past them.
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551615",
    "-18446744073709551616",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "-0x8000000000000000",
    "-0x8000000000000001",
    "1111111111111111111111111111111111111111111111111111111111111111",
    "11111111111111111111111111111111111111111111111111111111111111111",
    "3w5e11264sgsf",
    "3w5e11264sgsg",
    "-3w5e11264sgsg",
    "000000000000000000000000000001",
};

START_TEST(test_edge_cases)
{
    static const int bases[] = {0, 2, 8, 10, 16, 36, 3, 35};
    for (size_t i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++) {
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
            same_all(edge_cases[i], bases[b]);
    }
}
END_TEST

START_TEST(test_random_inputs)
{
    srand(5);
    const char alphabet[] = "0123456789abcdefxXzZ+- \t";
    char s[40];
    for (int iter = 0; iter < 50000; iter++) {
        size_t len = rand() % 30;
        for (size_t i = 0; i < len; i++)
            s[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
        s[len] = 0;
        int base = rand() % 3 == 0 ? 0 : 2 + rand() % 35;
        same_all(s, base);
    }
}
END_TEST

START_TEST(test_bad_base)
{
    static const int bad[] = {1, 37, -1, 100, INT_MIN};
    const char *s = "123";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *end = NULL;
        sietch_errno = 0;
        ck_assert_int_eq(sietch_strtol(s, &end, bad[i]), 0);
        ck_assert_int_eq(sietch_errno, EINVAL);
        ck_assert_ptr_eq(end, s);
        sietch_errno = 0;
        ck_assert_uint_eq(sietch_strtoull(s, &end, bad[i]), 0);
        ck_assert_int_eq(sietch_errno, EINVAL);
    }
}
END_TEST

START_TEST(test_no_end_pointer)
{
    sietch_errno = 0;
    ck_assert_int_eq(sietch_strtol("  -17xyz", NULL, 10), -17);
    ck_assert_int_eq(sietch_errno, 0); // success leaves errno alone
    sietch_errno = 12345;
    ck_assert_uint_eq(sietch_strtoul("10", NULL, 0), 10);
    ck_assert_int_eq(sietch_errno, 12345);
}
END_TEST

START_TEST(test_atoi_abs)
{
    ck_assert_int_eq(sietch_atoi("  -2147483648"), INT_MIN);
    ck_assert_int_eq(sietch_atoi("2147483647"), INT_MAX);
    ck_assert_int_eq(sietch_atoi("12abc"), 12);
    ck_assert_int_eq(sietch_atoi("abc"), 0);
    ck_assert_int_eq(sietch_atoi("0x10"), 0); // base 10 only
    ck_assert_int_eq(sietch_atol("-9223372036854775807"), -9223372036854775807L);
    ck_assert_int_eq(sietch_atoll("077"), 77);
    ck_assert_int_eq(sietch_abs(-5), 5);
    ck_assert_int_eq(sietch_abs(5), 5);
    ck_assert_int_eq(sietch_labs(LONG_MIN + 1), LONG_MAX);
    ck_assert_int_eq(sietch_llabs(-3), 3);
    ck_assert_int_eq(sietch_imaxabs(-INTMAX_MAX), INTMAX_MAX);
}
END_TEST

START_TEST(test_rand)
{
    // Never seeded: the sequence of seed 1.
    int first[8];
    for (int i = 0; i < 8; i++)
        first[i] = sietch_rand();
    sietch_srand(1);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(sietch_rand(), first[i]);
    // Another seed, another sequence; the same seed, the same one.
    sietch_srand(2);
    int other = sietch_rand();
    sietch_srand(2);
    ck_assert_int_eq(sietch_rand(), other);
    ck_assert_int_ne(other, first[0]);
    // In range, and spread: each low 4-bit value and each top quarter of the
    // range turns up about equally often (expected 10000 / 4 = 2500).
    int low[16] = {0}, quarter[4] = {0};
    sietch_srand(12345);
    for (int i = 0; i < 40000; i++) {
        int r = sietch_rand();
        ck_assert(r >= 0 && r <= 0x7fffffff);
        low[r & 15]++;
        quarter[r >> 29]++;
    }
    for (int i = 0; i < 16; i++)
        ck_assert_msg(low[i] > 2200 && low[i] < 2800, "low bits %d: %d times", i, low[i]);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(quarter[i] > 9400 && quarter[i] < 10600, "quarter %d: %d", i, quarter[i]);
}
END_TEST

START_TEST(test_getenv)
{
    ck_assert_ptr_null(sietch_getenv("PATH"));
    ck_assert_ptr_null(sietch_getenv(""));
}
END_TEST

static Suite *stdlib_suite(void)
{
    Suite *s = suite_create("libc_stdlib");
    TCase *tc = tcase_create("stdlib");
    tcase_add_test(tc, test_edge_cases);
    tcase_add_test(tc, test_random_inputs);
    tcase_add_test(tc, test_bad_base);
    tcase_add_test(tc, test_no_end_pointer);
    tcase_add_test(tc, test_atoi_abs);
    tcase_add_test(tc, test_rand);
    tcase_add_test(tc, test_getenv);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(stdlib_suite)
