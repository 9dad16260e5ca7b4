/* tests/unit/libc/check_stdio.c: lib/c's console streams, printf family, exit, abort, assert and
 * locks. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <unit.h>

#include "libc_test.h"
#include "sietch/libc_sys.h"
#include "sys_host.h"

#define OUT sietch_stdout
#define ERR sietch_stderr
#define IN  sietch_stdin

START_TEST(test_printf_is_one_write)
{
    host_out_reset();
    ck_assert_int_eq(sietch_printf("%d items, %s\n", 3, "ok"), 12);
    ck_assert_str_eq(host_out, "3 items, ok\n");
    ck_assert_uint_eq(host_writes, 1);
    // Several lines in one call: still one write.
    sietch_printf("a\nb\nc\n");
    ck_assert_str_eq(host_out, "3 items, ok\na\nb\nc\n");
    ck_assert_uint_eq(host_writes, 2);
}
END_TEST

START_TEST(test_line_buffering)
{
    host_out_reset();
    sietch_printf("no newline ");
    sietch_putchar('x');
    sietch_fputs(" yet", OUT);
    ck_assert_uint_eq(host_writes, 0); // held until a newline
    sietch_printf(" and now%c", '\n');
    ck_assert_str_eq(host_out, "no newline x yet and now\n");
    ck_assert_uint_eq(host_writes, 1);
    sietch_printf("partial");
    ck_assert_int_eq(sietch_fflush(OUT), 0);
    ck_assert_str_eq(host_out, "no newline x yet and now\npartial");
    ck_assert_uint_eq(host_writes, 2);
    ck_assert_int_eq(sietch_fflush(NULL), 0); // nothing left: no empty write
    ck_assert_uint_eq(host_writes, 2);
}
END_TEST

START_TEST(test_long_output)
{
    static char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    host_out_reset();
    ck_assert_int_eq(sietch_printf("<%s>\n", big), 5002);
    ck_assert_uint_eq(host_out_len, 5002);
    ck_assert_int_eq(host_out[0], '<');
    ck_assert_int_eq(memcmp(host_out + 1, big, 4999), 0);
    ck_assert_str_eq(host_out + 5000, ">\n");
    // A 1 KiB buffer: sent in pieces when full, not byte by byte.
    ck_assert_uint_ge(host_writes, 5);
    ck_assert_uint_le(host_writes, 6);
}
END_TEST

START_TEST(test_stderr_keeps_order)
{
    host_out_reset();
    sietch_printf("out ");
    ck_assert_int_eq(sietch_fprintf(ERR, "err %d", 1), 5); // no newline: sent anyway
    ck_assert_str_eq(host_out, "out err 1");
    ck_assert_uint_eq(host_writes, 2); // stdout's pending text first, then stderr's
    sietch_fputc('!', ERR);
    ck_assert_str_eq(host_out, "out err 1!");
    ck_assert_uint_eq(host_writes, 3);
}
END_TEST

START_TEST(test_output_functions)
{
    host_out_reset();
    ck_assert_int_eq(sietch_puts("line"), 0);
    ck_assert_int_ge(sietch_fputs("two\n", OUT), 0);
    ck_assert_int_eq(sietch_fputc(0x141, OUT), 0x41); // as an unsigned char: 'A'
    ck_assert_int_eq(sietch_putc('\n', OUT), '\n');
    ck_assert_uint_eq(sietch_fwrite("abcdef", 2, 3, OUT), 3);
    ck_assert_uint_eq(sietch_fwrite("xyz", 0, 3, OUT), 0);
    ck_assert_uint_eq(sietch_fwrite("\n", 1, 1, OUT), 1);
    ck_assert_str_eq(host_out, "line\ntwo\nA\nabcdef\n");
    ck_assert_uint_eq(host_writes, 4);
}
END_TEST

static int call_vfprintf(struct libc_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = sietch_vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

static int call_vprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = sietch_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

START_TEST(test_bad_streams)
{
    host_out_reset();
    sietch_errno = 0;
    ck_assert_int_lt(sietch_fprintf(IN, "x"), 0);
    ck_assert_int_eq(sietch_errno, EBADF);
    sietch_errno = 0;
    ck_assert_int_eq(sietch_fputc('x', NULL), -1);
    ck_assert_int_eq(sietch_errno, EBADF);
    ck_assert_int_eq(sietch_fputs("x", IN), -1);
    ck_assert_uint_eq(sietch_fwrite("x", 1, 1, IN), 0);
    ck_assert_int_lt(call_vfprintf((struct libc_file *)&host_writes, "x"), 0);
    sietch_errno = 0;
    ck_assert_int_eq(sietch_fflush((struct libc_file *)&host_writes), -1);
    ck_assert_int_eq(sietch_errno, EBADF);
    ck_assert_int_eq(sietch_fflush(IN), 0); // stdin holds nothing to send
    sietch_errno = 0;
    ck_assert_int_eq(sietch_fgetc(OUT), -1);
    ck_assert_int_eq(sietch_errno, EBADF);
    char buf[8];
    ck_assert_ptr_null(sietch_fgets(buf, sizeof(buf), ERR));
    sietch_errno = 0;
    ck_assert_ptr_null(sietch_fgets(buf, 0, IN));
    ck_assert_int_eq(sietch_errno, EINVAL);
    ck_assert_uint_eq(sietch_fwrite("x", SIZE_MAX / 2, 3, OUT), 0); // no object is that big
    ck_assert_int_eq(sietch_ferror(OUT), 0);
    ck_assert_uint_eq(host_writes, 0);
    ck_assert_uint_eq(host_reads, 0);
}
END_TEST

// snprintf and friends: lib/base's engine through lib/c, against the host.
#define SAME(...)                                                                                  \
    do {                                                                                           \
        char ours[128], host[128];                                                                 \
        int n1 = sietch_snprintf(ours, sizeof(ours), __VA_ARGS__);                                 \
        int n2 = snprintf(host, sizeof(host), __VA_ARGS__);                                        \
        ck_assert_str_eq(ours, host);                                                              \
        ck_assert_int_eq(n1, n2);                                                                  \
    } while (0)

static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = sietch_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static int call_vsprintf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = sietch_vsprintf(buf, fmt, ap);
    va_end(ap);
    return n;
}

START_TEST(test_string_formatting)
{
    SAME("%d|%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42, 42);
    SAME("%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX);
    SAME("%x %X %#x %o %#o", 0xbeefu, 0xbeefu, 0xbeefu, 8u, 8u);
    SAME("%s|%.2s|%8s|%-8s|", "abc", "abc", "abc", "abc");
    SAME("%c%c %zu %td %%", 'h', 'i', (size_t)7, (ptrdiff_t)-7);
    SAME("%*d|%-*d|%.*d", 6, 1, 6, 1, 4, 1);
    char buf[16];
    memset(buf, 'X', sizeof(buf));
    ck_assert_int_eq(sietch_snprintf(buf, 4, "%s", "abcdef"), 6);
    ck_assert_str_eq(buf, "abc");
    ck_assert_int_eq(buf[4], 'X'); // nothing past size
    ck_assert_int_eq(sietch_snprintf(NULL, 0, "%d", 12345), 5);
    ck_assert_int_eq(call_vsnprintf(buf, sizeof(buf), "%s-%d", "v", 9), 3);
    ck_assert_str_eq(buf, "v-9");
    ck_assert_int_eq(sietch_sprintf(buf, "[%04x]", 0xab), 6);
    ck_assert_str_eq(buf, "[00ab]");
    ck_assert_int_eq(call_vsprintf(buf, "%s%s", "ab", "cd"), 4);
    ck_assert_str_eq(buf, "abcd");
    host_out_reset();
    ck_assert_int_eq(call_vprintf("%s=%d\n", "n", 5), 4);
    ck_assert_int_eq(call_vfprintf(OUT, "%s\n", "v"), 2);
    ck_assert_str_eq(host_out, "n=5\nv\n");
}
END_TEST

START_TEST(test_perror)
{
    host_out_reset();
    sietch_errno = 12; // ENOMEM in lib/c's numbering, as on Linux
    sietch_perror("alloc");
    sietch_errno = 9999;
    sietch_perror(NULL);
    sietch_errno = 22;
    sietch_perror("");
    ck_assert_str_eq(host_out, "alloc: Out of memory\nUnknown error\nInvalid argument\n");
    ck_assert_uint_eq(host_writes, 3);
}
END_TEST

START_TEST(test_getchar_and_eof)
{
    host_set_input("ab\ncd", 2);
    ck_assert_int_eq(sietch_getchar(), 'a');
    ck_assert_int_eq(sietch_getc(IN), 'b');
    ck_assert_int_eq(sietch_fgetc(IN), '\n');
    ck_assert_int_eq(sietch_getchar(), 'c');
    ck_assert_int_eq(sietch_getchar(), 'd');
    ck_assert_uint_eq(host_reads, 3); // two bytes a read, as the hook hands them out
    ck_assert_int_eq(sietch_feof(IN), 0);
    ck_assert_int_eq(sietch_getchar(), -1);
    ck_assert_int_ne(sietch_feof(IN), 0);
    ck_assert_int_eq(sietch_ferror(IN), 0);
    sietch_clearerr(IN);
    ck_assert_int_eq(sietch_feof(IN), 0);
    // Bytes above 127 come back as unsigned char values, not as EOF.
    host_set_input("\xff\x80", 100);
    ck_assert_int_eq(sietch_getchar(), 0xff);
    ck_assert_int_eq(sietch_getchar(), 0x80);
}
END_TEST

START_TEST(test_fgets)
{
    host_set_input("first line\nsecond\n\nlast without newline", 5);
    char buf[64];
    ck_assert_ptr_eq(sietch_fgets(buf, sizeof(buf), IN), buf);
    ck_assert_str_eq(buf, "first line\n");
    ck_assert_ptr_eq(sietch_fgets(buf, 4, IN), buf); // at most n - 1 bytes
    ck_assert_str_eq(buf, "sec");
    ck_assert_ptr_eq(sietch_fgets(buf, sizeof(buf), IN), buf);
    ck_assert_str_eq(buf, "ond\n");
    ck_assert_ptr_eq(sietch_fgets(buf, sizeof(buf), IN), buf);
    ck_assert_str_eq(buf, "\n");
    ck_assert_ptr_eq(sietch_fgets(buf, 1, IN), buf); // room for the NUL only
    ck_assert_str_eq(buf, "");
    ck_assert_ptr_eq(sietch_fgets(buf, sizeof(buf), IN), buf);
    ck_assert_str_eq(buf, "last without newline");
    strcpy(buf, "unchanged");
    ck_assert_ptr_null(sietch_fgets(buf, sizeof(buf), IN)); // input over, nothing read
    ck_assert_str_eq(buf, "unchanged");
}
END_TEST

START_TEST(test_read_flushes_prompt)
{
    host_out_reset();
    host_set_input("y\n", 64);
    sietch_printf("continue? ");
    ck_assert_uint_eq(host_writes, 0);
    ck_assert_int_eq(sietch_getchar(), 'y');
    ck_assert_uint_eq(host_out_len_at_read, strlen("continue? ")); // out before the read
    ck_assert_str_eq(host_out, "continue? ");
}
END_TEST

// --- exit, _Exit, abort, assert: in forked tests, checked in host_at_exit.

static void handler_one(void) { sietch_printf("one"); }

static void handler_two(void) { sietch_printf("two,"); }

static void expect_output_at_exit(int status)
{
    static const char *const want[] = {[7] = "pending;two,one", [5] = "", [0] = "handled"};
    if (status < 0 || status > 7 || !want[status] || strcmp(host_out, want[status]) != 0)
        _exit(98);
}

START_TEST(test_exit_runs_handlers_and_flushes)
{
    host_out_reset();
    host_at_exit = expect_output_at_exit;
    ck_assert_int_eq(sietch_atexit(handler_one), 0);
    ck_assert_int_eq(sietch_atexit(handler_two), 0);
    sietch_printf("pending;");
    sietch_exit(7); // handlers last-in first-out, then the flush
}
END_TEST

static void exit_again(void)
{
    sietch_printf("handled");
    sietch_exit(0); // nested exit: the remaining handlers, not this one again
}

START_TEST(test_exit_from_handler)
{
    host_out_reset();
    host_at_exit = expect_output_at_exit;
    sietch_atexit(exit_again);
    sietch_exit(3);
}
END_TEST

START_TEST(test_Exit_skips_everything)
{
    host_out_reset();
    host_at_exit = expect_output_at_exit;
    sietch_atexit(handler_one);
    sietch_printf("never sent");
    sietch__Exit(5);
}
END_TEST

START_TEST(test_atexit_table_full)
{
    for (int i = 0; i < 32; i++)
        ck_assert_int_eq(sietch_atexit(handler_one), 0);
    ck_assert_int_eq(sietch_atexit(handler_one), -1);
}
END_TEST

static void expect_only_last_words(int status)
{
    if (status != LIBC_EXIT_ABORT || strcmp(host_out, "last words") != 0)
        _exit(98);
}

START_TEST(test_abort_flushes)
{
    host_out_reset();
    host_at_exit = expect_only_last_words;
    sietch_atexit(handler_one); // must not run
    host_expect_abort("last words");
    sietch_printf("last words");
    sietch_abort();
}
END_TEST

static void expect_assert_message(int status)
{
    const char *want[] = {"assertion failed: two + two == 5 (tests/unit/libc/libc_side.c:",
                          ", libc_side_assert_fails)\n"};
    if (status != LIBC_EXIT_ABORT || !strstr(host_out, want[0]) || !strstr(host_out, want[1]))
        _exit(98);
}

START_TEST(test_assert_fails)
{
    host_out_reset();
    host_at_exit = expect_assert_message;
    host_expect_abort("assertion failed");
    libc_side_assert_fails();
}
END_TEST

START_TEST(test_assert_holds)
{
    int evaluated = 0;
    libc_side_assert_holds(&evaluated);
    ck_assert_int_eq(evaluated, 1); // evaluated exactly once
    libc_side_assert_ndebug(&evaluated);
    ck_assert_int_eq(evaluated, 1); // not at all under NDEBUG
}
END_TEST

// --- Lock hooks.

static int held[LIBC_LOCK_COUNT], locks[LIBC_LOCK_COUNT], violations;

static void test_lock(enum libc_lock_id id)
{
    if (id >= LIBC_LOCK_COUNT || held[id])
        violations++; // unknown lock, or taken twice
    // stdout is innermost, atexit never nests: nothing may be taken while
    // either is held.
    if (held[LIBC_LOCK_STDOUT] || held[LIBC_LOCK_ATEXIT])
        violations++;
    held[id]++;
    locks[id]++;
}

static void test_unlock(enum libc_lock_id id)
{
    if (id >= LIBC_LOCK_COUNT || !held[id])
        violations++;
    held[id]--;
}

START_TEST(test_lock_hooks)
{
    struct libc_lock_hooks hooks = {test_lock, test_unlock};
    libc_set_lock_hooks(&hooks);
    host_out_reset();
    host_set_input("in\n", 1);
    sietch_printf("prompt ");
    char line[8];
    ck_assert_ptr_nonnull(sietch_fgets(line, sizeof(line), IN));
    sietch_fprintf(ERR, "e\n");
    void *p = sietch_malloc(100);
    p = sietch_realloc(p, 5000);
    sietch_free(p);
    sietch_atexit(handler_one);
    ck_assert_int_eq(violations, 0);
    for (int id = 0; id < LIBC_LOCK_COUNT; id++) {
        ck_assert_msg(locks[id] > 0, "lock %d never taken", id);
        ck_assert_msg(held[id] == 0, "lock %d still held", id);
    }
    // Back to no-ops: the hooks are not called any more.
    libc_set_lock_hooks(NULL);
    int before = locks[LIBC_LOCK_STDOUT];
    sietch_printf("x\n");
    ck_assert_int_eq(locks[LIBC_LOCK_STDOUT], before);
}
END_TEST

START_TEST(test_lock_hooks_incomplete)
{
    host_out_reset();
    host_expect_abort("libc_set_lock_hooks: both lock and unlock must be given");
    struct libc_lock_hooks half = {test_lock, NULL};
    libc_set_lock_hooks(&half);
}
END_TEST

static Suite *stdio_suite(void)
{
    Suite *s = suite_create("libc_stdio");
    TCase *tc = tcase_create("stdio");
    tcase_add_test(tc, test_printf_is_one_write);
    tcase_add_test(tc, test_line_buffering);
    tcase_add_test(tc, test_long_output);
    tcase_add_test(tc, test_stderr_keeps_order);
    tcase_add_test(tc, test_output_functions);
    tcase_add_test(tc, test_bad_streams);
    tcase_add_test(tc, test_string_formatting);
    tcase_add_test(tc, test_perror);
    tcase_add_test(tc, test_getchar_and_eof);
    tcase_add_test(tc, test_fgets);
    tcase_add_test(tc, test_read_flushes_prompt);
    tcase_add_exit_test(tc, test_exit_runs_handlers_and_flushes, 7);
    tcase_add_exit_test(tc, test_exit_from_handler, 0);
    tcase_add_exit_test(tc, test_Exit_skips_everything, 5);
    tcase_add_test(tc, test_atexit_table_full);
    tcase_add_test_raise_signal(tc, test_abort_flushes, SIGABRT);
    tcase_add_test_raise_signal(tc, test_assert_fails, SIGABRT);
    tcase_add_test(tc, test_assert_holds);
    tcase_add_test(tc, test_lock_hooks);
    tcase_add_test_raise_signal(tc, test_lock_hooks_incomplete, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(stdio_suite)
