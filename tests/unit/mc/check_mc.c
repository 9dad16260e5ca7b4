/* tests/unit/mc/check_mc.c: the memcached engine's text protocol and cache, byte for byte, with a
 * fake clock. */
#include <os/mc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define T0 1700000000u // the fake clock's start: a plausible Unix time

static uint64_t now;
static struct mc_cache *cache;
static struct mc_conn *conn;

static uint64_t fake_clock(void *arg) { return *(uint64_t *)arg; }

static struct mc_cache *new_cache(size_t max_bytes, size_t item_size_max, bool no_evict)
{
    struct mc_config cfg;
    mc_config_init(&cfg);
    cfg.clock = fake_clock;
    cfg.clock_arg = &now;
    cfg.max_bytes = max_bytes;
    cfg.item_size_max = item_size_max;
    cfg.no_evict = no_evict;
    struct mc_cache *c = NULL;
    ck_assert_uint_eq(mc_cache_new(&cfg, &c), SYS_ERR_OK);
    return c;
}

static void open_cache(size_t max_bytes, size_t item_size_max, bool no_evict)
{
    mc_conn_free(conn);
    mc_cache_free(cache);
    cache = new_cache(max_bytes, item_size_max, no_evict);
    ck_assert_uint_eq(mc_conn_new(cache, &conn), SYS_ERR_OK);
}

static void setup(void)
{
    now = T0;
    conn = NULL;
    cache = NULL;
    open_cache(64u << 20, 1u << 20, false);
}

static void teardown(void)
{
    mc_conn_free(conn);
    mc_cache_free(cache);
}

// Take all of c's output as a NUL-terminated malloc'd string.
static char *take_output(struct mc_conn *c)
{
    size_t n;
    const void *out = mc_conn_output(c, &n);
    char *s = malloc(n + 1);
    memcpy(s, out, n);
    s[n] = '\0';
    mc_conn_consume(c, n);
    return s;
}

// Feed in (n bytes) in one piece; the replies must be exactly want.
static bool feed_expect_n(const char *in, size_t n, const char *want)
{
    bool close = mc_conn_feed(conn, in, n);
    char *got = take_output(conn);
    ck_assert_msg(!strcmp(got, want), "input [%s]\n got [%s]\nwant [%s]", in, got, want);
    free(got);
    return close;
}

static bool feed_expect(const char *in, const char *want)
{
    return feed_expect_n(in, strlen(in), want);
}

#define EXPECT(in, want) ck_assert(!feed_expect(in, want))

START_TEST(test_set_get)
{
    EXPECT("set foo 5 0 3\r\nbar\r\n", "STORED\r\n");
    EXPECT("get foo\r\n", "VALUE foo 5 3\r\nbar\r\nEND\r\n");
    EXPECT("get nope\r\n", "END\r\n");
    EXPECT("set empty 4294967295 0 0\r\n\r\n", "STORED\r\n");
    EXPECT("get nope foo  empty\r\n",
           "VALUE foo 5 3\r\nbar\r\nVALUE empty 4294967295 0\r\n\r\nEND\r\n");
    // Data is opaque: "\r\n" inside it is data.
    EXPECT("set bin 0 0 4\r\n\r\n\r\n\r\n", "STORED\r\n");
    EXPECT("get bin\r\n", "VALUE bin 0 4\r\n\r\n\r\n\r\nEND\r\n");
    // A bare '\n' ends a command line too; data keeps wanting "\r\n".
    EXPECT("set foo 1 0 1\nx\r\nget foo\n", "STORED\r\nVALUE foo 1 1\r\nx\r\nEND\r\n");
}
END_TEST

START_TEST(test_add_replace_append_prepend)
{
    EXPECT("add k 1 0 1\r\na\r\n", "STORED\r\n");
    EXPECT("add k 2 0 1\r\nb\r\n", "NOT_STORED\r\n");
    EXPECT("replace nope 0 0 1\r\nb\r\n", "NOT_STORED\r\n");
    EXPECT("replace k 3 0 1\r\nc\r\n", "STORED\r\n");
    EXPECT("append k 9 0 2\r\nde\r\n", "STORED\r\n");
    EXPECT("prepend k 9 0 2\r\nab\r\n", "STORED\r\n");
    // append and prepend keep the item's flags.
    EXPECT("get k\r\n", "VALUE k 3 5\r\nabcde\r\nEND\r\n");
    EXPECT("append nope 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
    EXPECT("prepend nope 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
}
END_TEST

// The cas unique the next "gets key" reports.
static uint64_t cas_of(const char *key)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "gets %s\r\n", key);
    ck_assert(!mc_conn_feed(conn, cmd, strlen(cmd)));
    char *out = take_output(conn);
    unsigned long long cas = 0;
    char *nl = strchr(out, '\r');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    char *sp = strrchr(out, ' ');
    cas = strtoull(sp + 1, NULL, 10);
    free(out);
    return cas;
}

// "cas k <flags> 0 1 <unique>[ noreply]\r\n<data>\r\n": the reply must be want.
static void cas_expect(uint64_t unique, bool noreply, char data, const char *want)
{
    char in[200];
    snprintf(in, sizeof(in), "cas k %d 0 1 %llu%s\r\n%c\r\n", data == 'b' ? 8 : 0,
             (unsigned long long)unique, noreply ? " noreply" : "", data);
    EXPECT(in, want);
}

START_TEST(test_cas)
{
    EXPECT("cas k 0 0 1 1\r\na\r\n", "NOT_FOUND\r\n");
    EXPECT("set k 7 0 1\r\na\r\n", "STORED\r\n");
    uint64_t c1 = cas_of("k");
    ck_assert_uint_ne(c1, 0);
    EXPECT("gets k\r\n", "VALUE k 7 1 1\r\na\r\nEND\r\n");
    cas_expect(c1 + 1, false, 'b', "EXISTS\r\n");
    cas_expect(c1, false, 'b', "STORED\r\n");
    EXPECT("get k\r\n", "VALUE k 8 1\r\nb\r\nEND\r\n");
    // Every change bumps it: a second cas with the old one fails.
    cas_expect(c1, false, 'c', "EXISTS\r\n");
    uint64_t c2 = cas_of("k");
    ck_assert_uint_gt(c2, c1);
    EXPECT("append k 0 0 1\r\nx\r\n", "STORED\r\n");
    uint64_t c3 = cas_of("k");
    ck_assert_uint_gt(c3, c2);
    EXPECT("set n 0 0 1\r\n1\r\nincr n 1\r\n", "STORED\r\n2\r\n");
    uint64_t c4 = cas_of("n");
    EXPECT("incr n 1\r\n", "3\r\n");
    ck_assert_uint_gt(cas_of("n"), c4);
    // A touch changes no data: same unique.
    EXPECT("touch k 100\r\n", "TOUCHED\r\n");
    ck_assert_uint_eq(cas_of("k"), c3);
    cas_expect(c3, true, 'z', "");
    EXPECT("get k\r\n", "VALUE k 0 1\r\nz\r\nEND\r\n");
    EXPECT("cas k 0 0 1 abc\r\nz\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
}
END_TEST

START_TEST(test_delete)
{
    EXPECT("set k 0 0 1\r\na\r\n", "STORED\r\n");
    EXPECT("delete k\r\n", "DELETED\r\n");
    EXPECT("delete k\r\n", "NOT_FOUND\r\n");
    EXPECT("get k\r\n", "END\r\n");
    EXPECT("set k 0 0 1\r\na\r\ndelete k 0\r\n", "STORED\r\nDELETED\r\n");
    EXPECT("set k 0 0 1\r\na\r\ndelete k 0 noreply\r\nget k\r\n", "STORED\r\nEND\r\n");
    EXPECT("delete k 1\r\n",
           "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    EXPECT("delete k 0 0\r\n",
           "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    EXPECT("delete\r\n", "ERROR\r\n");
}
END_TEST

START_TEST(test_noreply)
{
    EXPECT("set a 0 0 1 noreply\r\n1\r\n", "");
    EXPECT("add a 0 0 1 noreply\r\n2\r\n", "");
    EXPECT("replace a 0 0 1 noreply\r\n3\r\n", "");
    EXPECT("append a 0 0 1 noreply\r\n4\r\n", "");
    EXPECT("prepend a 0 0 1 noreply\r\n5\r\n", "");
    EXPECT("incr a 1 noreply\r\n", "");
    EXPECT("decr a 2 noreply\r\n", "");
    EXPECT("touch a 0 noreply\r\n", "");
    EXPECT("get a\r\n", "VALUE a 0 3\r\n533\r\nEND\r\n");
    EXPECT("delete a noreply\r\n", "");
    EXPECT("get a\r\n", "END\r\n");
    EXPECT("verbosity 1 noreply\r\n", "");
    EXPECT("set b 0 0 1\r\nb\r\nflush_all noreply\r\nget b\r\n", "STORED\r\nEND\r\n");
    // noreply lasts one command only.
    EXPECT("set c 0 0 1 noreply\r\nc\r\nset d 0 0 1\r\nd\r\n", "STORED\r\n");
    // A bad data chunk under noreply is silent too, as memcached's.
    EXPECT("set e 0 0 1 noreply\r\nxy\r\n", "ERROR\r\n");
}
END_TEST

START_TEST(test_incr_decr)
{
    EXPECT("incr n 1\r\n", "NOT_FOUND\r\n");
    EXPECT("decr n 1\r\n", "NOT_FOUND\r\n");
    EXPECT("set n 3 0 2\r\n10\r\n", "STORED\r\n");
    EXPECT("incr n 5\r\n", "15\r\n");
    EXPECT("decr n 6\r\n", "9\r\n");
    // The value shrinks with the number (memcached may pad with spaces).
    EXPECT("get n\r\n", "VALUE n 3 1\r\n9\r\nEND\r\n");
    EXPECT("incr n 91\r\n", "100\r\n");
    EXPECT("get n\r\n", "VALUE n 3 3\r\n100\r\nEND\r\n");
    EXPECT("decr n 1000\r\n", "0\r\n");
    EXPECT("set n 0 0 20\r\n18446744073709551615\r\n", "STORED\r\n");
    EXPECT("incr n 2\r\n", "1\r\n");
    EXPECT("incr n 18446744073709551615\r\n", "0\r\n");
    EXPECT("set n 0 0 2\r\n7 \r\nincr n 1\r\n", "STORED\r\n8\r\n");
    EXPECT("set s 0 0 3\r\nabc\r\nincr s 1\r\n",
           "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    EXPECT("set s 0 0 0\r\n\r\ndecr s 1\r\n",
           "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    EXPECT("set s 0 0 20\r\n18446744073709551616\r\nincr s 1\r\n",
           "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    EXPECT("set s 0 0 2\r\n-1\r\nincr s 1\r\n",
           "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    EXPECT("incr n abc\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
    EXPECT("incr n -1\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
    EXPECT("incr n 18446744073709551616\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
    EXPECT("incr n\r\n", "ERROR\r\n");
}
END_TEST

START_TEST(test_exptime)
{
    EXPECT("set rel 0 10 1\r\na\r\n", "STORED\r\n");
    EXPECT("set abs 0 1700000100 1\r\nb\r\n", "STORED\r\n");
    EXPECT("set neg 0 -1 1\r\nc\r\n", "STORED\r\n");
    EXPECT("set past 0 2592001 1\r\nd\r\n", "STORED\r\n"); // Unix time in 1970
    EXPECT("set max 0 2592000 1\r\ne\r\n", "STORED\r\n");  // 30 days: still relative
    EXPECT("get neg past\r\n", "END\r\n");
    now = T0 + 9;
    EXPECT("get rel abs\r\n", "VALUE rel 0 1\r\na\r\nVALUE abs 0 1\r\nb\r\nEND\r\n");
    now = T0 + 10;
    EXPECT("get rel abs\r\n", "VALUE abs 0 1\r\nb\r\nEND\r\n");
    now = T0 + 99;
    EXPECT("get abs\r\n", "VALUE abs 0 1\r\nb\r\nEND\r\n");
    now = T0 + 100;
    EXPECT("get abs max\r\n", "VALUE max 0 1\r\ne\r\nEND\r\n");
    now = T0 + 2592000;
    EXPECT("get max\r\n", "END\r\n");
    // An expired item is gone for add, replace and incr too.
    EXPECT("replace rel 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
    EXPECT("add rel 0 0 1\r\nx\r\n", "STORED\r\n");
    EXPECT("set t 0 0 1\r\n5\r\ntouch t -1\r\nincr t 1\r\n", "STORED\r\nTOUCHED\r\nNOT_FOUND\r\n");
    EXPECT("set e 0 abc 1\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("set e 0 2147483648 1\r\n", "CLIENT_ERROR bad command line format\r\n");
}
END_TEST

START_TEST(test_touch_gat)
{
    EXPECT("touch k 10\r\n", "NOT_FOUND\r\n");
    EXPECT("set k 4 5 2\r\nhi\r\nset j 0 0 1\r\nj\r\n", "STORED\r\nSTORED\r\n");
    EXPECT("touch k 20\r\n", "TOUCHED\r\n");
    now = T0 + 19;
    EXPECT("get k\r\n", "VALUE k 4 2\r\nhi\r\nEND\r\n");
    EXPECT("gat 100 k nope j\r\n", "VALUE k 4 2\r\nhi\r\nVALUE j 0 1\r\nj\r\nEND\r\n");
    now = T0 + 118;
    EXPECT("get k\r\n", "VALUE k 4 2\r\nhi\r\nEND\r\n");
    uint64_t cas = cas_of("k");
    char want[100];
    snprintf(want, sizeof(want), "VALUE k 4 2 %llu\r\nhi\r\nEND\r\n", (unsigned long long)cas);
    EXPECT("gats 1 k\r\n", want);
    now = T0 + 119;
    EXPECT("get k\r\n", "END\r\n");
    EXPECT("touch j abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n");
    EXPECT("gat abc j\r\n", "CLIENT_ERROR invalid exptime argument\r\n");
    EXPECT("gat 10\r\n", "ERROR\r\n");
    EXPECT("touch j\r\n", "ERROR\r\n");
}
END_TEST

START_TEST(test_flush_all)
{
    EXPECT("set a 0 0 1\r\na\r\nset b 0 0 1\r\nb\r\n", "STORED\r\nSTORED\r\n");
    EXPECT("flush_all\r\n", "OK\r\n");
    EXPECT("get a b\r\n", "END\r\n");
    // Stored in the same second as the flush, after it: kept.
    EXPECT("set a 0 0 1\r\na\r\nget a\r\n", "STORED\r\nVALUE a 0 1\r\na\r\nEND\r\n");
    EXPECT("flush_all 10\r\n", "OK\r\n");
    now = T0 + 5;
    EXPECT("set b 0 0 1\r\nb\r\n", "STORED\r\n");
    now = T0 + 9;
    EXPECT("get a b\r\n", "VALUE a 0 1\r\na\r\nVALUE b 0 1\r\nb\r\nEND\r\n");
    now = T0 + 10;
    EXPECT("get a b\r\n", "END\r\n");
    EXPECT("set c 0 0 1\r\nc\r\n", "STORED\r\n");
    now = T0 + 20;
    EXPECT("get c\r\n", "VALUE c 0 1\r\nc\r\nEND\r\n");
    // A later flush_all replaces a pending one.
    EXPECT("flush_all 5 noreply\r\nflush_all 100\r\n", "OK\r\n");
    now = T0 + 30;
    EXPECT("get c\r\n", "VALUE c 0 1\r\nc\r\nEND\r\n");
    now = T0 + 120;
    EXPECT("get c\r\n", "END\r\n");
    EXPECT("flush_all abc\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("flush_all 1 2 3\r\n", "ERROR\r\n");
    EXPECT("set d 0 0 1\r\nd\r\nflush_all -1\r\nget d\r\n", "STORED\r\nOK\r\nEND\r\n");
}
END_TEST

START_TEST(test_errors)
{
    EXPECT("bogus\r\n", "ERROR\r\n");
    EXPECT("\r\n", "ERROR\r\n");
    EXPECT("GET k\r\n", "ERROR\r\n"); // commands are case-sensitive
    EXPECT("get\r\n", "ERROR\r\n");
    EXPECT("set k 0 0\r\n", "ERROR\r\n");
    EXPECT("set k 0 0 1 noreply extra\r\n", "ERROR\r\n");
    EXPECT("set k x 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("set k 4294967296 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
    // A negative size is refused without skipping: the data reads as a command.
    EXPECT("set k 0 0 -1\r\nab\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    char key[300], in[700], want[700];
    memset(key, 'k', 251);
    key[251] = '\0';
    snprintf(in, sizeof(in), "get %s\r\n", key);
    EXPECT(in, "CLIENT_ERROR bad command line format\r\n");
    snprintf(in, sizeof(in), "set %s 0 0 1\r\n", key);
    EXPECT(in, "CLIENT_ERROR bad command line format\r\n");
    key[250] = '\0';
    snprintf(in, sizeof(in), "set %s 0 0 1\r\nv\r\nget %s\r\n", key, key);
    snprintf(want, sizeof(want), "STORED\r\nVALUE %s 0 1\r\nv\r\nEND\r\n", key);
    EXPECT(in, want);
    EXPECT("get a\tb\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("set a\x7f 0 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("delete a\x01\r\n", "CLIENT_ERROR bad command line format\r\n");
    // A bad key among good ones: only the error.
    EXPECT("set ok 0 0 1\r\n1\r\nget ok a\x02\r\n",
           "STORED\r\nCLIENT_ERROR bad command line format\r\n");
    // The data block must end in "\r\n": the bytes are used up either way.
    EXPECT("set k 0 0 3\r\nabcd\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
    EXPECT("set k 0 0 1\r\nab\r\nget k\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n");
    EXPECT("stats nonsense\r\n", "ERROR\r\n");
    EXPECT("verbosity\r\n", "ERROR\r\n");
}
END_TEST

START_TEST(test_too_large)
{
    EXPECT("set big 0 0 1\r\nold\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
    EXPECT("set big 0 0 3\r\nold\r\n", "STORED\r\n");
    // Over 1 MB: refused before any data, which is skipped whole; the
    // failed set also drops the old value.
    size_t n = (1u << 20) + 1;
    char *in = malloc(n + 100);
    int h = snprintf(in, 100, "set big 0 0 %zu\r\n", n);
    memset(in + h, 'x', n);
    memcpy(in + h + n, "\r\nget big\r\n", 11);
    ck_assert(!feed_expect_n(in, (size_t)h, "SERVER_ERROR object too large for cache\r\n"));
    ck_assert(!feed_expect_n(in + h, n + 11, "END\r\n"));
    // The exact limit: the item's header and key count.
    n = (1u << 20) - mc_item_size(3, 0);
    h = snprintf(in, 100, "set big 0 0 %zu\r\n", n);
    memset(in + h, 'y', n);
    memcpy(in + h + n, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + n + 2, "STORED\r\n"));
    h = snprintf(in, 100, "set big 0 0 %zu\r\n", n + 1);
    memset(in + h, 'y', n + 1);
    memcpy(in + h + n + 1, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + n + 3, "SERVER_ERROR object too large for cache\r\n"));
    free(in);
    // The largest size a client may name costs nothing before its data.
    EXPECT("set huge 0 0 2147483646\r\n", "CLIENT_ERROR bad command line format\r\n");
    EXPECT("set huge 0 0 2147483645\r\n", "SERVER_ERROR object too large for cache\r\n");
    EXPECT("abc", "");
    // add, too large: refused the same way, the old value stays.
    open_cache(1u << 20, 2048, false);
    EXPECT("set k 0 0 1\r\na\r\n", "STORED\r\n");
    in = malloc(4000);
    h = snprintf(in, 100, "add k 0 0 3000\r\n");
    memset(in + h, 'z', 3000);
    memcpy(in + h + 3000, "\r\nget k\r\n", 9);
    ck_assert(!feed_expect_n(
        in, h + 3009, "SERVER_ERROR object too large for cache\r\nVALUE k 0 1\r\na\r\nEND\r\n"));
    // append growing an item past the limit.
    h = snprintf(in, 100, "set k 0 0 1500\r\n");
    memset(in + h, 'z', 1500);
    memcpy(in + h + 1500, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + 1502, "STORED\r\n"));
    h = snprintf(in, 100, "append k 0 0 1000\r\n");
    memset(in + h, 'z', 1000);
    memcpy(in + h + 1000, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + 1002, "SERVER_ERROR object too large for cache\r\n"));
    free(in);
}
END_TEST

START_TEST(test_line_too_long)
{
    char *in = malloc(4097);
    memset(in, 'a', 4096);
    ck_assert(feed_expect_n(in, 4096, "CLIENT_ERROR line too long\r\n"));
    // Closed: the rest is ignored.
    ck_assert(feed_expect("get a\r\n", ""));
    // The same line ended in the same input: closed too (the limit
    // does not depend on how the input is cut).
    open_cache(1u << 20, 1u << 20, false);
    in[4095] = '\n';
    ck_assert(feed_expect_n(in, 4096, "CLIENT_ERROR line too long\r\n"));
    // Just under the limit: an ordinary (unknown) command.
    open_cache(1u << 20, 1u << 20, false);
    in[2048] = '\n';
    ck_assert(!feed_expect_n(in, 2049, "ERROR\r\n"));
    in[2048] = 'a';
    in[2049] = '\n';
    ck_assert(feed_expect_n(in, 2050, "CLIENT_ERROR line too long\r\n"));
    // A multiget may be longer: 1000 keys.
    open_cache(1u << 20, 1u << 20, false);
    EXPECT("set k999 0 0 1\r\nv\r\n", "STORED\r\n");
    size_t n = 0;
    char *get = malloc(20000);
    n += (size_t)sprintf(get, "get");
    for (int i = 0; i < 1000; i++)
        n += (size_t)sprintf(get + n, " k%d", i);
    n += (size_t)sprintf(get + n, "\r\n");
    ck_assert_uint_gt(n, MC_LINE_MAX);
    for (size_t i = 0; i < n; i += 100)
        ck_assert(!mc_conn_feed(conn, get + i, n - i < 100 ? n - i : 100));
    char *out = take_output(conn);
    ck_assert_str_eq(out, "VALUE k999 0 1\r\nv\r\nEND\r\n");
    free(out);
    free(get);
    free(in);
}
END_TEST

// A pipelined session touching every path that reads input: its replies
// must not depend on where the input is cut.
static const char script[] = "set a 1 0 5\r\nhello\r\n"
                             "get a b\r\n"
                             "gets a\r\n"
                             "add a 0 0 1 noreply\r\nx\r\n"
                             "append a 0 0 6\r\n world\r\n"
                             "set n 0 0 3\n 41\r\n"
                             "incr n 1\r\ndecr n 50\r\n"
                             "set big 0 0 5000\r\n"
                             "cas a 0 0 1 999\r\nz\r\n"
                             "set bad 0 0 2\r\nabc\r\n"
                             "touch a 100\r\ngat 0 a n\r\n"
                             "delete n\r\nbogus command\r\n\r\n"
                             "get a\r\nversion\r\nverbosity 1\r\nflush_all\r\nget a\r\n"
                             "quit\r\nget a\r\n";

// Run script on a fresh cache, fed in pieces of the given sizes in turn
// (cut at cuts[0], then every step bytes); return the output.
static char *run_script(size_t first, size_t step)
{
    char *big = malloc(sizeof(script) + 6000);
    // The 5000-byte value goes in after "set big 0 0 5000\r\n".
    const char *at = strstr(script, "set big 0 0 5000\r\n") + 18;
    size_t head = (size_t)(at - script);
    memcpy(big, script, head);
    memset(big + head, 'v', 5000);
    memcpy(big + head + 5000, "\r\n", 2);
    strcpy(big + head + 5002, at);
    size_t len = strlen(big);
    struct mc_cache *c = new_cache(1u << 20, 1u << 20, false);
    struct mc_conn *cn;
    ck_assert_uint_eq(mc_conn_new(c, &cn), SYS_ERR_OK);
    bool closed = false;
    for (size_t off = 0, piece = first; off < len; piece = step) {
        size_t n = len - off < piece ? len - off : piece;
        closed = mc_conn_feed(cn, big + off, n);
        off += n;
    }
    ck_assert(closed);
    char *out = take_output(cn);
    mc_conn_free(cn);
    mc_cache_free(c);
    free(big);
    return out;
}

START_TEST(test_split_invariance)
{
    char *whole = run_script(SIZE_MAX, SIZE_MAX);
    const char *want = "STORED\r\n"
                       "VALUE a 1 5\r\nhello\r\nEND\r\n"
                       "VALUE a 1 5 1\r\nhello\r\nEND\r\n"
                       "STORED\r\n"
                       "STORED\r\n"
                       "42\r\n0\r\n"
                       "STORED\r\n"
                       "EXISTS\r\n"
                       "CLIENT_ERROR bad data chunk\r\nERROR\r\n"
                       "TOUCHED\r\nVALUE a 1 11\r\nhello world\r\nVALUE n 0 1\r\n0\r\nEND\r\n"
                       "DELETED\r\nERROR\r\nERROR\r\n"
                       "VALUE a 1 11\r\nhello world\r\nEND\r\nVERSION " MC_VERSION "\r\nOK\r\n"
                       "OK\r\nEND\r\n";
    ck_assert_str_eq(whole, want);
    size_t len = strlen(script) + 5002;
    for (size_t cut = 1; cut < len; cut++) {
        char *two = run_script(cut, SIZE_MAX);
        ck_assert_msg(!strcmp(two, whole), "cut at %zu: [%s]", cut, two);
        free(two);
    }
    char *bytes = run_script(1, 1);
    ck_assert_str_eq(bytes, whole);
    free(bytes);
    char *sevens = run_script(7, 7);
    ck_assert_str_eq(sevens, whole);
    free(sevens);
    free(whole);
}
END_TEST

// Store key with a value of n bytes.
static void set_n(const char *key, size_t n)
{
    char *in = malloc(n + 300);
    int h = snprintf(in, 300, "set %s 0 0 %zu\r\n", key, n);
    memset(in + h, 'v', n);
    memcpy(in + h + n, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + n + 2, "STORED\r\n"));
    free(in);
}

// Whether key is in the cache (a get that counts as a use).
static bool has(const char *key)
{
    char in[300];
    snprintf(in, sizeof(in), "get %s\r\n", key);
    ck_assert(!mc_conn_feed(conn, in, strlen(in)));
    char *out = take_output(conn);
    bool hit = strncmp(out, "VALUE ", 6) == 0;
    free(out);
    return hit;
}

START_TEST(test_lru_eviction)
{
    // Room for exactly ten 100-byte items under 2-byte keys.
    size_t item = mc_item_size(2, 100);
    open_cache(10 * item, 1024, false);
    char key[3] = "k0";
    for (int i = 0; i < 10; i++) {
        key[1] = (char)('0' + i);
        set_n(key, 100);
    }
    struct mc_stats *s = mc_cache_stats(cache);
    ck_assert_uint_eq(s->bytes, 10 * item);
    ck_assert_uint_eq(s->evictions, 0);
    // Use k0 and k1: k2 and k3 are now the least recently used.
    ck_assert(has("k0") && has("k1"));
    set_n("x0", 100);
    set_n("x1", 100);
    ck_assert_uint_eq(s->evictions, 2);
    ck_assert_uint_eq(s->curr_items, 10);
    ck_assert(!has("k2") && !has("k3"));
    ck_assert(has("k0") && has("k1") && has("k4") && has("k9") && has("x0") && has("x1"));
    // A bigger item evicts as many as it needs, oldest first.
    set_n("y0", 400);
    ck_assert_uint_eq(s->evictions, 5);
    ck_assert(!has("k5") && !has("k6") && !has("k7"));
    ck_assert(has("k8") && has("y0"));
    ck_assert_uint_le(s->bytes, 10 * item);
    // Expired items at the tail go first, as reclaimed, not evicted.
    EXPECT("flush_all\r\n", "OK\r\n");
    ck_assert_uint_eq(s->curr_items, 0);
    ck_assert_uint_eq(s->bytes, 0);
    char in[200];
    int h = snprintf(in, sizeof(in), "set k0 0 1 100\r\n");
    memset(in + h, 'v', 100);
    memcpy(in + h + 100, "\r\n", 2);
    ck_assert(!feed_expect_n(in, (size_t)h + 102, "STORED\r\n"));
    for (int i = 1; i < 10; i++) {
        key[1] = (char)('0' + i);
        set_n(key, 100);
    }
    now = T0 + 1;
    set_n("z0", 100);
    ck_assert_uint_eq(s->reclaimed, 1);
    ck_assert_uint_eq(s->evictions, 5);
    ck_assert(has("k1") && has("z0"));
}
END_TEST

START_TEST(test_out_of_memory)
{
    // An item larger than the whole cache can never fit.
    open_cache(4096, 1u << 20, false);
    char *in = malloc(6000);
    int h = snprintf(in, 100, "set k 0 0 5000\r\n");
    memset(in + h, 'x', 5000);
    memcpy(in + h + 5000, "\r\nget k\r\n", 9);
    ck_assert(!feed_expect_n(in, h + 5009, "SERVER_ERROR out of memory storing object\r\nEND\r\n"));
    // noreply does not silence it.
    h = snprintf(in, 100, "set k 0 0 5000 noreply\r\n");
    memset(in + h, 'x', 5000);
    memcpy(in + h + 5000, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + 5002, "SERVER_ERROR out of memory storing object\r\n"));
    free(in);
    // -M: full means full.
    size_t item = mc_item_size(2, 100);
    open_cache(3 * item, 1024, true);
    set_n("k0", 100);
    set_n("k1", 100);
    set_n("k2", 100);
    in = malloc(200);
    h = snprintf(in, 100, "set k3 0 0 100\r\n");
    memset(in + h, 'x', 100);
    memcpy(in + h + 100, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + 102, "SERVER_ERROR out of memory storing object\r\n"));
    ck_assert(has("k0") && has("k1") && has("k2"));
    ck_assert_uint_eq(mc_cache_stats(cache)->outofmemory, 1);
    // Same size in place of an old one fits; a bigger one does not, and
    // the old value stays.
    set_n("k0", 100);
    h = snprintf(in, 100, "set k0 0 0 101\r\n");
    memset(in + h, 'x', 101);
    memcpy(in + h + 101, "\r\n", 2);
    ck_assert(!feed_expect_n(in, h + 103, "SERVER_ERROR out of memory storing object\r\n"));
    ck_assert(has("k0"));
    EXPECT("delete k1\r\n", "DELETED\r\n");
    ck_assert(!feed_expect_n(in, h + 103, "STORED\r\n"));
    free(in);
}
END_TEST

// The value of one "STAT name value" line in stats, or -1.
static long long stat_value(const char *stats, const char *name)
{
    char pat[80];
    snprintf(pat, sizeof(pat), "STAT %s ", name);
    const char *p = strstr(stats, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static char *stats_of(const char *cmd)
{
    ck_assert(!mc_conn_feed(conn, cmd, strlen(cmd)));
    char *out = take_output(conn);
    size_t n = strlen(out);
    ck_assert_uint_ge(n, 5);
    ck_assert_str_eq(out + n - 5, "END\r\n");
    return out;
}

// "stats" reports the same bytes_read wherever the input was cut (found
// by tests/fuzz/memcached.c: it counted the bytes fed so far, lines after
// the stats line included when they came in the same call).
START_TEST(test_stats_split_invariant)
{
    static const char in[] = "set a 0 0 1\r\nx\r\nstats\r\nget a\r\n";
    char *replies[2];
    for (int split = 0; split < 2; split++) {
        struct mc_cache *c = new_cache(64u << 20, 1u << 20, false);
        struct mc_conn *k;
        ck_assert_uint_eq(mc_conn_new(c, &k), SYS_ERR_OK);
        for (size_t at = 0, step = split ? 1 : sizeof(in) - 1; at < sizeof(in) - 1; at += step)
            mc_conn_feed(k, in + at, step);
        replies[split] = take_output(k);
        mc_conn_free(k);
        mc_cache_free(c);
    }
    ck_assert_str_eq(replies[0], replies[1]);
    ck_assert_ptr_nonnull(strstr(replies[0], "STAT bytes_read 23\r\n"));
    free(replies[0]);
    free(replies[1]);
}
END_TEST

START_TEST(test_stats)
{
    EXPECT("set a 0 0 1\r\na\r\nset b 0 100 1\r\nb\r\nget a b c\r\nget c\r\n",
           "STORED\r\nSTORED\r\nVALUE a 0 1\r\na\r\nVALUE b 0 1\r\nb\r\nEND\r\nEND\r\n");
    EXPECT(
        "delete a\r\ndelete a\r\nincr b 1\r\ntouch b 1\r\n",
        "DELETED\r\nNOT_FOUND\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
        "TOUCHED\r\n");
    now = T0 + 3;
    char *s = stats_of("stats\r\n");
    ck_assert(strncmp(s, "STAT pid 0\r\nSTAT uptime 3\r\n", 27) == 0);
    ck_assert_int_eq(stat_value(s, "time"), T0 + 3);
    ck_assert_ptr_nonnull(strstr(s, "STAT version " MC_VERSION "\r\n"));
    ck_assert_int_eq(stat_value(s, "cmd_get"), 4);
    ck_assert_int_eq(stat_value(s, "get_hits"), 2);
    ck_assert_int_eq(stat_value(s, "get_misses"), 2);
    ck_assert_int_eq(stat_value(s, "cmd_set"), 2);
    ck_assert_int_eq(stat_value(s, "delete_hits"), 1);
    ck_assert_int_eq(stat_value(s, "delete_misses"), 1);
    ck_assert_int_eq(stat_value(s, "touch_hits"), 1);
    ck_assert_int_eq(stat_value(s, "cmd_touch"), 1);
    ck_assert_int_eq(stat_value(s, "curr_items"), 1);
    ck_assert_int_eq(stat_value(s, "total_items"), 2);
    ck_assert_int_eq(stat_value(s, "bytes"), (long long)mc_item_size(1, 1));
    ck_assert_int_eq(stat_value(s, "limit_maxbytes"), 64 << 20);
    ck_assert_int_eq(stat_value(s, "curr_connections"), 1);
    ck_assert_int_eq(stat_value(s, "evictions"), 0);
    ck_assert_int_eq(stat_value(s, "bytes_read"), 52 + 41 + 7); // the three inputs above
    ck_assert_int_gt(stat_value(s, "bytes_written"), 50);
    free(s);
    EXPECT("get b\r\n", "END\r\n"); // expired at T0 + 1
    s = stats_of("stats\r\n");
    ck_assert_int_eq(stat_value(s, "get_expired"), 1);
    free(s);

    s = stats_of("stats items\r\n");
    ck_assert_str_eq(s, "END\r\n"); // no items: no class
    free(s);
    EXPECT("set c 0 0 2\r\ncc\r\n", "STORED\r\n");
    now = T0 + 10;
    s = stats_of("stats items\r\n");
    ck_assert_int_eq(stat_value(s, "items:1:number"), 1);
    ck_assert_int_eq(stat_value(s, "items:1:age"), 7);
    ck_assert_int_eq(stat_value(s, "items:1:evicted"), 0);
    free(s);
    s = stats_of("stats slabs\r\n");
    ck_assert_int_eq(stat_value(s, "active_slabs"), 1);
    ck_assert_int_eq(stat_value(s, "total_malloced"), (long long)mc_item_size(1, 2));
    ck_assert_int_eq(stat_value(s, "1:used_chunks"), 1);
    free(s);
    s = stats_of("stats settings\r\n");
    ck_assert_int_eq(stat_value(s, "maxbytes"), 64 << 20);
    ck_assert_int_eq(stat_value(s, "item_size_max"), 1 << 20);
    ck_assert_int_eq(stat_value(s, "tcpport"), 11211);
    ck_assert_ptr_nonnull(strstr(s, "STAT evictions on\r\n"));
    ck_assert_ptr_nonnull(strstr(s, "STAT cas_enabled yes\r\n"));
    free(s);
    EXPECT("stats reset\r\n", "RESET\r\n");
    s = stats_of("stats\r\n");
    ck_assert_int_eq(stat_value(s, "cmd_get"), 0);
    ck_assert_int_eq(stat_value(s, "curr_items"), 1);
    ck_assert_int_eq(stat_value(s, "curr_connections"), 1);
    free(s);
    EXPECT("stats detail dump\r\n", "ERROR\r\n");
    struct mc_conn *second;
    ck_assert_uint_eq(mc_conn_new(cache, &second), SYS_ERR_OK);
    ck_assert_uint_eq(mc_cache_stats(cache)->curr_connections, 2);
    ck_assert_uint_eq(mc_cache_stats(cache)->total_connections, 1); // since the reset
    mc_conn_free(second);
    ck_assert_uint_eq(mc_cache_stats(cache)->curr_connections, 1);
}
END_TEST

START_TEST(test_misc_commands)
{
    EXPECT("version\r\n", "VERSION " MC_VERSION "\r\n");
    EXPECT("verbosity 2\r\n", "OK\r\n");
    EXPECT("verbosity x\r\n", "OK\r\n");
    ck_assert(feed_expect("get a\r\nquit\r\nget a\r\n", "END\r\n"));
    ck_assert(mc_conn_feed(conn, "version\r\n", 9));
}
END_TEST

START_TEST(test_output_consume)
{
    ck_assert(!mc_conn_feed(conn, "version\r\n", 9));
    size_t n;
    const char *out = mc_conn_output(conn, &n);
    ck_assert_uint_eq(n, 16);
    mc_conn_consume(conn, 4);
    out = mc_conn_output(conn, &n);
    ck_assert_uint_eq(n, 12);
    ck_assert(!memcmp(out, "ION ", 4));
    // More replies append after what is left.
    ck_assert(!mc_conn_feed(conn, "get x\r\n", 7));
    out = mc_conn_output(conn, &n);
    ck_assert_uint_eq(n, 17);
    ck_assert(!memcmp(out + 12, "END\r\n", 5));
    mc_conn_consume(conn, 100);
    mc_conn_output(conn, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(mc_cache_stats(cache)->bytes_written, 21);
}
END_TEST

START_TEST(test_config)
{
    struct mc_config cfg;
    struct mc_cache *c;
    mc_config_init(&cfg);
    ck_assert_uint_eq(mc_cache_new(&cfg, &c), SYS_ERR_INVALID_ARGS); // no clock
    cfg.clock = fake_clock;
    cfg.clock_arg = &now;
    cfg.item_size_max = 512;
    ck_assert_uint_eq(mc_cache_new(&cfg, &c), SYS_ERR_INVALID_ARGS);
    cfg.item_size_max = 1024;
    cfg.get_line_max = 100;
    ck_assert_uint_eq(mc_cache_new(&cfg, &c), SYS_ERR_INVALID_ARGS);
    cfg.get_line_max = MC_LINE_MAX;
    ck_assert_uint_eq(mc_cache_new(&cfg, &c), SYS_ERR_OK);
    mc_cache_free(c);
}
END_TEST

START_TEST(test_many_items)
{
    // Past several hash table doublings, every key still found.
    char in[64];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(in, sizeof(in), "set key%d 0 0 1 noreply\r\nv\r\n", i);
        ck_assert(!mc_conn_feed(conn, in, (size_t)n));
    }
    ck_assert_uint_eq(mc_cache_stats(cache)->curr_items, 5000);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(in, sizeof(in), "key%d", i);
        ck_assert(has(in));
    }
    ck_assert(!has("key5000"));
}
END_TEST

static Suite *mc_suite(void)
{
    Suite *s = suite_create("mc");
    TCase *t = tcase_create("mc");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_set_get);
    tcase_add_test(t, test_add_replace_append_prepend);
    tcase_add_test(t, test_cas);
    tcase_add_test(t, test_delete);
    tcase_add_test(t, test_noreply);
    tcase_add_test(t, test_incr_decr);
    tcase_add_test(t, test_exptime);
    tcase_add_test(t, test_touch_gat);
    tcase_add_test(t, test_flush_all);
    tcase_add_test(t, test_errors);
    tcase_add_test(t, test_too_large);
    tcase_add_test(t, test_line_too_long);
    tcase_add_test(t, test_split_invariance);
    tcase_add_test(t, test_lru_eviction);
    tcase_add_test(t, test_out_of_memory);
    tcase_add_test(t, test_stats);
    tcase_add_test(t, test_stats_split_invariant);
    tcase_add_test(t, test_misc_commands);
    tcase_add_test(t, test_output_consume);
    tcase_add_test(t, test_config);
    tcase_add_test(t, test_many_items);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(mc_suite)
