/* tests/unit/kv/check_kv_data.c: expiry on a fake clock (lazy and active), maxmemory refusing
 * growth with nothing lost, the write reports, log replay and the snapshot walk. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

START_TEST(test_expire_lazy)
{
    EXPECT("SET k v PX 100", "+OK\r\n");
    EXPECT("PTTL k", ":100\r\n");
    EXPECT("TTL k", ":0\r\n");
    EXPECT("SET k2 v EX 10", "+OK\r\n");
    EXPECT("TTL k2", ":10\r\n");
    h_now += 99;
    EXPECT("GET k", "$1\r\nv\r\n");
    EXPECT("PTTL k", ":1\r\n");
    h_now += 1;
    EXPECT("GET k", "$-1\r\n");
    EXPECT("TTL k", ":-2\r\n");
    ck_assert_str_eq(h_log, "SET k v PXAT 1000100\nSET k2 v PXAT 1010000\nDEL k\n");
    EXPECT("DBSIZE", ":1\r\n");
    EXPECT("EXPIRE nokey 10", ":0\r\n");
    EXPECT("SET p v", "+OK\r\n");
    EXPECT("TTL p", ":-1\r\n");
    EXPECT("EXPIRE p 100", ":1\r\n");
    EXPECT("TTL p", ":100\r\n");
    EXPECT("PERSIST p", ":1\r\n");
    EXPECT("PERSIST p", ":0\r\n");
    EXPECT("PERSIST nokey", ":0\r\n");
    EXPECT("TTL p", ":-1\r\n");
}
END_TEST

START_TEST(test_expire_options)
{
    EXPECT("SET p v", "+OK\r\n");
    EXPECT("EXPIRE p 10 XX", ":0\r\n");
    EXPECT("EXPIRE p 10 GT", ":0\r\n");
    EXPECT("EXPIRE p 10 NX", ":1\r\n");
    EXPECT("EXPIRE p 20 NX", ":0\r\n");
    EXPECT("EXPIRE p 5 GT", ":0\r\n");
    EXPECT("EXPIRE p 50 GT", ":1\r\n");
    EXPECT("EXPIRE p 60 LT", ":0\r\n");
    EXPECT("EXPIRE p 30 LT", ":1\r\n");
    EXPECT("TTL p", ":30\r\n");
    EXPECT("EXPIRE p 10 NX XX",
           "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    EXPECT("EXPIRE p 10 GT LT", "-ERR GT and LT options at the same time are not compatible\r\n");
    EXPECT("EXPIRE p 10 FOO", "-ERR Unsupported option FOO\r\n");
    EXPECT("EXPIRE p x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("EXPIRE p 9223372036854775807", "-ERR invalid expire time in 'expire' command\r\n");
    EXPECT("PEXPIRE p 9223372036854775807", "-ERR invalid expire time in 'pexpire' command\r\n");
    EXPECT("PEXPIRE p 1500", ":1\r\n");
    EXPECT("PTTL p", ":1500\r\n");
    EXPECT("TTL p", ":2\r\n");
    EXPECT("EXPIREAT p 2000", ":1\r\n"); // the clock is at 1,000,000 ms
    EXPECT("PTTL p", ":1000000\r\n");
    EXPECT("PEXPIREAT p 1000001", ":1\r\n");
    EXPECT("PTTL p", ":1\r\n");
    EXPECT("SET q v EXAT 1001", "+OK\r\n");
    EXPECT("PTTL q", ":1000\r\n");
    EXPECT("SET q v PXAT 1000500 KEEPTTL", "-ERR syntax error\r\n");
    EXPECT("SET q w KEEPTTL", "+OK\r\n");
    EXPECT("PTTL q", ":1000\r\n");
    EXPECT("INCR n", ":1\r\n");
    EXPECT("EXPIRE n 10", ":1\r\n");
    EXPECT("INCR n", ":2\r\n");
    EXPECT("TTL n", ":10\r\n");
    EXPECT("SET q w", "+OK\r\n");
    EXPECT("PTTL q", ":-1\r\n");
    EXPECT("EXPIRE q 10", ":1\r\n");
    EXPECT("GETSET q x", "$1\r\nw\r\n");
    EXPECT("PTTL q", ":-1\r\n");
    h_log_len = 0;
    EXPECT("EXPIRE p -1", ":1\r\n"); // a deadline in the past deletes
    EXPECT("EXISTS p", ":0\r\n");
    ck_assert_str_eq(h_log, "DEL p\n");
}
END_TEST

START_TEST(test_expire_active)
{
    char req[64];
    for (int i = 0; i < 200; i++) {
        snprintf(req, sizeof(req), i % 2 ? "SET k%d v" : "SET k%d v PX %d", i, 10 + i);
        EXPECT(req, "+OK\r\n");
    }
    ck_assert_uint_eq(kv_db_expires(h_db), 100);
    ck_assert_uint_eq(kv_active_expire(h_db, h_now, 1000), 0);
    h_log_len = 0;
    // Half of the deadlines (10..108 ms) have passed at 110 ms.
    unsigned total = 0, calls = 0;
    for (unsigned got; (got = kv_active_expire(h_db, h_now + 109, 8)) || calls < 20; calls++) {
        ck_assert_uint_le(got, 16); // a budget of 8 and at most one bucket more
        total += got;
    }
    ck_assert_uint_eq(total, 50);
    ck_assert_uint_eq(kv_db_keys(h_db), 150);
    ck_assert_uint_eq(kv_db_expires(h_db), 50);
    size_t dels = 0;
    for (char *p = h_log; (p = strstr(p, "DEL k")); p++)
        dels++;
    ck_assert_uint_eq(dels, 50);
    ck_assert_uint_eq(kv_active_expire(h_db, h_now + 1000, 1000), 50);
    EXPECT("DBSIZE", ":100\r\n");
    const char *info = h_feed("INFO stats\r\n", 12, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(info, "expired_keys:100\r\n"));
}
END_TEST

// Past maxmemory, commands that may grow the dataset are refused and
// change nothing; reads and deletes still work, and freeing memory
// lets writes in again.
START_TEST(test_maxmemory)
{
    kv_db_set_maxmemory(h_db, kv_db_used_memory(h_db) + 20000);
    const char oom[] = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    char req[256], want[256];
    int n = 0;
    for (;; n++) {
        snprintf(req, sizeof(req), "SET key:%d %0100d\r\n", n, n);
        const char *r = h_feed(req, strlen(req), NULL, NULL);
        if (strcmp(r, "+OK\r\n")) {
            ck_assert_str_eq(r, oom);
            break;
        }
    }
    ck_assert_int_gt(n, 50);
    uint64_t used = kv_db_used_memory(h_db);
    static const char *const refused[] = {
        "SET x 1",    "RPUSH key:0 a",  "SADD s a",     "HSET h f v",     "ZADD z 1 a",
        "INCR key:1", "APPEND key:1 x", "MSET a 1 b 2", "GETSET key:1 x", "LPUSH l a"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        EXPECT(refused[i], oom);
    ck_assert_uint_eq(kv_db_used_memory(h_db), used);
    for (int i = 0; i < n; i++) {
        snprintf(req, sizeof(req), "GET key:%d", i);
        snprintf(want, sizeof(want), "$100\r\n%0100d\r\n", i);
        EXPECT(req, want);
    }
    snprintf(req, sizeof(req), "EXISTS key:%d", n);
    EXPECT(req, ":0\r\n");
    EXPECT("EXPIRE key:0 100", ":1\r\n");
    EXPECT("DEL key:0 key:1 key:2", ":3\r\n");
    EXPECT("SET x 1", "+OK\r\n");
    EXPECT("CONFIG SET maxmemory 0", "+OK\r\n");
    EXPECT("SADD s a", ":1\r\n");
}
END_TEST

// Exactly the commands that changed the dataset, in a form that replays.
START_TEST(test_write_reports)
{
    static const char *const reqs[] = {
        "SET a 1",       "SET a 2 NX",   "GET a",      "DEL nokey",        "DEL a",
        "SET b v EX 10", "EXPIRE b 100", "PERSIST b",  "PERSIST b",        "INCR c",
        "INCR b",        "SADD s x",     "SADD s x",   "SPOP s",           "SPOP s",
        "RPUSH l a b",   "LPOP l 0",     "LPOP l",     "ZADD z 1 m",       "ZADD z NX 2 m",
        "ZADD z abc m",  "HSET h f v",   "HDEL h nof", "SET e v PX 5 GET", "EXPIRE nokey 5",
        "ZPOPMIN nokey", "PING",         "SELECT 0",   "MSET m 1 n 2"};
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        size_t n = strlen(reqs[i]);
        char req[128];
        memcpy(req, reqs[i], n);
        memcpy(req + n, "\r\n", 2);
        h_feed(req, n + 2, NULL, NULL);
    }
    h_now += 10;
    EXPECT("GET e", "$-1\r\n");
    ck_assert_str_eq(h_log, "SET a 1\nDEL a\nSET b v PXAT 1010000\nPEXPIREAT b 1100000\n"
                            "PERSIST b\nINCR c\nSADD s x\nSREM s x\nRPUSH l a b\nLPOP l\n"
                            "ZADD z 1 m\nHSET h f v\nSET e v PXAT 1000005\nMSET m 1 n 2\nDEL e\n");
}
END_TEST

static unsigned replay_reports;

static void count_reports(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    replay_reports++;
}

static uint64_t shared_clock(void *arg) { return h_now; }

static struct kv_db *second_db(void)
{
    struct kv_config cfg = {.clock_ms = shared_clock, .on_write = count_reports};
    return kv_db_new(&cfg);
}

// Run each line of a report log (words without spaces) on db.
static void replay_log(struct kv_db *db, const char *log)
{
    char *copy = strdup(log);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        const char *argv[200];
        size_t lens[200];
        char store[4096];
        int argc = h_split(l, argv, lens, store);
        ck_assert_msg(kv_db_replay(db, argc, argv, lens), "%s", l);
    }
    free(copy);
}

static char dump_a[1 << 16], dump_b[1 << 16];

static void build_dataset(void)
{
    static const char *const reqs[] = {"SET s1 hello",
                                       "SET s2 x EX 100",
                                       "INCRBY n 41",
                                       "INCR n",
                                       "APPEND s1 !",
                                       "RPUSH l a b c d e f",
                                       "LPOP l 2",
                                       "RPOP l",
                                       "LPUSH l z",
                                       "SADD st a b c d e f g",
                                       "SPOP st 3",
                                       "SREM st a",
                                       "HSET h f1 v1 f2 v2 f3 v3",
                                       "HDEL h f2",
                                       "ZADD z 1.5 a 2 b -3 c",
                                       "ZADD z 0.1 d inf e",
                                       "ZPOPMIN z",
                                       "ZREM z b",
                                       "SET gone v PX 50",
                                       "SET soon v PX 5000",
                                       "EXPIRE l 1000",
                                       "PEXPIRE st 123456",
                                       "SET dead v",
                                       "DEL dead",
                                       "MSET m1 1 m2 2",
                                       "GETSET m1 one"};
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        size_t n = strlen(reqs[i]);
        char req[128];
        memcpy(req, reqs[i], n);
        memcpy(req + n, "\r\n", 2);
        const char *r = h_feed(req, n + 2, NULL, NULL);
        ck_assert_msg(r[0] != '-', "%s: %s", reqs[i], r);
    }
    char req[64];
    for (int i = 0; i < 150; i++) { // more than one batch of the snapshot walk
        snprintf(req, sizeof(req), "RPUSH big %d\r\nSADD bigs %d\r\nZADD bigz %d.25 m%d\r\n", i, i,
                 i, i);
        h_feed(req, strlen(req), NULL, NULL);
    }
    h_now += 60; // "gone" is due but not yet deleted
}

START_TEST(test_replay)
{
    build_dataset();
    h_dump(h_db, dump_a, sizeof(dump_a));
    struct kv_db *b = second_db();
    replay_reports = 0;
    replay_log(b, h_log);
    ck_assert_uint_eq(replay_reports, 0);
    h_dump(b, dump_b, sizeof(dump_b));
    ck_assert_str_eq(dump_a, dump_b);
    ck_assert_ptr_nonnull(strstr(dump_a, "soon:$1\r|:4940\r|v\r|"));
    const char *argv[2] = {"GET", "x"};
    size_t lens[2] = {3, 1};
    ck_assert(kv_db_replay(b, 2, argv, lens));
    argv[0] = "INCR";
    argv[1] = "s1";
    lens[1] = 2;
    ck_assert(!kv_db_replay(b, 2, argv, lens));
    kv_db_free(b);
}
END_TEST

// A logged deadline that has passed by replay time still holds the key for
// the commands logged after it; afterwards the key is gone.
START_TEST(test_replay_past_deadline)
{
    struct kv_db *b = second_db();
    replay_log(b, "SET k v PXAT 999000\nAPPEND k x\nPEXPIREAT k 999500\n");
    struct kv_conn *c = kv_conn_new(b);
    kv_conn_feed(c, "GET k\r\n", 7);
    struct kv_buf *out = kv_conn_output(c);
    ck_assert_uint_eq(out->len, 5);
    ck_assert(!memcmp(out->data, "$-1\r\n", 5));
    ck_assert_uint_eq(kv_db_keys(b), 0);
    kv_conn_free(c);
    kv_db_free(b);
}
END_TEST

static void emit_into(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    ck_assert(kv_db_replay(arg, argc, argv, lens));
    if (!strncmp(argv[0], "SET", 3) && lens[1] == 4 && !memcmp(argv[1], "gone", 4))
        ck_abort_msg("a due key was written");
    h_log_len += (size_t)argc; // count the arguments
}

START_TEST(test_snapshot)
{
    build_dataset();
    h_dump(h_db, dump_a, sizeof(dump_a));
    ck_assert_ptr_null(strstr(dump_a, "gone:"));
    struct kv_db *b = second_db();
    h_log_len = 0;
    kv_db_snapshot(h_db, emit_into, b);
    h_dump(b, dump_b, sizeof(dump_b));
    ck_assert_str_eq(dump_a, dump_b);
    ck_assert_uint_eq(kv_db_keys(b), kv_db_keys(h_db) - 1); // all but "gone"
    kv_db_free(b);
}
END_TEST

static Suite *kv_data_suite(void)
{
    Suite *s = suite_create("kv_data");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, test_expire_lazy);
    tcase_add_test(tc, test_expire_options);
    tcase_add_test(tc, test_expire_active);
    tcase_add_test(tc, test_maxmemory);
    tcase_add_test(tc, test_write_reports);
    tcase_add_test(tc, test_replay);
    tcase_add_test(tc, test_replay_past_deadline);
    tcase_add_test(tc, test_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(kv_data_suite)
