/*
 * lib/os/include/os/kv_aof.h: the key-value store's append-only file, as
 * records of the persistent log (os/log.h) on a block device: what makes
 * a write durable before its reply goes out, and what rebuilds the
 * dataset at start.
 *
 * The engine reports every write as a command (kv_config.on_write =
 * kv_aof_write); the commands wait in a buffer until kv_aof_commit
 * appends them, as one batch, to the log: the batch is durable when
 * kv_aof_commit returns, and only then may the replies of its commands
 * be sent (group commit: one flush for every write of a round). A batch
 * larger than a record goes in several, only the last of which commits
 * it.
 *
 * Compaction (kv_aof_compact): a snapshot of the dataset (commands that
 * rebuild it) goes to the log between a begin and an end record, then
 * everything before the begin record is trimmed. Recovery (kv_aof_open)
 * replays every committed batch in order; an end record replaces the
 * dataset with its snapshot. What a crash leaves half-written -- a batch
 * without its last record, a snapshot without its end -- is ignored: the
 * first record of every batch and snapshot says it is one, and voids what
 * was open before it. So, with the log's own guarantee (every record whose
 * append returned is there after a crash, followed by at most the one in
 * flight, whole or not at all): every batch whose kv_aof_commit returned
 * is in the dataset after recovery, at any crash point, compaction
 * included. docs/kv.md has the argument in full.
 *
 * Every record also carries the store's clock (ms) when it was written:
 * recovery reports the last one, so that a restarted store's clock goes
 * on from there (Sietch has no wall clock) and deadlines keep their
 * meaning.
 */
#pragma once

#include <kpi/errors.h>
#include <os/blockdev.h>
#include <os/kv.h>
#include <stdbool.h>
#include <stdint.h>

#define KV_AOF_MAX_RECORD (64 * 1024) // bytes of one log record

struct kv_aof;

struct kv_aof_info {
    uint64_t records;   // log records read at recovery
    uint64_t batches;   // committed batches replayed
    uint64_t commands;  // commands replayed (snapshots' included)
    uint64_t refused;   // replayed commands the engine refused (none, unless a bug)
    uint64_t snapshots; // complete snapshots applied
    uint64_t abandoned; // half-written batches or snapshots ignored
    uint64_t clock_ms;  // the clock of the last record (0: none)
    bool formatted;     // there was no log: a new one was made
};

// Open the log on dev (formatting it if it holds none: seed as for
// log_format) and replay it into db, which must be empty. Errors: those of
// log_open and log_format, SYS_ERR_NO_MEMORY, SYS_ERR_CORRUPT (a committed
// record that does not parse: never written by this code).
MUST_CHECK errval_t kv_aof_open(const struct blockdev *dev, struct kv_db *db, uint64_t seed,
                                struct kv_aof **out, struct kv_aof_info *info);

// A write command to log (a kv_cmd_fn: the engine's on_write, with the
// kv_aof as its argument). Buffered; kv_aof_commit makes it durable.
void kv_aof_write(void *aof, int argc, const char *const *argv, const size_t *lens);

// Bytes of commands waiting for kv_aof_commit.
size_t kv_aof_pending(const struct kv_aof *a);

// Append what is buffered as one batch; durable when this returns
// SYS_ERR_OK. now_ms: the store's clock. Errors: the log's (after one, the
// log refuses every later append: the store must stop, having acknowledged
// nothing of the failed batch), SYS_ERR_NO_MEMORY.
MUST_CHECK errval_t kv_aof_commit(struct kv_aof *a, uint64_t now_ms);

// True when compaction is due: the log is more than half full and has
// grown by a quarter of its room since the last compaction (or since it
// was opened), or it is more than three quarters full. The snapshot must
// fit in what is free then: keep the dataset under a quarter of the room
// (kv_aof_usage), as kvstore's maxmemory does.

// Bytes of room in the log (what kv_aof_usage reports as size).
uint64_t kv_aof_room(const struct kv_aof *a);
bool kv_aof_compact_due(const struct kv_aof *a);

// Commit what is buffered, write a snapshot of db, then trim the log
// before it. Errors: the log's (LOG_ERR_FULL: the snapshot does not fit
// in what is free), SYS_ERR_NO_MEMORY.
MUST_CHECK errval_t kv_aof_compact(struct kv_aof *a, struct kv_db *db, uint64_t now_ms);

// What the log holds now: bytes in use, bytes of room in all, and
// compactions done since open.
void kv_aof_usage(const struct kv_aof *a, uint64_t *used, uint64_t *size, uint64_t *compactions);

// Free what kv_aof_open made (the log needs no closing: every commit was
// durable).
void kv_aof_close(struct kv_aof *a);
