/*
 * kernel/include/caps.h: capabilities, CNode slots and the operations on them.
 *
 * The architecture-neutral core of Sietch's protection model (after
 * Barrelfish and seL4). It compiles into the CPU driver and, unchanged, into
 * host unit tests. Kernel objects live in RAM named by physical address and
 * are reached through kmem_ptr() (kernel_arch.h).
 */
#pragma once

#include <kpi/caps.h>
#include <kpi/errors.h>
#include <kpi/types.h>
#include <stdbool.h>
#include <stddef.h>

// A capability: a typed, rights-restricted reference to an object.
struct capability {
    uint8_t type;   // enum objtype
    uint8_t rights; // CAP_RIGHT_*
    uint16_t reserved0;
    uint32_t reserved1;
    union {
        struct {
            paddr_t base;
            uint64_t bytes;
        } mem; // PhysAddr, RAM, Frame, DevFrame
        struct {
            paddr_t base;   // the slot array (slots * sizeof(struct cte))
            uint32_t slots; // L2: L2_CNODE_SLOTS; L1: a power of two >= L1_CNODE_MIN_SLOTS
        } cnode;
        struct {
            paddr_t base; // the table (see VNODE_SIZE); also IOVNodes
        } vnode;
        struct {
            paddr_t base; // the dispatcher control block
        } dispatcher;
        struct {
            paddr_t base;   // the endpoint object
            uint64_t badge; // 0: not minted; set once by mint, delivered with each message
        } endpoint;
        struct {
            uint32_t first, last; // interrupt source numbers, inclusive
        } irqsrc;
        struct {
            uint32_t core, vector;
        } irqdest;
        struct {
            uint16_t first, last; // I/O ports, inclusive
        } io;
        uint64_t raw[3]; // sizes the union: a type may use up to three words
    } u;
};
_Static_assert(sizeof(struct capability) == 32, "a capability is 32 bytes");

// Links of a slot in the mapping database (mdb.c): a balanced search tree
// over all capabilities in the order of mdb.h, threaded with an in-order
// list so that the next copy or descendant is found in O(1).
struct mdb_node {
    struct cte *left, *right;
    struct cte *prev, *next; // in-order neighbours
    uint64_t subtree_end;    // largest end address in this subtree (range queries)
    uint32_t level;          // balancing (AA tree)
    uint32_t flags;          // MDB_FLAG_*
};

// Where this copy of a Frame, DevFrame, VNode or IOVNode cap is mapped: at most one
// place per copy (seL4's rule); map a copy to map twice. Deleting the copy
// removes the mapping.
struct mapping {
    paddr_t vnode; // physical base of the VNode holding the entry, 0 if unmapped
    uint16_t entry;
    uint16_t pages; // consecutive entries used
    uint32_t flags; // arch mapping flags
};

// A capability table entry: one slot of a CNode.
struct cte {
    struct capability cap;
    struct mdb_node mdb;
    struct mapping map;
};
_Static_assert(sizeof(struct cte) == 96, "a CNode slot is 96 bytes");

// Object sizes and alignment.
#define BASE_PAGE_SIZE  4096u
#define L2_CNODE_BYTES  (L2_CNODE_SLOTS * sizeof(struct cte))
#define VNODE_SIZE      8192u // a page of entries and a page of back-pointers
#define DISPATCHER_SIZE 4096u
#define ENDPOINT_SIZE   64u

// User space retypes with the sizes kpi/caps.h publishes.
_Static_assert(OBJSIZE_CTE == sizeof(struct cte), "kpi/caps.h OBJSIZE_CTE");
_Static_assert(OBJSIZE_L2CNODE == L2_CNODE_BYTES, "kpi/caps.h OBJSIZE_L2CNODE");
_Static_assert(OBJSIZE_VNODE == VNODE_SIZE, "kpi/caps.h OBJSIZE_VNODE");
_Static_assert(OBJSIZE_IOVNODE == VNODE_SIZE, "kpi/caps.h OBJSIZE_IOVNODE");
_Static_assert(OBJSIZE_DISPATCHER == DISPATCHER_SIZE, "kpi/caps.h OBJSIZE_DISPATCHER");
_Static_assert(OBJSIZE_ENDPOINT == ENDPOINT_SIZE, "kpi/caps.h OBJSIZE_ENDPOINT");

// Lookup: the slot at addr (level CAP_LEVEL_L1 or CAP_LEVEL_L2, see
// kpi/caps.h) in the CSpace whose root is the L1CNode cap root. An empty
// slot is found, not an error. Errors: CAP_ERR_WRONG_TYPE (root is not an
// L1CNode), SYS_ERR_INVALID_ARGS (bad level), CAP_ERR_LOOKUP_L1 over
// CAP_ERR_SLOT_RANGE (the L1 index is beyond the root), CAP_ERR_LOOKUP_L2
// over CAP_ERR_NOT_CNODE (level 2, and the L1 slot holds no L2CNode). The
// top code (err_no) says where the lookup failed and err_pop gives why.
MUST_CHECK errval_t caps_lookup_slot(const struct capability *root, capaddr_t addr, uint8_t level,
                                     struct cte **out);

// The slot with index i of the CNode cnode (L1 or L2); NULL if out of range
// or cnode is not a CNode.
struct cte *cnode_slot(const struct capability *cnode, uint32_t i);

// Retype: count objects of type, each objsize bytes, from src's range
// starting offset bytes into it, into consecutive empty slots of the CNode
// dest_cnode from dest_slot on. Checks the retype rules, rights, sizes,
// alignment, range, the destination slots and overlap with src's live
// descendants, in the order given in kpi/caps.h, and changes nothing on
// error. On success the new caps are children of src in the mdb, carry
// src's rights, and the new objects' memory is zeroed (except untyped
// memory and DevFrame: PhysAddr, RAM, DevFrame are never touched).
MUST_CHECK errval_t caps_retype(struct cte *src, enum objtype type, uint64_t offset,
                                uint64_t objsize, uint64_t count,
                                const struct capability *dest_cnode, uint32_t dest_slot);

// Retype as caps_retype, into the count consecutive empty slots at dest,
// which need not lie in a CNode: the CPU driver places the first CSpace
// root in its dispatcher's control block. CAP_ERR_SLOT_OCCUPIED if one is
// full.
MUST_CHECK errval_t caps_retype_to_slots(struct cte *src, enum objtype type, uint64_t offset,
                                         uint64_t objsize, uint64_t count, struct cte *dest);

// For the CPU driver's boot only: like caps_retype into one Frame, but the
// memory keeps its contents (the boot modules are already in RAM). Never
// reachable from an invocation.
MUST_CHECK errval_t caps_retype_keep_data(struct cte *src, uint64_t offset, uint64_t bytes,
                                          const struct capability *dest_cnode, uint32_t dest_slot);

// Copy src into the empty slot dest with rights reduced to rights & src's.
// Mint does the same and applies a type-specific parameter: Endpoint: set
// the badge (only on an unbadged cap, badge != 0); IO: narrow the port
// range to [param1, param2] inside the source's (see kpi/caps.h). Errors:
// CAP_ERR_SLOT_EMPTY (src), CAP_ERR_SLOT_OCCUPIED (dest),
// SYS_ERR_INVALID_ARGS (rights beyond CAP_RIGHTS_ALL), then mint's
// CAP_ERR_NOT_MINTABLE, CAP_ERR_BADGE, CAP_ERR_RETYPE_OVERLAP.
MUST_CHECK errval_t caps_copy(struct cte *dest, struct cte *src, uint8_t rights);
MUST_CHECK errval_t caps_mint(struct cte *dest, struct cte *src, uint8_t rights, uint64_t param1,
                              uint64_t param2);

// Delete the cap in slot. A copy with a mapping (slot->map.vnode != 0) is
// unmapped first (arch_cte_cleanup). If it was the last copy of its object
// and the object has no descendants, the object is destroyed: a CNode's
// contents are deleted too (iteratively, also for nested CNodes and
// cycles), then arch_object_destroy() runs. A last copy with descendants
// only goes: the descendants keep the memory, and stay descendants of
// src's ancestors. Fails with CAP_ERR_SLOT_EMPTY on an empty slot.
MUST_CHECK errval_t caps_delete(struct cte *slot);

// Delete every descendant of the cap in slot and every other copy of it,
// leaving only this one, but sparing those with a right the cap lacks
// (CAP_RIGHT_OWNER: the owner's copy survives a revoke through a copy
// without it). The copies' and descendants' deletions may
// destroy CNodes, and with them slot itself (when it lives in one): the
// revoke still completes. Fails with CAP_ERR_SLOT_EMPTY on an empty slot.
MUST_CHECK errval_t caps_revoke(struct cte *slot);

// Describe a capability (see struct cap_info).
void caps_identify(const struct capability *cap, struct cap_info *out);

// Install a capability with no parent (the CPU driver's boot roots:
// PhysAddr, IRQSrc, IRQDest, IO, Kernel) into an empty slot. Errors:
// CAP_ERR_SLOT_OCCUPIED, CAP_ERR_WRONG_TYPE (not a root type),
// SYS_ERR_INVALID_ARGS (bad rights or range: PhysAddr base and size page
// aligned, non-empty and below 2^56; first <= last; vector < 256),
// CAP_ERR_ROOT_OVERLAP (overlaps an existing capability's object).
MUST_CHECK errval_t caps_create_root(struct cte *dest, const struct capability *cap);

// Mapping-database queries: another copy of the same object exists; some
// capability is derived from this object (retype, or a narrowed IO mint).
bool mdb_has_copies(const struct cte *cte);
bool mdb_has_descendants(const struct cte *cte);
