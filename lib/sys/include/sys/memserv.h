/* lib/sys/include/sys/memserv.h: mem_serv's RPC operations. */
#pragma once

#include <sys/rpc.h>

enum memserv_op {
    MEMSERV_ALLOC = 1,     // (bytes, align) -> cap: a RAM cap for the caller
    MEMSERV_FREE = 2,      // cap: a RAM cap from MEMSERV_ALLOC, given back
    MEMSERV_STATS = 3,     // () -> total, free, bytes held by the caller
    MEMSERV_ALLOC_FOR = 4, // (pid, bytes, align) -> cap: init only: RAM charged to pid
    MEMSERV_FREE_ALL = 5,  // (pid): init only: reclaim everything charged to pid
    MEMSERV_USAGE = 6,     // (pid) -> bytes held by pid
    // Memory taken back whose revoke found copies on other cores is held
    // until init has revoked them there (docs/multikernel.md):
    MEMSERV_HELD = 7,         // init only: -> w0: 1 if one is held, w1: base, w2: bytes, cap
    MEMSERV_RELEASE_HELD = 8, // (base) init only: its copies elsewhere are gone: free it
    MEMSERV_EXPORTED = 9,     // (base) init only: a cap over it went to another core
    // (pid, bytes, channels) init only: pid's limits (sys/limits.h), kept
    // until MEMSERV_FREE_ALL of pid; a pid without them has none.
    MEMSERV_SET_LIMITS = 10,
};

// The channel to mem_serv (bound on first use through TASKCN_SLOT_MEMSERV).
struct rpc_chan *memserv_chan(errval_t *err);

// mem_serv's totals: all RAM it manages and what is free of it.
MUST_CHECK errval_t memserv_stats(uint64_t *total, uint64_t *free, uint64_t *mine);
