/* kernel/invocations.c: the invocation table (its core half, the dispatch) and the checked capref
 * lookup. */
#include <base/string.h>
#include <capops.h>
#include <invocation.h>
#include <mdb.h>

#include <dispatch.h>

// ---- The checked lookup of capref arguments ----

errval_t inv_resolve(const struct capability *root, uint64_t ref, struct cte **out)
{
    *out = NULL;
    // Bits above the level byte: a capref is an address and a level, and
    // nothing else may ride along (they would be ignored, so a caller's
    // mistake would name some other slot).
    if (ref >> 40)
        return SYS_ERR_INVALID_ARGS;
    return caps_lookup_slot(root, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), out);
}

errval_t inv_lookup(const struct invocation *inv, uint64_t ref, struct cte **out)
{
    return inv_resolve(inv->root, ref, out);
}

errval_t inv_lookup_full(const struct invocation *inv, uint64_t ref, struct cte **out)
{
    errval_t err = inv_lookup(inv, ref, out);
    if (err_is_ok(err) && cte_is_empty(*out))
        err = CAP_ERR_SLOT_EMPTY;
    return err;
}

errval_t inv_lookup_typed(const struct invocation *inv, uint64_t ref, enum objtype type,
                          struct cte **out)
{
    errval_t err = inv_lookup_full(inv, ref, out);
    if (err_is_ok(err) && (*out)->cap.type != type)
        err = CAP_ERR_WRONG_TYPE;
    return err;
}

// A capref that must name a full slot, in the CSpace rooted at root.
static MUST_CHECK errval_t resolve_full(const struct capability *root, uint64_t ref,
                                        struct cte **out)
{
    errval_t err = inv_resolve(root, ref, out);
    if (err_is_ok(err) && cte_is_empty(*out))
        err = CAP_ERR_SLOT_EMPTY;
    return err;
}

// Copy and mint: (dest CNode capref, dest slot, src capref, rights, ...).
static MUST_CHECK errval_t decode_copy_slots(struct invocation *inv, struct inv_decoded *d)
{
    const struct capability *root = &inv->target->cap;
    struct cte *cnode;
    errval_t err = inv_resolve(root, inv->arg[0], &cnode);
    if (err_is_ok(err))
        err = resolve_full(root, inv->arg[2], &d->src);
    if (err_is_ok(err))
        err = cnode_check_dest(&cnode->cap, inv->arg[1], 1, &d->dest);
    return err;
}

static MUST_CHECK errval_t cnode_decode_copy(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = decode_copy_slots(inv, d);
    return err_is_fail(err) ? err : caps_copy_check(d->dest, d->src, inv->arg[3]);
}

static void cnode_invoke_copy(struct invocation *inv, const struct inv_decoded *d)
{
    caps_copy_apply(d->dest, d->src, (uint8_t)inv->arg[3]);
}

static MUST_CHECK errval_t cnode_decode_mint(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = decode_copy_slots(inv, d);
    if (err_is_fail(err))
        return err;
    return caps_mint_check(d->dest, d->src, inv->arg[3], inv->arg[4], inv->arg[5]);
}

static void cnode_invoke_mint(struct invocation *inv, const struct inv_decoded *d)
{
    caps_mint_apply(d->dest, d->src, (uint8_t)inv->arg[3], inv->arg[4], inv->arg[5]);
}

// Delete, revoke, identify: (capref) in the invoked CNode's CSpace.
static MUST_CHECK errval_t decode_one_slot(struct invocation *inv, struct inv_decoded *d)
{
    return resolve_full(&inv->target->cap, inv->arg[0], &d->src);
}

static MUST_CHECK errval_t cnode_decode_delete(struct invocation *inv, struct inv_decoded *d)
{
    errval_t err = decode_one_slot(inv, d);
    return err_is_fail(err) ? err : caps_delete_check(d->src);
}

static MUST_CHECK errval_t cnode_decode_revoke(struct invocation *inv, struct inv_decoded *d)
{
    return decode_one_slot(inv, d);
}

// Both report in ret[0] whether other cores hold copies of what went
// (the caller finishes the revoke through its monitor: remote.c).
static void cnode_invoke_delete(struct invocation *inv, const struct inv_decoded *d)
{
    caps_take_remote_pending();
    caps_delete_apply(d->src);
    inv->ret[0] = caps_take_remote_pending();
}

static void cnode_invoke_revoke(struct invocation *inv, const struct inv_decoded *d)
{
    bool exported = d->src->mdb.flags & MDB_FLAG_EXPORTED;
    caps_take_remote_pending();
    caps_revoke_apply(d->src);
    inv->ret[0] = caps_take_remote_pending() || exported;
}

static MUST_CHECK errval_t cnode_decode_identify(struct invocation *inv, struct inv_decoded *d)
{
    return decode_one_slot(inv, d);
}

static void cnode_invoke_identify(struct invocation *inv, const struct inv_decoded *d)
{
    struct cap_info info;
    caps_identify(&d->src->cap, &info);
    memcpy(inv->ret, &info, sizeof(info));
}

// Retype: (new type, offset, object size, count, dest CNode capref, first
// dest slot); the destination resolves in the caller's CSpace.
static MUST_CHECK errval_t ram_decode_retype(struct invocation *inv, struct inv_decoded *d)
{
    const uint64_t *a = inv->arg;
    struct cte *cnode;
    errval_t err = inv_lookup(inv, a[4], &cnode);
    if (err_is_ok(err))
        err = caps_retype_check(inv->target, a[0], a[1], a[2], a[3]);
    if (err_is_ok(err))
        err = cnode_check_dest(&cnode->cap, a[5], a[3], &d->dest);
    if (err_is_ok(err))
        err = caps_retype_check_overlap(inv->target, a[1], a[2], a[3]);
    return err;
}

static void ram_invoke_retype(struct invocation *inv, const struct inv_decoded *d)
{
    const uint64_t *a = inv->arg;
    caps_retype_apply(inv->target, (enum objtype)a[0], a[1], a[2], a[3], d->dest);
}

// ---- The table ----

#define W CAP_RIGHT_WRITE

static const struct inv_handler cnode_invocations[INV_CMDS] = {
    [CNodeCmd_Copy] = {W, cnode_decode_copy, cnode_invoke_copy},
    [CNodeCmd_Mint] = {W, cnode_decode_mint, cnode_invoke_mint},
    [CNodeCmd_Delete] = {W, cnode_decode_delete, cnode_invoke_delete},
    [CNodeCmd_Revoke] = {W, cnode_decode_revoke, cnode_invoke_revoke},
    [CNodeCmd_Identify] = {CAP_RIGHT_READ, cnode_decode_identify, cnode_invoke_identify},
};

// Retype checks the source's rights itself, after its emptiness.
static const struct inv_handler retype_invocations[INV_CMDS] = {
    [RAMCmd_Retype] = {0, ram_decode_retype, ram_invoke_retype},
};

// The core's half: the types whose commands are the capability core's.
// Frame and DevFrame share their rows with the architecture: Retype is
// the core's, their other commands (unmap, IOMMU) arch_invocations'.
static const struct inv_handler *const core_invocations[ObjType_Num] = {
    [ObjType_L1CNode] = cnode_invocations,   [ObjType_PhysAddr] = retype_invocations,
    [ObjType_RAM] = retype_invocations,      [ObjType_Frame] = retype_invocations,
    [ObjType_DevFrame] = retype_invocations, [ObjType_Dispatcher] = dispatcher_invocations,
};

_Static_assert(CNodeCmd_Num <= INV_CMDS && DevFrameCmd_Num <= INV_CMDS &&
                   IRQDestCmd_Num <= INV_CMDS && KernelCmd_Num <= INV_CMDS,
               "every type's commands fit a row");

// The handler of (type, cmd), NULL if there is none.
static const struct inv_handler *handler_of(uint8_t type, uint32_t cmd)
{
    if (type >= ObjType_Num || cmd >= INV_CMDS)
        return NULL;
    const struct inv_handler *h = core_invocations[type] ? &core_invocations[type][cmd] : NULL;
    if ((!h || !h->decode) && arch_invocations[type])
        h = &arch_invocations[type][cmd];
    return h && h->decode ? h : NULL;
}

errval_t invocation_dispatch(struct invocation *inv)
{
    const struct inv_handler *h = handler_of(inv->target->cap.type, inv->cmd);
    if (!h)
        return SYS_ERR_ILLEGAL_INVOCATION;
    if ((inv->target->cap.rights & h->rights) != h->rights)
        return CAP_ERR_NO_RIGHTS;
    struct inv_decoded d = {0};
    inv->device_err = SYS_ERR_OK;
    errval_t err = h->decode(inv, &d);
    if (err_is_fail(err))
        return err;
    h->invoke(inv, &d);
    return inv->device_err;
}
