/*
 * lib/os/vsic/include/os/stord.h: stord, the kernel-mediated storage path
 * (usr/stord, docs/vsic.md): its operations and a struct blockdev over it.
 *
 * stord owns a VSIC of its own and serves reads, writes and flushes of a
 * VSA over IPC, the data copied through the channel's shared page: the
 * conventional microkernel path the direct one (os/vsic.h) is compared
 * against. A client opens one VSA by name; stord acquires it from storctl
 * on its own VSIC and holds it until the client closes it or ends.
 */
#pragma once

#include <os/blockdev.h>
#include <sys/rpc.h>

#define STORD_NAME "stord"

enum stord_op {
    STORD_OPEN = 1,  // buf: VSA name -> w0: block size, w1: blocks, w2: NSID
    STORD_READ = 2,  // (block, count) -> buf: count blocks (at most one page)
    STORD_WRITE = 3, // (block, count), buf: the blocks
    STORD_FLUSH = 4, // ()
    STORD_CLOSE = 5, // (): the VSA released
};

struct stord_bdev {
    struct rpc_chan chan;
    struct blockdev dev; // read/write cut into one page per call
    uint32_t nsid;
};

// Open VSA name through stord: s->dev is its block device. Errors:
// NAME_ERR_NOT_FOUND (no stord), SYS_ERR_BUSY (this channel has one open),
// storctl's (STORCTL_ERR_VSA_HELD ...), the device's.
MUST_CHECK errval_t stord_open(const char *name, struct stord_bdev *s);

// Close it (stord releases the VSA).
MUST_CHECK errval_t stord_close(struct stord_bdev *s);
