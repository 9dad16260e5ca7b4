/* lib/os/kv/info.c: INFO: the server, memory, persistence, stats and keyspace sections. */
#include "kv_impl.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct text {
    char buf[2048];
    size_t len;
};

static void line(struct text *t, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
static void line(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof(t->buf) - t->len)
        t->len += (size_t)n;
}

// Redis's "human" sizes: 1023B, 1.50K, 2.00M... with integer arithmetic
// (no floating point in Sietch user code).
static void human(char *buf, size_t size, uint64_t v)
{
    static const char units[] = "KMGT";
    if (v < 1024) {
        snprintf(buf, size, "%lluB", (unsigned long long)v);
        return;
    }
    uint64_t div = 1024;
    int u = 0;
    while (u < 3 && v >= div * 1024) {
        div *= 1024;
        u++;
    }
    uint64_t hundredths = (v * 100 + div / 2) / div;
    snprintf(buf, size, "%llu.%02llu%c", (unsigned long long)(hundredths / 100),
             (unsigned long long)(hundredths % 100), units[u]);
}

static void section_server(struct text *t, const struct kv_db *db, uint64_t now)
{
    line(t, "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nos:Sietch\r\n"
            "arch_bits:64\r\nmultiplexing_api:sietch\r\n");
    line(t, "uptime_in_seconds:%llu\r\n", (unsigned long long)((now - db->start_ms) / 1000));
}

static void section_memory(struct text *t, const struct kv_db *db)
{
    char h[32], mh[32];
    human(h, sizeof(h), db->mem.used);
    human(mh, sizeof(mh), db->cfg.maxmemory);
    line(t, "# Memory\r\nused_memory:%llu\r\nused_memory_human:%s\r\n",
         (unsigned long long)db->mem.used, h);
    line(t, "maxmemory:%llu\r\nmaxmemory_human:%s\r\nmaxmemory_policy:noeviction\r\n",
         (unsigned long long)db->cfg.maxmemory, mh);
}

static void section_persistence(struct text *t, const struct kv_db *db)
{
    line(t, "# Persistence\r\nloading:%d\r\nrdb_changes_since_last_save:%llu\r\naof_enabled:%d\r\n",
         db->replaying, (unsigned long long)db->dirty, db->cfg.appendonly);
}

static void section_stats(struct text *t, const struct kv_db *db)
{
    line(t, "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n",
         (unsigned long long)db->stats.connections, (unsigned long long)db->stats.commands);
    line(t, "expired_keys:%llu\r\nevicted_keys:0\r\nkeyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n",
         (unsigned long long)db->stats.expired, (unsigned long long)db->stats.hits,
         (unsigned long long)db->stats.misses);
    line(t, "rejected_connections:%llu\r\ntotal_error_replies:%llu\r\n",
         (unsigned long long)db->stats.rejected, (unsigned long long)db->stats.errors);
}

// Redis lists only databases that hold keys.
static void section_keyspace(struct text *t, const struct kv_db *db)
{
    line(t, "# Keyspace\r\n");
    if (db->keys->count)
        line(t, "db0:keys=%llu,expires=%llu,avg_ttl=0\r\n", (unsigned long long)db->keys->count,
             (unsigned long long)db->expires->count);
}

static bool wanted(const struct kv_ctx *x, const char *section)
{
    if (x->argc == 1)
        return true;
    for (int i = 1; i < x->argc; i++)
        if (kv_arg_is(x, i, section) || kv_arg_is(x, i, "all") || kv_arg_is(x, i, "default") ||
            kv_arg_is(x, i, "everything"))
            return true;
    return false;
}

// Start a section: after another one, an empty line first, as Redis writes them.
static bool begin(struct text *t, const struct kv_ctx *x, const char *section)
{
    if (!wanted(x, section))
        return false;
    if (t->len)
        line(t, "\r\n");
    return true;
}

KV_HANDLER(info)
{
    struct text t = {.len = 0};
    if (begin(&t, x, "server"))
        section_server(&t, x->db, x->now);
    if (begin(&t, x, "memory"))
        section_memory(&t, x->db);
    if (begin(&t, x, "persistence"))
        section_persistence(&t, x->db);
    if (begin(&t, x, "stats"))
        section_stats(&t, x->db);
    if (begin(&t, x, "keyspace"))
        section_keyspace(&t, x->db);
    kv_reply_bulk(x->out, t.buf, t.len);
}
