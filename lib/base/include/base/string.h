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

// Copy at most size-1 bytes of src and NUL-terminate (when size > 0).
// Returns strlen(src), so truncation shows as a result >= size.
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
