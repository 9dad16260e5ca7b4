/* lib/base/fmt.c: the printf engine shared by the CPU driver and lib/c. */
#include <base/fmt.h>
#include <stdbool.h>
#include <stdint.h>

struct spec {
    bool left, plus, space, alt, zero;
    int width;
    int prec; // -1: none given
    char len; // 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j', 0 int
};

struct out {
    fmt_putc_fn putc;
    void *arg;
    int n;
};

static void emit(struct out *o, char c)
{
    o->putc(o->arg, c);
    o->n++;
}

static void pad(struct out *o, char c, int count)
{
    while (count-- > 0)
        emit(o, c);
}

static const char *parse_flags(const char *f, struct spec *s)
{
    for (;; f++) {
        switch (*f) {
        case '-': s->left = true; break;
        case '+': s->plus = true; break;
        case ' ': s->space = true; break;
        case '#': s->alt = true; break;
        case '0': s->zero = true; break;
        default: return f;
        }
    }
}

static const char *parse_num(const char *f, int *val, va_list *ap)
{
    if (*f == '*') {
        *val = va_arg(*ap, int);
        return f + 1;
    }
    *val = 0;
    while (*f >= '0' && *f <= '9')
        *val = *val * 10 + (*f++ - '0');
    return f;
}

static const char *parse_len(const char *f, struct spec *s)
{
    if (f[0] == 'h' && f[1] == 'h') {
        s->len = 'H';
        return f + 2;
    }
    if (f[0] == 'l' && f[1] == 'l') {
        s->len = 'L';
        return f + 2;
    }
    if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j') {
        s->len = *f;
        return f + 1;
    }
    return f;
}

// Fetch an integer argument of the spec's length, widened to 64 bits.
static uint64_t get_uint(struct spec *s, va_list *ap)
{
    switch (s->len) {
    case 'H': return (unsigned char)va_arg(*ap, unsigned);
    case 'h': return (unsigned short)va_arg(*ap, unsigned);
    case 'l': return va_arg(*ap, unsigned long);
    case 'L': return va_arg(*ap, unsigned long long);
    case 'z': return va_arg(*ap, size_t);
    case 't': return (uint64_t)va_arg(*ap, ptrdiff_t);
    case 'j': return va_arg(*ap, uintmax_t);
    default: return va_arg(*ap, unsigned);
    }
}

static int64_t get_int(struct spec *s, va_list *ap)
{
    switch (s->len) {
    case 'H': return (signed char)va_arg(*ap, int);
    case 'h': return (short)va_arg(*ap, int);
    case 'l': return va_arg(*ap, long);
    case 'L': return va_arg(*ap, long long);
    case 'z': return (int64_t)va_arg(*ap, size_t);
    case 't': return va_arg(*ap, ptrdiff_t);
    case 'j': return va_arg(*ap, intmax_t);
    default: return va_arg(*ap, int);
    }
}

// Print one integer: sign or prefix, zero padding from precision or the 0
// flag, then the digits, padded to the field width.
static void put_int(struct out *o, struct spec *s, uint64_t v, bool neg, int base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;
    if (!(v == 0 && s->prec == 0)) {
        do {
            buf[n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    char prefix[2];
    int np = 0;
    if (neg)
        prefix[np++] = '-';
    else if (s->plus)
        prefix[np++] = '+';
    else if (s->space)
        prefix[np++] = ' ';
    if (s->alt && base == 16 && n > 0 && !(n == 1 && buf[0] == '0')) {
        prefix[np++] = '0';
        prefix[np++] = upper ? 'X' : 'x';
    }
    int zeros = s->prec > n ? s->prec - n : 0;
    if (s->alt && base == 8 && zeros == 0 && (n == 0 || buf[n - 1] != '0'))
        zeros = 1;
    if (s->zero && !s->left && s->prec < 0 && s->width > np + n)
        zeros = s->width - np - n;
    int fill = s->width - np - zeros - n;
    if (!s->left)
        pad(o, ' ', fill);
    for (int i = 0; i < np; i++)
        emit(o, prefix[i]);
    pad(o, '0', zeros);
    while (n > 0)
        emit(o, buf[--n]);
    if (s->left)
        pad(o, ' ', fill);
}

static void put_str(struct out *o, struct spec *s, const char *str)
{
    if (!str)
        str = "(null)";
    int n = 0;
    while (str[n] && (s->prec < 0 || n < s->prec))
        n++;
    if (!s->left)
        pad(o, ' ', s->width - n);
    for (int i = 0; i < n; i++)
        emit(o, str[i]);
    if (s->left)
        pad(o, ' ', s->width - n);
}

// Handle one conversion starting just after '%'; returns where to continue.
static const char *convert(struct out *o, const char *f, va_list *ap)
{
    const char *start = f - 1;
    struct spec s = {.prec = -1};
    f = parse_flags(f, &s);
    f = parse_num(f, &s.width, ap);
    if (s.width < 0) {
        s.left = true;
        s.width = -s.width;
    }
    if (*f == '.')
        f = parse_num(f + 1, &s.prec, ap);
    if (s.prec < -1)
        s.prec = -1;
    f = parse_len(f, &s);
    char c = *f;
    switch (c) {
    case 'd':
    case 'i': {
        int64_t v = get_int(&s, ap);
        put_int(o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false);
        break;
    }
    case 'u': put_int(o, &s, get_uint(&s, ap), false, 10, false); break;
    case 'o': put_int(o, &s, get_uint(&s, ap), false, 8, false); break;
    case 'x': put_int(o, &s, get_uint(&s, ap), false, 16, false); break;
    case 'X': put_int(o, &s, get_uint(&s, ap), false, 16, true); break;
    case 'p':
        s.alt = true;
        s.len = 'l';
        put_int(o, &s, (uintptr_t)va_arg(*ap, void *), false, 16, false);
        break;
    case 's': put_str(o, &s, va_arg(*ap, const char *)); break;
    case 'c': {
        char ch[2] = {(char)va_arg(*ap, int), 0};
        s.prec = 1;
        put_str(o, &s, ch);
        break;
    }
    case '%': emit(o, '%'); break;
    default:
        // Unknown or truncated conversion: show it verbatim.
        for (; start < f; start++)
            emit(o, *start);
        if (c == 0)
            return f;
        emit(o, c);
    }
    return f + 1;
}

int fmt_vformat(fmt_putc_fn putc, void *arg, const char *fmt, va_list ap)
{
    struct out o = {putc, arg, 0};
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%')
            emit(&o, *fmt++);
        else
            fmt = convert(&o, fmt + 1, &args);
    }
    va_end(args);
    return o.n;
}

struct bufsink {
    char *buf;
    size_t size, pos;
};

static void buf_putc(void *arg, char c)
{
    struct bufsink *b = arg;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct bufsink b = {buf, size, 0};
    int n = fmt_vformat(buf_putc, &b, fmt, ap);
    if (size > 0)
        buf[b.pos < size ? b.pos : size - 1] = 0;
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
