/* kernel/mdb.c: the mapping database: a threaded, augmented AA tree over all caps. */
#include <captypes.h>
#include <mdb.h>
#include <stdint.h>

static struct cte *root;
static uint64_t generation;

// The part of the order that depends on the object only.
struct mdb_key {
    uint64_t base, size;
    uint8_t rank, type;
};

static void key_of(const struct capability *cap, struct mdb_key *k)
{
    cap_range(cap, &k->base, &k->size);
    k->rank = captype_of(cap->type)->rank;
    k->type = cap->type;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

static int key_cmp(const struct mdb_key *a, const struct mdb_key *b)
{
    if (a->base != b->base)
        return CMP(a->base, b->base);
    if (a->size != b->size)
        return CMP(b->size, a->size); // larger first: ancestors before descendants
    if (a->rank != b->rank)
        return CMP(a->rank, b->rank);
    return CMP(a->type, b->type);
}

int mdb_compare(const struct capability *a, const struct capability *b)
{
    struct mdb_key ka, kb;
    key_of(a, &ka);
    key_of(b, &kb);
    return key_cmp(&ka, &kb);
}

// The total order of the tree: the object order, then the slot address.
static int node_cmp(const struct cte *a, const struct cte *b)
{
    int c = mdb_compare(&a->cap, &b->cap);
    return c ? c : CMP((uintptr_t)a, (uintptr_t)b);
}

bool mdb_is_ancestor(const struct capability *a, const struct capability *d)
{
    uint64_t ab, as, db, ds;
    cap_range(a, &ab, &as);
    cap_range(d, &db, &ds);
    return mdb_compare(a, d) < 0 && ab <= db && db + ds <= ab + as;
}

static uint64_t node_end(const struct cte *c)
{
    uint64_t base, size;
    cap_range(&c->cap, &base, &size);
    return base + size;
}

static uint32_t level_of(const struct cte *t) { return t ? t->mdb.level : 0; }

// Recompute t's subtree end from its own and its children's.
static void update(struct cte *t)
{
    uint64_t end = node_end(t);
    const struct cte *l = t->mdb.left, *r = t->mdb.right;
    if (l && l->mdb.subtree_end > end)
        end = l->mdb.subtree_end;
    if (r && r->mdb.subtree_end > end)
        end = r->mdb.subtree_end;
    t->mdb.subtree_end = end;
}

// AA tree rotations (Andersson 1993): skew removes a left horizontal link,
// split a double right one.
static struct cte *skew(struct cte *t)
{
    struct cte *l = t ? t->mdb.left : NULL;
    if (!l || l->mdb.level != t->mdb.level)
        return t;
    t->mdb.left = l->mdb.right;
    l->mdb.right = t;
    update(t);
    update(l);
    return l;
}

static struct cte *split(struct cte *t)
{
    struct cte *r = t ? t->mdb.right : NULL;
    if (!r || !r->mdb.right || r->mdb.right->mdb.level != t->mdb.level)
        return t;
    t->mdb.right = r->mdb.left;
    r->mdb.left = t;
    r->mdb.level++;
    update(t);
    update(r);
    return r;
}

// Insert n below t; *prev and *next end as n's in-order neighbours.
static struct cte *insert(struct cte *t, struct cte *n, struct cte **prev, struct cte **next)
{
    if (!t) {
        n->mdb.left = n->mdb.right = NULL;
        n->mdb.level = 1;
        update(n);
        return n;
    }
    if (node_cmp(n, t) < 0) {
        *next = t;
        t->mdb.left = insert(t->mdb.left, n, prev, next);
    } else {
        *prev = t;
        t->mdb.right = insert(t->mdb.right, n, prev, next);
    }
    update(t);
    return split(skew(t));
}

static struct cte *rebalance(struct cte *t)
{
    uint32_t l = level_of(t->mdb.left), r = level_of(t->mdb.right);
    uint32_t want = (l < r ? l : r) + 1;
    if (want < t->mdb.level) {
        t->mdb.level = want;
        if (t->mdb.right && want < t->mdb.right->mdb.level)
            t->mdb.right->mdb.level = want;
    }
    update(t);
    t = skew(t);
    if (t->mdb.right) {
        t->mdb.right = skew(t->mdb.right);
        if (t->mdb.right->mdb.right)
            t->mdb.right->mdb.right = skew(t->mdb.right->mdb.right);
    }
    t = split(t);
    if (t->mdb.right)
        t->mdb.right = split(t->mdb.right);
    return t;
}

// Remove x from below t. A node with children is replaced in its place by
// its in-order neighbour, found through the thread.
static struct cte *remove(struct cte *t, struct cte *x)
{
    int c = node_cmp(x, t);
    if (c < 0) {
        t->mdb.left = remove(t->mdb.left, x);
    } else if (c > 0) {
        t->mdb.right = remove(t->mdb.right, x);
    } else {
        if (!t->mdb.left && !t->mdb.right)
            return NULL;
        struct cte *s;
        if (!t->mdb.left) {
            s = t->mdb.next;
            t->mdb.right = remove(t->mdb.right, s);
        } else {
            s = t->mdb.prev;
            t->mdb.left = remove(t->mdb.left, s);
        }
        s->mdb.left = t->mdb.left;
        s->mdb.right = t->mdb.right;
        s->mdb.level = t->mdb.level;
        t = s;
    }
    return rebalance(t);
}

void mdb_init(void)
{
    root = NULL;
    generation = 0;
}

void mdb_insert(struct cte *cte)
{
    struct cte *prev = NULL, *next = NULL;
    root = insert(root, cte, &prev, &next);
    cte->mdb.prev = prev;
    cte->mdb.next = next;
    if (prev)
        prev->mdb.next = cte;
    if (next)
        next->mdb.prev = cte;
}

void mdb_remove(struct cte *cte)
{
    root = remove(root, cte);
    if (cte->mdb.prev)
        cte->mdb.prev->mdb.next = cte->mdb.next;
    if (cte->mdb.next)
        cte->mdb.next->mdb.prev = cte->mdb.prev;
    cte->mdb = (struct mdb_node){.flags = cte->mdb.flags};
    generation++;
}

struct cte *mdb_first(void)
{
    struct cte *t = root;
    while (t && t->mdb.left)
        t = t->mdb.left;
    return t;
}

uint64_t mdb_generation(void) { return generation; }

struct cte *mdb_lower_bound(const struct capability *cap)
{
    struct cte *t = root, *found = NULL;
    while (t) {
        if (mdb_compare(&t->cap, cap) >= 0) {
            found = t;
            t = t->mdb.left;
        } else {
            t = t->mdb.right;
        }
    }
    return found;
}

struct cte *mdb_last_copy(const struct cte *cte)
{
    struct cte *t = root, *found = NULL;
    while (t) {
        if (mdb_compare(&t->cap, &cte->cap) <= 0) {
            found = t;
            t = t->mdb.right;
        } else {
            t = t->mdb.left;
        }
    }
    return found;
}

// The first node below t, in order, after key (if given) and overlapping
// [base, end). Subtrees ending at or before base are skipped whole, as are
// left subtrees of nodes not after key; the search descends the right
// spine iteratively and recurses only into left subtrees that may hold a
// match, which keeps it O(log n) in practice.
static struct cte *find_overlap(struct cte *t, const struct mdb_key *key, uint64_t base,
                                uint64_t end)
{
    while (t && t->mdb.subtree_end > base) {
        struct mdb_key k;
        key_of(&t->cap, &k);
        if (key && key_cmp(&k, key) <= 0) {
            t = t->mdb.right;
            continue;
        }
        struct cte *found = find_overlap(t->mdb.left, key, base, end);
        if (found)
            return found;
        if (k.base >= end)
            return NULL; // everything further starts at or after end
        if (k.base + k.size > base)
            return t;
        t = t->mdb.right;
    }
    return NULL;
}

struct cte *mdb_find_overlap(const struct capability *after, uint64_t base, uint64_t end)
{
    struct mdb_key key;
    if (after)
        key_of(after, &key);
    return find_overlap(root, after ? &key : NULL, base, end);
}

// Check the subtree t: its nodes follow *last in order, and the AA and
// augmentation invariants hold. Counts nodes into *count.
static bool check(const struct cte *t, const struct cte **last, size_t *count, const char **why)
{
    if (!t)
        return true;
    const struct cte *l = t->mdb.left, *r = t->mdb.right;
    if (!check(l, last, count, why))
        return false;
    if (*last && node_cmp(*last, t) >= 0)
        return *why = "tree out of order", false;
    if (t->mdb.prev != *last || (*last && (*last)->mdb.next != t))
        return *why = "thread does not match the tree", false;
    if (t->cap.type == ObjType_Null || t->cap.type >= ObjType_Num)
        return *why = "an empty or invalid cap in the tree", false;
    if (level_of(l) + 1 != t->mdb.level)
        return *why = "AA: left child not one level below", false;
    if (level_of(r) != t->mdb.level && level_of(r) + 1 != t->mdb.level)
        return *why = "AA: right child level", false;
    if (r && level_of(r->mdb.right) >= t->mdb.level)
        return *why = "AA: two right horizontal links", false;
    if (t->mdb.level > 1 && (!l || !r))
        return *why = "AA: inner node without two children", false;
    uint64_t end = node_end(t);
    end = l && l->mdb.subtree_end > end ? l->mdb.subtree_end : end;
    end = r && r->mdb.subtree_end > end ? r->mdb.subtree_end : end;
    if (t->mdb.subtree_end != end)
        return *why = "subtree end is stale", false;
    *last = t;
    (*count)++;
    return check(r, last, count, why);
}

bool mdb_check(size_t *count, const char **why)
{
    const struct cte *last = NULL;
    *count = 0;
    *why = "ok";
    if (!check(root, &last, count, why))
        return false;
    if (last && last->mdb.next)
        return *why = "thread runs past the last node", false;
    return true;
}
