/*
 * lib/os/include/os/kv.h: the protocol-and-data engine of a Redis-compatible
 * key-value server (RESP2, database 0, strings, lists, sets, hashes and
 * sorted sets with expiry), without networking or storage: the server feeds
 * it the bytes a connection received and sends back what it wrote.
 *
 * Built for Sietch user space and for the host (unit tests). The engine
 * keeps no global state; one db with its connections is used by one thread
 * at a time. Like Redis's allocator, the engine ends the program (abort)
 * when the heap is exhausted; maxmemory is the limit that fails gracefully.
 * docs/kv.md describes the protocol limits and what differs from Redis.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Protocol limits, and the error each one answers (then the connection
// must be closed): Redis 7's defaults.
#define KV_MAX_BULK      (512ull * 1024 * 1024) // "invalid bulk length"
#define KV_MAX_MULTIBULK (1024 * 1024)          // "invalid multibulk length"
#define KV_MAX_INLINE    (64 * 1024)            // "too big inline request"

struct kv_db;
struct kv_conn;

// A command as argument vectors: argv[i] holds lens[i] bytes (any bytes,
// not NUL-terminated).
typedef void kv_cmd_fn(void *arg, int argc, const char *const *argv, const size_t *lens);

struct kv_config {
    uint64_t maxmemory; // bytes of the dataset past which "denyoom" commands fail; 0: none
    bool appendonly;    // what CONFIG GET appendonly and INFO persistence report
    // The current time in ms (any epoch the caller keeps, e.g. Unix time);
    // NULL: time stands still at 0.
    uint64_t (*clock_ms)(void *arg);
    void *clock_arg;
    // Called after every command that changed the dataset, with the
    // command in a form that replays to the same dataset: relative
    // deadlines become absolute (SET .. PXAT, PEXPIREAT), SPOP becomes
    // SREM, and a key found expired is reported as DEL before the command
    // that found it. NULL: nothing is reported.
    kv_cmd_fn *on_write;
    void *write_arg;
    uint64_t seed; // SPOP's random choices (0 picks a fixed seed)
};

// A growable byte buffer: a connection's replies.
struct kv_buf {
    char *data;
    size_t len, cap;
};

// A new, empty database; *cfg is copied.
struct kv_db *kv_db_new(const struct kv_config *cfg);
// Free the database and everything in it; its connections must be freed first.
void kv_db_free(struct kv_db *db);

// Bytes of the dataset the engine holds (its own allocations, with a
// per-allocation overhead), the number of keys, and of keys with deadlines.
uint64_t kv_db_used_memory(const struct kv_db *db);
uint64_t kv_db_keys(const struct kv_db *db);
uint64_t kv_db_expires(const struct kv_db *db);
// The server turned a client away (at its client limit): INFO's
// rejected_connections.
void kv_db_note_rejected(struct kv_db *db);

// Change maxmemory (0: none) at run time.
void kv_db_set_maxmemory(struct kv_db *db, uint64_t bytes);

// Active expiry, for the server to call periodically: examine at most
// budget keys that have deadlines (walking them in turn across calls, as
// Redis samples them), delete those due at now_ms, and return how many were
// deleted. Each deletion is reported to on_write as DEL.
unsigned kv_active_expire(struct kv_db *db, uint64_t now_ms, unsigned budget);

// Run one command as if a client sent it, but with no reply and no on_write
// report: replaying the log at start. maxmemory does not apply. Returns
// true when the command succeeded, false when it was refused (the reply
// would have been an error).
bool kv_db_replay(struct kv_db *db, int argc, const char *const *argv, const size_t *lens);

// Walk the dataset and emit commands that rebuild it in an empty database:
// SET, RPUSH, SADD, HSET, ZADD (long values in several commands) and
// PEXPIREAT for deadlines. Keys already due at the current time are left
// out. The dataset must not change during the walk.
void kv_db_snapshot(struct kv_db *db, kv_cmd_fn *emit, void *arg);

// A new connection to db, with its own parser state, name and replies.
struct kv_conn *kv_conn_new(struct kv_db *db);
void kv_conn_free(struct kv_conn *c);

// Feed len bytes the client sent (any split of the stream: a request may
// span calls, a call may hold many). Complete requests run in order and
// their replies are appended to kv_conn_output. Returns true when the
// connection is to be closed once the output is sent (QUIT, or a protocol
// error, whose reply is the last); then further input is ignored.
bool kv_conn_feed(struct kv_conn *c, const void *bytes, size_t len);

// The replies not yet taken; the caller sends some and drops them with
// kv_buf_consume.
struct kv_buf *kv_conn_output(struct kv_conn *c);
void kv_buf_consume(struct kv_buf *b, size_t n);

// The reply writer: RESP2 values appended to b (which grows; its memory is
// the heap's, not counted as the dataset's). kv_reply_error takes the text
// after '-' (e.g. "ERR syntax error"); CR and LF in it become spaces.
void kv_buf_append(struct kv_buf *b, const void *p, size_t n);
void kv_buf_free(struct kv_buf *b);
void kv_reply_simple(struct kv_buf *b, const char *s);         // +s
void kv_reply_error(struct kv_buf *b, const char *s);          // -s
void kv_reply_int(struct kv_buf *b, int64_t v);                // :v
void kv_reply_bulk(struct kv_buf *b, const void *p, size_t n); // $n p
void kv_reply_bulk_cstr(struct kv_buf *b, const char *s);      // $strlen(s) s
void kv_reply_nil(struct kv_buf *b);                           // $-1
void kv_reply_array(struct kv_buf *b, int64_t n);              // *n, then n values
void kv_reply_nil_array(struct kv_buf *b);                     // *-1
