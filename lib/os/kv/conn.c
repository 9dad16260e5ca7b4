/*
 * lib/os/kv/conn.c: a connection: the incremental RESP2 request parser
 * (multibulk and inline) and the loop that runs each complete request.
 *
 * The parser keeps the received bytes of the request in progress and
 * resumes where it stopped; arguments are offsets into those bytes, so
 * nothing is allocated for a claimed length before the bytes arrive.
 */
#include "kv_impl.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Bytes taken from the caller at a time: an overlong line is refused after
// at most this much more than the limit is buffered (Redis reads 16 KiB).
#define FEED_CHUNK (16 * 1024)

enum { NEED_MORE = 0, COMPLETE = 1, BROKEN = -1 };

struct kv_conn *kv_conn_new(struct kv_db *db)
{
    struct kv_conn *c = kv_xalloc(sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->db = db;
    c->id = ++db->next_conn_id;
    c->p.args_left = -1;
    c->p.bulk = -1;
    db->stats.connections++;
    return c;
}

void kv_conn_free(struct kv_conn *c)
{
    free(c->p.in);
    free(c->p.off);
    free(c->p.lens);
    free(c->p.argv);
    free(c->name);
    kv_buf_free(&c->out);
    free(c);
}

struct kv_buf *kv_conn_output(struct kv_conn *c) { return &c->out; }

// Reply the protocol error and mark the connection for closing.
static int broken(struct kv_conn *c, const char *msg)
{
    char text[128];
    snprintf(text, sizeof(text), "ERR Protocol error: %s", msg);
    kv_reply_error(&c->out, text);
    c->db->stats.errors++;
    c->closing = true;
    return BROKEN;
}

// Drop the bytes before the request in progress, then add n more.
static void append_input(struct kv_parser *p, const char *b, size_t n)
{
    if (p->start > 0) {
        memmove(p->in, p->in + p->start, p->len - p->start);
        for (int i = 0; i < p->argc; i++)
            p->off[i] -= p->start;
        p->len -= p->start;
        p->pos -= p->start;
        p->start = 0;
    }
    if (p->len + n > p->cap || (p->cap > 4 * FEED_CHUNK && p->len + n < p->cap / 4)) {
        size_t cap = FEED_CHUNK;
        while (cap < 2 * (p->len + n))
            cap *= 2;
        p->in = kv_xrealloc(p->in, cap);
        p->cap = cap;
    }
    memcpy(p->in + p->len, b, n);
    p->len += n;
}

static void push_arg(struct kv_parser *p, size_t off, size_t len)
{
    if (p->argc == p->argv_cap) {
        p->argv_cap = p->argv_cap ? 2 * p->argv_cap : 8;
        p->off = kv_xrealloc(p->off, (size_t)p->argv_cap * sizeof(*p->off));
        p->lens = kv_xrealloc(p->lens, (size_t)p->argv_cap * sizeof(*p->lens));
        p->argv = kv_xrealloc(p->argv, (size_t)p->argv_cap * sizeof(*p->argv));
    }
    p->off[p->argc] = off;
    p->lens[p->argc++] = len;
}

// A "*<n>\r\n" or "$<n>\r\n" line at pos (its type byte checked by the
// caller), as Redis reads it: up to the first CR, then one more byte.
static int count_line(struct kv_conn *c, const char *too_big, int64_t *n)
{
    struct kv_parser *p = &c->p;
    const char *cr = memchr(p->in + p->pos, '\r', p->len - p->pos);
    if (cr == NULL)
        return p->len - p->pos > KV_MAX_INLINE ? broken(c, too_big) : NEED_MORE;
    size_t at = (size_t)(cr - p->in);
    if (at + 2 > p->len)
        return NEED_MORE;
    bool ok = kv_parse_i64(p->in + p->pos + 1, at - p->pos - 1, n);
    p->pos = at + 2;
    return ok ? COMPLETE : -2;
}

static int parse_multibulk(struct kv_conn *c)
{
    struct kv_parser *p = &c->p;
    while (p->args_left > 0) {
        if (p->bulk < 0) {
            if (p->pos == p->len)
                return NEED_MORE;
            if (p->in[p->pos] != '$') {
                char msg[32];
                snprintf(msg, sizeof(msg), "expected '$', got '%c'", p->in[p->pos]);
                return broken(c, msg);
            }
            int64_t n;
            int r = count_line(c, "too big bulk count string", &n);
            if (r == NEED_MORE || r == BROKEN)
                return r;
            if (r != COMPLETE || n < 0 || (uint64_t)n > KV_MAX_BULK)
                return broken(c, "invalid bulk length");
            p->bulk = n;
        }
        // The data and its CRLF (not checked, as Redis does not).
        if (p->len - p->pos < (size_t)p->bulk + 2)
            return NEED_MORE;
        push_arg(p, p->pos, (size_t)p->bulk);
        p->pos += (size_t)p->bulk + 2;
        p->bulk = -1;
        p->args_left--;
    }
    p->args_left = -1;
    return COMPLETE;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (char)tolower((unsigned char)ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

// One quoted character at in[*r] inside "...": the escapes Redis's
// inline syntax knows.
static char dquote_char(const char *in, size_t *r, size_t end)
{
    char ch = in[*r];
    if (ch != '\\' || *r + 1 >= end) {
        (*r)++;
        return ch;
    }
    if (in[*r + 1] == 'x' && *r + 3 < end && hexval(in[*r + 2]) >= 0 && hexval(in[*r + 3]) >= 0) {
        ch = (char)(hexval(in[*r + 2]) * 16 + hexval(in[*r + 3]));
        *r += 4;
        return ch;
    }
    ch = in[*r + 1];
    *r += 2;
    switch (ch) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return ch;
    }
}

// Split the line in[r..end) into arguments in place (an unquoted argument
// is never longer than its text). False: unbalanced quotes.
static bool split_inline(struct kv_parser *p, size_t r, size_t end)
{
    char *in = p->in;
    size_t w = r;
    for (;;) {
        while (r < end && isspace((unsigned char)in[r]))
            r++;
        if (r == end)
            return true;
        size_t start = w;
        char quote = 0;
        while (r < end) {
            char ch = in[r];
            if (quote == 0 && isspace((unsigned char)ch))
                break;
            if (quote == 0 && (ch == '"' || ch == '\'')) {
                quote = ch;
                r++;
            } else if (quote == '"' && ch != '"') {
                in[w++] = dquote_char(in, &r, end);
            } else if (quote == '\'' && ch == '\\' && r + 1 < end && in[r + 1] == '\'') {
                in[w++] = '\'';
                r += 2;
            } else if (quote != 0 && ch == quote) {
                // A closing quote must end the argument.
                if (++r < end && !isspace((unsigned char)in[r]))
                    return false;
                quote = 0;
                break;
            } else {
                in[w++] = ch;
                r++;
            }
        }
        if (quote != 0)
            return false;
        push_arg(p, start, w - start);
    }
}

static int parse_inline(struct kv_conn *c)
{
    struct kv_parser *p = &c->p;
    const char *nl = memchr(p->in + p->pos, '\n', p->len - p->pos);
    size_t line = nl ? (size_t)(nl - p->in) - p->pos : p->len - p->pos;
    if (line > KV_MAX_INLINE)
        return broken(c, "too big inline request");
    if (nl == NULL)
        return NEED_MORE;
    size_t end = (size_t)(nl - p->in);
    size_t next = end + 1;
    if (end > p->pos && p->in[end - 1] == '\r')
        end--;
    if (!split_inline(p, p->pos, end))
        return broken(c, "unbalanced quotes in request");
    p->pos = next;
    return COMPLETE;
}

// The next request from pos: COMPLETE with its arguments (argc 0 for an
// empty one, which is skipped), NEED_MORE or BROKEN.
static int parse_request(struct kv_conn *c)
{
    struct kv_parser *p = &c->p;
    if (p->args_left < 0) {
        p->start = p->pos;
        p->argc = 0;
        if (p->pos == p->len)
            return NEED_MORE;
        if (p->in[p->pos] != '*')
            return parse_inline(c);
        int64_t n;
        int r = count_line(c, "too big mbulk count string", &n);
        if (r == NEED_MORE || r == BROKEN)
            return r;
        if (r != COMPLETE || n > KV_MAX_MULTIBULK)
            return broken(c, "invalid multibulk length");
        if (n <= 0)
            return COMPLETE;
        p->args_left = n;
        p->bulk = -1;
    }
    return parse_multibulk(c);
}

static void run_request(struct kv_conn *c)
{
    struct kv_parser *p = &c->p;
    for (int i = 0; i < p->argc; i++)
        p->argv[i] = p->in + p->off[i];
    struct kv_ctx x = {.db = c->db, .conn = c, .out = &c->out, .argc = p->argc};
    x.argv = p->argv;
    x.lens = p->lens;
    kv_exec(&x);
    if (x.close)
        c->closing = true;
}

bool kv_conn_feed(struct kv_conn *c, const void *bytes, size_t len)
{
    const char *b = bytes;
    while (len > 0 && !c->closing) {
        size_t n = len < FEED_CHUNK ? len : FEED_CHUNK;
        append_input(&c->p, b, n);
        b += n;
        len -= n;
        int r;
        while (!c->closing && (r = parse_request(c)) == COMPLETE) {
            if (c->p.argc > 0)
                run_request(c);
            c->p.start = c->p.pos;
            c->p.argc = 0;
        }
    }
    return c->closing;
}
