/* lib/os/kv/t_set.c: set commands: SADD SREM SMEMBERS SISMEMBER SCARD SPOP. */
#include "kv_impl.h"
#include <stdlib.h>

KV_HANDLER(sadd)
{
    struct kv_obj *o = kv_lookup_create(x, 1, KV_SET);
    if (o == NULL)
        return;
    int64_t added = 0;
    for (int i = 2; i < x->argc; i++) {
        if (kv_dict_find(o->dict, x->argv[i], x->lens[i]) == NULL) {
            kv_dict_add(o->dict, x->argv[i], x->lens[i]);
            added++;
        }
    }
    x->db->dirty += (uint64_t)added;
    kv_reply_int(x->out, added);
}

KV_HANDLER(srem)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_SET, &wrong);
    if (wrong)
        return;
    int64_t removed = 0;
    for (int i = 2; o && i < x->argc; i++)
        removed += kv_dict_remove(o->dict, x->argv[i], x->lens[i], NULL);
    if (o)
        kv_delete_if_empty(x, 1, o->dict->count);
    x->db->dirty += (uint64_t)removed;
    kv_reply_int(x->out, removed);
}

// The keys of a set or hash as an array (with the values of a hash).
static void reply_dict(struct kv_ctx *x, const struct kv_dict *d, bool values)
{
    kv_reply_array(x->out, (int64_t)(values ? 2 * d->count : d->count));
    struct kv_dict_iter it = {0};
    for (struct kv_dent *e; (e = kv_dict_next(d, &it));) {
        kv_reply_bulk(x->out, e->key, e->klen);
        if (values)
            kv_reply_str(x->out, e->v.p);
    }
}

void kv_reply_members(struct kv_ctx *x, int key, enum kv_type t)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, key, t, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return kv_reply_array(x->out, 0);
    reply_dict(x, o->dict, t == KV_HASH);
}

KV_HANDLER(smembers) { kv_reply_members(x, 1, KV_SET); }

KV_HANDLER(sismember)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_SET, &wrong);
    if (!wrong)
        kv_reply_int(x->out, o && kv_dict_find(o->dict, x->argv[2], x->lens[2]) != NULL);
}

KV_HANDLER(scard)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_SET, &wrong);
    if (!wrong)
        kv_reply_int(x->out, o ? (int64_t)o->dict->count : 0);
}

// Remove count random members, replying them; the log gets SREM of them
// (a replay must not choose again).
static void spop_members(struct kv_ctx *x, struct kv_obj *o, int64_t count, bool array)
{
    size_t n = (size_t)count < o->dict->count ? (size_t)count : o->dict->count;
    const char **argv = kv_xalloc((n + 2) * sizeof(*argv));
    size_t *lens = kv_xalloc((n + 2) * sizeof(*lens));
    char **copies = kv_xalloc((n + 1) * sizeof(*copies));
    argv[0] = "SREM";
    lens[0] = 4;
    argv[1] = x->argv[1];
    lens[1] = x->lens[1];
    if (array)
        kv_reply_array(x->out, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        struct kv_dent *e = kv_dict_random(o->dict, &x->db->rng);
        kv_reply_bulk(x->out, e->key, e->klen);
        copies[i] = kv_xalloc(e->klen + 1);
        for (size_t j = 0; j < e->klen; j++)
            copies[i][j] = e->key[j];
        argv[i + 2] = copies[i];
        lens[i + 2] = e->klen;
        kv_dict_remove(o->dict, copies[i], lens[i + 2], NULL);
    }
    kv_delete_if_empty(x, 1, o->dict->count);
    if (n > 0) {
        x->db->dirty++;
        kv_propagate(x, (int)n + 2, argv, lens);
    }
    for (size_t i = 0; i < n; i++)
        free(copies[i]);
    free(copies);
    free(argv);
    free(lens);
}

KV_HANDLER(spop)
{
    int64_t count = 1;
    bool wrong;
    if (x->argc > 3)
        return kv_syntax_error(x);
    if (x->argc == 3 && !kv_arg_count(x, 2, &count))
        return;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_SET, &wrong);
    if (wrong)
        return;
    if (o == NULL)
        return x->argc == 3 ? kv_reply_array(x->out, 0) : kv_reply_nil(x->out);
    spop_members(x, o, count, x->argc == 3);
}
