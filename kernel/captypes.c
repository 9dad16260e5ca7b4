/* kernel/captypes.c: the capability type table, and what each cap's fields name. */
#include <captypes.h>
#include <stddef.h>

#define MEM_BASE_AT(m) offsetof(struct capability, u.m.base)
_Static_assert(MEM_BASE_AT(cnode) == MEM_BASE_AT(mem) && MEM_BASE_AT(vnode) == MEM_BASE_AT(mem) &&
                   MEM_BASE_AT(dispatcher) == MEM_BASE_AT(mem) &&
                   MEM_BASE_AT(endpoint) == MEM_BASE_AT(mem),
               "every object in memory has its base in the same word");

#define FROM_RAM CAPTYPE_BIT(RAM)

// Ranks only order caps with one range: PhysAddr holds RAM and DevFrame,
// which hold everything else.
const struct captype captypes[ObjType_Num] = {
    [ObjType_Null] = {.name = "Null"},
    [ObjType_PhysAddr] = {.name = "PhysAddr",
                          .space = CAPSPACE_PHYS,
                          .layout = CAPLAYOUT_MEM,
                          .rank = 0,
                          .flags = CAPTYPE_UNTYPED | CAPTYPE_ROOT,
                          .sources = CAPTYPE_BIT(PhysAddr)},
    [ObjType_RAM] = {.name = "RAM",
                     .space = CAPSPACE_PHYS,
                     .layout = CAPLAYOUT_MEM,
                     .rank = 1,
                     .flags = CAPTYPE_UNTYPED,
                     .sources = CAPTYPE_BIT(PhysAddr) | CAPTYPE_BIT(RAM)},
    [ObjType_Frame] = {.name = "Frame",
                       .space = CAPSPACE_PHYS,
                       .layout = CAPLAYOUT_MEM,
                       .rank = 2,
                       .flags = CAPTYPE_UNTYPED | CAPTYPE_ZEROED | CAPTYPE_MAPPABLE,
                       .sources = CAPTYPE_BIT(RAM) | CAPTYPE_BIT(Frame)},
    [ObjType_DevFrame] = {.name = "DevFrame",
                          .space = CAPSPACE_PHYS,
                          .layout = CAPLAYOUT_MEM,
                          .rank = 1,
                          .flags = CAPTYPE_UNTYPED | CAPTYPE_MAPPABLE,
                          .sources = CAPTYPE_BIT(PhysAddr) | CAPTYPE_BIT(DevFrame)},
    [ObjType_L1CNode] = {.name = "L1CNode",
                         .space = CAPSPACE_PHYS,
                         .layout = CAPLAYOUT_CNODE,
                         .rank = 2,
                         .flags = CAPTYPE_ZEROED | CAPTYPE_CNODE,
                         .sources = FROM_RAM},
    [ObjType_L2CNode] = {.name = "L2CNode",
                         .space = CAPSPACE_PHYS,
                         .layout = CAPLAYOUT_CNODE,
                         .rank = 2,
                         .flags = CAPTYPE_ZEROED | CAPTYPE_CNODE,
                         .sources = FROM_RAM,
                         .size = L2_CNODE_BYTES},
#define VNODE(t)                                                                                   \
    [ObjType_##t] = {.name = #t,                                                                   \
                     .space = CAPSPACE_PHYS,                                                       \
                     .layout = CAPLAYOUT_OBJ,                                                      \
                     .rank = 2,                                                                    \
                     .flags = CAPTYPE_ZEROED | CAPTYPE_MAPPABLE,                                   \
                     .sources = FROM_RAM,                                                          \
                     .size = VNODE_SIZE}
    VNODE(VNodePML4),
    VNODE(VNodePDPT),
    VNODE(VNodePD),
    VNODE(VNodePT),
    // IOMMU page tables have the same shape: a table and its back-pointers.
    VNODE(IOVNodeL4),
    VNODE(IOVNodeL3),
    VNODE(IOVNodeL2),
    VNODE(IOVNodeL1),
#undef VNODE
    [ObjType_Dispatcher] = {.name = "Dispatcher",
                            .space = CAPSPACE_PHYS,
                            .layout = CAPLAYOUT_OBJ,
                            .rank = 2,
                            .flags = CAPTYPE_ZEROED,
                            .sources = FROM_RAM,
                            .size = DISPATCHER_SIZE},
    [ObjType_Endpoint] = {.name = "Endpoint",
                          .space = CAPSPACE_PHYS,
                          .layout = CAPLAYOUT_ENDPOINT,
                          .mint = CAPMINT_BADGE,
                          .rank = 2,
                          .flags = CAPTYPE_ZEROED,
                          .sources = FROM_RAM,
                          .size = ENDPOINT_SIZE,
                          .align = ENDPOINT_SIZE},
    [ObjType_IRQSrc] = {.name = "IRQSrc",
                        .space = CAPSPACE_IRQSRC,
                        .layout = CAPLAYOUT_IRQSRC,
                        .flags = CAPTYPE_ROOT},
    [ObjType_IRQDest] = {.name = "IRQDest",
                         .space = CAPSPACE_IRQDEST,
                         .layout = CAPLAYOUT_IRQDEST,
                         .flags = CAPTYPE_ROOT},
    [ObjType_IO] = {.name = "IO",
                    .space = CAPSPACE_IO,
                    .layout = CAPLAYOUT_IO,
                    .mint = CAPMINT_RANGE,
                    .flags = CAPTYPE_ROOT},
    [ObjType_Kernel] = {.name = "Kernel",
                        .space = CAPSPACE_KERNEL,
                        .layout = CAPLAYOUT_POINT,
                        .flags = CAPTYPE_ROOT},
};

const char *captype_name(uint64_t type) { return type < ObjType_Num ? captypes[type].name : "?"; }

// The object's place within its own space.
static void local_range(const struct capability *cap, uint64_t *base, uint64_t *size)
{
    const struct captype *t = captype_of(cap->type);
    switch (t->layout) {
    case CAPLAYOUT_MEM: *base = cap->u.mem.base, *size = cap->u.mem.bytes; return;
    case CAPLAYOUT_CNODE:
        *base = cap->u.cnode.base, *size = (uint64_t)cap->u.cnode.slots * sizeof(struct cte);
        return;
    case CAPLAYOUT_OBJ:
    case CAPLAYOUT_ENDPOINT: *base = cap->u.mem.base, *size = t->size; return;
    case CAPLAYOUT_IRQSRC:
        *base = cap->u.irqsrc.first, *size = (uint64_t)cap->u.irqsrc.last - cap->u.irqsrc.first + 1;
        return;
    case CAPLAYOUT_IRQDEST:
        *base = (uint64_t)cap->u.irqdest.core << 8 | cap->u.irqdest.vector, *size = 1;
        return;
    case CAPLAYOUT_IO:
        *base = cap->u.io.first, *size = cap->u.io.last - cap->u.io.first + 1;
        return;
    case CAPLAYOUT_POINT: *base = 0, *size = 1; return;
    default: *base = 0, *size = 0; return;
    }
}

void cap_range(const struct capability *cap, uint64_t *base, uint64_t *size)
{
    local_range(cap, base, size);
    *base |= (uint64_t)captype_of(cap->type)->space << CAPSPACE_BITS;
}

paddr_t cap_paddr(const struct capability *cap)
{
    uint64_t base, size;
    if (captype_of(cap->type)->space != CAPSPACE_PHYS)
        return 0;
    local_range(cap, &base, &size);
    return base;
}

uint64_t cap_bytes(const struct capability *cap)
{
    uint64_t base, size;
    if (captype_of(cap->type)->space != CAPSPACE_PHYS)
        return 0;
    local_range(cap, &base, &size);
    return size;
}

void cap_init_object(struct capability *cap, enum objtype type, paddr_t base, uint64_t bytes,
                     uint8_t rights)
{
    *cap = (struct capability){.type = type, .rights = rights};
    switch (captype_of(type)->layout) {
    case CAPLAYOUT_MEM: cap->u.mem.bytes = bytes; break;
    case CAPLAYOUT_CNODE: cap->u.cnode.slots = (uint32_t)(bytes / sizeof(struct cte)); break;
    default: break;
    }
    cap->u.mem.base = base;
}

bool cap_same_object(const struct capability *a, const struct capability *b)
{
    uint64_t ab, as, bb, bs;
    if (a->type != b->type)
        return false;
    cap_range(a, &ab, &as);
    cap_range(b, &bb, &bs);
    return ab == bb && as == bs;
}

bool cap_canonical(const struct capability *in, struct capability *out)
{
    *out = (struct capability){.type = in->type, .rights = in->rights};
    if (in->type >= ObjType_Num || (in->rights & ~CAP_RIGHTS_ALL))
        return false;
    switch (captype_of(in->type)->layout) {
    case CAPLAYOUT_MEM: {
        uint64_t base = in->u.mem.base, bytes = in->u.mem.bytes;
        out->u.mem.base = base, out->u.mem.bytes = bytes;
        return bytes && (base | bytes) % BASE_PAGE_SIZE == 0 && bytes <= CAPSPACE_LIMIT &&
               base <= CAPSPACE_LIMIT - bytes;
    }
    case CAPLAYOUT_IRQSRC:
        out->u.irqsrc = in->u.irqsrc;
        return in->u.irqsrc.first <= in->u.irqsrc.last;
    case CAPLAYOUT_IRQDEST: out->u.irqdest = in->u.irqdest; return in->u.irqdest.vector < 256;
    case CAPLAYOUT_IO: out->u.io = in->u.io; return in->u.io.first <= in->u.io.last;
    case CAPLAYOUT_POINT: return true;
    default: return false; // objects made by retype only
    }
}

void caps_identify(const struct capability *cap, struct cap_info *out)
{
    *out = (struct cap_info){.type = cap->type, .rights = cap->rights};
    switch (captype_of(cap->type)->layout) {
    case CAPLAYOUT_CNODE: out->slots = cap->u.cnode.slots; break;
    case CAPLAYOUT_IRQDEST: out->slots = cap->u.irqdest.core; break;
    default: break;
    }
    uint64_t base, size;
    local_range(cap, &base, &size);
    switch (captype_of(cap->type)->layout) {
    case CAPLAYOUT_ENDPOINT: // a server tells its own endpoint's caps from forgeries by this
        size = base;
        base = cap->u.endpoint.badge;
        break;
    case CAPLAYOUT_IRQDEST: base = cap->u.irqdest.vector; break;
    default: break;
    }
    out->base = base;
    out->bytes = size;
}
