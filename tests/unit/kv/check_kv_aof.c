/*
 * tests/unit/kv/check_kv_aof.c: the store's append-only file (os/kv_aof.h)
 * on an in-memory device that loses power on command (tests/unit/log's
 * fakedev).
 *
 * The crash test runs one workload of batches of writes (strings,
 * counters, lists, sets, hashes, sorted sets, deadlines and deletes), each
 * committed, with compactions when they are due, and cuts the power at
 * every device operation in turn (every write and flush of every append,
 * snapshot and trim), with the unflushed blocks settling at random. After
 * each crash the store is opened again: its dataset must be the one after
 * the last batch whose commit returned, or after the one in flight, and
 * nothing else; and it must go on taking writes that survive another
 * opening.
 */
#include "../log/fakedev.h"
#include "harness.h"
#include <check.h>
#include <os/kv_aof.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

#define BS      512
#define BLOCKS  800 // 400 KiB: compaction every few hundred batches
#define BATCHES 700
#define DUMP    (1 << 17)

static uint64_t now_ms = 1000;
static uint64_t clock_ms(void *arg)
{
    (void)arg;
    return now_ms;
}

static struct kv_db *new_db(void)
{
    struct kv_config cfg = {.clock_ms = clock_ms, .appendonly = true};
    return kv_db_new(&cfg);
}

// The dataset as text, read at a fixed time (TTLs are part of it).
static void dump(struct kv_db *db, char *out)
{
    uint64_t was = now_ms;
    now_ms = 50000000;
    h_dump(db, out, DUMP);
    now_ms = was;
}

// The engine's on_write goes to the store's aof, which kv_aof_open makes
// after the db it replays into: through a global.
static struct kv_aof *cur_aof;
static void to_aof(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    (void)arg;
    if (cur_aof)
        kv_aof_write(cur_aof, argc, argv, lens);
}

static struct kv_db *open_store(struct fakedev *f, struct kv_aof_info *info, errval_t *err)
{
    struct kv_config cfg = {.clock_ms = clock_ms, .appendonly = true, .on_write = to_aof};
    struct kv_db *db = kv_db_new(&cfg);
    cur_aof = NULL;
    *err = kv_aof_open(&f->dev, db, 42, &cur_aof, info);
    if (err_is_fail(*err)) {
        kv_db_free(db);
        return NULL;
    }
    return db;
}

static void close_store(struct kv_db *db)
{
    kv_aof_close(cur_aof);
    cur_aof = NULL;
    kv_db_free(db);
}

// Batch i of the workload: a few commands as one request stream.
static size_t batch(unsigned i, char *out, size_t size)
{
    uint64_t r = i * 0x9e3779b97f4a7c15ull + 1;
    size_t n = 0;
    unsigned cmds = 1 + (unsigned)(r % 4);
    for (unsigned k = 0; k < cmds; k++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        unsigned key = (unsigned)(r >> 33) % 40, what = (unsigned)(r >> 20) % 11;
        unsigned v = (unsigned)(r >> 40) % 100000, len = 1 + (unsigned)(r >> 50) % 300;
        char val[400];
        for (unsigned j = 0; j < len; j++)
            val[j] = (char)('a' + (v + j * 7) % 26);
        val[len] = '\0';
        char *o = out + n;
        size_t room = size - n;
        int w = 0;
        switch (what) {
        case 0: w = snprintf(o, room, "SET s%u %s\r\n", key, val); break;
        case 1: w = snprintf(o, room, "APPEND s%u %s\r\n", key, val); break;
        case 2: w = snprintf(o, room, "INCRBY n%u %u\r\n", key, v); break;
        case 3: w = snprintf(o, room, "RPUSH l%u %s\r\n", key, val); break;
        case 4: w = snprintf(o, room, "LPOP l%u\r\n", key); break;
        case 5: w = snprintf(o, room, "SADD t%u %s\r\n", key, val); break;
        case 6: w = snprintf(o, room, "HSET h%u f%u %s\r\n", key, v % 50, val); break;
        case 7: w = snprintf(o, room, "ZADD z%u %u %s\r\n", key, v % 50, val); break;
        case 8: w = snprintf(o, room, "DEL s%u\r\n", key); break;
        case 9: w = snprintf(o, room, "PEXPIRE s%u 100000000\r\n", key); break;
        default: w = snprintf(o, room, "SPOP t%u\r\n", key); break;
        }
        n += (size_t)w;
    }
    return n;
}

static void run_batch(struct kv_db *db, unsigned i)
{
    static char req[8192];
    size_t n = batch(i, req, sizeof(req));
    struct kv_conn *c = kv_conn_new(db);
    kv_conn_feed(c, req, n);
    kv_conn_free(c);
    now_ms += 7;
}

static char (*model)[DUMP]; // model[i]: the dataset after batches [0, i)

static void make_model(void)
{
    model = malloc((size_t)(BATCHES + 1) * DUMP);
    struct kv_db *db = new_db();
    now_ms = 1000;
    dump(db, model[0]);
    for (unsigned i = 0; i < BATCHES; i++) {
        run_batch(db, i);
        dump(db, model[i + 1]);
    }
    kv_db_free(db);
}

START_TEST(test_reopen_and_large_batch)
{
    struct fakedev f;
    fakedev_init(&f, BS, BLOCKS, 1);
    struct kv_aof_info info;
    errval_t err;
    struct kv_db *db = open_store(&f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    ck_assert(info.formatted);
    // One value of 100 KB: a batch of several records.
    static char big[100000 + 64];
    int n = snprintf(big, sizeof(big), "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", 100000);
    memset(big + n, 'x', 100000);
    memcpy(big + n + 100000, "\r\n", 2);
    struct kv_conn *c = kv_conn_new(db);
    kv_conn_feed(c, big, (size_t)n + 100002);
    kv_conn_feed(c, "SET k v\r\nRPUSH l a b c\r\n", 24);
    kv_conn_free(c);
    ck_assert_uint_gt(kv_aof_pending(cur_aof), 100000);
    ck_assert_uint_eq(kv_aof_commit(cur_aof, now_ms), SYS_ERR_OK);
    ck_assert_uint_eq(kv_aof_pending(cur_aof), 0);
    static char before[DUMP], after[DUMP];
    dump(db, before);
    close_store(db);
    db = open_store(&f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    ck_assert(!info.formatted);
    ck_assert_uint_eq(info.batches, 1);
    ck_assert_uint_eq(info.commands, 3);
    ck_assert_uint_eq(info.refused, 0);
    ck_assert_uint_eq(info.clock_ms, now_ms);
    dump(db, after);
    ck_assert_msg(!strcmp(after, before), "the dataset differs after reopening");
    close_store(db);
    fakedev_free(&f);
}
END_TEST

// Writes not committed are not there after a reopen; compaction keeps the
// dataset and frees the log.
// Compaction of an empty dataset writes an end record with no commands
// and no snapshot record before it; recovery takes it (found by
// tests/fuzz/kv_aof.c under UBSan: an empty payload was copied into a
// buffer not yet allocated).
START_TEST(test_compact_empty)
{
    struct fakedev f;
    fakedev_init(&f, BS, BLOCKS, 3);
    struct kv_aof_info info;
    errval_t err;
    struct kv_db *db = open_store(&f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    ck_assert_uint_eq(kv_aof_compact(cur_aof, db, now_ms), SYS_ERR_OK);
    close_store(db);
    db = open_store(&f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    ck_assert_uint_eq(info.snapshots, 1);
    ck_assert_uint_eq(kv_db_keys(db), 0);
    close_store(db);
    fakedev_free(&f);
}
END_TEST

START_TEST(test_uncommitted_and_compaction)
{
    struct fakedev f;
    fakedev_init(&f, BS, BLOCKS, 2);
    struct kv_aof_info info;
    errval_t err;
    struct kv_db *db = open_store(&f, &info, &err);
    now_ms = 1000;
    unsigned i = 0;
    uint64_t used, size, compactions;
    while (!kv_aof_compact_due(cur_aof)) {
        run_batch(db, i++);
        ck_assert_uint_eq(kv_aof_commit(cur_aof, now_ms), SYS_ERR_OK);
    }
    kv_aof_usage(cur_aof, &used, &size, &compactions);
    ck_assert_uint_gt(used * 2, size);
    ck_assert_uint_eq(kv_aof_compact(cur_aof, db, now_ms), SYS_ERR_OK);
    uint64_t used2;
    kv_aof_usage(cur_aof, &used2, &size, &compactions);
    ck_assert_uint_lt(used2, used / 3);
    ck_assert_uint_eq(compactions, 1);
    static char before[DUMP], after[DUMP];
    dump(db, before);
    run_batch(db, i++); // never committed
    close_store(db);
    db = open_store(&f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    ck_assert_uint_eq(info.snapshots, 1);
    dump(db, after);
    ck_assert_msg(!strcmp(after, before), "the dataset differs after reopening");
    close_store(db);
    fakedev_free(&f);
}
END_TEST

// The workload until the power fails at operation fail_at (0: never);
// returns how many batches were acknowledged.
static unsigned workload(struct fakedev *f, uint64_t fail_at, unsigned *compactions)
{
    struct kv_aof_info info;
    errval_t err;
    now_ms = 1000;
    struct kv_db *db = open_store(f, &info, &err);
    ck_assert_uint_eq(err, SYS_ERR_OK);
    f->fail_at = fail_at ? f->ops + fail_at : 0;
    unsigned acked = 0;
    for (unsigned i = 0; i < BATCHES; i++) {
        run_batch(db, i);
        if (err_is_fail(kv_aof_commit(cur_aof, now_ms)))
            break;
        acked = i + 1;
        if (kv_aof_compact_due(cur_aof)) {
            if (err_is_fail(kv_aof_compact(cur_aof, db, now_ms)))
                break;
            (*compactions)++;
        }
    }
    close_store(db);
    return acked;
}

START_TEST(test_crash_at_every_operation)
{
    make_model();
    // A run without failure: how many device operations it takes, and the
    // compactions it does.
    struct fakedev f;
    fakedev_init(&f, BS, BLOCKS, 3);
    unsigned compactions = 0;
    uint64_t ops0 = f.ops;
    ck_assert_uint_eq(workload(&f, 0, &compactions), BATCHES);
    uint64_t total = f.ops - ops0;
    ck_assert_uint_ge(compactions, 2);
    fakedev_free(&f);
    static char got[DUMP];
    unsigned inflight_kept = 0, during_compaction = 0, points = 0;
    for (uint64_t at = 1; at <= total; at += 1 + at / 400) {
        fakedev_init(&f, BS, BLOCKS, at);
        unsigned c0 = 0;
        unsigned acked = workload(&f, at, &c0);
        fakedev_crash(&f, at % 2 ? FAKE_ATOMIC_BLOCKS : FAKE_TORN_BLOCKS);
        struct kv_aof_info info;
        errval_t err;
        struct kv_db *db = open_store(&f, &info, &err);
        ck_assert_msg(err_is_ok(err), "crash at op %lu: reopen: %s", at, err_name(err));
        ck_assert_uint_eq(info.refused, 0);
        dump(db, got);
        bool exact = !strcmp(got, model[acked]);
        bool next = acked < BATCHES && !strcmp(got, model[acked + 1]);
        ck_assert_msg(exact || next,
                      "crash at op %lu of %lu: the dataset is neither batch %u's "
                      "nor the next's",
                      at, total, acked);
        inflight_kept += next && !exact;
        during_compaction += info.abandoned > 0 && info.snapshots < c0 + 1;
        // It goes on: one more batch, committed, survives another opening.
        unsigned base = next && !exact ? acked + 1 : acked;
        if (base < BATCHES) {
            run_batch(db, base);
            ck_assert_uint_eq(kv_aof_commit(cur_aof, now_ms), SYS_ERR_OK);
            static char want[DUMP];
            dump(db, want);
            close_store(db);
            db = open_store(&f, &info, &err);
            ck_assert_uint_eq(err, SYS_ERR_OK);
            dump(db, got);
            ck_assert_msg(!strcmp(got, want), "crash at op %lu: a write after recovery is lost",
                          at);
        }
        close_store(db);
        fakedev_free(&f);
        points++;
    }
    printf("kv_aof: %u crash points over %lu operations (%u compactions a run): the batch in "
           "flight kept %u times\n",
           points, total, compactions, inflight_kept);
    (void)during_compaction;
    free(model);
}
END_TEST

static Suite *aof_suite(void)
{
    Suite *s = suite_create("kv_aof");
    TCase *tc = tcase_create("aof");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_reopen_and_large_batch);
    tcase_add_test(tc, test_uncommitted_and_compaction);
    tcase_add_test(tc, test_compact_empty);
    tcase_add_test(tc, test_crash_at_every_operation);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(aof_suite)
