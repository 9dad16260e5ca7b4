/* lib/c/stdlib.c: program exit, abort and fatal errors, atexit, and small stdlib functions. */
#include <assert.h>
#include <base/fmt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define ATEXIT_MAX 32 // the C standard's minimum

static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
    int ret = -1;
    libc_lock(LIBC_LOCK_ATEXIT);
    if (atexit_count < ATEXIT_MAX) {
        atexit_fns[atexit_count++] = fn;
        ret = 0;
    }
    libc_unlock(LIBC_LOCK_ATEXIT);
    return ret;
}

void exit(int status)
{
    // Each handler is taken off the table before it runs, so a handler that
    // registers another or calls exit itself does not run twice.
    for (;;) {
        libc_lock(LIBC_LOCK_ATEXIT);
        void (*fn)(void) = atexit_count > 0 ? atexit_fns[--atexit_count] : NULL;
        libc_unlock(LIBC_LOCK_ATEXIT);
        if (!fn)
            break;
        fn();
    }
    libc_stdio_flush_all();
    libc_sys_exit(status);
}

void _Exit(int status) { libc_sys_exit(status); }

void abort(void)
{
    libc_stdio_flush_all();
    libc_sys_exit(LIBC_EXIT_ABORT);
}

void libc_fatal(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(msg) - 2)
        n = sizeof(msg) - 2;
    msg[n++] = '\n';
    libc_stdio_flush_all();
    libc_sys_write(msg, n);
    abort();
}

void libc_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "assertion failed: %s (%s:%d, %s)\n", expr, file, line, func);
    abort();
}

int abs(int x) { return x < 0 ? -x : x; }

long labs(long x) { return x < 0 ? -x : x; }

long long llabs(long long x) { return x < 0 ? -x : x; }

// Knuth's MMIX linear congruential generator; the high bits are the good
// ones, so rand() returns bits 33..63.
static uint64_t rand_state = 1;

int rand(void)
{
    rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(rand_state >> 33);
}

void srand(unsigned seed) { rand_state = seed; }

char *getenv(const char *name) { return NULL; }
