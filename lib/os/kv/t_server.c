/* lib/os/kv/t_server.c: connection and server commands: PING, SELECT, CONFIG, CLIENT, COMMAND,
 * INFO... */
#include "kv_impl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

KV_HANDLER(ping)
{
    if (x->argc > 2)
        return kv_err(x, "ERR wrong number of arguments for 'ping' command");
    if (x->argc == 1)
        return kv_reply_simple(x->out, "PONG");
    kv_reply_bulk(x->out, x->argv[1], x->lens[1]);
}

KV_HANDLER(echo) { kv_reply_bulk(x->out, x->argv[1], x->lens[1]); }

KV_HANDLER(quit)
{
    kv_reply_simple(x->out, "OK");
    x->close = true;
}

// Only database 0 exists (the "databases 1" of Redis's configuration).
KV_HANDLER(select)
{
    int64_t id;
    if (!kv_arg_i64(x, 1, &id))
        return;
    if (id < INT32_MIN || id > INT32_MAX)
        return kv_not_int(x);
    if (id != 0)
        return kv_err(x, "ERR DB index is out of range");
    kv_reply_simple(x->out, "OK");
}

KV_HANDLER(dbsize) { kv_reply_int(x->out, (int64_t)x->db->keys->count); }

KV_HANDLER(flushdb)
{
    if (x->argc > 2 || (x->argc == 2 && !kv_arg_is(x, 1, "sync") && !kv_arg_is(x, 1, "async")))
        return kv_syntax_error(x);
    kv_db_flush(x->db);
    x->db->dirty++;
    kv_reply_simple(x->out, "OK");
}

static void unknown_subcommand(struct kv_ctx *x, const char *cmd)
{
    kv_errf(x, "ERR unknown subcommand '%.*s'. Try %s HELP.",
            (int)(x->lens[1] > 128 ? 128 : x->lens[1]), x->argv[1], cmd);
}

static void subcommand_arity(struct kv_ctx *x, const char *cmd, const char *sub)
{
    kv_errf(x, "ERR wrong number of arguments for '%s|%s' command", cmd, sub);
}

// The parameters CONFIG GET knows, with their values now.
static size_t config_value(const struct kv_db *db, size_t i, const char **name, char *buf)
{
    static const char *const names[] = {"save", "appendonly", "maxmemory", "databases",
                                        "maxmemory-policy"};
    if (i >= sizeof(names) / sizeof(names[0]))
        return SIZE_MAX;
    *name = names[i];
    switch (i) {
    case 0: buf[0] = '\0'; return 0;
    case 1: strcpy(buf, db->cfg.appendonly ? "yes" : "no"); break;
    case 2: return kv_fmt_i64(buf, (int64_t)db->cfg.maxmemory);
    case 3: strcpy(buf, "1"); break;
    default: strcpy(buf, "noeviction"); break;
    }
    return strlen(buf);
}

// Every parameter matching any of the patterns, once: a map as a flat array.
static void config_get(struct kv_ctx *x)
{
    char vals[8][KV_INT_CHARS];
    const char *names[8];
    size_t lens[8], n = 0, len;
    const char *name;
    for (size_t i = 0; (len = config_value(x->db, i, &name, vals[n])) != SIZE_MAX; i++) {
        for (int a = 2; a < x->argc; a++) {
            if (kv_glob(x->argv[a], x->lens[a], name, strlen(name))) {
                names[n] = name;
                lens[n++] = len;
                break;
            }
        }
    }
    kv_reply_array(x->out, 2 * (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        kv_reply_bulk_cstr(x->out, names[i]);
        kv_reply_bulk(x->out, vals[i], lens[i]);
    }
}

static void config_set(struct kv_ctx *x)
{
    int64_t v;
    if (x->argc != 4)
        return subcommand_arity(x, "config", "set");
    if (kv_arg_is(x, 2, "maxmemory") && kv_parse_i64(x->argv[3], x->lens[3], &v) && v >= 0) {
        x->db->cfg.maxmemory = (uint64_t)v;
        return kv_reply_simple(x->out, "OK");
    }
    kv_errf(x, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
            (int)(x->lens[2] > 128 ? 128 : x->lens[2]), x->argv[2]);
}

KV_HANDLER(config)
{
    if (kv_arg_is(x, 1, "get")) {
        if (x->argc < 3)
            return subcommand_arity(x, "config", "get");
        return config_get(x);
    }
    if (kv_arg_is(x, 1, "set"))
        return config_set(x);
    if (kv_arg_is(x, 1, "resetstat") && x->argc == 2) {
        memset(&x->db->stats, 0, sizeof(x->db->stats));
        return kv_reply_simple(x->out, "OK");
    }
    unknown_subcommand(x, "CONFIG");
}

// Redis allows names of printable characters without spaces ('!'..'~').
static void client_setname(struct kv_ctx *x)
{
    for (size_t i = 0; i < x->lens[2]; i++)
        if (x->argv[2][i] < '!' || x->argv[2][i] > '~')
            return kv_err(x, "ERR Client names cannot contain spaces, newlines or special "
                             "characters.");
    struct kv_conn *c = x->conn;
    free(c->name);
    c->name = NULL;
    c->name_len = x->lens[2];
    if (c->name_len) {
        c->name = kv_xalloc(c->name_len);
        memcpy(c->name, x->argv[2], c->name_len);
    }
    kv_reply_simple(x->out, "OK");
}

KV_HANDLER(client)
{
    if (x->conn == NULL)
        return kv_err(x, "ERR CLIENT is not available while replaying");
    if (kv_arg_is(x, 1, "setname"))
        return x->argc == 3 ? client_setname(x) : subcommand_arity(x, "client", "setname");
    if (kv_arg_is(x, 1, "getname")) {
        if (x->argc != 2)
            return subcommand_arity(x, "client", "getname");
        if (x->conn->name_len == 0)
            return kv_reply_nil(x->out);
        return kv_reply_bulk(x->out, x->conn->name, x->conn->name_len);
    }
    if (kv_arg_is(x, 1, "id") && x->argc == 2)
        return kv_reply_int(x->out, (int64_t)x->conn->id);
    // Client libraries announce themselves (CLIENT SETINFO): accepted.
    if (kv_arg_is(x, 1, "setinfo") && x->argc == 4)
        return kv_reply_simple(x->out, "OK");
    unknown_subcommand(x, "CLIENT");
}

// Redis 6's six-field form of COMMAND's answer: name, arity, flags, first
// key, last key, step.
static void command_info(struct kv_ctx *x, const struct kv_cmd *c)
{
    bool keys = strcmp(c->name, "ping") && strcmp(c->name, "echo") && strcmp(c->name, "quit") &&
                strcmp(c->name, "select") && strcmp(c->name, "dbsize") &&
                strncmp(c->name, "flush", 5) && strcmp(c->name, "config") &&
                strcmp(c->name, "client") && strcmp(c->name, "command") &&
                strcmp(c->name, "info") && strcmp(c->name, "keys") && strcmp(c->name, "scan");
    bool many = !strcmp(c->name, "mget") || !strcmp(c->name, "del") || !strcmp(c->name, "exists");
    kv_reply_array(x->out, 6);
    kv_reply_bulk_cstr(x->out, c->name);
    kv_reply_int(x->out, c->arity);
    int nflags = !!(c->flags & KV_CMD_WRITE) + !!(c->flags & KV_CMD_DENYOOM);
    kv_reply_array(x->out, nflags ? nflags : 1);
    if (c->flags & KV_CMD_WRITE)
        kv_reply_simple(x->out, "write");
    if (c->flags & KV_CMD_DENYOOM)
        kv_reply_simple(x->out, "denyoom");
    if (!nflags)
        kv_reply_simple(x->out, "readonly");
    bool mset = !strcmp(c->name, "mset");
    kv_reply_int(x->out, keys);
    kv_reply_int(x->out, !keys ? 0 : (many || mset) ? -1 : 1);
    kv_reply_int(x->out, !keys ? 0 : mset ? 2 : 1);
}

KV_HANDLER(command)
{
    if (x->argc == 1) {
        kv_reply_array(x->out, (int64_t)kv_ncmds);
        for (size_t i = 0; i < kv_ncmds; i++)
            command_info(x, &kv_cmds[i]);
        return;
    }
    if (kv_arg_is(x, 1, "count") && x->argc == 2)
        return kv_reply_int(x->out, (int64_t)kv_ncmds);
    // redis-cli asks for the docs at start; it does without them.
    if (kv_arg_is(x, 1, "docs"))
        return kv_reply_array(x->out, 0);
    if (kv_arg_is(x, 1, "info")) {
        kv_reply_array(x->out, x->argc - 2);
        for (int a = 2; a < x->argc; a++) {
            const struct kv_cmd *c = NULL;
            for (size_t i = 0; i < kv_ncmds && c == NULL; i++)
                if (x->lens[a] == strlen(kv_cmds[i].name) &&
                    !strncasecmp(kv_cmds[i].name, x->argv[a], x->lens[a]))
                    c = &kv_cmds[i];
            if (c)
                command_info(x, c);
            else
                kv_reply_nil(x->out);
        }
        return;
    }
    unknown_subcommand(x, "COMMAND");
}
