/* tests/unit/kv/check_kv_proto.c: the key-value engine's RESP2 parser (chunking, pipelining,
 * inline quoting, limits and protocol errors), reply forms, dispatch errors and server commands. */
#include "../../../lib/os/kv/kv_impl.h"
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

// A pipeline mixing multibulk and inline requests, binary data and empty requests.
static const char pipeline[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nb\0\r\n"
                               "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                               "*0\r\n"
                               "PING\r\n"
                               "\r\n"
                               "echo \"x y\\r\\n\" \n"
                               "*1\r\n$4\r\nPING\r\n"
                               "APPEND k 'it''s'\r\n"
                               "INCR k\r\n";
static const char pipeline_replies[] = "+OK\r\n$5\r\na\r\nb\0\r\n+PONG\r\n$5\r\nx y\r\n\r\n"
                                       "+PONG\r\n-ERR Protocol error: unbalanced quotes in "
                                       "request\r\n";

START_TEST(test_pipeline_every_split)
{
    size_t n = sizeof(pipeline) - 1, want_len = sizeof(pipeline_replies) - 1;
    for (size_t split = 0; split <= n; split++) {
        h_setup();
        char got[512];
        size_t len, total = 0;
        bool closed;
        const char *out = h_feed(pipeline, split, &len, &closed);
        memcpy(got, out, len);
        total = len;
        out = h_feed(pipeline + split, n - split, &len, &closed);
        memcpy(got + total, out, len);
        total += len;
        ck_assert_msg(total == want_len && !memcmp(got, pipeline_replies, want_len),
                      "split at %zu: %.*s", split, (int)total, got);
        ck_assert(closed);
        h_teardown();
    }
}
END_TEST

START_TEST(test_byte_at_a_time)
{
    const char req[] = "*3\r\n$3\r\nset\r\n$3\r\nkey\r\n$10\r\n0123456789\r\nGET key\n";
    char got[128] = "";
    for (size_t i = 0; i < sizeof(req) - 1; i++)
        strcat(got, h_feed(&req[i], 1, NULL, NULL));
    ck_assert_str_eq(got, "+OK\r\n$10\r\n0123456789\r\n");
}
END_TEST

START_TEST(test_inline_quoting)
{
    EXPECT("SET \"a b\" \"\\x41\\t\\\"\"", "+OK\r\n");
    EXPECT("GET 'a b'", "$3\r\nA\t\"\r\n");
    EXPECT("ECHO 'don\\'t'", "$5\r\ndon't\r\n");
    EXPECT("ECHO ''", "$0\r\n\r\n");
    EXPECT("  PING   hi  ", "$2\r\nhi\r\n");
}
END_TEST

START_TEST(test_inline_unbalanced)
{
    bool closed;
    ck_assert_str_eq(h_feed("ECHO \"abc\r\n", 11, NULL, &closed),
                     "-ERR Protocol error: unbalanced quotes in request\r\n");
    ck_assert(closed);
    // After the error the connection ignores input.
    ck_assert_str_eq(h_feed("PING\r\n", 6, NULL, &closed), "");
}
END_TEST

static void expect_protocol_error(const char *in, size_t len, const char *want)
{
    bool closed;
    ck_assert_str_eq(h_feed(in, len, NULL, &closed), want);
    ck_assert(closed);
}

START_TEST(test_protocol_errors)
{
    static const char *const cases[][2] = {
        {"*1\r\n$1099511627776\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*2000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
        {"*2\r\n$4\r\nPING\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h_setup();
        expect_protocol_error(cases[i][0], strlen(cases[i][0]), cases[i][1]);
        h_teardown();
    }
}
END_TEST

// A claimed length within the limit allocates only for the bytes that came.
START_TEST(test_big_bulk_not_allocated)
{
    const char req[] = "*2\r\n$4\r\nECHO\r\n$536870912\r\nabc";
    ck_assert_str_eq(h_feed(req, sizeof(req) - 1, NULL, NULL), "");
    ck_assert_uint_lt(h_c->p.cap, 1 << 20);
    ck_assert_uint_lt(kv_db_used_memory(h_db), 1 << 16);
}
END_TEST

START_TEST(test_inline_too_big)
{
    size_t n = 10 << 20;
    char *line = malloc(n);
    memset(line, 'a', n);
    bool closed;
    ck_assert_str_eq(h_feed(line, n, NULL, &closed),
                     "-ERR Protocol error: too big inline request\r\n");
    ck_assert(closed);
    ck_assert_uint_lt(h_c->p.cap, 1 << 20);
    free(line);
}
END_TEST

START_TEST(test_count_lines_too_big)
{
    size_t n = 100000;
    char *req = malloc(n);
    memset(req, '1', n);
    req[0] = '*';
    expect_protocol_error(req, n, "-ERR Protocol error: too big mbulk count string\r\n");
    h_teardown();
    h_setup();
    memcpy(req, "*1\r\n$", 5);
    expect_protocol_error(req, n, "-ERR Protocol error: too big bulk count string\r\n");
    free(req);
}
END_TEST

START_TEST(test_reply_writer)
{
    struct kv_buf b = {0};
    kv_reply_simple(&b, "OK");
    kv_reply_error(&b, "ERR a\r\nb");
    kv_reply_int(&b, INT64_MIN);
    kv_reply_bulk(&b, "x\0y", 3);
    kv_reply_nil(&b);
    kv_reply_array(&b, 2);
    kv_reply_bulk_cstr(&b, "");
    kv_reply_nil_array(&b);
    const char want[] = "+OK\r\n-ERR a  b\r\n:-9223372036854775808\r\n$3\r\nx\0y\r\n$-1\r\n"
                        "*2\r\n$0\r\n\r\n*-1\r\n";
    ck_assert_uint_eq(b.len, sizeof(want) - 1);
    ck_assert(!memcmp(b.data, want, b.len));
    kv_buf_consume(&b, 5);
    ck_assert(!memcmp(b.data, "-ERR", 4));
    kv_buf_free(&b);
    // A buffer never written has no data: consuming nothing from it is
    // allowed (found by tests/fuzz/resp.c under UBSan: memmove from NULL).
    kv_buf_consume(&b, 0);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_dispatch_errors)
{
    EXPECT("foo a b", "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    EXPECT("foo", "-ERR unknown command 'foo', with args beginning with: \r\n");
    EXPECT("GET", "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT("get a b", "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT("SET k", "-ERR wrong number of arguments for 'set' command\r\n");
    EXPECT("PING a b", "-ERR wrong number of arguments for 'ping' command\r\n");
    EXPECT("MSET a b c", "-ERR wrong number of arguments for 'mset' command\r\n");
    EXPECT("HSET h a", "-ERR wrong number of arguments for 'hset' command\r\n");
    // Long arguments are cut at 128 bytes in all.
    char req[400], want[400];
    memset(req, 'x', sizeof(req));
    memcpy(req, "nope ", 5);
    req[300] = '\0';
    snprintf(want, sizeof(want),
             "-ERR unknown command 'nope', with args beginning with: '%.128s' \r\n", req + 5);
    EXPECT(req, want);
}
END_TEST

START_TEST(test_server_commands)
{
    EXPECT("PING", "+PONG\r\n");
    EXPECT("ping hello", "$5\r\nhello\r\n");
    EXPECT("ECHO hi", "$2\r\nhi\r\n");
    EXPECT("SELECT 0", "+OK\r\n");
    EXPECT("SELECT 1", "-ERR DB index is out of range\r\n");
    EXPECT("SELECT x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("DBSIZE", ":0\r\n");
    EXPECT("CONFIG GET save", "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
    EXPECT("CONFIG GET appendonly", "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    EXPECT("CONFIG GET nosuch", "*0\r\n");
    EXPECT("CONFIG GET maxmemory*",
           "*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");
    EXPECT("CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n");
    EXPECT("CONFIG foo", "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
    EXPECT("CLIENT GETNAME", "$-1\r\n");
    EXPECT("CLIENT SETNAME app1", "+OK\r\n");
    EXPECT("CLIENT GETNAME", "$4\r\napp1\r\n");
    EXPECT("CLIENT SETNAME \"a b\"",
           "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    EXPECT("CLIENT SETNAME ''", "+OK\r\n");
    EXPECT("CLIENT GETNAME", "$-1\r\n");
    EXPECT("COMMAND DOCS", "*0\r\n");
    char want[32];
    snprintf(want, sizeof(want), ":%zu\r\n", kv_ncmds);
    EXPECT("COMMAND COUNT", want);
    EXPECT("COMMAND INFO get",
           "*1\r\n*6\r\n$3\r\nget\r\n:2\r\n*1\r\n+readonly\r\n:1\r\n:1\r\n:1\r\n");
    const char *all = h_feed("COMMAND\r\n", 9, NULL, NULL);
    snprintf(want, sizeof(want), "*%zu\r\n*6\r\n", kv_ncmds);
    ck_assert(!strncmp(all, want, strlen(want)));
    bool closed;
    ck_assert_str_eq(h_feed("QUIT\r\nPING\r\n", 12, NULL, &closed), "+OK\r\n");
    ck_assert(closed);
}
END_TEST

START_TEST(test_info)
{
    EXPECT("SET a 1", "+OK\r\n");
    EXPECT("PEXPIRE a 5000", ":1\r\n");
    EXPECT("SET b 2", "+OK\r\n");
    const char *info = h_feed("INFO\r\n", 6, NULL, NULL);
    ck_assert(!strncmp(info, "$", 1));
    ck_assert_ptr_nonnull(strstr(info, "\r\n# Server\r\nredis_version:"));
    ck_assert_ptr_nonnull(strstr(info, "\r\n\r\n# Memory\r\nused_memory:"));
    ck_assert_ptr_nonnull(strstr(info, "# Persistence\r\n"));
    ck_assert_ptr_nonnull(strstr(info, "# Stats\r\n"));
    ck_assert_ptr_nonnull(strstr(info, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n\r\n"));
    char used[64];
    snprintf(used, sizeof(used), "used_memory:%llu\r\n",
             (unsigned long long)kv_db_used_memory(h_db));
    ck_assert_ptr_nonnull(strstr(info, used));
    info = h_feed("INFO keyspace\r\n", 15, NULL, NULL);
    ck_assert_str_eq(info, "$44\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n\r\n");
    EXPECT("FLUSHALL", "+OK\r\n");
    EXPECT("INFO keyspace", "$12\r\n# Keyspace\r\n\r\n");
    // Every error reply is counted, the protocol's too.
    ck_assert_ptr_nonnull(
        strstr(h_feed("INFO stats\r\n", 12, NULL, NULL), "\r\ntotal_error_replies:0\r\n"));
    EXPECT("FROB", "-ERR unknown command 'FROB', with args beginning with: \r\n");
    EXPECT("INCR a b", "-ERR wrong number of arguments for 'incr' command\r\n");
    ck_assert_ptr_nonnull(
        strstr(h_feed("INFO stats\r\n", 12, NULL, NULL), "\r\ntotal_error_replies:2\r\n"));
    h_feed("*1\r\n$x\r\n", 9, NULL, NULL);
    ck_assert_uint_eq(h_db->stats.errors, 3);
}
END_TEST

static Suite *kv_proto_suite(void)
{
    Suite *s = suite_create("kv_proto");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, h_setup, h_teardown);
    tcase_add_test(tc, test_byte_at_a_time);
    tcase_add_test(tc, test_inline_quoting);
    tcase_add_test(tc, test_inline_unbalanced);
    tcase_add_test(tc, test_big_bulk_not_allocated);
    tcase_add_test(tc, test_inline_too_big);
    tcase_add_test(tc, test_count_lines_too_big);
    tcase_add_test(tc, test_reply_writer);
    tcase_add_test(tc, test_dispatch_errors);
    tcase_add_test(tc, test_server_commands);
    tcase_add_test(tc, test_info);
    suite_add_tcase(s, tc);
    TCase *own = tcase_create("own_setup");
    tcase_add_test(own, test_pipeline_every_split);
    tcase_add_test(own, test_protocol_errors);
    suite_add_tcase(s, own);
    return s;
}

UNIT_MAIN(kv_proto_suite)
