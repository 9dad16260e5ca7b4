/*
 * usr/apps/logapp/bench.c: logapp bench and raw: 4 KiB write+flush, timed
 * one by one in TSC cycles: as log appends (on the direct path or through
 * stord) and as bare NVMe commands on the VF's queue (the device floor).
 */
#include "logapp.h"
#include <os/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sys.h>

#define WARMUP  16
#define MAX_OPS 4096
#define WAIT_US 2000000

static uint64_t cycles[MAX_OPS];
static uint8_t logbuf[8192], payload[LOGAPP_MAX_RECORD];

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void print(const char *what, unsigned n, errval_t err)
{
    if (err_is_fail(err)) {
        printf("BENCH storage_%s failed: %s\n", what, err_msg(err));
        return;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += cycles[i];
    qsort(cycles, n, sizeof(cycles[0]), by_value);
    uint64_t hz = sys_tsc_hz(), avg = total / n;
    // ns: under -icount shift=0 one guest instruction is one nanosecond.
    printf("BENCH storage_%s ops=%u cycles_avg=%lu cycles_p50=%lu cycles_min=%lu ns_avg=%lu "
           "iops=%lu\n",
           what, n, avg, cycles[n / 2], cycles[0], hz ? avg * 1000000000 / hz : 0,
           total ? (uint64_t)n * hz / total : 0);
}

void bench_log(struct target *t, const char *what, unsigned n)
{
    struct log l;
    n = n < MAX_OPS ? n : MAX_OPS;
    memset(payload, 0xa5, sizeof(payload));
    errval_t err = log_format(t->dev, LOGAPP_MAX_RECORD, sys_rdtsc(), logbuf, sizeof(logbuf));
    if (err_is_ok(err))
        err = log_open(&l, t->dev, logbuf, sizeof(logbuf));
    for (unsigned i = 0; i < WARMUP && err_is_ok(err); i++)
        err = log_append(&l, payload, sizeof(payload), NULL);
    for (unsigned i = 0; i < n && err_is_ok(err); i++) {
        uint64_t t0 = sys_rdtsc();
        err = log_append(&l, payload, sizeof(payload), NULL);
        cycles[i] = sys_rdtsc() - t0;
    }
    print(what, n, err);
}

void bench_raw(struct target *t, unsigned n)
{
    struct dma_buf b;
    n = n < MAX_OPS ? n : MAX_OPS;
    const struct nvme_ns *ns = &t->vsa->ns;
    uint32_t blocks = 4096 / ns->block_size;
    errval_t err = vsic_dma(t->vsic, 4096, 0, &b);
    memset(b.va, 0x5a, 4096);
    uint64_t page = b.iova;
    struct nvme_xfer x = {&page, 1, 0, {NULL, 0}};
    for (unsigned i = 0; i < WARMUP + n && err_is_ok(err); i++) {
        uint64_t t0 = sys_rdtsc();
        err = nvme_write_sync(ns, (i % 1024) * blocks, blocks, &x, WAIT_US);
        if (err_is_ok(err))
            err = nvme_flush_sync(ns, WAIT_US);
        if (i >= WARMUP)
            cycles[i - WARMUP] = sys_rdtsc() - t0;
    }
    print("raw", n, err);
}
