/*
 * tests/fuzz/resp.c: the key-value engine's connection (lib/os/kv: the
 * RESP2 parser, multibulk and inline, and every command behind it) fed a
 * client's bytes.
 *
 * Invariants: the replies are the same whether the bytes come in one call
 * or in pieces (kv_conn_feed's contract), and so is the decision to close;
 * the replies are a sequence of whole RESP2 values; the commands the engine
 * reported as writes, replayed into an empty database, rebuild the same
 * dataset (kv_config.on_write's contract), none of them refused.
 */
#include "fuzz.h"
#include "kv_canon.h"
#include <string.h>

#define NOW_MS    1700000000000ull // the clock stands still: both runs see one time
#define MAX_INPUT (64 * 1024)
#define MAX_DEPTH 8 // of nested arrays in a reply (the engine nests 2 deep)

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return NOW_MS;
}

static struct kv_db *new_db(struct kv_buf *writes)
{
    struct kv_config cfg = {.clock_ms = fixed_clock, .seed = 7};
    if (writes) {
        cfg.on_write = kv_canon_record;
        cfg.write_arg = writes;
    }
    return kv_db_new(&cfg);
}

// The end of the CRLF-terminated line at p, or NULL.
static const char *line_end(const char *p, const char *end)
{
    for (; p + 1 < end; p++) {
        if (p[0] == '\r' && p[1] == '\n')
            return p;
        if (p[0] == '\r' || p[0] == '\n')
            return NULL; // a bare CR or LF inside a simple line
    }
    return NULL;
}

static bool parse_count(const char *p, const char *e, long long *n)
{
    char num[32];
    if (e - p < 1 || e - p >= (long)sizeof(num))
        return false;
    memcpy(num, p, (size_t)(e - p));
    num[e - p] = '\0';
    char *stop;
    *n = strtoll(num, &stop, 10);
    return *stop == '\0';
}

// One whole RESP2 value at p: its end, or NULL.
static const char *resp_value(const char *p, const char *end, int depth)
{
    if (p >= end || depth > MAX_DEPTH)
        return NULL;
    const char *e = line_end(p + 1, end);
    if (!e)
        return NULL;
    long long n;
    switch (*p) {
    case '+':
    case '-': return e + 2;
    case ':': return parse_count(p + 1, e, &n) ? e + 2 : NULL;
    case '$':
        if (!parse_count(p + 1, e, &n) || n < -1)
            return NULL;
        if (n == -1)
            return e + 2;
        if (end - (e + 2) < n + 2 || memcmp(e + 2 + n, "\r\n", 2))
            return NULL;
        return e + 2 + n + 2;
    case '*':
        if (!parse_count(p + 1, e, &n) || n < -1)
            return NULL;
        p = e + 2;
        for (long long i = 0; i < n && p; i++)
            p = resp_value(p, end, depth + 1);
        return p;
    default: return NULL;
    }
}

static void check_replies(const struct kv_buf *out)
{
    if (out->len == 0)
        return;
    const char *p = out->data, *end = out->data + out->len;
    while (p && p < end)
        p = resp_value(p, end, 0);
    FUZZ_CHECK(p == end, "the replies are not whole RESP2 values");
}

// Feed data in pieces of 1 to 64 bytes, cut where the input's hash says.
static bool feed_split(struct kv_conn *c, const uint8_t *data, size_t size)
{
    uint64_t rng = fuzz_seed(data, size);
    bool closing = false;
    for (size_t at = 0, n; at < size; at += n) {
        n = fuzz_piece(&rng, size - at);
        closing = kv_conn_feed(c, data + at, n);
    }
    return closing;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    struct kv_buf writes = {0};
    struct kv_db *whole_db = new_db(&writes), *split_db = new_db(NULL);
    struct kv_conn *whole = kv_conn_new(whole_db), *split = kv_conn_new(split_db);

    bool whole_closing = kv_conn_feed(whole, data, size);
    bool split_closing = feed_split(split, data, size);
    struct kv_buf *a = kv_conn_output(whole), *b = kv_conn_output(split);
    FUZZ_CHECK(whole_closing == split_closing, "closing %d in one piece, %d split", whole_closing,
               split_closing);
    FUZZ_CHECK(fuzz_same(a->data, a->len, b->data, b->len),
               "replies differ: %zu bytes in one piece, %zu split", a->len, b->len);
    check_replies(a);

    struct kv_db *replayed = kv_db_new(&(struct kv_config){.clock_ms = fixed_clock, .seed = 7});
    unsigned refused = kv_canon_replay(&writes, replayed);
    FUZZ_CHECK(refused == 0, "%u reported writes refused on replay", refused);
    size_t la, lb;
    char *ca = kv_canon(whole_db, &la), *cb = kv_canon(replayed, &lb);
    FUZZ_CHECK(fuzz_same(ca, la, cb, lb), "replayed writes make another dataset:\n%s\n--\n%s", ca,
               cb);
    free(ca);
    free(cb);

    kv_conn_free(whole);
    kv_conn_free(split);
    kv_db_free(whole_db);
    kv_db_free(split_db);
    kv_db_free(replayed);
    kv_buf_free(&writes);
    return 0;
}
