/* lib/c/include/stdio.h: console input and output, and formatting into strings. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

// The three console streams are the only streams: there is no fopen. stdout
// is line-buffered: what one call writes is sent to the console in one
// piece when it holds a newline, and otherwise waits for a newline,
// fflush, exit, a read from stdin or a write to stderr. stderr is sent at
// the end of every call (after whatever stdout holds, to keep the order).
typedef struct libc_file FILE;
extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

#define EOF    (-1)
#define BUFSIZ 1024

// Formats: lib/base's engine (fmt_vformat): flags "-+ #0", width and
// precision (also '*'), lengths hh h l ll z t j, conversions d i u o x X p s
// c %. No floating point. An unknown conversion is printed as written.
// Return the number of characters produced, or a negative value (errno
// EBADF) for a stream that is not an output stream.
int printf(const char *restrict fmt, ...) __attribute__((format(__printf__, 1, 2)));
int fprintf(FILE *restrict f, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 2, 0)));

// Into a buffer of size bytes, always NUL-terminated when size > 0; return
// the length the whole output would have had.
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 3, 0)));
// Unbounded: prefer snprintf.
int sprintf(char *restrict buf, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 2, 0)));

// Character and string output. fputc, putc and putchar return the byte
// written, fputs and puts a non-negative value, fwrite nmemb; EOF (or 0
// items) with errno EBADF for a stream that is not an output stream.
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int puts(const char *s); // s and a newline
size_t fwrite(const void *restrict p, size_t size, size_t nmemb, FILE *restrict f);

// Send what f holds to the console (f NULL: every stream). Returns 0, or
// EOF with errno EBADF for something that is not a stream. stdin holds
// nothing to send: 0.
int fflush(FILE *f);

// Console input (stdin only; others give EOF with errno EBADF). Reading
// first flushes stdout, so a prompt is seen before the program waits.
// fgetc, getc and getchar return the next byte as an unsigned char, or EOF
// when the input has ended. fgets reads up to and including a newline, at
// most n - 1 bytes, and NUL-terminates; NULL when the input ended before
// anything was read.
int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
char *fgets(char *restrict s, int n, FILE *restrict f);

// The end-of-input indicator of stdin, and clearing it (the console
// streams cannot fail, so ferror is always 0).
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);

// Print "s: <strerror(errno)>" (or only the message when s is NULL or
// empty) and a newline to stderr.
void perror(const char *s);
