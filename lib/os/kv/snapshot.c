/* lib/os/kv/snapshot.c: the walk that emits commands rebuilding the dataset (log compaction). */
#include "kv_impl.h"
#include <string.h>

#define BATCH 64 // elements per emitted command

// One command under construction: the verb, the key, then elements.
struct batch {
    const char *argv[2 + 2 * BATCH];
    size_t lens[2 + 2 * BATCH];
    char scores[BATCH][KV_DBL_CHARS];
    int argc, elements;
    kv_cmd_fn *emit;
    void *arg;
};

static void batch_start(struct batch *b, const char *verb, const struct kv_dent *key)
{
    b->argv[0] = verb;
    b->lens[0] = strlen(verb);
    b->argv[1] = key->key;
    b->lens[1] = key->klen;
    b->argc = 2;
    b->elements = 0;
}

static void batch_flush(struct batch *b)
{
    if (b->elements > 0)
        b->emit(b->arg, b->argc, b->argv, b->lens);
    b->argc = 2;
    b->elements = 0;
}

static void batch_add(struct batch *b, const char *p, size_t n)
{
    b->argv[b->argc] = p;
    b->lens[b->argc++] = n;
}

// One element: one or two arguments; a full command is emitted.
static void batch_end_element(struct batch *b)
{
    if (++b->elements == BATCH)
        batch_flush(b);
}

static void emit_value(struct batch *b, const struct kv_dent *key, const struct kv_obj *o)
{
    struct kv_dict_iter it = {0};
    switch (o->type) {
    case KV_STRING:
        batch_start(b, "SET", key);
        batch_add(b, o->str->data, o->str->len);
        batch_end_element(b);
        break;
    case KV_LIST:
        batch_start(b, "RPUSH", key);
        for (size_t i = 0; i < o->list->len; i++) {
            const struct kv_str *s = kv_list_at(o->list, i);
            batch_add(b, s->data, s->len);
            batch_end_element(b);
        }
        break;
    case KV_SET:
    case KV_HASH:
        batch_start(b, o->type == KV_SET ? "SADD" : "HSET", key);
        for (struct kv_dent *e; (e = kv_dict_next(o->dict, &it));) {
            batch_add(b, e->key, e->klen);
            if (o->type == KV_HASH)
                batch_add(b, ((struct kv_str *)e->v.p)->data, ((struct kv_str *)e->v.p)->len);
            batch_end_element(b);
        }
        break;
    case KV_ZSET:
        batch_start(b, "ZADD", key);
        for (size_t i = 0; i < o->zset->len; i++) {
            char *score = b->scores[b->elements];
            // 17 significant digits read back as the same double.
            batch_add(b, score, kv_fmt_double(score, o->zset->v[i].score));
            batch_add(b, o->zset->v[i].member->data, o->zset->v[i].member->len);
            batch_end_element(b);
        }
        break;
    }
    batch_flush(b);
}

void kv_db_snapshot(struct kv_db *db, kv_cmd_fn *emit, void *arg)
{
    static const char pexpireat[] = "PEXPIREAT";
    struct batch b = {.emit = emit, .arg = arg};
    uint64_t now = kv_now(db);
    struct kv_dict_iter it = {0};
    for (struct kv_dent *e; (e = kv_dict_next(db->keys, &it));) {
        int64_t when = kv_get_expire(db, e->key, e->klen);
        if (when >= 0 && (uint64_t)when <= now)
            continue;
        emit_value(&b, e, e->v.p);
        if (when >= 0) {
            char ms[KV_INT_CHARS];
            const char *argv[3] = {pexpireat, e->key, ms};
            size_t lens[3] = {sizeof(pexpireat) - 1, e->klen, kv_fmt_i64(ms, when)};
            emit(arg, 3, argv, lens);
        }
    }
}
