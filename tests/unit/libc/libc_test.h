/* tests/unit/libc/libc_test.h: lib/c's functions as the host tests call them (sietch_*). */
#pragma once

// The tests include the host's headers, so lib/c's own cannot be included
// here; these are lib/c's declarations under the names rename.h gives them.
// libc_side.c includes lib/c's headers and then this file, so the compiler
// checks that every declaration here matches lib/c's.

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

// lib/base/string.c
void *sietch_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *sietch_memmove(void *dst, const void *src, size_t n);
void *sietch_memset(void *dst, int c, size_t n);
int sietch_memcmp(const void *a, const void *b, size_t n);
size_t sietch_strlen(const char *s);
size_t sietch_strnlen(const char *s, size_t max);
int sietch_strcmp(const char *a, const char *b);
int sietch_strncmp(const char *a, const char *b, size_t n);
char *sietch_strchr(const char *s, int c);
char *sietch_strrchr(const char *s, int c);
size_t sietch_strlcpy(char *restrict dst, const char *restrict src, size_t size);

// <string.h>, <strings.h>
char *sietch_strcpy(char *restrict dst, const char *restrict src);
char *sietch_strncpy(char *restrict dst, const char *restrict src, size_t n);
char *sietch_strcat(char *restrict dst, const char *restrict src);
char *sietch_strncat(char *restrict dst, const char *restrict src, size_t n);
char *sietch_strstr(const char *haystack, const char *needle);
size_t sietch_strspn(const char *s, const char *accept);
size_t sietch_strcspn(const char *s, const char *reject);
char *sietch_strpbrk(const char *s, const char *accept);
void *sietch_memchr(const void *s, int c, size_t n);
void *sietch_memrchr(const void *s, int c, size_t n);
char *sietch_strtok_r(char *restrict s, const char *restrict delim, char **restrict save);
char *sietch_strtok(char *restrict s, const char *restrict delim);
char *sietch_strdup(const char *s);
char *sietch_strndup(const char *s, size_t n);
char *sietch_strerror(int errnum);
int sietch_strcasecmp(const char *a, const char *b);
int sietch_strncasecmp(const char *a, const char *b, size_t n);

// <ctype.h>
int sietch_isalnum(int c);
int sietch_isalpha(int c);
int sietch_iscntrl(int c);
int sietch_isdigit(int c);
int sietch_isgraph(int c);
int sietch_islower(int c);
int sietch_isprint(int c);
int sietch_ispunct(int c);
int sietch_isspace(int c);
int sietch_isupper(int c);
int sietch_isxdigit(int c);
int sietch_isblank(int c);
int sietch_tolower(int c);
int sietch_toupper(int c);

// <stdio.h>: lib/c's FILE is struct libc_file.
struct libc_file;
extern struct libc_file *sietch_stdin;
extern struct libc_file *sietch_stdout;
extern struct libc_file *sietch_stderr;
int sietch_printf(const char *restrict fmt, ...) __attribute__((format(__printf__, 1, 2)));
int sietch_fprintf(struct libc_file *restrict f, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
int sietch_vprintf(const char *restrict fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int sietch_vfprintf(struct libc_file *restrict f, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 2, 0)));
int sietch_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 3, 4)));
int sietch_vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 3, 0)));
int sietch_sprintf(char *restrict buf, const char *restrict fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
int sietch_vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
    __attribute__((format(__printf__, 2, 0)));
int sietch_fputc(int c, struct libc_file *f);
int sietch_putc(int c, struct libc_file *f);
int sietch_putchar(int c);
int sietch_fputs(const char *restrict s, struct libc_file *restrict f);
int sietch_puts(const char *s);
size_t sietch_fwrite(const void *restrict p, size_t size, size_t nmemb,
                     struct libc_file *restrict f);
int sietch_fflush(struct libc_file *f);
int sietch_fgetc(struct libc_file *f);
int sietch_getc(struct libc_file *f);
int sietch_getchar(void);
char *sietch_fgets(char *restrict s, int n, struct libc_file *restrict f);
int sietch_feof(struct libc_file *f);
int sietch_ferror(struct libc_file *f);
void sietch_clearerr(struct libc_file *f);
void sietch_perror(const char *s);

// <stdlib.h>, <inttypes.h>
void *sietch_malloc(size_t size);
void sietch_free(void *p);
void *sietch_calloc(size_t nmemb, size_t size);
void *sietch_realloc(void *p, size_t size);
void *sietch_aligned_alloc(size_t alignment, size_t size);
int sietch_posix_memalign(void **memptr, size_t alignment, size_t size);
long sietch_strtol(const char *restrict s, char **restrict end, int base);
long long sietch_strtoll(const char *restrict s, char **restrict end, int base);
unsigned long sietch_strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long sietch_strtoull(const char *restrict s, char **restrict end, int base);
intmax_t sietch_strtoimax(const char *restrict s, char **restrict end, int base);
uintmax_t sietch_strtoumax(const char *restrict s, char **restrict end, int base);
int sietch_atoi(const char *s);
long sietch_atol(const char *s);
long long sietch_atoll(const char *s);
int sietch_abs(int x);
long sietch_labs(long x);
long long sietch_llabs(long long x);
intmax_t sietch_imaxabs(intmax_t x);
void sietch_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *sietch_bsearch(const void *key, const void *base, size_t n, size_t size,
                     int (*cmp)(const void *, const void *));
int sietch_rand(void);
void sietch_srand(unsigned seed);
char *sietch_getenv(const char *name);
_Noreturn void sietch_exit(int status);
_Noreturn void sietch__Exit(int status);
_Noreturn void sietch_abort(void);
int sietch_atexit(void (*fn)(void));

// <errno.h>
extern int sietch_errno;

// lib/c's constants, as libc_side.c sees them in lib/c's headers: the tests
// cannot include those headers to read them.
extern const int libc_side_eof, libc_side_rand_max, libc_side_exit_failure;

// One errno name and lib/c's value for it; the list ends with a NULL name.
struct libc_side_errno {
    const char *name;
    int value;
};
extern const struct libc_side_errno libc_side_errnos[];

// assert() from lib/c's <assert.h>: one that holds, one that fails (and
// aborts), and one compiled under NDEBUG, whose expression must not even
// be evaluated (it would count in *evaluated).
void libc_side_assert_holds(int *evaluated);
void libc_side_assert_fails(void);
void libc_side_assert_ndebug(int *evaluated);
