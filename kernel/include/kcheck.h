/*
 * kernel/include/kcheck.h: the kernel's self-check of its capability state,
 * for fuzzing (SYS_CHECK, enabled by the `kcheck` kernel argument).
 *
 * One check walks, under the kernel lock of its core:
 *  - the whole mapping database: mdb_check's tree invariants, no zombie in
 *    the tree, every range well formed, ranges laminar in order (each
 *    object either nests in the open ones before it or starts after them:
 *    no two unrelated objects overlap), and every mapped copy's record
 *    pointing at an entry the table says it owns;
 *  - the CSpace of one dispatcher, and every CNode and dispatcher reachable
 *    from it through caps (each CNode and DCB once): every slot holds a
 *    valid type and is linked into the database, every empty slot is clean;
 *    endpoints' wait queues point back at the endpoint;
 *  - every VNode found there: each entry in use is owned by a live copy of
 *    a cap of the right type, whose record names this table and entry,
 *    which covers the address in the entry, and whose rights allow the
 *    entry's permissions; and the memory the entry maps is held by the
 *    process: the owner lies in a slot the walk reached, or a cap there
 *    covers the page (a spawner maps its own copy of a frame it gave) or
 *    the CNode the owner lies in (a CNode holding the only cap to itself
 *    lives on unreachable until its memory is revoked);
 *  - the run queue: a well-linked ring of READY dispatchers.
 */
#pragma once

#include <caps.h>

struct dcb;

// Limits of one walk (static tables: the kernel allocates nothing).
#define KCHECK_MAX_CNODES 1024
#define KCHECK_MAX_DCBS   256
#define KCHECK_MAX_VNODES 2048
#define KCHECK_MAX_DEPTH  64
#define KCHECK_MAX_RANGES 4096

// What one check saw, and on a breach what and where.
struct kcheck_result {
    uint64_t nodes;   // slots in the mapping database
    uint64_t slots;   // slots walked in the CSpace
    uint64_t entries; // page-table entries in use checked
    const char *why;  // "ok", or the breach
    const struct cte *where;
};

// Run the check for dispatcher d (its CSpace and what it reaches). Returns
// SYS_ERR_OK, a KCHECK_ERR_* breach with r->why and r->where, or
// KCHECK_ERR_LIMIT if a walk outgrew its tables (not a breach).
MUST_CHECK errval_t kcheck_run(struct dcb *d, struct kcheck_result *r);

// The same from an arbitrary root CNode cap (host tests; d's root above).
MUST_CHECK errval_t kcheck_cspace(const struct capability *root, struct kcheck_result *r);

// Is slot c in a CNode or DCB the current walk reached? For the arch's
// table check.
bool kcheck_held(const struct cte *c);

// Does a cap in a slot the current walk reached cover physical memory
// [pa, pa + bytes)? For the arch's table check.
bool kcheck_covered(paddr_t pa, uint64_t bytes);

// Is c a slot in the mapping database (linked from its neighbours)?
bool kcheck_linked(const struct cte *c);

// SYS_CHECK answers only when this is set (the `kcheck` kernel argument).
extern bool kcheck_enabled;

// From the architecture: check every entry in use of the table cap names
// (a VNode or IOVNode), counting them into *entries; and that a mapped
// copy's record (c->map.vnode != 0) names an entry of a table that owns c.
// KCHECK_ERR_MAPPING with *why on a breach.
MUST_CHECK errval_t arch_kcheck_table(const struct capability *table, uint64_t *entries,
                                      const char **why, const struct cte **where);
MUST_CHECK errval_t arch_kcheck_mapping(const struct cte *c, const char **why);
