/* tests/unit/kv/harness.c: the helpers of harness.h. */
#include "harness.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t h_now;
struct kv_db *h_db;
struct kv_conn *h_c;
char h_log[1 << 16];
size_t h_log_len;

static char *taken;

static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return h_now;
}

static void log_write(void *arg, int argc, const char *const *argv, const size_t *lens)
{
    (void)arg;
    for (int i = 0; i < argc; i++) {
        ck_assert(h_log_len + lens[i] + 2 < sizeof(h_log));
        memcpy(h_log + h_log_len, argv[i], lens[i]);
        h_log_len += lens[i];
        h_log[h_log_len++] = i + 1 < argc ? ' ' : '\n';
    }
    h_log[h_log_len] = '\0';
}

void h_setup_max(uint64_t maxmemory)
{
    h_now = 1000000;
    h_log_len = 0;
    h_log[0] = '\0';
    struct kv_config cfg = {.clock_ms = fake_clock, .on_write = log_write, .seed = 42};
    cfg.maxmemory = maxmemory;
    h_db = kv_db_new(&cfg);
    h_c = kv_conn_new(h_db);
}

void h_setup(void) { h_setup_max(0); }

void h_teardown(void)
{
    kv_conn_free(h_c);
    kv_db_free(h_db);
    free(taken);
    taken = NULL;
}

const char *h_feed(const char *bytes, size_t len, size_t *out_len, bool *closed)
{
    bool c = kv_conn_feed(h_c, bytes, len);
    if (closed)
        *closed = c;
    struct kv_buf *b = kv_conn_output(h_c);
    free(taken);
    taken = malloc(b->len + 1);
    if (b->len > 0) // b->data is NULL before the first reply
        memcpy(taken, b->data, b->len);
    taken[b->len] = '\0';
    if (out_len)
        *out_len = b->len;
    kv_buf_consume(b, b->len);
    return taken;
}

// Show CR and LF, so a failure message is readable.
static const char *visible(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; *s && n + 3 < size; s++) {
        if (*s == '\r' || *s == '\n') {
            buf[n++] = '\\';
            buf[n++] = *s == '\r' ? 'r' : 'n';
        } else {
            buf[n++] = *s;
        }
    }
    buf[n] = '\0';
    return buf;
}

static void compare(const char *file, int line, const char *req, const char *got, const char *want)
{
    static char g[8192], w[8192];
    ck_assert_msg(!strcmp(got, want), "%s:%d: %s\n got: %s\nwant: %s", file, line, req,
                  visible(got, g, sizeof(g)), visible(want, w, sizeof(w)));
}

void h_expect(const char *file, int line, const char *req, const char *resp)
{
    size_t n = strlen(req);
    char *msg = malloc(n + 3);
    memcpy(msg, req, n);
    memcpy(msg + n, "\r\n", 3);
    compare(file, line, req, h_feed(msg, n + 2, NULL, NULL), resp);
    free(msg);
}

int h_split(const char *s, const char **argv, size_t *lens, char *store)
{
    int argc = 0;
    strcpy(store, s);
    for (char *save = NULL, *w = strtok_r(store, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        argv[argc] = w;
        lens[argc++] = strlen(w);
    }
    return argc;
}

void h_expect_mb(const char *file, int line, const char *req, const char *resp)
{
    const char *argv[64];
    size_t lens[64];
    char store[4096], msg[8192];
    int argc = h_split(req, argv, lens, store);
    size_t n = (size_t)snprintf(msg, sizeof(msg), "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += (size_t)snprintf(msg + n, sizeof(msg) - n, "$%zu\r\n%s\r\n", lens[i], argv[i]);
    compare(file, line, req, h_feed(msg, n, NULL, NULL), resp);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Every key's TYPE, TTL-free contents as this connection sees them, sorted.
void h_dump(struct kv_db *db, char *out, size_t size)
{
    struct kv_conn *c = kv_conn_new(db);
    kv_conn_feed(c, "KEYS *\r\n", 8);
    struct kv_buf *b = kv_conn_output(c);
    char *keys[4096];
    int nkeys = 0;
    char *p = b->data, *end = b->data + b->len;
    p = strstr(p, "\r\n") + 2;
    while (p < end && nkeys < 4096) {
        size_t len = strtoul(p + 1, &p, 10);
        p += 2;
        keys[nkeys] = strndup(p, len);
        nkeys++;
        p += len + 2;
    }
    kv_buf_consume(b, b->len);
    qsort(keys, (size_t)nkeys, sizeof(keys[0]), cmp_str);
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < nkeys; i++) {
        char req[512];
        static const char *const reads[][2] = {{"+string", "GET"},
                                               {"+list", "LRANGE"},
                                               {"+set", "SMEMBERS"},
                                               {"+hash", "HGETALL"},
                                               {"+zset", "ZRANGE"}};
        snprintf(req, sizeof(req), "TYPE %s\r\n", keys[i]);
        kv_conn_feed(c, req, strlen(req));
        const char *cmd = "GET", *extra = "";
        for (int t = 0; t < 5; t++)
            if (!strncmp(b->data, reads[t][0], strlen(reads[t][0])))
                cmd = reads[t][1];
        if (!strcmp(cmd, "LRANGE"))
            extra = " 0 -1";
        if (!strcmp(cmd, "ZRANGE"))
            extra = " 0 -1 WITHSCORES";
        kv_buf_consume(b, b->len);
        snprintf(req, sizeof(req), "%s %s%s\r\nPTTL %s\r\n", cmd, keys[i], extra, keys[i]);
        kv_conn_feed(c, req, strlen(req));
        // Sets and hashes come in table order: sort their lines for comparing.
        char *copy = strndup(b->data, b->len);
        char *lines[1024];
        int nl = 0;
        for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && nl < 1024;
             l = strtok_r(NULL, "\n", &save))
            lines[nl++] = l;
        if (strcmp(cmd, "LRANGE") && strcmp(cmd, "ZRANGE"))
            qsort(lines, (size_t)nl, sizeof(lines[0]), cmp_str);
        n += (size_t)snprintf(out + n, size - n, "%s:", keys[i]);
        for (int l = 0; l < nl && n < size; l++)
            n += (size_t)snprintf(out + n, size - n, "%s|", lines[l]);
        n += (size_t)snprintf(out + n, size - n, "\n");
        free(copy);
        kv_buf_consume(b, b->len);
        free(keys[i]);
    }
    kv_conn_free(c);
}
