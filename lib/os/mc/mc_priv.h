/* lib/os/mc/mc_priv.h: the memcached engine's items, cache and connection, shared by its files. */
#pragma once

#include <os/mc.h>

// An item: key then value then "\r\n" in data[], so a get copies the value
// and its terminator in one piece, and a set reads both straight into it.
struct mc_item {
    struct mc_item *hnext; // hash chain
    struct mc_item *newer; // LRU: toward the head (most recent)
    struct mc_item *older; // LRU: toward the tail (next to evict)
    uint64_t cas;          // unique per change
    int64_t exptime;       // Unix time it expires at; 0 never
    int64_t atime;         // last stored or fetched
    uint32_t flags;        // the client's opaque flags
    uint32_t nbytes;       // value bytes, without the "\r\n"
    uint32_t hash;         // of the key
    uint8_t nkey;          // key bytes
    bool fetched;          // read since stored (for the *_unfetched stats)
    char data[];           // nkey key bytes, nbytes value bytes, "\r\n"
};

static inline char *item_key(struct mc_item *it) { return it->data; }
static inline char *item_value(struct mc_item *it) { return it->data + it->nkey; }

// What a store command asks.
enum mc_store_cmd { MC_SET, MC_ADD, MC_REPLACE, MC_APPEND, MC_PREPEND, MC_CAS };

// Its outcome: each is one reply line.
enum mc_store_result {
    MC_STORED,
    MC_NOT_STORED,
    MC_EXISTS,
    MC_NOT_FOUND,
    MC_TOO_LARGE,
    MC_NO_MEMORY,
};

struct mc_cache {
    struct mc_config cfg;
    struct mc_item **table; // hash buckets, a power of two of them
    uint32_t hash_power;
    struct mc_item *lru_head, *lru_tail;
    uint64_t last_cas;
    int64_t now;      // the clock, read at the start of each command
    int64_t started;  // the clock at mc_cache_new
    int64_t flush_at; // a delayed flush_all's deadline; 0 none
    uint32_t verbosity;
    struct mc_stats stats;
};

// A growable byte buffer; bytes before off were consumed.
struct mc_buf {
    char *data;
    size_t off, len, cap;
};

enum mc_conn_state { MC_READ_LINE, MC_READ_DATA, MC_SWALLOW };

struct mc_conn {
    struct mc_cache *cache;
    enum mc_conn_state state;
    bool closing;       // quit, line too long, or out of memory
    bool broken;        // the output lost bytes: the connection must close
    bool noreply;       // of the command being answered
    bool counted;       // in curr_connections (the UDP connection is not)
    struct mc_buf line; // a command line that came in pieces
    struct mc_buf out;  // replies
    // MC_READ_DATA: the item whose value (and "\r\n") is arriving.
    struct mc_item *pending;
    size_t pending_got;
    enum mc_store_cmd pending_cmd;
    uint64_t pending_cas;
    // MC_SWALLOW: bytes of a refused data block still to skip.
    uint64_t swallow;
};

// cache.c: the items.

// Read the clock and run a delayed flush_all whose time has come: at the
// start of every command.
void mc_cache_tick(struct mc_cache *c);

// The absolute expiry of a protocol exptime at the current time: 0 never,
// relative up to 30 days, else Unix time; negative: already expired.
int64_t mc_exptime(const struct mc_cache *c, int64_t exptime);

// The live item under key, or NULL (an expired one is removed; *expired
// says so when not NULL).
struct mc_item *mc_item_get(struct mc_cache *c, const char *key, size_t nkey, bool *expired);

// Seconds since the item was last stored or fetched.
uint64_t mc_age(const struct mc_cache *c, const struct mc_item *it);

// Count a fetch: the item becomes the most recently used.
void mc_item_bump(struct mc_cache *c, struct mc_item *it);

// Whether an item of this key and value size may be stored at all:
// MC_TOO_LARGE over item_size_max, MC_NO_MEMORY over the memory limit (or
// over what is free with no_evict), else MC_STORED.
enum mc_store_result mc_item_fits(struct mc_cache *c, size_t nkey, uint64_t nbytes);

// A new unlinked item with room for nbytes of value and "\r\n", or NULL.
struct mc_item *mc_item_alloc(const char *key, size_t nkey, uint32_t flags, int64_t exptime,
                              uint32_t nbytes);

// Store it (whose value is complete) as cmd asks, taking it over in every
// case; cas is the unique a cas command names.
enum mc_store_result mc_item_store(struct mc_cache *c, struct mc_item *it, enum mc_store_cmd cmd,
                                   uint64_t cas);

// Remove and free a linked item.
void mc_item_unlink(struct mc_cache *c, struct mc_item *it);

// Replace a linked item's value with a number's digits (incr/decr): in
// place when the length is the same. False when there is no memory.
bool mc_item_set_number(struct mc_cache *c, struct mc_item *it, const char *digits, size_t n);

// Remove every item (flush_all now), or only mark a deadline (delayed).
void mc_cache_flush(struct mc_cache *c, int64_t deadline);

// stats.c: "stats" and its sub-commands, the reply appended to conn's
// output. False: an unknown sub-command.
bool mc_stats_reply(struct mc_conn *conn, const char *sub, size_t nsub);

// buf.c: replies.

// Append n bytes / a string / a reply line (s and "\r\n") to the output,
// unless the command said noreply. On no memory the connection is broken.
void mc_out(struct mc_conn *conn, const void *p, size_t n);
void mc_out_str(struct mc_conn *conn, const char *s);
void mc_out_line(struct mc_conn *conn, const char *s);
// Append "STAT <name> <value>\r\n".
void mc_out_stat(struct mc_conn *conn, const char *name, const char *value);
void mc_out_stat_u64(struct mc_conn *conn, const char *name, uint64_t value);

// Append n bytes to a buffer, growing it. False on no memory.
bool mc_buf_put(struct mc_buf *b, const void *p, size_t n);
void mc_buf_free(struct mc_buf *b);

// The decimal digits of v into buf (at least 21 bytes), NUL-terminated;
// returns their count.
size_t mc_u64_str(char *buf, uint64_t v);

// The connection used for UDP requests (not counted as a connection).
MUST_CHECK errval_t mc_conn_init(struct mc_conn *conn, struct mc_cache *cache);
void mc_conn_fini(struct mc_conn *conn);
