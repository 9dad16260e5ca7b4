/* lib/os/kv/num.c: integers as Redis reads and writes them, and Redis's glob patterns. */
#include "kv_impl.h"

bool kv_parse_i64(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    bool neg = s[0] == '-';
    size_t i = neg;
    // One way to write each number: no "+1", "01", "-0" or " 1".
    if (i == n || s[i] < '1' || s[i] > '9')
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

size_t kv_fmt_i64(char *buf, int64_t v)
{
    char tmp[KV_INT_CHARS];
    // The magnitude in unsigned arithmetic: -INT64_MIN does not fit in int64.
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

// Match s[0] against the class starting after '[' at pat[*pi]; leaves *pi
// after the closing ']' (or at the end of an unterminated class, which
// Redis reads as closed there).
static bool glob_class(const char *pat, size_t plen, size_t *pi, char c)
{
    size_t i = *pi;
    bool neg = i < plen && pat[i] == '^';
    bool match = false;
    i += neg;
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && i + 1 < plen) {
            match |= pat[++i] == c;
        } else if (i + 2 < plen && pat[i + 1] == '-' && pat[i + 2] != ']') {
            unsigned char lo = (unsigned char)pat[i], hi = (unsigned char)pat[i + 2];
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            match |= (unsigned char)c >= lo && (unsigned char)c <= hi;
            i += 2;
        } else {
            match |= pat[i] == c;
        }
        i++;
    }
    *pi = i < plen ? i + 1 : i;
    return match != neg;
}

// One pattern element against s[si]: advances *pi past it.
static bool glob_one(const char *pat, size_t plen, size_t *pi, char c)
{
    char p = pat[(*pi)++];
    if (p == '?')
        return true;
    if (p == '[')
        return glob_class(pat, plen, pi, c);
    if (p == '\\' && *pi < plen)
        p = pat[(*pi)++];
    return p == c;
}

// Iterative matching with backtracking to the last '*' only: a later star
// can always absorb what an earlier one would have, so this is complete,
// and it takes O(plen * slen) steps instead of exponential ones.
bool kv_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < slen) {
        if (pi < plen && pat[pi] == '*') {
            while (pi < plen && pat[pi] == '*')
                pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t next = pi;
        if (pi < plen && glob_one(pat, plen, &next, s[si])) {
            pi = next;
            si++;
            continue;
        }
        if (star_p == SIZE_MAX)
            return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}
