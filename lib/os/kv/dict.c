/* lib/os/kv/dict.c: a chained hash table of byte-string keys, resized by rehashing at once. */
#include "kv_impl.h"
#include <string.h>

#define DICT_MIN 4

// FNV-1a, then a 64-bit finalizer so the low bits (the bucket) mix all bytes.
static uint64_t hash(const void *k, size_t n)
{
    const unsigned char *p = k;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

uint64_t kv_rand(uint64_t *rng)
{
    // xorshift64*: the state is never 0.
    uint64_t x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

struct kv_dict *kv_dict_new(struct kv_mem *m)
{
    struct kv_dict *d = kv_alloc(m, sizeof(*d));
    d->mem = m;
    d->size = DICT_MIN;
    d->count = 0;
    d->tab = kv_alloc(m, DICT_MIN * sizeof(*d->tab));
    memset(d->tab, 0, DICT_MIN * sizeof(*d->tab));
    return d;
}

void kv_dict_free(struct kv_dict *d)
{
    for (uint64_t i = 0; i < d->size; i++) {
        struct kv_dent *e = d->tab[i];
        while (e) {
            struct kv_dent *next = e->next;
            kv_free(d->mem, e);
            e = next;
        }
    }
    kv_free(d->mem, d->tab);
    kv_free(d->mem, d);
}

static void resize(struct kv_dict *d, uint64_t size)
{
    struct kv_dent **tab = kv_alloc(d->mem, size * sizeof(*tab));
    memset(tab, 0, size * sizeof(*tab));
    for (uint64_t i = 0; i < d->size; i++) {
        struct kv_dent *e = d->tab[i];
        while (e) {
            struct kv_dent *next = e->next;
            e->next = tab[e->hash & (size - 1)];
            tab[e->hash & (size - 1)] = e;
            e = next;
        }
    }
    kv_free(d->mem, d->tab);
    d->tab = tab;
    d->size = size;
}

struct kv_dent *kv_dict_find(const struct kv_dict *d, const void *k, size_t n)
{
    uint64_t h = hash(k, n);
    for (struct kv_dent *e = d->tab[h & (d->size - 1)]; e; e = e->next)
        if (e->hash == h && e->klen == n && !memcmp(e->key, k, n))
            return e;
    return NULL;
}

struct kv_dent *kv_dict_add(struct kv_dict *d, const void *k, size_t n)
{
    if (d->count >= d->size)
        resize(d, d->size * 2);
    struct kv_dent *e = kv_alloc(d->mem, sizeof(*e) + n);
    e->hash = hash(k, n);
    e->v.u = 0;
    e->klen = n;
    memcpy(e->key, k, n);
    e->next = d->tab[e->hash & (d->size - 1)];
    d->tab[e->hash & (d->size - 1)] = e;
    d->count++;
    return e;
}

bool kv_dict_remove(struct kv_dict *d, const void *k, size_t n, void **old)
{
    uint64_t h = hash(k, n);
    for (struct kv_dent **pe = &d->tab[h & (d->size - 1)]; *pe; pe = &(*pe)->next) {
        struct kv_dent *e = *pe;
        if (e->hash != h || e->klen != n || memcmp(e->key, k, n))
            continue;
        *pe = e->next;
        if (old)
            *old = e->v.p;
        kv_free(d->mem, e);
        // Shrink below 1/8 full, so memory follows the count down.
        if (--d->count < d->size / 8 && d->size > DICT_MIN)
            resize(d, d->size / 2);
        return true;
    }
    return false;
}

static uint64_t rev64(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++, v >>= 1)
        r = (r << 1) | (v & 1);
    return r;
}

// The cursor counts up in bit-reversed order over the bucket index: a
// bucket of a smaller table covers the buckets of a larger one that share
// its low bits, and those come next in that order, so a resize between
// steps neither skips an entry nor restarts the scan.
uint64_t kv_dict_scan(const struct kv_dict *d, uint64_t cursor,
                      void (*fn)(void *arg, struct kv_dent *e), void *arg)
{
    uint64_t mask = d->size - 1;
    for (struct kv_dent *e = d->tab[cursor & mask]; e; e = e->next)
        fn(arg, e);
    cursor |= ~mask;
    cursor = rev64(cursor);
    cursor++;
    return rev64(cursor);
}

struct kv_dent *kv_dict_random(const struct kv_dict *d, uint64_t *rng)
{
    struct kv_dent *e;
    do
        e = d->tab[kv_rand(rng) & (d->size - 1)];
    while (e == NULL);
    size_t len = 0;
    for (struct kv_dent *i = e; i; i = i->next)
        len++;
    for (size_t skip = kv_rand(rng) % len; skip; skip--)
        e = e->next;
    return e;
}

struct kv_dent *kv_dict_next(const struct kv_dict *d, struct kv_dict_iter *it)
{
    if (it->e && it->e->next) {
        it->e = it->e->next;
        return it->e;
    }
    uint64_t b = it->e ? it->bucket + 1 : it->bucket;
    for (; b < d->size; b++) {
        if (d->tab[b]) {
            it->bucket = b;
            it->e = d->tab[b];
            return it->e;
        }
    }
    it->bucket = d->size;
    it->e = NULL;
    return NULL;
}
