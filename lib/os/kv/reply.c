/* lib/os/kv/reply.c: the RESP2 reply writer into a growable buffer. */
#include "kv_impl.h"
#include <stdlib.h>
#include <string.h>

void kv_buf_append(struct kv_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return; // b->data may be NULL: a buffer never written
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->data = kv_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void kv_buf_consume(struct kv_buf *b, size_t n)
{
    if (n > b->len)
        n = b->len;
    if (n == 0)
        return; // b->data may be NULL: a buffer never written
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void kv_buf_free(struct kv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void put_cstr(struct kv_buf *b, const char *s) { kv_buf_append(b, s, strlen(s)); }

// A type byte, a number and CRLF: the header of integers, bulks and arrays.
static void put_num_line(struct kv_buf *b, char type, int64_t v)
{
    char num[KV_INT_CHARS + 3];
    num[0] = type;
    size_t n = 1 + kv_fmt_i64(num + 1, v);
    num[n++] = '\r';
    num[n++] = '\n';
    kv_buf_append(b, num, n);
}

void kv_reply_simple(struct kv_buf *b, const char *s)
{
    kv_buf_append(b, "+", 1);
    put_cstr(b, s);
    kv_buf_append(b, "\r\n", 2);
}

// An error's text is one line: Redis turns CR and LF into spaces too.
void kv_reply_error(struct kv_buf *b, const char *s)
{
    kv_buf_append(b, "-", 1);
    size_t start = b->len;
    put_cstr(b, s);
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '\r' || b->data[i] == '\n')
            b->data[i] = ' ';
    kv_buf_append(b, "\r\n", 2);
}

void kv_reply_int(struct kv_buf *b, int64_t v) { put_num_line(b, ':', v); }

void kv_reply_bulk(struct kv_buf *b, const void *p, size_t n)
{
    put_num_line(b, '$', (int64_t)n);
    kv_buf_append(b, p, n);
    kv_buf_append(b, "\r\n", 2);
}

void kv_reply_bulk_cstr(struct kv_buf *b, const char *s) { kv_reply_bulk(b, s, strlen(s)); }
void kv_reply_nil(struct kv_buf *b) { kv_buf_append(b, "$-1\r\n", 5); }
void kv_reply_array(struct kv_buf *b, int64_t n) { put_num_line(b, '*', n); }
void kv_reply_nil_array(struct kv_buf *b) { kv_buf_append(b, "*-1\r\n", 5); }

void kv_reply_str(struct kv_buf *b, const struct kv_str *s) { kv_reply_bulk(b, s->data, s->len); }

void kv_reply_double(struct kv_buf *b, uint64_t bits)
{
    char num[KV_DBL_CHARS];
    kv_reply_bulk(b, num, kv_fmt_double(num, bits));
}
