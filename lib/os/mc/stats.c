/* lib/os/mc/stats.c: memcached's "stats", "stats items", "stats slabs", "stats settings", "stats
 * reset". */
#include "mc_priv.h"
#include <stddef.h>
#include <string.h>

struct counter {
    const char *name;
    size_t off; // in struct mc_stats
};

#define C(field)                                                                                   \
    {                                                                                              \
#field, offsetof(struct mc_stats, field)                                                   \
    }

// In the order memcached prints them.
static const struct counter commands[] = {
    C(cmd_get),    C(cmd_set),     C(cmd_flush),     C(cmd_touch),   C(get_hits),
    C(get_misses), C(get_expired), C(delete_misses), C(delete_hits), C(incr_misses),
    C(incr_hits),  C(decr_misses), C(decr_hits),     C(cas_misses),  C(cas_hits),
    C(cas_badval), C(touch_hits),  C(touch_misses),
};

static const struct counter items[] = {
    C(bytes),     C(curr_items), C(total_items), C(expired_unfetched), C(evicted_unfetched),
    C(evictions), C(reclaimed),
};

static uint64_t value(const struct mc_cache *c, const struct counter *k)
{
    return *(const uint64_t *)((const char *)&c->stats + k->off);
}

static void out_counters(struct mc_conn *conn, const struct counter *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mc_out_stat_u64(conn, k[i].name, value(conn->cache, &k[i]));
}

// prefix then name into buf (large enough for both and a NUL).
static const char *prefixed(char *buf, const char *prefix, const char *name)
{
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    memcpy(buf + n, name, strlen(name) + 1);
    return buf;
}

static uint64_t uptime(const struct mc_cache *c)
{
    return c->now > c->started ? (uint64_t)(c->now - c->started) : 0;
}

static void stats_general(struct mc_conn *conn)
{
    struct mc_cache *c = conn->cache;
    const struct mc_stats *s = &c->stats;
    mc_out_stat_u64(conn, "pid", c->cfg.pid);
    mc_out_stat_u64(conn, "uptime", uptime(c));
    mc_out_stat_u64(conn, "time", (uint64_t)c->now);
    mc_out_stat(conn, "version", c->cfg.version);
    mc_out_stat_u64(conn, "pointer_size", sizeof(void *) * 8);
    mc_out_stat(conn, "rusage_user", "0.000000");
    mc_out_stat(conn, "rusage_system", "0.000000");
    mc_out_stat_u64(conn, "max_connections", c->cfg.max_conns);
    mc_out_stat_u64(conn, "curr_connections", s->curr_connections);
    mc_out_stat_u64(conn, "total_connections", s->total_connections);
    mc_out_stat_u64(conn, "rejected_connections", s->rejected_connections);
    mc_out_stat_u64(conn, "connection_structures", s->curr_connections);
    out_counters(conn, commands, sizeof(commands) / sizeof(commands[0]));
    mc_out_stat_u64(conn, "auth_cmds", 0);
    mc_out_stat_u64(conn, "auth_errors", 0);
    mc_out_stat_u64(conn, "bytes_read", s->bytes_read);
    mc_out_stat_u64(conn, "bytes_written", s->bytes_written);
    mc_out_stat_u64(conn, "limit_maxbytes", c->cfg.max_bytes);
    mc_out_stat_u64(conn, "accepting_conns", 1);
    mc_out_stat_u64(conn, "threads", c->cfg.threads);
    mc_out_stat_u64(conn, "conn_yields", 0);
    mc_out_stat_u64(conn, "hash_power_level", c->hash_power);
    mc_out_stat_u64(conn, "hash_bytes", ((uint64_t)1 << c->hash_power) * sizeof(void *));
    mc_out_stat_u64(conn, "hash_is_expanding", 0);
    out_counters(conn, items, sizeof(items) / sizeof(items[0]));
}

// One LRU, reported as memcached's slab class 1 (none when empty, as
// memcached shows only classes that hold items).
static void stats_items(struct mc_conn *conn)
{
    struct mc_cache *c = conn->cache;
    const struct mc_stats *s = &c->stats;
    if (!c->lru_tail)
        return;
    const struct {
        const char *name;
        uint64_t v;
    } f[] = {
        {"number", s->curr_items},
        {"number_hot", 0},
        {"number_warm", 0},
        {"number_cold", s->curr_items},
        {"age_hot", 0},
        {"age_warm", 0},
        {"age", mc_age(c, c->lru_tail)},
        {"mem_requested", s->bytes},
        {"evicted", s->evictions},
        {"evicted_nonzero", s->evicted_nonzero},
        {"evicted_time", s->evicted_time},
        {"outofmemory", s->outofmemory},
        {"tailrepairs", 0},
        {"reclaimed", s->reclaimed},
        {"expired_unfetched", s->expired_unfetched},
        {"evicted_unfetched", s->evicted_unfetched},
        {"evicted_active", 0},
        {"crawler_reclaimed", 0},
        {"crawler_items_checked", 0},
        {"lrutail_reflocked", 0},
    };
    char name[48];
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        mc_out_stat_u64(conn, prefixed(name, "items:1:", f[i].name), f[i].v);
    }
}

// Items are malloc'd one by one: class 1 stands for all of them, its
// "chunk" the average item.
static void stats_slabs(struct mc_conn *conn)
{
    struct mc_cache *c = conn->cache;
    const struct mc_stats *s = &c->stats;
    if (s->curr_items) {
        const struct {
            const char *name;
            uint64_t v;
        } f[] = {
            {"chunk_size", s->bytes / s->curr_items},
            {"chunks_per_page", 1},
            {"total_pages", s->curr_items},
            {"total_chunks", s->curr_items},
            {"used_chunks", s->curr_items},
            {"free_chunks", 0},
            {"free_chunks_end", 0},
            {"get_hits", s->get_hits},
            {"cmd_set", s->cmd_set},
            {"delete_hits", s->delete_hits},
            {"incr_hits", s->incr_hits},
            {"decr_hits", s->decr_hits},
            {"cas_hits", s->cas_hits},
            {"cas_badval", s->cas_badval},
            {"touch_hits", s->touch_hits},
        };
        char name[40];
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
            mc_out_stat_u64(conn, prefixed(name, "1:", f[i].name), f[i].v);
        }
    }
    mc_out_stat_u64(conn, "active_slabs", s->curr_items ? 1 : 0);
    mc_out_stat_u64(conn, "total_malloced", s->bytes);
}

static void stats_settings(struct mc_conn *conn)
{
    const struct mc_cache *c = conn->cache;
    const struct mc_config *cfg = &c->cfg;
    mc_out_stat_u64(conn, "maxbytes", cfg->max_bytes);
    mc_out_stat_u64(conn, "maxconns", cfg->max_conns);
    mc_out_stat_u64(conn, "tcpport", cfg->tcp_port);
    mc_out_stat_u64(conn, "udpport", cfg->udp_port);
    mc_out_stat(conn, "inter", "NULL");
    mc_out_stat_u64(conn, "verbosity", c->verbosity);
    mc_out_stat_u64(conn, "oldest", 0);
    mc_out_stat(conn, "evictions", cfg->no_evict ? "off" : "on");
    mc_out_stat(conn, "domain_socket", "NULL");
    mc_out_stat(conn, "umask", "700");
    mc_out_stat(conn, "growth_factor", "1.25");
    mc_out_stat_u64(conn, "chunk_size", 48);
    mc_out_stat_u64(conn, "num_threads", cfg->threads);
    mc_out_stat(conn, "stat_key_prefix", ":");
    mc_out_stat(conn, "detail_enabled", "no");
    mc_out_stat_u64(conn, "reqs_per_event", 20);
    mc_out_stat(conn, "cas_enabled", "yes");
    mc_out_stat_u64(conn, "tcp_backlog", 1024);
    mc_out_stat(conn, "binding_protocol", "ascii");
    mc_out_stat(conn, "auth_enabled_sasl", "no");
    mc_out_stat_u64(conn, "item_size_max", cfg->item_size_max);
    mc_out_stat(conn, "maxconns_fast", "yes");
    mc_out_stat_u64(conn, "hashpower_init", 0);
    mc_out_stat(conn, "slab_reassign", "no");
    mc_out_stat_u64(conn, "slab_automove", 0);
    mc_out_stat(conn, "lru_crawler", "no");
    mc_out_stat(conn, "hash_algorithm", "fnv1a_32");
    mc_out_stat_u64(conn, "idle_time", 0);
}

// Zero the counters; gauges (connections and items now held) stay.
static void stats_reset(struct mc_cache *c)
{
    struct mc_stats *s = &c->stats, keep = *s;
    memset(s, 0, sizeof(*s));
    s->curr_connections = keep.curr_connections;
    s->curr_items = keep.curr_items;
    s->bytes = keep.bytes;
}

static bool sub_is(const char *sub, size_t n, const char *name)
{
    return n == strlen(name) && !memcmp(sub, name, n);
}

bool mc_stats_reply(struct mc_conn *conn, const char *sub, size_t nsub)
{
    if (!sub)
        stats_general(conn);
    else if (sub_is(sub, nsub, "items"))
        stats_items(conn);
    else if (sub_is(sub, nsub, "slabs"))
        stats_slabs(conn);
    else if (sub_is(sub, nsub, "settings"))
        stats_settings(conn);
    else if (sub_is(sub, nsub, "reset")) {
        stats_reset(conn->cache);
        mc_out_line(conn, "RESET");
        return true;
    } else
        return false;
    mc_out_line(conn, "END");
    return true;
}
