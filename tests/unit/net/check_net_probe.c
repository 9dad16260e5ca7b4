/* tests/unit/net/check_net_probe.c: the data path's phase probes (os/probe.h), alone and in the
 * stack. */
#include "fixture.h"

#include <check.h>
#include <net/native.h>
#include <os/probe.h>
#include <string.h>
#include <unit.h>

// Let some cycles pass (the TSC is real here).
static void spin(void)
{
    uint64_t t = os_probe_tsc();
    while (os_probe_tsc() - t < 2000)
        ;
}

static uint64_t sum(const struct os_probe *t)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < OS_PROBE_NPHASES; i++)
        s += t->cycles[i];
    return s;
}

static void probes_fresh(void) { memset(&os_probe, 0, sizeof(os_probe)); }

START_TEST(test_off_until_reset)
{
    probes_fresh();
    os_probe_push(OS_PROBE_API);
    spin();
    os_probe_pop();
    os_probe_pop_as(OS_PROBE_WAIT); // nothing open: ignored
    struct os_probe t;
    os_probe_snapshot(&t);
    ck_assert(!t.on);
    ck_assert_uint_eq(sum(&t), 0);
    ck_assert_uint_eq(t.depth, 0);
}
END_TEST

// Time goes to the innermost phase only; pop_as labels all the phase's
// own time (before and after its inner phase), not the inner phase's;
// the phases add up to the interval exactly.
START_TEST(test_exclusive_nesting)
{
    probes_fresh();
    os_probe_reset();
    ck_assert(os_probe.on);
    ck_assert_uint_gt(os_probe.pair_cost, 0);
    spin();                      // app
    os_probe_push(OS_PROBE_API); // api
    spin();
    os_probe_push(OS_PROBE_COPY_IN);
    spin();
    os_probe_pop(); // copy_in
    spin();
    os_probe_pop_as(OS_PROBE_WAIT); // the api's second stretch is waiting
    struct os_probe t;
    os_probe_snapshot(&t);
    ck_assert_uint_eq(t.depth, 0);
    ck_assert_uint_ge(t.cycles[OS_PROBE_APP], 2000);
    ck_assert_uint_eq(t.cycles[OS_PROBE_API], 0); // both its stretches were waiting
    ck_assert_uint_ge(t.cycles[OS_PROBE_WAIT], 4000);
    ck_assert_uint_ge(t.cycles[OS_PROBE_COPY_IN], 2000);
    ck_assert_uint_eq(t.cycles[OS_PROBE_DRV_RX], 0);
    ck_assert_uint_eq(t.marks, 1); // the copy; waiting is not counted
    ck_assert_uint_eq(sum(&t), t.mark - t.since);
}
END_TEST

// Deeper than the table's stack: the inner marks share its top, the
// depth comes back to 0 and nothing is written out of bounds.
START_TEST(test_too_deep)
{
    probes_fresh();
    os_probe_reset();
    for (int i = 0; i < 3 * OS_PROBE_DEPTH; i++)
        os_probe_push(OS_PROBE_STACK_IN);
    ck_assert_uint_eq(os_probe.depth, OS_PROBE_DEPTH);
    spin();
    for (int i = 0; i < 3 * OS_PROBE_DEPTH; i++) {
        ck_assert_uint_gt(os_probe.depth, 0);
        os_probe_pop();
    }
    ck_assert_uint_eq(os_probe.depth, 0);
    ck_assert_uint_eq(os_probe.over, 0);
    struct os_probe t;
    os_probe_snapshot(&t);
    ck_assert_uint_eq(sum(&t), t.mark - t.since);
}
END_TEST

// A reset while phases are open (netd's, inside a request) keeps them.
START_TEST(test_reset_keeps_open_phases)
{
    probes_fresh();
    os_probe_reset();
    os_probe_push(OS_PROBE_IPC);
    os_probe_reset();
    ck_assert_uint_eq(os_probe.depth, 1);
    spin();
    os_probe_pop();
    struct os_probe t;
    os_probe_snapshot(&t);
    ck_assert_uint_ge(t.cycles[OS_PROBE_IPC], 2000);
    ck_assert_uint_eq(t.depth, 0);
}
END_TEST

// The stack's own marks pair up: after every socket and native call the
// depth is 0 again, the phases of a UDP echo are all charged, and they
// add up to the interval.
START_TEST(test_stack_marks_pair_up)
{
    probes_fresh();
    os_probe_reset();
    struct net_udp *u;
    ck_assert(err_is_ok(net_udp_open(fx.b, htons(9), 16, &u)));
    int server = fx_socket(SOCK_DGRAM, FX_IP_B, 7), client = fx_socket(SOCK_DGRAM, 0, 0);
    struct sockaddr_in to7 = fx_addr(FX_IP_B, 7), to9 = fx_addr(FX_IP_B, 9), from;
    char buf[256];
    for (int i = 0; i < 20; i++) {
        socklen_t flen = sizeof(from);
        ck_assert_int_eq(
            net_sock_sendto(client, "ping", 4, 0, (struct sockaddr *)&to7, sizeof(to7)), 4);
        ck_assert_uint_eq(os_probe.depth, 0);
        ck_assert_int_eq(
            net_sock_recvfrom(server, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
        ck_assert_uint_eq(os_probe.depth, 0);
        ck_assert_int_eq(
            net_sock_sendto(client, "pong", 4, 0, (struct sockaddr *)&to9, sizeof(to9)), 4);
        struct net_udp_pkt rx[4], tx[4];
        unsigned n = 0, got, sent;
        for (int k = 0; k < 100 && n == 0; k++) {
            ck_assert(err_is_ok(net_udp_recv(u, rx, 4, &n)));
            ck_assert_uint_eq(os_probe.depth, 0);
            if (n == 0)
                fx_run(1000);
        }
        ck_assert_uint_eq(n, 1);
        if (i % 2) { // in place (on this queue, by a copy: no NETQ_TX_RX_BUF)
            ck_assert(err_is_ok(net_udp_reply(u, rx, 1, &sent)));
            ck_assert_uint_eq(sent, 1);
            ck_assert_uint_eq(os_probe.depth, 0);
        } else {
            ck_assert(err_is_ok(net_udp_alloc(u, tx, 1, &got)));
            memcpy(tx[0].data, rx[0].data, rx[0].len);
            tx[0].len = rx[0].len;
            tx[0].ip = rx[0].ip;
            tx[0].port = rx[0].port;
            memcpy(tx[0].mac, rx[0].mac, 6);
            ck_assert(err_is_ok(net_udp_send(u, tx, 1, &sent)));
            ck_assert(err_is_ok(net_udp_done(u, rx, 1)));
        }
        ck_assert_uint_eq(os_probe.depth, 0);
        flen = sizeof(from);
        ck_assert_int_eq(
            net_sock_recvfrom(client, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
        ck_assert_uint_eq(os_probe.depth, 0);
    }
    struct os_probe t;
    os_probe_snapshot(&t);
    enum os_probe_phase charged[] = {OS_PROBE_STACK_IN, OS_PROBE_STACK_OUT, OS_PROBE_API,
                                     OS_PROBE_COPY_IN,  OS_PROBE_COPY_OUT,  OS_PROBE_APP};
    for (unsigned i = 0; i < sizeof(charged) / sizeof(charged[0]); i++)
        ck_assert_msg(t.cycles[charged[i]] > 0, "phase %u charged nothing", charged[i]);
    ck_assert_uint_eq(sum(&t), t.mark - t.since);
    ck_assert(err_is_ok(net_udp_close(u)));
    ck_assert_int_eq(net_sock_close(client), 0);
    ck_assert_int_eq(net_sock_close(server), 0);
    os_probe.on = false;
}
END_TEST

static Suite *probe_suite(void)
{
    Suite *s = suite_create("net_probe");
    TCase *alone = tcase_create("probe");
    tcase_add_test(alone, test_off_until_reset);
    tcase_add_test(alone, test_exclusive_nesting);
    tcase_add_test(alone, test_too_deep);
    tcase_add_test(alone, test_reset_keeps_open_phases);
    suite_add_tcase(s, alone);
    TCase *stack = tcase_create("stack");
    tcase_set_timeout(stack, 60);
    tcase_add_checked_fixture(stack, fx_setup, fx_teardown);
    tcase_add_test(stack, test_stack_marks_pair_up);
    suite_add_tcase(s, stack);
    return s;
}

UNIT_MAIN(probe_suite)
