/* tests/unit/sys/check_limits.c: per-process limits: checks at and past the limit, narrowing
 * to the parent's, packing into RPC words, parsing and printing the shell's values. */
#include <string.h>
#include <sys/limits.h>
#include <unit.h>

static struct proc_limits small(void)
{
    return (struct proc_limits){.max = {8u << 20, 1, 2, 1, 0, 3}};
}

START_TEST(test_check)
{
    struct proc_limits l = small();
    ck_assert_uint_eq(limit_check(&l, LIMIT_MEM, 0, 8u << 20), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&l, LIMIT_MEM, 4u << 20, 4u << 20), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&l, LIMIT_MEM, 4u << 20, (4u << 20) + 1), LIMIT_ERR_MEMORY);
    ck_assert_uint_eq(limit_check(&l, LIMIT_MEM, 9u << 20, 0), LIMIT_ERR_MEMORY);   // over already
    ck_assert_uint_eq(limit_check(&l, LIMIT_MEM, 1, UINT64_MAX), LIMIT_ERR_MEMORY); // wraps
    ck_assert_uint_eq(limit_check(&l, LIMIT_DOMAINS, 0, 1), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&l, LIMIT_DOMAINS, 1, 1), LIMIT_ERR_DOMAINS);
    ck_assert_uint_eq(limit_check(&l, LIMIT_VECTORS, 1, 1), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&l, LIMIT_VECTORS, 2, 1), LIMIT_ERR_VECTORS);
    ck_assert_uint_eq(limit_check(&l, LIMIT_VNICS, 1, 1), LIMIT_ERR_VNICS);
    ck_assert_uint_eq(limit_check(&l, LIMIT_VSICS, 0, 1), LIMIT_ERR_VSICS); // none allowed
    ck_assert_uint_eq(limit_check(&l, LIMIT_CHANS, 2, 1), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&l, LIMIT_CHANS, 3, 1), LIMIT_ERR_CHANNELS);
    ck_assert_uint_eq(limit_check(&l, LIMIT_COUNT, 0, 0), SYS_ERR_INVALID_ARGS);
    // No limit takes anything, even the whole address space.
    ck_assert_uint_eq(limit_check(&proc_limits_none, LIMIT_MEM, UINT64_MAX - 1, 1), SYS_ERR_OK);
    ck_assert_uint_eq(limit_check(&proc_limits_none, LIMIT_CHANS, 1u << 20, 1), SYS_ERR_OK);
    for (unsigned r = 0; r < LIMIT_COUNT; r++) {
        ck_assert_uint_eq(err_no(limit_err(r)), limit_err(r));
        ck_assert_ptr_nonnull(strstr(err_msg(limit_err(r)), "process limit on"));
    }
}
END_TEST

START_TEST(test_narrow)
{
    struct proc_limits parent = small(), child = proc_limits_none;
    proc_limits_narrow(&child, &parent); // asking for everything gets the parent's
    ck_assert_mem_eq(&child, &parent, sizeof(child));
    child = (struct proc_limits){.max = {1u << 20, 5, 1, 1, 1, 1}};
    proc_limits_narrow(&child, &parent); // each field the smaller
    struct proc_limits want = {.max = {1u << 20, 1, 1, 1, 0, 1}};
    ck_assert_mem_eq(&child, &want, sizeof(child));
    child = proc_limits_default;
    proc_limits_narrow(&child, &proc_limits_none); // under init: the defaults stay
    ck_assert_mem_eq(&child, &proc_limits_default, sizeof(child));
}
END_TEST

START_TEST(test_pack)
{
    uint64_t w[3];
    struct proc_limits l = small(), back;
    proc_limits_pack(&l, w);
    proc_limits_unpack(w, &back);
    ck_assert_mem_eq(&l, &back, sizeof(l));
    proc_limits_pack(&proc_limits_none, w);
    proc_limits_unpack(w, &back);
    ck_assert_mem_eq(&proc_limits_none, &back, sizeof(back));
    proc_limits_pack(&proc_limits_default, w);
    proc_limits_unpack(w, &back);
    ck_assert_mem_eq(&proc_limits_default, &back, sizeof(back));
    // A count too large for 16 bits travels as no limit, never as a small one.
    l.max[LIMIT_VECTORS] = 0x10001;
    proc_limits_pack(&l, w);
    proc_limits_unpack(w, &back);
    ck_assert_uint_eq(back.max[LIMIT_VECTORS], LIMIT_NONE);
    ck_assert_uint_eq(back.max[LIMIT_DOMAINS], 1);
    ck_assert_uint_eq(back.max[LIMIT_VNICS], 1);
}
END_TEST

START_TEST(test_parse)
{
    uint64_t v = 7;
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, "8M", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 8u << 20);
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, "64K", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 64u << 10);
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, "2G", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 2ull << 30);
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, "4096", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 4096);
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, "none", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, LIMIT_NONE);
    ck_assert_uint_eq(limit_parse(LIMIT_VECTORS, "0", &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 0);
    ck_assert_uint_eq(limit_parse(LIMIT_CHANS, "65534", &v), SYS_ERR_OK);
    v = 7;
    const char *bad_mem[] = {
        "", "M", "8MB", "8m", "-1", "8 M", "99999999999G", "18446744073709551616", NULL};
    for (unsigned i = 0; bad_mem[i]; i++)
        ck_assert_uint_eq(limit_parse(LIMIT_MEM, bad_mem[i], &v), SYS_ERR_INVALID_ARGS);
    const char *bad_count[] = {"", "2K", "x", "65535", "1e3", NULL};
    for (unsigned i = 0; bad_count[i]; i++)
        ck_assert_uint_eq(limit_parse(LIMIT_DOMAINS, bad_count[i], &v), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(v, 7); // untouched by every refusal
    ck_assert_uint_eq(limit_by_name("vectors"), LIMIT_VECTORS);
    ck_assert_uint_eq(limit_by_name("mem"), LIMIT_MEM);
    ck_assert_uint_eq(limit_by_name("memory"), LIMIT_COUNT);
}
END_TEST

START_TEST(test_format)
{
    char b[24];
    limit_format(LIMIT_MEM, 8u << 20, b, sizeof(b));
    ck_assert_str_eq(b, "8M");
    limit_format(LIMIT_MEM, 1536u << 10, b, sizeof(b));
    ck_assert_str_eq(b, "1536K");
    limit_format(LIMIT_MEM, 3ull << 30, b, sizeof(b));
    ck_assert_str_eq(b, "3G");
    limit_format(LIMIT_MEM, 100, b, sizeof(b));
    ck_assert_str_eq(b, "100");
    limit_format(LIMIT_MEM, 0, b, sizeof(b));
    ck_assert_str_eq(b, "0");
    limit_format(LIMIT_VECTORS, 1024, b, sizeof(b)); // counts are plain numbers
    ck_assert_str_eq(b, "1024");
    limit_format(LIMIT_CHANS, LIMIT_NONE, b, sizeof(b));
    ck_assert_str_eq(b, "none");
    // What format prints, parse reads back.
    uint64_t v;
    limit_format(LIMIT_MEM, 1536u << 10, b, sizeof(b));
    ck_assert_uint_eq(limit_parse(LIMIT_MEM, b, &v), SYS_ERR_OK);
    ck_assert_uint_eq(v, 1536u << 10);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_check);
    tcase_add_test(tc, test_narrow);
    tcase_add_test(tc, test_pack);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(limits_suite)
