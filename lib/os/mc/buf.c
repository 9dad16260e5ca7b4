/* lib/os/mc/buf.c: the memcached engine's byte buffers and reply helpers. */
#include "mc_priv.h"
#include <stdlib.h>
#include <string.h>

bool mc_buf_put(struct mc_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap && b->off > 0) {
        // Reuse the consumed front before growing.
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

void mc_buf_free(struct mc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

size_t mc_u64_str(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

void mc_out(struct mc_conn *conn, const void *p, size_t n)
{
    if (conn->noreply || conn->broken)
        return;
    if (!mc_buf_put(&conn->out, p, n)) {
        // A reply with a hole would desynchronize the client: close.
        conn->broken = true;
        conn->closing = true;
    }
}

void mc_out_str(struct mc_conn *conn, const char *s) { mc_out(conn, s, strlen(s)); }

void mc_out_line(struct mc_conn *conn, const char *s)
{
    mc_out_str(conn, s);
    mc_out(conn, "\r\n", 2);
}

void mc_out_stat(struct mc_conn *conn, const char *name, const char *value)
{
    mc_out(conn, "STAT ", 5);
    mc_out_str(conn, name);
    mc_out(conn, " ", 1);
    mc_out_line(conn, value);
}

void mc_out_stat_u64(struct mc_conn *conn, const char *name, uint64_t value)
{
    char num[21];
    mc_u64_str(num, value);
    mc_out_stat(conn, name, num);
}
