/* lib/os/kv/db.c: the keyspace: keys, deadlines, lazy and active expiry, log replay. */
#include "kv_impl.h"
#include <stdlib.h>
#include <string.h>

struct kv_db *kv_db_new(const struct kv_config *cfg)
{
    struct kv_db *db = kv_xalloc(sizeof(*db));
    memset(db, 0, sizeof(*db));
    db->cfg = *cfg;
    db->keys = kv_dict_new(&db->mem);
    db->expires = kv_dict_new(&db->mem);
    db->rng = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ull;
    db->start_ms = kv_now(db);
    return db;
}

static void free_values(struct kv_db *db)
{
    struct kv_dict_iter it = {0};
    for (struct kv_dent *e; (e = kv_dict_next(db->keys, &it));)
        kv_obj_free(&db->mem, e->v.p);
}

void kv_db_free(struct kv_db *db)
{
    free_values(db);
    kv_dict_free(db->keys);
    kv_dict_free(db->expires);
    free(db);
}

void kv_db_flush(struct kv_db *db)
{
    free_values(db);
    kv_dict_free(db->keys);
    kv_dict_free(db->expires);
    db->keys = kv_dict_new(&db->mem);
    db->expires = kv_dict_new(&db->mem);
    db->expire_cursor = 0;
}

uint64_t kv_db_used_memory(const struct kv_db *db) { return db->mem.used; }
uint64_t kv_db_keys(const struct kv_db *db) { return db->keys->count; }
uint64_t kv_db_expires(const struct kv_db *db) { return db->expires->count; }
void kv_db_note_rejected(struct kv_db *db) { db->stats.rejected++; }
void kv_db_set_maxmemory(struct kv_db *db, uint64_t bytes) { db->cfg.maxmemory = bytes; }

uint64_t kv_now(const struct kv_db *db)
{
    return db->cfg.clock_ms ? db->cfg.clock_ms(db->cfg.clock_arg) : 0;
}

void kv_emit(struct kv_db *db, int argc, const char *const *argv, const size_t *lens)
{
    if (db->cfg.on_write && !db->replaying)
        db->cfg.on_write(db->cfg.write_arg, argc, argv, lens);
}

void kv_propagate(struct kv_ctx *x, int argc, const char *const *argv, const size_t *lens)
{
    kv_emit(x->db, argc, argv, lens);
    x->propagated = true;
}

int64_t kv_get_expire(const struct kv_db *db, const char *k, size_t n)
{
    struct kv_dent *e = kv_dict_find(db->expires, k, n);
    return e ? (int64_t)e->v.u : -1;
}

void kv_set_expire(struct kv_db *db, const char *k, size_t n, int64_t when)
{
    struct kv_dent *e = kv_dict_find(db->expires, k, n);
    if (e == NULL)
        e = kv_dict_add(db->expires, k, n);
    e->v.u = (uint64_t)when;
}

bool kv_remove_expire(struct kv_db *db, const char *k, size_t n)
{
    return kv_dict_remove(db->expires, k, n, NULL);
}

bool kv_db_delete(struct kv_db *db, const char *k, size_t n)
{
    void *o;
    if (!kv_dict_remove(db->keys, k, n, &o))
        return false;
    kv_obj_free(&db->mem, o);
    kv_remove_expire(db, k, n);
    return true;
}

// Delete a key that is due and tell the log, as Redis propagates a DEL.
static void expire_key(struct kv_db *db, const char *k, size_t n)
{
    const char *argv[2] = {"DEL", k};
    size_t lens[2] = {3, n};
    kv_emit(db, 2, argv, lens);
    kv_db_delete(db, k, n);
    db->stats.expired++;
}

struct kv_obj *kv_lookup(struct kv_ctx *x, const char *k, size_t n)
{
    struct kv_dent *e = kv_dict_find(x->db->keys, k, n);
    if (e == NULL) {
        x->db->stats.misses++;
        return NULL;
    }
    int64_t when = kv_get_expire(x->db, k, n);
    // While replaying, deadlines in the past stand: a later logged command
    // may still find the key, as it did when it was logged.
    if (when >= 0 && (uint64_t)when <= x->now && !x->db->replaying) {
        expire_key(x->db, k, n);
        x->db->stats.misses++;
        return NULL;
    }
    x->db->stats.hits++;
    return e->v.p;
}

void kv_db_store(struct kv_ctx *x, const char *k, size_t n, struct kv_obj *o, bool keep_ttl)
{
    struct kv_dent *e = kv_dict_find(x->db->keys, k, n);
    if (e) {
        kv_obj_free(&x->db->mem, e->v.p);
    } else {
        e = kv_dict_add(x->db->keys, k, n);
    }
    e->v.p = o;
    if (!keep_ttl)
        kv_remove_expire(x->db, k, n);
}

struct expire_step {
    uint64_t now;
    unsigned seen;
    size_t ndue;
    struct kv_dent *due[64];
};

static void check_deadline(void *arg, struct kv_dent *e)
{
    struct expire_step *s = arg;
    s->seen++;
    if (e->v.u <= s->now && s->ndue < sizeof(s->due) / sizeof(s->due[0]))
        s->due[s->ndue++] = e;
}

// A persistent cursor walks the keys with deadlines a bucket at a time, so
// successive calls cover all of them in turn (Redis samples at random; a
// cursor is as fair and keeps tests deterministic).
unsigned kv_active_expire(struct kv_db *db, uint64_t now_ms, unsigned budget)
{
    unsigned expired = 0, seen = 0;
    bool wrapped = false;
    while (seen < budget && db->expires->count > 0) {
        struct expire_step s = {.now = now_ms};
        db->expire_cursor = kv_dict_scan(db->expires, db->expire_cursor, check_deadline, &s);
        seen += s.seen ? s.seen : 1;
        // Deleting unlinks only these entries; the others stay valid.
        for (size_t i = 0; i < s.ndue; i++) {
            struct kv_dent *e = s.due[i];
            expire_key(db, e->key, e->klen);
            expired++;
        }
        // Once around the table at most per call.
        if (db->expire_cursor == 0 && wrapped)
            break;
        wrapped |= db->expire_cursor == 0;
    }
    return expired;
}

bool kv_db_replay(struct kv_db *db, int argc, const char *const *argv, const size_t *lens)
{
    struct kv_buf out = {0};
    struct kv_ctx x = {.db = db, .out = &out, .argc = argc, .argv = argv, .lens = lens};
    db->replaying = true;
    kv_exec(&x);
    db->replaying = false;
    kv_buf_free(&out);
    return !x.failed;
}
