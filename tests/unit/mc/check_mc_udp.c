/* tests/unit/mc/check_mc_udp.c: memcached's UDP frame: header, one-datagram requests, replies split
 * into datagrams. */
#include <os/mc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define MAX_DGRAMS 64
#define PAYLOAD    (MC_UDP_DATAGRAM - MC_UDP_HEADER)

static uint64_t now = 1700000000;
static struct mc_cache *cache;

// What the emit callback was given.
static struct {
    size_t n;
    uint8_t data[MAX_DGRAMS][MC_UDP_DATAGRAM];
    size_t len[MAX_DGRAMS];
} got;

static uint64_t fake_clock(void *arg) { return *(uint64_t *)arg; }

static void emit(void *arg, const void *dgram, size_t len)
{
    ck_assert_ptr_eq(arg, &got);
    ck_assert_uint_lt(got.n, MAX_DGRAMS);
    ck_assert_uint_le(len, MC_UDP_DATAGRAM);
    memcpy(got.data[got.n], dgram, len);
    got.len[got.n++] = len;
}

static void setup(void)
{
    struct mc_config cfg;
    mc_config_init(&cfg);
    cfg.clock = fake_clock;
    cfg.clock_arg = &now;
    ck_assert_uint_eq(mc_cache_new(&cfg, &cache), SYS_ERR_OK);
    memset(&got, 0, sizeof(got));
}

static void teardown(void) { mc_cache_free(cache); }

// Send payload as one request datagram with this id.
static MUST_CHECK errval_t request(uint16_t id, uint16_t seq, uint16_t total, const void *payload,
                                   size_t n)
{
    uint8_t *d = malloc(MC_UDP_HEADER + n);
    struct mc_udp_header h = {id, seq, total, 0};
    mc_udp_header_write(d, &h);
    memcpy(d + MC_UDP_HEADER, payload, n);
    memset(&got, 0, sizeof(got));
    errval_t err = mc_udp_request(cache, d, MC_UDP_HEADER + n, emit, &got);
    free(d);
    return err;
}

// The reply's payloads joined in order, after checking every header.
static char *joined(uint16_t id)
{
    char *s = malloc(got.n * PAYLOAD + 1);
    size_t n = 0;
    for (size_t i = 0; i < got.n; i++) {
        struct mc_udp_header h;
        ck_assert_uint_eq(mc_udp_header_parse(got.data[i], got.len[i], &h), SYS_ERR_OK);
        ck_assert_uint_eq(h.request_id, id);
        ck_assert_uint_eq(h.seq, i);
        ck_assert_uint_eq(h.total, got.n);
        ck_assert_uint_eq(h.reserved, 0);
        memcpy(s + n, got.data[i] + MC_UDP_HEADER, got.len[i] - MC_UDP_HEADER);
        n += got.len[i] - MC_UDP_HEADER;
    }
    s[n] = '\0';
    return s;
}

START_TEST(test_header)
{
    const uint8_t wire[] = {0x12, 0x34, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 'x'};
    struct mc_udp_header h;
    ck_assert_uint_eq(mc_udp_header_parse(wire, sizeof(wire), &h), SYS_ERR_OK);
    ck_assert_uint_eq(h.request_id, 0x1234);
    ck_assert_uint_eq(h.seq, 2);
    ck_assert_uint_eq(h.total, 5);
    ck_assert_uint_eq(h.reserved, 0);
    ck_assert_uint_eq(mc_udp_header_parse(wire, 7, &h), SYS_ERR_CORRUPT);
    uint8_t out[MC_UDP_HEADER];
    struct mc_udp_header w = {0xabcd, 0x0102, 0xfffe, 0};
    mc_udp_header_write(out, &w);
    const uint8_t want[] = {0xab, 0xcd, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x00};
    ck_assert(!memcmp(out, want, sizeof(want)));
}
END_TEST

START_TEST(test_single_datagram)
{
    const char set[] = "set k 3 0 2\r\nhi\r\nget k\r\n";
    ck_assert_uint_eq(request(7, 0, 1, set, strlen(set)), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 1);
    const uint8_t hdr[] = {0, 7, 0, 0, 0, 1, 0, 0};
    ck_assert(!memcmp(got.data[0], hdr, sizeof(hdr)));
    char *s = joined(7);
    ck_assert_str_eq(s, "STORED\r\nVALUE k 3 2\r\nhi\r\nEND\r\n");
    free(s);
    // noreply: no datagram at all.
    const char quiet[] = "delete k noreply\r\n";
    ck_assert_uint_eq(request(8, 0, 1, quiet, strlen(quiet)), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 0);
    ck_assert_uint_eq(mc_cache_stats(cache)->curr_items, 0);
    // Nothing carries over: a store cut at the datagram's end is dropped,
    // and the next datagram starts with a command line.
    const char cut[] = "set k 0 0 5\r\nab";
    ck_assert_uint_eq(request(9, 0, 1, cut, strlen(cut)), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 0);
    const char get[] = "get k\r\n";
    ck_assert_uint_eq(request(10, 0, 1, get, strlen(get)), SYS_ERR_OK);
    s = joined(10);
    ck_assert_str_eq(s, "END\r\n");
    free(s);
    ck_assert_uint_eq(mc_cache_stats(cache)->curr_connections, 0);
}
END_TEST

START_TEST(test_multi_datagram_reply)
{
    // A value that makes a reply of several datagrams.
    size_t vlen = 5000;
    char *set = malloc(vlen + 100);
    int h = snprintf(set, 100, "set big 0 0 %zu\r\n", vlen);
    for (size_t i = 0; i < vlen; i++)
        set[h + i] = (char)('a' + i % 26);
    memcpy(set + h + vlen, "\r\n", 2);
    ck_assert_uint_eq(request(1, 0, 1, set, (size_t)h + vlen + 2), SYS_ERR_OK);
    const char get[] = "get big\r\n";
    ck_assert_uint_eq(request(0xbeef, 0, 1, get, strlen(get)), SYS_ERR_OK);
    size_t reply = strlen("VALUE big 0 5000\r\n") + vlen + 2 + 5;
    ck_assert_uint_eq(got.n, (reply + PAYLOAD - 1) / PAYLOAD);
    for (size_t i = 0; i + 1 < got.n; i++)
        ck_assert_uint_eq(got.len[i], MC_UDP_DATAGRAM);
    char *s = joined(0xbeef);
    ck_assert_uint_eq(strlen(s), reply);
    ck_assert(!strncmp(s, "VALUE big 0 5000\r\n", 18));
    ck_assert(!memcmp(s + 18, set + h, vlen));
    ck_assert_str_eq(s + 18 + vlen, "\r\nEND\r\n");
    free(s);
    free(set);
}
END_TEST

START_TEST(test_split_boundaries)
{
    static char reply[3 * PAYLOAD + 1];
    memset(reply, 'r', sizeof(reply));
    ck_assert_uint_eq(mc_udp_split(3, reply, 0, emit, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 0);
    ck_assert_uint_eq(mc_udp_split(3, reply, PAYLOAD, emit, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 1);
    ck_assert_uint_eq(got.len[0], MC_UDP_DATAGRAM);
    memset(&got, 0, sizeof(got));
    ck_assert_uint_eq(mc_udp_split(3, reply, PAYLOAD + 1, emit, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 2);
    ck_assert_uint_eq(got.len[1], MC_UDP_HEADER + 1);
    memset(&got, 0, sizeof(got));
    ck_assert_uint_eq(mc_udp_split(3, reply, sizeof(reply), emit, &got), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 4);
    char *s = joined(3);
    ck_assert_uint_eq(strlen(s), sizeof(reply));
    free(s);
    // More than 65535 datagrams cannot be numbered: none is sent.
    memset(&got, 0, sizeof(got));
    ck_assert_uint_eq(mc_udp_split(3, reply, (size_t)PAYLOAD * 65536, emit, &got),
                      SYS_ERR_OVERFLOW);
    ck_assert_uint_eq(got.n, 0);
}
END_TEST

START_TEST(test_dropped)
{
    const char get[] = "get k\r\n";
    ck_assert_uint_eq(request(1, 0, 2, get, strlen(get)), SYS_ERR_UNSUPPORTED);
    ck_assert_uint_eq(request(1, 1, 2, get, strlen(get)), SYS_ERR_UNSUPPORTED);
    ck_assert_uint_eq(got.n, 0);
    const uint8_t runt[5] = {0, 1, 0, 0, 0};
    ck_assert_uint_eq(mc_udp_request(cache, runt, sizeof(runt), emit, &got), SYS_ERR_CORRUPT);
    ck_assert_uint_eq(got.n, 0);
    ck_assert_uint_eq(mc_cache_stats(cache)->udp_dropped, 3);
    // A header alone is an empty request: no reply.
    ck_assert_uint_eq(request(2, 0, 1, "", 0), SYS_ERR_OK);
    ck_assert_uint_eq(got.n, 0);
    ck_assert_uint_eq(mc_cache_stats(cache)->udp_dropped, 3);
}
END_TEST

static Suite *mc_udp_suite(void)
{
    Suite *s = suite_create("mc_udp");
    TCase *t = tcase_create("mc_udp");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_header);
    tcase_add_test(t, test_single_datagram);
    tcase_add_test(t, test_multi_datagram_reply);
    tcase_add_test(t, test_split_boundaries);
    tcase_add_test(t, test_dropped);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(mc_udp_suite)
