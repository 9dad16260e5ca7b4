/* lib/os/log/log.c: the persistent log: superblocks, records, recovery, append, trim, iteration. */
#include <base/string.h>
#include <os/crc32c.h>
#include <os/log.h>

// The on-disk format (docs/vsic.md, "The log's on-disk format"):
// little-endian; blocks 0 and 1 hold two copies of the superblock, the
// rest is a circular area of records, each starting at a block boundary.

#define SB_MAGIC   0x474c484354454953ull // "SIETCHLG"
#define SB_VERSION 1u
#define SB_BLOCKS  2u
#define REC_MAGIC  0x4345524cu // "LREC"
#define MIN_BLOCK  512u
#define MAX_BLOCK  65536u
// No log writes its superblock, opens, or appends blocks this often: a
// larger seq, epoch or position is corruption, and believing it would let
// seq + 1, epoch + 1 or a position wrap around to 0 (then every later
// superblock looks older than the bad one, and trims and generations are
// lost).
#define MAX_COUNT  (1ull << 62)

struct log_super {
    uint64_t magic;
    uint32_t version;
    uint32_t crc; // CRC-32C of these 72 bytes with crc zero
    uint64_t id;
    uint64_t seq;   // superblock writes; this copy is block seq % 2
    uint64_t epoch; // the last open's generation
    uint64_t head;  // position of the first live record
    uint64_t area;  // blocks of the record area
    uint32_t block_size;
    uint32_t max_record;
    uint32_t head_prev; // chain value the record at head names as prev
    uint32_t reserved;
};
_Static_assert(sizeof(struct log_super) == 72, "the log superblock is 72 bytes");

struct log_rec {
    uint32_t magic;
    uint32_t crc;   // CRC-32C of the log's id, this header (crc zero), the payload
    uint64_t pos;   // where it was written (logical block number)
    uint64_t epoch; // the generation that wrote it
    uint32_t len;   // payload bytes
    uint32_t prev;  // crc of the record before it (or the superblock's head_prev)
};
_Static_assert(sizeof(struct log_rec) == LOG_HEADER_BYTES, "the record header is 32 bytes");

static uint64_t blocks_for(uint32_t block_size, uint64_t bytes)
{
    return (bytes + block_size - 1) / block_size;
}

static uint64_t rec_blocks(const struct log *l, uint32_t len)
{
    return blocks_for(l->dev->block_size, LOG_HEADER_BYTES + (uint64_t)len);
}

size_t log_buffer_size(uint32_t block_size, uint32_t max_record)
{
    uint64_t n = blocks_for(block_size, LOG_HEADER_BYTES + (uint64_t)max_record);
    return (size_t)((n < 2 ? 2 : n) * block_size);
}

static bool geometry_ok(const struct blockdev *dev)
{
    uint32_t bs = dev->block_size;
    return bs >= MIN_BLOCK && bs <= MAX_BLOCK && !(bs & (bs - 1)) && dev->blocks >= SB_BLOCKS + 2;
}

// ---- Device access by log position: the area wraps at its end ----

static MUST_CHECK errval_t area_io(struct log *l, bool write, uint64_t pos, uint64_t n, void *buf)
{
    const struct blockdev *d = l->dev;
    while (n) {
        uint64_t at = pos % l->area, run = l->area - at < n ? l->area - at : n;
        errval_t err = write ? d->write(d->arg, SB_BLOCKS + at, (uint32_t)run, buf)
                             : d->read(d->arg, SB_BLOCKS + at, (uint32_t)run, buf);
        if (err_is_fail(err))
            return err;
        buf = (uint8_t *)buf + run * d->block_size;
        pos += run;
        n -= run;
    }
    return SYS_ERR_OK;
}

// ---- Superblocks ----

static uint32_t super_crc(struct log_super s)
{
    s.crc = 0;
    return crc32c(0, &s, sizeof(s));
}

static bool super_valid(const struct log_super *s, const struct blockdev *dev)
{
    return s->magic == SB_MAGIC && s->version == SB_VERSION && s->crc == super_crc(*s) &&
           s->seq < MAX_COUNT && s->epoch < MAX_COUNT && s->head < MAX_COUNT &&
           s->block_size == dev->block_size && s->area >= 2 && s->area <= dev->blocks - SB_BLOCKS &&
           s->max_record &&
           blocks_for(s->block_size, LOG_HEADER_BYTES + (uint64_t)s->max_record) <= s->area;
}

// The newest valid superblock copy into *out; *found false if neither is.
static MUST_CHECK errval_t super_read(const struct blockdev *dev, uint8_t *buf,
                                      struct log_super *out, bool *found)
{
    *found = false;
    for (uint32_t copy = 0; copy < SB_BLOCKS; copy++) {
        errval_t err = dev->read(dev->arg, copy, 1, buf);
        if (err_is_fail(err))
            return err;
        struct log_super s;
        memcpy(&s, buf, sizeof(s));
        if (super_valid(&s, dev) && s.seq % SB_BLOCKS == copy && (!*found || s.seq > out->seq)) {
            *out = s;
            *found = true;
        }
    }
    return SYS_ERR_OK;
}

// Write s (its seq picks the copy); no flush.
static MUST_CHECK errval_t super_write(const struct blockdev *dev, uint8_t *buf, struct log_super s)
{
    // Never a copy the next open would take for corruption (super_valid):
    // a log whose counters reach the limit stops instead.
    if (s.seq >= MAX_COUNT || s.epoch >= MAX_COUNT || s.head >= MAX_COUNT)
        return LOG_ERR_WORN;
    s.crc = super_crc(s);
    memset(buf, 0, dev->block_size);
    memcpy(buf, &s, sizeof(s));
    return dev->write(dev->arg, s.seq % SB_BLOCKS, 1, buf);
}

static struct log_super super_of(const struct log *l)
{
    return (struct log_super){.magic = SB_MAGIC,
                              .version = SB_VERSION,
                              .id = l->id,
                              .seq = l->seq,
                              .epoch = l->epoch,
                              .head = l->head,
                              .area = l->area,
                              .block_size = l->dev->block_size,
                              .max_record = l->max_record,
                              .head_prev = l->head_prev};
}

// A new superblock for l (the next copy), durably; the log fails if not.
static MUST_CHECK errval_t super_commit(struct log *l)
{
    l->seq++;
    errval_t err = super_write(l->dev, l->buf, super_of(l));
    if (err_is_ok(err))
        err = l->dev->flush(l->dev->arg);
    l->failed |= err_is_fail(err);
    return err;
}

// ---- Records ----

static uint32_t rec_crc(uint64_t id, struct log_rec h, const void *payload)
{
    h.crc = 0;
    uint32_t c = crc32c(0, &id, sizeof(id));
    c = crc32c(c, &h, sizeof(h));
    return crc32c(c, payload, h.len);
}

// Read the header block at pos into l->buf and *h; is it a record's start
// (magic, position, length) that fits in room blocks?
static MUST_CHECK errval_t read_header(struct log *l, uint64_t pos, uint64_t room,
                                       struct log_rec *h, bool *ok)
{
    errval_t err = area_io(l, false, pos, 1, l->buf);
    memcpy(h, l->buf, sizeof(*h));
    *ok = err_is_ok(err) && h->magic == REC_MAGIC && h->pos == pos && h->len &&
          h->len <= l->max_record && rec_blocks(l, h->len) <= room && h->epoch < MAX_COUNT;
    return err;
}

// Read the whole record at pos (header already in l->buf) and check its CRC.
static MUST_CHECK errval_t read_body(struct log *l, uint64_t pos, const struct log_rec *h, bool *ok)
{
    uint64_t n = rec_blocks(l, h->len);
    errval_t err =
        n > 1 ? area_io(l, false, pos + 1, n - 1, l->buf + l->dev->block_size) : SYS_ERR_OK;
    *ok = err_is_ok(err) && rec_crc(l->id, *h, l->buf + LOG_HEADER_BYTES) == h->crc;
    return err;
}

// Recovery: follow the chain of valid records from the head. *max_epoch:
// the newest generation seen (at least the superblock's).
static MUST_CHECK errval_t recover(struct log *l, uint64_t *max_epoch)
{
    uint64_t pos = l->head;
    uint32_t prev = l->head_prev;
    l->records = 0;
    while (pos - l->head < l->area) {
        struct log_rec h;
        bool ok;
        errval_t err = read_header(l, pos, l->area - (pos - l->head), &h, &ok);
        // The CRC catches a torn record, the position an older lap of the
        // area, the CRC's log ID an older log. The chain (each record names
        // its predecessor's CRC, which covers its generation) ends the log
        // for good at a damaged record: what follows it cannot come back
        // once new appends (of a new generation) fill the gap.
        ok = ok && h.prev == prev;
        if (err_is_ok(err) && ok)
            err = read_body(l, pos, &h, &ok);
        if (err_is_fail(err))
            return err; // unreadable is not the end of the log
        if (!ok)
            break;
        pos += rec_blocks(l, h.len);
        prev = h.crc;
        *max_epoch = h.epoch > *max_epoch ? h.epoch : *max_epoch;
        l->records++;
    }
    l->tail = pos;
    l->tail_prev = prev;
    return SYS_ERR_OK;
}

// An identity unlike the old log's: splitmix64 of the seed and the old one.
static uint64_t new_id(uint64_t seed, uint64_t old)
{
    uint64_t z = seed + old + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z == old ? z + 1 : z;
}

errval_t log_format(const struct blockdev *dev, uint32_t max_record, uint64_t seed, void *buf,
                    size_t buf_bytes)
{
    if (!geometry_ok(dev))
        return LOG_ERR_GEOMETRY;
    uint64_t area = dev->blocks - SB_BLOCKS;
    if (!max_record || blocks_for(dev->block_size, LOG_HEADER_BYTES + (uint64_t)max_record) > area)
        return LOG_ERR_TOO_BIG;
    if (buf_bytes < log_buffer_size(dev->block_size, max_record))
        return SYS_ERR_INVALID_ARGS;
    struct log_super old = {0};
    bool found;
    errval_t err = super_read(dev, buf, &old, &found);
    if (err_is_fail(err))
        return err;
    uint64_t id = new_id(seed, found ? old.id : 0);
    struct log_super s = {.magic = SB_MAGIC,
                          .version = SB_VERSION,
                          .id = id,
                          .epoch = 0,
                          .head = 0,
                          .area = area,
                          .block_size = dev->block_size,
                          .max_record = max_record,
                          .head_prev = crc32c(0, &id, sizeof(id))};
    // Both copies, newer than anything the old log wrote.
    for (unsigned i = 1; i <= SB_BLOCKS && err_is_ok(err); i++) {
        s.seq = (found ? old.seq : 0) + i;
        err = super_write(dev, buf, s);
    }
    return err_is_ok(err) ? dev->flush(dev->arg) : err;
}

errval_t log_open(struct log *l, const struct blockdev *dev, void *buf, size_t buf_bytes)
{
    if (!geometry_ok(dev))
        return LOG_ERR_GEOMETRY;
    if (buf_bytes < 2u * dev->block_size)
        return LOG_ERR_TOO_BIG;
    struct log_super s;
    bool found;
    errval_t err = super_read(dev, buf, &s, &found);
    if (err_is_fail(err))
        return err;
    if (!found)
        return LOG_ERR_NO_LOG;
    if (buf_bytes < log_buffer_size(s.block_size, s.max_record))
        return LOG_ERR_TOO_BIG;
    *l = (struct log){.dev = dev,
                      .buf = buf,
                      .buf_bytes = buf_bytes,
                      .id = s.id,
                      .seq = s.seq,

                      .area = s.area,
                      .head = s.head,
                      .head_prev = s.head_prev,
                      .max_record = s.max_record};
    // A generation no record on the media has, even if the newest
    // superblock copy was lost.
    uint64_t epoch = s.epoch;
    err = recover(l, &epoch);
    l->epoch = epoch + 1;
    return err_is_ok(err) ? super_commit(l) : err;
}

errval_t log_append(struct log *l, const void *data, uint32_t len, uint64_t *pos)
{
    if (l->failed)
        return LOG_ERR_FAILED;
    if (!len)
        return SYS_ERR_INVALID_ARGS;
    if (len > l->max_record)
        return LOG_ERR_TOO_BIG;
    uint64_t n = rec_blocks(l, len);
    if (l->tail - l->head + n > l->area)
        return LOG_ERR_FULL;
    struct log_rec h = {REC_MAGIC, 0, l->tail, l->epoch, len, l->tail_prev};
    memset(l->buf, 0, n * l->dev->block_size);
    memcpy(l->buf + LOG_HEADER_BYTES, data, len);
    h.crc = rec_crc(l->id, h, data);
    memcpy(l->buf, &h, sizeof(h));
    // Data, then a flush: durable when we return. Recovery needs no commit
    // record: the CRC, position and chain tell a whole record from a torn one.
    errval_t err = area_io(l, true, l->tail, n, l->buf);
    if (err_is_ok(err))
        err = l->dev->flush(l->dev->arg);
    if (err_is_fail(err)) {
        l->failed = true;
        return err;
    }
    if (pos)
        *pos = l->tail;
    l->tail += n;
    l->tail_prev = h.crc;
    l->records++;
    return SYS_ERR_OK;
}

errval_t log_trim(struct log *l, uint64_t pos)
{
    if (l->failed)
        return LOG_ERR_FAILED;
    if (pos < l->head || pos > l->tail)
        return LOG_ERR_BAD_POSITION;
    // pos must be a record boundary: walk the headers from the head.
    uint64_t at = l->head, dropped = 0;
    struct log_rec h;
    bool ok = true;
    while (at < pos) {
        errval_t err = read_header(l, at, l->tail - at, &h, &ok);
        if (err_is_fail(err))
            return err;
        if (!ok)
            return SYS_ERR_CORRUPT;
        at += rec_blocks(l, h.len);
        dropped++;
    }
    if (at != pos)
        return LOG_ERR_BAD_POSITION;
    uint32_t prev = l->tail_prev;
    if (pos < l->tail) {
        errval_t err = read_header(l, pos, l->tail - pos, &h, &ok);
        if (err_is_fail(err))
            return err;
        if (!ok)
            return SYS_ERR_CORRUPT;
        prev = h.prev;
    }
    uint64_t old_head = l->head;
    uint32_t old_prev = l->head_prev;
    l->head = pos;
    l->head_prev = prev;
    errval_t err = super_commit(l);
    if (err_is_fail(err)) {
        l->head = old_head; // unknown on the media: the log is failed anyway
        l->head_prev = old_prev;
        return err;
    }
    l->records -= dropped;
    return SYS_ERR_OK;
}

errval_t log_iter_init(const struct log *l, uint64_t pos, struct log_iter *it)
{
    if (pos == LOG_START)
        pos = l->head;
    if (pos < l->head || pos > l->tail)
        return LOG_ERR_BAD_POSITION;
    it->pos = pos;
    return SYS_ERR_OK;
}

errval_t log_next(struct log *l, struct log_iter *it, void *out, uint32_t cap, uint32_t *len,
                  uint64_t *pos)
{
    if (it->pos < l->head)
        return LOG_ERR_BAD_POSITION; // trimmed since
    if (it->pos >= l->tail)
        return LOG_ERR_END;
    struct log_rec h;
    bool ok;
    errval_t err = read_header(l, it->pos, l->tail - it->pos, &h, &ok);
    if (err_is_fail(err))
        return err;
    if (!ok)
        return LOG_ERR_BAD_POSITION;
    *len = h.len;
    if (cap < h.len)
        return LOG_ERR_TOO_BIG;
    err = read_body(l, it->pos, &h, &ok);
    if (err_is_fail(err))
        return err;
    if (!ok)
        return SYS_ERR_CORRUPT;
    memcpy(out, l->buf + LOG_HEADER_BYTES, h.len);
    if (pos)
        *pos = it->pos;
    it->pos += rec_blocks(l, h.len);
    return SYS_ERR_OK;
}
