/* usr/storctl/vsamap.c: the VSA map's checks and its on-disk form (vsamap.h). */
#include "vsamap.h"
#include <os/crc32c.h>
#include <string.h>

bool vsamap_name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char ch = name[n];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (!ok || n >= VSAMAP_NAME_MAX)
            return false;
    }
    return n > 0;
}

int vsamap_find(const struct vsamap *m, const char *name)
{
    for (unsigned i = 0; i < m->count; i++) {
        if (!strcmp(m->e[i].name, name))
            return (int)i;
    }
    return -1;
}

int vsamap_find_nsid(const struct vsamap *m, uint32_t nsid)
{
    for (unsigned i = 0; i < m->count; i++) {
        if (m->e[i].nsid == nsid)
            return (int)i;
    }
    return -1;
}

errval_t vsamap_add(struct vsamap *m, const char *name, uint32_t nsid)
{
    if (!vsamap_name_ok(name))
        return STORCTL_ERR_BAD_NAME;
    if (!nsid || vsamap_find(m, name) >= 0 || vsamap_find_nsid(m, nsid) >= 0)
        return SYS_ERR_INVALID_ARGS;
    if (m->count == VSAMAP_MAX)
        return STORCTL_ERR_NO_VSA_FREE;
    struct vsamap_entry *e = &m->e[m->count++];
    memset(e, 0, sizeof(*e));
    e->nsid = nsid;
    strcpy(e->name, name);
    return SYS_ERR_OK;
}

errval_t vsamap_remove(struct vsamap *m, const char *name)
{
    int k = vsamap_find(m, name);
    if (k < 0)
        return SYS_ERR_NOT_FOUND;
    memmove(&m->e[k], &m->e[k + 1], (m->count - (unsigned)k - 1) * sizeof(m->e[0]));
    m->count--;
    memset(&m->e[m->count], 0, sizeof(m->e[0]));
    return SYS_ERR_OK;
}

void vsamap_encode(const struct vsamap *m, void *out)
{
    struct vsamap_disk d;
    memset(&d, 0, sizeof(d));
    d.magic = VSAMAP_MAGIC;
    d.version = VSAMAP_VERSION;
    d.seq = m->seq;
    d.count = m->count;
    for (unsigned i = 0; i < m->count && i < VSAMAP_MAX; i++) {
        d.e[i].nsid = m->e[i].nsid;
        memcpy(d.e[i].name, m->e[i].name, sizeof(d.e[i].name));
    }
    d.crc = crc32c(0, &d, sizeof(d));
    memcpy(out, &d, sizeof(d));
}

errval_t vsamap_encode_next(const struct vsamap *cur, struct vsamap *m, void *out, unsigned *block)
{
    if (cur->seq >= VSAMAP_SEQ_LIMIT - 1)
        return STORCTL_ERR_META_WORN;
    m->seq = cur->seq + 1;
    vsamap_encode(m, out);
    *block = (unsigned)(m->seq % 2);
    return SYS_ERR_OK;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i])
            return false;
    }
    return true;
}

// An entry's name: NUL-terminated inside its field, NUL-padded, valid.
static bool entry_ok(const struct vsamap_disk_entry *e)
{
    size_t n = strnlen(e->name, sizeof(e->name));
    return e->nsid && !e->reserved && n < sizeof(e->name) &&
           all_zero(e->name + n, sizeof(e->name) - n) && vsamap_name_ok(e->name);
}

errval_t vsamap_decode(const void *in, unsigned block, struct vsamap *out)
{
    struct vsamap_disk d;
    memcpy(&d, in, sizeof(d));
    uint32_t crc = d.crc;
    d.crc = 0;
    if (d.magic != VSAMAP_MAGIC || d.version != VSAMAP_VERSION || crc != crc32c(0, &d, sizeof(d)) ||
        d.seq % 2 != block || d.seq >= VSAMAP_SEQ_LIMIT || d.count > VSAMAP_MAX || d.reserved ||
        !all_zero(d.zero, sizeof(d.zero)) ||
        !all_zero(&d.e[d.count], (VSAMAP_MAX - d.count) * sizeof(d.e[0])))
        return SYS_ERR_CORRUPT;
    struct vsamap m = {.seq = d.seq};
    for (unsigned i = 0; i < d.count; i++) {
        if (!entry_ok(&d.e[i]) || err_is_fail(vsamap_add(&m, d.e[i].name, d.e[i].nsid)))
            return SYS_ERR_CORRUPT;
    }
    *out = m;
    return SYS_ERR_OK;
}

errval_t vsamap_load(const void *block0, const void *block1, struct vsamap *out)
{
    struct vsamap m0, m1;
    bool ok0 = err_is_ok(vsamap_decode(block0, 0, &m0));
    bool ok1 = err_is_ok(vsamap_decode(block1, 1, &m1));
    if (ok0 && (!ok1 || m0.seq > m1.seq))
        *out = m0;
    else if (ok1)
        *out = m1;
    else if (all_zero(block0, VSAMAP_BLOCK) && all_zero(block1, VSAMAP_BLOCK))
        *out = (struct vsamap){0};
    else
        return STORCTL_ERR_META_CORRUPT;
    return SYS_ERR_OK;
}
