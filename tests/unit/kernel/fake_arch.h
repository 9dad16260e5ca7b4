/* tests/unit/kernel/fake_arch.h: fake physical memory and arch hooks for the capability core's
 * tests. */
#pragma once

#include <caps.h>
#include <invocation.h>
#include <kernel_arch.h>
#include <mdb.h>

// Physical memory [FAKE_PHYS_BASE, FAKE_PHYS_BASE + FAKE_PHYS_SIZE) is a
// buffer; kmem_ptr outside it fails the test.
#define FAKE_PHYS_BASE 0x100000ull
#define FAKE_PHYS_SIZE (4ull << 20)
#define FAKE_LOG_MAX   4096

// What the core asked of the architecture since fake_arch_reset.
struct fake_arch {
    unsigned cleanups; // arch_cte_cleanup calls
    struct cte *cleaned[FAKE_LOG_MAX];
    struct mapping cleaned_map[FAKE_LOG_MAX]; // cte->map at the call
    unsigned destroys;                        // arch_object_destroy calls
    struct capability destroyed[FAKE_LOG_MAX];
    bool destroyed_in_mdb[FAKE_LOG_MAX];     // was a copy still in the mdb at the call?
    bool destroyed_overlapped[FAKE_LOG_MAX]; // did a descendant still overlap it?
    unsigned invokes;                        // the arch half's decodes (arch_invocations)
    struct invocation last_invoke;
    errval_t invoke_result; // what the arch half's decodes return
    uint64_t ticks;         // arch_timer_ticks (the tests move it)
    // Called at the end of arch_object_destroy, as a CPU driver might to
    // delete caps held inside the object.
    void (*on_destroy)(const struct capability *cap);
};
extern struct fake_arch fake;

// Empty the mdb and the log, and fill memory with a pattern (0xa5) so
// that zeroing shows.
void fake_arch_reset(void);

// Is memory [pa, pa + len) all byte b?
bool fake_mem_is(paddr_t pa, uint64_t len, uint8_t b);

// The standard world of most tests, built through the public API:
//   boot[0]  PhysAddr over all of fake memory
//   boot[1]  RAM over all of it, a child of boot[0]
//   root     L1CNode of 256 slots (in boot[2]), from the first RAM
//   L1 slot 0 and 1: L2CNodes
// ram_next is the next unused RAM address; world_alloc hands out more.
#define BOOT_SLOTS 64
struct world {
    struct cte boot[BOOT_SLOTS];
    struct capability *root;
    paddr_t ram_next;
};
extern struct world w;
void world_setup(void);

// size bytes of RAM aligned to align (bump allocation from boot[1]'s range).
paddr_t world_alloc(uint64_t size, uint64_t align);

// Slot l2 of the L2 CNode in L1 slot l1 of the world's root.
struct cte *world_slot(uint32_t l1, uint32_t l2);

// Retype one object of type and objsize from the world's RAM into slot
// dest (any empty slot); fails the test on error.
void world_new(struct cte *dest, enum objtype type, uint64_t objsize);

// Every non-empty slot reachable from the boot slots through CNodes (each
// CNode object visited once), in out[] (at most max); the count.
size_t world_collect(struct cte **out, size_t max);
