/* kernel/include/captypes.h: the table of capability types and what a cap names. */
#pragma once

#include <caps.h>

// The name spaces objects live in. Each is a window of 2^56 numbers on one
// global coordinate line (space << 56 | number), so caps of all spaces are
// ordered and range-searched with one key, and ranges of different spaces
// never overlap. Physical addresses fit (x86-64 has at most 52 bits,
// Intel SDM Vol. 3A 4.1.4).
enum capspace {
    CAPSPACE_NONE,    // Null
    CAPSPACE_PHYS,    // physical addresses: every object in memory
    CAPSPACE_IRQSRC,  // interrupt source numbers
    CAPSPACE_IRQDEST, // core << 8 | vector
    CAPSPACE_IO,      // I/O ports
    CAPSPACE_KERNEL,  // the one point 0
};
#define CAPSPACE_BITS  56
#define CAPSPACE_LIMIT (1ull << CAPSPACE_BITS)

// Which fields of struct capability name a type's object.
enum caplayout {
    CAPLAYOUT_NONE,     // Null: nothing
    CAPLAYOUT_MEM,      // u.mem: base and bytes
    CAPLAYOUT_CNODE,    // u.cnode: base and slots (bytes = slots * sizeof(struct cte))
    CAPLAYOUT_OBJ,      // a fixed-size object at u.mem.base's word (VNodes, Dispatcher)
    CAPLAYOUT_ENDPOINT, // u.endpoint: base and badge
    CAPLAYOUT_IRQSRC,   // u.irqsrc: first and last
    CAPLAYOUT_IRQDEST,  // u.irqdest: core and vector
    CAPLAYOUT_IO,       // u.io: first and last
    CAPLAYOUT_POINT,    // no fields: one object per space (Kernel)
};

// What mint's parameters do.
enum capmint {
    CAPMINT_NONE,  // both parameters must be 0
    CAPMINT_BADGE, // param1 sets the badge of an unbadged cap
    CAPMINT_RANGE, // [param1, param2] narrows the range
};

#define CAPTYPE_UNTYPED  (1u << 0) // memory a retype carves up (page-granular sizes)
#define CAPTYPE_ZEROED   (1u << 1) // retype zeroes the new object's memory
#define CAPTYPE_MAPPABLE (1u << 2) // may be mapped through a VNode (uses cte->map)
#define CAPTYPE_ROOT     (1u << 3) // caps_create_root may install it
#define CAPTYPE_CNODE    (1u << 4) // holds slots; deleting the last copy deletes them

// One capability type. The table captypes[] (captypes.c) is the one place
// a new type is described; lib/kpi's CAP_TYPES gives it its number.
struct captype {
    const char *name;
    uint8_t space;    // enum capspace
    uint8_t layout;   // enum caplayout
    uint8_t mint;     // enum capmint
    uint8_t rank;     // for one range, an ancestor's type ranks lower than its descendants'
    uint32_t flags;   // CAPTYPE_*
    uint32_t sources; // bit s set: may be retyped from type s
    uint64_t size;    // fixed object size; 0: given at retype
    uint64_t align;   // object alignment; 0: min(size, BASE_PAGE_SIZE)
};

extern const struct captype captypes[ObjType_Num];

#define CAPTYPE_BIT(t) (1u << ObjType_##t)

// The table entry of a valid type.
static inline const struct captype *captype_of(enum objtype t) { return &captypes[t]; }

// "RAM" for ObjType_RAM; "?" for a number that is no type.
const char *captype_name(uint64_t type);

// The range [*base, *base + *size) a cap's object occupies on the global
// coordinate line. Null: [0, 0).
void cap_range(const struct capability *cap, uint64_t *base, uint64_t *size);

// The physical base of an object in memory (CAPSPACE_PHYS); 0 otherwise.
paddr_t cap_paddr(const struct capability *cap);

// Bytes of the object, for objects in memory (CAPSPACE_PHYS); 0 otherwise.
uint64_t cap_bytes(const struct capability *cap);

// A new capability to an object in memory: type at [base, base + bytes)
// (bytes is the object's size for every type: an L1CNode's slots are
// worked out from it; fixed-size types ignore it).
void cap_init_object(struct capability *cap, enum objtype type, paddr_t base, uint64_t bytes,
                     uint8_t rights);

// Are a and b capabilities to the same object (copies of each other)?
bool cap_same_object(const struct capability *a, const struct capability *b);

// A copy of in with only the fields its type uses, the rest zero. False if
// the fields are not valid for a root of in's type (caps_create_root):
// rights beyond CAP_RIGHTS_ALL, a memory range empty, not page aligned or
// past 2^56, first > last, a vector above 255, a type made only by retype.
bool cap_canonical(const struct capability *in, struct capability *out);
