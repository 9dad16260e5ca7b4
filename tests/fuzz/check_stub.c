/*
 * tests/fuzz/check_stub.c: Check's two assertion entry points, for test
 * code that asserts with Check (the network fixture) inside a libFuzzer
 * binary, where no Check runner runs: a passing assertion does nothing,
 * a failing one prints and aborts, which libFuzzer reports as a finding.
 * (Check's own runner cannot be used there: it takes SIGALRM, which
 * libFuzzer's timeout needs, and answers it by killing the process group.)
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void _mark_point(const char *file, int line)
{
    (void)file;
    (void)line;
}

void _ck_assert_failed(const char *file, int line, const char *expr, const char *msg, ...)
{
    fprintf(stderr, "%s:%d: %s", file, line, expr);
    if (msg) {
        va_list ap;
        va_start(ap, msg);
        fputs(": ", stderr);
        vfprintf(stderr, msg, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    abort();
}
