/*
 * lib/os/include/os/log.h: a persistent append-only log on a block device
 * (the role of Arrakis's Caladan log): append is durable when it returns,
 * iteration from the start or a position, trimming from the front, and
 * recovery after a crash at any point.
 *
 * What recovery guarantees, under struct blockdev's durability contract
 * (writes since the last flush may be lost, torn or reordered; a flushed
 * write is durable) and nothing more (no atomic write unit is assumed):
 * the log after log_open holds every record whose log_append returned
 * SYS_ERR_OK, in order and byte for byte, followed by at most the one
 * append in flight at the crash (it returned nothing, so it may or may not
 * have reached the media: whole, or not at all), and no other record:
 * torn, stale and older-generation data is detected and discarded. The
 * same holds for log_trim: an acknowledged trim is durable, one in flight
 * happened or did not. The on-disk format is in docs/vsic.md, "The log's
 * on-disk format".
 *
 * One log is used by one thread at a time. After any device error the log
 * refuses further appends and trims (LOG_ERR_FAILED): what reached the
 * media is unknown, and only recovery (log_open) decides it.
 */
#pragma once

#include <os/blockdev.h>
#include <stdbool.h>

#define LOG_HEADER_BYTES 32         // before each record's payload
#define LOG_START        UINT64_MAX // log_iter_init: the first live record

struct log {
    const struct blockdev *dev;
    uint8_t *buf; // the caller's buffer: one record's blocks
    size_t buf_bytes;
    uint64_t id;        // this log's identity (changes on every format)
    uint64_t seq;       // the newest superblock's write count
    uint64_t epoch;     // this open's: records written now carry it
    uint64_t area;      // blocks for records (the device minus 2 superblocks)
    uint64_t head;      // position of the first live record
    uint64_t tail;      // position the next record goes to
    uint32_t head_prev; // chain value before head
    uint32_t tail_prev; // chain value of the last record (before tail)
    uint32_t max_record;
    uint64_t records; // live records
    bool failed;
};

// Bytes of buffer a log on blocks of block_size with records of at most
// max_record bytes needs (log_format, log_open).
size_t log_buffer_size(uint32_t block_size, uint32_t max_record);

// Make an empty log on dev, for records of 1 .. max_record bytes. The
// log's identity comes from seed (any value, e.g. a clock) and from the log
// dev held before, if any, so that none of the old log's records can pass
// for the new one's. buf: log_buffer_size(...) bytes, for scratch. Errors:
// LOG_ERR_GEOMETRY, LOG_ERR_TOO_BIG (max_record 0 or above what the area
// holds), SYS_ERR_INVALID_ARGS (buf too small), the device's.
MUST_CHECK errval_t log_format(const struct blockdev *dev, uint32_t max_record, uint64_t seed,
                               void *buf, size_t buf_bytes);

// Open the log on dev and recover it: the newest valid superblock, then the
// chain of valid records from its head, each checked (CRC-32C, position,
// chain, generation); the first that fails ends the log. Then a new
// generation is written (and flushed) so that what this open appends can be
// told from what an earlier one left half-written. buf must stay the log's
// while it is open. Errors: LOG_ERR_NO_LOG, LOG_ERR_GEOMETRY (the
// superblock does not fit dev), LOG_ERR_TOO_BIG (buf smaller than the log's
// records need), the device's.
MUST_CHECK errval_t log_open(struct log *l, const struct blockdev *dev, void *buf,
                             size_t buf_bytes);

// Append one record of len (1 .. max_record) bytes; it is durable when this
// returns SYS_ERR_OK (written, then flushed). *pos (if not NULL) is its
// position, for log_iter_init and log_trim. Errors: LOG_ERR_FAILED,
// LOG_ERR_TOO_BIG, SYS_ERR_INVALID_ARGS (len 0), LOG_ERR_FULL, the
// device's (the log is then failed).
MUST_CHECK errval_t log_append(struct log *l, const void *data, uint32_t len, uint64_t *pos);

// Drop every record before position pos (a record's position, or the
// tail: everything), durably. Errors: LOG_ERR_FAILED, LOG_ERR_BAD_POSITION,
// SYS_ERR_CORRUPT, the device's (the log is then failed).
MUST_CHECK errval_t log_trim(struct log *l, uint64_t pos);

struct log_iter {
    uint64_t pos; // the next record's
};

// Iterate from pos (LOG_START: the head). Errors: LOG_ERR_BAD_POSITION
// (before the head or after the tail; that pos starts a record is checked
// by log_next).
MUST_CHECK errval_t log_iter_init(const struct log *l, uint64_t pos, struct log_iter *it);

// The next record: its payload into out[0..cap), its length to *len, its
// position to *pos (may be NULL). Errors: LOG_ERR_END (at the tail),
// LOG_ERR_TOO_BIG (cap < *len: *len says what is needed, the iterator does
// not move), LOG_ERR_BAD_POSITION (no record starts at the iterator's
// position), SYS_ERR_CORRUPT (a record that recovery accepted fails its
// checks now), the device's.
MUST_CHECK errval_t log_next(struct log *l, struct log_iter *it, void *out, uint32_t cap,
                             uint32_t *len, uint64_t *pos);
