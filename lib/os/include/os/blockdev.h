/*
 * lib/os/include/os/blockdev.h: a block device as the library OS's
 * storage code sees one (an NVMe namespace, a fake in tests).
 *
 * Durability contract, the one NVMe gives a host with a volatile write
 * cache: a write that has returned may still be lost at a power failure,
 * in whole or in part, in any order relative to other writes since the
 * last flush, until a flush issued after it returns. Nothing written
 * before a flush that returned is lost. Reads return the latest write.
 */
#pragma once

#include <kpi/errors.h>
#include <stddef.h>
#include <stdint.h>

struct blockdev {
    // Read or write count blocks from block on (buf: any alignment,
    // count * block_size bytes). Errors: SYS_ERR_INVALID_ARGS (beyond the
    // device), the device's.
    errval_t (*read)(void *arg, uint64_t block, uint32_t count, void *buf);
    errval_t (*write)(void *arg, uint64_t block, uint32_t count, const void *buf);
    // Make every write that returned before this call durable.
    errval_t (*flush)(void *arg);
    uint32_t block_size; // bytes, a power of two
    uint64_t blocks;
    void *arg;
};
