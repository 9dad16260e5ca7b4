/*
 * tests/crash/crash.h: power-cut replay of a write log that QEMU's
 * blklogwrites driver recorded (docs/reliability.md, "Power-cut replay"):
 * the trace, the crash images made from it, and the workloads' checkers.
 */
#pragma once

#include <os/blockdev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECTOR 512u // the namespaces' logical block: NVMe's atomic write unit here (AWUPF 1)

// One entry of the write log (Linux dm-log-writes format, which QEMU's
// block/blklogwrites.c writes): a write of nr sectors at sector, or a flush.
struct wentry {
    uint64_t sector, nr;
    bool flush;
    const uint8_t *data; // nr * SECTOR bytes (writes)
};

struct trace {
    struct wentry *e;
    size_t n;
    uint8_t *map; // the file's bytes
    size_t map_len;
};

// Read the write log at path. Returns false (with a message on stderr) if it is not one.
bool trace_load(const char *path, struct trace *t);

// A workload: how acknowledgements are pinned to the write log, and what
// recovery must find.
struct workload {
    const char *name;
    // Read the acknowledgements (one per line of path). False on a bad file.
    bool (*load_acks)(const char *path);
    size_t (*acks)(void);
    // Pin ack a: the index of the first write entry at or after from that
    // shows the acknowledged operation; the trace's length if none.
    size_t (*find)(const struct trace *t, size_t a, size_t from);
    // Recover dev (the crash image) with the project's own code; acked
    // operations are required, the one after them may be there, nothing
    // else. False with why[] filled if recovery is wrong.
    bool (*check)(const struct blockdev *dev, size_t acked, char *why, size_t why_len);
};

extern const struct workload wl_log, wl_kv, wl_vsamap;
