/*
 * tests/unit/log/check_log_crash.c: the log under power loss at random
 * points, thousands of times.
 *
 * Each trial formats a small device (so records wrap around the area and
 * trims recycle it), then runs several power cycles: open (recovery), a
 * random stream of appends, trims and reopens until the power fails at a
 * random device operation (inside a write, between a write and its flush,
 * during a superblock update or an open), then the crash settles the
 * unflushed blocks at random (fakedev.h), and recovery must give back
 * exactly: every acknowledged record, byte for byte and at its position,
 * from the acknowledged head, plus at most the one operation in flight --
 * an append whole or not at all, a trim done or not -- and nothing else.
 */
#include "fakedev.h"
#include <os/log.h>
#include <stdio.h>
#include <string.h>
#include <unit.h>

#define BS       512
#define MAX_REC  1400
#define MAX_LIVE 256
#define TRIALS   2500
#define CYCLES   6

// What the log must hold: records [first, n) of these, from the head.
struct model {
    uint64_t pos[MAX_LIVE * 8];
    uint32_t seed[MAX_LIVE * 8], len[MAX_LIVE * 8];
    unsigned first, n;
    uint64_t head; // the acknowledged head
};

// The operation in flight when the power failed.
struct pending {
    enum { NONE, APPEND, TRIM } op;
    uint32_t seed, len; // APPEND
    uint64_t pos;       // APPEND: where it goes; TRIM: the new head
    unsigned first;     // TRIM: the model's first record after it
};

static struct fakedev fd;
static struct log lg;
static uint8_t buf[4096], rec[MAX_REC], out[MAX_REC];
static uint64_t stats_inflight_kept, stats_inflight_lost, stats_ops;

static const uint8_t *pattern(uint32_t seed, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        rec[i] = (uint8_t)((seed ^ (seed >> 8)) * 167 + i * 13 + (i >> 7));
    return rec;
}

static uint32_t rnd(uint32_t n) { return (uint32_t)(fakedev_rand(&fd) % n); }

// Does the record at it equal model entry i?
static bool next_is(struct log_iter *it, uint64_t pos, uint32_t seed, uint32_t len)
{
    uint32_t got = 0;
    uint64_t at = 0;
    errval_t err = log_next(&lg, it, out, sizeof(out), &got, &at);
    return err == SYS_ERR_OK && got == len && at == pos && !memcmp(out, pattern(seed, len), len);
}

// Recovery's result against the model and what was in flight; the model
// then takes in what recovery kept.
static void verify(struct model *m, const struct pending *p, unsigned trial)
{
    if (p->op == TRIM && lg.head == p->pos && lg.head != m->head) {
        m->first = p->first; // the trim in flight landed
        m->head = p->pos;
    }
    ck_assert_msg(lg.head == m->head, "trial %u: head %lu, want %lu", trial, lg.head, m->head);
    struct log_iter it;
    ck_assert_uint_eq(log_iter_init(&lg, LOG_START, &it), SYS_ERR_OK);
    for (unsigned i = m->first; i < m->n; i++)
        ck_assert_msg(next_is(&it, m->pos[i], m->seed[i], m->len[i]),
                      "trial %u: acknowledged record %u (of %u..%u) lost or wrong", trial, i,
                      m->first, m->n);
    if (p->op == APPEND && it.pos < lg.tail) {
        ck_assert_msg(next_is(&it, p->pos, p->seed, p->len),
                      "trial %u: a record that was never appended", trial);
        m->pos[m->n] = p->pos, m->seed[m->n] = p->seed, m->len[m->n] = p->len;
        m->n++;
        stats_inflight_kept++;
    } else if (p->op == APPEND) {
        stats_inflight_lost++;
    }
    uint32_t len;
    ck_assert_msg(log_next(&lg, &it, out, sizeof(out), &len, NULL) == LOG_ERR_END,
                  "trial %u: records beyond the acknowledged ones", trial);
    ck_assert_uint_eq(lg.records, m->n - m->first);
}

// One random operation; false when the power failed during it (*p says what).
static bool step(struct model *m, struct pending *p, uint32_t *next_seed)
{
    uint32_t what = rnd(100);
    stats_ops++;
    if (what < 75) {
        uint32_t len = 1 + (rnd(4) ? rnd(200) : rnd(MAX_REC));
        uint32_t seed = (*next_seed)++;
        *p = (struct pending){APPEND, seed, len, lg.tail, 0};
        uint64_t pos = 0;
        errval_t err = log_append(&lg, pattern(seed, len), len, &pos);
        if (err == LOG_ERR_FULL) {
            *p = (struct pending){NONE};
            return true;
        }
        if (err != SYS_ERR_OK)
            return false;
        ck_assert_uint_eq(pos, p->pos);
        m->pos[m->n] = pos, m->seed[m->n] = seed, m->len[m->n] = len;
        m->n++;
    } else if (what < 90) {
        // Trim to a random live record, or everything.
        unsigned live = m->n - m->first, k = rnd(live + 1);
        uint64_t to = m->first + k < m->n ? m->pos[m->first + k] : lg.tail;
        *p = (struct pending){TRIM, 0, 0, to, m->first + k};
        if (log_trim(&lg, to) != SYS_ERR_OK)
            return false;
        m->first += k;
        m->head = to;
    } else {
        *p = (struct pending){NONE};
        if (log_open(&lg, &fd.dev, buf, sizeof(buf)) != SYS_ERR_OK)
            return false;
    }
    *p = (struct pending){NONE};
    return true;
}

static void trial(unsigned t, enum fake_tear tear)
{
    static struct model m;
    fakedev_init(&fd, BS, 2 + 16 + t % 48, t + 1);
    memset(&m, 0, sizeof(m));
    ck_assert_uint_eq(log_format(&fd.dev, MAX_REC, t, buf, sizeof(buf)), SYS_ERR_OK);
    ck_assert_uint_eq(log_open(&lg, &fd.dev, buf, sizeof(buf)), SYS_ERR_OK);
    uint32_t next_seed = t << 12;
    for (unsigned cycle = 0; cycle < CYCLES; cycle++) {
        struct pending p = {NONE};
        fd.fail_at = fd.ops + 1 + rnd(120);
        while (step(&m, &p, &next_seed)) {
            if (m.n >= MAX_LIVE * 8 - 1) // keep the model's arrays in bounds
                break;
        }
        fakedev_crash(&fd, tear);
        ck_assert_msg(log_open(&lg, &fd.dev, buf, sizeof(buf)) == SYS_ERR_OK,
                      "trial %u: recovery failed", t);
        verify(&m, &p, t);
    }
    fakedev_free(&fd);
}

START_TEST(test_crash_atomic_blocks)
{
    for (unsigned t = 0; t < TRIALS; t++)
        trial(t, FAKE_ATOMIC_BLOCKS);
    printf("crash test, atomic blocks: %u trials x %u crashes, %lu operations; in-flight append"
           " kept %lu, lost %lu\n",
           TRIALS, CYCLES, stats_ops, stats_inflight_kept, stats_inflight_lost);
    ck_assert(stats_inflight_kept > 100 && stats_inflight_lost > 100); // both outcomes seen
}
END_TEST

START_TEST(test_crash_torn_blocks)
{
    for (unsigned t = 0; t < TRIALS; t++)
        trial(t + TRIALS, FAKE_TORN_BLOCKS);
    printf("crash test, torn blocks: %u trials x %u crashes, %lu operations\n", TRIALS, CYCLES,
           stats_ops);
}
END_TEST

static Suite *crash_suite(void)
{
    Suite *s = suite_create("log_crash");
    TCase *t = tcase_create("crash");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_crash_atomic_blocks);
    tcase_add_test(t, test_crash_torn_blocks);
    suite_add_tcase(s, t);
    return s;
}

UNIT_MAIN(crash_suite)
