/* lib/os/kv/t_zset.c: sorted set commands: ZADD ZRANGE ZSCORE ZCARD ZREM ZPOPMIN. */
#include "kv_impl.h"
#include <stdlib.h>

enum { Z_NX = 1, Z_XX = 2, Z_GT = 4, Z_LT = 8, Z_CH = 16, Z_INCR = 32 };

// ZADD's options before the score-member pairs; returns the first pair's
// index, 0 after an error reply.
static int parse_zadd_flags(struct kv_ctx *x, unsigned *flags)
{
    static const char *const names[] = {"nx", "xx", "gt", "lt", "ch", "incr"};
    int i = 2;
    for (*flags = 0; i < x->argc; i++) {
        unsigned f = 0;
        for (unsigned j = 0; j < 6; j++)
            if (kv_arg_is(x, i, names[j]))
                f = 1u << j;
        if (f == 0)
            break;
        *flags |= f;
    }
    int elements = x->argc - i;
    if (elements == 0 || elements % 2) {
        kv_syntax_error(x);
        return 0;
    }
    if ((*flags & Z_NX) && (*flags & Z_XX)) {
        kv_err(x, "ERR XX and NX options at the same time are not compatible");
        return 0;
    }
    if (((*flags & Z_NX) && (*flags & (Z_GT | Z_LT))) || ((*flags & Z_GT) && (*flags & Z_LT))) {
        kv_err(x, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return 0;
    }
    // INCR adds to a score: floating-point addition, which the engine
    // does not do (see docs/kv.md).
    if (*flags & Z_INCR) {
        kv_err(x, "ERR INCR option is not supported");
        return 0;
    }
    return i;
}

// Whether a member at score cur may move to score s under the flags.
static bool zadd_update_allowed(unsigned flags, uint64_t cur, uint64_t s)
{
    uint64_t a = kv_double_order(cur), b = kv_double_order(s);
    if ((flags & Z_NX) || a == b)
        return false;
    return !((flags & Z_GT) && b < a) && !((flags & Z_LT) && b > a);
}

// Decode every score before changing anything: a bad one changes nothing.
KV_HANDLER(zadd)
{
    unsigned flags;
    int first = parse_zadd_flags(x, &flags);
    if (first == 0)
        return;
    size_t npairs = (size_t)(x->argc - first) / 2;
    uint64_t *scores = kv_xalloc(npairs * sizeof(*scores));
    for (size_t p = 0; p < npairs; p++) {
        int i = first + 2 * (int)p;
        if (!kv_parse_double(x->argv[i], x->lens[i], &scores[p])) {
            free(scores);
            return kv_err(x, "ERR value is not a valid float");
        }
    }
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (!wrong && o == NULL && !(flags & Z_XX))
        o = kv_lookup_create(x, 1, KV_ZSET);
    int64_t added = 0, changed = 0;
    for (size_t p = 0; o && p < npairs; p++) {
        const char *m = x->argv[first + 2 * (int)p + 1];
        size_t n = x->lens[first + 2 * (int)p + 1];
        struct kv_dent *e = kv_dict_find(o->zset->dict, m, n);
        if (e && zadd_update_allowed(flags, e->v.u, scores[p])) {
            kv_zset_set(&x->db->mem, o->zset, m, n, scores[p]);
            changed++;
        } else if (e == NULL && !(flags & Z_XX)) {
            kv_zset_set(&x->db->mem, o->zset, m, n, scores[p]);
            added++;
        }
    }
    free(scores);
    if (wrong)
        return;
    x->db->dirty += (uint64_t)(added + changed);
    kv_reply_int(x->out, (flags & Z_CH) ? added + changed : added);
}

static void reply_entries(struct kv_ctx *x, const struct kv_zset *z, int64_t start, int64_t end,
                          bool rev, bool scores)
{
    int64_t n = start > end ? 0 : end - start + 1;
    kv_reply_array(x->out, scores ? 2 * n : n);
    for (int64_t i = 0; i < n; i++) {
        const struct kv_zent *e = &z->v[rev ? (int64_t)z->len - 1 - (start + i) : start + i];
        kv_reply_str(x->out, e->member);
        if (scores)
            kv_reply_double(x->out, e->score);
    }
}

// Index ranges only (no BYSCORE, BYLEX or LIMIT): see docs/kv.md.
KV_HANDLER(zrange)
{
    int64_t start, end;
    bool scores = false, rev = false, wrong;
    for (int i = 4; i < x->argc; i++) {
        if (kv_arg_is(x, i, "withscores"))
            scores = true;
        else if (kv_arg_is(x, i, "rev"))
            rev = true;
        else
            return kv_syntax_error(x);
    }
    if (!kv_arg_i64(x, 2, &start) || !kv_arg_i64(x, 3, &end))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return kv_reply_array(x->out, 0);
    kv_clamp_range((int64_t)o->zset->len, &start, &end);
    reply_entries(x, o->zset, start, end, rev, scores);
}

KV_HANDLER(zscore)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (wrong)
        return;
    struct kv_dent *e = o ? kv_dict_find(o->zset->dict, x->argv[2], x->lens[2]) : NULL;
    if (e == NULL)
        return kv_reply_nil(x->out);
    kv_reply_double(x->out, e->v.u);
}

KV_HANDLER(zcard)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (!wrong)
        kv_reply_int(x->out, o ? (int64_t)o->zset->len : 0);
}

KV_HANDLER(zrem)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (wrong)
        return;
    int64_t removed = 0;
    for (int i = 2; o && i < x->argc; i++)
        removed += kv_zset_remove(&x->db->mem, o->zset, x->argv[i], x->lens[i]);
    if (o)
        kv_delete_if_empty(x, 1, o->zset->len);
    x->db->dirty += (uint64_t)removed;
    kv_reply_int(x->out, removed);
}

KV_HANDLER(zpopmin)
{
    int64_t count = 1;
    bool wrong;
    if (x->argc > 3)
        return kv_syntax_error(x);
    if (x->argc == 3 && !kv_arg_count(x, 2, &count))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_ZSET, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return kv_reply_array(x->out, 0);
    struct kv_zset *z = o->zset;
    int64_t n = count < (int64_t)z->len ? count : (int64_t)z->len;
    reply_entries(x, z, 0, n - 1, false, true);
    for (int64_t i = 0; i < n; i++)
        kv_zset_remove(&x->db->mem, z, z->v[0].member->data, z->v[0].member->len);
    if (n > 0)
        x->db->dirty++;
    kv_delete_if_empty(x, 1, z->len);
}
