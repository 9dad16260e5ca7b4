/* kernel/include/invocation.h: a capability invocation, decoded and carried out. */
#pragma once

#include <caps.h>

#define INVOCATION_ARGS 6
#define INVOCATION_RETS 3

// One invocation as the system-call layer hands it over: the invoked
// capability (already looked up, not empty), the caller's CSpace root for
// resolving capref arguments, the command and its raw argument words.
// Handlers may write result words to ret[].
struct invocation {
    const struct capability *root; // the caller's CSpace root (L1CNode)
    struct cte *target;            // the invoked capability's slot
    uint32_t cmd;
    uint64_t arg[INVOCATION_ARGS];
    uint64_t ret[INVOCATION_RETS];
    // Set by an invoke whose device did not answer (the IOMMU's invalidation
    // queue timing out): the call's result, with nothing of the kernel's
    // state left half-done. Every other invoke leaves it SYS_ERR_OK.
    errval_t device_err;
};

// What a decode resolved and checked, for its invoke.
struct inv_decoded {
    struct cte *src, *dest, *more; // caps named by capref arguments
    void *obj;                     // the object the invoke works on (a DCB, an IOMMU unit)
    uint64_t val;                  // a value decode computed (an encoded table entry)
};

// One command of one object type: seL4's decode/invoke split.
struct inv_handler {
    // Rights the invoked cap needs (CAP_RIGHT_*), checked before decode.
    uint8_t rights;
    // Check every argument and right; change nothing.
    errval_t (*decode)(struct invocation *inv, struct inv_decoded *d);
    // Carry the operation out; cannot fail.
    void (*invoke)(struct invocation *inv, const struct inv_decoded *d);
};

// Commands per object type in the table: the most any type has (kpi/caps.h).
#define INV_CMDS 8

// Run inv through the one invocation table: a (type, command) without a
// handler is SYS_ERR_ILLEGAL_INVOCATION; then the invoked cap's rights
// (CAP_ERR_NO_RIGHTS), the decode (its error is returned and nothing has
// changed) and the invoke. The table's core half (invocations.c) holds the
// CNode, retype and Dispatcher commands; arch_invocations the rest.
MUST_CHECK errval_t invocation_dispatch(struct invocation *inv);

// The architecture's half of the table: a row of INV_CMDS handlers per
// type (NULL: none) for its VNode, IOVNode, Frame/DevFrame, IRQ, IO and
// Kernel commands. An entry for a (type, command) the core handles is
// never used.
extern const struct inv_handler *const arch_invocations[ObjType_Num];

// The one checked lookup of a capref argument (kpi/caps.h: CAPREF) in the
// caller's CSpace: SYS_ERR_INVALID_ARGS for bits above the level byte, else
// caps_lookup_slot's errors. _full also refuses an empty slot
// (CAP_ERR_SLOT_EMPTY), _typed a cap of another type (CAP_ERR_WRONG_TYPE).
MUST_CHECK errval_t inv_lookup(const struct invocation *inv, uint64_t ref, struct cte **out);
MUST_CHECK errval_t inv_lookup_full(const struct invocation *inv, uint64_t ref, struct cte **out);
MUST_CHECK errval_t inv_lookup_typed(const struct invocation *inv, uint64_t ref, enum objtype type,
                                     struct cte **out);

// inv_lookup with an explicit CSpace root.
MUST_CHECK errval_t inv_resolve(const struct capability *root, uint64_t ref, struct cte **out);
