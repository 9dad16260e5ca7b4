/* lib/c/include/string.h: string and memory functions (C11 7.24, plus POSIX ones). */
#pragma once

// memcpy, memmove, memset, memcmp, strlen, strnlen, strcmp, strncmp,
// strchr, strrchr and strlcpy come from lib/base, shared with the CPU driver.
#include <base/string.h>
#include <stddef.h>
// strcasecmp and strncasecmp, which programs expect from <string.h> too.
#include <strings.h>

char *strcpy(char *restrict dst, const char *restrict src);
// Copies at most n bytes and pads with NULs up to n: not NUL-terminated when
// src is n bytes or longer (prefer strlcpy).
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
// Appends at most n bytes of src, then always a NUL.
char *strncat(char *restrict dst, const char *restrict src, size_t n);

char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
void *memchr(const void *s, int c, size_t n);
// The last byte c in the first n bytes of s, or NULL (GNU extension).
void *memrchr(const void *s, int c, size_t n);

// Split s into tokens separated by bytes of delim; *save keeps the place
// between calls (s NULL continues). strtok keeps it in one static place, so
// only one tokenization at a time in the whole program: prefer strtok_r.
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save);
char *strtok(char *restrict s, const char *restrict delim);

// A malloc'd copy of s (of at most n bytes of s, always NUL-terminated),
// NULL with errno ENOMEM when memory runs out.
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

// The message for an errno value; "Unknown error" for values without one.
// The string is constant and shared: do not modify it.
char *strerror(int errnum);
