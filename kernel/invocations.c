/* kernel/invocations.c: the core's invocation table and its decode/invoke pairs. */
#include <base/string.h>
#include <capops.h>
#include <invocation.h>
#include <mdb.h>

// What a decode resolved and checked, for its invoke.
struct decoded {
    struct cte *src, *dest;
};

struct handler {
    // Check every argument and right; change nothing.
    errval_t (*decode)(struct invocation *inv, struct decoded *d);
    // Carry the operation out; cannot fail.
    void (*invoke)(struct invocation *inv, const struct decoded *d);
};

// Resolve a capref argument (kpi/caps.h: CAPREF) in the CSpace rooted at root.
static errval_t resolve(const struct capability *root, uint64_t ref, struct cte **out)
{
    if (ref >> 40) // bits above the level byte
        return SYS_ERR_INVALID_ARGS;
    return caps_lookup_slot(root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), out);
}

// Resolve a capref that must name a full slot.
static errval_t resolve_full(const struct capability *root, uint64_t ref, struct cte **out)
{
    errval_t err = resolve(root, ref, out);
    if (err_is_ok(err) && cte_is_empty(*out))
        err = CAP_ERR_SLOT_EMPTY;
    return err;
}

static errval_t need_rights(const struct capability *cap, uint8_t rights)
{
    return (cap->rights & rights) == rights ? SYS_ERR_OK : CAP_ERR_NO_RIGHTS;
}

// Copy and mint: (dest CNode capref, dest slot, src capref, rights, ...).
static errval_t decode_copy_slots(struct invocation *inv, struct decoded *d)
{
    const struct capability *root = &inv->target->cap;
    struct cte *cnode;
    errval_t err = need_rights(root, CAP_RIGHT_WRITE);
    if (err_is_ok(err))
        err = resolve(root, inv->arg[0], &cnode);
    if (err_is_ok(err))
        err = resolve_full(root, inv->arg[2], &d->src);
    if (err_is_ok(err))
        err = cnode_check_dest(&cnode->cap, inv->arg[1], 1, &d->dest);
    return err;
}

static errval_t cnode_decode_copy(struct invocation *inv, struct decoded *d)
{
    errval_t err = decode_copy_slots(inv, d);
    return err_is_fail(err) ? err : caps_copy_check(d->dest, d->src, inv->arg[3]);
}

static void cnode_invoke_copy(struct invocation *inv, const struct decoded *d)
{
    caps_copy_apply(d->dest, d->src, (uint8_t)inv->arg[3]);
}

static errval_t cnode_decode_mint(struct invocation *inv, struct decoded *d)
{
    errval_t err = decode_copy_slots(inv, d);
    if (err_is_fail(err))
        return err;
    return caps_mint_check(d->dest, d->src, inv->arg[3], inv->arg[4], inv->arg[5]);
}

static void cnode_invoke_mint(struct invocation *inv, const struct decoded *d)
{
    caps_mint_apply(d->dest, d->src, (uint8_t)inv->arg[3], inv->arg[4], inv->arg[5]);
}

// Delete, revoke, identify: (capref), with a right on the invoked CNode.
static errval_t decode_one_slot(struct invocation *inv, struct decoded *d, uint8_t rights)
{
    errval_t err = need_rights(&inv->target->cap, rights);
    return err_is_fail(err) ? err : resolve_full(&inv->target->cap, inv->arg[0], &d->src);
}

static errval_t cnode_decode_delete(struct invocation *inv, struct decoded *d)
{
    errval_t err = decode_one_slot(inv, d, CAP_RIGHT_WRITE);
    return err_is_fail(err) ? err : caps_delete_check(d->src);
}

static errval_t cnode_decode_revoke(struct invocation *inv, struct decoded *d)
{
    return decode_one_slot(inv, d, CAP_RIGHT_WRITE);
}

// Both report in ret[0] whether other cores hold copies of what went
// (the caller finishes the revoke through its monitor: remote.c).
static void cnode_invoke_delete(struct invocation *inv, const struct decoded *d)
{
    caps_take_remote_pending();
    caps_delete_apply(d->src);
    inv->ret[0] = caps_take_remote_pending();
}

static void cnode_invoke_revoke(struct invocation *inv, const struct decoded *d)
{
    bool exported = d->src->mdb.flags & MDB_FLAG_EXPORTED;
    caps_take_remote_pending();
    caps_revoke_apply(d->src);
    inv->ret[0] = caps_take_remote_pending() || exported;
}

static errval_t cnode_decode_identify(struct invocation *inv, struct decoded *d)
{
    return decode_one_slot(inv, d, CAP_RIGHT_READ);
}

static void cnode_invoke_identify(struct invocation *inv, const struct decoded *d)
{
    struct cap_info info;
    caps_identify(&d->src->cap, &info);
    memcpy(inv->ret, &info, sizeof(info));
}

// Retype: (new type, offset, object size, count, dest CNode capref, first
// dest slot); the destination resolves in the caller's CSpace.
static errval_t ram_decode_retype(struct invocation *inv, struct decoded *d)
{
    const uint64_t *a = inv->arg;
    struct cte *cnode;
    errval_t err = resolve(inv->root, a[4], &cnode);
    if (err_is_ok(err))
        err = caps_retype_check(inv->target, a[0], a[1], a[2], a[3]);
    if (err_is_ok(err))
        err = cnode_check_dest(&cnode->cap, a[5], a[3], &d->dest);
    if (err_is_ok(err))
        err = caps_retype_check_overlap(inv->target, a[1], a[2], a[3]);
    return err;
}

static void ram_invoke_retype(struct invocation *inv, const struct decoded *d)
{
    const uint64_t *a = inv->arg;
    caps_retype_apply(inv->target, (enum objtype)a[0], a[1], a[2], a[3], d->dest);
}

#define CORE_CMDS ((int)CNodeCmd_Num > (int)RAMCmd_Num ? (int)CNodeCmd_Num : (int)RAMCmd_Num)
#define RETYPE    [RAMCmd_Retype] = {ram_decode_retype, ram_invoke_retype}

static const struct handler handlers[ObjType_Num][CORE_CMDS] = {
    [ObjType_L1CNode] =
        {
            [CNodeCmd_Copy] = {cnode_decode_copy, cnode_invoke_copy},
            [CNodeCmd_Mint] = {cnode_decode_mint, cnode_invoke_mint},
            [CNodeCmd_Delete] = {cnode_decode_delete, cnode_invoke_delete},
            [CNodeCmd_Revoke] = {cnode_decode_revoke, cnode_invoke_revoke},
            [CNodeCmd_Identify] = {cnode_decode_identify, cnode_invoke_identify},
        },
    [ObjType_PhysAddr] = {RETYPE},
    [ObjType_RAM] = {RETYPE},
    [ObjType_Frame] = {RETYPE},
    [ObjType_DevFrame] = {RETYPE},
};

errval_t invocation_dispatch(struct invocation *inv)
{
    uint8_t type = inv->target->cap.type;
    const struct handler *h =
        type < ObjType_Num && inv->cmd < CORE_CMDS ? &handlers[type][inv->cmd] : NULL;
    if (!h || !h->decode)
        return arch_invoke(inv);
    struct decoded d = {0};
    errval_t err = h->decode(inv, &d);
    if (err_is_ok(err))
        h->invoke(inv, &d);
    return err;
}
