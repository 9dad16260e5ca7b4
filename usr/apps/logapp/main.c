/*
 * usr/apps/logapp/main.c: logapp, the persistent log (lib/os/log) on a
 * VSA, reached directly (lib/os/vsic) or through stord (--stord):
 *
 *   logapp <vsa> [--stord] append N   N durable appends, one line each once acknowledged
 *   logapp <vsa> [--stord] check      recover and print what is there
 *   logapp <vsa> [--stord] verify     write/read/verify sizes and offsets
 *   logapp <vsa> [--stord] bench N    N timed 4 KiB appends (the log formatted first)
 *   logapp <vsa> raw N                N timed 4 KiB write+flush on the VF's queue, no log
 *
 * Record k (the k-th in the log, from 0) holds k and a pattern made from
 * k, so check can tell each one's contents; the test harness compares
 * what check prints with the acknowledgements append printed.
 */
#include "logapp.h"
#include <os/crc32c.h>
#include <os/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sys.h>

static uint8_t logbuf[8192], rec[LOGAPP_MAX_RECORD], got[LOGAPP_MAX_RECORD];

errval_t target_open(struct target *t)
{
    if (t->stord) {
        errval_t err = stord_open(t->name, &t->sb);
        t->dev = &t->sb.dev;
        return err;
    }
    errval_t err = vsic_open(&t->vsic);
    if (err_is_ok(err))
        err = vsa_open(t->vsic, t->name, &t->vsa);
    if (err_is_ok(err))
        t->dev = &t->vsa->dev;
    return err;
}

// Record k: its number, then a pattern made from it; 16 .. 515 bytes.
// Give back what target_open took (were we to end without it, storctl
// and stord would take it back when they notice).
static int target_close(struct target *t)
{
    errval_t err = t->stord ? stord_close(&t->sb) : vsa_close(t->vsa);
    if (err_is_ok(err) && !t->stord)
        err = vsic_close(t->vsic);
    if (err_is_fail(err))
        printf("logapp: closing '%s': %s\n", t->name, err_msg(err));
    return err_is_fail(err);
}

static MUST_CHECK errval_t open_log(struct target *t, struct log *l, bool create)
{
    errval_t err = log_open(l, t->dev, logbuf, sizeof(logbuf));
    if (err_has(err, LOG_ERR_NO_LOG) && create) {
        printf("logapp: no log on '%s': formatting it\n", t->name);
        err = log_format(t->dev, LOGAPP_MAX_RECORD, sys_rdtsc(), logbuf, sizeof(logbuf));
        if (err_is_ok(err))
            err = log_open(l, t->dev, logbuf, sizeof(logbuf));
    }
    return err;
}

static int do_append(struct target *t, unsigned n)
{
    struct log l;
    errval_t err = open_log(t, &l, true);
    if (err_is_fail(err)) {
        printf("logapp: opening the log: %s\n", err_msg(err));
        return 1;
    }
    printf("logapp: '%s' holds %lu records; appending %u\n", t->name, l.records, n);
    for (unsigned i = 0; i < n; i++) {
        uint64_t k = l.records, pos;
        uint32_t len = logapp_record(k, rec);
        err = log_append(&l, rec, len, &pos);
        if (err_is_fail(err)) {
            printf("logapp: append %lu: %s\n", k, err_msg(err));
            return 1;
        }
        printf("logapp: ACK %lu pos %lu len %u crc %08x\n", k, pos, len, crc32c(0, rec, len));
    }
    printf("logapp: appended %u\n", n);
    return 0;
}

static int do_check(struct target *t)
{
    struct log l;
    struct log_iter it;
    errval_t err = open_log(t, &l, false);
    if (err_is_ok(err))
        err = log_iter_init(&l, LOG_START, &it);
    if (err_is_fail(err)) {
        printf("logapp: opening the log: %s\n", err_msg(err));
        return 1;
    }
    uint64_t n = 0, bad = 0, pos;
    uint32_t len;
    while (err_is_ok(err = log_next(&l, &it, got, sizeof(got), &len, &pos))) {
        uint64_t k = UINT64_MAX;
        if (len >= 8)
            memcpy(&k, got, 8);
        bool ok = k == n && logapp_record(k, rec) == len && !memcmp(rec, got, len);
        bad += !ok;
        printf("logapp: REC %lu pos %lu len %u crc %08x%s\n", n, pos, len, crc32c(0, got, len),
               ok ? "" : " BAD");
        n++;
    }
    printf("logapp: recovered %lu records, %lu bad (%s)\n", n, bad, err_msg(err));
    return err_has(err, LOG_ERR_END) && !bad ? 0 : 1;
}

static int usage(void)
{
    printf("usage: logapp <vsa> [--stord] append N | check | verify | bench N\n"
           "       logapp <vsa> raw N\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct target t = {0};
    int a = 1;
    if (argc < 3)
        return usage();
    t.name = argv[a++];
    if (!strcmp(argv[a], "--stord")) {
        t.stord = true;
        a++;
    }
    if (a >= argc)
        return usage();
    const char *cmd = argv[a++];
    bool counted = !strcmp(cmd, "append") || !strcmp(cmd, "bench") || !strcmp(cmd, "raw");
    char *end = NULL;
    unsigned long n = counted && a < argc ? strtoul(argv[a++], &end, 10) : 0;
    if (a != argc || (counted && (!end || *end || !n)) || (!strcmp(cmd, "raw") && t.stord))
        return usage();
    if (strcmp(cmd, "append") && strcmp(cmd, "check") && strcmp(cmd, "verify") && !counted)
        return usage();
    errval_t err = target_open(&t);
    if (err_is_fail(err)) {
        printf("logapp: %s%s: %s\n", t.name, t.stord ? " (through stord)" : "", err_msg(err));
        return 1;
    }
    printf("logapp: '%s' open%s: %lu blocks of %u bytes\n", t.name,
           t.stord ? " through stord" : " on our VSIC", t.dev->blocks, t.dev->block_size);
    int status = 0;
    if (!strcmp(cmd, "append"))
        status = do_append(&t, (unsigned)n);
    else if (!strcmp(cmd, "check"))
        status = do_check(&t);
    else if (!strcmp(cmd, "verify"))
        verify_run(&t, t.stord ? "stord" : "vsic");
    else if (!strcmp(cmd, "bench"))
        bench_log(&t, t.stord ? "stord" : "libos", (unsigned)n);
    else
        bench_raw(&t, (unsigned)n);
    return target_close(&t) || status;
}
