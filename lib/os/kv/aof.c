/* lib/os/kv/aof.c: the key-value store's append-only file on the persistent log (os/kv_aof.h). */
#include <os/kv_aof.h>
#include <os/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A record: its type, the store's clock (8 bytes, little-endian), then
// a slice of the command stream (RESP multibulk requests, back to back).
#define HDR     9
#define PAYLOAD (KV_AOF_MAX_RECORD - HDR)
#define T_ONE   'O' // a batch in one record
#define T_FIRST 'F' // a batch's first record; more follow
#define T_MORE  'D' // a batch's record between its first and last
#define T_LAST  'C' // a batch's last record: only now does it count
#define T_BEGIN 'B' // a snapshot begins
#define T_SNAP  'S' // part of a snapshot
#define T_END   'E' // the end of a snapshot: it replaces the dataset

struct bytes {
    char *p;
    size_t len, cap;
    bool failed; // an append found no memory
};

struct kv_aof {
    struct log log;
    uint8_t *logbuf, *rec;
    struct bytes pending;
    uint64_t block, area, since_compact, compactions;
};

static void put(struct bytes *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return; // b->p may be NULL (an empty snapshot's end record comes first)
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_command(struct bytes *b, int argc, const char *const *argv, const size_t *lens)
{
    char num[32];
    put(b, num, (size_t)snprintf(num, sizeof(num), "*%d\r\n", argc));
    for (int i = 0; i < argc; i++) {
        put(b, num, (size_t)snprintf(num, sizeof(num), "$%lu\r\n", (unsigned long)lens[i]));
        put(b, argv[i], lens[i]);
        put(b, "\r\n", 2);
    }
}

// ---- Writing ----

static MUST_CHECK errval_t append(struct kv_aof *a, char type, uint64_t now_ms, const void *p,
                                  size_t n, uint64_t *pos)
{
    a->rec[0] = (uint8_t)type;
    for (int i = 0; i < 8; i++)
        a->rec[1 + i] = (uint8_t)(now_ms >> (8 * i));
    memcpy(a->rec + HDR, p, n);
    errval_t err = log_append(&a->log, a->rec, (uint32_t)(HDR + n), pos);
    if (err_is_ok(err))
        a->since_compact += (HDR + n + LOG_HEADER_BYTES + a->block - 1) / a->block;
    return err;
}

// A batch: data[0, len) in records (T_ONE, or T_FIRST T_MORE.. T_LAST).
static MUST_CHECK errval_t append_batch(struct kv_aof *a, uint64_t now_ms, const char *data,
                                        size_t len)
{
    if (len <= PAYLOAD)
        return append(a, T_ONE, now_ms, data, len, NULL);
    for (size_t done = 0; done < len;) {
        size_t n = len - done > PAYLOAD ? PAYLOAD : len - done;
        char type = done == 0 ? T_FIRST : done + n == len ? T_LAST : T_MORE;
        errval_t err = append(a, type, now_ms, data + done, n, NULL);
        if (err_is_fail(err))
            return err;
        done += n;
    }
    return SYS_ERR_OK;
}

void kv_aof_write(void *aof, int argc, const char *const *argv, const size_t *lens)
{
    struct kv_aof *a = aof;
    put_command(&a->pending, argc, argv, lens);
}

size_t kv_aof_pending(const struct kv_aof *a) { return a->pending.len; }

errval_t kv_aof_commit(struct kv_aof *a, uint64_t now_ms)
{
    if (a->pending.failed)
        return SYS_ERR_NO_MEMORY; // a write was not recorded: none of the batch is acknowledged
    if (a->pending.len == 0)
        return SYS_ERR_OK;
    errval_t err = append_batch(a, now_ms, a->pending.p, a->pending.len);
    a->pending.len = 0;
    return err;
}

bool kv_aof_compact_due(const struct kv_aof *a)
{
    uint64_t used = a->log.tail - a->log.head;
    return used * 2 > a->area && (a->since_compact * 4 > a->area || used * 4 > a->area * 3);
}

struct snap {
    struct kv_aof *a;
    struct bytes out;
    uint64_t now_ms;
    errval_t err;
};

// One snapshot command: out as whole records of type T_SNAP as it fills.
static void snap_emit(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    struct snap *s = arg;
    if (err_is_fail(s->err))
        return;
    put_command(&s->out, argc, argv, lens);
    if (s->out.failed) {
        s->err = SYS_ERR_NO_MEMORY;
        return;
    }
    size_t done = 0;
    while (err_is_ok(s->err) && s->out.len - done > PAYLOAD) {
        s->err = append(s->a, T_SNAP, s->now_ms, s->out.p + done, PAYLOAD, NULL);
        done += PAYLOAD;
    }
    memmove(s->out.p, s->out.p + done, s->out.len - done);
    s->out.len -= done;
}

errval_t kv_aof_compact(struct kv_aof *a, struct kv_db *db, uint64_t now_ms)
{
    errval_t err = kv_aof_commit(a, now_ms);
    uint64_t begin;
    if (err_is_ok(err))
        err = append(a, T_BEGIN, now_ms, "", 0, &begin);
    struct snap s = {a, {0}, now_ms, err};
    if (err_is_ok(err))
        kv_db_snapshot(db, snap_emit, &s);
    err = s.err;
    if (err_is_ok(err))
        err = append(a, T_END, now_ms, s.out.p ? s.out.p : "", s.out.len, NULL);
    free(s.out.p);
    // The snapshot is durable: what came before it goes.
    if (err_is_ok(err))
        err = log_trim(&a->log, begin);
    if (err_is_ok(err)) {
        a->since_compact = 0;
        a->compactions++;
    }
    return err;
}

uint64_t kv_aof_room(const struct kv_aof *a) { return a->area * a->block; }

void kv_aof_usage(const struct kv_aof *a, uint64_t *used, uint64_t *size, uint64_t *compactions)
{
    *used = (a->log.tail - a->log.head) * a->block;
    *size = a->area * a->block;
    *compactions = a->compactions;
}

// ---- Recovery ----

static bool parse_int(const char **p, const char *end, char lead, uint64_t max, uint64_t *out)
{
    const char *q = *p;
    if (q >= end || *q++ != lead)
        return false;
    uint64_t v = 0;
    const char *digits = q;
    while (q < end && *q >= '0' && *q <= '9' && v <= max)
        v = v * 10 + (uint64_t)(*q++ - '0');
    if (q == digits || v > max || end - q < 2 || q[0] != '\r' || q[1] != '\n')
        return false;
    *p = q + 2;
    *out = v;
    return true;
}

// Replay every command in data[0, len). SYS_ERR_CORRUPT if it does not
// parse (the log's checks passed, so this code did not write it).
static MUST_CHECK errval_t apply(struct kv_db *db, const char *data, size_t len,
                                 struct kv_aof_info *info)
{
    if (len == 0)
        return SYS_ERR_OK; // data may be NULL: an empty batch or snapshot
    const char *p = data, *end = data + len;
    while (p < end) {
        uint64_t argc, n;
        if (!parse_int(&p, end, '*', KV_MAX_MULTIBULK, &argc) || argc == 0)
            return SYS_ERR_CORRUPT;
        const char **argv = malloc(argc * sizeof(*argv));
        size_t *lens = malloc(argc * sizeof(*lens));
        if (!argv || !lens) {
            free(argv);
            free(lens);
            return SYS_ERR_NO_MEMORY;
        }
        errval_t err = SYS_ERR_OK;
        for (uint64_t i = 0; i < argc && err_is_ok(err); i++) {
            if (!parse_int(&p, end, '$', KV_MAX_BULK, &n) || (uint64_t)(end - p) < n + 2 ||
                p[n] != '\r' || p[n + 1] != '\n') {
                err = SYS_ERR_CORRUPT;
                break;
            }
            argv[i] = p;
            lens[i] = n;
            p += n + 2;
        }
        if (err_is_ok(err)) {
            info->refused += !kv_db_replay(db, (int)argc, argv, lens);
            info->commands++;
        }
        free(argv);
        free(lens);
        if (err_is_fail(err))
            return err;
    }
    return SYS_ERR_OK;
}

// One pass over the log. A record that starts something (a batch or a
// snapshot) voids whatever was half-written before it; a batch counts at
// its last record, a snapshot at its end record.
static MUST_CHECK errval_t recover(struct kv_aof *a, struct kv_db *db, struct kv_aof_info *info)
{
    struct log_iter it;
    struct bytes batch = {0}, snap = {0};
    bool in_batch = false, in_snap = false;
    errval_t err = log_iter_init(&a->log, LOG_START, &it);
    while (err_is_ok(err)) {
        uint32_t len;
        err = log_next(&a->log, &it, a->rec, KV_AOF_MAX_RECORD, &len, NULL);
        if (err_no(err) == LOG_ERR_END) {
            err = SYS_ERR_OK;
            break;
        }
        if (err_is_ok(err) && len < HDR)
            err = SYS_ERR_CORRUPT;
        if (err_is_fail(err))
            break;
        info->records++;
        uint64_t clock = 0;
        for (int i = 0; i < 8; i++)
            clock |= (uint64_t)a->rec[1 + i] << (8 * i);
        info->clock_ms = clock > info->clock_ms ? clock : info->clock_ms;
        const char *payload = (const char *)a->rec + HDR;
        size_t n = len - HDR;
        char type = (char)a->rec[0];
        if (type == T_ONE || type == T_FIRST || type == T_BEGIN) {
            info->abandoned += in_batch || in_snap;
            batch.len = snap.len = 0;
            in_batch = type == T_FIRST;
            in_snap = type == T_BEGIN;
        }
        switch (type) {
        case T_ONE:
            err = apply(db, payload, n, info);
            info->batches++;
            break;
        case T_FIRST:
        case T_MORE:
            if (in_batch)
                put(&batch, payload, n);
            break;
        case T_LAST:
            if (!in_batch)
                break;
            put(&batch, payload, n);
            err = batch.failed ? SYS_ERR_NO_MEMORY : apply(db, batch.p, batch.len, info);
            batch.len = 0;
            in_batch = false;
            info->batches++;
            break;
        case T_BEGIN: break;
        case T_SNAP:
            if (in_snap)
                put(&snap, payload, n);
            break;
        case T_END:
            if (!in_snap)
                break;
            put(&snap, payload, n);
            err = snap.failed ? SYS_ERR_NO_MEMORY : apply(db, "*1\r\n$8\r\nFLUSHALL\r\n", 18, info);
            if (err_is_ok(err))
                err = apply(db, snap.p, snap.len, info);
            snap.len = 0;
            in_snap = false;
            info->snapshots++;
            break;
        default: err = SYS_ERR_CORRUPT;
        }
    }
    info->abandoned += in_batch || in_snap; // a crash's leftovers: the next batch voids them
    free(batch.p);
    free(snap.p);
    return err;
}

errval_t kv_aof_open(const struct blockdev *dev, struct kv_db *db, uint64_t seed,
                     struct kv_aof **out, struct kv_aof_info *info)
{
    memset(info, 0, sizeof(*info));
    struct kv_aof *a = calloc(1, sizeof(*a));
    size_t bytes = log_buffer_size(dev->block_size, KV_AOF_MAX_RECORD);
    if (a) {
        a->logbuf = malloc(bytes);
        a->rec = malloc(KV_AOF_MAX_RECORD);
    }
    if (!a || !a->logbuf || !a->rec) {
        kv_aof_close(a);
        return SYS_ERR_NO_MEMORY;
    }
    errval_t err = log_open(&a->log, dev, a->logbuf, bytes);
    if (err_no(err) == LOG_ERR_NO_LOG) {
        info->formatted = true;
        err = log_format(dev, KV_AOF_MAX_RECORD, seed, a->logbuf, bytes);
        if (err_is_ok(err))
            err = log_open(&a->log, dev, a->logbuf, bytes);
    }
    if (err_is_ok(err) && a->log.max_record < KV_AOF_MAX_RECORD)
        err = LOG_ERR_TOO_BIG; // a log of someone else's, with shorter records
    a->block = dev->block_size;
    a->area = a->log.area;
    if (err_is_ok(err))
        err = recover(a, db, info);
    a->since_compact = a->log.tail - a->log.head; // all of it since the last snapshot, at most
    if (err_is_fail(err)) {
        kv_aof_close(a);
        return err;
    }
    *out = a;
    return SYS_ERR_OK;
}

void kv_aof_close(struct kv_aof *a)
{
    if (!a)
        return;
    free(a->pending.p);
    free(a->logbuf);
    free(a->rec);
    free(a);
}
