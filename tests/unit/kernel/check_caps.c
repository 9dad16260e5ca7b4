/* tests/unit/kernel/check_caps.c: lookup, copy, mint, delete, revoke, identify, boot roots. */
#include "fake_arch.h"
#include <captypes.h>
#include <unit.h>

#define CTE_BYTES        sizeof(struct cte)
#define L1_BYTES         (L1_CNODE_MIN_SLOTS * CTE_BYTES)
#define ERR2(top, cause) err_push(cause, top)

static void setup(void) { world_setup(); }

// The slots reachable from the world agree with the mdb, which is sound.
static size_t assert_consistent(void)
{
    static struct cte *all[4096];
    size_t n, live = world_collect(all, 4096);
    const char *why;
    ck_assert_msg(mdb_check(&n, &why), "mdb_check: %s", why);
    ck_assert_uint_eq(n, live);
    return live;
}

// How many live caps anywhere name the same object as cap.
static unsigned copies_of(const struct capability *cap)
{
    static struct cte *all[4096];
    size_t live = world_collect(all, 4096);
    unsigned n = 0;
    for (size_t i = 0; i < live; i++)
        n += cap_same_object(&all[i]->cap, cap);
    return n;
}

static bool destroyed(const struct capability *cap)
{
    for (unsigned i = 0; i < fake.destroys; i++) {
        if (cap_same_object(&fake.destroyed[i], cap))
            return true;
    }
    return false;
}

static struct capability io_cap(uint16_t first, uint16_t last)
{
    return (struct capability){.type = ObjType_IO, .rights = CAP_RIGHTS_ALL, .u.io = {first, last}};
}

START_TEST(test_world_is_sound)
{
    ck_assert_uint_eq(assert_consistent(), 5);
    ck_assert_uint_eq(sizeof(struct capability), 32);
    ck_assert_uint_eq(sizeof(struct cte), 96);
    // Every type's sources rank below it, so ancestors order first.
    for (int t = 0; t < ObjType_Num; t++) {
        for (int s = 0; s < ObjType_Num; s++) {
            if (s != t && (captypes[t].sources & (1u << s)))
                ck_assert_uint_lt(captypes[s].rank, captypes[t].rank);
        }
    }
    ck_assert_str_eq(captype_name(ObjType_Endpoint), "Endpoint");
    ck_assert_str_eq(captype_name(ObjType_Num), "?");
}
END_TEST

START_TEST(test_lookup)
{
    struct cte *s;
    ck_assert_uint_eq(caps_lookup_slot(w.root, CAPADDR(1, 7), CAP_LEVEL_L2, &s), SYS_ERR_OK);
    ck_assert_ptr_eq(s, cnode_slot(&cnode_slot(w.root, 1)->cap, 7));
    ck_assert_uint_eq(s->cap.type, ObjType_Null); // an empty slot is found
    ck_assert_uint_eq(caps_lookup_slot(w.root, 1, CAP_LEVEL_L1, &s), SYS_ERR_OK);
    ck_assert_ptr_eq(s, cnode_slot(w.root, 1));
    ck_assert_uint_eq(s->cap.type, ObjType_L2CNode);
    ck_assert_uint_eq(caps_lookup_slot(w.root, 255, CAP_LEVEL_L1, &s), SYS_ERR_OK);
}
END_TEST

START_TEST(test_lookup_errors)
{
    struct cte *s = (struct cte *)1;
    const struct capability *l2 = &cnode_slot(w.root, 0)->cap;
    ck_assert_uint_eq(caps_lookup_slot(l2, 0, CAP_LEVEL_L2, &s), CAP_ERR_WRONG_TYPE);
    ck_assert_ptr_null(s);
    ck_assert_uint_eq(caps_lookup_slot(NULL, 0, CAP_LEVEL_L2, &s), CAP_ERR_WRONG_TYPE);
    ck_assert_uint_eq(caps_lookup_slot(w.root, 0, 0, &s), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(caps_lookup_slot(w.root, 0, 3, &s), SYS_ERR_INVALID_ARGS);
    errval_t range = ERR2(CAP_ERR_LOOKUP_L1, CAP_ERR_SLOT_RANGE);
    ck_assert_uint_eq(caps_lookup_slot(w.root, 256, CAP_LEVEL_L1, &s), range);
    ck_assert_uint_eq(err_no(err_pop(range)), CAP_ERR_SLOT_RANGE);
    ck_assert_uint_eq(caps_lookup_slot(w.root, CAPADDR(256, 0), CAP_LEVEL_L2, &s), range);
    ck_assert_uint_eq(caps_lookup_slot(w.root, UINT32_MAX, CAP_LEVEL_L2, &s), range);
    errval_t not_cnode = ERR2(CAP_ERR_LOOKUP_L2, CAP_ERR_NOT_CNODE);
    ck_assert_uint_eq(caps_lookup_slot(w.root, CAPADDR(5, 0), CAP_LEVEL_L2, &s), not_cnode);
    ck_assert_ptr_null(s);
    // An L1 slot holding something other than an L2 CNode: a Frame, the root itself.
    world_new(cnode_slot(w.root, 6), ObjType_Frame, 4096);
    ck_assert_uint_eq(caps_lookup_slot(w.root, CAPADDR(6, 0), CAP_LEVEL_L2, &s), not_cnode);
    ck_assert_uint_eq(caps_copy(cnode_slot(w.root, 7), &w.boot[2], CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_lookup_slot(w.root, CAPADDR(7, 0), CAP_LEVEL_L2, &s), not_cnode);
    ck_assert_ptr_null(cnode_slot(w.root, 256));
    ck_assert_ptr_null(cnode_slot(&w.boot[1].cap, 0)); // RAM is no CNode
    ck_assert_ptr_null(cnode_slot(l2, L2_CNODE_SLOTS));
}
END_TEST

START_TEST(test_copy_reduces_rights)
{
    struct cte *f = world_slot(0, 0), *a = world_slot(0, 1), *b = world_slot(1, 0);
    world_new(f, ObjType_Frame, 4096);
    ck_assert_uint_eq(caps_copy(a, f, CAP_RIGHT_READ | CAP_RIGHT_GRANT), SYS_ERR_OK);
    ck_assert_uint_eq(a->cap.rights, CAP_RIGHT_READ | CAP_RIGHT_GRANT);
    ck_assert_uint_eq(caps_copy(b, a, CAP_RIGHTS_ALL), SYS_ERR_OK); // cannot grow back
    ck_assert_uint_eq(b->cap.rights, CAP_RIGHT_READ | CAP_RIGHT_GRANT);
    ck_assert(cap_same_object(&a->cap, &f->cap) && cap_same_object(&b->cap, &f->cap));
    ck_assert(mdb_has_copies(f) && mdb_has_copies(a) && mdb_has_copies(b));
    ck_assert(!mdb_has_descendants(f));
    ck_assert_uint_eq(copies_of(&f->cap), 3);
    assert_consistent();
}
END_TEST

START_TEST(test_copy_errors)
{
    struct cte *f = world_slot(0, 0), *a = world_slot(0, 1), *empty = world_slot(0, 2);
    world_new(f, ObjType_Frame, 4096);
    world_new(a, ObjType_Frame, 4096);
    size_t live = assert_consistent();
    ck_assert_uint_eq(caps_copy(a, empty, CAP_RIGHTS_ALL), CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(caps_copy(a, f, CAP_RIGHTS_ALL), CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(caps_copy(f, f, CAP_RIGHTS_ALL), CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(caps_copy(empty, f, CAP_RIGHTS_ALL + 1), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(caps_mint(empty, f, 0x80, 0, 0), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(assert_consistent(), live); // nothing changed
    ck_assert_uint_eq(empty->cap.type, ObjType_Null);
}
END_TEST

START_TEST(test_mint_endpoint_badge)
{
    struct cte *ep = world_slot(0, 0), *m = world_slot(0, 1), *m2 = world_slot(0, 2);
    world_new(ep, ObjType_Endpoint, ENDPOINT_SIZE);
    ck_assert_uint_eq(caps_mint(m, ep, CAP_RIGHT_WRITE, 0, 0), CAP_ERR_BADGE);
    ck_assert_uint_eq(caps_mint(m, ep, CAP_RIGHT_WRITE, 7, 1), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(m, ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, 7, 0), SYS_ERR_OK);
    ck_assert_uint_eq(m->cap.u.endpoint.badge, 7);
    ck_assert_uint_eq(m->cap.rights, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT);
    ck_assert_uint_eq(ep->cap.u.endpoint.badge, 0);
    ck_assert_uint_eq(caps_mint(m2, m, CAP_RIGHT_WRITE, 9, 0), CAP_ERR_BADGE); // set once
    ck_assert_uint_eq(caps_copy(m2, m, CAP_RIGHT_WRITE), SYS_ERR_OK);          // copies keep it
    ck_assert_uint_eq(m2->cap.u.endpoint.badge, 7);
    // A minted cap is a copy of the same object: revoke takes it.
    ck_assert(mdb_has_copies(ep));
    ck_assert(!mdb_has_descendants(ep));
    ck_assert_uint_eq(caps_revoke(ep), SYS_ERR_OK);
    ck_assert_uint_eq(m->cap.type, ObjType_Null);
    ck_assert_uint_eq(m2->cap.type, ObjType_Null);
    ck_assert_uint_eq(fake.destroys, 0); // ep is still there
    assert_consistent();
}
END_TEST

START_TEST(test_mint_io_ranges)
{
    struct cte *io = &w.boot[10], *a = world_slot(0, 0), *b = world_slot(0, 1);
    struct cte *c = world_slot(0, 2), *d = world_slot(0, 3);
    struct capability root = io_cap(0, 0xffff);
    ck_assert_uint_eq(caps_create_root(io, &root), SYS_ERR_OK);
    ck_assert_uint_eq(caps_mint(a, io, CAP_RIGHTS_ALL, 0x3f8, 0x3f0), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(a, io, CAP_RIGHTS_ALL, 0, 0x10000), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(a, io, CAP_RIGHTS_ALL, 0x3f8, 0x3ff), SYS_ERR_OK);
    ck_assert_uint_eq(a->cap.u.io.first, 0x3f8);
    ck_assert_uint_eq(a->cap.u.io.last, 0x3ff);
    ck_assert(mdb_has_descendants(io) && !mdb_has_copies(io));
    // Narrowed ranges nest or are disjoint, like retyped memory.
    ck_assert_uint_eq(caps_mint(b, io, CAP_RIGHTS_ALL, 0x3fc, 0x400), CAP_ERR_RETYPE_OVERLAP);
    ck_assert_uint_eq(caps_mint(b, a, CAP_RIGHTS_ALL, 0x3fc, 0x400), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(b, a, CAP_RIGHT_READ, 0x3fc, 0x3fd), SYS_ERR_OK);
    ck_assert_uint_eq(caps_mint(c, io, CAP_RIGHTS_ALL, 0, 0xffff), SYS_ERR_OK); // a copy
    ck_assert(mdb_has_copies(io));
    ck_assert_uint_eq(caps_mint(d, io, CAP_RIGHTS_ALL, 0x60, 0x64), SYS_ERR_OK);
    ck_assert(mdb_is_ancestor(&a->cap, &b->cap) && mdb_is_ancestor(&io->cap, &b->cap));
    ck_assert(!mdb_is_ancestor(&a->cap, &d->cap));
    // Revoking the narrowed one takes only what lies inside it.
    ck_assert_uint_eq(caps_revoke(a), SYS_ERR_OK);
    ck_assert_uint_eq(b->cap.type, ObjType_Null);
    ck_assert_uint_eq(d->cap.type, ObjType_IO);
    ck_assert_uint_eq(caps_revoke(io), SYS_ERR_OK);
    ck_assert_uint_eq(a->cap.type | c->cap.type | d->cap.type, ObjType_Null);
    ck_assert_uint_eq(io->cap.type, ObjType_IO);
    assert_consistent();
}
END_TEST

START_TEST(test_mint_other_types)
{
    struct cte *f = world_slot(0, 0), *m = world_slot(0, 1);
    world_new(f, ObjType_Frame, 4096);
    ck_assert_uint_eq(caps_mint(m, f, CAP_RIGHTS_ALL, 1, 0), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(m, f, CAP_RIGHTS_ALL, 0, 1), CAP_ERR_NOT_MINTABLE);
    ck_assert_uint_eq(caps_mint(m, f, CAP_RIGHT_READ, 0, 0), SYS_ERR_OK);
    ck_assert_uint_eq(m->cap.rights, CAP_RIGHT_READ);
    ck_assert(cap_same_object(&m->cap, &f->cap));
    ck_assert_uint_eq(caps_mint(world_slot(0, 2), world_slot(0, 3), 0, 0, 0), CAP_ERR_SLOT_EMPTY);
}
END_TEST

START_TEST(test_delete_copy_and_last_copy)
{
    struct cte *f = world_slot(0, 0), *a = world_slot(0, 1);
    world_new(f, ObjType_Frame, 8192);
    struct capability frame = f->cap;
    ck_assert_uint_eq(caps_delete(world_slot(0, 9)), CAP_ERR_SLOT_EMPTY);
    ck_assert_uint_eq(caps_copy(a, f, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(f), SYS_ERR_OK);
    ck_assert_uint_eq(f->cap.type, ObjType_Null);
    ck_assert_uint_eq(fake.destroys, 0); // a copy remains
    ck_assert(!mdb_has_copies(a));
    ck_assert_uint_eq(caps_delete(a), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, 1);
    ck_assert(cap_same_object(&fake.destroyed[0], &frame));
    ck_assert(!fake.destroyed_in_mdb[0]);
    ck_assert_uint_eq(a->cap.type, ObjType_Null);
    ck_assert_uint_eq(a->mdb.flags | a->mdb.level, 0);
    assert_consistent();
}
END_TEST

START_TEST(test_delete_mapped_copy_calls_cleanup)
{
    struct cte *f = world_slot(0, 0), *a = world_slot(0, 1);
    world_new(f, ObjType_Frame, 4096);
    ck_assert_uint_eq(caps_copy(a, f, CAP_RIGHTS_ALL), SYS_ERR_OK);
    a->map = (struct mapping){.vnode = 0x5000, .entry = 3, .pages = 1};
    ck_assert_uint_eq(caps_delete(f), SYS_ERR_OK); // not mapped: no cleanup
    ck_assert_uint_eq(fake.cleanups, 0);
    ck_assert_uint_eq(caps_delete(a), SYS_ERR_OK);
    ck_assert_uint_eq(fake.cleanups, 1);
    ck_assert_ptr_eq(fake.cleaned[0], a);
    ck_assert_uint_eq(fake.cleaned_map[0].vnode, 0x5000);
    ck_assert_uint_eq(fake.cleaned_map[0].entry, 3);
    ck_assert_uint_eq(fake.destroys, 1);
    ck_assert_uint_eq(a->map.vnode, 0);
}
END_TEST

// The last copy of RAM with descendants goes; the descendants stay, under
// the RAM's own ancestors.
START_TEST(test_delete_last_copy_with_descendants)
{
    struct cte *r = world_slot(0, 0), *f = world_slot(0, 1);
    world_new(r, ObjType_RAM, 16384);
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 4096, 4096, 1, &r->cap, 0),
                      CAP_ERR_NOT_CNODE); // RAM is no CNode
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 4096, 4096, 1, &cnode_slot(w.root, 0)->cap, 1),
                      SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(r), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, 0);
    ck_assert_uint_eq(f->cap.type, ObjType_Frame);
    ck_assert(mdb_is_ancestor(&w.boot[1].cap, &f->cap));
    // Revoking the grandparent still reaches it.
    struct capability frame = f->cap;
    ck_assert_uint_eq(caps_revoke(&w.boot[1]), SYS_ERR_OK);
    ck_assert_uint_eq(f->cap.type, ObjType_Null);
    ck_assert(destroyed(&frame));
}
END_TEST

// A CNode's last copy takes its contents along, nested CNodes included.
START_TEST(test_delete_cnode_deletes_contents)
{
    struct cte *outer = cnode_slot(w.root, 3), *keep = world_slot(0, 0);
    world_new(outer, ObjType_L2CNode, L2_CNODE_BYTES);
    struct cte *inner = cnode_slot(&outer->cap, 0);
    world_new(inner, ObjType_L2CNode, L2_CNODE_BYTES);
    struct cte *f = cnode_slot(&inner->cap, 5), *shared = cnode_slot(&inner->cap, 6);
    world_new(f, ObjType_Frame, 4096);
    world_new(keep, ObjType_Frame, 4096);
    ck_assert_uint_eq(caps_copy(shared, keep, CAP_RIGHTS_ALL), SYS_ERR_OK);
    struct capability outer_cap = outer->cap, inner_cap = inner->cap, frame = f->cap;
    ck_assert_uint_eq(assert_consistent(), 10);
    ck_assert_uint_eq(caps_delete(outer), SYS_ERR_OK);
    ck_assert_uint_eq(assert_consistent(), 6);
    ck_assert_uint_eq(fake.destroys, 3); // frame, inner, outer: not keep's Frame
    ck_assert(destroyed(&frame) && destroyed(&inner_cap) && destroyed(&outer_cap));
    ck_assert(cap_same_object(&fake.destroyed[2], &outer_cap)); // contents first
    ck_assert(!destroyed(&keep->cap));
    ck_assert(!mdb_has_copies(keep));
    for (unsigned i = 0; i < fake.destroys; i++)
        ck_assert(!fake.destroyed_in_mdb[i]);
    ck_assert_uint_eq(f->cap.type | shared->cap.type | inner->cap.type, ObjType_Null);
}
END_TEST

// A CNode holding a copy of itself, and two holding each other: deleting
// the outside caps leaves them (unreachable, as in Barrelfish); revoking
// their RAM reclaims them, and deletion terminates.
START_TEST(test_delete_cnode_cycles)
{
    struct cte *r = cnode_slot(w.root, 3), *a = cnode_slot(w.root, 4);
    struct cte *b = cnode_slot(w.root, 5);
    world_new(r, ObjType_RAM, 3 * L2_CNODE_BYTES);
    ck_assert_uint_eq(caps_retype(r, ObjType_L2CNode, 0, L2_CNODE_BYTES, 2, w.root, 4), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&a->cap, 0), a, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&a->cap, 1), b, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&b->cap, 0), a, CAP_RIGHTS_ALL), SYS_ERR_OK);
    struct capability acap = a->cap, bcap = b->cap;
    ck_assert_uint_eq(caps_delete(a), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(b), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, 0);
    static struct cte *all[64];
    ck_assert_uint_eq(world_collect(all, 64), 6); // the boot three, L1 slots 0, 1, r
    size_t n;
    const char *why;
    ck_assert(mdb_check(&n, &why));
    ck_assert_uint_eq(n, 9); // and the three unreachable caps
    ck_assert_uint_eq(caps_revoke(r), SYS_ERR_OK);
    ck_assert(mdb_check(&n, &why));
    ck_assert_uint_eq(n, 6);
    ck_assert_uint_eq(fake.destroys, 2);
    ck_assert(destroyed(&acap) && destroyed(&bcap));
    // A CNode whose only copy is inside itself, deleted directly.
    ck_assert_uint_eq(caps_retype(r, ObjType_L2CNode, 0, L2_CNODE_BYTES, 1, w.root, 4), SYS_ERR_OK);
    struct cte *self = cnode_slot(&a->cap, 9);
    ck_assert_uint_eq(caps_copy(self, a, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(a), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(self), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, 3);
    ck_assert(mdb_check(&n, &why));
    ck_assert_uint_eq(n, 6);
}
END_TEST

// A chain of CNodes nested 150 deep is deleted without recursion.
START_TEST(test_delete_deep_nesting)
{
    struct cte *head = cnode_slot(w.root, 3), *slot = head;
    enum { DEPTH = 150 };
    for (int i = 0; i < DEPTH; i++) {
        world_new(slot, ObjType_L2CNode, L2_CNODE_BYTES);
        slot = cnode_slot(&slot->cap, 255);
    }
    world_new(slot, ObjType_Frame, 4096);
    ck_assert_uint_eq(assert_consistent(), 5 + DEPTH + 1);
    ck_assert_uint_eq(caps_delete(head), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, DEPTH + 1);
    ck_assert_uint_eq(assert_consistent(), 5);
}
END_TEST

// A dispatcher's destruction deletes the root CNode slot it holds (as the
// CPU driver's arch_object_destroy will): the nested delete defers the
// CNode's contents to the running one instead of recursing.
static struct cte *held_root;
static bool contents_deferred;

static void delete_held_root(const struct capability *cap)
{
    if (cap->type != ObjType_Dispatcher)
        return;
    ck_assert_uint_eq(caps_delete(held_root), SYS_ERR_OK);
    contents_deferred = cnode_slot(&held_root->cap, 3)->cap.type == ObjType_Frame;
}

START_TEST(test_delete_from_destroy_hook)
{
    struct cte *disp = world_slot(0, 0);
    held_root = &w.boot[40];
    world_new(disp, ObjType_Dispatcher, DISPATCHER_SIZE);
    world_new(held_root, ObjType_L2CNode, L2_CNODE_BYTES);
    struct capability cnode = held_root->cap;
    world_new(cnode_slot(&cnode, 3), ObjType_Frame, BASE_PAGE_SIZE);
    fake.on_destroy = delete_held_root;
    ck_assert_uint_eq(caps_delete(disp), SYS_ERR_OK);
    ck_assert(contents_deferred);
    ck_assert_uint_eq(fake.destroys, 3); // the Dispatcher, then the Frame and the CNode
    ck_assert_uint_eq(fake.destroyed[0].type, ObjType_Dispatcher);
    ck_assert_uint_eq(fake.destroyed[1].type, ObjType_Frame);
    ck_assert_uint_eq(fake.destroyed[2].type, ObjType_L2CNode);
    ck_assert_uint_eq(held_root->cap.type, ObjType_Null);
    ck_assert_uint_eq(cnode_slot(&cnode, 3)->cap.type, ObjType_Null);
    assert_consistent();
}
END_TEST

// Revoke a RAM cap with copies and descendants spread over nested CNodes.
START_TEST(test_revoke_copies_and_descendants)
{
    struct cte *r = world_slot(0, 0), *nest = cnode_slot(w.root, 3);
    world_new(r, ObjType_RAM, 64 * 1024);
    world_new(nest, ObjType_L2CNode, L2_CNODE_BYTES);
    struct cte *inner = cnode_slot(&nest->cap, 200);
    world_new(inner, ObjType_L2CNode, L2_CNODE_BYTES);
    ck_assert_uint_eq(caps_copy(world_slot(1, 0), r, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&inner->cap, 1), r, CAP_RIGHTS_ALL), SYS_ERR_OK);
    // Descendants: from r and from its copy, some of them in the nested CNodes.
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 0, 4096, 4, &inner->cap, 10), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(world_slot(1, 0), ObjType_RAM, 32768, 16384, 1, &nest->cap, 0),
                      SYS_ERR_OK);
    struct cte *sub = cnode_slot(&nest->cap, 0);
    ck_assert_uint_eq(caps_retype(sub, ObjType_L2CNode, 0, L2_CNODE_BYTES - 8192, 1, w.root, 9),
                      CAP_ERR_RETYPE_SIZE);
    ck_assert_uint_eq(caps_retype(sub, ObjType_Endpoint, 64, 64, 3, &inner->cap, 20), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&inner->cap, 30), cnode_slot(&inner->cap, 11), 1),
                      SYS_ERR_OK);
    ck_assert(mdb_has_copies(r) && mdb_has_descendants(r));
    size_t before = assert_consistent();
    ck_assert_uint_eq(caps_revoke(r), SYS_ERR_OK);
    // Gone: 2 copies, 4 Frames and a copy, the sub-RAM, 3 Endpoints.
    ck_assert_uint_eq(assert_consistent(), before - 11);
    ck_assert(!mdb_has_copies(r) && !mdb_has_descendants(r));
    ck_assert_uint_eq(fake.destroys, 4 + 3); // sub-RAM had descendants when it went
    for (int i = 0; i < 256; i++) {
        struct cte *s = cnode_slot(&inner->cap, i);
        ck_assert_msg(s->cap.type == ObjType_Null, "inner slot %d not empty", i);
    }
    ck_assert_uint_eq(r->cap.type, ObjType_RAM);
    ck_assert_uint_eq(caps_revoke(r), SYS_ERR_OK); // nothing left to do
    ck_assert_uint_eq(caps_revoke(world_slot(0, 100)), CAP_ERR_SLOT_EMPTY);
    // The memory can be used again.
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 0, 65536, 1, &inner->cap, 0), SYS_ERR_OK);
}
END_TEST

// A revoke through a copy without OWNER (what a client gets from a server)
// spares the owner's copy and what was made from it, and takes the copies
// and descendants no stronger than itself; the owner's revoke takes all.
START_TEST(test_revoke_spares_owner)
{
    struct cte *owner = world_slot(0, 0), *client = world_slot(1, 0);
    world_new(owner, ObjType_RAM, 64 * 1024);
    ck_assert_uint_eq(owner->cap.rights, CAP_RIGHTS_ALL);
    ck_assert_uint_eq(caps_copy(client, owner, CAP_RIGHTS_ALL & ~CAP_RIGHT_OWNER), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(world_slot(1, 1), client, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(world_slot(1, 2), client, CAP_RIGHT_READ), SYS_ERR_OK);
    // The owner's Frame, and the client's (rights as their sources').
    ck_assert_uint_eq(caps_retype(owner, ObjType_Frame, 0, 4096, 1, w.root, 10), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(client, ObjType_Frame, 4096, 4096, 2, w.root, 11), SYS_ERR_OK);
    ck_assert_uint_eq(cnode_slot(w.root, 11)->cap.rights, CAP_RIGHTS_ALL & ~CAP_RIGHT_OWNER);
    size_t before = assert_consistent();
    ck_assert_uint_eq(caps_revoke(client), SYS_ERR_OK);
    // Gone: the client's two other copies and its two Frames.
    ck_assert_uint_eq(assert_consistent(), before - 4);
    ck_assert_uint_eq(owner->cap.type, ObjType_RAM);
    ck_assert_uint_eq(cnode_slot(w.root, 10)->cap.type, ObjType_Frame);
    ck_assert_uint_eq(cnode_slot(w.root, 11)->cap.type, ObjType_Null);
    ck_assert_uint_eq(world_slot(1, 1)->cap.type, ObjType_Null);
    // A weaker copy's revoke spares the client too.
    ck_assert_uint_eq(caps_copy(world_slot(1, 2), client, CAP_RIGHT_READ), SYS_ERR_OK);
    ck_assert_uint_eq(caps_revoke(world_slot(1, 2)), SYS_ERR_OK);
    ck_assert_uint_eq(client->cap.type, ObjType_RAM);
    ck_assert_uint_eq(owner->cap.type, ObjType_RAM);
    // The owner's revoke leaves only the owner's copy.
    ck_assert_uint_eq(caps_revoke(owner), SYS_ERR_OK);
    ck_assert_uint_eq(client->cap.type, ObjType_Null);
    ck_assert_uint_eq(world_slot(1, 2)->cap.type, ObjType_Null);
    ck_assert_uint_eq(cnode_slot(w.root, 10)->cap.type, ObjType_Null);
    ck_assert(!mdb_has_copies(owner) && !mdb_has_descendants(owner));
}
END_TEST

// Revoke through a slot that lives in a CNode descended from the revoked
// RAM: the CNode, and with it the slot, go too, and the revoke completes.
START_TEST(test_revoke_destroys_own_cnode)
{
    struct cte *r = cnode_slot(w.root, 3);
    world_new(r, ObjType_RAM, 65536);
    ck_assert_uint_eq(caps_retype(r, ObjType_L2CNode, 0, L2_CNODE_BYTES, 1, w.root, 4), SYS_ERR_OK);
    struct cte *c = cnode_slot(w.root, 4), *inside = cnode_slot(&c->cap, 0);
    ck_assert_uint_eq(caps_copy(inside, r, CAP_RIGHTS_ALL), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(inside, ObjType_Frame, 32768, 4096, 3, &c->cap, 1), SYS_ERR_OK);
    ck_assert_uint_eq(caps_copy(cnode_slot(&c->cap, 10), cnode_slot(&c->cap, 1), 1), SYS_ERR_OK);
    ck_assert_uint_eq(caps_retype(r, ObjType_Frame, 49152, 4096, 1, w.root, 5), SYS_ERR_OK);
    ck_assert_uint_eq(caps_revoke(inside), SYS_ERR_OK);
    ck_assert_uint_eq(assert_consistent(), 5);
    ck_assert_uint_eq(r->cap.type, ObjType_Null);
    ck_assert_uint_eq(cnode_slot(w.root, 5)->cap.type, ObjType_Null);
    ck_assert_uint_eq(fake.destroys, 1 + 3 + 1); // CNode, 3 Frames, the other Frame
}
END_TEST

START_TEST(test_identify)
{
    struct cap_info i;
    caps_identify(&w.boot[1].cap, &i);
    ck_assert_uint_eq(i.type, ObjType_RAM);
    ck_assert_uint_eq(i.rights, CAP_RIGHTS_ALL);
    ck_assert_uint_eq(i.base, FAKE_PHYS_BASE);
    ck_assert_uint_eq(i.bytes, FAKE_PHYS_SIZE);
    ck_assert_uint_eq(i.slots, 0);
    caps_identify(w.root, &i);
    ck_assert_uint_eq(i.type, ObjType_L1CNode);
    ck_assert_uint_eq(i.slots, 256);
    ck_assert_uint_eq(i.bytes, L1_BYTES);
    ck_assert_uint_eq(i.base, FAKE_PHYS_BASE);
    struct cte *ep = world_slot(0, 0), *m = world_slot(0, 1), *v = world_slot(0, 2);
    world_new(ep, ObjType_Endpoint, ENDPOINT_SIZE);
    ck_assert_uint_eq(caps_mint(m, ep, CAP_RIGHT_READ, 0xbad6e, 0), SYS_ERR_OK);
    caps_identify(&m->cap, &i);
    ck_assert_uint_eq(i.base, 0xbad6e);
    ck_assert_uint_eq(i.bytes, ep->cap.u.endpoint.base); // its identity: the object's address
    ck_assert_uint_eq(i.rights, CAP_RIGHT_READ);
    struct cap_info other;
    caps_identify(&ep->cap, &other);
    ck_assert_uint_eq(other.bytes, i.bytes); // the same endpoint, whatever the badge
    world_new(v, ObjType_VNodePT, VNODE_SIZE);
    caps_identify(&v->cap, &i);
    ck_assert_uint_eq(i.type, ObjType_VNodePT);
    ck_assert_uint_eq(i.bytes, VNODE_SIZE);
    ck_assert_uint_eq(i.base, v->cap.u.vnode.base);
    struct capability irq = {.type = ObjType_IRQDest, .rights = 1, .u.irqdest = {3, 0x40}};
    caps_identify(&irq, &i);
    ck_assert_uint_eq(i.slots, 3);
    ck_assert_uint_eq(i.base, 0x40);
    ck_assert_uint_eq(i.bytes, 1);
    struct capability src = {.type = ObjType_IRQSrc, .u.irqsrc = {16, 23}};
    caps_identify(&src, &i);
    ck_assert_uint_eq(i.base, 16);
    ck_assert_uint_eq(i.bytes, 8);
    struct capability io = io_cap(0x60, 0x64);
    caps_identify(&io, &i);
    ck_assert_uint_eq(i.base, 0x60);
    ck_assert_uint_eq(i.bytes, 5);
    struct capability k = {.type = ObjType_Kernel}, null = {0};
    caps_identify(&k, &i);
    ck_assert_uint_eq(i.bytes, 1);
    caps_identify(&null, &i);
    ck_assert_uint_eq(i.type | i.bytes | i.base | i.slots, 0);
}
END_TEST

START_TEST(test_create_root)
{
    struct cte *s = &w.boot[20];
    struct capability c = {.type = ObjType_RAM, .rights = CAP_RIGHTS_ALL};
    c.u.mem.base = 0x10000000, c.u.mem.bytes = 4096;
    ck_assert_uint_eq(caps_create_root(&w.boot[0], &c), CAP_ERR_SLOT_OCCUPIED);
    ck_assert_uint_eq(caps_create_root(s, &c), CAP_ERR_WRONG_TYPE); // RAM comes from PhysAddr
    c.type = ObjType_Num;
    ck_assert_uint_eq(caps_create_root(s, &c), CAP_ERR_WRONG_TYPE);
    c.type = ObjType_PhysAddr;
    c.rights = CAP_RIGHTS_ALL + 1;
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.rights = CAP_RIGHTS_ALL;
    c.u.mem.bytes = 0;
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.u.mem.bytes = 0x800;
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.u.mem.base = 0x10000800, c.u.mem.bytes = 4096;
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.u.mem.base = CAPSPACE_LIMIT - 4096, c.u.mem.bytes = 8192; // past the space
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.u.mem.base = 0x1000, c.u.mem.bytes = UINT64_MAX & ~0xfffull; // wraps
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_INVALID_ARGS);
    c.u.mem.base = FAKE_PHYS_BASE - 4096, c.u.mem.bytes = 8192; // overlaps boot[0]
    ck_assert_uint_eq(caps_create_root(s, &c), CAP_ERR_ROOT_OVERLAP);
    c.u.mem.base = FAKE_PHYS_BASE - 4096, c.u.mem.bytes = 4096; // touches: fine
    c.u.raw[2] = 0xdead;                                        // ignored, cleared
    ck_assert_uint_eq(caps_create_root(s, &c), SYS_ERR_OK);
    ck_assert_uint_eq(s->cap.u.raw[2], 0);
    ck_assert(!mdb_has_descendants(s) && !mdb_has_copies(s));
    struct capability io = io_cap(10, 5);
    ck_assert_uint_eq(caps_create_root(&w.boot[21], &io), SYS_ERR_INVALID_ARGS);
    io = io_cap(0, 0xffff);
    ck_assert_uint_eq(caps_create_root(&w.boot[21], &io), SYS_ERR_OK);
    io = io_cap(0x60, 0x60);
    ck_assert_uint_eq(caps_create_root(&w.boot[22], &io), CAP_ERR_ROOT_OVERLAP);
    struct capability irq = {.type = ObjType_IRQSrc, .rights = 1, .u.irqsrc = {5, 4}};
    ck_assert_uint_eq(caps_create_root(&w.boot[22], &irq), SYS_ERR_INVALID_ARGS);
    irq.u.irqsrc = (typeof(irq.u.irqsrc)){0, 23};
    ck_assert_uint_eq(caps_create_root(&w.boot[22], &irq), SYS_ERR_OK);
    struct capability dest = {.type = ObjType_IRQDest, .rights = 1, .u.irqdest = {0, 256}};
    ck_assert_uint_eq(caps_create_root(&w.boot[23], &dest), SYS_ERR_INVALID_ARGS);
    dest.u.irqdest.vector = 32;
    ck_assert_uint_eq(caps_create_root(&w.boot[23], &dest), SYS_ERR_OK);
    dest.u.irqdest.core = 1; // same vector, another core: no overlap
    ck_assert_uint_eq(caps_create_root(&w.boot[24], &dest), SYS_ERR_OK);
    struct capability k = {.type = ObjType_Kernel, .rights = CAP_RIGHTS_ALL};
    ck_assert_uint_eq(caps_create_root(&w.boot[25], &k), SYS_ERR_OK);
    ck_assert_uint_eq(caps_create_root(&w.boot[26], &k), CAP_ERR_ROOT_OVERLAP);
    struct capability cn = {.type = ObjType_L2CNode};
    ck_assert_uint_eq(caps_create_root(&w.boot[26], &cn), CAP_ERR_WRONG_TYPE);
    // Roots of every space in one tree; deleting a root destroys it.
    ck_assert_uint_eq(assert_consistent(), 5 + 6);
    ck_assert_uint_eq(caps_delete(&w.boot[25]), SYS_ERR_OK);
    ck_assert_uint_eq(fake.destroys, 1);
    ck_assert_uint_eq(fake.destroyed[0].type, ObjType_Kernel);
    ck_assert_uint_eq(caps_create_root(&w.boot[26], &k), SYS_ERR_OK);
    struct cap_info i;
    caps_identify(&w.boot[26].cap, &i);
    ck_assert_uint_eq(i.type, ObjType_Kernel);
}
END_TEST

static Suite *caps_suite(void)
{
    Suite *s = suite_create("caps");
    TCase *tc = tcase_create("caps");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_world_is_sound);
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_lookup_errors);
    tcase_add_test(tc, test_copy_reduces_rights);
    tcase_add_test(tc, test_copy_errors);
    tcase_add_test(tc, test_mint_endpoint_badge);
    tcase_add_test(tc, test_mint_io_ranges);
    tcase_add_test(tc, test_mint_other_types);
    tcase_add_test(tc, test_delete_copy_and_last_copy);
    tcase_add_test(tc, test_delete_mapped_copy_calls_cleanup);
    tcase_add_test(tc, test_delete_last_copy_with_descendants);
    tcase_add_test(tc, test_delete_cnode_deletes_contents);
    tcase_add_test(tc, test_delete_cnode_cycles);
    tcase_add_test(tc, test_delete_deep_nesting);
    tcase_add_test(tc, test_delete_from_destroy_hook);
    tcase_add_test(tc, test_revoke_copies_and_descendants);
    tcase_add_test(tc, test_revoke_spares_owner);
    tcase_add_test(tc, test_revoke_destroys_own_cnode);
    tcase_add_test(tc, test_identify);
    tcase_add_test(tc, test_create_root);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(caps_suite)
