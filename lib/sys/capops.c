/* lib/sys/capops.c: capability operations on this domain's CSpace, and new objects. */
#include <sys/capops.h>
#include <sys/ram.h>
#include <sys/slot.h>

errval_t cap_copy(capref_t dest, capref_t src, uint8_t rights)
{
    return invoke_cnode_copy(cap_root, cap_cnode(dest), cap_slot(dest), src, rights);
}

errval_t cap_mint(capref_t dest, capref_t src, uint8_t rights, uint64_t p1, uint64_t p2)
{
    return invoke_cnode_mint(cap_root, cap_cnode(dest), cap_slot(dest), src, rights, p1, p2);
}

errval_t cap_delete(capref_t cap) { return invoke_cnode_delete(cap_root, cap); }

errval_t cap_revoke_here(capref_t cap, bool *remote)
{
    struct sysret r = cap_invoke(cap_root, CNodeCmd_Revoke, cap, 0, 0, 0, 0, 0);
    *remote = err_is_ok(r.err) && r.w[0];
    return r.err;
}

errval_t cap_revoke(capref_t cap)
{
    // The kernel reports whether other cores hold copies of what went;
    // init (through our monitor) then revokes them there.
    bool remote;
    errval_t err = cap_revoke_here(cap, &remote);
    return remote ? cap_revoke_remote(cap) : err;
}

errval_t cap_identify(capref_t cap, struct cap_info *info)
{
    return invoke_cnode_identify(cap_root, cap, info);
}

errval_t cap_retype(capref_t dest, capref_t src, enum objtype type, uint64_t offset,
                    uint64_t objsize, uint64_t count)
{
    return invoke_ram_retype(src, type, offset, objsize, count, cap_cnode(dest), cap_slot(dest));
}

void cap_destroy(capref_t cap)
{
    errval_t err = cap_delete(cap);
    if (err_is_ok(err) || err_no(err) == CAP_ERR_SLOT_EMPTY)
        slot_free(cap); // empty now, whoever emptied it (a revoke)
}

static bool is_memory(enum objtype t) { return t == ObjType_RAM || t == ObjType_Frame; }

errval_t obj_alloc(capref_t *ret, enum objtype type, uint64_t objsize)
{
    uint64_t bytes = (objsize + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
    capref_t ram;
    errval_t err = ram_alloc(&ram, bytes, OBJSIZE_PAGE);
    if (err_is_fail(err))
        return err;
    if (type == ObjType_RAM) {
        *ret = ram;
        return SYS_ERR_OK;
    }
    err = slot_alloc(ret);
    if (err_is_fail(err)) {
        err_ignore(
            ram_free(ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
        return err;
    }
    err = cap_retype(*ret, ram, type, 0, is_memory(type) ? bytes : objsize, 1);
    if (err_is_fail(err)) {
        slot_free(*ret);
        err_ignore(
            ram_free(ram),
            "mem_serv refused the RAM back: it stays charged to us and is reclaimed when we end");
        return err;
    }
    // The object stays a descendant of mem_serv's copy of the RAM, which
    // is how it is reclaimed; our copy of the RAM cap is not needed.
    cap_destroy(ram);
    return SYS_ERR_OK;
}

errval_t obj_alloc_ram(capref_t *ret, enum objtype type, uint64_t objsize, capref_t *ram)
{
    uint64_t bytes = (objsize + OBJSIZE_PAGE - 1) & ~(uint64_t)(OBJSIZE_PAGE - 1);
    *ret = *ram = NULL_CAP;
    errval_t err = ram_alloc(ram, bytes, OBJSIZE_PAGE);
    if (err_is_ok(err))
        err = slot_alloc(ret);
    if (err_is_ok(err))
        err = cap_retype(*ret, *ram, type, 0, is_memory(type) ? bytes : objsize, 1);
    if (err_is_fail(err)) {
        if (*ret)
            slot_free(*ret);
        obj_free(NULL_CAP, *ram);
        *ret = *ram = NULL_CAP;
    }
    return err;
}

void obj_free(capref_t obj, capref_t ram)
{
    if (obj)
        cap_destroy(obj);
    if (ram)
        err_ignore(ram_free(ram), "mem_serv refused the RAM back: it is reclaimed when we end");
}

errval_t frame_alloc(capref_t *ret, uint64_t bytes) { return obj_alloc(ret, ObjType_Frame, bytes); }
