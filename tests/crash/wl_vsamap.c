/*
 * tests/crash/wl_vsamap.c: storctl's VSA map (usr/storctl/vsamap.c) in
 * blocks 0 and 1 of namespace 1, as VSAs are created, named and
 * destroyed; each acknowledgement is the map after one operation.
 */
#include "crash.h"
#include "vsamap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vsamap *maps; // maps[a]: after operation a (maps[-1]: empty)
static size_t n_maps;

// Lines "MAP name=nsid ...", the map after each acknowledged operation.
static bool load_acks(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "MAP", 3))
            continue;
        struct vsamap m = {0};
        char name[64];
        unsigned nsid;
        int used = 0;
        for (char *p = line + 3; sscanf(p, " %63[^= \n]=%u%n", name, &nsid, &used) == 2; p += used)
            if (err_is_fail(vsamap_add(&m, name, nsid))) {
                fclose(f);
                return false;
            }
        if (n_maps == cap)
            maps = realloc(maps, (cap = cap ? cap * 2 : 64) * sizeof(*maps));
        maps[n_maps++] = m;
    }
    if (f)
        fclose(f);
    return f != NULL;
}

static size_t count(void) { return n_maps; }

static bool same(const struct vsamap *a, const struct vsamap *b)
{
    if (a->count != b->count)
        return false;
    for (unsigned i = 0; i < a->count; i++) {
        if (a->e[i].nsid != b->e[i].nsid || strcmp(a->e[i].name, b->e[i].name))
            return false;
    }
    return true;
}

// The write of a map copy (block 0 or 1) that decodes to maps[a].
static size_t find(const struct trace *t, size_t a, size_t from)
{
    for (size_t i = from; i < t->n; i++) {
        const struct wentry *w = &t->e[i];
        for (uint64_t b = w->sector; !w->flush && b < 2 && b < w->sector + w->nr; b++) {
            struct vsamap m;
            if (err_is_ok(vsamap_decode(w->data + (b - w->sector) * SECTOR, (unsigned)b, &m)) &&
                same(&m, &maps[a]))
                return i;
        }
    }
    return t->n;
}

static void show(const struct vsamap *m, char *out, size_t len)
{
    size_t at = (size_t)snprintf(out, len, "{");
    for (unsigned i = 0; i < m->count && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, " %s=%u", m->e[i].name, m->e[i].nsid);
    if (at < len)
        snprintf(out + at, len - at, " }");
}

// storctl's map_load: both copies, the valid newer one. It must be the
// map after the acknowledged operations, or after the next one.
static bool check(const struct blockdev *dev, size_t acked, char *why, size_t why_len)
{
    static uint8_t b[2][SECTOR];
    struct vsamap m, empty = {0};
    errval_t err = dev->read(dev->arg, 0, 2, b);
    if (err_is_ok(err))
        err = vsamap_load(b[0], b[1], &m);
    if (err_is_fail(err)) {
        snprintf(why, why_len, "vsamap_load: %s", err_name(err));
        return false;
    }
    char s[256];
    show(&m, s, sizeof(s));
    snprintf(why, why_len, "map seq %lu %s", (unsigned long)m.seq, s);
    const struct vsamap *now = acked ? &maps[acked - 1] : &empty;
    return same(&m, now) || (acked < n_maps && same(&m, &maps[acked]));
}

const struct workload wl_vsamap = {"vsamap", load_acks, count, find, check};
