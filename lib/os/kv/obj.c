/* lib/os/kv/obj.c: the values: strings, lists (rings), sets and hashes (dicts), sorted sets. */
#include "kv_impl.h"
#include <string.h>

struct kv_str *kv_str_new(struct kv_mem *m, const void *p, size_t n)
{
    struct kv_str *s = kv_alloc(m, sizeof(*s) + n);
    s->len = n;
    memcpy(s->data, p, n);
    return s;
}

struct kv_obj *kv_obj_new(struct kv_mem *m, enum kv_type type)
{
    struct kv_obj *o = kv_alloc(m, sizeof(*o));
    o->type = type;
    switch (type) {
    case KV_STRING: o->str = NULL; break;
    case KV_LIST:
        o->list = kv_alloc(m, sizeof(*o->list));
        memset(o->list, 0, sizeof(*o->list));
        break;
    case KV_SET:
    case KV_HASH: o->dict = kv_dict_new(m); break;
    case KV_ZSET:
        o->zset = kv_alloc(m, sizeof(*o->zset));
        memset(o->zset, 0, sizeof(*o->zset));
        o->zset->dict = kv_dict_new(m);
        break;
    }
    return o;
}

static void free_hash_values(struct kv_mem *m, struct kv_dict *d)
{
    struct kv_dict_iter it = {0};
    for (struct kv_dent *e; (e = kv_dict_next(d, &it));)
        kv_free(m, e->v.p);
}

void kv_obj_free(struct kv_mem *m, struct kv_obj *o)
{
    switch (o->type) {
    case KV_STRING: kv_free(m, o->str); break;
    case KV_LIST:
        for (size_t i = 0; i < o->list->len; i++)
            kv_free(m, kv_list_at(o->list, i));
        kv_free(m, o->list->items);
        kv_free(m, o->list);
        break;
    case KV_HASH:
        free_hash_values(m, o->dict);
        kv_dict_free(o->dict);
        break;
    case KV_SET: kv_dict_free(o->dict); break;
    case KV_ZSET:
        for (size_t i = 0; i < o->zset->len; i++)
            kv_free(m, o->zset->v[i].member);
        kv_free(m, o->zset->v);
        kv_dict_free(o->zset->dict);
        kv_free(m, o->zset);
        break;
    }
    kv_free(m, o);
}

const char *kv_type_name(enum kv_type t)
{
    static const char *const names[] = {"string", "list", "set", "hash", "zset"};
    return names[t];
}

struct kv_str *kv_list_at(const struct kv_list *l, size_t i)
{
    return l->items[(l->head + i) % l->cap];
}

static void list_grow(struct kv_mem *m, struct kv_list *l)
{
    size_t cap = l->cap ? l->cap * 2 : 4;
    struct kv_str **items = kv_alloc(m, cap * sizeof(*items));
    for (size_t i = 0; i < l->len; i++)
        items[i] = kv_list_at(l, i);
    kv_free(m, l->items);
    l->items = items;
    l->cap = cap;
    l->head = 0;
}

void kv_list_push(struct kv_mem *m, struct kv_list *l, struct kv_str *s, bool left)
{
    if (l->len == l->cap)
        list_grow(m, l);
    if (left) {
        l->head = (l->head + l->cap - 1) % l->cap;
        l->items[l->head] = s;
    } else {
        l->items[(l->head + l->len) % l->cap] = s;
    }
    l->len++;
}

struct kv_str *kv_list_pop(struct kv_list *l, bool left)
{
    struct kv_str *s;
    if (left) {
        s = l->items[l->head];
        l->head = (l->head + 1) % l->cap;
    } else {
        s = kv_list_at(l, l->len - 1);
    }
    l->len--;
    return s;
}

static int zcmp(uint64_t score, const void *m, size_t n, const struct kv_zent *e)
{
    uint64_t a = kv_double_order(score), b = kv_double_order(e->score);
    if (a != b)
        return a < b ? -1 : 1;
    size_t min = n < e->member->len ? n : e->member->len;
    int c = memcmp(m, e->member->data, min);
    if (c)
        return c;
    return n < e->member->len ? -1 : n > e->member->len;
}

size_t kv_zset_search(const struct kv_zset *z, uint64_t score, const void *m, size_t n, bool *found)
{
    size_t lo = 0, hi = z->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = zcmp(score, m, n, &z->v[mid]);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *found = false;
    return lo;
}

// Take entry i out of the order; returns its member string.
static struct kv_str *zset_cut(struct kv_zset *z, size_t i)
{
    struct kv_str *s = z->v[i].member;
    memmove(&z->v[i], &z->v[i + 1], (z->len - i - 1) * sizeof(*z->v));
    z->len--;
    return s;
}

void kv_zset_set(struct kv_mem *mem, struct kv_zset *z, const void *m, size_t n, uint64_t score)
{
    struct kv_dent *e = kv_dict_find(z->dict, m, n);
    struct kv_str *s;
    bool found;
    if (e) {
        s = zset_cut(z, kv_zset_search(z, e->v.u, m, n, &found));
    } else {
        e = kv_dict_add(z->dict, m, n);
        s = kv_str_new(mem, m, n);
    }
    e->v.u = score;
    if (z->len == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 4;
        z->v = kv_realloc(mem, z->v, z->cap * sizeof(*z->v));
    }
    size_t i = kv_zset_search(z, score, m, n, &found);
    memmove(&z->v[i + 1], &z->v[i], (z->len - i) * sizeof(*z->v));
    z->v[i].score = score;
    z->v[i].member = s;
    z->len++;
}

bool kv_zset_remove(struct kv_mem *mem, struct kv_zset *z, const void *m, size_t n)
{
    struct kv_dent *e = kv_dict_find(z->dict, m, n);
    if (e == NULL)
        return false;
    bool found;
    // m may be the member string itself (ZPOPMIN): free it last.
    struct kv_str *s = zset_cut(z, kv_zset_search(z, e->v.u, m, n, &found));
    kv_dict_remove(z->dict, m, n, NULL);
    kv_free(mem, s);
    return true;
}
