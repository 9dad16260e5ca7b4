/*
 * usr/tests/nvmetest/tests_log.c: the persistent log (lib/os/log) on the
 * VSA through VF 1: format, append, reopen, iterate, trim; across a QEMU
 * restart; and a stream of acknowledged appends for the crash test,
 * checked after QEMU is killed.
 */
#include "nvmetest.h"
#include <stdio.h>
#include <string.h>

#define MAX_RECORD   3000
#define FIRST_COUNT  50 // records the first boot appends
#define TRIM_TO      10 // ... and the first it keeps
#define SECOND_COUNT 10 // records the second boot adds
#define CRASH_MAX    20000

static struct nvme_bdev bdev;
static struct blockdev dev;
static struct log lg;
static uint8_t buf[8192], rec[MAX_RECORD], out[MAX_RECORD];

// Record seq: its length and bytes follow from seq alone.
static uint32_t rec_len(uint32_t seq) { return 1 + (seq * 97) % MAX_RECORD; }

static const uint8_t *rec_data(uint32_t seq)
{
    uint32_t len = rec_len(seq);
    for (uint32_t i = 0; i < len; i++)
        rec[i] = (uint8_t)(seq * 31 + i * 7 + (i >> 8));
    memcpy(rec, &seq, len < 4 ? len : 4);
    return rec;
}

// Append records from .. to-1. Errors: log_append's.
static MUST_CHECK errval_t append_range(uint32_t from, uint32_t to, uint64_t *pos_of_mid,
                                        uint32_t mid)
{
    for (uint32_t s = from; s < to; s++) {
        uint64_t pos;
        errval_t err = log_append(&lg, rec_data(s), rec_len(s), &pos);
        if (err_is_fail(err))
            return err;
        if (pos_of_mid && s == mid)
            *pos_of_mid = pos;
    }
    return SYS_ERR_OK;
}

// Does the log from pos hold exactly records from .. to-1? *n: how many matched.
static MUST_CHECK errval_t check_range(uint64_t pos, uint32_t from, uint32_t to, uint32_t *n)
{
    struct log_iter it;
    errval_t err = log_iter_init(&lg, pos, &it);
    *n = 0;
    for (uint32_t s = from; err_is_ok(err) && s < to; s++) {
        uint32_t len = 0;
        err = log_next(&lg, &it, out, sizeof(out), &len, NULL);
        if (err_is_ok(err) && (len != rec_len(s) || memcmp(out, rec_data(s), len)))
            return SYS_ERR_CORRUPT;
        *n += err_is_ok(err);
    }
    uint32_t len;
    if (err_is_ok(err) && log_next(&lg, &it, out, sizeof(out), &len, NULL) != LOG_ERR_END)
        return SYS_ERR_EXISTS; // more than there should be
    return err;
}

static MUST_CHECK errval_t reopen(void) { return log_open(&lg, &dev, buf, sizeof(buf)); }

static void first_boot(void)
{
    uint64_t mid = 0, keep = 0;
    uint32_t n = 0;
    errval_t err = log_format(&dev, MAX_RECORD, clock_us(NULL), buf, sizeof(buf));
    if (err_is_ok(err))
        err = reopen();
    if (err_is_ok(err))
        err = append_range(0, FIRST_COUNT, &mid, FIRST_COUNT / 2);
    if (err_is_ok(err))
        err = reopen(); // recovery from what is on the namespace
    if (err_is_ok(err))
        err = check_range(LOG_START, 0, FIRST_COUNT, &n);
    report("log.append_reopen", err_is_ok(err) && n == FIRST_COUNT && lg.records == FIRST_COUNT,
           "%s, %u of %u records back", err_name(err), n, FIRST_COUNT);
    if (err_is_ok(err))
        err = check_range(mid, FIRST_COUNT / 2, FIRST_COUNT, &n);
    report("log.iterate_from", err_is_ok(err) && n == FIRST_COUNT / 2, "%s, %u records",
           err_name(err), n);
    // Keep records TRIM_TO.. for the second boot.
    struct log_iter it;
    uint32_t len;
    err = log_iter_init(&lg, LOG_START, &it);
    for (uint32_t s = 0; err_is_ok(err) && s <= TRIM_TO; s++)
        err = log_next(&lg, &it, out, sizeof(out), &len, &keep);
    if (err_is_ok(err))
        err = log_trim(&lg, keep);
    if (err_is_ok(err))
        err = reopen();
    if (err_is_ok(err))
        err = check_range(LOG_START, TRIM_TO, FIRST_COUNT, &n);
    report("log.trim", err_is_ok(err) && lg.head == keep && n == FIRST_COUNT - TRIM_TO,
           "%s, head %lu (want %lu), %u records", err_name(err), lg.head, keep, n);
    printf("nvmetest: log: records %u..%u at positions %lu..%lu\n", TRIM_TO, FIRST_COUNT - 1,
           lg.head, lg.tail);
}

static void second_boot(void)
{
    uint32_t n = 0;
    errval_t err = reopen();
    if (err_is_ok(err))
        err = check_range(LOG_START, TRIM_TO, FIRST_COUNT, &n);
    report("log.survives_restart", err_is_ok(err) && n == FIRST_COUNT - TRIM_TO,
           "%s, %u of %u records of the first boot", err_name(err), n, FIRST_COUNT - TRIM_TO);
    if (err_is_ok(err))
        err = append_range(FIRST_COUNT, FIRST_COUNT + SECOND_COUNT, NULL, 0);
    if (err_is_ok(err))
        err = reopen();
    if (err_is_ok(err))
        err = check_range(LOG_START, TRIM_TO, FIRST_COUNT + SECOND_COUNT, &n);
    report("log.append_after_restart", err_is_ok(err) && n == FIRST_COUNT + SECOND_COUNT - TRIM_TO,
           "%s, %u records", err_name(err), n);
}

// Appends until killed, each acknowledged on the console once durable.
static void crash_stream(void)
{
    errval_t err = log_format(&dev, MAX_RECORD, clock_us(NULL), buf, sizeof(buf));
    if (err_is_ok(err))
        err = reopen();
    printf("nvmetest: crash stream: %s\n", err_is_ok(err) ? "appending" : err_msg(err));
    for (uint32_t s = 0; err_is_ok(err) && s < CRASH_MAX; s++) {
        err = log_append(&lg, rec_data(s), rec_len(s), NULL);
        if (err_is_ok(err))
            printf("nvmetest: ACK %u\n", s);
    }
    report("log.crash_stream", false, "not killed: %s", err_name(err));
}

static void recover(void)
{
    errval_t err = reopen();
    uint32_t n = 0;
    struct log_iter it;
    if (err_is_ok(err))
        err = log_iter_init(&lg, LOG_START, &it);
    // Every record must be seq n, intact; the log ends after the last.
    while (err_is_ok(err)) {
        uint32_t len = 0;
        err = log_next(&lg, &it, out, sizeof(out), &len, NULL);
        if (err_is_ok(err) && (len != rec_len(n) || memcmp(out, rec_data(n), len)))
            err = SYS_ERR_CORRUPT;
        n += err_is_ok(err);
    }
    bool ok = err_has(err, LOG_ERR_END);
    printf("nvmetest: recovered %u records\n", n);
    report("log.recover_intact", ok && n == lg.records, "%s after %u records", err_name(err), n);
}

void log_tests(struct vf *v, const char *mode)
{
    errval_t err = vf_blockdev(v, &bdev, &dev);
    if (err_is_fail(err)) {
        report("log.blockdev", false, "%s", err_name(err));
        return;
    }
    if (!strcmp(mode, "first"))
        first_boot();
    else if (!strcmp(mode, "second"))
        second_boot();
    else if (!strcmp(mode, "crash"))
        crash_stream();
    else
        recover();
}
