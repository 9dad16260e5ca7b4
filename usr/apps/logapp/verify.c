/*
 * usr/apps/logapp/verify.c: logapp verify: write, read back and compare
 * across sizes, places and buffer alignments through the block device;
 * on the direct path also through the asynchronous NVMe API, several
 * commands in flight, completions by MSI-X.
 */
#include "logapp.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/lmp.h>
#include <sys/memserv.h>
#include <sys/sys.h>

#define MAX_BLOCKS 256 // 128 KiB of 512-byte blocks
#define INFLIGHT   4   // async commands at once
#define ASYNC_MAX  64  // blocks per async command
#define CMD_PAGES  9   // ASYNC_MAX blocks from any 4-byte offset in the first page
#define WAIT_US    2000000

static uint8_t wbuf[MAX_BLOCKS * 512 + 64], rbuf[MAX_BLOCKS * 512 + 64];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 7 + i * 13 + (i >> 9));
}

__attribute__((format(printf, 4, 5))) static void report(const char *prefix, const char *what,
                                                         bool ok, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printf("TEST %s %s.%s: %s\n", ok ? "PASS" : "FAIL", prefix, what, why);
}

static void verify_blockdev(const struct blockdev *d, const char *prefix)
{
    static const uint32_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 64, 127, 128, 129, 255, 256};
    static const uint32_t offs[] = {0, 4, 511, 17};
    uint64_t places[] = {0, 1, 13, 2047, 0};
    unsigned trips = 0, bad = 0;
    errval_t first = SYS_ERR_OK;
    for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        places[4] = d->blocks - sizes[s]; // ends at the last block
        for (unsigned p = 0; p < 5; p++) {
            uint32_t off = offs[(s + p) % 4], bytes = sizes[s] * d->block_size;
            fill(wbuf + off, bytes, s * 5 + p);
            memset(rbuf + off, 0xee, bytes);
            errval_t err = d->write(d->arg, places[p], sizes[s], wbuf + off);
            if (err_is_ok(err))
                err = d->read(d->arg, places[p], sizes[s], rbuf + off);
            bad += err_is_fail(err) || memcmp(wbuf + off, rbuf + off, bytes);
            first = err_is_ok(first) ? err : first;
            trips++;
        }
    }
    errval_t flush = d->flush(d->arg);
    report(prefix, "verify_blockdev", !bad && err_is_ok(flush),
           "%u round trips over 1-256 blocks at 5 places and 4 buffer offsets, %u differ; "
           "first error %s",
           trips, bad, err_name(first));
    errval_t past = d->read(d->arg, d->blocks - 1, 2, rbuf);
    errval_t last = d->read(d->arg, d->blocks - 1, 1, rbuf);
    report(prefix, "verify_range", err_is_fail(past) && err_is_ok(last),
           "a read past the end: %s; of the last block: %s", err_name(past), err_name(last));
}

struct cmd {
    bool done;
    errval_t err;
};

static void cmd_done(void *arg, errval_t err, const struct nvme_cqe *cqe)
{
    (void)cqe;
    struct cmd *c = arg;
    c->err = err;
    c->done = true;
}

struct async {
    struct vsa *a;
    struct dma_buf w, r, lists;
    uint64_t pages[INFLIGHT][CMD_PAGES];
    struct cmd cmds[INFLIGHT];
};

// Command j's transfer in buffer b, from byte offset off of its region.
static struct nvme_xfer region(struct async *s, const struct dma_buf *b, unsigned j, uint32_t off)
{
    for (unsigned i = 0; i < CMD_PAGES; i++)
        s->pages[j][i] = b->iova + (uint64_t)(j * CMD_PAGES + i) * 4096;
    return (struct nvme_xfer){
        s->pages[j], CMD_PAGES, off, {(char *)s->lists.va + j * 4096, s->lists.iova + j * 4096ull}};
}

// One batch: INFLIGHT writes (or reads) submitted at once, then waited for.
static MUST_CHECK errval_t batch(struct async *s, bool write, unsigned round)
{
    for (unsigned j = 0; j < INFLIGHT; j++) {
        uint32_t n = 1 + (round * 13 + j * 29) % ASYNC_MAX, off = ((round + j) % 8) * 4;
        uint64_t slba = 4096 + j * 512 + round % 7;
        struct nvme_xfer x = region(s, write ? &s->w : &s->r, j, off);
        s->cmds[j] = (struct cmd){0};
        uint16_t cid;
        errval_t err = write ? nvme_write(&s->a->ns, slba, n, &x, cmd_done, &s->cmds[j], &cid)
                             : nvme_read(&s->a->ns, slba, n, &x, cmd_done, &s->cmds[j], &cid);
        if (err_is_fail(err))
            return err;
    }
    errval_t err = vsic_wait(s->a->vsic, NULL, WAIT_US);
    for (unsigned j = 0; j < INFLIGHT && err_is_ok(err); j++)
        err = s->cmds[j].done ? s->cmds[j].err : SYS_ERR_TIMEOUT;
    return err;
}

static bool same(struct async *s, unsigned round)
{
    bool ok = true;
    for (unsigned j = 0; j < INFLIGHT; j++) {
        uint32_t n = 1 + (round * 13 + j * 29) % ASYNC_MAX, off = ((round + j) % 8) * 4;
        size_t at = (size_t)j * CMD_PAGES * 4096 + off;
        ok &= !memcmp((char *)s->w.va + at, (char *)s->r.va + at, n * s->a->ns.block_size);
    }
    return ok;
}

static void verify_async(struct target *t)
{
    static struct async s;
    s.a = t->vsa;
    size_t bytes = (size_t)INFLIGHT * CMD_PAGES * 4096;
    errval_t err = vsic_dma(t->vsic, bytes, 0, &s.w);
    if (err_is_ok(err))
        err = vsic_dma(t->vsic, bytes, DMA_WRITE, &s.r);
    if (err_is_ok(err))
        err = vsic_dma(t->vsic, INFLIGHT * 4096, 0, &s.lists);
    unsigned rounds = 0, differ = 0;
    uint64_t irq0 = t->vsic->interrupts;
    for (; rounds < 24 && err_is_ok(err); rounds++) {
        fill(s.w.va, bytes, rounds + 100);
        memset(s.r.va, 0xee, bytes);
        err = batch(&s, true, rounds);
        if (err_is_ok(err))
            err = batch(&s, false, rounds);
        differ += err_is_ok(err) && !same(&s, rounds);
    }
    report("vsic", "verify_async", err_is_ok(err) && !differ,
           "%u rounds of 4 writes and 4 reads in flight, %u differ; %s", rounds, differ,
           err_name(err));
    printf("logapp: async: %lu of the waits slept until the MSI-X vector fired\n",
           t->vsic->interrupts - irq0);
}

// A completion raises the VF's MSI-X vector, delivered to our endpoint.
static void verify_msix(struct target *t)
{
    struct vsic *v = t->vsic;
    struct lmp_recv_msg m;
    struct cmd c = {0};
    uint16_t cid;
    errval_t err = SYS_ERR_OK;
    vsic_poll(v); // nothing outstanding; then what earlier completions left pending
    while (err_is_ok(lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m)))
        ;
    if (err_is_ok(err))
        err = nvme_flush(&t->vsa->ns, cmd_done, &c, &cid);
    errval_t irq = LMP_ERR_NO_MESSAGE;
    uint64_t start = sys_rdtsc(), limit = sys_tsc_hz() * 2;
    while (
        err_is_ok(err) &&
        err_has(irq = lmp_recv(v->irq_ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m), LMP_ERR_NO_MESSAGE) &&
        sys_rdtsc() - start < limit)
        sys_yield();
    unsigned polled = vsic_poll(v);
    report("vsic", "msix_completion",
           err_is_ok(err) && err_is_ok(irq) && (m.flags & LMP_RECV_NOTIFY) && polled == 1 &&
               c.done && err_is_ok(c.err),
           "submit %s, interrupt %s, %u completions polled", err_name(err), err_name(irq), polled);
}

// stord's refusals as the client sees them, each chain printed whole: a
// read past the VSA's end is stord's SYS_ERR_INVALID_ARGS under
// STORD_ERR_CALL; an open by a name storctl refuses (a space, a '!') is
// storctl's answer under STORCTL_ERR_CALL under stord's vsa_open's
// VSIC_ERR_VSA_OPEN under STORD_ERR_CALL. The refused opens leave none of
// this program's memory behind (counted after the first, which may grow
// the heap or the slot allocator).
static void verify_stord_errors(struct target *t)
{
    errval_t past = t->dev->read(t->dev->arg, t->dev->blocks - 1, 2, rbuf);
    struct stord_bdev other;
    errval_t none = stord_open("not a name!", &other), again = SYS_ERR_OK;
    uint64_t total, free, before = 0, after = 0;
    errval_t err = memserv_stats(&total, &free, &before);
    for (int i = 0; i < 3 && err_is_ok(err); i++)
        again = stord_open("not a name!", &other);
    if (err_is_ok(err))
        err = memserv_stats(&total, &free, &after);
    char chain[1024];
    err_chain_format(past, chain, sizeof(chain));
    printf("logapp: a read past the end through stord:\n%s\n", chain);
    err_chain_format(none, chain, sizeof(chain));
    printf("logapp: an open of a VSA by a name storctl refuses, through stord:\n%s\n", chain);
    report("stord", "error_chain",
           err_no(past) == STORD_ERR_CALL && err_no(err_pop(past)) == SYS_ERR_INVALID_ARGS &&
               err_no(none) == STORD_ERR_CALL && err_no(err_pop(none)) == VSIC_ERR_VSA_OPEN &&
               err_no(err_pop(err_pop(none))) == STORCTL_ERR_CALL &&
               err_no(err_pop(err_pop(err_pop(none)))) == STORCTL_ERR_BAD_NAME && again == none &&
               err_is_ok(err) && after == before,
           "past the end: %s under %s; a bad name: %s under %s; 3 more opens: %s, memory held "
           "%ld bytes more after them (%s)",
           err_name(err_pop(past)), err_name(past), err_name(err_pop(none)), err_name(none),
           err_name(again), (long)(after - before), err_name(err));
}

void verify_run(struct target *t, const char *prefix)
{
    verify_blockdev(t->dev, prefix);
    if (t->stord)
        verify_stord_errors(t);
    if (!t->stord) {
        verify_async(t);
        verify_msix(t);
    }
}
