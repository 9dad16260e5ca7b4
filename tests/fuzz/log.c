/*
 * tests/fuzz/log.c: the persistent log's recovery (lib/os/log, log_open)
 * on any device contents, and the log's promises after it.
 *
 * The first input byte holds flags, the rest is the device (512-byte
 * blocks, 4 to 64 of them). CRC-32C guards the superblocks and records, so
 * random bytes would never pass it: the flags ask the harness to make the
 * CRCs right first (bit 0 the superblocks', bit 1 each record's along the
 * chain from the head, with the chain value too), which leaves every other
 * check of recovery to the fuzzer. Invariants: log_open fails only with
 * the errors of its contract; after it, iteration gives exactly the
 * records it counted, each within max_record; a record appended then is
 * there after another open, after the ones recovered, and a trim to it
 * leaves it alone at the head after a third.
 */
#include "../unit/log/fakedev.h"
#include "fuzz.h"
#include <os/crc32c.h>
#include <os/log.h>

#define BLOCK      512u
#define MAX_BLOCKS 64u
#define SB_MAGIC   0x474c484354454953ull
#define REC_MAGIC  0x4345524cu

// The superblock and record header as docs/vsic.md lays them out.
struct super {
    uint64_t magic;
    uint32_t version, crc;
    uint64_t id, seq, epoch, head, area;
    uint32_t block_size, max_record, head_prev, reserved;
};
struct rec {
    uint32_t magic, crc;
    uint64_t pos, epoch;
    uint32_t len, prev;
};

struct record {
    uint8_t *p;
    uint32_t len;
};

static bool fix_supers(uint8_t *dev, uint64_t blocks, struct super *newest)
{
    bool found = false;
    for (unsigned copy = 0; copy < 2; copy++) {
        struct super s;
        memcpy(&s, dev + copy * BLOCK, sizeof(s));
        s.crc = 0;
        s.crc = crc32c(0, &s, sizeof(s));
        memcpy(dev + copy * BLOCK, &s, sizeof(s));
        if (s.magic == SB_MAGIC && s.area >= 2 && s.area <= blocks - 2 && s.seq % 2 == copy &&
            (!found || s.seq > newest->seq)) {
            *newest = s;
            found = true;
        }
    }
    return found;
}

// Make the CRC and chain of every plausible record from the head right.
static void fix_records(uint8_t *dev, const struct super *s)
{
    uint8_t *buf = malloc(s->area * BLOCK);
    uint64_t pos = s->head;
    uint32_t prev = s->head_prev;
    while (pos - s->head < s->area) {
        struct rec h;
        memcpy(&h, dev + (2 + pos % s->area) * BLOCK, sizeof(h));
        uint64_t n = (sizeof(h) + (uint64_t)h.len + BLOCK - 1) / BLOCK;
        if (h.magic != REC_MAGIC || h.len == 0 || n > s->area - (pos - s->head))
            break;
        for (uint64_t b = 0; b < n; b++) // the record's blocks, wrapping at the area's end
            memcpy(buf + b * BLOCK, dev + (2 + (pos + b) % s->area) * BLOCK, BLOCK);
        h.prev = prev;
        h.crc = 0;
        uint32_t c = crc32c(0, &s->id, sizeof(s->id));
        c = crc32c(c, &h, sizeof(h));
        h.crc = crc32c(c, buf + sizeof(h), h.len);
        memcpy(dev + (2 + pos % s->area) * BLOCK, &h, sizeof(h));
        prev = h.crc;
        pos += n;
    }
    free(buf);
}

// Every record from the head; *n of them (malloc'd copies).
static struct record *read_all(struct log *l, size_t *n)
{
    struct log_iter it;
    FUZZ_CHECK(err_is_ok(log_iter_init(l, LOG_START, &it)), "log_iter_init at the head");
    struct record *v = NULL;
    uint8_t *buf = malloc(l->max_record);
    *n = 0;
    for (;;) {
        uint32_t len;
        errval_t err = log_next(l, &it, buf, l->max_record, &len, NULL);
        if (err == LOG_ERR_END)
            break;
        FUZZ_CHECK(err_is_ok(err), "log_next after recovery: %s", err_name(err));
        FUZZ_CHECK(len >= 1 && len <= l->max_record, "a %u-byte record", len);
        v = realloc(v, (*n + 1) * sizeof(*v));
        v[*n].p = malloc(len);
        memcpy(v[*n].p, buf, len);
        v[(*n)++].len = len;
    }
    free(buf);
    FUZZ_CHECK(*n == l->records, "%zu records iterated, %llu recovered", *n,
               (unsigned long long)l->records);
    return v;
}

static void free_all(struct record *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].p);
    free(v);
}

// A log that opened before opens again, unless its superblock counters
// have just run out (2^62 writes: only a made-up superblock comes near),
// which it says (false then).
static bool open_ok(struct log *l, struct fakedev *f, uint8_t *buf, size_t size)
{
    errval_t err = log_open(l, &f->dev, buf, size);
    FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_WORN, "a log that opened before does not: %s",
               err_name(err));
    return err_is_ok(err);
}

// Append one record, reopen, and find it after the ones there; then trim
// to it and reopen.
static void check_append(struct log *l, struct fakedev *f, uint8_t *buf, size_t size)
{
    size_t n;
    struct record *before = read_all(l, &n);
    static const char rec[] = "fuzz";
    uint32_t len = l->max_record < 4 ? l->max_record : 4;
    uint64_t pos;
    errval_t err = log_append(l, rec, len, &pos);
    FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_FULL, "log_append: %s", err_name(err));
    if (err_is_ok(err)) {
        struct log again;
        if (!open_ok(&again, f, buf, size)) {
            free_all(before, n);
            return;
        }
        size_t m;
        struct record *after = read_all(&again, &m);
        FUZZ_CHECK(m == n + 1, "%zu records before the append, %zu after", n, m);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(fuzz_same(before[i].p, before[i].len, after[i].p, after[i].len),
                       "record %zu changed", i);
        FUZZ_CHECK(fuzz_same(after[n].p, after[n].len, rec, len), "the appended record changed");
        free_all(after, m);
        err = log_trim(&again, pos);
        FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_WORN, "log_trim to the appended record: %s",
                   err_name(err));
        if (err_is_fail(err) || !open_ok(&again, f, buf, size)) {
            free_all(before, n);
            return;
        }
        after = read_all(&again, &m);
        FUZZ_CHECK(m == 1 && fuzz_same(after[0].p, after[0].len, rec, len),
                   "%zu records after the trim", m);
        free_all(after, m);
    }
    free_all(before, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > MAX_BLOCKS * BLOCK)
        return 0;
    uint64_t blocks = (size - 1 + BLOCK - 1) / BLOCK;
    blocks = blocks < 4 ? 4 : blocks;
    struct fakedev f;
    fakedev_init(&f, BLOCK, blocks, 1);
    memset(f.media, 0, blocks * BLOCK);
    memcpy(f.media, data + 1, size - 1);
    struct super s;
    if ((data[0] & 1) && fix_supers(f.media, blocks, &s) && (data[0] & 2))
        fix_records(f.media, &s);
    memcpy(f.cache, f.media, blocks * BLOCK);

    size_t bufsize = blocks * BLOCK;
    uint8_t *buf = malloc(bufsize);
    struct log l;
    errval_t err = log_open(&l, &f.dev, buf, bufsize);
    FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_NO_LOG || err == LOG_ERR_TOO_BIG ||
                   err == LOG_ERR_GEOMETRY || err == LOG_ERR_WORN,
               "log_open: %s", err_name(err));
    if (err_is_ok(err))
        check_append(&l, &f, buf, bufsize);
    free(buf);
    fakedev_free(&f);
    return 0;
}
