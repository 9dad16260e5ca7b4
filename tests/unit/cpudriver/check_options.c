/* tests/unit/cpudriver/check_options.c: CPU driver command-line lookup. */
#include <options.h>
#include <unit.h>

static const char *cmd =
    "ktest panic=exit  crash=pf ticks=0x20 n=12 bad=12x big=99999999999999999999";

START_TEST(test_get)
{
    char v[16];
    ck_assert(opt_get(cmd, "panic", v, sizeof(v)));
    ck_assert_str_eq(v, "exit");
    ck_assert(opt_get(cmd, "ktest", v, sizeof(v)));
    ck_assert_str_eq(v, "");
    ck_assert(opt_get(cmd, "crash", v, sizeof(v)));
    ck_assert_str_eq(v, "pf");
    ck_assert(!opt_get(cmd, "kt", v, sizeof(v))); // prefixes do not match
    ck_assert(!opt_get(cmd, "pf", v, sizeof(v))); // values are not keys
    ck_assert(!opt_get(cmd, "panic", v, 4));      // "exit" does not fit in 4
    ck_assert(!opt_get("", "x", v, sizeof(v)));
    ck_assert(!opt_get(NULL, "x", v, sizeof(v)));
}
END_TEST

START_TEST(test_has_and_uint)
{
    ck_assert(opt_has(cmd, "ktest"));
    ck_assert(opt_has(cmd, "crash"));
    ck_assert(!opt_has(cmd, "shutdown"));
    ck_assert_uint_eq(opt_uint(cmd, "ticks", 1), 0x20);
    ck_assert_uint_eq(opt_uint(cmd, "n", 1), 12);
    ck_assert_uint_eq(opt_uint(cmd, "bad", 7), 7);
    ck_assert_uint_eq(opt_uint(cmd, "big", 7), 7);   // overflow: default
    ck_assert_uint_eq(opt_uint(cmd, "ktest", 7), 7); // no value: default
    ck_assert_uint_eq(opt_uint(cmd, "missing", 9), 9);
    ck_assert_uint_eq(opt_uint("x=0x", "x", 9), 9);
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, test_get);
    tcase_add_test(tc, test_has_and_uint);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(options_suite)
