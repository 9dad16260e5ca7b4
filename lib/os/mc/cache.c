/* lib/os/mc/cache.c: the memcached engine's items: hash table, LRU, memory limit, expiry, CAS. */
#include "mc_priv.h"
#include <stdlib.h>
#include <string.h>

#define HASH_POWER_INIT 10
#define HASH_POWER_MAX  30

void mc_config_init(struct mc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_bytes = 64u << 20;
    cfg->item_size_max = 1u << 20;
    cfg->get_line_max = 64u << 10;
    cfg->version = MC_VERSION;
    cfg->max_conns = 1024;
    cfg->threads = 1;
    cfg->tcp_port = 11211;
    cfg->udp_port = 11211;
}

errval_t mc_cache_new(const struct mc_config *cfg, struct mc_cache **out)
{
    // Up to 1 GB as memcached's -I; that also keeps a value's size in 32 bits.
    if (!cfg->clock || !cfg->max_bytes || cfg->item_size_max < 1024 ||
        cfg->item_size_max > MC_ITEM_SIZE_MAX || cfg->get_line_max < MC_LINE_MAX || !cfg->version)
        return SYS_ERR_INVALID_ARGS;
    struct mc_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return SYS_ERR_NO_MEMORY;
    c->table = calloc((size_t)1 << HASH_POWER_INIT, sizeof(*c->table));
    if (!c->table) {
        free(c);
        return SYS_ERR_NO_MEMORY;
    }
    c->cfg = *cfg;
    c->hash_power = HASH_POWER_INIT;
    c->now = (int64_t)cfg->clock(cfg->clock_arg);
    c->started = c->now;
    *out = c;
    return SYS_ERR_OK;
}

static void remove_all(struct mc_cache *c)
{
    while (c->lru_tail)
        mc_item_unlink(c, c->lru_tail);
}

void mc_cache_free(struct mc_cache *cache)
{
    if (!cache)
        return;
    remove_all(cache);
    free(cache->table);
    free(cache);
}

struct mc_stats *mc_cache_stats(struct mc_cache *cache) { return &cache->stats; }

// FNV-1a, 32 bits: short keys, no adversary model beyond memcached's own.
static uint32_t hash_key(const char *key, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)key[i]) * 16777619u;
    return h;
}

size_t mc_item_size(size_t nkey, size_t nbytes)
{
    return sizeof(struct mc_item) + nkey + nbytes + 2;
}

static size_t item_total(const struct mc_item *it) { return mc_item_size(it->nkey, it->nbytes); }

uint64_t mc_age(const struct mc_cache *c, const struct mc_item *it)
{
    return c->now > it->atime ? (uint64_t)(c->now - it->atime) : 0; // a clock set back: 0
}

static bool item_expired(const struct mc_cache *c, const struct mc_item *it)
{
    return it->exptime != 0 && it->exptime <= c->now;
}

static struct mc_item **bucket(struct mc_cache *c, uint32_t hash)
{
    return &c->table[hash & (((uint32_t)1 << c->hash_power) - 1)];
}

// Double the buckets once the chains average 1.5 items. Without memory
// for the new table the old one stays: longer chains, still correct.
static void hash_grow(struct mc_cache *c)
{
    size_t n = (size_t)1 << c->hash_power;
    if (c->stats.curr_items <= n + n / 2 || c->hash_power >= HASH_POWER_MAX)
        return;
    struct mc_item **t = calloc(n * 2, sizeof(*t));
    if (!t)
        return;
    for (size_t i = 0; i < n; i++) {
        for (struct mc_item *it = c->table[i], *next; it; it = next) {
            next = it->hnext;
            struct mc_item **b = &t[it->hash & (n * 2 - 1)];
            it->hnext = *b;
            *b = it;
        }
    }
    free(c->table);
    c->table = t;
    c->hash_power++;
}

static void lru_remove(struct mc_cache *c, struct mc_item *it)
{
    if (it->newer)
        it->newer->older = it->older;
    else
        c->lru_head = it->older;
    if (it->older)
        it->older->newer = it->newer;
    else
        c->lru_tail = it->newer;
}

static void lru_push(struct mc_cache *c, struct mc_item *it)
{
    it->newer = NULL;
    it->older = c->lru_head;
    if (c->lru_head)
        c->lru_head->newer = it;
    else
        c->lru_tail = it;
    c->lru_head = it;
}

void mc_cache_tick(struct mc_cache *c)
{
    c->now = (int64_t)c->cfg.clock(c->cfg.clock_arg);
    // Every item now linked was stored before the deadline: a store at or
    // after it would have come through here first.
    if (c->flush_at && c->now >= c->flush_at) {
        c->flush_at = 0;
        remove_all(c);
    }
}

int64_t mc_exptime(const struct mc_cache *c, int64_t exptime)
{
    if (exptime == 0)
        return 0;
    if (exptime < 0)
        return INT64_MIN; // before any clock: expired at once
    if (exptime <= MC_RELATIVE_MAX)
        return c->now + exptime;
    return exptime;
}

struct mc_item *mc_item_get(struct mc_cache *c, const char *key, size_t nkey, bool *expired)
{
    uint32_t h = hash_key(key, nkey);
    struct mc_item *it = *bucket(c, h);
    while (it && !(it->hash == h && it->nkey == nkey && !memcmp(it->data, key, nkey)))
        it = it->hnext;
    if (expired)
        *expired = it && item_expired(c, it);
    if (it && item_expired(c, it)) {
        mc_item_unlink(c, it);
        return NULL;
    }
    return it;
}

void mc_item_bump(struct mc_cache *c, struct mc_item *it)
{
    it->atime = c->now;
    it->fetched = true;
    lru_remove(c, it);
    lru_push(c, it);
}

enum mc_store_result mc_item_fits(struct mc_cache *c, size_t nkey, uint64_t nbytes)
{
    uint64_t total = mc_item_size(nkey, 0) + nbytes;
    if (total > c->cfg.item_size_max)
        return MC_TOO_LARGE;
    if (total > c->cfg.max_bytes)
        return MC_NO_MEMORY;
    return MC_STORED;
}

struct mc_item *mc_item_alloc(const char *key, size_t nkey, uint32_t flags, int64_t exptime,
                              uint32_t nbytes)
{
    struct mc_item *it = malloc(sizeof(*it) + nkey + nbytes + 2);
    if (!it)
        return NULL;
    memset(it, 0, sizeof(*it));
    it->exptime = exptime;
    it->flags = flags;
    it->nbytes = nbytes;
    it->nkey = (uint8_t)nkey;
    it->hash = hash_key(key, nkey);
    memcpy(it->data, key, nkey);
    return it;
}

void mc_item_unlink(struct mc_cache *c, struct mc_item *it)
{
    struct mc_item **p = bucket(c, it->hash);
    while (*p != it)
        p = &(*p)->hnext;
    *p = it->hnext;
    lru_remove(c, it);
    c->stats.curr_items--;
    c->stats.bytes -= item_total(it);
    free(it);
}

// Free memory for need more bytes from the LRU tail: expired items always
// (reclaimed), valid ones unless no_evict (evicted). False when it cannot.
static bool make_room(struct mc_cache *c, size_t need)
{
    while (c->stats.bytes + need > c->cfg.max_bytes) {
        struct mc_item *t = c->lru_tail;
        if (!t)
            return false;
        if (item_expired(c, t)) {
            c->stats.reclaimed++;
            c->stats.expired_unfetched += !t->fetched;
        } else if (c->cfg.no_evict) {
            return false;
        } else {
            c->stats.evictions++;
            c->stats.evicted_nonzero += t->exptime != 0;
            c->stats.evicted_unfetched += !t->fetched;
            c->stats.evicted_time = mc_age(c, t);
        }
        mc_item_unlink(c, t);
    }
    return true;
}

static void link_item(struct mc_cache *c, struct mc_item *it)
{
    struct mc_item **b = bucket(c, it->hash);
    it->hnext = *b;
    *b = it;
    lru_push(c, it);
    it->cas = ++c->last_cas;
    it->atime = c->now;
    it->fetched = false;
    c->stats.curr_items++;
    c->stats.total_items++;
    c->stats.bytes += item_total(it);
    hash_grow(c);
}

// Link it in place of old (may be NULL), making room. With no_evict, old
// stays when the new item does not fit.
static enum mc_store_result link_replacing(struct mc_cache *c, struct mc_item *it,
                                           struct mc_item *old)
{
    size_t need = item_total(it);
    bool fits = true;
    if (old && c->cfg.no_evict && need > item_total(old))
        fits = make_room(c, need - item_total(old));
    if (fits && old)
        mc_item_unlink(c, old);
    if (!fits || !make_room(c, need)) {
        free(it);
        c->stats.outofmemory++;
        return MC_NO_MEMORY;
    }
    link_item(c, it);
    return MC_STORED;
}

// The item append or prepend makes of old and it (whose data it takes),
// keeping old's flags and exptime; NULL with *r saying why.
static struct mc_item *concat(struct mc_cache *c, struct mc_item *old, struct mc_item *it,
                              bool append, enum mc_store_result *r)
{
    uint64_t n = (uint64_t)old->nbytes + it->nbytes;
    *r = mc_item_fits(c, old->nkey, n);
    struct mc_item *res = NULL;
    if (*r == MC_STORED) {
        res = mc_item_alloc(item_key(old), old->nkey, old->flags, old->exptime, (uint32_t)n);
        *r = MC_NO_MEMORY;
    }
    if (res) {
        struct mc_item *first = append ? old : it, *second = append ? it : old;
        memcpy(item_value(res), item_value(first), first->nbytes);
        memcpy(item_value(res) + first->nbytes, item_value(second), second->nbytes + 2);
    }
    free(it);
    return res;
}

// Whether cmd may store over old (NULL: none), counting cas outcomes.
static enum mc_store_result store_allowed(struct mc_cache *c, struct mc_item *old,
                                          enum mc_store_cmd cmd, uint64_t cas)
{
    switch (cmd) {
    case MC_SET: return MC_STORED;
    case MC_ADD:
        if (old)
            mc_item_bump(c, old); // as memcached: a refused add still counts as a use
        return old ? MC_NOT_STORED : MC_STORED;
    case MC_REPLACE:
    case MC_APPEND:
    case MC_PREPEND: return old ? MC_STORED : MC_NOT_STORED;
    case MC_CAS:
        if (!old) {
            c->stats.cas_misses++;
            return MC_NOT_FOUND;
        }
        if (old->cas != cas) {
            c->stats.cas_badval++;
            return MC_EXISTS;
        }
        c->stats.cas_hits++;
        return MC_STORED;
    }
    return MC_NOT_STORED;
}

enum mc_store_result mc_item_store(struct mc_cache *c, struct mc_item *it, enum mc_store_cmd cmd,
                                   uint64_t cas)
{
    struct mc_item *old = mc_item_get(c, item_key(it), it->nkey, NULL);
    enum mc_store_result r = store_allowed(c, old, cmd, cas);
    if (r != MC_STORED) {
        free(it);
        return r;
    }
    if (cmd == MC_APPEND || cmd == MC_PREPEND) {
        it = concat(c, old, it, cmd == MC_APPEND, &r);
        if (!it) {
            c->stats.outofmemory += r == MC_NO_MEMORY;
            return r;
        }
    }
    return link_replacing(c, it, old);
}

bool mc_item_set_number(struct mc_cache *c, struct mc_item *it, const char *digits, size_t n)
{
    if (n == it->nbytes) {
        memcpy(item_value(it), digits, n);
        it->cas = ++c->last_cas;
        mc_item_bump(c, it);
        return true;
    }
    struct mc_item *nit =
        mc_item_alloc(item_key(it), it->nkey, it->flags, it->exptime, (uint32_t)n);
    if (!nit)
        return false;
    memcpy(item_value(nit), digits, n);
    memcpy(item_value(nit) + n, "\r\n", 2);
    return link_replacing(c, nit, it) == MC_STORED;
}

void mc_cache_flush(struct mc_cache *c, int64_t deadline)
{
    c->flush_at = 0;
    if (deadline > c->now)
        c->flush_at = deadline;
    else
        remove_all(c);
}
