/* lib/c/string.c: the string functions lib/base does not already provide. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Cast away const for the C functions that return a pointer into a const
// argument (strstr and friends), as their standard signatures require.
#define UNCONST(p) ((char *)(uintptr_t)(p))

char *strcpy(char *restrict dst, const char *restrict src)
{
    memcpy(dst, src, strlen(src) + 1);
    return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t len = strnlen(src, n);
    memcpy(dst, src, len);
    memset(dst + len, 0, n - len);
    return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
    char *end = dst + strlen(dst);
    size_t len = strnlen(src, n);
    memcpy(end, src, len);
    end[len] = 0;
    return dst;
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return UNCONST(haystack);
    for (const char *p = haystack; (p = strchr(p, needle[0])) != NULL; p++) {
        if (strncmp(p, needle, n) == 0)
            return UNCONST(p);
    }
    return NULL;
}

// Whether byte c is one of set's bytes (not its NUL).
static int in_set(char c, const char *set) { return c != 0 && strchr(set, c) != NULL; }

size_t strspn(const char *s, const char *accept)
{
    size_t n = 0;
    while (in_set(s[n], accept))
        n++;
    return n;
}

size_t strcspn(const char *s, const char *reject)
{
    size_t n = 0;
    while (s[n] && !in_set(s[n], reject))
        n++;
    return n;
}

char *strpbrk(const char *s, const char *accept)
{
    s += strcspn(s, accept);
    return *s ? UNCONST(s) : NULL;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c)
            return UNCONST(p + i);
    }
    return NULL;
}

void *memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    while (n-- > 0) {
        if (p[n] == (unsigned char)c)
            return UNCONST(p + n);
    }
    return NULL;
}

char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
    if (!s)
        s = *save;
    s += strspn(s, delim);
    if (!*s) {
        *save = s;
        return NULL;
    }
    char *end = s + strcspn(s, delim);
    // Leave *save on the terminating NUL when the token ends the string, so
    // that further calls keep returning NULL.
    if (*end)
        *end++ = 0;
    *save = end;
    return s;
}

char *strtok(char *restrict s, const char *restrict delim)
{
    static char empty[1];
    static char *save = empty;
    return strtok_r(s, delim, &save);
}

char *strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL; // errno is ENOMEM from malloc
    memcpy(copy, s, len);
    copy[len] = 0;
    return copy;
}

char *strdup(const char *s) { return strndup(s, SIZE_MAX); }

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

int strncasecmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

int strcasecmp(const char *a, const char *b) { return strncasecmp(a, b, SIZE_MAX); }
