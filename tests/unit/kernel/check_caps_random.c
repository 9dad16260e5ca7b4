/* tests/unit/kernel/check_caps_random.c: random operation sequences against a reference model. */
#include "fake_arch.h"
#include <captypes.h>
#include <kcheck.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unit.h>

// The model keeps objects with the object each was retyped from, and caps
// in the slots the operations use: 32 slots of the world's first L2 CNode
// and the first 8 of every CNode the operations create. Every operation is
// run on the kernel and on the model; the error, the slots, the arch hook
// calls and the invariants are compared after each step.
//
// CAPS_SEED, CAPS_SEQUENCES, CAPS_STEPS in the environment override the
// defaults for longer runs.

#define PAGE       BASE_PAGE_SIZE
#define ARENA      (512 * 1024ull) // the RAM every sequence carves up
#define POOL       32              // slots of the world's L2 CNode in use
#define CN_TRACKED 8               // slots in use of each created CNode
#define MAX_OBJS   1024
#define MAX_SLOTS  (POOL + 256 * CN_TRACKED)

struct mobj {
    int parent; // -1 for the arena
    uint8_t type;
    uint64_t base, size;
    int slots;      // CNodes: index of their first model slot; -1 otherwise
    bool destroyed; // seen in arch_object_destroy
    bool orphaned;  // last cap deleted while it had descendants
    bool lost;      // lost its last cap in the current step
    bool had_desc;  // had live descendants when the step began
};

struct mslot {
    struct cte *cte;
    bool tracked; // false once the CNode holding it is destroyed
    bool full;
    int obj;
    uint8_t rights;
    uint64_t badge;
    bool mapped;
};

static struct mobj obj[MAX_OBJS];
static int nobj;
static struct mslot slot[MAX_SLOTS];
static int nslot;
static struct cte *parent_ram;  // the arena's parent: revoked after each sequence
static struct capability *pool; // the world's L2 CNode in L1 slot 0
static size_t baseline;         // caps outside the model: the world, parent_ram
static unsigned cleanups_expected;
static uint64_t created_bytes;
static char step_desc[200]; // the step being checked, for failure messages
static char where[64];      // seed, sequence and step

static void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void describe(const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(step_desc, sizeof(step_desc), "%s: ", where);
    va_start(ap, fmt);
    vsnprintf(step_desc + n, sizeof(step_desc) - (size_t)n, fmt, ap);
    va_end(ap);
}

// Check records every passing ck_assert with a write(): in these loops,
// only failures go through Check.
#define ASSERT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg("%s: " __VA_ARGS__);                                                      \
    } while (0)

static uint64_t rnd(uint64_t n) { return n ? (uint64_t)random() % n : 0; }

static bool is_cnode(uint8_t t) { return t == ObjType_L1CNode || t == ObjType_L2CNode; }

static bool m_ancestor(int a, int d) // a strictly above d in the derivation
{
    for (int p = obj[d].parent; p >= 0; p = obj[p].parent) {
        if (p == a)
            return true;
    }
    return false;
}

static int live_caps(int o)
{
    int n = 0;
    for (int i = 0; i < nslot; i++)
        n += slot[i].tracked && slot[i].full && slot[i].obj == o;
    return n;
}

static int new_obj(int parent, uint8_t type, uint64_t base, uint64_t size)
{
    ASSERT(nobj < MAX_OBJS, "too many objects", step_desc);
    obj[nobj] =
        (struct mobj){.parent = parent, .type = type, .base = base, .size = size, .slots = -1};
    if (is_cnode(type)) {
        ASSERT(nslot + CN_TRACKED <= MAX_SLOTS, "too many slots", step_desc);
        obj[nobj].slots = nslot;
        struct capability c;
        cap_init_object(&c, type, base, size, CAP_RIGHTS_ALL);
        for (int i = 0; i < CN_TRACKED; i++)
            slot[nslot++] = (struct mslot){.cte = cnode_slot(&c, i), .tracked = true};
    }
    created_bytes += size;
    return nobj++;
}

// Delete the cap in model slot s, and what that takes along.
static void m_delete(int s)
{
    struct mslot *m = &slot[s];
    int o = m->obj;
    cleanups_expected += m->mapped;
    m->full = m->mapped = false;
    if (live_caps(o))
        return;
    obj[o].lost = true;
    if (obj[o].slots < 0)
        return;
    for (int i = 0; i < CN_TRACKED; i++) {
        if (slot[obj[o].slots + i].full)
            m_delete(obj[o].slots + i);
    }
    for (int i = 0; i < CN_TRACKED; i++)
        slot[obj[o].slots + i].tracked = false;
}

// The destination of a retype: the pool (d < 0) or the CNode cap in slot d.
struct mdest {
    int d;
    uint32_t index;
};

static const struct capability *dest_cap(struct mdest d)
{
    return d.d < 0 ? pool : &slot[d.d].cte->cap;
}

// Model slot of index i in the destination; -1 beyond the tracked ones.
static int dest_slot(struct mdest d, uint64_t i)
{
    if (d.d < 0)
        return i < POOL ? (int)i : -1;
    int first = obj[slot[d.d].obj].slots;
    return i < CN_TRACKED ? first + (int)i : -1;
}

static MUST_CHECK errval_t m_check_size(uint8_t type, uint64_t size, uint64_t *align)
{
    *align = PAGE;
    switch (type) {
    case ObjType_RAM:
    case ObjType_Frame:
    case ObjType_DevFrame:
    case ObjType_PhysAddr: return size && size % PAGE == 0 ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    case ObjType_L1CNode:
        return size == 256 * sizeof(struct cte) || size == 512 * sizeof(struct cte)
                   ? SYS_ERR_OK
                   : CAP_ERR_RETYPE_SIZE;
    case ObjType_L2CNode: return size == L2_CNODE_BYTES ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    case ObjType_VNodePT: return size == VNODE_SIZE ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    case ObjType_Dispatcher: return size == DISPATCHER_SIZE ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    default: *align = 64; return size == ENDPOINT_SIZE ? SYS_ERR_OK : CAP_ERR_RETYPE_SIZE;
    }
}

static bool m_derivable(uint8_t from, uint8_t to)
{
    switch (to) {
    case ObjType_RAM: return from == ObjType_RAM;
    case ObjType_Frame: return from == ObjType_RAM || from == ObjType_Frame;
    case ObjType_DevFrame:
    case ObjType_PhysAddr: return false; // no PhysAddr or DevFrame in the arena
    default: return from == ObjType_RAM;
    }
}

static MUST_CHECK errval_t m_retype(int s, uint8_t type, uint64_t off, uint64_t size,
                                    uint64_t count, struct mdest d)
{
    struct mslot *m = &slot[s];
    if (!m->full)
        return CAP_ERR_SLOT_EMPTY;
    if (!(m->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    struct mobj *src = &obj[m->obj];
    if (!m_derivable(src->type, type))
        return CAP_ERR_RETYPE_TYPE;
    uint64_t align;
    errval_t err = m_check_size(type, size, &align);
    if (err_is_fail(err))
        return err;
    if (count == 0)
        return CAP_ERR_RETYPE_COUNT;
    if (off % align)
        return SYS_ERR_ALIGNMENT;
    if (off + count * size > src->size)
        return CAP_ERR_RETYPE_RANGE;
    if (type == src->type && off == 0 && size == src->size)
        return CAP_ERR_RETYPE_SIZE;
    const struct capability *dc = dest_cap(d);
    if (!is_cnode(dc->type))
        return CAP_ERR_NOT_CNODE;
    if (!(dc->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (d.index >= dc->u.cnode.slots)
        return CAP_ERR_SLOT_RANGE;
    if (d.index + count > dc->u.cnode.slots)
        return CAP_ERR_RETYPE_COUNT;
    for (uint64_t i = 0; i < count; i++) {
        int t = dest_slot(d, d.index + i);
        if (t >= 0 && slot[t].full)
            return CAP_ERR_SLOT_OCCUPIED;
    }
    uint64_t b = src->base + off, e = b + count * size;
    for (int i = 0; i < nslot; i++) {
        struct mobj *o = &obj[slot[i].obj];
        if (slot[i].tracked && slot[i].full && m_ancestor(m->obj, slot[i].obj) && o->base < e &&
            o->base + o->size > b)
            return CAP_ERR_RETYPE_OVERLAP;
    }
    int src_obj = m->obj;
    uint8_t rights = m->rights;
    for (uint64_t i = 0; i < count; i++) {
        int o = new_obj(src_obj, type, b + i * size, size);
        int t = dest_slot(d, d.index + i);
        ASSERT(t >= 0, "the generator left the tracked slots", step_desc);
        slot[t] = (struct mslot){
            .cte = slot[t].cte, .tracked = true, .full = true, .obj = o, .rights = rights};
    }
    return SYS_ERR_OK;
}

static MUST_CHECK errval_t m_copy(int dst, int src, uint64_t rights, bool mint, uint64_t p1,
                                  uint64_t p2)
{
    if (!slot[src].full)
        return CAP_ERR_SLOT_EMPTY;
    if (slot[dst].full)
        return CAP_ERR_SLOT_OCCUPIED;
    if (rights > CAP_RIGHTS_ALL)
        return SYS_ERR_INVALID_ARGS;
    uint64_t badge = slot[src].badge;
    if (mint && obj[slot[src].obj].type == ObjType_Endpoint) {
        if (p2)
            return CAP_ERR_NOT_MINTABLE;
        if (!p1 || badge)
            return CAP_ERR_BADGE;
        badge = p1;
    } else if (mint && (p1 || p2)) {
        return CAP_ERR_NOT_MINTABLE;
    }
    struct cte *cte = slot[dst].cte;
    slot[dst] = slot[src];
    slot[dst].cte = cte;
    slot[dst].rights &= rights;
    slot[dst].badge = badge;
    slot[dst].mapped = false;
    return SYS_ERR_OK;
}

static void m_revoke(int s)
{
    int o = slot[s].obj;
    for (int i = 0; i < nslot; i++) {
        bool victim = (slot[i].obj == o || m_ancestor(o, slot[i].obj)) &&
                      !(slot[i].rights & ~slot[s].rights); // an owner's copy is spared
        if (i != s && slot[i].tracked && slot[i].full && victim)
            m_delete(i);
    }
}

// ---- the kernel side, and the comparison ----

static unsigned seen_errors[ERR_CODE_COUNT];
static unsigned destroys_seen; // fake.destroys already matched to objects
static uint64_t destroyed_bytes;

static errval_t last_error;

static void check_error(errval_t got, errval_t want)
{
    last_error = got;
    ASSERT(got == want, "kernel says %s, model %s", step_desc, err_name(got), err_name(want));
    seen_errors[err_no(got)]++;
}

// Every model slot matches the kernel's.
static void check_slots(void)
{
    for (int i = 0; i < nslot; i++) {
        struct mslot *m = &slot[i];
        if (!m->tracked)
            continue;
        const struct capability *c = &m->cte->cap;
        if (!m->full) {
            ASSERT(c->type == ObjType_Null, "slot %d should be empty, holds %s", step_desc, i,
                   captype_name(c->type));
            continue;
        }
        struct mobj *o = &obj[m->obj];
        ASSERT(c->type == o->type && cap_paddr(c) == o->base && cap_bytes(c) == o->size,
               "slot %d holds %s at %#lx+%#lx, model %s at %#lx+%#lx", step_desc, i,
               captype_name(c->type), cap_paddr(c), cap_bytes(c), captype_name(o->type), o->base,
               o->size);
        ASSERT(c->rights == m->rights, "slot %d rights", step_desc, i);
        ASSERT(o->type != ObjType_Endpoint || c->u.endpoint.badge == m->badge, "slot %d badge",
               step_desc, i);
        ASSERT(!m->cte->map.vnode == !m->mapped, "slot %d mapping", step_desc, i);
    }
}

// No two unrelated objects overlap, so every live object lies in exactly
// one chain of ancestors; related objects nest, and the kernel's relations
// are the model's.
static void check_overlaps(const int *full, int n)
{
    for (int x = 0; x < n; x++) {
        const struct capability *a = &slot[full[x]].cte->cap;
        int oa = slot[full[x]].obj;
        for (int y = x + 1; y < n; y++) {
            const struct capability *b = &slot[full[y]].cte->cap;
            int ob = slot[full[y]].obj;
            uint64_t ab = cap_paddr(a), ae = ab + cap_bytes(a);
            uint64_t bb = cap_paddr(b), be = bb + cap_bytes(b);
            bool overlap = ab < be && bb < ae;
            bool related = oa == ob || m_ancestor(oa, ob) || m_ancestor(ob, oa);
            ASSERT(overlap == related, "slots %d and %d: overlap %d, related %d", step_desc,
                   full[x], full[y], overlap, related);
            if (!related)
                continue;
            ASSERT((ab <= bb && be <= ae) || (bb <= ab && ae <= be), "related objects not nested",
                   step_desc);
            ASSERT(mdb_is_ancestor(a, b) == m_ancestor(oa, ob), "kernel ancestry differs",
                   step_desc);
            ASSERT(cap_same_object(a, b) == (oa == ob), "kernel copies differ", step_desc);
        }
    }
}

// Match the step's arch_object_destroy calls to objects that lost their
// last cap; those that had no descendants must be among them.
static void check_destroys(void)
{
    for (; destroys_seen < fake.destroys; destroys_seen++) {
        const struct capability *c = &fake.destroyed[destroys_seen];
        ASSERT(!fake.destroyed_in_mdb[destroys_seen], "destroyed while a copy is live", step_desc);
        ASSERT(!fake.destroyed_overlapped[destroys_seen], "destroyed under live descendants",
               step_desc);
        int o = 0;
        while (o < nobj && !(obj[o].lost && !obj[o].destroyed && obj[o].type == c->type &&
                             obj[o].base == cap_paddr(c) && obj[o].size == cap_bytes(c)))
            o++;
        ASSERT(o < nobj, "destroyed %s at %#lx: no such object lost its last cap", step_desc,
               captype_name(c->type), cap_paddr(c));
        obj[o].destroyed = true;
        destroyed_bytes += obj[o].size;
    }
    for (int o = 0; o < nobj; o++) {
        if (!obj[o].lost)
            continue;
        if (!obj[o].destroyed) {
            ASSERT(obj[o].had_desc, "object %d not destroyed though it had no descendants",
                   step_desc, o);
            obj[o].orphaned = true;
        }
        obj[o].lost = false;
    }
}

// Memory balances: every byte ever retyped is in a live object, a
// destroyed one, or one whose last cap went while it had descendants.
static void check_accounting(const int *full, int n)
{
    uint64_t live = 0, orphaned = 0;
    for (int x = 0; x < n; x++) {
        bool first = true;
        for (int y = 0; y < x && first; y++)
            first = !cap_same_object(&slot[full[y]].cte->cap, &slot[full[x]].cte->cap);
        live += first ? cap_bytes(&slot[full[x]].cte->cap) : 0;
    }
    for (int o = 0; o < nobj; o++)
        orphaned += obj[o].orphaned ? obj[o].size : 0;
    ASSERT(created_bytes == live + destroyed_bytes + orphaned,
           "created %lu != live %lu + destroyed %lu + orphaned %lu", step_desc, created_bytes, live,
           destroyed_bytes, orphaned);
}

static int full_slots(int *full)
{
    int n = 0;
    for (int i = 0; i < nslot; i++) {
        if (slot[i].tracked && slot[i].full)
            full[n++] = i;
    }
    return n;
}

static bool trace; // CAPS_TRACE: print every step

static void check_step(void)
{
    static int full[MAX_SLOTS];
    int n = full_slots(full);
    if (trace)
        fprintf(stderr, "%s: %s [%d full of %d, %d objects]\n", step_desc, err_name(last_error), n,
                nslot, nobj);
    check_slots();
    size_t count;
    const char *why;
    ASSERT(mdb_check(&count, &why), "mdb_check: %s", step_desc, why);
    ASSERT(count == baseline + (size_t)n, "mdb holds %zu caps, model %zu", step_desc, count,
           baseline + n);
    ASSERT(fake.cleanups == cleanups_expected, "%u unmap cleanups, model %u", step_desc,
           fake.cleanups, cleanups_expected);
    // The kernel's own self-check agrees: no breach in any reachable state.
    struct kcheck_result kr;
    errval_t kerr = kcheck_cspace(w.root, &kr);
    ASSERT(err_is_ok(kerr), "kcheck: %s: %s", step_desc, err_name(kerr), kr.why);
    check_overlaps(full, n);
    check_destroys();
    check_accounting(full, n);
}

// Note which objects have live descendants as the step begins.
static void begin_step(void)
{
    for (int o = 0; o < nobj; o++)
        obj[o].had_desc = false;
    for (int i = 0; i < nslot; i++) {
        if (!slot[i].tracked || !slot[i].full)
            continue;
        for (int p = obj[slot[i].obj].parent; p >= 0; p = obj[p].parent)
            obj[p].had_desc = true;
    }
}

// ---- operations ----

// A tracked slot: a full one with probability p/8 (if there is one).
static int pick_slot(int p)
{
    static int full[MAX_SLOTS], empty[MAX_SLOTS];
    int nf = 0, ne = 0;
    for (int i = 0; i < nslot; i++) {
        if (slot[i].tracked && slot[i].full)
            full[nf++] = i;
        else if (slot[i].tracked)
            empty[ne++] = i;
    }
    if (nf && (!ne || rnd(8) < (uint64_t)p))
        return full[rnd(nf)];
    return empty[rnd(ne)];
}

// Mostly a RAM cap: most retypes should be legal.
static int pick_source(void)
{
    for (int tries = 0; tries < 8; tries++) {
        int s = pick_slot(8);
        if (slot[s].full && obj[slot[s].obj].type == ObjType_RAM)
            return s;
    }
    return pick_slot(7);
}

static void op_retype(void)
{
    static const uint8_t types[] = {ObjType_RAM,     ObjType_Frame,      ObjType_Frame,
                                    ObjType_L2CNode, ObjType_L1CNode,    ObjType_Endpoint,
                                    ObjType_VNodePT, ObjType_Dispatcher, ObjType_DevFrame};
    int s = rnd(4) ? pick_source() : pick_slot(7);
    uint8_t type = types[rnd(sizeof(types))];
    uint64_t align, size;
    switch (type) {
    case ObjType_L1CNode: size = 256 * sizeof(struct cte); break;
    case ObjType_L2CNode: size = L2_CNODE_BYTES; break;
    case ObjType_VNodePT: size = VNODE_SIZE; break;
    case ObjType_Dispatcher: size = DISPATCHER_SIZE; break;
    case ObjType_Endpoint: size = ENDPOINT_SIZE; break;
    default: size = PAGE * (1 + rnd(4)); break;
    }
    err_ignore(m_check_size(type, size, &align),
               "the model computes align only; the size was checked by the caller");
    if (rnd(20) == 0)
        size += rnd(2) ? PAGE / 2 : 0 - size; // invalid: not whole, or zero
    uint64_t srcsize = slot[s].full ? obj[slot[s].obj].size : PAGE;
    uint64_t off = rnd(srcsize / align + 1) * align;
    if (rnd(30) == 0)
        off += 32;
    uint64_t count = rnd(25) == 0 ? 0 : 1 + rnd(3);
    struct mdest d = {.d = -1, .index = (uint32_t)rnd(POOL - count + 1)};
    int cn = pick_slot(8);
    if (rnd(3) == 0 && slot[cn].full && is_cnode(obj[slot[cn].obj].type)) {
        d = (struct mdest){.d = cn, .index = (uint32_t)rnd(CN_TRACKED - count + 1)};
    } else if (rnd(25) == 0) {
        d.d = cn; // whatever it holds: probably no CNode
        if (!slot[cn].full || !is_cnode(obj[slot[cn].obj].type))
            d.index = 0;
        else
            d.index = 0, count = count ? count : 1;
    } else if (rnd(30) == 0) {
        d.index = 256; // beyond the CNode
    } else if (rnd(30) == 0) {
        d.index = 255, count = 2 + rnd(2); // running past its end
    }
    describe("retype slot %d to %u x %s of %#lx at %#lx", s, (unsigned)count, captype_name(type),
             size, off);
    const struct capability *dc = dest_cap(d);
    struct cte *src = slot[s].cte;
    struct capability dcopy = *dc; // the model may fill the slot that holds it
    errval_t want = m_retype(s, type, off, size, count, d);
    errval_t got = caps_retype(src, type, off, size, count, &dcopy, d.index);
    check_error(got, want);
    if (err_is_ok(got) && (captype_of(type)->flags & CAPTYPE_ZEROED))
        ASSERT(fake_mem_is(cap_paddr(&src->cap) + off, count * size, 0), "not zeroed", step_desc);
}

static void op_copy(bool mint)
{
    int src = pick_slot(7), dst = pick_slot(1);
    uint64_t rights = rnd(2) ? CAP_RIGHTS_ALL : rnd(40) ? rnd(32) : 32 + rnd(224);
    uint64_t p1 = 0, p2 = 0;
    if (mint) {
        p1 = rnd(4);
        p2 = rnd(10) == 0;
    }
    describe("%s slot %d to %d rights %#lx (%lu, %lu)", mint ? "mint" : "copy", src, dst, rights,
             p1, p2);
    errval_t want = m_copy(dst, src, rights, mint, p1, p2);
    errval_t got = mint ? caps_mint(slot[dst].cte, slot[src].cte, (uint8_t)rights, p1, p2)
                        : caps_copy(slot[dst].cte, slot[src].cte, (uint8_t)rights);
    check_error(got, want);
}

static void op_delete(void)
{
    int s = pick_slot(7);
    // Losing the arena ends the interesting part of a sequence: rarely.
    for (int tries = 0; tries < 4 && slot[s].full && slot[s].obj == 0 && live_caps(0) == 1; tries++)
        s = pick_slot(7);
    describe("delete slot %d", s);
    errval_t want = CAP_ERR_SLOT_EMPTY;
    if (slot[s].full) {
        m_delete(s);
        want = SYS_ERR_OK;
    }
    check_error(caps_delete(slot[s].cte), want);
}

static void op_revoke(void)
{
    int s = pick_slot(7);
    describe("revoke slot %d", s);
    if (!slot[s].full) {
        check_error(caps_revoke(slot[s].cte), CAP_ERR_SLOT_EMPTY);
        return;
    }
    struct capability revoked = slot[s].cte->cap;
    int o = slot[s].obj;
    m_revoke(s);
    check_error(caps_revoke(slot[s].cte), SYS_ERR_OK);
    // Nothing derived from it, and no other copy, is left anywhere, but
    // those with a right it lacks.
    for (int i = 0; i < nslot; i++) {
        if (i == s || !slot[i].tracked || !slot[i].full || (slot[i].rights & ~revoked.rights))
            continue;
        const struct capability *c = &slot[i].cte->cap;
        ASSERT(!cap_same_object(c, &revoked) && !mdb_is_ancestor(&revoked, c),
               "slot %d survived the revoke", step_desc, i);
        ASSERT(slot[i].obj != o && !m_ancestor(o, slot[i].obj), "model slot %d survived", step_desc,
               i);
    }
}

// Pretend the architecture mapped a Frame or VNode copy.
static void op_map(void)
{
    int s = pick_slot(8);
    describe("map slot %d", s);
    uint8_t t = slot[s].full ? obj[slot[s].obj].type : 0;
    if (slot[s].full && (t == ObjType_Frame || t == ObjType_VNodePT) && !slot[s].mapped) {
        slot[s].mapped = true;
        slot[s].cte->map = (struct mapping){.vnode = 0x7000, .entry = (uint16_t)rnd(512)};
    }
}

static void op_identify(void)
{
    int s = pick_slot(8);
    describe("identify slot %d", s);
    if (!slot[s].full)
        return;
    struct cap_info i;
    caps_identify(&slot[s].cte->cap, &i);
    struct mobj *o = &obj[slot[s].obj];
    uint64_t bytes = o->type == ObjType_Endpoint ? o->base : o->size; // an endpoint: its address
    ASSERT(i.type == o->type && i.rights == slot[s].rights && i.bytes == bytes,
           "identify disagrees", step_desc);
    ASSERT(i.base == (o->type == ObjType_Endpoint ? slot[s].badge : o->base), "identify base",
           step_desc);
}

static void random_step(void)
{
    unsigned r = (unsigned)rnd(100);
    if (r < 40)
        op_retype();
    else if (r < 57)
        op_copy(false);
    else if (r < 65)
        op_copy(true);
    else if (r < 80)
        op_delete();
    else if (r < 85)
        op_revoke();
    else if (r < 93)
        op_map();
    else
        op_identify();
}

// ---- sequences ----

static void begin_sequence(void)
{
    nobj = nslot = 0;
    created_bytes = destroyed_bytes = 0;
    cleanups_expected = 0;
    fake.cleanups = fake.destroys = destroys_seen = 0;
    for (int i = 0; i < POOL; i++)
        slot[nslot++] = (struct mslot){.cte = cnode_slot(pool, i), .tracked = true};
    paddr_t base = parent_ram->cap.u.mem.base;
    memset(kmem_ptr(base), 0xa5, ARENA);
    ck_assert_uint_eq(caps_retype(parent_ram, ObjType_RAM, 0, ARENA, 1, pool, 0), SYS_ERR_OK);
    slot[0].full = true;
    slot[0].obj = new_obj(-1, ObjType_RAM, base, ARENA);
    slot[0].rights = CAP_RIGHTS_ALL;
}

// Revoking the arena's parent takes everything back: then the whole arena
// can be retyped again.
static void end_sequence(void)
{
    describe("end of sequence");
    for (int i = 0; i < nslot; i++) {
        if (slot[i].tracked && slot[i].full)
            m_delete(i);
    }
    begin_step();
    ck_assert_uint_eq(caps_revoke(parent_ram), SYS_ERR_OK);
    size_t count;
    const char *why;
    ASSERT(mdb_check(&count, &why) && count == baseline, "caps left after the final revoke",
           step_desc);
    for (int i = 0; i < POOL; i++)
        ASSERT(slot[i].cte->cap.type == ObjType_Null, "pool slot %d not empty", step_desc, i);
    // Orphans' last caps go without a destroy, so only some objects are seen.
    for (; destroys_seen < fake.destroys; destroys_seen++)
        ASSERT(!fake.destroyed_in_mdb[destroys_seen], "destroyed while live", step_desc);
    struct cte *tmp = &w.boot[6];
    ck_assert_uint_eq(caps_retype_to_slots(parent_ram, ObjType_Frame, 0, ARENA, 1, tmp),
                      SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(tmp), SYS_ERR_OK);
}

static unsigned long env(const char *name, unsigned long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 0) : def;
}

START_TEST(test_random_sequences)
{
    world_setup();
    parent_ram = &w.boot[5];
    world_new(parent_ram, ObjType_RAM, ARENA + PAGE);
    pool = &cnode_slot(w.root, 0)->cap;
    const char *why;
    ck_assert(mdb_check(&baseline, &why));
    unsigned long seed = env("CAPS_SEED", 20261127), seqs = env("CAPS_SEQUENCES", 2000);
    unsigned long steps = env("CAPS_STEPS", 80);
    trace = env("CAPS_TRACE", 0);
    unsigned long steps_run = 0;
    srandom((unsigned)seed);
    for (unsigned long q = 0; q < seqs; q++) {
        begin_sequence();
        for (unsigned long i = 0; i < steps; i++) {
            snprintf(where, sizeof(where), "seed %lu seq %lu step %lu", seed, q, i);
            begin_step();
            last_error = SYS_ERR_OK;
            random_step();
            check_step();
            steps_run++;
            static int full[MAX_SLOTS];
            if (!full_slots(full))
                break; // nothing left to work with
        }
        end_sequence();
    }
    if (trace) {
        fprintf(stderr, "%lu steps\n", steps_run);
        for (int e = 0; e < ERR_CODE_COUNT; e++) {
            if (seen_errors[e])
                fprintf(stderr, "%-24s %u\n", err_name(e), seen_errors[e]);
        }
    }
    // The sequences reached every outcome that matters.
    static const enum err_code outcomes[] = {
        SYS_ERR_OK,           CAP_ERR_SLOT_EMPTY,   CAP_ERR_SLOT_OCCUPIED, CAP_ERR_NO_RIGHTS,
        CAP_ERR_RETYPE_TYPE,  CAP_ERR_RETYPE_SIZE,  CAP_ERR_RETYPE_COUNT,  SYS_ERR_ALIGNMENT,
        CAP_ERR_RETYPE_RANGE, CAP_ERR_NOT_CNODE,    CAP_ERR_SLOT_RANGE,    CAP_ERR_RETYPE_OVERLAP,
        CAP_ERR_BADGE,        CAP_ERR_NOT_MINTABLE, SYS_ERR_INVALID_ARGS,
    };
    if (steps_run >= 10000) {
        for (unsigned i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
            ck_assert_msg(seen_errors[outcomes[i]] > 0, "never saw %s", err_name(outcomes[i]));
    }
}
END_TEST

static Suite *random_suite(void)
{
    Suite *s = suite_create("caps_random");
    TCase *tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_random_sequences);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(random_suite)
