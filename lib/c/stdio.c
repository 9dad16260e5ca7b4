/* lib/c/stdio.c: the console streams stdin, stdout and stderr, and the printf family. */
#include <base/fmt.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct libc_file {
    char *buf;
    size_t cap;
    size_t len;    // output: bytes waiting; input: bytes valid in buf
    size_t pos;    // input: the next byte to hand out
    bool per_call; // stderr: sent at the end of every call
    bool newline;  // output: a newline went in during this call
    bool eof;      // input: the console input has ended
};

static char stdin_buf[256], stdout_buf[BUFSIZ], stderr_buf[256];

static struct libc_file files[3] = {
    {.buf = stdin_buf, .cap = sizeof(stdin_buf)},
    {.buf = stdout_buf, .cap = sizeof(stdout_buf)},
    {.buf = stderr_buf, .cap = sizeof(stderr_buf), .per_call = true},
};

FILE *stdin = &files[0];
FILE *stdout = &files[1];
FILE *stderr = &files[2];

static bool is_output(FILE *f) { return f == &files[1] || f == &files[2]; }

// --- Output. Callers hold LIBC_LOCK_STDOUT between out_begin and out_end.

static void out_send(FILE *f)
{
    if (f->len > 0)
        libc_sys_write(f->buf, f->len);
    f->len = 0;
}

static void out_putc(void *arg, char c)
{
    FILE *f = arg;
    f->buf[f->len++] = c;
    if (c == '\n')
        f->newline = true;
    if (f->len == f->cap)
        out_send(f);
}

// Start an output call on f. Returns false (errno EBADF) for a non-stream.
static bool out_begin(FILE *f)
{
    if (!is_output(f)) {
        errno = EBADF;
        return false;
    }
    libc_lock(LIBC_LOCK_STDOUT);
    // stderr text must follow what stdout already holds, as the program
    // wrote it.
    if (f->per_call)
        out_send(&files[1]);
    return true;
}

static void out_end(FILE *f)
{
    if (f->per_call || f->newline)
        out_send(f);
    f->newline = false;
    libc_unlock(LIBC_LOCK_STDOUT);
}

static void out_str(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out_putc(f, s[i]);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    if (!out_begin(f))
        return -1;
    int n = fmt_vformat(out_putc, f, fmt, ap);
    out_end(f);
    return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char *restrict fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int printf(const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
    // An int is all the result can count anyway.
    return fmt_vsnprintf(buf, INT_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, INT_MAX, fmt, ap);
    va_end(ap);
    return n;
}

size_t fwrite(const void *restrict p, size_t size, size_t nmemb, FILE *restrict f)
{
    if (size == 0 || nmemb == 0)
        return 0;
    if (nmemb > SIZE_MAX / size) {
        errno = EINVAL; // no object is that large
        return 0;
    }
    if (!out_begin(f))
        return 0;
    out_str(f, p, size * nmemb);
    out_end(f);
    return nmemb;
}

int fputc(int c, FILE *f)
{
    if (!out_begin(f))
        return EOF;
    out_putc(f, (char)c);
    out_end(f);
    return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }

int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *restrict s, FILE *restrict f)
{
    if (!out_begin(f))
        return EOF;
    out_str(f, s, strlen(s));
    out_end(f);
    return 0;
}

int puts(const char *s)
{
    if (!out_begin(stdout))
        return EOF;
    out_str(stdout, s, strlen(s));
    out_putc(stdout, '\n');
    out_end(stdout);
    return 0;
}

int fflush(FILE *f)
{
    if (f == &files[0])
        return 0;
    if (f && !is_output(f)) {
        errno = EBADF;
        return EOF;
    }
    libc_lock(LIBC_LOCK_STDOUT);
    if (!f || f == &files[1])
        out_send(&files[1]);
    if (!f || f == &files[2])
        out_send(&files[2]);
    libc_unlock(LIBC_LOCK_STDOUT);
    return 0;
}

void libc_stdio_flush_all(void) { fflush(NULL); }

void perror(const char *s)
{
    const char *msg = strerror(errno);
    if (s && *s)
        fprintf(stderr, "%s: %s\n", s, msg);
    else
        fprintf(stderr, "%s\n", msg);
}

// --- Input. Callers hold LIBC_LOCK_STDIN.

// Fill stdin's buffer from the console. Returns false at end of input.
static bool in_fill(FILE *f)
{
    fflush(&files[1]);
    size_t n = libc_sys_read(f->buf, f->cap);
    if (n > f->cap)
        libc_fatal("libc_sys_read returned %zu for a %zu-byte buffer", n, f->cap);
    f->len = n;
    f->pos = 0;
    if (n == 0)
        f->eof = true;
    return n > 0;
}

static int in_getc(FILE *f)
{
    if (f->pos == f->len && !in_fill(f))
        return EOF;
    return (unsigned char)f->buf[f->pos++];
}

int fgetc(FILE *f)
{
    if (f != &files[0]) {
        errno = EBADF;
        return EOF;
    }
    libc_lock(LIBC_LOCK_STDIN);
    int c = in_getc(f);
    libc_unlock(LIBC_LOCK_STDIN);
    return c;
}

int getc(FILE *f) { return fgetc(f); }

int getchar(void) { return fgetc(stdin); }

char *fgets(char *restrict s, int n, FILE *restrict f)
{
    if (f != &files[0]) {
        errno = EBADF;
        return NULL;
    }
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    libc_lock(LIBC_LOCK_STDIN);
    int i = 0;
    while (i < n - 1) {
        int c = in_getc(f);
        if (c == EOF)
            break;
        s[i++] = (char)c;
        if (c == '\n')
            break;
    }
    libc_unlock(LIBC_LOCK_STDIN);
    if (i == 0 && n > 1)
        return NULL;
    s[i] = 0;
    return s;
}

// --- Indicators.

static bool is_stream(FILE *f) { return f == &files[0] || is_output(f); }

int feof(FILE *f) { return is_stream(f) && f->eof; }

// The console hooks cannot fail (libc_sys_write writes everything), so no
// stream ever has its error indicator set.
int ferror(FILE *f) { return 0; }

void clearerr(FILE *f)
{
    if (is_stream(f))
        f->eof = false;
}
