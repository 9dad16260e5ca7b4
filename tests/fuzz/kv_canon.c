/* tests/fuzz/kv_canon.c: a dataset's canonical form, and write reports recorded and replayed. */
#include "kv_canon.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
    struct kv_buf *v;
    size_t n, cap;
    struct kv_buf list_key; // the list whose elements are being numbered
    size_t list_index;
};

static void put_arg(struct kv_buf *b, const char *p, size_t n)
{
    char num[24];
    int k = snprintf(num, sizeof(num), "%zu:", n);
    kv_buf_append(b, num, (size_t)k);
    kv_buf_append(b, p, n);
}

static void add_line(struct lines *l, char tag, const char *key, size_t klen, const char *a,
                     size_t alen, const char *b, size_t blen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    struct kv_buf *line = &l->v[l->n++];
    *line = (struct kv_buf){0};
    kv_buf_append(line, &tag, 1);
    put_arg(line, key, klen);
    put_arg(line, a, alen);
    if (b)
        put_arg(line, b, blen);
}

// The index of the next element of list key: lists come in order, one
// key's RPUSH commands one after the other.
static size_t list_index(struct lines *l, const char *key, size_t klen)
{
    if (l->list_key.len != klen || (klen > 0 && memcmp(l->list_key.data, key, klen))) {
        kv_buf_consume(&l->list_key, l->list_key.len);
        kv_buf_append(&l->list_key, key, klen);
        l->list_index = 0;
    }
    return l->list_index++;
}

static void on_snapshot(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    struct lines *l = arg;
    const char *verb = argv[0], *key = argv[1];
    size_t klen = lens[1];
    char idx[24];
    if (!strncmp(verb, "SET", lens[0]) || !strncmp(verb, "PEXPIREAT", lens[0])) {
        add_line(l, verb[0], key, klen, argv[2], lens[2], NULL, 0);
    } else if (!strncmp(verb, "RPUSH", lens[0])) {
        for (int i = 2; i < argc; i++) {
            int k = snprintf(idx, sizeof(idx), "%zu", list_index(l, key, klen));
            add_line(l, 'L', key, klen, idx, (size_t)k, argv[i], lens[i]);
        }
    } else if (!strncmp(verb, "SADD", lens[0])) {
        for (int i = 2; i < argc; i++)
            add_line(l, 'A', key, klen, argv[i], lens[i], NULL, 0);
    } else {
        // HSET field value, ZADD score member: both pairs.
        for (int i = 2; i + 1 < argc; i += 2)
            add_line(l, verb[0], key, klen, argv[i], lens[i], argv[i + 1], lens[i + 1]);
    }
}

static int cmp_line(const void *pa, const void *pb)
{
    const struct kv_buf *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

char *kv_canon(struct kv_db *db, size_t *len)
{
    struct lines l = {0};
    kv_db_snapshot(db, on_snapshot, &l);
    if (l.n > 0)
        qsort(l.v, l.n, sizeof(*l.v), cmp_line);
    struct kv_buf out = {0};
    for (size_t i = 0; i < l.n; i++) {
        kv_buf_append(&out, l.v[i].data, l.v[i].len);
        kv_buf_append(&out, "\n", 1);
        kv_buf_free(&l.v[i]);
    }
    free(l.v);
    kv_buf_free(&l.list_key);
    kv_buf_append(&out, "", 1); // never NULL
    *len = out.len - 1;
    return out.data;
}

// A recorded command: argc, then each argument's length and bytes.
void kv_canon_record(void *buf, int argc, const char *const *argv, const size_t *lens)
{
    struct kv_buf *b = buf;
    uint32_t n = (uint32_t)argc;
    kv_buf_append(b, &n, sizeof(n));
    for (int i = 0; i < argc; i++) {
        uint64_t len = lens[i];
        kv_buf_append(b, &len, sizeof(len));
        kv_buf_append(b, argv[i], lens[i]);
    }
}

unsigned kv_canon_replay(const struct kv_buf *buf, struct kv_db *db)
{
    unsigned refused = 0;
    for (size_t at = 0; at < buf->len;) {
        uint32_t argc;
        memcpy(&argc, buf->data + at, sizeof(argc));
        at += sizeof(argc);
        const char **argv = malloc(argc * sizeof(*argv));
        size_t *lens = malloc(argc * sizeof(*lens));
        for (uint32_t i = 0; i < argc; i++) {
            uint64_t len;
            memcpy(&len, buf->data + at, sizeof(len));
            argv[i] = buf->data + at + sizeof(len);
            lens[i] = (size_t)len;
            at += sizeof(len) + (size_t)len;
        }
        refused += !kv_db_replay(db, (int)argc, argv, lens);
        free(argv);
        free(lens);
    }
    return refused;
}
