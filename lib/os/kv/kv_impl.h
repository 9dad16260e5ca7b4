/* lib/os/kv/kv_impl.h: the key-value engine's internal types, shared by its files. */
#pragma once

#include <os/kv.h>

// ---- mem.c: the dataset's allocator, which counts the bytes it holds.

#define KV_ALLOC_OVERHEAD 16 // the size header before each block (keeps 16-byte alignment)

struct kv_mem {
    uint64_t used;
};

// Blocks counted in m; heap exhaustion ends the program (see <os/kv.h>).
void *kv_alloc(struct kv_mem *m, size_t n);
void *kv_realloc(struct kv_mem *m, void *p, size_t n);
void kv_free(struct kv_mem *m, void *p);
// Uncounted blocks (parser and reply buffers), same failure policy.
void *kv_xalloc(size_t n);
void *kv_xrealloc(void *p, size_t n);

// ---- num.c: numbers as Redis reads and writes them, and glob patterns.

#define KV_INT_CHARS 21 // "-9223372036854775808" and a NUL

// Redis's strict integer syntax: optional '-', no '+', no spaces, no
// leading zeros, within int64. False when s is not such a number.
bool kv_parse_i64(const char *s, size_t n, int64_t *out);
// The decimal digits of v into buf (KV_INT_CHARS bytes); returns the length.
size_t kv_fmt_i64(char *buf, int64_t v);
// Redis's glob: * ? [set] [^set] [a-z] and \ escapes, case-sensitive.
bool kv_glob(const char *pat, size_t plen, const char *s, size_t slen);

// ---- float.c: IEEE 754 doubles as bit patterns, without floating point
// (Sietch user code is built without SSE).

#define KV_DBL_CHARS 32 // "%.17g" of any double and a NUL

// A decimal or "inf"/"infinity" (any case, optional sign) as strtod reads
// it, correctly rounded; false for anything else, NaN, and values that
// overflow or underflow to zero (as Redis refuses them).
bool kv_parse_double(const char *s, size_t n, uint64_t *bits);
// "%.17g" of the double, or "inf"/"-inf" as Redis writes scores.
size_t kv_fmt_double(char *buf, uint64_t bits);
// A key whose unsigned order is the doubles' numeric order (-0 == +0).
uint64_t kv_double_order(uint64_t bits);

// ---- dict.c: a chained hash table of byte-string keys.

struct kv_dent {
    struct kv_dent *next;
    uint64_t hash;
    union {
        void *p;
        uint64_t u;
    } v;
    size_t klen;
    char key[];
};

struct kv_dict {
    struct kv_mem *mem;
    struct kv_dent **tab;
    uint64_t size; // buckets, a power of two
    uint64_t count;
};

struct kv_dict *kv_dict_new(struct kv_mem *m);
// Free the table and its entries (not what their values point to).
void kv_dict_free(struct kv_dict *d);
struct kv_dent *kv_dict_find(const struct kv_dict *d, const void *k, size_t n);
// A new entry for k, which must not be in d; its value is zero.
struct kv_dent *kv_dict_add(struct kv_dict *d, const void *k, size_t n);
// Remove k; returns whether it was there, its value in *old (if not NULL).
bool kv_dict_remove(struct kv_dict *d, const void *k, size_t n, void **old);
// Visit the entries of one step of a scan from cursor (Redis's reverse
// binary cursor: every entry present for the whole scan is visited at least
// once, even when the table resizes between steps); returns the next
// cursor, 0 at the end. fn must not change d.
uint64_t kv_dict_scan(const struct kv_dict *d, uint64_t cursor,
                      void (*fn)(void *arg, struct kv_dent *e), void *arg);
// A random entry (d not empty), from rng's state.
struct kv_dent *kv_dict_random(const struct kv_dict *d, uint64_t *rng);
// Iteration in bucket order; d must not change meanwhile.
struct kv_dict_iter {
    uint64_t bucket;
    struct kv_dent *e;
};
struct kv_dent *kv_dict_next(const struct kv_dict *d, struct kv_dict_iter *it);
uint64_t kv_rand(uint64_t *rng);

// ---- obj.c: the values.

enum kv_type { KV_STRING, KV_LIST, KV_SET, KV_HASH, KV_ZSET };

struct kv_str {
    size_t len;
    char data[];
};

struct kv_list { // a ring of strings
    struct kv_str **items;
    size_t head, len, cap;
};

struct kv_zent {
    uint64_t score; // IEEE 754 bits
    struct kv_str *member;
};

struct kv_zset { // member -> score, and the members in (score, member) order
    struct kv_dict *dict;
    struct kv_zent *v;
    size_t len, cap;
};

struct kv_obj {
    enum kv_type type;
    union {
        struct kv_str *str;
        struct kv_list *list;
        struct kv_dict *dict; // set (no values) or hash (values: struct kv_str)
        struct kv_zset *zset;
    };
};

struct kv_str *kv_str_new(struct kv_mem *m, const void *p, size_t n);
struct kv_obj *kv_obj_new(struct kv_mem *m, enum kv_type type);
void kv_obj_free(struct kv_mem *m, struct kv_obj *o);
const char *kv_type_name(enum kv_type t);

struct kv_str *kv_list_at(const struct kv_list *l, size_t i);
void kv_list_push(struct kv_mem *m, struct kv_list *l, struct kv_str *s, bool left);
struct kv_str *kv_list_pop(struct kv_list *l, bool left);

// The index of member's entry in z->v ordered by (score, member), or where
// it would go; *found says whether it is there.
size_t kv_zset_search(const struct kv_zset *z, uint64_t score, const void *m, size_t n,
                      bool *found);
// Add member (absent) or move it to score; removal.
void kv_zset_set(struct kv_mem *mem, struct kv_zset *z, const void *m, size_t n, uint64_t score);
bool kv_zset_remove(struct kv_mem *mem, struct kv_zset *z, const void *m, size_t n);

// ---- db.c: the keyspace.

struct kv_db {
    struct kv_config cfg;
    struct kv_mem mem;
    struct kv_dict *keys;    // key -> struct kv_obj
    struct kv_dict *expires; // key -> deadline in ms (v.u)
    uint64_t dirty;          // changes since start
    uint64_t expire_cursor;  // where active expiry goes on
    uint64_t rng;
    uint64_t next_conn_id;
    uint64_t start_ms;
    bool replaying;
    struct kv_stats {
        uint64_t connections, commands, expired, hits, misses, errors, rejected;
    } stats;
};

// One command being run: decode what it needs from argv, then change.
struct kv_ctx {
    struct kv_db *db;
    struct kv_conn *conn; // NULL during replay
    struct kv_buf *out;
    int argc;
    const char *const *argv;
    const size_t *lens;
    uint64_t now;    // the command's time, read once
    bool close;      // QUIT
    bool failed;     // the reply was an error
    bool propagated; // the command reported its own replayable form
};

struct kv_conn {
    struct kv_db *db;
    struct kv_buf out;
    struct kv_parser {
        char *in;           // bytes of the request in progress and after
        size_t len, cap;    // bytes in in, its size
        size_t start;       // the request in progress starts here
        size_t pos;         // parsed up to here
        int64_t args_left;  // multibulk arguments still to come; -1: between requests
        int64_t bulk;       // length of the bulk awaited; -1: its '$' line
        size_t *off, *lens; // its arguments so far: offsets into in, lengths
        const char **argv;
        int argc, argv_cap;
    } p;
    char *name;
    size_t name_len;
    uint64_t id;
    bool closing;
};

uint64_t kv_now(const struct kv_db *db);
// The live value of key (NULL: none); a key found due is deleted first and
// reported as DEL (not while replaying: the log decides).
struct kv_obj *kv_lookup(struct kv_ctx *x, const char *k, size_t n);
// Store o under k, replacing (and freeing) any value; keep_ttl false drops
// the deadline.
void kv_db_store(struct kv_ctx *x, const char *k, size_t n, struct kv_obj *o, bool keep_ttl);
bool kv_db_delete(struct kv_db *db, const char *k, size_t n);
// Deadlines: -1 none.
int64_t kv_get_expire(const struct kv_db *db, const char *k, size_t n);
void kv_set_expire(struct kv_db *db, const char *k, size_t n, int64_t when);
bool kv_remove_expire(struct kv_db *db, const char *k, size_t n);
void kv_db_flush(struct kv_db *db);
// Report a command to on_write (not while replaying).
void kv_emit(struct kv_db *db, int argc, const char *const *argv, const size_t *lens);
// Report the running command's replayable form instead of its argv.
void kv_propagate(struct kv_ctx *x, int argc, const char *const *argv, const size_t *lens);

// ---- cmd.c: the command table and dispatch.

#define KV_CMD_WRITE   1u // may change the dataset
#define KV_CMD_DENYOOM 2u // may grow it: refused past maxmemory

struct kv_cmd {
    const char *name;
    int arity; // n: exactly n arguments with the name; -n: at least n
    unsigned flags;
    void (*run)(struct kv_ctx *x);
};

extern const struct kv_cmd kv_cmds[];
extern const size_t kv_ncmds;

// Run argv as one command, replying into x->out.
void kv_exec(struct kv_ctx *x);

// Replies that also mark the command failed.
void kv_err(struct kv_ctx *x, const char *msg);
void kv_errf(struct kv_ctx *x, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
void kv_wrongtype(struct kv_ctx *x);
void kv_syntax_error(struct kv_ctx *x);
void kv_not_int(struct kv_ctx *x);
void kv_reply_str(struct kv_buf *b, const struct kv_str *s);
void kv_reply_double(struct kv_buf *b, uint64_t bits);
// argv[i] is the word w (case-insensitively).
bool kv_arg_is(const struct kv_ctx *x, int i, const char *w);
// argv[i] as an integer, or reply "not an integer" and return false.
bool kv_arg_i64(struct kv_ctx *x, int i, int64_t *v);

// The value under argv[i] if it has type t (else a WRONGTYPE reply and
// *wrong), NULL when there is none.
struct kv_obj *kv_lookup_type(struct kv_ctx *x, int i, enum kv_type t, bool *wrong);
// The same, creating an empty value when there is none; NULL only for WRONGTYPE.
struct kv_obj *kv_lookup_create(struct kv_ctx *x, int i, enum kv_type t);
// Delete the key argv[i] when its value has no elements left.
void kv_delete_if_empty(struct kv_ctx *x, int i, size_t len);
// A count argument (LPOP, SPOP, ZPOPMIN): an integer >= 0, or Redis's error.
bool kv_arg_count(struct kv_ctx *x, int i, int64_t *count);

// SMEMBERS and HGETALL: the members (and values) of argv[key] of type t.
void kv_reply_members(struct kv_ctx *x, int key, enum kv_type t);
// Redis's index ranges (LRANGE, ZRANGE): negative from the end, clamped;
// *start > *end when empty.
void kv_clamp_range(int64_t len, int64_t *start, int64_t *end);

// The command handlers, by type (t_*.c).
#define KV_HANDLER(name) void kv_cmd_##name(struct kv_ctx *x)
KV_HANDLER(ping);
KV_HANDLER(echo);
KV_HANDLER(quit);
KV_HANDLER(select);
KV_HANDLER(dbsize);
KV_HANDLER(flushdb);
KV_HANDLER(config);
KV_HANDLER(client);
KV_HANDLER(command);
KV_HANDLER(info);
KV_HANDLER(set);
KV_HANDLER(get);
KV_HANDLER(getset);
KV_HANDLER(incr);
KV_HANDLER(incrby);
KV_HANDLER(decr);
KV_HANDLER(decrby);
KV_HANDLER(append);
KV_HANDLER(strlen);
KV_HANDLER(mget);
KV_HANDLER(mset);
KV_HANDLER(del);
KV_HANDLER(exists);
KV_HANDLER(expire);
KV_HANDLER(pexpire);
KV_HANDLER(expireat);
KV_HANDLER(pexpireat);
KV_HANDLER(ttl);
KV_HANDLER(pttl);
KV_HANDLER(persist);
KV_HANDLER(keys);
KV_HANDLER(scan);
KV_HANDLER(type);
KV_HANDLER(lpush);
KV_HANDLER(rpush);
KV_HANDLER(lpop);
KV_HANDLER(rpop);
KV_HANDLER(llen);
KV_HANDLER(lrange);
KV_HANDLER(lindex);
KV_HANDLER(sadd);
KV_HANDLER(srem);
KV_HANDLER(smembers);
KV_HANDLER(sismember);
KV_HANDLER(scard);
KV_HANDLER(spop);
KV_HANDLER(hset);
KV_HANDLER(hget);
KV_HANDLER(hgetall);
KV_HANDLER(hdel);
KV_HANDLER(hlen);
KV_HANDLER(zadd);
KV_HANDLER(zrange);
KV_HANDLER(zscore);
KV_HANDLER(zcard);
KV_HANDLER(zrem);
KV_HANDLER(zpopmin);
