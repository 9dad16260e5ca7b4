/*
 * lib/sys/include/sys/spawn.h: starting a program in a new domain.
 *
 * spawn_load makes everything a program needs, the way the CPU driver makes
 * init (kpi/init.h): a CSpace (root, task, page, segment and slot CNodes), a
 * VSpace with the program's segments, a stack, the dispatcher frame and an
 * arguments page, a Dispatcher and two endpoints. All of it is retyped from
 * one RAM region the caller provides through alloc, so reclaiming that
 * region reclaims the domain. The caller keeps its own copies of the
 * domain's caps in one L2 CNode of its own (the handle CNode, in an L1
 * slot it chooses): the mappings are recorded in those copies, so they
 * stay until the domain is reclaimed.
 */
#pragma once

#include <stddef.h>
#include <sys/caps.h>

// Slots of the handle CNode.
enum spawn_handle_slot {
    SPAWN_H_ROOT,   // the domain's root (L1) CNode
    SPAWN_H_TASKCN, // its L2 CNodes
    SPAWN_H_PAGECN,
    SPAWN_H_SEGCN,
    SPAWN_H_ALLOC0,
    SPAWN_H_DISPATCHER,
    SPAWN_H_ENDPOINT,   // its service endpoint (mint bind caps from this)
    SPAWN_H_TEMP,       // scratch: a frame copy mapped here while filling it
    SPAWN_H_FIRST_FREE, // from here: page tables and frames
};

struct spawn {
    uint32_t handle_l1; // our L1 slot holding the handle CNode
    capref_t region;    // the RAM it all came from (our copy)
    uint32_t next;      // next free handle slot
    uint64_t entry;
};

// Allocates bytes of RAM for the domain (e.g. charged to its pid).
typedef errval_t (*spawn_alloc_fn)(void *arg, capref_t *ret, uint64_t bytes);

// Make a domain for the ELF image (size bytes, readable here) with argv
// (argc strings, argv[0] its name) and pid. The handle CNode goes into our
// L1 slot handle_l1 (which must be empty). Errors: SPAWN_ERR_LOAD on the
// cause (BOOT_ERR_BAD_ELF for a bad program, SPAWN_ERR_ARGS, allocation
// and capability errors). On failure everything made from the region is
// revoked and handle_l1 is empty again; the region itself, if alloc gave
// one (sp->region), stays the caller's to give back.
MUST_CHECK errval_t spawn_load(struct spawn *sp, const void *elf, size_t size, int argc,
                               const char *const *argv, uint64_t pid, uint32_t handle_l1,
                               spawn_alloc_fn alloc, void *alloc_arg);

// Copy src into slot of the domain's task CNode (TASKCN_SLOT_*).
MUST_CHECK errval_t spawn_give(struct spawn *sp, uint32_t taskcn_slot, capref_t src);

// Our cap to one of the domain's objects (a handle slot).
static inline capref_t spawn_cap(const struct spawn *sp, enum spawn_handle_slot s)
{
    return cap_at(sp->handle_l1, s);
}

// Let the domain run.
MUST_CHECK errval_t spawn_run(struct spawn *sp);
