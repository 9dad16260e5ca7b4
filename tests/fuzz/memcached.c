/*
 * tests/fuzz/memcached.c: the memcached engine (lib/os/mc: the text
 * protocol, data blocks, the cache behind it, the UDP frame) fed a
 * client's bytes, on a cache small enough to evict.
 *
 * Invariants: the replies and the decision to close are the same whether
 * the bytes come in one call or in pieces (mc_conn_feed's contract); the
 * replies are whole lines, VALUE lines followed by as many data bytes as
 * they announce; the cache's byte count stays within its limit; the same
 * bytes as one UDP datagram give datagrams of at most MC_UDP_DATAGRAM
 * bytes, numbered 0 .. total-1 in order, carrying the request's id.
 */
#include "fuzz.h"
#include <os/mc.h>

#define MAX_INPUT (64 * 1024)
#define MAX_BYTES (256 * 1024) // the cache's memory: a few long values evict

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1700000000u; // a plausible Unix time that never moves
}

static struct mc_cache *new_cache(void)
{
    struct mc_config cfg;
    mc_config_init(&cfg);
    cfg.clock = fixed_clock;
    cfg.max_bytes = MAX_BYTES;
    cfg.item_size_max = 64 * 1024;
    struct mc_cache *c = NULL;
    errval_t err = mc_cache_new(&cfg, &c);
    FUZZ_CHECK(err_is_ok(err), "mc_cache_new: %s", err_name(err));
    return c;
}

// Feed data in pieces of 1 to 64 bytes, cut where the input's hash says.
static bool feed_split(struct mc_conn *c, const uint8_t *data, size_t size)
{
    uint64_t rng = fuzz_seed(data, size);
    bool closing = false;
    for (size_t at = 0, n; at < size; at += n) {
        n = fuzz_piece(&rng, size - at);
        closing = mc_conn_feed(c, data + at, n);
    }
    return closing;
}

// The bytes announced by "VALUE <key> <flags> <bytes>[ <cas>]" at line.
static bool value_bytes(const char *line, size_t len, size_t *bytes)
{
    char buf[512];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, line, len);
    buf[len] = '\0';
    unsigned long flags, n;
    char key[MC_KEY_MAX + 1];
    if (sscanf(buf, "VALUE %250s %lu %lu", key, &flags, &n) != 3)
        return false;
    *bytes = n;
    return true;
}

static void check_replies(const char *out, size_t len)
{
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(out + at, '\n', len - at);
        FUZZ_CHECK(nl && nl > out + at && nl[-1] == '\r', "a reply line without CRLF at %zu", at);
        size_t line = (size_t)(nl - 1 - (out + at)), bytes;
        bool value = line > 6 && !memcmp(out + at, "VALUE ", 6);
        FUZZ_CHECK(!value || value_bytes(out + at, line, &bytes), "a malformed VALUE line");
        at = (size_t)(nl + 1 - out);
        if (value) {
            FUZZ_CHECK(len - at >= bytes + 2 && !memcmp(out + at + bytes, "\r\n", 2),
                       "a data block shorter than its VALUE line says");
            at += bytes + 2;
        }
    }
}

struct udp_seen {
    uint16_t id;
    unsigned next_seq, total;
};

static void on_datagram(void *arg, const void *dgram, size_t len)
{
    struct udp_seen *s = arg;
    struct mc_udp_header h;
    FUZZ_CHECK(len > MC_UDP_HEADER && len <= MC_UDP_DATAGRAM, "a %zu-byte reply datagram", len);
    FUZZ_CHECK(err_is_ok(mc_udp_header_parse(dgram, len, &h)), "reply header unreadable");
    FUZZ_CHECK(h.request_id == s->id && h.seq == s->next_seq && h.seq < h.total,
               "datagram id %u seq %u/%u, expected id %u seq %u", h.request_id, h.seq, h.total,
               s->id, s->next_seq);
    FUZZ_CHECK(s->total == 0 || s->total == h.total, "the total changed");
    s->total = h.total;
    s->next_seq++;
}

static void check_udp(const uint8_t *data, size_t size)
{
    struct mc_cache *cache = new_cache();
    struct udp_seen seen = {0};
    struct mc_udp_header h;
    if (err_is_ok(mc_udp_header_parse(data, size, &h)))
        seen.id = h.request_id;
    errval_t err = mc_udp_request(cache, data, size, on_datagram, &seen);
    FUZZ_CHECK(err_is_ok(err) || err == SYS_ERR_CORRUPT || err == SYS_ERR_UNSUPPORTED,
               "mc_udp_request: %s", err_name(err));
    FUZZ_CHECK(seen.next_seq == seen.total, "%u of %u datagrams", seen.next_seq, seen.total);
    mc_cache_free(cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    struct mc_cache *whole_cache = new_cache(), *split_cache = new_cache();
    struct mc_conn *whole, *split;
    FUZZ_CHECK(err_is_ok(mc_conn_new(whole_cache, &whole)), "mc_conn_new");
    FUZZ_CHECK(err_is_ok(mc_conn_new(split_cache, &split)), "mc_conn_new");

    bool whole_closing = mc_conn_feed(whole, data, size);
    bool split_closing = feed_split(split, data, size);
    size_t la, lb;
    const char *a = mc_conn_output(whole, &la), *b = mc_conn_output(split, &lb);
    FUZZ_CHECK(whole_closing == split_closing, "closing %d in one piece, %d split", whole_closing,
               split_closing);
    FUZZ_CHECK(fuzz_same(a, la, b, lb), "replies differ: %zu bytes in one piece, %zu split", la,
               lb);
    check_replies(a, la);
    const struct mc_stats *st = mc_cache_stats(whole_cache);
    FUZZ_CHECK(st->bytes <= MAX_BYTES, "%llu bytes of items in a %u-byte cache",
               (unsigned long long)st->bytes, MAX_BYTES);
    mc_conn_consume(whole, la);
    mc_conn_consume(split, lb);
    mc_conn_free(whole);
    mc_conn_free(split);
    mc_cache_free(whole_cache);
    mc_cache_free(split_cache);

    check_udp(data, size);
    return 0;
}
