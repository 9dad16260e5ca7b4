/* lib/base/include/base/string.h: memory and string routines for freestanding code. */
#pragma once

#include <stddef.h>

// The C standard's contracts; lib/c's <string.h> is built on these.
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

// -ffreestanding turns GCC's builtins off, so every memcpy would be a
// call, even of six bytes. Asked for by name, as Linux does, the compiler
// copies, fills and compares what it knows the size of with a few moves
// (and a literal's strlen is a constant), and calls the functions above
// for the rest. (The host's tests use the host's libc and its builtins.)
#if !defined(SIETCH_HOST) && !defined(BASE_STRING_IMPL)
#define memcpy(dst, src, n) __builtin_memcpy((dst), (src), (n))
#define memset(dst, c, n)   __builtin_memset((dst), (c), (n))
#define memcmp(a, b, n)     __builtin_memcmp((a), (b), (n))
#define strlen(s)           __builtin_strlen((s))
#endif

// Copy at most size-1 bytes of src and NUL-terminate (when size > 0).
// Returns strlen(src), so truncation shows as a result >= size.
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
