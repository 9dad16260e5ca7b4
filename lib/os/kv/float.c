/*
 * lib/os/kv/float.c: IEEE 754 doubles read and written exactly, without
 * floating-point arithmetic (Sietch user code is built without SSE): sorted
 * set scores only need parsing, ordering and printing.
 *
 * Both directions use exact big-integer arithmetic: a decimal D * 10^E is
 * divided out to 64 quotient bits plus a sticky remainder and rounded half
 * to even; a double m * 2^e is printed from the exact decimal expansion of
 * m * 2^e (or m * 5^-e * 10^e), rounded half to even to 17 digits, as
 * glibc's "%.17g" does.
 */
#include "kv_impl.h"
#include <string.h>

#define LIMBS      136 // 4352 bits: 10^1124 (the smallest parsed) shifted by 64 and more
#define MAX_DIGITS 800 // digits kept exactly (a halfway point has at most 767)
#define SIGN       (1ull << 63)
#define EXP_MASK   0x7ff0000000000000ull
#define FRAC_MASK  0x000fffffffffffffull

struct big {
    uint32_t d[LIMBS]; // little-endian limbs
    int n;             // limbs in use (no leading zero limbs)
};

static void big_set(struct big *b, uint64_t v)
{
    b->d[0] = (uint32_t)v;
    b->d[1] = (uint32_t)(v >> 32);
    b->n = v == 0 ? 0 : v >> 32 ? 2 : 1;
}

// b = b * m + a
static void big_mul_add(struct big *b, uint32_t m, uint32_t a)
{
    uint64_t carry = a;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->d[i] * m + carry;
        b->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        b->d[b->n++] = (uint32_t)carry;
}

static void big_shl(struct big *b, int bits)
{
    int limbs = bits / 32, r = bits % 32;
    if (b->n == 0)
        return;
    b->d[b->n] = 0;
    for (int i = b->n; i >= 0; i--) {
        uint32_t hi = b->d[i] << r;
        uint32_t lo = (r && i > 0) ? b->d[i - 1] >> (32 - r) : 0;
        b->d[i + limbs] = hi | lo;
    }
    for (int i = 0; i < limbs; i++)
        b->d[i] = 0;
    b->n += limbs + 1;
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
}

static void big_shr1(struct big *b)
{
    for (int i = 0; i < b->n; i++)
        b->d[i] = (b->d[i] >> 1) | (i + 1 < b->n ? b->d[i + 1] << 31 : 0);
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

// a -= b, for a >= b.
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = t < 0;
        a->d[i] = (uint32_t)(t + (borrow << 32));
    }
    while (a->n > 0 && a->d[a->n - 1] == 0)
        a->n--;
}

static int big_bits(const struct big *b)
{
    if (b->n == 0)
        return 0;
    int bits = 32 * (b->n - 1);
    for (uint32_t top = b->d[b->n - 1]; top; top >>= 1)
        bits++;
    return bits;
}

// b /= d; returns the remainder.
static uint32_t big_div_small(struct big *b, uint32_t d)
{
    uint64_t rem = 0;
    for (int i = b->n - 1; i >= 0; i--) {
        uint64_t t = (rem << 32) | b->d[i];
        b->d[i] = (uint32_t)(t / d);
        rem = t % d;
    }
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
    return (uint32_t)rem;
}

static void big_pow_mul(struct big *b, uint32_t base, int exp)
{
    for (; exp > 0; exp--)
        big_mul_add(b, base, 0);
}

// The 64-bit quotient of num / den (which must fit), leaving the
// remainder in num.
static uint64_t big_div64(struct big *num, struct big *den)
{
    uint64_t q = 0;
    big_shl(den, 63);
    for (int i = 63; i >= 0; i--) {
        if (big_cmp(num, den) >= 0) {
            big_sub(num, den);
            q |= 1ull << i;
        }
        big_shr1(den);
    }
    return q;
}

// q * 2^-drop rounded half to even (sticky: there was more below q).
static uint64_t round_shift(uint64_t q, int drop, bool sticky)
{
    if (drop > 64)
        return 0;
    uint64_t m = drop == 64 ? 0 : q >> drop;
    uint64_t rest = drop == 64 ? q : q & ((1ull << drop) - 1);
    uint64_t half = 1ull << (drop - 1);
    bool up = rest > half || (rest == half && (sticky || (m & 1)));
    return m + up;
}

// The double nearest q * 2^(63 - s) for q in [2^63, 2^64); false when it
// overflows or underflows to zero.
static bool make_double(uint64_t q, int s, bool sticky, uint64_t *bits)
{
    int e2 = 63 - s; // the exponent of q's top bit
    if (e2 >= -1022) {
        uint64_t m = round_shift(q, 11, sticky);
        if (m == 1ull << 53) {
            m >>= 1;
            e2++;
        }
        if (e2 > 1023)
            return false;
        *bits = ((uint64_t)(e2 + 1023) << 52) | (m & FRAC_MASK);
        return true;
    }
    // Subnormal: fewer bits; rounding up to 2^52 lands on the smallest
    // normal, whose bits are the same number.
    uint64_t m = round_shift(q, 11 + (-1022 - e2), sticky);
    *bits = m;
    return m != 0;
}

struct decimal {
    struct big digits; // D
    int ndigits;       // in D
    int64_t exp;       // value = D * 10^exp
    bool sticky;       // nonzero digits beyond those kept
};

// The digits and exponent of a decimal number; false on bad syntax.
static bool scan_decimal(const char *s, size_t n, struct decimal *dec)
{
    size_t i = 0;
    bool point = false, any = false;
    memset(dec, 0, sizeof(*dec));
    for (; i < n; i++) {
        if (s[i] == '.' && !point) {
            point = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            break;
        any = true;
        if (dec->ndigits == 0 && s[i] == '0') {
            dec->exp -= point;
        } else if (dec->ndigits < MAX_DIGITS) {
            big_mul_add(&dec->digits, 10, (uint32_t)(s[i] - '0'));
            dec->ndigits++;
            dec->exp -= point;
        } else {
            dec->sticky |= s[i] != '0';
            dec->exp += !point;
        }
    }
    if (!any)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool neg = ++i < n && s[i] == '-';
        i += i < n && (s[i] == '-' || s[i] == '+');
        if (i == n)
            return false;
        int64_t e = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 1000000)
                e = e * 10 + (s[i] - '0');
        dec->exp += neg ? -e : e;
    }
    return i == n;
}

static bool is_word(const char *s, size_t n, const char *w)
{
    if (n != strlen(w))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != w[i])
            return false;
    return true;
}

bool kv_parse_double(const char *s, size_t n, uint64_t *bits)
{
    uint64_t sign = n > 0 && s[0] == '-' ? SIGN : 0;
    size_t i = n > 0 && (s[0] == '-' || s[0] == '+');
    if (is_word(s + i, n - i, "inf") || is_word(s + i, n - i, "infinity")) {
        *bits = sign | EXP_MASK;
        return true;
    }
    struct decimal dec;
    struct big den;
    if (!scan_decimal(s + i, n - i, &dec))
        return false;
    if (dec.ndigits == 0) {
        *bits = sign;
        return true;
    }
    // Far outside the range of doubles: overflow, or underflow to zero.
    if (dec.ndigits - 1 + dec.exp > 309 || dec.ndigits + dec.exp < -325)
        return false;
    big_set(&den, 1);
    if (dec.exp >= 0)
        big_pow_mul(&dec.digits, 10, (int)dec.exp);
    else
        big_pow_mul(&den, 10, (int)-dec.exp);
    // Scale so the quotient has 63 or 64 bits.
    int s2 = 63 - (big_bits(&dec.digits) - big_bits(&den));
    if (s2 >= 0)
        big_shl(&dec.digits, s2);
    else
        big_shl(&den, -s2);
    uint64_t q = big_div64(&dec.digits, &den);
    bool sticky = dec.sticky || dec.digits.n != 0;
    if (!(q >> 63)) {
        q <<= 1;
        s2++;
    }
    if (!make_double(q, s2, sticky, bits))
        return false;
    *bits |= sign;
    return true;
}

uint64_t kv_double_order(uint64_t bits)
{
    if ((bits & ~SIGN) == 0)
        bits = 0;
    return bits & SIGN ? ~bits : bits | SIGN;
}

// The exact decimal digits of the finite nonzero double's magnitude into
// buf (up to 800); *exp is the power of ten of the last one.
static int exact_digits(uint64_t bits, char *buf, int *exp)
{
    struct big b;
    uint32_t chunks[100];
    int field = (int)((bits & EXP_MASK) >> 52);
    uint64_t m = bits & FRAC_MASK;
    int e2 = field ? field - 1075 : -1074;
    if (field)
        m |= 1ull << 52;
    big_set(&b, m);
    *exp = 0;
    if (e2 >= 0) {
        big_shl(&b, e2);
    } else {
        big_pow_mul(&b, 5, -e2);
        *exp = e2;
    }
    int nchunks = 0;
    while (b.n > 0)
        chunks[nchunks++] = big_div_small(&b, 1000000000);
    int len = 0;
    for (int c = nchunks - 1; c >= 0; c--) {
        for (int k = 8; k >= 0; k--) {
            uint32_t p = 1;
            for (int j = 0; j < k; j++)
                p *= 10;
            char d = (char)('0' + chunks[c] / p % 10);
            if (len > 0 || d != '0')
                buf[len++] = d;
        }
    }
    return len;
}

// Keep 17 digits, rounding half to even on the exact rest; returns the count.
static int round17(char *d, int len, int *exp)
{
    if (len <= 17)
        return len;
    bool rest = false;
    for (int i = 18; i < len; i++)
        rest |= d[i] != '0';
    bool up = d[17] > '5' || (d[17] == '5' && (rest || (d[16] - '0') % 2));
    *exp += len - 17;
    len = 17;
    for (int i = 16; up && i >= 0; i--) {
        up = d[i] == '9';
        d[i] = up ? '0' : (char)(d[i] + 1);
    }
    if (up) { // 99..9 became 100..0: one more digit, drop the last
        memmove(d + 1, d, 16);
        d[0] = '1';
        (*exp)++;
    }
    return len;
}

static size_t put_exp(char *out, int x)
{
    size_t n = 0;
    out[n++] = 'e';
    out[n++] = x < 0 ? '-' : '+';
    if (x < 0)
        x = -x;
    if (x >= 100)
        out[n++] = (char)('0' + x / 100);
    out[n++] = (char)('0' + x / 10 % 10);
    out[n++] = (char)('0' + x % 10);
    return n;
}

size_t kv_fmt_double(char *buf, uint64_t bits)
{
    char d[800];
    size_t n = 0;
    if ((bits & EXP_MASK) == EXP_MASK) {
        strcpy(buf, bits & FRAC_MASK ? "nan" : bits & SIGN ? "-inf" : "inf");
        return strlen(buf);
    }
    if (bits & SIGN)
        buf[n++] = '-';
    if ((bits & ~SIGN) == 0) {
        buf[n++] = '0';
        buf[n] = '\0';
        return n;
    }
    int exp, len = exact_digits(bits, d, &exp);
    len = round17(d, len, &exp);
    while (len > 1 && d[len - 1] == '0') { // %g drops trailing zeros
        len--;
        exp++;
    }
    int x = len - 1 + exp; // the power of ten of the first digit
    if (x < -4 || x >= 17) {
        buf[n++] = d[0];
        if (len > 1)
            buf[n++] = '.';
        memcpy(buf + n, d + 1, (size_t)len - 1);
        n += (size_t)len - 1;
        n += put_exp(buf + n, x);
    } else if (x >= 0) {
        for (int i = 0; i <= x; i++)
            buf[n++] = i < len ? d[i] : '0';
        if (len > x + 1)
            buf[n++] = '.';
        for (int i = x + 1; i < len; i++)
            buf[n++] = d[i];
    } else {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = -1; i > x; i--)
            buf[n++] = '0';
        memcpy(buf + n, d, (size_t)len);
        n += (size_t)len;
    }
    buf[n] = '\0';
    return n;
}
