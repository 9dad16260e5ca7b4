/* tests/unit/libc/check_string.c: lib/c's string, ctype and errno functions against the host libc.
 */
#define _GNU_SOURCE // memrchr
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unit.h>

#include "errno_list.h"
#include "libc_test.h"
#include "sietch/malloc.h"
#include "sys_host.h"

// Truncating with strncpy and strncat is what these tests are about.
#pragma GCC diagnostic ignored "-Wstringop-truncation"

static int sign(long x) { return (x > 0) - (x < 0); }

// A random string of len bytes drawn from alphabet, NUL-terminated.
static void random_string(char *s, size_t len, const char *alphabet)
{
    size_t n = strlen(alphabet);
    for (size_t i = 0; i < len; i++)
        s[i] = alphabet[rand() % n];
    s[len] = 0;
}

// Small alphabets make equal prefixes and matches common; the high bytes
// catch signed-char mistakes.
static const char *const alphabets[] = {"ab", "abc,", "aB\x80\xff", "xyzXYZ ,;"};

static const char *some_alphabet(void) { return alphabets[rand() % 4]; }

START_TEST(test_memory_functions)
{
    srand(1);
    unsigned char a[300], b[300], ours[300], host[300];
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = rand() % 256, off1 = rand() % 40, off2 = rand() % 40;
        for (size_t i = 0; i < sizeof(a); i++) {
            a[i] = rand() % 4 ? rand() % 3 : 0x80 + rand() % 3;
            b[i] = rand() % 4 ? rand() % 3 : 0x80 + rand() % 3;
        }
        ck_assert_int_eq(sign(sietch_memcmp(a, b, n)), sign(memcmp(a, b, n)));
        memcpy(ours, b, sizeof(b));
        memcpy(host, b, sizeof(b));
        ck_assert_ptr_eq(sietch_memcpy(ours + off1, a + off2, n), ours + off1);
        memcpy(host + off1, a + off2, n);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        // Overlapping moves, in both directions.
        ck_assert_ptr_eq(sietch_memmove(ours + off1, ours + off2, n), ours + off1);
        memmove(host + off1, host + off2, n);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        int c = rand() % 1024 - 512; // converted to unsigned char
        ck_assert_ptr_eq(sietch_memset(ours + off2, c, n), ours + off2);
        memset(host + off2, c, n);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        c = (rand() % 2 ? 0x80 : 0) + rand() % 3 + (rand() % 2) * 256;
        ck_assert_ptr_eq(sietch_memchr(a + off1, c, n), memchr(a + off1, c, n));
        ck_assert_ptr_eq(sietch_memrchr(a + off1, c, n), memrchr(a + off1, c, n));
    }
}
END_TEST

START_TEST(test_compare_and_search)
{
    srand(2);
    char s[64], t[64];
    for (int iter = 0; iter < 20000; iter++) {
        random_string(s, rand() % 24, some_alphabet());
        random_string(t, rand() % 6, some_alphabet());
        size_t n = rand() % 30;
        ck_assert_uint_eq(sietch_strlen(s), strlen(s));
        ck_assert_uint_eq(sietch_strnlen(s, n), strnlen(s, n));
        ck_assert_int_eq(sign(sietch_strcmp(s, t)), sign(strcmp(s, t)));
        ck_assert_int_eq(sign(sietch_strncmp(s, t, n)), sign(strncmp(s, t, n)));
        ck_assert_int_eq(sign(sietch_strcasecmp(s, t)), sign(strcasecmp(s, t)));
        ck_assert_int_eq(sign(sietch_strncasecmp(s, t, n)), sign(strncasecmp(s, t, n)));
        int c = t[0] ? t[0] : 'a';
        ck_assert_ptr_eq(sietch_strchr(s, c), strchr(s, c));
        ck_assert_ptr_eq(sietch_strrchr(s, c), strrchr(s, c));
        ck_assert_ptr_eq(sietch_strchr(s, 0), strchr(s, 0));
        ck_assert_ptr_eq(sietch_strstr(s, t), strstr(s, t));
        ck_assert_uint_eq(sietch_strspn(s, t), strspn(s, t));
        ck_assert_uint_eq(sietch_strcspn(s, t), strcspn(s, t));
        ck_assert_ptr_eq(sietch_strpbrk(s, t), strpbrk(s, t));
    }
    // Case folding is ASCII only: bytes above 127 compare as themselves.
    ck_assert_int_eq(sietch_strcasecmp("HeLLo, World", "hello, wORLD"), 0);
    ck_assert_int_lt(sietch_strcasecmp("a", "\xc0"), 0);
    ck_assert_int_eq(sietch_strncasecmp("abcX", "ABCy", 3), 0);
}
END_TEST

START_TEST(test_copy_and_concatenate)
{
    srand(3);
    char src[64], ours[128], host[128];
    for (int iter = 0; iter < 5000; iter++) {
        random_string(src, rand() % 40, some_alphabet());
        size_t n = rand() % 50;
        size_t pre = rand() % 20;
        // A prefix for the concatenations; the rest is garbage that must
        // stay untouched beyond what each function may write.
        memset(ours, 'Q', sizeof(ours));
        random_string(ours, pre, "pq");
        memcpy(host, ours, sizeof(host));

        ck_assert_ptr_eq(sietch_strncat(ours, src, n), ours);
        strncat(host, src, n);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        ck_assert_ptr_eq(sietch_strcat(ours, src), ours);
        strcat(host, src);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        ck_assert_ptr_eq(sietch_strncpy(ours, src, n), ours); // pads with NULs up to n
        strncpy(host, src, n);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        ck_assert_ptr_eq(sietch_strcpy(ours + 1, src), ours + 1);
        strcpy(host + 1, src);
        ck_assert_mem_eq(ours, host, sizeof(ours));
    }
}
END_TEST

// strlcpy has no host counterpart here (glibc 2.38+): check its contract.
START_TEST(test_strlcpy)
{
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    ck_assert_uint_eq(sietch_strlcpy(buf, "abc", sizeof(buf)), 3);
    ck_assert_str_eq(buf, "abc");
    ck_assert_uint_eq(sietch_strlcpy(buf, "abcdefghij", 5), 10); // truncated: result >= size
    ck_assert_str_eq(buf, "abcd");
    ck_assert_int_eq(buf[5], 'X');
    ck_assert_uint_eq(sietch_strlcpy(buf, "zz", 0), 2); // size 0 writes nothing
    ck_assert_str_eq(buf, "abcd");
}
END_TEST

START_TEST(test_strtok)
{
    srand(4);
    char ours[64], host[64];
    for (int iter = 0; iter < 3000; iter++) {
        random_string(ours, rand() % 40, "ab,; ");
        memcpy(host, ours, sizeof(host));
        const char *delims[] = {",", ", ;", "", "ab"};
        char *save1 = NULL, *save2 = NULL, *t1, *t2;
        char *p1 = ours, *p2 = host;
        do {
            const char *d = delims[rand() % 4];
            t1 = sietch_strtok_r(p1, d, &save1);
            t2 = strtok_r(p2, d, &save2);
            ck_assert_int_eq(t1 == NULL, t2 == NULL);
            if (t1)
                ck_assert_int_eq(t1 - ours, t2 - host);
            p1 = p2 = NULL;
        } while (t1);
        ck_assert_mem_eq(ours, host, sizeof(ours));
        // Once finished, a tokenization stays finished.
        ck_assert_ptr_null(sietch_strtok_r(NULL, ",", &save1));
    }
    // strtok: the same, with its one hidden state.
    char line[] = "  one two,,three ";
    ck_assert_str_eq(sietch_strtok(line, " ,"), "one");
    ck_assert_str_eq(sietch_strtok(NULL, " ,"), "two");
    ck_assert_str_eq(sietch_strtok(NULL, " ,"), "three");
    ck_assert_ptr_null(sietch_strtok(NULL, " ,"));
    ck_assert_ptr_null(sietch_strtok(NULL, " ,"));
}
END_TEST

START_TEST(test_strdup)
{
    char *a = sietch_strdup("hello");
    char *b = sietch_strndup("hello", 3);
    char *c = sietch_strndup("hi", 10);
    ck_assert_str_eq(a, "hello");
    ck_assert_str_eq(b, "hel");
    ck_assert_str_eq(c, "hi");
    struct malloc_stats st;
    malloc_get_stats(&st);
    ck_assert_uint_eq(st.allocs, 3); // from lib/c's heap, not the host's
    sietch_free(a);
    sietch_free(b);
    sietch_free(c);
    ck_assert_ptr_null(malloc_check_heap());
}
END_TEST

START_TEST(test_strdup_out_of_memory)
{
    host_heap_limit(0);
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_strdup("x"));
    ck_assert_int_eq(sietch_errno, ENOMEM);
}
END_TEST

// Every class function and both conversions, on every argument the C
// standard allows (EOF and 0..255), against the host in the C locale.
START_TEST(test_ctype)
{
    struct {
        const char *name;
        int (*ours)(int), (*host)(int);
    } fns[] = {
        {"isalnum", sietch_isalnum, isalnum},    {"isalpha", sietch_isalpha, isalpha},
        {"iscntrl", sietch_iscntrl, iscntrl},    {"isdigit", sietch_isdigit, isdigit},
        {"isgraph", sietch_isgraph, isgraph},    {"islower", sietch_islower, islower},
        {"isprint", sietch_isprint, isprint},    {"ispunct", sietch_ispunct, ispunct},
        {"isspace", sietch_isspace, isspace},    {"isupper", sietch_isupper, isupper},
        {"isxdigit", sietch_isxdigit, isxdigit}, {"isblank", sietch_isblank, isblank},
    };
    for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
        for (int c = -1; c <= 255; c++)
            ck_assert_msg(!fns[f].ours(c) == !fns[f].host(c), "%s(%d)", fns[f].name, c);
    }
    for (int c = -1; c <= 255; c++) {
        ck_assert_int_eq(sietch_toupper(c), toupper(c));
        ck_assert_int_eq(sietch_tolower(c), tolower(c));
    }
    // Out-of-range arguments (a negative plain char) belong to no class.
    ck_assert_int_eq(sietch_isalpha(-60), 0);
    ck_assert_int_eq(sietch_isprint(1000), 0);
    ck_assert_int_eq(sietch_toupper(-60), -60);
}
END_TEST

// lib/c's errno values are Linux's, as docs/libc.md says: compare each name
// with the host's.
#define HOST_ERRNO(name) name,
START_TEST(test_errno_values)
{
    static const int host[] = {LIBC_ERRNO_LIST(HOST_ERRNO)};
    size_t n = 0;
    for (; libc_side_errnos[n].name; n++)
        ck_assert_msg(libc_side_errnos[n].value == host[n], "%s: lib/c %d, host %d",
                      libc_side_errnos[n].name, libc_side_errnos[n].value, host[n]);
    ck_assert_uint_eq(n, sizeof(host) / sizeof(host[0]));
}
END_TEST

START_TEST(test_strerror)
{
    for (size_t i = 0; libc_side_errnos[i].name; i++) {
        int e = libc_side_errnos[i].value;
        const char *msg = sietch_strerror(e);
        ck_assert_msg(strcmp(msg, "Unknown error") != 0 && msg[0], "%s has no message",
                      libc_side_errnos[i].name);
        // Distinct codes have distinct messages (aliases share their value).
        for (size_t j = 0; j < i; j++) {
            if (libc_side_errnos[j].value != e)
                ck_assert_str_ne(msg, sietch_strerror(libc_side_errnos[j].value));
        }
    }
    ck_assert_str_eq(sietch_strerror(ENOMEM), "Out of memory");
    ck_assert_str_eq(sietch_strerror(0), "Success");
    ck_assert_str_eq(sietch_strerror(-1), "Unknown error");
    ck_assert_str_eq(sietch_strerror(41), "Unknown error"); // a hole in the table
    ck_assert_str_eq(sietch_strerror(100000), "Unknown error");
}
END_TEST

START_TEST(test_constants)
{
    ck_assert_int_eq(libc_side_eof, EOF);
    ck_assert_int_eq(libc_side_rand_max, 0x7fffffff);
    ck_assert_int_eq(libc_side_exit_failure, EXIT_FAILURE);
}
END_TEST

static Suite *string_suite(void)
{
    Suite *s = suite_create("libc_string");
    TCase *tc = tcase_create("string");
    tcase_add_test(tc, test_memory_functions);
    tcase_add_test(tc, test_compare_and_search);
    tcase_add_test(tc, test_copy_and_concatenate);
    tcase_add_test(tc, test_strlcpy);
    tcase_add_test(tc, test_strtok);
    tcase_add_test(tc, test_strdup);
    tcase_add_test(tc, test_strdup_out_of_memory);
    tcase_add_test(tc, test_ctype);
    tcase_add_test(tc, test_errno_values);
    tcase_add_test(tc, test_strerror);
    tcase_add_test(tc, test_constants);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(string_suite)
