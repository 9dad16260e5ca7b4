/* lib/os/kv/t_string.c: string commands: SET GET GETSET INCR* DECR* APPEND STRLEN MGET MSET. */
#include "kv_impl.h"
#include <string.h>

// The string under k: NULL when there is none; *wrong when the key holds
// another type.
static struct kv_obj *lookup_string(struct kv_ctx *x, int i, bool *wrong)
{
    struct kv_obj *o = kv_lookup(x, x->argv[i], x->lens[i]);
    *wrong = o && o->type != KV_STRING;
    return *wrong ? NULL : o;
}

static void store_string(struct kv_ctx *x, int key, const void *p, size_t n, bool keep_ttl)
{
    struct kv_obj *o = kv_obj_new(&x->db->mem, KV_STRING);
    o->str = kv_str_new(&x->db->mem, p, n);
    kv_db_store(x, x->argv[key], x->lens[key], o, keep_ttl);
    x->db->dirty++;
}

struct set_opts {
    bool nx, xx, get, keepttl;
    int expire_arg; // the argument holding the time, 0: none
    bool seconds, absolute;
};

// SET's options (Redis 7): a combination that makes no sense is a syntax error.
static bool parse_set_opts(struct kv_ctx *x, struct set_opts *o)
{
    for (int i = 3; i < x->argc; i++) {
        bool has_next = i + 1 < x->argc;
        bool time_opt = kv_arg_is(x, i, "ex") || kv_arg_is(x, i, "px") || kv_arg_is(x, i, "exat") ||
                        kv_arg_is(x, i, "pxat");
        if (kv_arg_is(x, i, "nx") && !o->xx) {
            o->nx = true;
        } else if (kv_arg_is(x, i, "xx") && !o->nx) {
            o->xx = true;
        } else if (kv_arg_is(x, i, "get")) {
            o->get = true;
        } else if (kv_arg_is(x, i, "keepttl") && !o->expire_arg) {
            o->keepttl = true;
        } else if (time_opt && has_next && !o->keepttl && !o->expire_arg) {
            o->seconds = kv_arg_is(x, i, "ex") || kv_arg_is(x, i, "exat");
            o->absolute = kv_arg_is(x, i, "exat") || kv_arg_is(x, i, "pxat");
            o->expire_arg = ++i;
        } else {
            kv_syntax_error(x);
            return false;
        }
    }
    return true;
}

// An expiry argument as an absolute deadline in ms, or an error reply:
// Redis refuses non-positive times and ones that overflow in ms.
static bool deadline(struct kv_ctx *x, int i, bool seconds, bool absolute, const char *cmd,
                     int64_t *when)
{
    int64_t v;
    if (!kv_arg_i64(x, i, &v))
        return false;
    bool bad = v <= 0 || (seconds && v > INT64_MAX / 1000);
    if (!bad && seconds)
        v *= 1000;
    if (!bad && !absolute) {
        bad = v > INT64_MAX - (int64_t)x->now;
        if (!bad) // the sum would overflow (undefined behaviour) otherwise
            v += (int64_t)x->now;
    }
    if (bad) {
        kv_errf(x, "ERR invalid expire time in '%s' command", cmd);
        return false;
    }
    *when = v;
    return true;
}

// What the log gets: the deadline made absolute, the conditions (already
// decided) dropped.
static void propagate_set(struct kv_ctx *x, const struct set_opts *o, int64_t when)
{
    char ms[KV_INT_CHARS];
    const char *argv[5] = {"SET", x->argv[1], x->argv[2], "PXAT", ms};
    size_t lens[5] = {3, x->lens[1], x->lens[2], 4, 0};
    if (o->expire_arg) {
        lens[4] = kv_fmt_i64(ms, when);
        kv_propagate(x, 5, argv, lens);
    } else if (o->keepttl) {
        argv[3] = "KEEPTTL";
        lens[3] = 7;
        kv_propagate(x, 4, argv, lens);
    } else {
        kv_propagate(x, 3, argv, lens);
    }
}

KV_HANDLER(set)
{
    struct set_opts o = {0};
    int64_t when = 0;
    if (!parse_set_opts(x, &o))
        return;
    if (o.expire_arg && !deadline(x, o.expire_arg, o.seconds, o.absolute, "set", &when))
        return;
    bool wrong;
    struct kv_obj *old = lookup_string(x, 1, &wrong);
    if (wrong && o.get)
        return kv_wrongtype(x);
    bool exists = old || wrong;
    if (o.get) {
        if (old)
            kv_reply_str(x->out, old->str);
        else
            kv_reply_nil(x->out);
    }
    if ((o.nx && exists) || (o.xx && !exists)) {
        if (!o.get)
            kv_reply_nil(x->out);
        return;
    }
    store_string(x, 1, x->argv[2], x->lens[2], o.keepttl);
    if (o.expire_arg)
        kv_set_expire(x->db, x->argv[1], x->lens[1], when);
    propagate_set(x, &o, when);
    if (!o.get)
        kv_reply_simple(x->out, "OK");
}

KV_HANDLER(get)
{
    bool wrong;
    struct kv_obj *o = lookup_string(x, 1, &wrong);
    if (wrong)
        return kv_wrongtype(x);
    if (o == NULL)
        return kv_reply_nil(x->out);
    kv_reply_str(x->out, o->str);
}

KV_HANDLER(getset)
{
    bool wrong;
    struct kv_obj *o = lookup_string(x, 1, &wrong);
    if (wrong)
        return kv_wrongtype(x);
    if (o)
        kv_reply_str(x->out, o->str);
    else
        kv_reply_nil(x->out);
    store_string(x, 1, x->argv[2], x->lens[2], false);
}

static void incr_by(struct kv_ctx *x, int64_t by)
{
    bool wrong;
    struct kv_obj *o = lookup_string(x, 1, &wrong);
    if (wrong)
        return kv_wrongtype(x);
    int64_t v = 0;
    if (o && !kv_parse_i64(o->str->data, o->str->len, &v))
        return kv_not_int(x);
    if ((by < 0 && v < 0 && by < INT64_MIN - v) || (by > 0 && v > 0 && by > INT64_MAX - v))
        return kv_err(x, "ERR increment or decrement would overflow");
    v += by;
    char num[KV_INT_CHARS];
    store_string(x, 1, num, kv_fmt_i64(num, v), true);
    kv_reply_int(x->out, v);
}

KV_HANDLER(incr) { incr_by(x, 1); }
KV_HANDLER(decr) { incr_by(x, -1); }

KV_HANDLER(incrby)
{
    int64_t by;
    if (kv_arg_i64(x, 2, &by))
        incr_by(x, by);
}

KV_HANDLER(decrby)
{
    int64_t by;
    if (!kv_arg_i64(x, 2, &by))
        return;
    if (by == INT64_MIN)
        return kv_err(x, "ERR decrement would overflow");
    incr_by(x, -by);
}

KV_HANDLER(append)
{
    bool wrong;
    struct kv_obj *o = lookup_string(x, 1, &wrong);
    if (wrong)
        return kv_wrongtype(x);
    if (o == NULL) {
        store_string(x, 1, x->argv[2], x->lens[2], false);
        return kv_reply_int(x->out, (int64_t)x->lens[2]);
    }
    struct kv_str *s = o->str;
    if (s->len + x->lens[2] > KV_MAX_BULK)
        return kv_err(x, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    s = kv_realloc(&x->db->mem, s, sizeof(*s) + s->len + x->lens[2]);
    memcpy(s->data + s->len, x->argv[2], x->lens[2]);
    s->len += x->lens[2];
    o->str = s;
    x->db->dirty++;
    kv_reply_int(x->out, (int64_t)s->len);
}

KV_HANDLER(strlen)
{
    bool wrong;
    struct kv_obj *o = lookup_string(x, 1, &wrong);
    if (wrong)
        return kv_wrongtype(x);
    kv_reply_int(x->out, o ? (int64_t)o->str->len : 0);
}

KV_HANDLER(mget)
{
    kv_reply_array(x->out, x->argc - 1);
    for (int i = 1; i < x->argc; i++) {
        bool wrong;
        struct kv_obj *o = lookup_string(x, i, &wrong);
        if (o)
            kv_reply_str(x->out, o->str);
        else
            kv_reply_nil(x->out);
    }
}

KV_HANDLER(mset)
{
    if (x->argc % 2 == 0)
        return kv_err(x, "ERR wrong number of arguments for 'mset' command");
    for (int i = 1; i < x->argc; i += 2)
        store_string(x, i, x->argv[i + 1], x->lens[i + 1], false);
    kv_reply_simple(x->out, "OK");
}
