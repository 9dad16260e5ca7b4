/* kernel/cnode.c: CNodes: slots, two-level cap address lookup, destination checks. */
#include <capops.h>
#include <kernel_arch.h>
#include <mdb.h>

static bool is_cnode(uint8_t type) { return type == ObjType_L1CNode || type == ObjType_L2CNode; }

bool cte_is_empty(const struct cte *cte)
{
    return cte->cap.type == ObjType_Null || (cte->mdb.flags & MDB_FLAG_ZOMBIE);
}

struct cte *cnode_slot(const struct capability *cnode, uint32_t i)
{
    if (!is_cnode(cnode->type) || i >= cnode->u.cnode.slots)
        return NULL;
    return (struct cte *)kmem_ptr(cnode->u.cnode.base) + i;
}

errval_t caps_lookup_slot(const struct capability *root, capaddr_t addr, uint8_t level,
                          struct cte **out)
{
    *out = NULL;
    if (!root || root->type != ObjType_L1CNode)
        return CAP_ERR_WRONG_TYPE;
    if (level != CAP_LEVEL_L1 && level != CAP_LEVEL_L2)
        return SYS_ERR_INVALID_ARGS;
    struct cte *l1 = cnode_slot(root, level == CAP_LEVEL_L1 ? addr : CAPADDR_L1(addr));
    if (!l1)
        return err_push(CAP_ERR_SLOT_RANGE, CAP_ERR_LOOKUP_L1);
    if (level == CAP_LEVEL_L1) {
        *out = l1;
        return SYS_ERR_OK;
    }
    // An L2 CNode has exactly 2^L2_CNODE_BITS slots, so the index is in range.
    if (cte_is_empty(l1) || l1->cap.type != ObjType_L2CNode)
        return err_push(CAP_ERR_NOT_CNODE, CAP_ERR_LOOKUP_L2);
    *out = cnode_slot(&l1->cap, CAPADDR_L2(addr));
    return SYS_ERR_OK;
}

errval_t caps_check_empty(const struct cte *first, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        if (!cte_is_empty(&first[i]))
            return CAP_ERR_SLOT_OCCUPIED;
    }
    return SYS_ERR_OK;
}

errval_t cnode_check_dest(const struct capability *cnode, uint64_t slot, uint64_t count,
                          struct cte **first)
{
    *first = NULL;
    if (!is_cnode(cnode->type))
        return CAP_ERR_NOT_CNODE;
    if (!(cnode->rights & CAP_RIGHT_WRITE))
        return CAP_ERR_NO_RIGHTS;
    if (slot >= cnode->u.cnode.slots)
        return CAP_ERR_SLOT_RANGE;
    if (count > cnode->u.cnode.slots - slot)
        return CAP_ERR_RETYPE_COUNT;
    struct cte *s = cnode_slot(cnode, (uint32_t)slot);
    errval_t err = caps_check_empty(s, count);
    if (err_is_ok(err))
        *first = s;
    return err;
}
