/*
 * tests/unit/log/fakedev.h: a block device in memory that can lose power
 * at any operation, as a struct blockdev.
 *
 * The model is NVMe's with a volatile write cache (and no more): a write
 * goes to the cache; FLUSH moves every cached block to the media. When the
 * power fails, each block written since the last flush independently ends
 * up old or new on the media -- so unflushed writes are lost, reordered,
 * or partly applied, a multi-block write torn at any block. Blocks
 * themselves are atomic (FAKE_ATOMIC_BLOCKS: QEMU's nvme reports AWUN =
 * AWUPF = 0, one logical block) or, harsher than NVMe promises, may tear
 * inside (FAKE_TORN_BLOCKS: a random prefix of the new bytes lands).
 */
#pragma once

#include <os/blockdev.h>
#include <stdbool.h>

enum fake_tear { FAKE_ATOMIC_BLOCKS, FAKE_TORN_BLOCKS };

struct fakedev {
    struct blockdev dev;
    uint8_t *media;   // what survives power loss
    uint8_t *cache;   // what reads see
    bool *dirty;      // written since the last flush
    uint64_t ops;     // writes and flushes so far
    uint64_t fail_at; // power fails at this operation (0: never)
    bool dead;        // no power: every operation fails
    uint64_t reads, writes, flushes;
    uint64_t rng;
};

void fakedev_init(struct fakedev *f, uint32_t block_size, uint64_t blocks, uint64_t seed);
void fakedev_free(struct fakedev *f);

// Lose power now (if not already), settle the unflushed blocks as the
// model allows (randomly), and power on again with an empty cache.
void fakedev_crash(struct fakedev *f, enum fake_tear tear);

// The next pseudo-random number of f's generator (xorshift64*).
uint64_t fakedev_rand(struct fakedev *f);
