/*
 * tests/crash/wl_kv.c: kvstore's append-only file (lib/os/kv/aof.c) as a
 * host client fills it: SETs one at a time (each acknowledged once its
 * batch is committed: written, then flushed), enough for compactions.
 */
#define _GNU_SOURCE // memmem
#include "../fuzz/kv_canon.h"
#include "crash.h"
#include <os/kv.h>
#include <os/kv_aof.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct set {
    uint64_t i;
    char key[32];
    uint32_t vlen;
};

static struct set *sets;
static size_t n_sets;
static char *value;

// SET i's value: "val:i:" then letters made from i, vlen bytes in all
// (the test client's, tests/system/test_crashtest.py).
static size_t make_value(uint64_t i, uint32_t vlen)
{
    value = realloc(value, vlen + 32);
    size_t n = (size_t)snprintf(value, 32, "val:%lu:", (unsigned long)i);
    for (size_t j = n; j < vlen; j++)
        value[j] = (char)('a' + (i * 7 + j) % 26);
    return vlen > n ? vlen : n;
}

// Lines "SET i key vlen", in the order acknowledged.
static bool load_acks(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t cap = 0;
    while (f && fgets(line, sizeof(line), f)) {
        struct set s;
        if (sscanf(line, "SET %lu %31s %u", &s.i, s.key, &s.vlen) != 3)
            continue;
        if (n_sets == cap)
            sets = realloc(sets, (cap = cap ? cap * 2 : 1024) * sizeof(*sets));
        sets[n_sets++] = s;
    }
    if (f)
        fclose(f);
    return f != NULL;
}

static size_t count(void) { return n_sets; }

// The write holding SET a's value first (compaction copies it later).
static size_t find(const struct trace *t, size_t a, size_t from)
{
    char token[40];
    int n = snprintf(token, sizeof(token), "val:%lu:", (unsigned long)sets[a].i);
    for (size_t i = from; i < t->n; i++) {
        const struct wentry *w = &t->e[i];
        if (!w->flush && memmem(w->data, w->nr * SECTOR, token, (size_t)n))
            return i;
    }
    return t->n;
}

static struct kv_db *new_db(void) { return kv_db_new(&(struct kv_config){.seed = 7}); }

// The dataset after the first a SETs, canonical (kv_canon); cached, as
// the replay asks for a and a + 1 many times in a row.
static const char *model(size_t a, size_t *len)
{
    static char *canon[2];
    static size_t canon_len[2], canon_a[2] = {SIZE_MAX, SIZE_MAX};
    unsigned slot = a % 2;
    if (canon_a[slot] != a) {
        struct kv_db *db = new_db();
        const char **seen = calloc(a + 1, sizeof(*seen));
        size_t n_seen = 0;
        for (size_t k = a; k-- > 0;) { // a key's last SET before a is its value
            bool later = false;
            for (size_t j = 0; j < n_seen && !later; j++)
                later = !strcmp(seen[j], sets[k].key);
            if (later)
                continue;
            seen[n_seen++] = sets[k].key;
            size_t vlen = make_value(sets[k].i, sets[k].vlen);
            const char *argv[3] = {"SET", sets[k].key, value};
            size_t lens[3] = {3, strlen(sets[k].key), vlen};
            kv_db_replay(db, 3, argv, lens);
        }
        free(seen);
        free(canon[slot]);
        canon[slot] = kv_canon(db, &canon_len[slot]);
        canon_a[slot] = a;
        kv_db_free(db);
    }
    *len = canon_len[slot];
    return canon[slot];
}

// kv_aof_open replays the log: the dataset must be the one after the
// acknowledged SETs, or after the one in flight too; no command refused.
static bool check(const struct blockdev *dev, size_t acked, char *why, size_t why_len)
{
    struct kv_db *db = new_db();
    struct kv_aof *aof = NULL;
    struct kv_aof_info info;
    errval_t err = kv_aof_open(dev, db, 1, &aof, &info);
    bool ok = err_is_ok(err) && !info.refused;
    if (ok) {
        size_t len, want_len;
        char *got = kv_canon(db, &len);
        const char *want = model(acked, &want_len);
        bool now = len == want_len && !memcmp(got, want, len), next = false;
        if (!now && acked < n_sets) {
            want = model(acked + 1, &want_len);
            next = len == want_len && !memcmp(got, want, len);
        }
        ok = now || next;
        snprintf(
            why, why_len, "%lu keys (%s); %lu records, %lu batches, %lu snapshots, %lu abandoned%s",
            (unsigned long)kv_db_keys(db),
            now    ? "the acknowledged dataset"
            : next ? "with the SET in flight"
                   : "neither the acknowledged dataset nor the next",
            (unsigned long)info.records, (unsigned long)info.batches, (unsigned long)info.snapshots,
            (unsigned long)info.abandoned, info.formatted ? "; formatted" : "");
        free(got);
    } else {
        snprintf(why, why_len, "kv_aof_open: %s, %lu commands refused", err_name(err),
                 err_is_ok(err) ? (unsigned long)info.refused : 0ul);
    }
    kv_aof_close(aof);
    kv_db_free(db);
    return ok;
}

const struct workload wl_kv = {"kv", load_acks, count, find, check};
