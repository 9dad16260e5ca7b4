/*
 * lib/os/mc/proto.c: memcached's text protocol on one connection: command
 * lines and data blocks taken in any split, each command decoded (every
 * argument checked, nothing changed) and then run against the cache.
 */
#include "mc_priv.h"
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 8    // more than any command but the get family takes
#define ANY_TOKENS 0xff // the get family: any number of keys
#define VALUE_LINE (6 + MC_KEY_MAX + 3 * 21 + 2)

struct tok {
    const char *s;
    size_t len;
};

// A command line split at spaces (memcached splits at ' ' only): the first
// MAX_TOKENS tokens, and whether more follow before end.
struct line {
    struct tok t[MAX_TOKENS];
    size_t n;
    bool more;
    const char *end;
};

struct command {
    const char *name;
    uint8_t min, max; // tokens, the name included
    void (*run)(struct mc_conn *conn, const struct line *l, int arg);
    int arg;
};

static bool next_token(const char **pos, const char *end, struct tok *t)
{
    const char *p = *pos;
    while (p < end && *p == ' ')
        p++;
    t->s = p;
    while (p < end && *p != ' ')
        p++;
    t->len = (size_t)(p - t->s);
    *pos = p;
    return t->len > 0;
}

static bool tok_is(const struct tok *t, const char *s)
{
    return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

// protocol.txt "Keys": at most 250 bytes, no control characters (spaces
// cannot be in a token).
static bool key_ok(const struct tok *k)
{
    if (k->len == 0 || k->len > MC_KEY_MAX)
        return false;
    for (size_t i = 0; i < k->len; i++) {
        uint8_t ch = (uint8_t)k->s[i];
        if (ch < 0x20 || ch == 0x7f)
            return false;
    }
    return true;
}

// Decimal digits only, no sign, at most max.
static bool parse_u64(const struct tok *t, uint64_t max, uint64_t *v)
{
    if (t->len == 0)
        return false;
    uint64_t r = 0;
    for (size_t i = 0; i < t->len; i++) {
        unsigned d = (unsigned)((uint8_t)t->s[i] - '0');
        if (d > 9 || r > (UINT64_MAX - d) / 10)
            return false;
        r = r * 10 + d;
    }
    if (r > max)
        return false;
    *v = r;
    return true;
}

// A signed 32-bit decimal, as memcached reads exptimes and sizes.
static bool parse_i32(const struct tok *t, int64_t *v)
{
    struct tok u = *t;
    bool neg = u.len > 0 && u.s[0] == '-';
    if (neg) {
        u.s++;
        u.len--;
    }
    uint64_t m;
    if (!parse_u64(&u, neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &m))
        return false;
    *v = neg ? -(int64_t)m : (int64_t)m;
    return true;
}

// "noreply" as the last token silences the command's replies.
static void take_noreply(struct mc_conn *conn, const struct line *l)
{
    conn->noreply = l->n > 1 && tok_is(&l->t[l->n - 1], "noreply");
}

// A reply that noreply does not silence (memcached sends these always).
static void out_always(struct mc_conn *conn, const char *s)
{
    bool nr = conn->noreply;
    conn->noreply = false;
    mc_out_line(conn, s);
    conn->noreply = nr;
}

static void out_store_result(struct mc_conn *conn, enum mc_store_result r)
{
    static const char *const lines[] = {
        [MC_STORED] = "STORED",
        [MC_NOT_STORED] = "NOT_STORED",
        [MC_EXISTS] = "EXISTS",
        [MC_NOT_FOUND] = "NOT_FOUND",
        [MC_TOO_LARGE] = "SERVER_ERROR object too large for cache",
    };
    if (r == MC_NO_MEMORY)
        out_always(conn, "SERVER_ERROR out of memory storing object");
    else
        mc_out_line(conn, lines[r]);
}

// A store refused before its data: answer, then skip the data block (and
// its "\r\n") unread. A refused set also drops the key's old value, so a
// client never reads back what it tried to replace.
static void refuse_store(struct mc_conn *conn, const struct tok *key, enum mc_store_cmd cmd,
                         enum mc_store_result r, uint64_t skip)
{
    struct mc_cache *c = conn->cache;
    c->stats.outofmemory += r == MC_NO_MEMORY;
    out_store_result(conn, r);
    if (cmd == MC_SET) {
        struct mc_item *old = mc_item_get(c, key->s, key->len, NULL);
        if (old)
            mc_item_unlink(c, old);
    }
    conn->swallow = skip;
    conn->state = MC_SWALLOW;
}

// set/add/replace/append/prepend <key> <flags> <exptime> <bytes> [noreply],
// cas <key> <flags> <exptime> <bytes> <cas unique> [noreply].
static void cmd_store(struct mc_conn *conn, const struct line *l, int arg)
{
    enum mc_store_cmd cmd = (enum mc_store_cmd)arg;
    struct mc_cache *c = conn->cache;
    const struct tok *key = &l->t[1];
    uint64_t flags, cas = 0;
    int64_t exptime, vlen;
    take_noreply(conn, l);
    if (!key_ok(key) || !parse_u64(&l->t[2], UINT32_MAX, &flags) ||
        !parse_i32(&l->t[3], &exptime) || !parse_i32(&l->t[4], &vlen) ||
        (cmd == MC_CAS && !parse_u64(&l->t[5], UINT64_MAX, &cas)) || vlen < 0 ||
        vlen > INT32_MAX - 2) {
        // As memcached: the data block is not skipped, and is read as commands.
        mc_out_line(conn, "CLIENT_ERROR bad command line format");
        return;
    }
    // Sizes are checked before anything is allocated: a client's claim
    // costs memory only once it is known to fit.
    enum mc_store_result r = mc_item_fits(c, key->len, (uint64_t)vlen);
    struct mc_item *it = NULL;
    if (r == MC_STORED)
        it = mc_item_alloc(key->s, key->len, (uint32_t)flags, mc_exptime(c, exptime),
                           (uint32_t)vlen);
    if (!it) {
        refuse_store(conn, key, cmd, r == MC_STORED ? MC_NO_MEMORY : r, (uint64_t)vlen + 2);
        return;
    }
    conn->pending = it;
    conn->pending_got = 0;
    conn->pending_cmd = cmd;
    conn->pending_cas = cas;
    conn->state = MC_READ_DATA;
}

// The data block arrived whole: store it.
static void data_done(struct mc_conn *conn)
{
    struct mc_cache *c = conn->cache;
    struct mc_item *it = conn->pending;
    conn->pending = NULL;
    conn->state = MC_READ_LINE;
    c->stats.cmd_set++;
    if (memcmp(item_value(it) + it->nbytes, "\r\n", 2)) {
        free(it);
        mc_out_line(conn, "CLIENT_ERROR bad data chunk");
    } else {
        mc_cache_tick(c);
        out_store_result(conn, mc_item_store(c, it, conn->pending_cmd, conn->pending_cas));
    }
    conn->noreply = false;
}

static void out_value(struct mc_conn *conn, struct mc_item *it, bool cas)
{
    char line[VALUE_LINE];
    size_t n = 0;
    memcpy(line, "VALUE ", 6);
    n += 6;
    memcpy(line + n, item_key(it), it->nkey);
    n += it->nkey;
    line[n++] = ' ';
    n += mc_u64_str(line + n, it->flags);
    line[n++] = ' ';
    n += mc_u64_str(line + n, it->nbytes);
    if (cas) {
        line[n++] = ' ';
        n += mc_u64_str(line + n, it->cas);
    }
    memcpy(line + n, "\r\n", 2);
    mc_out(conn, line, n + 2);
    mc_out(conn, item_value(it), it->nbytes + 2);
}

static void get_one(struct mc_conn *conn, const struct tok *key, bool cas, bool touch,
                    int64_t exptime)
{
    struct mc_cache *c = conn->cache;
    bool expired;
    struct mc_item *it = mc_item_get(c, key->s, key->len, &expired);
    c->stats.cmd_get++;
    c->stats.cmd_touch += touch;
    if (!it) {
        c->stats.get_misses++;
        c->stats.get_expired += expired;
        c->stats.touch_misses += touch;
        return;
    }
    c->stats.get_hits++;
    if (touch) {
        c->stats.touch_hits++;
        it->exptime = mc_exptime(c, exptime);
    }
    mc_item_bump(c, it);
    out_value(conn, it, cas);
}

// get/gets <key>*, gat/gats <exptime> <key>*: arg bit 0 asks for the cas
// unique, bit 1 for a touch.
static void cmd_get(struct mc_conn *conn, const struct line *l, int arg)
{
    bool cas = arg & 1, touch = arg & 2;
    int64_t exptime = 0;
    if (touch && !parse_i32(&l->t[1], &exptime)) {
        mc_out_line(conn, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    // Every key is checked first, so a bad one answers only the error.
    const char *first = l->t[touch ? 2 : 1].s, *p = first;
    struct tok key;
    while (next_token(&p, l->end, &key)) {
        if (!key_ok(&key)) {
            mc_out_line(conn, "CLIENT_ERROR bad command line format");
            return;
        }
    }
    for (p = first; next_token(&p, l->end, &key);)
        get_one(conn, &key, cas, touch, exptime);
    mc_out_line(conn, "END");
}

// delete <key> [0] [noreply]: memcached still takes the old hold time 0.
static void cmd_delete(struct mc_conn *conn, const struct line *l, int arg)
{
    struct mc_cache *c = conn->cache;
    if (l->n > 2) {
        bool zero = tok_is(&l->t[2], "0");
        take_noreply(conn, l);
        if (!((l->n == 3 && (zero || conn->noreply)) || (l->n == 4 && zero && conn->noreply))) {
            mc_out_line(conn,
                        "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
            return;
        }
    }
    if (!key_ok(&l->t[1])) {
        mc_out_line(conn, "CLIENT_ERROR bad command line format");
        return;
    }
    struct mc_item *it = mc_item_get(c, l->t[1].s, l->t[1].len, NULL);
    if (!it) {
        c->stats.delete_misses++;
        mc_out_line(conn, "NOT_FOUND");
        return;
    }
    c->stats.delete_hits++;
    mc_item_unlink(c, it);
    mc_out_line(conn, "DELETED");
}

// A value incr/decr can change: the decimal form of a 64-bit unsigned
// integer, with spaces before or after it.
static bool item_number(struct mc_item *it, uint64_t *v)
{
    const char *s = item_value(it), *end = s + it->nbytes;
    while (s < end && *s == ' ')
        s++;
    struct tok t = {s, 0};
    while (s < end && *s != ' ')
        s++;
    t.len = (size_t)(s - t.s);
    while (s < end && *s == ' ')
        s++;
    return s == end && parse_u64(&t, UINT64_MAX, v);
}

// incr/decr <key> <value> [noreply]: incr wraps at 2^64, decr stops at 0.
static void cmd_arith(struct mc_conn *conn, const struct line *l, int incr)
{
    struct mc_cache *c = conn->cache;
    uint64_t delta, v;
    take_noreply(conn, l);
    if (!key_ok(&l->t[1])) {
        mc_out_line(conn, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!parse_u64(&l->t[2], UINT64_MAX, &delta)) {
        mc_out_line(conn, "CLIENT_ERROR invalid numeric delta argument");
        return;
    }
    struct mc_item *it = mc_item_get(c, l->t[1].s, l->t[1].len, NULL);
    if (!it) {
        *(incr ? &c->stats.incr_misses : &c->stats.decr_misses) += 1;
        mc_out_line(conn, "NOT_FOUND");
        return;
    }
    if (!item_number(it, &v)) {
        mc_out_line(conn, "CLIENT_ERROR cannot increment or decrement non-numeric value");
        return;
    }
    *(incr ? &c->stats.incr_hits : &c->stats.decr_hits) += 1;
    v = incr ? v + delta : (delta > v ? 0 : v - delta);
    char num[21];
    size_t n = mc_u64_str(num, v);
    if (!mc_item_set_number(c, it, num, n)) {
        out_always(conn, "SERVER_ERROR out of memory");
        return;
    }
    mc_out_line(conn, num);
}

// touch <key> <exptime> [noreply]
static void cmd_touch(struct mc_conn *conn, const struct line *l, int arg)
{
    struct mc_cache *c = conn->cache;
    int64_t exptime;
    take_noreply(conn, l);
    if (!key_ok(&l->t[1])) {
        mc_out_line(conn, "CLIENT_ERROR bad command line format");
        return;
    }
    if (!parse_i32(&l->t[2], &exptime)) {
        mc_out_line(conn, "CLIENT_ERROR invalid exptime argument");
        return;
    }
    c->stats.cmd_touch++;
    struct mc_item *it = mc_item_get(c, l->t[1].s, l->t[1].len, NULL);
    if (!it) {
        c->stats.touch_misses++;
        mc_out_line(conn, "NOT_FOUND");
        return;
    }
    c->stats.touch_hits++;
    it->exptime = mc_exptime(c, exptime);
    mc_item_bump(c, it);
    mc_out_line(conn, "TOUCHED");
}

// flush_all [delay] [noreply]
static void cmd_flush(struct mc_conn *conn, const struct line *l, int arg)
{
    struct mc_cache *c = conn->cache;
    int64_t delay = 0;
    take_noreply(conn, l);
    if ((l->n == 3 || (l->n == 2 && !conn->noreply)) && !parse_i32(&l->t[1], &delay)) {
        mc_out_line(conn, "CLIENT_ERROR bad command line format");
        return;
    }
    c->stats.cmd_flush++;
    mc_cache_flush(c, delay == 0 ? c->now : mc_exptime(c, delay));
    mc_out_line(conn, "OK");
}

static void cmd_version(struct mc_conn *conn, const struct line *l, int arg)
{
    mc_out_str(conn, "VERSION ");
    mc_out_line(conn, conn->cache->cfg.version);
}

// verbosity <level> [noreply]: always OK, as memcached.
static void cmd_verbosity(struct mc_conn *conn, const struct line *l, int arg)
{
    uint64_t level = 0;
    take_noreply(conn, l);
    if (parse_u64(&l->t[1], UINT32_MAX, &level))
        conn->cache->verbosity = (uint32_t)level;
    mc_out_line(conn, "OK");
}

static void cmd_stats(struct mc_conn *conn, const struct line *l, int arg)
{
    const struct tok *sub = l->n > 1 ? &l->t[1] : NULL;
    if (!mc_stats_reply(conn, sub ? sub->s : NULL, sub ? sub->len : 0))
        mc_out_line(conn, "ERROR");
}

static void cmd_quit(struct mc_conn *conn, const struct line *l, int arg) { conn->closing = true; }

static const struct command commands[] = {
    {"get", 2, ANY_TOKENS, cmd_get, 0},
    {"gets", 2, ANY_TOKENS, cmd_get, 1},
    {"gat", 3, ANY_TOKENS, cmd_get, 2},
    {"gats", 3, ANY_TOKENS, cmd_get, 3},
    {"set", 5, 6, cmd_store, MC_SET},
    {"add", 5, 6, cmd_store, MC_ADD},
    {"replace", 5, 6, cmd_store, MC_REPLACE},
    {"append", 5, 6, cmd_store, MC_APPEND},
    {"prepend", 5, 6, cmd_store, MC_PREPEND},
    {"cas", 6, 7, cmd_store, MC_CAS},
    {"delete", 2, 4, cmd_delete, 0},
    {"incr", 3, 4, cmd_arith, 1},
    {"decr", 3, 4, cmd_arith, 0},
    {"touch", 3, 4, cmd_touch, 0},
    {"flush_all", 1, 3, cmd_flush, 0},
    {"version", 1, ANY_TOKENS, cmd_version, 0},
    {"verbosity", 2, 3, cmd_verbosity, 0},
    {"stats", 1, ANY_TOKENS, cmd_stats, 0},
    {"quit", 1, ANY_TOKENS, cmd_quit, 0},
};

// Decode a complete command line (without its '\n') and run it. A wrong
// number of arguments is "ERROR", as an unknown command, like memcached.
static void run_line(struct mc_conn *conn, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    struct line l = {.end = s + n};
    const char *p = s;
    while (l.n < MAX_TOKENS && next_token(&p, l.end, &l.t[l.n]))
        l.n++;
    struct tok extra;
    l.more = next_token(&p, l.end, &extra);
    mc_cache_tick(conn->cache);
    conn->noreply = false;
    const struct command *cmd = NULL;
    for (size_t i = 0; l.n > 0 && i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (tok_is(&l.t[0], commands[i].name))
            cmd = &commands[i];
    }
    if (!cmd || l.n < cmd->min || (cmd->max != ANY_TOKENS && (l.n > cmd->max || l.more))) {
        mc_out_line(conn, "ERROR");
        return;
    }
    cmd->run(conn, &l, cmd->arg);
    if (conn->state == MC_READ_LINE)
        conn->noreply = false;
}

// How long this line may grow: multigets (get, gets, gat, gats) to
// get_line_max, everything else to MC_LINE_MAX (memcached's rule, which
// also closes the connection).
static size_t line_limit(const struct mc_conn *conn, const char *s, size_t n)
{
    static const char *const multi[] = {"get ", "gets ", "gat ", "gats "};
    while (n > 0 && *s == ' ') {
        s++;
        n--;
    }
    for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
        size_t m = strlen(multi[i]);
        if (n >= m && !memcmp(s, multi[i], m))
            return conn->cache->cfg.get_line_max;
    }
    return MC_LINE_MAX;
}

// MC_READ_LINE: take bytes up to a '\n' and run the line. A line whole in
// this input runs from it; one cut by the input's end collects in conn->line.
static size_t feed_line(struct mc_conn *conn, const char *p, size_t len)
{
    struct mc_buf *line = &conn->line;
    const char *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) : len;
    // A line counts in bytes_read once it is whole, before it runs: a
    // "stats" reports the same wherever the input was cut.
    if (line->len == 0 && nl && n <= MC_LINE_MAX) {
        conn->cache->stats.bytes_read += n + 1;
        run_line(conn, p, n);
        return n + 1;
    }
    // One byte over the largest limit is enough to know a line is too long.
    size_t room = conn->cache->cfg.get_line_max + 1 - line->len;
    if (!mc_buf_put(line, p, n < room ? n : room)) {
        conn->broken = conn->closing = true;
        return len;
    }
    if (line->len > line_limit(conn, line->data, line->len)) {
        mc_out_line(conn, "CLIENT_ERROR line too long");
        conn->closing = true;
        return len;
    }
    if (!nl)
        return len;
    conn->cache->stats.bytes_read += line->len + 1;
    run_line(conn, line->data, line->len);
    line->len = 0;
    return n + 1;
}

// MC_READ_DATA: the value and its "\r\n" go straight into the item.
static size_t feed_data(struct mc_conn *conn, const char *p, size_t len)
{
    struct mc_item *it = conn->pending;
    size_t want = it->nbytes + 2 - conn->pending_got;
    size_t n = len < want ? len : want;
    memcpy(item_value(it) + conn->pending_got, p, n);
    conn->pending_got += n;
    conn->cache->stats.bytes_read += n;
    if (n == want)
        data_done(conn);
    return n;
}

// MC_SWALLOW: skip a refused store's data block.
static size_t feed_swallow(struct mc_conn *conn, size_t len)
{
    size_t n = len < conn->swallow ? len : (size_t)conn->swallow;
    conn->swallow -= n;
    conn->cache->stats.bytes_read += n;
    if (conn->swallow == 0) {
        conn->state = MC_READ_LINE;
        conn->noreply = false;
    }
    return n;
}

bool mc_conn_feed(struct mc_conn *conn, const void *bytes, size_t len)
{
    const char *p = bytes;
    while (len > 0 && !conn->closing) {
        size_t used = 0;
        switch (conn->state) {
        case MC_READ_LINE: used = feed_line(conn, p, len); break;
        case MC_READ_DATA: used = feed_data(conn, p, len); break;
        case MC_SWALLOW: used = feed_swallow(conn, len); break;
        }
        p += used;
        len -= used;
    }
    return conn->closing;
}

errval_t mc_conn_init(struct mc_conn *conn, struct mc_cache *cache)
{
    memset(conn, 0, sizeof(*conn));
    conn->cache = cache;
    conn->state = MC_READ_LINE;
    return SYS_ERR_OK;
}

void mc_conn_fini(struct mc_conn *conn)
{
    free(conn->pending);
    mc_buf_free(&conn->line);
    mc_buf_free(&conn->out);
}

errval_t mc_conn_new(struct mc_cache *cache, struct mc_conn **out)
{
    struct mc_conn *conn = malloc(sizeof(*conn));
    if (!conn)
        return SYS_ERR_NO_MEMORY;
    errval_t err = mc_conn_init(conn, cache);
    if (err_is_fail(err)) {
        free(conn);
        return err;
    }
    conn->counted = true;
    cache->stats.curr_connections++;
    cache->stats.total_connections++;
    *out = conn;
    return SYS_ERR_OK;
}

void mc_conn_free(struct mc_conn *conn)
{
    if (!conn)
        return;
    if (conn->counted)
        conn->cache->stats.curr_connections--;
    mc_conn_fini(conn);
    free(conn);
}

const void *mc_conn_output(const struct mc_conn *conn, size_t *len)
{
    *len = conn->out.len - conn->out.off;
    return conn->out.data ? conn->out.data + conn->out.off : "";
}

void mc_conn_consume(struct mc_conn *conn, size_t n)
{
    struct mc_buf *b = &conn->out;
    if (n > b->len - b->off)
        n = b->len - b->off;
    b->off += n;
    conn->cache->stats.bytes_written += n;
    if (b->off == b->len)
        b->off = b->len = 0;
}
