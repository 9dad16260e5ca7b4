/* lib/os/kv/t_hash.c: hash commands: HSET HGET HGETALL HDEL HLEN. */
#include "kv_impl.h"

KV_HANDLER(hset)
{
    if (x->argc % 2 != 0)
        return kv_err(x, "ERR wrong number of arguments for 'hset' command");
    struct kv_obj *o = kv_lookup_create(x, 1, KV_HASH);
    if (o == NULL)
        return;
    int64_t added = 0;
    for (int i = 2; i < x->argc; i += 2) {
        struct kv_dent *e = kv_dict_find(o->dict, x->argv[i], x->lens[i]);
        if (e) {
            kv_free(&x->db->mem, e->v.p);
        } else {
            e = kv_dict_add(o->dict, x->argv[i], x->lens[i]);
            added++;
        }
        e->v.p = kv_str_new(&x->db->mem, x->argv[i + 1], x->lens[i + 1]);
    }
    x->db->dirty++;
    kv_reply_int(x->out, added);
}

KV_HANDLER(hget)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_HASH, &wrong);
    if (wrong)
        return;
    struct kv_dent *e = o ? kv_dict_find(o->dict, x->argv[2], x->lens[2]) : NULL;
    if (e == NULL)
        return kv_reply_nil(x->out);
    kv_reply_str(x->out, e->v.p);
}

KV_HANDLER(hgetall) { kv_reply_members(x, 1, KV_HASH); }

KV_HANDLER(hdel)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_HASH, &wrong);
    if (wrong)
        return;
    int64_t removed = 0;
    for (int i = 2; o && i < x->argc; i++) {
        void *v;
        if (kv_dict_remove(o->dict, x->argv[i], x->lens[i], &v)) {
            kv_free(&x->db->mem, v);
            removed++;
        }
    }
    if (o)
        kv_delete_if_empty(x, 1, o->dict->count);
    x->db->dirty += (uint64_t)removed;
    kv_reply_int(x->out, removed);
}

KV_HANDLER(hlen)
{
    bool wrong;
    struct kv_obj *o = kv_lookup_type(x, 1, KV_HASH, &wrong);
    if (!wrong)
        kv_reply_int(x->out, o ? (int64_t)o->dict->count : 0);
}
