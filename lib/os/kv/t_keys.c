/* lib/os/kv/t_keys.c: commands on keys of any type: DEL EXISTS EXPIRE* TTL PTTL PERSIST KEYS SCAN
 * TYPE. */
#include "kv_impl.h"
#include <stdlib.h>
#include <string.h>

KV_HANDLER(del)
{
    int64_t n = 0;
    for (int i = 1; i < x->argc; i++) {
        if (kv_lookup(x, x->argv[i], x->lens[i])) {
            kv_db_delete(x->db, x->argv[i], x->lens[i]);
            x->db->dirty++;
            n++;
        }
    }
    kv_reply_int(x->out, n);
}

KV_HANDLER(exists)
{
    int64_t n = 0;
    for (int i = 1; i < x->argc; i++)
        n += kv_lookup(x, x->argv[i], x->lens[i]) != NULL;
    kv_reply_int(x->out, n);
}

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

// EXPIRE's conditions (Redis 7): NX goes with none of the others, GT not with LT.
static bool parse_expire_flags(struct kv_ctx *x, unsigned *flags)
{
    static const char *const names[] = {"nx", "xx", "gt", "lt"};
    *flags = 0;
    for (int i = 3; i < x->argc; i++) {
        unsigned f = 0;
        for (unsigned j = 0; j < 4; j++)
            if (kv_arg_is(x, i, names[j]))
                f = 1u << j;
        if (f == 0) {
            kv_errf(x, "ERR Unsupported option %.*s", (int)x->lens[i], x->argv[i]);
            return false;
        }
        *flags |= f;
    }
    if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
        kv_err(x, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
        kv_err(x, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

// Whether the conditions let a deadline "when" replace "cur" (-1: none,
// which GT and LT read as infinite).
static bool expire_allowed(unsigned flags, int64_t cur, int64_t when)
{
    if ((flags & EXP_NX) && cur >= 0)
        return false;
    if ((flags & EXP_XX) && cur < 0)
        return false;
    if ((flags & EXP_GT) && (cur < 0 || when <= cur))
        return false;
    if ((flags & EXP_LT) && cur >= 0 && when >= cur)
        return false;
    return true;
}

// A deadline in the past deletes the key (reported as DEL); any other is
// reported as PEXPIREAT, so replay does not depend on when it runs.
static void expire_generic(struct kv_ctx *x, bool seconds, bool absolute, const char *name)
{
    int64_t v;
    unsigned flags;
    if (!kv_arg_i64(x, 2, &v) || !parse_expire_flags(x, &flags))
        return;
    bool bad = seconds && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000);
    if (!bad && seconds)
        v *= 1000;
    if (!bad && !absolute) {
        bad = v > INT64_MAX - (int64_t)x->now;
        if (!bad) // the sum would overflow (undefined behaviour) otherwise
            v += (int64_t)x->now;
    }
    if (bad)
        return kv_errf(x, "ERR invalid expire time in '%s' command", name);
    const char *k = x->argv[1];
    size_t n = x->lens[1];
    if (kv_lookup(x, k, n) == NULL || !expire_allowed(flags, kv_get_expire(x->db, k, n), v))
        return kv_reply_int(x->out, 0);
    x->db->dirty++;
    if (v <= (int64_t)x->now && !x->db->replaying) {
        kv_db_delete(x->db, k, n);
        const char *argv[2] = {"DEL", k};
        size_t lens[2] = {3, n};
        kv_propagate(x, 2, argv, lens);
    } else {
        kv_set_expire(x->db, k, n, v);
        char ms[KV_INT_CHARS];
        const char *argv[3] = {"PEXPIREAT", k, ms};
        size_t lens[3] = {9, n, kv_fmt_i64(ms, v)};
        kv_propagate(x, 3, argv, lens);
    }
    kv_reply_int(x->out, 1);
}

KV_HANDLER(expire) { expire_generic(x, true, false, "expire"); }
KV_HANDLER(pexpire) { expire_generic(x, false, false, "pexpire"); }
KV_HANDLER(expireat) { expire_generic(x, true, true, "expireat"); }
KV_HANDLER(pexpireat) { expire_generic(x, false, true, "pexpireat"); }

static void ttl_generic(struct kv_ctx *x, bool ms)
{
    if (kv_lookup(x, x->argv[1], x->lens[1]) == NULL)
        return kv_reply_int(x->out, -2);
    int64_t when = kv_get_expire(x->db, x->argv[1], x->lens[1]);
    if (when < 0)
        return kv_reply_int(x->out, -1);
    int64_t left = when - (int64_t)x->now;
    if (left < 0)
        left = 0;
    kv_reply_int(x->out, ms ? left : (left + 500) / 1000);
}

KV_HANDLER(ttl) { ttl_generic(x, false); }
KV_HANDLER(pttl) { ttl_generic(x, true); }

KV_HANDLER(persist)
{
    bool removed =
        kv_lookup(x, x->argv[1], x->lens[1]) && kv_remove_expire(x->db, x->argv[1], x->lens[1]);
    if (removed)
        x->db->dirty++;
    kv_reply_int(x->out, removed);
}

KV_HANDLER(type)
{
    struct kv_obj *o = kv_lookup(x, x->argv[1], x->lens[1]);
    kv_reply_simple(x->out, o ? kv_type_name(o->type) : "none");
}

// A key that is due but not yet deleted: KEYS and SCAN leave it out
// without deleting it (they walk the table, which must not change).
static bool is_due(const struct kv_ctx *x, const struct kv_dent *e)
{
    int64_t when = kv_get_expire(x->db, e->key, e->klen);
    return when >= 0 && (uint64_t)when <= x->now && !x->db->replaying;
}

struct key_list {
    struct kv_dent **v;
    size_t len, cap;
};

static void key_list_add(void *arg, struct kv_dent *e)
{
    struct key_list *l = arg;
    if (l->len == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = kv_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->len++] = e;
}

// Reply the keys of l that match pat (NULL: all) and type (NULL: any).
static void reply_keys(struct kv_ctx *x, struct key_list *l, int pat, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < l->len; i++) {
        struct kv_dent *e = l->v[i];
        struct kv_obj *o = e->v.p;
        bool keep = !is_due(x, e) && (type == NULL || !strcmp(kv_type_name(o->type), type)) &&
                    (pat == 0 || kv_glob(x->argv[pat], x->lens[pat], e->key, e->klen));
        if (keep)
            l->v[n++] = e;
    }
    kv_reply_array(x->out, (int64_t)n);
    for (size_t i = 0; i < n; i++)
        kv_reply_bulk(x->out, l->v[i]->key, l->v[i]->klen);
    free(l->v);
}

KV_HANDLER(keys)
{
    struct key_list l = {0};
    struct kv_dict_iter it = {0};
    for (struct kv_dent *e; (e = kv_dict_next(x->db->keys, &it));)
        key_list_add(&l, e);
    reply_keys(x, &l, 1, NULL);
}

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
    *v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || *v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return false;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return true;
}

struct scan_opts {
    int match; // the pattern's argument, 0: none
    int64_t count;
    char type[16];
    bool typed;
};

static bool parse_scan_opts(struct kv_ctx *x, struct scan_opts *o)
{
    for (int i = 2; i < x->argc; i += 2) {
        if (i + 1 >= x->argc)
            goto syntax;
        if (kv_arg_is(x, i, "match")) {
            o->match = i + 1;
        } else if (kv_arg_is(x, i, "count")) {
            if (!kv_arg_i64(x, i + 1, &o->count))
                return false;
            if (o->count < 1)
                goto syntax;
        } else if (kv_arg_is(x, i, "type") && x->lens[i + 1] < sizeof(o->type)) {
            for (size_t j = 0; j <= x->lens[i + 1]; j++)
                o->type[j] = j < x->lens[i + 1] ? (char)(x->argv[i + 1][j] | 0x20) : '\0';
            o->typed = true;
        } else {
            goto syntax;
        }
    }
    return true;
syntax:
    kv_syntax_error(x);
    return false;
}

// Like Redis: walk about COUNT entries, at most ten times as many buckets,
// then filter what was found.
KV_HANDLER(scan)
{
    uint64_t cursor;
    struct scan_opts o = {.count = 10};
    if (!parse_u64(x->argv[1], x->lens[1], &cursor))
        return kv_err(x, "ERR invalid cursor");
    if (!parse_scan_opts(x, &o))
        return;
    struct key_list l = {0};
    int64_t steps = o.count > INT64_MAX / 10 ? INT64_MAX : o.count * 10;
    do
        cursor = kv_dict_scan(x->db->keys, cursor, key_list_add, &l);
    while (cursor && --steps > 0 && l.len < (size_t)o.count);
    char num[KV_INT_CHARS];
    kv_reply_array(x->out, 2);
    kv_reply_bulk(x->out, num, kv_fmt_i64(num, (int64_t)cursor));
    reply_keys(x, &l, o.match, o.typed ? o.type : NULL);
}
