/* lib/c/inet.c: IPv4 addresses between text and binary (<arpa/inet.h>). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

// POSIX's strict form: exactly four decimal parts, 0..255, no leading
// zeros ("01" is not a part), nothing before or after.
static int pton4(const char *s, uint8_t out[4])
{
    unsigned parts = 0, value = 0;
    bool digit = false;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (digit && value == 0)
                return 0; // a leading zero
            value = value * 10 + (unsigned)(*s - '0');
            if (value > 255)
                return 0;
            digit = true;
        } else if ((*s == '.' || *s == '\0') && digit && parts < 4) {
            out[parts++] = (uint8_t)value;
            if (*s == '\0')
                return parts == 4;
            value = 0;
            digit = false;
        } else {
            return 0;
        }
    }
}

int inet_pton(int af, const char *restrict src, void *restrict dst)
{
    if (af != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint8_t a[4];
    if (!pton4(src, a))
        return 0;
    memcpy(dst, a, 4);
    return 1;
}

const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size)
{
    if (af != AF_INET) {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    const uint8_t *a = src;
    char buf[INET_ADDRSTRLEN];
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
    if ((size_t)(p - buf) > size) {
        errno = ENOSPC;
        return NULL;
    }
    memcpy(dst, buf, (size_t)(p - buf));
    return dst;
}

// One part of the classic form: decimal, octal after "0", hex after "0x".
// Returns false on overflow past 32 bits, a digit beyond the base, or
// "0x" without digits.
static bool aton_part(const char **sp, uint32_t *out)
{
    const char *s = *sp;
    unsigned base = 10;
    uint64_t v = 0;
    if (!isdigit((unsigned char)*s))
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!isxdigit((unsigned char)*s))
            return false; // "0x" alone is no number
    } else if (s[0] == '0') {
        base = 8;
    }
    for (;; s++) {
        unsigned d;
        if (isdigit((unsigned char)*s))
            d = (unsigned)(*s - '0');
        else if (base == 16 && isxdigit((unsigned char)*s))
            d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
        else
            break;
        if (d >= base)
            return false;
        v = v * base + d;
        if (v > 0xffffffffu)
            return false;
    }
    *out = (uint32_t)v;
    *sp = s;
    return true;
}

int inet_aton(const char *src, struct in_addr *dst)
{
    // The last part fills what the earlier ones leave: a, a.b (8.24),
    // a.b.c (8.8.16), a.b.c.d.
    static const uint32_t last_max[4] = {0xffffffffu, 0xffffff, 0xffff, 0xff};
    uint32_t part[4];
    unsigned n = 0;
    const char *s = src;
    for (;;) {
        if (n == 4 || !aton_part(&s, &part[n]))
            return 0;
        n++;
        if (*s != '.')
            break;
        s++;
    }
    // Trailing white space ends the address, as in the BSD original.
    if (*s != '\0' && !isspace((unsigned char)*s))
        return 0;
    uint32_t addr = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        if (part[i] > 0xff)
            return 0;
        addr |= part[i] << (24 - 8 * i);
    }
    if (part[n - 1] > last_max[n - 1])
        return 0;
    addr |= part[n - 1];
    if (dst != NULL)
        dst->s_addr = htonl(addr);
    return 1;
}

in_addr_t inet_addr(const char *src)
{
    struct in_addr a;
    return inet_aton(src, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
    static char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in, buf, sizeof(buf)); // always fits
    return buf;
}
