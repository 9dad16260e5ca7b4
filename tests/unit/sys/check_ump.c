/* tests/unit/sys/check_ump.c: UMP rings (lib/sys/ump.c) in host memory: both ends of a channel
 * in one buffer, sequentially (order, payloads, the ring full until the receiver acknowledges,
 * wrap-around, close, the sleep flag) and with the two ends on two threads. */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sys.h>
#include <sys/ump.h>
#include <unit.h>

#define BUF_BYTES 4096 // two rings of a header and 31 slots

// ump.c asks whether the kernel traces (the dispatcher frame's word at
// DISPFRAME_VA): a page there, zeroed, says no.
static void setup(void)
{
    void *frame = mmap((void *)DISPFRAME_VA, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    ck_assert_msg(frame == (void *)DISPFRAME_VA, "cannot map the dispatcher frame's page");
}

uint64_t sys_pid(void) { return 7; }

static _Alignas(64) uint8_t buf[BUF_BYTES];
static struct ump_chan a, b;

static void open_both(void)
{
    memset(buf, 0, sizeof(buf));
    ump_init(&a, buf, sizeof(buf), true);
    ump_init(&b, buf, sizeof(buf), false);
}

static void msg(uint64_t n, uint64_t w[UMP_WORDS])
{
    for (unsigned i = 0; i < UMP_WORDS; i++)
        w[i] = n * 0x100 + i;
}

static void send_ok(struct ump_chan *c, uint64_t n)
{
    uint64_t w[UMP_WORDS];
    msg(n, w);
    errval_t err = ump_send(c, w);
    ck_assert_msg(err_is_ok(err), "send %lu: %s", n, err_name(err));
}

static void recv_ok(struct ump_chan *c, uint64_t n)
{
    uint64_t w[UMP_WORDS], want[UMP_WORDS];
    msg(n, want);
    ck_assert_msg(ump_pending(c), "message %lu not pending", n);
    errval_t err = ump_recv(c, w);
    ck_assert_msg(err_is_ok(err), "receive %lu: %s", n, err_name(err));
    ck_assert_msg(!memcmp(w, want, sizeof(w)), "message %lu: wrong payload (word 0 %#lx)", n, w[0]);
}

static void nothing(struct ump_chan *c)
{
    uint64_t w[UMP_WORDS];
    ck_assert(!ump_pending(c));
    ck_assert_uint_eq(err_no(ump_recv(c, w)), LMP_ERR_NO_MESSAGE);
}

START_TEST(test_in_order_both_ways)
{
    open_both();
    ck_assert_uint_eq(a.slots, BUF_BYTES / 2 / UMP_MSG_BYTES - 1);
    nothing(&a);
    nothing(&b);
    for (uint64_t n = 1; n <= 3; n++)
        send_ok(&a, n);
    nothing(&a); // a's own messages are not for a
    send_ok(&b, 100);
    recv_ok(&a, 100);
    for (uint64_t n = 1; n <= 3; n++)
        recv_ok(&b, n);
    nothing(&b);
    nothing(&a);
    ck_assert_uint_eq(a.tx_seq, 3);
    ck_assert_uint_eq(b.rx_seq, 3);
}
END_TEST

START_TEST(test_full_until_acked)
{
    open_both();
    uint64_t w[UMP_WORDS] = {0};
    for (uint64_t n = 1; n <= a.slots; n++)
        send_ok(&a, n);
    ck_assert_uint_eq(err_no(ump_send(&a, w)), SYS_ERR_WOULD_BLOCK);
    ck_assert_uint_eq(a.tx_seq, a.slots); // a refused send counts nothing
    // The receiver's acknowledgement is in the sender's transmit header.
    recv_ok(&b, 1);
    ck_assert_uint_eq(a.tx_hdr->acked, 1);
    send_ok(&a, a.slots + 1);
    ck_assert_uint_eq(err_no(ump_send(&a, w)), SYS_ERR_WOULD_BLOCK);
    for (uint64_t n = 2; n <= a.slots + 1; n++)
        recv_ok(&b, n);
    ck_assert_uint_eq(a.tx_hdr->acked, a.slots + 1);
    nothing(&b);
}
END_TEST

START_TEST(test_wrap_around)
{
    open_both();
    uint64_t sent = 0, got = 0;
    // Bursts of every size up to a full ring, many times round it.
    for (unsigned burst = 1; sent < 20 * a.slots; burst = burst % a.slots + 1) {
        for (unsigned i = 0; i < burst; i++)
            send_ok(&a, ++sent);
        for (unsigned i = 0; i < burst; i++)
            recv_ok(&b, ++got);
        // The slot after the last holds a message of the lap before: not new.
        nothing(&b);
    }
    ck_assert_uint_eq(b.rx_seq, sent);
}
END_TEST

START_TEST(test_closed)
{
    open_both();
    send_ok(&a, 1);
    send_ok(&a, 2);
    ump_close_buffer(buf, sizeof(buf));
    uint64_t w[UMP_WORDS] = {0};
    ck_assert_uint_eq(err_no(ump_send(&a, w)), UMP_ERR_CLOSED);
    ck_assert_uint_eq(err_no(ump_send(&b, w)), UMP_ERR_CLOSED);
    // What was sent before is still taken, then the channel says closed.
    recv_ok(&b, 1);
    recv_ok(&b, 2);
    ck_assert_uint_eq(err_no(ump_recv(&b, w)), UMP_ERR_CLOSED);
    ck_assert_uint_eq(err_no(ump_recv(&a, w)), UMP_ERR_CLOSED);
}
END_TEST

START_TEST(test_sleep_flag)
{
    open_both();
    // Nothing there: b may sleep, and asked a (a's transmit header) to wake it.
    ck_assert(!ump_prepare_sleep(&b));
    ck_assert_uint_eq(b.rx_hdr->sleeping, 1);
    ck_assert_uint_eq(a.tx_hdr->sleeping, 1);
    ump_awake(&b);
    ck_assert_uint_eq(a.tx_hdr->sleeping, 0);
    // A message came in meanwhile: do not sleep.
    send_ok(&a, 1);
    ck_assert(ump_prepare_sleep(&b));
    ump_awake(&b);
    recv_ok(&b, 1);
    ck_assert(!ump_prepare_sleep(&b));
    ump_awake(&b);
    // Closed: do not sleep either.
    ump_close_buffer(buf, sizeof(buf));
    ck_assert(ump_prepare_sleep(&b));
}
END_TEST

START_TEST(test_message_appears_whole)
{
    open_both();
    send_ok(&a, 1);
    // Until its seq is written a message is not there, whatever the payload.
    struct ump_msg *m = &b.rx[0];
    uint64_t seq = m->seq;
    m->seq = 0;
    nothing(&b);
    m->seq = seq;
    recv_ok(&b, 1);
}
END_TEST

// ---- Two threads: a sender and a receiver that spin on a full or empty ring ----

#define THREAD_MSGS 200000u

static void *sender(void *arg)
{
    (void)arg;
    for (uint64_t n = 1; n <= THREAD_MSGS;) {
        uint64_t w[UMP_WORDS];
        msg(n, w);
        errval_t err = ump_send(&a, w);
        if (err_is_ok(err))
            n++;
        else if (err_no(err) != SYS_ERR_WOULD_BLOCK)
            return (void *)(uintptr_t)err;
    }
    return NULL;
}

START_TEST(test_two_threads)
{
    open_both();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, sender, NULL), 0);
    uint64_t bad = 0, errors = 0;
    for (uint64_t n = 1; n <= THREAD_MSGS;) {
        uint64_t w[UMP_WORDS], want[UMP_WORDS];
        errval_t err = ump_recv(&b, w);
        if (err_no(err) == LMP_ERR_NO_MESSAGE)
            continue;
        if (err_is_fail(err)) {
            errors++;
            break;
        }
        msg(n, want);
        if (memcmp(w, want, sizeof(w)) && !bad)
            bad = n;
        n++;
    }
    void *ret;
    pthread_join(t, &ret);
    ck_assert_msg(!errors, "the receiver got an error");
    ck_assert_msg(ret == NULL, "the sender got an error: %s", err_name((errval_t)(uintptr_t)ret));
    ck_assert_msg(!bad, "message %lu torn or out of order", bad);
    nothing(&b);
}
END_TEST

static Suite *ump_suite(void)
{
    Suite *s = suite_create("ump");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_in_order_both_ways);
    tcase_add_test(tc, test_full_until_acked);
    tcase_add_test(tc, test_wrap_around);
    tcase_add_test(tc, test_closed);
    tcase_add_test(tc, test_sleep_flag);
    tcase_add_test(tc, test_message_appears_whole);
    tcase_add_test(tc, test_two_threads);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(ump_suite)
