/* usr/apps/logapp/logapp.h: logapp's shared parts: the block device it runs on, its records. */
#pragma once

#include "record.h"
#include <os/blockdev.h>
#include <os/stord.h>
#include <os/vsic.h>
#include <stdbool.h>

// The VSA as logapp reaches it: directly (vsic, vsa) or through stord.
struct target {
    const char *name;
    bool stord;
    struct vsic *vsic;
    struct vsa *vsa;
    struct stord_bdev sb;
    const struct blockdev *dev;
};

// Open t->name the way t->stord says. Errors: vsic_open's, vsa_open's, stord_open's.
MUST_CHECK errval_t target_open(struct target *t);

// Write, read and verify many sizes and offsets through the block device,
// and (direct only) through the asynchronous API with interrupts; prints
// TEST lines named <prefix>.verify_*.
void verify_run(struct target *t, const char *prefix);

// n timed 4 KiB log appends (log formatted first); prints a BENCH line.
void bench_log(struct target *t, const char *what, unsigned n);

// n timed 4 KiB writes, each with a flush, straight on the VF's queue; prints a BENCH line.
void bench_raw(struct target *t, unsigned n);
