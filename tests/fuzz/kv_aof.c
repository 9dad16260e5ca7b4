/*
 * tests/fuzz/kv_aof.c: the key-value store's recovery from its append-only
 * file (lib/os/kv/aof.c, kv_aof_open) on any records.
 *
 * The input is a sequence of log records, each a 2-byte little-endian
 * length and that many bytes (an aof record: a type, the clock, commands),
 * written with the real log (lib/os/log, fuzzed on its own by log.c) to a
 * device in memory. Invariants: recovery succeeds, or refuses a record
 * that does not parse (SYS_ERR_CORRUPT); it reads every record; after it,
 * a write committed and a compaction leave a log that recovers to the same
 * dataset with that write.
 */
#include "../unit/log/fakedev.h"
#include "fuzz.h"
#include "kv_canon.h"
#include <os/kv_aof.h>
#include <os/log.h>

#define MAX_INPUT (8 * 1024)
#define BLOCK     512u
#define BLOCKS    384u // room for the records, a snapshot and a 64 KiB record
#define NOW_MS    1700000000000ull

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return NOW_MS;
}

static struct kv_db *new_db(void)
{
    return kv_db_new(&(struct kv_config){.clock_ms = fixed_clock, .seed = 7});
}

// The input's records into a new log on f; how many were written.
static uint64_t write_records(struct fakedev *f, const uint8_t *data, size_t size)
{
    size_t bytes = log_buffer_size(BLOCK, KV_AOF_MAX_RECORD);
    uint8_t *buf = malloc(bytes);
    struct log l;
    errval_t err = log_format(&f->dev, KV_AOF_MAX_RECORD, 1, buf, bytes);
    if (err_is_ok(err))
        err = log_open(&l, &f->dev, buf, bytes);
    FUZZ_CHECK(err_is_ok(err), "a new log: %s", err_name(err));
    uint64_t n = 0;
    for (size_t at = 0; size - at >= 2;) {
        size_t len = data[at] | (size_t)data[at + 1] << 8;
        at += 2;
        len = len < size - at ? len : size - at;
        if (len > 0 && err_is_ok(log_append(&l, data + at, (uint32_t)len, NULL)))
            n++;
        at += len;
    }
    free(buf);
    return n;
}

static void open_ok(struct fakedev *f, struct kv_db *db, struct kv_aof **a)
{
    struct kv_aof_info info;
    errval_t err = kv_aof_open(&f->dev, db, 2, a, &info);
    FUZZ_CHECK(err_is_ok(err), "a log this code wrote does not recover: %s", err_name(err));
}

// Commit one more write, compact, and recover the result elsewhere.
static void check_rewrite(struct fakedev *f, struct kv_db *db, struct kv_aof *a)
{
    const char *argv[] = {"SET", "fuzz:after", "1"};
    const size_t lens[] = {3, 10, 1};
    kv_aof_write(a, 3, argv, lens);
    FUZZ_CHECK(kv_db_replay(db, 3, argv, lens), "SET refused");
    errval_t err = kv_aof_commit(a, NOW_MS);
    FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_FULL, "kv_aof_commit: %s", err_name(err));
    if (err_is_ok(err))
        err = kv_aof_compact(a, db, NOW_MS);
    FUZZ_CHECK(err_is_ok(err) || err == LOG_ERR_FULL, "kv_aof_compact: %s", err_name(err));
    if (err_is_fail(err))
        return; // the dataset is bigger than the room left: no claim to check
    struct kv_db *again = new_db();
    struct kv_aof *b;
    open_ok(f, again, &b);
    size_t la, lb;
    char *ca = kv_canon(db, &la), *cb = kv_canon(again, &lb);
    FUZZ_CHECK(fuzz_same(ca, la, cb, lb), "recovered after compaction:\n%s\n--\nwant:\n%s", cb, ca);
    free(ca);
    free(cb);
    kv_aof_close(b);
    kv_db_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    struct fakedev f;
    fakedev_init(&f, BLOCK, BLOCKS, 1);
    uint64_t written = write_records(&f, data, size);
    struct kv_db *db = new_db();
    struct kv_aof *a = NULL;
    struct kv_aof_info info;
    errval_t err = kv_aof_open(&f.dev, db, 2, &a, &info);
    FUZZ_CHECK(err_is_ok(err) || err == SYS_ERR_CORRUPT, "kv_aof_open: %s", err_name(err));
    if (err_is_ok(err)) {
        FUZZ_CHECK(info.records == written && !info.formatted, "%llu records read of %llu",
                   (unsigned long long)info.records, (unsigned long long)written);
        FUZZ_CHECK(info.batches + info.snapshots + info.abandoned <= info.records,
                   "more batches than records");
        check_rewrite(&f, db, a);
        kv_aof_close(a);
    }
    kv_db_free(db);
    fakedev_free(&f);
    return 0;
}
