/*
 * lib/sys/include/sys/limits.h: per-process limits on what the servers hand
 * out (docs/userspace.md, "Limits on what a process may hold").
 *
 * Whoever spawns a process sets its limits (proc_spawn_limited); init keeps
 * them in its process table, never above the spawner's own, and tells the
 * servers: mem_serv when it charges the new process's first bytes, the
 * other servers in the answer to the watch they ask for as the process
 * first binds (proc_watch_limits). Each server counts what a process holds
 * from its own tables and refuses more with the resource's LIMIT_ERR_*.
 *
 * The functions here are pure (no state, no system calls): the host unit
 * tests run them (tests/unit/sys/check_limits.c).
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum limit_res {
    LIMIT_MEM,     // bytes of RAM charged to it at mem_serv (its domain included)
    LIMIT_DOMAINS, // IOMMU domains it made (devmgr)
    LIMIT_VECTORS, // interrupt vectors it was given (devmgr)
    LIMIT_VNICS,   // VNICs (netctl)
    LIMIT_VSICS,   // VSICs (storctl)
    LIMIT_CHANS,   // channels open to any one server (the server library)
    LIMIT_COUNT
};

// No limit: more than any server has to give.
#define LIMIT_NONE       UINT64_MAX
// Counts travel in 16 bits (proc_limits_pack): this and above is no limit.
#define LIMIT_COUNT_NONE 0xffffu

struct proc_limits {
    uint64_t max[LIMIT_COUNT]; // per enum limit_res; LIMIT_NONE: unlimited
};

// What a process gets when its spawner sets nothing (still never more
// than the spawner's own): no memory limit but the machine's (systest
// takes all of it to test exhaustion), and counts that every program in
// the tree fits (an application with a VNIC and a VSIC holds two domains
// and two vectors; logapp keeps a stord channel per VSA).
extern const struct proc_limits proc_limits_default;
// Unlimited: init, mem_serv, and the programs init starts at boot.
extern const struct proc_limits proc_limits_none;

// The limit's name as the shell's `run` option and `limits` heading
// ("mem", "domains", "vectors", "vnics", "vsics", "chans").
const char *limit_name(enum limit_res r);

// The LIMIT_ERR_* code of resource r.
MUST_CHECK errval_t limit_err(enum limit_res r);

// May a process holding used of r take more? SYS_ERR_OK, or r's
// LIMIT_ERR_*. Never overflows (used + more past 2^64 is refused).
MUST_CHECK errval_t limit_check(const struct proc_limits *l, enum limit_res r, uint64_t used,
                                uint64_t more);

// child = the smaller of child and parent, field by field: a child's
// limits never exceed its parent's.
void proc_limits_narrow(struct proc_limits *child, const struct proc_limits *parent);

// Three words for an RPC answer (mem; domains, vectors, vnics, vsics in
// 16 bits each; chans), and back. Counts at or above LIMIT_COUNT_NONE
// travel as LIMIT_COUNT_NONE and come back as LIMIT_NONE.
void proc_limits_pack(const struct proc_limits *l, uint64_t w[3]);
void proc_limits_unpack(const uint64_t w[3], struct proc_limits *l);

// Parse one limit's value: decimal digits, for LIMIT_MEM optionally
// followed by K, M or G (KiB, MiB, GiB); "none" for no limit. Counts must
// be below LIMIT_COUNT_NONE. SYS_ERR_INVALID_ARGS otherwise.
MUST_CHECK errval_t limit_parse(enum limit_res r, const char *s, uint64_t *v);

// The resource named name (limit_name), or LIMIT_COUNT if none is.
enum limit_res limit_by_name(const char *name);

// A limit or a use as text: "none", a count, or for memory bytes in the
// largest of G, M, K that divides them ("8M", "1536K", "100").
void limit_format(enum limit_res r, uint64_t v, char *buf, size_t size);
