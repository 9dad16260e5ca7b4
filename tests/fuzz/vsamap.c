/*
 * tests/fuzz/vsamap.c: storctl's VSA map as it is read from namespace 1
 * at start (usr/storctl/vsamap.c: vsamap_load over blocks 0 and 1, what
 * storctl's map_load calls), on any contents of those blocks, and the
 * updates that follow.
 *
 * Byte 0 holds flags, then come the two 512-byte blocks (short inputs are
 * padded with zeros), then a program of updates. CRC-32C guards each copy,
 * so the flags ask the harness to make fields right that random bytes
 * rarely are: bit 0 (block 0) and bit 1 (block 1) the magic, version and
 * the seq's parity; bit 4 puts both seqs near 2^62, bit 5 near 2^64 (their
 * last two bits kept), where the counting ends; bit 2 and bit 3 the CRCs,
 * last. Invariants: each copy
 * decodes or fails with SYS_ERR_CORRUPT, and a decoded copy is a map that
 * keeps the format's rules (at most 8 entries, NSIDs non-zero and
 * distinct, names valid and distinct, seq of its block) and encodes to
 * the very bytes it came from; vsamap_load takes the valid copy with the
 * larger seq, an empty map from two blocks of zeros, and otherwise fails
 * with STORCTL_ERR_META_CORRUPT, as documented. After a load, updates as
 * storctl makes them (a name added for a namespace, a name removed: each
 * written as the next copy with vsamap_encode_next) follow the contracts
 * of vsamap_add and vsamap_remove, and a reload after each gives the map
 * as updated.
 */
#include "../../usr/storctl/vsamap.h"
#include "fuzz.h"
#include <os/crc32c.h>

#define MAX_OPS 64

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

// The contract's name rule, said again: 1..31 of [A-Za-z0-9._-].
static bool name_rule(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= VSAMAP_NAME_MAX && strspn(s, alphabet) == n;
}

static void fix_block(uint8_t *blk, unsigned block, uint8_t flags)
{
    struct vsamap_disk d;
    memcpy(&d, blk, sizeof(d));
    if (flags & 0x30)
        d.seq = (flags & 0x20 ? 0ull : 1ull << 62) - 4 + (d.seq & 3);
    if (flags & (1u << block)) {
        d.magic = VSAMAP_MAGIC;
        d.version = VSAMAP_VERSION;
        d.seq = (d.seq & ~1ull) | block;
    }
    if (flags & (4u << block)) {
        d.crc = 0;
        d.crc = crc32c(0, &d, sizeof(d));
    }
    memcpy(blk, &d, sizeof(d));
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return false;
    }
    return true;
}

static bool same_map(const struct vsamap *a, const struct vsamap *b)
{
    if (a->seq != b->seq || a->count != b->count)
        return false;
    for (unsigned i = 0; i < a->count; i++) {
        if (a->e[i].nsid != b->e[i].nsid || strcmp(a->e[i].name, b->e[i].name))
            return false;
    }
    return true;
}

// The format's rules for a map in memory.
static void check_map(const struct vsamap *m)
{
    FUZZ_CHECK(m->count <= VSAMAP_MAX, "%u entries", m->count);
    for (unsigned i = 0; i < m->count; i++) {
        const struct vsamap_entry *e = &m->e[i];
        FUZZ_CHECK(e->nsid != 0, "entry %u: namespace 0", i);
        FUZZ_CHECK(strnlen(e->name, sizeof(e->name)) < sizeof(e->name) && name_rule(e->name),
                   "entry %u: a bad name", i);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(e->nsid != m->e[j].nsid && strcmp(e->name, m->e[j].name),
                       "entries %u and %u share a namespace or a name", j, i);
        FUZZ_CHECK(vsamap_find(m, e->name) == (int)i && vsamap_find_nsid(m, e->nsid) == (int)i,
                   "entry %u not found by name or namespace", i);
    }
}

// One copy: decoded or refused as corrupt; a decoded one is a valid map
// whose encoding is the block itself (every byte of a valid copy is
// determined by the map).
static bool check_copy(const uint8_t *blk, unsigned block, struct vsamap *out)
{
    errval_t err = vsamap_decode(blk, block, out);
    FUZZ_CHECK(err_is_ok(err) || err == SYS_ERR_CORRUPT, "vsamap_decode: %s", err_name(err));
    if (err_is_fail(err))
        return false;
    check_map(out);
    FUZZ_CHECK(out->seq % 2 == block && out->seq < VSAMAP_SEQ_LIMIT, "seq %llu read from block %u",
               (unsigned long long)out->seq, block);
    uint8_t again[VSAMAP_BLOCK];
    vsamap_encode(out, again);
    FUZZ_CHECK(!memcmp(again, blk, VSAMAP_BLOCK), "a valid copy does not encode to itself");
    return true;
}

// vsamap_load as documented: the valid copy with the larger seq; empty
// from zeros; otherwise STORCTL_ERR_META_CORRUPT.
static errval_t check_load(uint8_t blk[2][VSAMAP_BLOCK], struct vsamap *out)
{
    struct vsamap c[2], want = {0};
    bool ok0 = check_copy(blk[0], 0, &c[0]), ok1 = check_copy(blk[1], 1, &c[1]);
    errval_t err = vsamap_load(blk[0], blk[1], out), want_err = SYS_ERR_OK;
    if (ok0 || ok1)
        want = ok0 && (!ok1 || c[0].seq > c[1].seq) ? c[0] : c[1];
    else if (!all_zero(blk[0], VSAMAP_BLOCK) || !all_zero(blk[1], VSAMAP_BLOCK))
        want_err = STORCTL_ERR_META_CORRUPT;
    FUZZ_CHECK(err == want_err, "vsamap_load: %s, expected %s", err_name(err), err_name(want_err));
    if (err_is_ok(err))
        FUZZ_CHECK(same_map(out, &want), "vsamap_load did not take the newest valid copy");
    return err;
}

// A name from the input: mostly of the name alphabet, raw bytes if asked.
static void take_name(struct fuzz_input *in, unsigned arg, char *name)
{
    unsigned len = fuzz_take(in, 1) % (VSAMAP_NAME_MAX + 3);
    for (unsigned i = 0; i < len; i++) {
        unsigned ch = fuzz_take(in, 1);
        name[i] = arg & 16 ? (char)(ch ? ch : 1) : alphabet[ch % (sizeof(alphabet) - 1)];
    }
    name[len] = 0;
}

// Write m as storctl's map_store does: the next copy over the older one,
// refused (the map as it was) once the seqs are used up.
static void store(uint8_t blk[2][VSAMAP_BLOCK], struct vsamap *cur, struct vsamap *m)
{
    unsigned block;
    uint8_t copy[VSAMAP_BLOCK];
    errval_t err = vsamap_encode_next(cur, m, copy, &block);
    bool worn = cur->seq + 1 >= VSAMAP_SEQ_LIMIT;
    FUZZ_CHECK(err == (worn ? STORCTL_ERR_META_WORN : SYS_ERR_OK), "vsamap_encode_next: %s",
               err_name(err));
    if (worn)
        return;
    FUZZ_CHECK(block < 2 && m->seq == cur->seq + 1, "copy %llu to block %u",
               (unsigned long long)m->seq, block);
    memcpy(blk[block], copy, VSAMAP_BLOCK);
    *cur = *m;
}

static void add(uint8_t blk[2][VSAMAP_BLOCK], struct vsamap *cur, struct fuzz_input *in,
                unsigned arg)
{
    char name[VSAMAP_NAME_MAX + 3];
    if ((arg & 32) && cur->count)
        strcpy(name, cur->e[fuzz_take(in, 1) % cur->count].name);
    else
        take_name(in, arg, name);
    uint32_t nsid = arg & 64 ? fuzz_take(in, 4) : 1 + fuzz_take(in, 1) % 12;
    struct vsamap m = *cur;
    errval_t err = vsamap_add(&m, name, nsid), want = SYS_ERR_OK;
    if (!name_rule(name))
        want = STORCTL_ERR_BAD_NAME;
    else if (!nsid || vsamap_find(cur, name) >= 0 || vsamap_find_nsid(cur, nsid) >= 0)
        want = SYS_ERR_INVALID_ARGS;
    else if (cur->count == VSAMAP_MAX)
        want = STORCTL_ERR_NO_VSA_FREE;
    FUZZ_CHECK(err == want, "vsamap_add: %s, expected %s", err_name(err), err_name(want));
    if (err_is_fail(err)) {
        FUZZ_CHECK(same_map(&m, cur), "a refused vsamap_add changed the map");
        return;
    }
    FUZZ_CHECK(m.count == cur->count + 1 && vsamap_find(&m, name) == (int)cur->count &&
                   m.e[cur->count].nsid == nsid,
               "the name added is not last");
    store(blk, cur, &m);
}

static void del(uint8_t blk[2][VSAMAP_BLOCK], struct vsamap *cur, struct fuzz_input *in,
                unsigned arg)
{
    char name[VSAMAP_NAME_MAX + 3];
    if ((arg & 32) && cur->count)
        strcpy(name, cur->e[fuzz_take(in, 1) % cur->count].name);
    else
        take_name(in, arg, name);
    struct vsamap m = *cur;
    int k = vsamap_find(cur, name);
    errval_t err = vsamap_remove(&m, name);
    FUZZ_CHECK(err == (k >= 0 ? SYS_ERR_OK : SYS_ERR_NOT_FOUND), "vsamap_remove: %s",
               err_name(err));
    if (err_is_fail(err))
        return;
    FUZZ_CHECK(m.count + 1 == cur->count && vsamap_find(&m, name) < 0, "the name stays");
    for (unsigned i = 0, j = 0; i < cur->count; i++) {
        if ((int)i != k)
            FUZZ_CHECK(m.e[j].nsid == cur->e[i].nsid && !strcmp(m.e[j++].name, cur->e[i].name),
                       "the others lost their order");
    }
    store(blk, cur, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static uint8_t blk[2][VSAMAP_BLOCK];
    size_t n = size - 1 < sizeof(blk) ? size - 1 : sizeof(blk);
    memset(blk, 0, sizeof(blk));
    memcpy(blk, data + 1, n);
    fix_block(blk[0], 0, data[0]);
    fix_block(blk[1], 1, data[0]);
    struct vsamap cur, got;
    if (err_is_fail(check_load(blk, &cur)))
        return 0;
    struct fuzz_input in = {data + 1 + n, data + size};
    for (unsigned ops = 0; in.p < in.end && ops < MAX_OPS; ops++) {
        unsigned op = fuzz_take(&in, 1);
        if (op & 1)
            del(blk, &cur, &in, op);
        else
            add(blk, &cur, &in, op);
        FUZZ_CHECK(err_is_ok(check_load(blk, &got)) && same_map(&got, &cur),
                   "after an update a reload gives seq %llu, %u names; the map has seq %llu, %u",
                   (unsigned long long)got.seq, got.count, (unsigned long long)cur.seq, cur.count);
    }
    return 0;
}
