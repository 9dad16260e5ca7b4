/* kernel/include/mdb.h: the mapping database, the derivation tree of all capabilities. */
#pragma once

#include <caps.h>

// The mapping database keeps every non-empty slot of this core in one
// order (Barrelfish's): by the object's base on the global coordinate line
// (captypes.h) ascending, then size descending, then type rank ascending,
// then type; the slot's address breaks ties. With no two unrelated
// objects overlapping (retype and caps_create_root keep it so), this puts
// every object's copies next to each other, and all its descendants right
// after them, before anything else:
//
//   RAM [0, 64K)  RAM [0, 64K) (copy)  Frame [0, 4K)  L2CNode [8K, 32K) ...
//
// So a cap's relations are computed, not stored: d descends from a iff d
// comes after a's copies and d's range lies inside a's. The tree is an AA
// tree threaded with an in-order list and augmented with each subtree's
// largest end: insert, remove and lookups are O(log n), the next copy or
// descendant is O(1), and overlap queries are O(log n).

// Slot flags kept in mdb.flags.
#define MDB_FLAG_ZOMBIE   (1u << 0) // out of the tree, its object's contents being deleted
#define MDB_FLAG_SCANNED  (1u << 1) // a zombie whose slots are done, waiting for nested ones
// Cross-core capabilities (kernel/remote.c), kept on every copy:
#define MDB_FLAG_EXPORTED (1u << 2) // the object is shared with or given to another core
#define MDB_FLAG_IMPORTED (1u << 3) // came from another core (a root here)
#define MDB_FLAG_FOREIGN  (1u << 4) // imported memory another core owns: map it, never retype it
#define MDB_FLAGS_COPIED  (MDB_FLAG_EXPORTED | MDB_FLAG_IMPORTED | MDB_FLAG_FOREIGN)

// Empty the database (a CPU driver starts empty; tests start over).
void mdb_init(void);

// Insert a non-empty slot that is not in the database; remove one that is.
void mdb_insert(struct cte *cte);
void mdb_remove(struct cte *cte);

// The first slot in order, NULL if the database is empty; the next is
// cte->mdb.next.
struct cte *mdb_first(void);

// Changes with every removal: a saved pointer to a slot is still in the
// database if nothing was removed since.
uint64_t mdb_generation(void);

// Order of two caps by their objects only (no tie-break): < 0, 0 (copies
// of one object), > 0.
int mdb_compare(const struct capability *a, const struct capability *b);

// Does d's object descend from a's (d after a, inside a's range)?
bool mdb_is_ancestor(const struct capability *a, const struct capability *d);

// The first slot whose cap is a copy of cap or ordered after it; NULL if
// none.
struct cte *mdb_lower_bound(const struct capability *cap);

// The last copy of cte's cap in order (cte itself if it is the last).
struct cte *mdb_last_copy(const struct cte *cte);

// The first slot in order whose object overlaps [base, end) on the global
// coordinate line and is ordered after every copy of after (after == NULL:
// any). With after the source of a retype and [base, end) inside its
// range, this finds a live descendant in the way. NULL if none.
struct cte *mdb_find_overlap(const struct capability *after, uint64_t base, uint64_t end);

// Check every invariant of the tree: order, AA levels, threading, subtree
// ends. True if all hold, with *count slots; false with *why saying which
// failed.
bool mdb_check(size_t *count, const char **why);
