/* tests/unit/kpi/check_errors.c: errval_t chains: push, pop, err_has, the layer table, the printer.
 */
#include <kpi/errors.h>
#include <string.h>
#include <unit.h>

START_TEST(test_push_pop)
{
    errval_t e = err_push(err_push(NETCTL_ERR_NO_VNIC, NETCTL_ERR_CALL), VNIC_ERR_OPEN);
    ck_assert(err_is_fail(e));
    ck_assert_int_eq(err_no(e), VNIC_ERR_OPEN);
    ck_assert_int_eq(err_no(err_pop(e)), NETCTL_ERR_CALL);
    ck_assert_int_eq(err_no(err_pop(err_pop(e))), NETCTL_ERR_NO_VNIC);
    ck_assert(err_is_ok(err_pop(err_pop(err_pop(e)))));
    ck_assert(!(e & ERR_TRUNCATED));
    ck_assert_int_eq(err_root(e), NETCTL_ERR_NO_VNIC);
    ck_assert_int_eq(err_root(NETCTL_ERR_NO_VNIC), NETCTL_ERR_NO_VNIC);
    ck_assert_int_eq(err_root(SYS_ERR_OK), SYS_ERR_OK);
}
END_TEST

START_TEST(test_has)
{
    errval_t e = err_push(err_push(MM_ERR_NO_MEMORY, MM_ERR_CALL), DMA_ERR_ALLOC);
    ck_assert(err_has(e, MM_ERR_NO_MEMORY));
    ck_assert(err_has(e, MM_ERR_CALL));
    ck_assert(err_has(e, DMA_ERR_ALLOC));
    ck_assert(!err_has(e, MM_ERR_NOT_OWNER));
    ck_assert(!err_has(e, SYS_ERR_OK));
    ck_assert(err_has(SYS_ERR_OK, SYS_ERR_OK));
    ck_assert(!err_has(SYS_ERR_OK, MM_ERR_NO_MEMORY));
    // The last code of the table survives a push (all 10 bits).
    errval_t last = err_push(ERR_CODE_COUNT - 1, SYS_ERR_IO);
    ck_assert(err_has(last, ERR_CODE_COUNT - 1));
}
END_TEST

// Seven pushes: the oldest code goes, the six newest stay in order, and the
// truncation bit says so without disturbing err_no, err_pop or err_has.
START_TEST(test_truncation)
{
    static const enum err_code codes[7] = {
        CAP_ERR_SLOT_EMPTY, LMP_ERR_CAP_TRANSFER, NETCTL_ERR_CALL, DMA_ERR_MAP,
        DMA_ERR_ALLOC,      VNIC_ERR_OPEN,        SPAWN_ERR_LOAD};
    errval_t e = codes[0];
    for (unsigned i = 1; i < ERR_CHAIN_MAX; i++)
        e = err_push(e, codes[i]);
    ck_assert(!(e & ERR_TRUNCATED)); // six fit
    e = err_push(e, codes[6]);
    ck_assert(e & ERR_TRUNCATED);
    ck_assert(!err_has(e, CAP_ERR_SLOT_EMPTY));
    for (int i = 6; i >= 1; i--) {
        ck_assert_int_eq(err_no(e), codes[i]);
        e = err_pop(e);
    }
    ck_assert(err_is_ok(e));
    // Stays set through further pushes.
    errval_t f = err_push(err_push(codes[6], codes[5]), codes[4]);
    for (unsigned i = 0; i < 6; i++)
        f = err_push(f, SYS_ERR_IO);
    ck_assert(f & ERR_TRUNCATED);
    ck_assert(err_push(f, SYS_ERR_IO) & ERR_TRUNCATED);
}
END_TEST

START_TEST(test_names_layers)
{
    ck_assert_str_eq(err_name(NETCTL_ERR_NO_VNIC), "NETCTL_ERR_NO_VNIC");
    ck_assert_str_eq(err_layer(NETCTL_ERR_NO_VNIC), "netctl (network control plane, usr/netctl)");
    ck_assert_str_eq(err_layer(NET_ERR_BUSY),
                     "network stack (lib/os/net)"); // not NETCTL's or NETD's
    ck_assert_str_eq(err_layer(NETD_ERR_FULL), "netd (kernel-mediated network path)");
    ck_assert_str_eq(err_layer(SYS_ERR_OK), "generic");
    ck_assert_str_eq(err_name(1023), "?");
    ck_assert_str_eq(err_layer(1023), "?");
}
END_TEST

// Every code of the table has a layer: a new group of codes needs a line
// in lib/kpi/errors.c's table.
START_TEST(test_every_code_has_a_layer)
{
    for (unsigned c = 0; c < ERR_CODE_COUNT; c++)
        ck_assert_msg(strcmp(err_layer(c), "?"), "%s has no layer", err_name(c));
}
END_TEST

START_TEST(test_format)
{
    char buf[1024];
    errval_t e = err_push(err_push(NETCTL_ERR_NO_VNIC, NETCTL_ERR_CALL), VNIC_ERR_OPEN);
    unsigned long n = err_chain_format(e, buf, sizeof(buf));
    ck_assert_uint_eq(n, strlen(buf));
    const char *want =
        "VNIC_ERR_OPEN [VNICs (library OS, lib/os/vnic)]: vnic_open could not open a VNIC; what "
        "it had set up is undone\n"
        "  <- NETCTL_ERR_CALL [netctl (network control plane, usr/netctl)]: a request to netctl "
        "failed (netctl's answer, or the channel's error, below)\n"
        "  <- NETCTL_ERR_NO_VNIC [netctl (network control plane, usr/netctl)]: every VNIC (VF) "
        "is in use";
    ck_assert_str_eq(buf, want);
    // Success is one line; a truncated chain says so.
    err_chain_format(SYS_ERR_OK, buf, sizeof(buf));
    ck_assert_str_eq(buf, "SYS_ERR_OK [generic]: success");
    errval_t t = SYS_ERR_IO;
    for (unsigned i = 0; i < ERR_CHAIN_MAX; i++)
        t = err_push(t, SYS_ERR_IO);
    err_chain_format(t, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "older causes did not fit"));
}
END_TEST

START_TEST(test_format_small_buffer)
{
    char buf[16];
    memset(buf, 'x', sizeof(buf));
    unsigned long n = err_chain_format(err_push(MM_ERR_NO_MEMORY, MM_ERR_CALL), buf, sizeof(buf));
    ck_assert_uint_eq(n, 15);
    ck_assert_str_eq(buf, "MM_ERR_CALL [me");
    ck_assert_uint_eq(err_chain_format(MM_ERR_CALL, buf, 1), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(err_chain_format(MM_ERR_CALL, NULL, 0), 0);
}
END_TEST

START_TEST(test_ignore_compiles)
{
    // err_ignore consumes a MUST_CHECK result (a (void) cast does not, under GCC).
    err_ignore(err_push(SYS_ERR_IO, SYS_ERR_BUSY), "a test of the idiom itself");
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, test_push_pop);
    tcase_add_test(tc, test_has);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_names_layers);
    tcase_add_test(tc, test_every_code_has_a_layer);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_small_buffer);
    tcase_add_test(tc, test_ignore_compiles);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(errors_suite)
