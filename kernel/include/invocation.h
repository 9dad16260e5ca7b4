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
};

// Route inv to the decode/invoke pair for (target type, cmd): decode checks
// every argument and right and returns an error without changing anything;
// invoke then carries the operation out. The core owns CNodeCmd_* on
// L1CNode caps and RAMCmd_Retype on PhysAddr, RAM, Frame and DevFrame caps
// (kpi/caps.h gives the arguments, rights and errors). Every other (type,
// cmd) goes to arch_invoke(), whose result is returned.
errval_t invocation_dispatch(struct invocation *inv);

// The architecture's invocations (VNodes, Dispatcher, Endpoint, IRQ, IO,
// Kernel, Frame mapping): SYS_ERR_ILLEGAL_INVOCATION if it has none.
errval_t arch_invoke(struct invocation *inv);
