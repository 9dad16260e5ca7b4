/* lib/kpi/include/kpi/caps.h: capability types, rights, addresses and invocation commands. */
#pragma once

#include <stdint.h>

// Every capability type, in one table. X(name, derivable_from...) is kept
// simple: X(Name) per type; the kernel's own table (kernel/captypes.c) gives
// each type's object size and retype rules. Add new types at the end.
#define CAP_TYPES(X)                                                                               \
    X(Null)       /* an empty slot */                                                              \
    X(PhysAddr)   /* a range of physical address space: the root of all memory */                  \
    X(RAM)        /* untyped RAM: retype into kernel objects or frames */                          \
    X(Frame)      /* mappable RAM */                                                               \
    X(DevFrame)   /* mappable device memory (never retyped into kernel objects) */                 \
    X(L1CNode)    /* a CSpace root: a resizable array of slots */                                  \
    X(L2CNode)    /* a second-level CNode: L2_CNODE_SLOTS slots */                                 \
    X(VNodePML4)  /* x86-64 page-map level 4 */                                                    \
    X(VNodePDPT)  /* page-directory-pointer table */                                               \
    X(VNodePD)    /* page directory */                                                             \
    X(VNodePT)    /* page table */                                                                 \
    X(Dispatcher) /* a schedulable context (thread of a domain) */                                 \
    X(Endpoint)   /* an LMP endpoint; copies minted with a badge */                                \
    X(IRQSrc)     /* an interrupt source (IOAPIC line or device vector range) */                   \
    X(IRQDest)    /* a CPU interrupt vector on a core, bindable to an endpoint */                  \
    X(IO)         /* a range of x86 I/O ports */                                                   \
    X(Kernel)     /* privileged kernel operations */                                               \
    X(IOVNodeL4)  /* VT-d second-level table, level 4: a 48-bit IOMMU domain's root */             \
    X(IOVNodeL3)  /* VT-d second-level table, level 3 (a 39-bit domain's root) */                  \
    X(IOVNodeL2)  /* VT-d second-level table, level 2 */                                           \
    X(IOVNodeL1)  /* VT-d second-level table, level 1: maps 4 KiB Frames */

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
// The owner's copy: a revoke deletes only the copies and descendants that
// have no right the revoked cap lacks, and a cap sent through an endpoint
// arrives without OWNER. So a server's own copy of what it hands out
// survives a client's revoke (docs/caps.md).
#define CAP_RIGHT_OWNER   (1u << 4)
#define CAP_RIGHTS_ALL    0x1fu

// A capability address names a slot in a caller's two-level CSpace. Its
// meaning depends on the level it is used with:
//
//   level 2 (CAP_LEVEL_L2, the usual): bits 31..8 (CAPADDR_L1) index the L1
//     CNode (the root); that L1 slot must hold an L2CNode cap, and bits 7..0
//     (CAPADDR_L2) index it. CAPADDR(l1, l2) builds such an address.
//   level 1 (CAP_LEVEL_L1): the whole address is an index into the L1 CNode
//     and names that L1 slot itself (where an L2CNode cap lives). The L1
//     slot k is CAPREF(k, CAP_LEVEL_L1), and slot j of the L2 CNode there is
//     CAPREF(CAPADDR(k, j), CAP_LEVEL_L2).
//
// Any other level is invalid (SYS_ERR_INVALID_ARGS).
typedef uint32_t capaddr_t;
#define L2_CNODE_BITS      8
#define L2_CNODE_SLOTS     (1u << L2_CNODE_BITS)
#define L1_CNODE_MIN_SLOTS L2_CNODE_SLOTS
#define CAPADDR(l1, l2)    (((capaddr_t)(l1) << L2_CNODE_BITS) | (capaddr_t)(l2))
#define CAPADDR_L1(a)      ((a) >> L2_CNODE_BITS)
#define CAPADDR_L2(a)      ((a) & (L2_CNODE_SLOTS - 1))
#define CAP_LEVEL_L1       1
#define CAP_LEVEL_L2       2

// A capability reference in an invocation argument: an address and its
// level in one word.
#define CAPREF(addr, level) ((uint64_t)(addr) | ((uint64_t)(level) << 32))
#define CAPREF_ADDR(r)      ((capaddr_t)(r))
#define CAPREF_LEVEL(r)     ((uint8_t)((r) >> 32))

// Invocation commands, per capability type. The kernel routes
// (type, command) to a decode/invoke pair (kernel/invocations.c); a
// (type, command) the kernel core does not own goes to the architecture,
// so architecture commands on the same types are numbered from
// CNodeCmd_Num / RAMCmd_Num on.
//
// Rights each command needs (CAP_ERR_NO_RIGHTS otherwise):
//   Copy, Mint      WRITE on the invoked CNode and on the destination CNode;
//                   the new cap's rights are (rights & the source's)
//   Delete, Revoke  WRITE on the invoked CNode
//   Identify        READ on the invoked CNode
//   Retype          WRITE on the source (new objects are written: zeroed)
//                   and on the destination CNode; new caps get the source's
//                   rights
// CNode commands check, in this order: the right on the invoked CNode;
// the cap addresses resolve (lookup errors, a capref with bits above the
// level: SYS_ERR_INVALID_ARGS); the source slot is full
// (CAP_ERR_SLOT_EMPTY); the destination CNode is one (CAP_ERR_NOT_CNODE,
// also for an empty slot) with WRITE; the destination slot is in range
// (CAP_ERR_SLOT_RANGE) and empty (CAP_ERR_SLOT_OCCUPIED); the rights
// argument has no bits beyond CAP_RIGHTS_ALL (SYS_ERR_INVALID_ARGS); then
// mint's parameters.
//
// CNode commands are invoked on an L1CNode cap (usually the caller's own
// root); every capref argument is resolved in the CSpace rooted there, so
// a domain holding another's root can work in that CSpace (spawning).
enum cnode_cmd {
    CNodeCmd_Copy,     // (dest CNode capref, dest slot, src capref, rights)
    CNodeCmd_Mint,     // (dest CNode capref, dest slot, src capref, rights, param1, param2)
    CNodeCmd_Delete,   // (capref)
    CNodeCmd_Revoke,   // (capref)
    CNodeCmd_Identify, // (capref) -> struct cap_info in the result words ret[0..2]
    CNodeCmd_Num
};

// Mint parameters by type: Endpoint: param1 = badge (non-zero, only on an
// unbadged cap: CAP_ERR_BADGE), param2 = 0; IO: the new port range
// [param1, param2] inside the source's (CAP_ERR_NOT_MINTABLE), and, when
// narrower, not overlapping other caps minted from the source
// (CAP_ERR_RETYPE_OVERLAP): a narrowed IO cap is a descendant, revoked with
// the source; every other type: both 0 (CAP_ERR_NOT_MINTABLE).

// Invoked on a RAM, Frame, DevFrame or PhysAddr cap; the destination CNode
// capref is resolved in the caller's own CSpace.
//
// Retype rules: PhysAddr -> PhysAddr, RAM, DevFrame; RAM -> RAM, Frame,
// L1CNode, L2CNode, VNode*, IOVNode*, Dispatcher, Endpoint; Frame -> Frame;
// DevFrame -> DevFrame. The new objects are [base + offset + i * size,
// + size) of the source, i < count. Object sizes: PhysAddr, RAM, Frame,
// DevFrame: a non-zero multiple of 4 KiB (offset 4 KiB aligned); L1CNode:
// slots * 96 bytes, slots a power of two >= L1_CNODE_MIN_SLOTS; other
// types their fixed size (kernel/include/caps.h). Objects are aligned to
// min(size, 4 KiB) (SYS_ERR_ALIGNMENT). Errors, checked in this order
// after the destination capref's lookup errors:
// CAP_ERR_NO_RIGHTS, CAP_ERR_RETYPE_TYPE, CAP_ERR_RETYPE_SIZE,
// CAP_ERR_RETYPE_COUNT (zero), SYS_ERR_ALIGNMENT, CAP_ERR_RETYPE_RANGE,
// CAP_ERR_RETYPE_SIZE (the source's own type and whole range: that is a
// copy), the destination CNode and slots (CAP_ERR_RETYPE_COUNT when count
// passes its end), CAP_ERR_RETYPE_OVERLAP (a live descendant of the source
// overlaps the new objects).
enum ram_cmd {
    RAMCmd_Retype, // (new type, offset, object size, count, dest CNode capref, first dest slot)
    RAMCmd_Num
};

// What identify reports about a capability. CNodeCmd_Identify returns it
// in ret[0..2] as laid out here: ret[0] = type | rights << 8 | slots << 32,
// ret[1] = base, ret[2] = bytes.
struct cap_info {
    uint8_t type;   // enum objtype
    uint8_t rights; // CAP_RIGHT_*
    uint16_t reserved;
    uint32_t slots; // CNodes: number of slots; IRQDest: the core
    uint64_t base;  // objects in memory: physical base; Endpoint: badge;
                    // IRQSrc, IO: first number; IRQDest: vector; Kernel: 0
    uint64_t bytes; // objects in memory: object size; Endpoint: the object's address
                    // (two caps name the same endpoint iff these match); IRQSrc, IO:
                    // count; IRQDest, Kernel: 1
};
_Static_assert(sizeof(struct cap_info) == 24, "cap_info is three result words");

// ---- Invocations of the architecture-owned types (cpudriver/arch/x86_64). ----

// Invoked on a VNode or an IOVNode (the table to change).
enum vnode_cmd {
    // (entry, src capref, MAP_* flags, offset in pages, pages): map pages
    // consecutive entries from entry on. src is a Frame or DevFrame for a
    // page table (4 KiB pages), or a VNode of the next level down (pages 1).
    // The mapping is recorded in src's slot: one mapping per cap copy.
    //
    // IOVNodes (an IOMMU domain's tables, VT-d second-level format) take
    // the IOVNode one level down, and IOVNodeL1 takes Frames only: device
    // memory (DevFrame) is refused with IOMMU_ERR_DEVICE_MEMORY, so no
    // device can be given DMA access to another device's registers. The
    // device may always read a mapped frame (READ on the frame needed) and
    // write it with MAP_WRITE (WRITE needed); MAP_EXEC and MAP_NOCACHE are
    // SYS_ERR_INVALID_ARGS. The kernel invalidates every VT-d unit's IOTLB
    // after each change (so also after unmap and delete), and refuses to
    // map when it cannot: IOMMU_ERR_NO_UNIT (no DMAR unit),
    // IOMMU_ERR_QUEUED_INVALIDATION (a unit has queued invalidation on).
    VNodeCmd_Map,
    VNodeCmd_Num
};

// Invoked on the mapped cap itself (Frame, DevFrame, or a VNode below a
// PML4, or an IOVNode below a domain's root).
enum mapped_cmd {
    MappedCmd_Unmap = VNodeCmd_Num, // () remove this copy's mapping
    MappedCmd_Num
};

// Invoked on a DevFrame (with WRITE) that covers a VT-d unit's register
// page: the holder of the unit's registers (devmgr, which owns interrupt
// remapping) asks the CPU driver to invalidate the unit's interrupt entry
// cache. Only queued invalidation can do that, and while the queue is on
// the unit ignores the register-based IOTLB invalidation the CPU driver
// relies on, so the CPU driver runs the queue itself, under the lock that
// serialises its own invalidations (cpudriver/arch/x86_64/iommu.c).
enum devframe_cmd {
    // (IOMMU_IEC_* flags, index): the whole cache (IOMMU_IEC_GLOBAL) or the
    // one entry index. Errors: SYS_ERR_NOT_FOUND (no unit's registers in the
    // frame), SYS_ERR_UNSUPPORTED (the unit has no interrupt remapping),
    // CAP_ERR_NO_RIGHTS, SYS_ERR_INVALID_ARGS, VTD_ERR_HARDWARE.
    DevFrameCmd_IOMMUInvalidateIEC = MappedCmd_Num,
    DevFrameCmd_Num
};
#define IOMMU_IEC_GLOBAL (1u << 0)

#define MAP_WRITE     (1u << 0) // needs CAP_RIGHT_WRITE on the frame
#define MAP_EXEC      (1u << 1) // needs CAP_RIGHT_EXECUTE on the frame
#define MAP_NOCACHE   (1u << 2) // uncached (always so for DevFrame)
#define MAP_FLAGS_ALL 0x7u

enum dispatcher_cmd {
    // (cspace root capref (L1CNode), vspace root capref (VNodePML4),
    //  dispatcher frame capref (Frame of >= 1 page, mapped by the caller),
    //  entry rip, stack rsp, argument rdi): set up a new dispatcher.
    DispatcherCmd_Setup,
    DispatcherCmd_Run,  // () make a set-up dispatcher runnable on this core
    DispatcherCmd_Stop, // () stop it for good (it never runs again)
    DispatcherCmd_Info, // () -> r0 = state (DISP_STATE_*), r1 = exit status, r2 = core
    // (endpoint capref) when the dispatcher stops, notify that endpoint
    // (with its cap's badge); replaces an earlier one
    DispatcherCmd_NotifyExit,
    DispatcherCmd_Num
};

#define DISP_STATE_NEW     0
#define DISP_STATE_READY   1 // runnable or running
#define DISP_STATE_BLOCKED 2 // in SYS_RECV, SYS_CALL or a blocking SYS_SEND
#define DISP_STATE_STOPPED 3 // exited, stopped, or killed by an exception

// Exit statuses the kernel reports for dispatchers that did not call SYS_EXIT.
#define DISP_EXIT_KILLED    0xdead0001ull // DispatcherCmd_Stop or its object deleted
#define DISP_EXIT_EXCEPTION 0xdead0002ull // an exception with no handler to take it

enum irqdest_cmd {
    IRQDestCmd_Connect,    // (endpoint capref) deliver this vector as a notification there
    IRQDestCmd_Disconnect, // ()
    IRQDestCmd_Notify,     // () raise the vector on its core (from any core): UMP wake-ups
    // () -> r0 = MSI address, r1 = MSI data that raise this vector on this
    // core: what a driver writes into a device's MSI or MSI-X entry
    // (fixed delivery, edge, physical destination: the core's APIC ID).
    IRQDestCmd_GetMSI,
    IRQDestCmd_Num
};

enum irqsrc_cmd {
    // (irqdest capref, IRQ_* flags) route this IOAPIC input to that vector
    // and unmask it. A level-triggered line is masked when it fires, until Ack.
    IRQSrcCmd_Route,
    IRQSrcCmd_Ack,  // () unmask after handling
    IRQSrcCmd_Mask, // () mask
    IRQSrcCmd_Num
};
#define IRQ_LEVEL      (1u << 0) // level-triggered (default: edge)
#define IRQ_ACTIVE_LOW (1u << 1) // active low (default: high)

enum io_cmd {
    IOCmd_In,  // (port, width 1|2|4) -> r0 = value
    IOCmd_Out, // (port, width, value)
    IOCmd_Num
};

enum kernel_cmd {
    KernelCmd_IPI,      // (core, vector) send an interrupt to a vector on a core
    KernelCmd_Shutdown, // (status: EXIT_* of kpi/platform) leave the machine (QEMU)
    KernelCmd_Info,     // () -> r0 = core id, r1 = TSC Hz, r2 = timer ticks
    // Crossing cores (monitors only; kernel/include/remote.h):
    KernelCmd_CapExport,      // (capref) -> r0 = type | rights << 8, r1 = base, r2 = bytes
    KernelCmd_CapImport,      // (dest capref, type | rights << 8, base, bytes)
    KernelCmd_RevokeImported, // (base, bytes) -> r0 = imported objects deleted
    KernelCmd_Unexport,       // (capref) its copies elsewhere are all gone
    // () stop the trace (the `trace` kernel argument) on every core and print
    // it on the console; nothing without one (kernel/include/trace.h)
    KernelCmd_TraceDump,
    KernelCmd_Num
};

// User vectors: the IRQDest caps init receives (see kpi/init.h).
#define IRQ_VECTOR_FIRST 48
#define IRQ_VECTOR_LAST  239

// Object sizes user space retypes with (the kernel checks its own
// definitions against these).
#define OBJSIZE_PAGE       4096u
#define OBJSIZE_CTE        96u
#define OBJSIZE_L2CNODE    (OBJSIZE_CTE * L2_CNODE_SLOTS)
#define OBJSIZE_VNODE      8192u
#define OBJSIZE_DISPATCHER 4096u
#define OBJSIZE_ENDPOINT   64u
#define OBJSIZE_IOVNODE    8192u
