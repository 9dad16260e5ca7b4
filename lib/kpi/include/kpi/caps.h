/* lib/kpi/include/kpi/caps.h: capability types, rights, addresses and invocation commands. */
#pragma once

#include <stdint.h>

// Every capability type, in one table. X(name, derivable_from...) is kept
// simple: X(Name) per type; the kernel's own table (kernel/captypes.c) gives
// each type's object size and retype rules. Add new types at the end.
#define CAP_TYPES(X)                                                                               \
    X(Null)        /* an empty slot */                                                             \
    X(PhysAddr)    /* a range of physical address space: the root of all memory */                \
    X(RAM)         /* untyped RAM: retype into kernel objects or frames */                         \
    X(Frame)       /* mappable RAM */                                                              \
    X(DevFrame)    /* mappable device memory (never retyped into kernel objects) */                \
    X(L1CNode)     /* a CSpace root: a resizable array of slots */                                 \
    X(L2CNode)     /* a second-level CNode: L2_CNODE_SLOTS slots */                                \
    X(VNodePML4)   /* x86-64 page-map level 4 */                                                   \
    X(VNodePDPT)   /* page-directory-pointer table */                                              \
    X(VNodePD)     /* page directory */                                                            \
    X(VNodePT)     /* page table */                                                                \
    X(Dispatcher)  /* a schedulable context (thread of a domain) */                                \
    X(Endpoint)    /* an LMP endpoint; copies minted with a badge */                               \
    X(IRQSrc)      /* an interrupt source (IOAPIC line or device vector range) */                  \
    X(IRQDest)     /* a CPU interrupt vector on a core, bindable to an endpoint */                 \
    X(IO)          /* a range of x86 I/O ports */                                                  \
    X(Kernel)      /* privileged kernel operations */

enum objtype {
#define X(name) ObjType_##name,
    CAP_TYPES(X)
#undef X
        ObjType_Num
};

// Rights: only ever reduced (mint and copy-with-rights intersect).
#define CAP_RIGHT_READ    (1u << 0)
#define CAP_RIGHT_WRITE   (1u << 1)
#define CAP_RIGHT_EXECUTE (1u << 2)
#define CAP_RIGHT_GRANT   (1u << 3) // may send caps through an endpoint
#define CAP_RIGHTS_ALL    0xfu

// A capability address names a slot in a caller's two-level CSpace:
// bits 31..8 index the L1 CNode (the root), bits 7..0 the L2 CNode found
// there. With level 1 the address names an L1 slot itself (where an L2
// CNode cap lives); with level 2 (the usual) a slot in an L2 CNode.
typedef uint32_t capaddr_t;
#define L2_CNODE_BITS  8
#define L2_CNODE_SLOTS (1u << L2_CNODE_BITS)
#define L1_CNODE_MIN_SLOTS L2_CNODE_SLOTS
#define CAPADDR(l1, l2) (((capaddr_t)(l1) << L2_CNODE_BITS) | (capaddr_t)(l2))
#define CAPADDR_L1(a)   ((a) >> L2_CNODE_BITS)
#define CAPADDR_L2(a)   ((a) & (L2_CNODE_SLOTS - 1))
#define CAP_LEVEL_L1 1
#define CAP_LEVEL_L2 2

// A capability reference in an invocation argument: an address and its
// level in one word.
#define CAPREF(addr, level) ((uint64_t)(addr) | ((uint64_t)(level) << 32))
#define CAPREF_ADDR(r)      ((capaddr_t)(r))
#define CAPREF_LEVEL(r)     ((uint8_t)((r) >> 32))

// Invocation commands, per capability type. The kernel routes
// (type, command) to a decode/invoke pair (kernel/invocations.c).
//
// CNode commands are invoked on an L1CNode cap (usually the caller's own
// root); every capref argument is resolved in the CSpace rooted there, so
// a domain holding another's root can work in that CSpace (spawning).
enum cnode_cmd {
    CNodeCmd_Copy,     // (dest CNode capref, dest slot, src capref, rights)
    CNodeCmd_Mint,     // (dest CNode capref, dest slot, src capref, rights, param1, param2)
    CNodeCmd_Delete,   // (capref)
    CNodeCmd_Revoke,   // (capref)
    CNodeCmd_Identify, // (capref) -> struct cap_info in the result words
    CNodeCmd_Num
};

// Invoked on a RAM, Frame, DevFrame or PhysAddr cap; the destination CNode
// capref is resolved in the caller's own CSpace.
enum ram_cmd {
    RAMCmd_Retype, // (new type, offset, object size, count, dest CNode capref, first dest slot)
    RAMCmd_Num
};

// What identify reports about a capability.
struct cap_info {
    uint8_t type;   // enum objtype
    uint8_t rights; // CAP_RIGHT_*
    uint16_t reserved;
    uint32_t slots; // CNodes: number of slots
    uint64_t base;  // memory types: physical base; Endpoint: badge
    uint64_t bytes; // memory types and CNodes/VNodes/Dispatchers: object size
};
