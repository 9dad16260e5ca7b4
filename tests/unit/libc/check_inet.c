/* tests/unit/libc/check_inet.c: lib/c's <arpa/inet.h> and network headers against the host libc. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unit.h>

#include "inet_test.h"

// lib/os/net's socket layer compiles against lib/c's headers in the user
// world and the host's in its unit tests: the two must agree.
START_TEST(test_header_values)
{
#define HOST_ENTRY(expr) {#expr, (unsigned long)(expr)},
    static const struct libc_net_value host[] = {LIBC_NET_LIST(HOST_ENTRY){NULL, 0}};
    unsigned n = 0;
    for (; inet_side_values[n].name != NULL; n++) {
        ck_assert_str_eq(inet_side_values[n].name, host[n].name);
        ck_assert_msg(inet_side_values[n].value == host[n].value, "%s: lib/c %lu, host %lu",
                      host[n].name, inet_side_values[n].value, host[n].value);
    }
    ck_assert_ptr_null(host[n].name);
    ck_assert_uint_gt(n, 60);
}
END_TEST

START_TEST(test_byte_order)
{
    ck_assert_uint_eq(inet_side_htonl(0x0a000001u), htonl(0x0a000001u));
    ck_assert_uint_eq(inet_side_htons(0x1234), htons(0x1234));
    ck_assert_uint_eq(inet_side_ntohl(0x0100000au), ntohl(0x0100000au));
    ck_assert_uint_eq(inet_side_ntohs(0x3412), ntohs(0x3412));
}
END_TEST

// Strings from an alphabet that makes near-addresses likely.
static void random_string(char *buf, size_t max)
{
    static const char alpha[] = "0123456789.....xXaF -";
    size_t len = (size_t)rand() % max;
    for (size_t i = 0; i < len; i++)
        buf[i] = alpha[rand() % (int)(sizeof(alpha) - 1)];
    buf[len] = '\0';
}

static void compare_parsers(const char *s)
{
    struct in_addr ours = {0x5a5a5a5a}, host = {0x5a5a5a5a};
    int r1 = sietch_inet_pton(AF_INET, s, &ours), r2 = inet_pton(AF_INET, s, &host);
    ck_assert_msg(r1 == r2, "inet_pton(\"%s\"): lib/c %d, host %d", s, r1, r2);
    ck_assert_msg(ours.s_addr == host.s_addr, "inet_pton(\"%s\") stores %08x, host %08x", s,
                  ours.s_addr, host.s_addr);
    r1 = sietch_inet_aton(s, &ours);
    r2 = inet_aton(s, &host);
    ck_assert_msg(r1 == r2, "inet_aton(\"%s\"): lib/c %d, host %d", s, r1, r2);
    if (r1)
        ck_assert_msg(ours.s_addr == host.s_addr, "inet_aton(\"%s\"): %08x, host %08x", s,
                      ours.s_addr, host.s_addr);
    ck_assert_msg(sietch_inet_addr(s) == inet_addr(s), "inet_addr(\"%s\")", s);
}

START_TEST(test_parse_edges)
{
    static const char *cases[] = {"0.0.0.0",    "255.255.255.255",
                                  "10.0.2.15",  "1.2.3.4",
                                  "256.1.1.1",  "1.2.3.256",
                                  "01.2.3.4",   "1.2.3",
                                  "1.2.3.4.",   ".1.2.3.4",
                                  "1..2.3",     "1.2.3.4.5",
                                  "",           " 1.2.3.4",
                                  "1.2.3.4 ",   "1.2.3.4x",
                                  "0x7f.1",     "0x7f000001",
                                  "017.0.0.1",  "08.1.1.1",
                                  "4294967295", "4294967296",
                                  "1.16777215", "1.16777216",
                                  "1.2.65535",  "1.2.65536",
                                  "0x",         "0x.1.2.3",
                                  "0xffffffff", "0x100000000",
                                  "1.2.3.0377", "1.2.3.0400",
                                  "0XaF.1.2.3", "-1.2.3.4",
                                  "1.2.3.4\t",  "1.2.3.4\nx",
                                  "00",         "0",
                                  "1",          "999999999999999999999"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        compare_parsers(cases[i]);
}
END_TEST

START_TEST(test_parse_random)
{
    char s[24];
    srand(7);
    for (int i = 0; i < 50000; i++) {
        random_string(s, sizeof(s));
        compare_parsers(s);
    }
}
END_TEST

START_TEST(test_ntop)
{
    char ours[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];
    srand(11);
    for (int i = 0; i < 100000; i++) {
        struct in_addr a = {(in_addr_t)rand() ^ ((in_addr_t)rand() << 16)};
        if (i % 4 == 0)
            a.s_addr &= 0x0f0f0f0f; // more one- and two-digit parts
        ck_assert_ptr_eq(sietch_inet_ntop(AF_INET, &a, ours, sizeof(ours)), ours);
        ck_assert_ptr_eq(inet_ntop(AF_INET, &a, host, sizeof(host)), host);
        ck_assert_str_eq(ours, host);
        ck_assert_str_eq(sietch_inet_ntoa(a), inet_ntoa(a));
    }
    // Exactly as long as needed works; a byte less is ENOSPC, dst untouched.
    struct in_addr a;
    inet_pton(AF_INET, "255.255.255.255", &a);
    ck_assert_ptr_eq(sietch_inet_ntop(AF_INET, &a, ours, 16), ours);
    memset(ours, 'z', sizeof(ours));
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_inet_ntop(AF_INET, &a, ours, 15));
    ck_assert_int_eq(sietch_errno, ENOSPC);
    ck_assert_int_eq(ours[0], 'z');
    inet_pton(AF_INET, "1.2.3.4", &a);
    ck_assert_ptr_eq(sietch_inet_ntop(AF_INET, &a, ours, 8), ours);
    ck_assert_str_eq(ours, "1.2.3.4");
    ck_assert_ptr_null(sietch_inet_ntop(AF_INET, &a, ours, 7));
}
END_TEST

START_TEST(test_other_families)
{
    struct in_addr a;
    char buf[64];
    sietch_errno = 0;
    ck_assert_int_eq(sietch_inet_pton(10 /* AF_INET6 */, "::1", &a), -1);
    ck_assert_int_eq(sietch_errno, EAFNOSUPPORT);
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_inet_ntop(AF_UNSPEC, &a, buf, sizeof(buf)));
    ck_assert_int_eq(sietch_errno, EAFNOSUPPORT);
}
END_TEST

static Suite *inet_suite(void)
{
    Suite *s = suite_create("libc_inet");
    TCase *tc = tcase_create("inet");
    tcase_add_test(tc, test_header_values);
    tcase_add_test(tc, test_byte_order);
    tcase_add_test(tc, test_parse_edges);
    tcase_add_test(tc, test_parse_random);
    tcase_add_test(tc, test_ntop);
    tcase_add_test(tc, test_other_families);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(inet_suite)
