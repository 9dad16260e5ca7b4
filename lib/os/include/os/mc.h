/*
 * lib/os/include/os/mc.h: the protocol-and-cache engine of a
 * memcached-compatible server, without sockets: the text protocol fed in
 * arbitrary chunks per connection, the item cache (hash table, LRU, memory
 * limit, expiry, CAS) and memcached's UDP frame. The server program owns the
 * sockets and the clock; it feeds what a connection reads to mc_conn_feed
 * and writes out what mc_conn_output holds.
 *
 * Behaviour follows memcached's doc/protocol.txt and its documented
 * replies; the differences are listed in docs/memcached.md.
 *
 * One cache and its connections are used by one thread at a time: nothing
 * here locks.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_KEY_MAX       250        // bytes in a key (protocol.txt "Keys")
#define MC_LINE_MAX      2048       // longer command lines (multigets aside) close
#define MC_UDP_HEADER    8          // memcached's UDP frame header
#define MC_UDP_DATAGRAM  1400       // the largest reply datagram, header included
#define MC_VERSION       "1.6.21"   // what "version" answers unless configured
#define MC_RELATIVE_MAX  2592000    // exptimes up to 30 days are relative to now
#define MC_ITEM_SIZE_MAX (1u << 30) // the largest item_size_max

// The server's clock: Unix time in seconds. The cache reads it once per
// command, so a test's fake clock decides every expiry.
typedef uint64_t mc_clock_fn(void *arg);

struct mc_config {
    size_t max_bytes;     // -m: the items' memory limit (key, value, overhead)
    size_t item_size_max; // -I: the largest item, overhead included
    size_t get_line_max;  // the longest get/gets/gat/gats line (multigets)
    bool no_evict;        // -M: refuse stores instead of evicting valid items
    mc_clock_fn *clock;   // required
    void *clock_arg;
    const char *version; // "version" and "stats" report it
    // Reported by "stats" and "stats settings" only.
    uint32_t pid, max_conns, threads;
    uint16_t tcp_port, udp_port;
};

// Counters, named after the fields of memcached's "stats" that they feed.
struct mc_stats {
    uint64_t curr_connections, total_connections; // mc_conn_new / mc_conn_free
    uint64_t rejected_connections;                // turned away at max_conns (by the server)
    uint64_t cmd_get, cmd_set, cmd_flush, cmd_touch;
    uint64_t get_hits, get_misses, get_expired;
    uint64_t delete_hits, delete_misses, incr_hits, incr_misses, decr_hits, decr_misses;
    uint64_t cas_hits, cas_misses, cas_badval, touch_hits, touch_misses;
    // bytes_read: command lines (each once whole, before it runs) and data
    // blocks taken in, so that it is the same for every split of the input;
    // bytes_written: output consumed or emitted.
    uint64_t bytes_read, bytes_written;
    uint64_t curr_items, total_items, bytes;
    uint64_t evictions, evicted_nonzero, evicted_unfetched, reclaimed, expired_unfetched;
    uint64_t evicted_time; // seconds since the last access of the newest evicted item
    uint64_t outofmemory;  // stores refused for want of memory
    uint64_t udp_dropped;  // request datagrams dropped (short, or multi-datagram)
};

struct mc_cache;
struct mc_conn;

// Defaults as memcached's: 64 MB, 1 MB items, evictions on, version
// MC_VERSION, ports 11211; get_line_max 64 KB. The clock is left NULL.
void mc_config_init(struct mc_config *cfg);

// A new empty cache with a copy of cfg (cfg->version must outlive it).
// SYS_ERR_INVALID_ARGS: no clock, no max_bytes, item_size_max under 1024
// or over MC_ITEM_SIZE_MAX, or get_line_max under MC_LINE_MAX. SYS_ERR_NO_MEMORY. An item_size_max
// above max_bytes is allowed: items between the two are refused with
// "SERVER_ERROR out of memory storing object", as they can never fit.
MUST_CHECK errval_t mc_cache_new(const struct mc_config *cfg, struct mc_cache **out);

// Free the cache and its items. Its connections must be freed before.
void mc_cache_free(struct mc_cache *cache);

// The cache's counters, for the server to read (and to add its own, such
// as bytes it wrote without going through mc_conn_consume).
struct mc_stats *mc_cache_stats(struct mc_cache *cache);

// The bytes an item of this key and value counts against max_bytes and
// item_size_max: key, value, its "\r\n" and the item's header.
size_t mc_item_size(size_t nkey, size_t nbytes);

// A connection's protocol state and output buffer; counts in
// curr_connections and total_connections. SYS_ERR_NO_MEMORY.
MUST_CHECK errval_t mc_conn_new(struct mc_cache *cache, struct mc_conn **out);

// Free the connection, with any half-received item and unsent output.
void mc_conn_free(struct mc_conn *conn);

// Take len more bytes the client sent, in any split: commands may be
// pipelined and cut anywhere, and the replies are the same for every
// split. Replies are appended to the connection's output. True when the
// connection is to be closed once the output is written (quit, a command
// line over its limit, or no memory for the output); after that the
// connection ignores further input and keeps returning true.
bool mc_conn_feed(struct mc_conn *conn, const void *bytes, size_t len);

// The replies not yet consumed: *len bytes at the result.
const void *mc_conn_output(const struct mc_conn *conn, size_t *len);

// The first n bytes of the output were sent: drop them (n at most the
// length mc_conn_output gave). Counts bytes_written.
void mc_conn_consume(struct mc_conn *conn, size_t n);

// memcached's UDP frame header (protocol.txt "UDP protocol"), all four
// fields big-endian 16-bit on the wire.
struct mc_udp_header {
    uint16_t request_id;
    uint16_t seq;   // 0 .. total - 1
    uint16_t total; // datagrams in the message
    uint16_t reserved;
};

// Decode the header at the start of a datagram. SYS_ERR_CORRUPT when it
// is shorter than MC_UDP_HEADER.
MUST_CHECK errval_t mc_udp_header_parse(const void *dgram, size_t len, struct mc_udp_header *h);

// Encode h into the first MC_UDP_HEADER bytes of buf.
void mc_udp_header_write(void *buf, const struct mc_udp_header *h);

// Called once per reply datagram, in sequence order; the datagram is only
// valid during the call.
typedef void mc_udp_emit_fn(void *arg, const void *dgram, size_t len);

// Serve one request datagram: run the commands in its payload (anything
// left incomplete at its end is dropped, as is a quit) and emit the
// replies split into datagrams of at most MC_UDP_DATAGRAM bytes, each with
// the request's id, its sequence number and the total. Nothing is emitted
// for an empty reply (noreply). A request of more than one datagram is
// dropped: SYS_ERR_UNSUPPORTED; a datagram shorter than the header:
// SYS_ERR_CORRUPT; both count in udp_dropped. SYS_ERR_NO_MEMORY; or
// SYS_ERR_OVERFLOW when the reply needs more than 65535 datagrams (none
// is emitted).
MUST_CHECK errval_t mc_udp_request(struct mc_cache *cache, const void *dgram, size_t len,
                                   mc_udp_emit_fn *emit, void *arg);

// Split a reply of len bytes into datagrams for request_id, calling emit
// for each (the part of mc_udp_request after the commands ran).
// SYS_ERR_OVERFLOW when it needs more than 65535 datagrams.
MUST_CHECK errval_t mc_udp_split(uint16_t request_id, const void *reply, size_t len,
                                 mc_udp_emit_fn *emit, void *arg);
