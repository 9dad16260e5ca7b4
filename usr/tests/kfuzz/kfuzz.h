/* usr/tests/kfuzz/kfuzz.h: the type-aware system-call fuzzer's shared definitions. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/caps.h>

// The fuzzer's CSpace: an L1 CNode whose slots 0-2 hold L2 CNodes A, B and
// C. A's first slots hold the pool, a cap of every type an application can
// hold, put there before each generation starts, and C's the same again (a
// delete in A is undone by a copy from C; a revoke takes both); what the
// calls make lands in A, B and C from FREE_FIRST on.
enum pool_slot {
    P_ROOT,      // a copy of the fuzzer's own L1 CNode
    P_RAM,       // RAM to retype
    P_RAM_SMALL, // a second, smaller RAM
    P_EP,        // an endpoint both fuzzers send and receive on
    P_EP_BADGED, // a badged copy of it
    P_FRAME,     // a page, mapped by the prologue
    P_FRAME_BIG, // four pages
    P_PML4,      // an address space nobody runs in, built by the prologue
    P_PDPT,      //
    P_PD,        //
    P_PT,        //
    P_DISP,      // a dispatcher object nobody set up
    P_IOL4,      // IOMMU tables
    P_IOL1,      //
    P_L2COPY,    // a copy of CNode C
    P_REMOTE,    // a frame of the other core's memory (imported), if any
    P_EXPORTED,  // a copy of a frame this core lent the other core, if any
    P_FRAME_RO,  // a read-only copy of P_FRAME
    P_NUM
};
#define FREE_FIRST 32
#define N_L2       3

// One call as made, for the report of a breach.
struct call {
    uint64_t op; // enum op
    uint64_t a[8];
    errval_t err;
};

#define RING 32 // calls kept per fuzzer
#define OPS  15 // kinds of call (calls.c)

// One fuzzer dispatcher. It runs in our address space on its own stack and
// writes only here; we read it.
struct fuzzer {
    volatile uint64_t calls; // made so far
    uint64_t budget;         // stop (exit) after this many
    uint64_t seed;
    unsigned id;                 // 0 or 1: the two share the CSpace
    uint32_t made[OPS], ok[OPS]; // calls of each kind, and those that succeeded
    struct call ring[RING];
};

// The fuzzer's body (arg: its struct fuzzer); ends with sys_exit.
void fuzz_main(uint64_t arg);

// The name of op (the ring's op field).
const char *fuzz_op_name(uint64_t op);

// xorshift64*: every random choice of the fuzzer and the set-up.
static inline uint64_t fuzz_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

// A seed for generation gen, fuzzer id, from the run's seed (splitmix64).
static inline uint64_t fuzz_seed(uint64_t run, uint64_t gen, unsigned id)
{
    uint64_t z = run + 0x9e3779b97f4a7c15ull * (gen * 2 + id + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) | 1;
}

// ---- The supervisor (gen.c) ----

// What one run does.
struct run {
    uint64_t seed;      // of the run
    uint64_t calls;     // target: at least this many fuzzer calls
    uint64_t batch;     // calls per fuzzer per generation
    uint64_t first_gen; // start here (reproduce one generation)
    uint64_t max_gens;  // 0: until calls
    bool peer;          // a partner on another core (peer.c)
    bool helper;        // we are that partner: the parent ends the run
    bool verbose;       // print each fuzzer's last calls after every generation
    const char *who;    // "kfuzz" or "kfuzz@1" in messages
};

// Totals of a run.
struct totals {
    uint64_t calls, gens, ended_early, checks, nodes, entries, revokes_remote;
    uint64_t made[OPS], ok[OPS];
};

// Run the generations; 0 if no breach or leak, else 1 (reported already).
int run_generations(const struct run *r, struct totals *t);

// ---- The other core (peer.c) ----

// Before a generation: exchange one frame with the partner (our own out,
// theirs in: NULL_CAP if none). Returns false when the partner is gone.
bool peer_exchange(capref_t mine, capref_t *theirs);

// Revoke our lent frame (its copies on the other core go too).
MUST_CHECK errval_t peer_revoke(capref_t mine);

// Start the partner on core core, or (in the partner) connect to the
// parent; close at the end.
MUST_CHECK errval_t peer_start(unsigned core, const struct run *r, uint64_t *pid);
MUST_CHECK errval_t peer_connect(void);
void peer_finish(bool parent);
