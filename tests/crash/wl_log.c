/*
 * tests/crash/wl_log.c: the persistent log (lib/os/log) as logapp writes
 * it: `logapp <vsa> append N` on a fresh VSA, one ACK line per record once
 * log_append returned (written, then flushed).
 */
#include "../../usr/apps/logapp/record.h"
#include "crash.h"
#include <os/crc32c.h>
#include <os/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_SECTORS 2 // the log's two superblocks come before its area
#define REC_MAGIC  0x4345524cu

struct ack {
    uint64_t k, pos;
    uint32_t len, crc;
};

static struct ack *acks;
static size_t n_acks;
static uint8_t logbuf[8192], rec[LOGAPP_MAX_RECORD], got[LOGAPP_MAX_RECORD];

// Lines "logapp: ACK k pos P len L crc C", in order from k = 0.
static bool load_acks(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t cap = 0;
    while (f && fgets(line, sizeof(line), f)) {
        struct ack a;
        char *at = strstr(line, "ACK ");
        if (!at || sscanf(at, "ACK %lu pos %lu len %u crc %x", &a.k, &a.pos, &a.len, &a.crc) != 4)
            continue;
        if (a.k != n_acks || logapp_record(a.k, rec) != a.len || crc32c(0, rec, a.len) != a.crc) {
            fprintf(stderr, "crashreplay: ack %zu is not logapp's record %lu\n", n_acks, a.k);
            fclose(f);
            return false;
        }
        if (n_acks == cap)
            acks = realloc(acks, (cap = cap ? cap * 2 : 256) * sizeof(*acks));
        acks[n_acks++] = a;
    }
    if (f)
        fclose(f);
    return f != NULL;
}

static size_t count(void) { return n_acks; }

// The write of record a's first block: its header names its position and
// length, and the payload's CRC is the acknowledged one. (logapp never
// trims, so no record wraps around the area.)
static size_t find(const struct trace *t, size_t a, size_t from)
{
    uint64_t sector = SB_SECTORS + acks[a].pos;
    for (size_t i = from; i < t->n; i++) {
        const struct wentry *w = &t->e[i];
        if (w->flush || sector < w->sector || sector >= w->sector + w->nr)
            continue;
        const uint8_t *p = w->data + (sector - w->sector) * SECTOR;
        uint32_t magic, len;
        uint64_t pos;
        memcpy(&magic, p, 4), memcpy(&pos, p + 8, 8), memcpy(&len, p + 24, 4);
        uint64_t room = (w->sector + w->nr - sector) * SECTOR;
        if (magic == REC_MAGIC && pos == acks[a].pos && len == acks[a].len &&
            LOG_HEADER_BYTES + len <= room && crc32c(0, p + LOG_HEADER_BYTES, len) == acks[a].crc)
            return i;
    }
    return t->n;
}

// log_open, then every record: the acknowledged ones, byte for byte at
// their positions, then at most the next one (in flight), whole.
static bool check(const struct blockdev *dev, size_t acked, char *why, size_t why_len)
{
    struct log l;
    errval_t err = log_open(&l, dev, logbuf, sizeof(logbuf));
    if (err_no(err) == LOG_ERR_NO_LOG && acked == 0) {
        snprintf(why, why_len, "no log yet (nothing acknowledged)");
        return true;
    }
    struct log_iter it;
    if (err_is_ok(err))
        err = log_iter_init(&l, LOG_START, &it);
    if (err_is_fail(err)) {
        snprintf(why, why_len, "log_open: %s", err_name(err));
        return false;
    }
    uint64_t n = 0, pos;
    uint32_t len;
    while (err_is_ok(err = log_next(&l, &it, got, sizeof(got), &len, &pos))) {
        uint32_t want = logapp_record(n, rec);
        if (n > acked || len != want || memcmp(got, rec, len) ||
            (n < n_acks && pos != acks[n].pos)) {
            snprintf(why, why_len, "record %lu at %lu (%u bytes) is %s", (unsigned long)n,
                     (unsigned long)pos, len,
                     n > acked ? "a second one beyond the acknowledged" : "not logapp's");
            return false;
        }
        n++;
    }
    snprintf(why, why_len, "%lu records, then %s", (unsigned long)n, err_name(err));
    return err_no(err) == LOG_ERR_END && n >= acked;
}

const struct workload wl_log = {"log", load_acks, count, find, check};
