/* cpudriver/options.c: look up "key=value" words on the CPU driver's command line. */
#include <base/string.h>
#include <options.h>

// Find the word for key; returns a pointer just after the key, or NULL.
static const char *find(const char *s, const char *key)
{
    size_t klen = strlen(key);
    while (s && *s) {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        if ((size_t)(s - w) >= klen && !strncmp(w, key, klen) &&
            (w[klen] == '=' || w[klen] == ' ' || w[klen] == 0))
            return w + klen;
    }
    return NULL;
}

bool opt_get(const char *cmdline, const char *key, char *val, size_t size)
{
    const char *p = find(cmdline, key);
    if (!p || size == 0)
        return false;
    size_t n = 0;
    if (*p == '=') {
        p++;
        while (p[n] && p[n] != ' ')
            n++;
    }
    if (n >= size)
        return false;
    memcpy(val, p, n);
    val[n] = 0;
    return true;
}

bool opt_has(const char *cmdline, const char *key) { return find(cmdline, key) != NULL; }

uint64_t opt_uint(const char *cmdline, const char *key, uint64_t def)
{
    char buf[24];
    if (!opt_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
        return def;
    const char *p = buf;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    uint64_t v = 0;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            d = (*p | 0x20) - 'a' + 10;
        else
            return def;
        if (v > (UINT64_MAX - d) / base)
            return def;
        v = v * base + d;
    }
    return p == buf + (base == 16 ? 2 : 0) ? def : v;
}
