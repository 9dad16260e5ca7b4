/* lib/os/kv/cmd.c: the command table, dispatch (lookup, arity, maxmemory), and reply helpers. */
#include "kv_impl.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define W  KV_CMD_WRITE
#define WM (KV_CMD_WRITE | KV_CMD_DENYOOM)

// Arities and flags as Redis 7's command table has them.
const struct kv_cmd kv_cmds[] = {
    {"ping", -1, 0, kv_cmd_ping},
    {"echo", 2, 0, kv_cmd_echo},
    {"quit", -1, 0, kv_cmd_quit},
    {"select", 2, 0, kv_cmd_select},
    {"dbsize", 1, 0, kv_cmd_dbsize},
    {"flushdb", -1, W, kv_cmd_flushdb},
    {"flushall", -1, W, kv_cmd_flushdb},
    {"config", -2, 0, kv_cmd_config},
    {"client", -2, 0, kv_cmd_client},
    {"command", -1, 0, kv_cmd_command},
    {"info", -1, 0, kv_cmd_info},
    {"set", -3, WM, kv_cmd_set},
    {"get", 2, 0, kv_cmd_get},
    {"getset", 3, WM, kv_cmd_getset},
    {"incr", 2, WM, kv_cmd_incr},
    {"incrby", 3, WM, kv_cmd_incrby},
    {"decr", 2, WM, kv_cmd_decr},
    {"decrby", 3, WM, kv_cmd_decrby},
    {"append", 3, WM, kv_cmd_append},
    {"strlen", 2, 0, kv_cmd_strlen},
    {"mget", -2, 0, kv_cmd_mget},
    {"mset", -3, WM, kv_cmd_mset},
    {"del", -2, W, kv_cmd_del},
    {"exists", -2, 0, kv_cmd_exists},
    {"expire", -3, W, kv_cmd_expire},
    {"pexpire", -3, W, kv_cmd_pexpire},
    {"expireat", -3, W, kv_cmd_expireat},
    {"pexpireat", -3, W, kv_cmd_pexpireat},
    {"ttl", 2, 0, kv_cmd_ttl},
    {"pttl", 2, 0, kv_cmd_pttl},
    {"persist", 2, W, kv_cmd_persist},
    {"keys", 2, 0, kv_cmd_keys},
    {"scan", -2, 0, kv_cmd_scan},
    {"type", 2, 0, kv_cmd_type},
    {"lpush", -3, WM, kv_cmd_lpush},
    {"rpush", -3, WM, kv_cmd_rpush},
    {"lpop", -2, W, kv_cmd_lpop},
    {"rpop", -2, W, kv_cmd_rpop},
    {"llen", 2, 0, kv_cmd_llen},
    {"lrange", 4, 0, kv_cmd_lrange},
    {"lindex", 3, 0, kv_cmd_lindex},
    {"sadd", -3, WM, kv_cmd_sadd},
    {"srem", -3, W, kv_cmd_srem},
    {"smembers", 2, 0, kv_cmd_smembers},
    {"sismember", 3, 0, kv_cmd_sismember},
    {"scard", 2, 0, kv_cmd_scard},
    {"spop", -2, W, kv_cmd_spop},
    {"hset", -4, WM, kv_cmd_hset},
    {"hget", 3, 0, kv_cmd_hget},
    {"hgetall", 2, 0, kv_cmd_hgetall},
    {"hdel", -3, W, kv_cmd_hdel},
    {"hlen", 2, 0, kv_cmd_hlen},
    {"zadd", -4, WM, kv_cmd_zadd},
    {"zrange", -4, 0, kv_cmd_zrange},
    {"zscore", 3, 0, kv_cmd_zscore},
    {"zcard", 2, 0, kv_cmd_zcard},
    {"zrem", -3, W, kv_cmd_zrem},
    {"zpopmin", -2, W, kv_cmd_zpopmin},
};
const size_t kv_ncmds = sizeof(kv_cmds) / sizeof(kv_cmds[0]);

void kv_err(struct kv_ctx *x, const char *msg)
{
    kv_reply_error(x->out, msg);
    x->failed = true;
    x->db->stats.errors++;
}

void kv_errf(struct kv_ctx *x, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kv_err(x, msg);
}

void kv_wrongtype(struct kv_ctx *x)
{
    kv_err(x, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void kv_syntax_error(struct kv_ctx *x) { kv_err(x, "ERR syntax error"); }
void kv_not_int(struct kv_ctx *x) { kv_err(x, "ERR value is not an integer or out of range"); }

bool kv_arg_is(const struct kv_ctx *x, int i, const char *w)
{
    return x->lens[i] == strlen(w) && !strncasecmp(x->argv[i], w, x->lens[i]);
}

bool kv_arg_i64(struct kv_ctx *x, int i, int64_t *v)
{
    if (kv_parse_i64(x->argv[i], x->lens[i], v))
        return true;
    kv_not_int(x);
    return false;
}

static const struct kv_cmd *find_cmd(const char *name, size_t n)
{
    for (size_t i = 0; i < kv_ncmds; i++)
        if (strlen(kv_cmds[i].name) == n && !strncasecmp(kv_cmds[i].name, name, n))
            return &kv_cmds[i];
    return NULL;
}

// Up to max bytes of s, stopping at a NUL as Redis's "%.*s" of the argument does.
static int shown(const char *s, size_t n, size_t max)
{
    size_t len = 0;
    while (len < n && len < max && s[len] != '\0')
        len++;
    return (int)len;
}

// Redis 7: the name (128 bytes at most) and the first arguments, each
// quoted and followed by a space, until 128 bytes of them are written.
static void unknown_command(struct kv_ctx *x)
{
    char args[300];
    size_t used = 0;
    args[0] = '\0';
    for (int i = 1; i < x->argc && used < 128; i++) {
        int n = shown(x->argv[i], x->lens[i], 128 - used);
        used += (size_t)snprintf(args + used, sizeof(args) - used, "'%.*s' ", n, x->argv[i]);
    }
    kv_errf(x, "ERR unknown command '%.*s', with args beginning with: %s",
            shown(x->argv[0], x->lens[0], 128), x->argv[0], args);
}

static bool over_maxmemory(const struct kv_db *db)
{
    return !db->replaying && db->cfg.maxmemory && db->mem.used > db->cfg.maxmemory;
}

void kv_exec(struct kv_ctx *x)
{
    struct kv_db *db = x->db;
    db->stats.commands++;
    x->now = kv_now(db);
    const struct kv_cmd *cmd = find_cmd(x->argv[0], x->lens[0]);
    if (cmd == NULL)
        return unknown_command(x);
    if ((cmd->arity > 0 && x->argc != cmd->arity) || x->argc < -cmd->arity)
        return kv_errf(x, "ERR wrong number of arguments for '%s' command", cmd->name);
    if ((cmd->flags & KV_CMD_DENYOOM) && over_maxmemory(db))
        return kv_err(x, "OOM command not allowed when used memory > 'maxmemory'.");
    uint64_t dirty = db->dirty;
    cmd->run(x);
    if (db->dirty != dirty && !x->propagated)
        kv_emit(db, x->argc, x->argv, x->lens);
}

struct kv_obj *kv_lookup_type(struct kv_ctx *x, int i, enum kv_type t, bool *wrong)
{
    struct kv_obj *o = kv_lookup(x, x->argv[i], x->lens[i]);
    *wrong = o && o->type != t;
    if (*wrong)
        kv_wrongtype(x);
    return *wrong ? NULL : o;
}

struct kv_obj *kv_lookup_create(struct kv_ctx *x, int i, enum kv_type t)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, i, t, &wrong);
    if (o == NULL && !wrong) {
        o = kv_obj_new(&x->db->mem, t);
        kv_db_store(x, x->argv[i], x->lens[i], o, false);
    }
    return o;
}

void kv_delete_if_empty(struct kv_ctx *x, int i, size_t len)
{
    if (len == 0)
        kv_db_delete(x->db, x->argv[i], x->lens[i]);
}

bool kv_arg_count(struct kv_ctx *x, int i, int64_t *count)
{
    if (kv_parse_i64(x->argv[i], x->lens[i], count) && *count >= 0)
        return true;
    kv_err(x, "ERR value is out of range, must be positive");
    return false;
}
