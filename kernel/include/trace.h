/*
 * kernel/include/trace.h: the CPU driver's event trace (make trace,
 * docs/experiments.md "Traces").
 *
 * Each core writes fixed-size records into a ring of its own; the rings
 * lie in one region the boot core allocates, so that one core can dump
 * them all (over the console, at shutdown). Records are the kernel's
 * entries and exits (system calls with what they invoked, interrupts),
 * the LMP deliveries seen in them, dispatcher names, and events user
 * space hands in with SYS_TRACE while tracing is on (the data path's probe
 * phases, UMP messages). tools/trace2json turns a dump into a Chrome JSON
 * trace.
 *
 * Off unless the CPU driver is booted with `trace` (or `trace=RECORDS`,
 * per core). When off, each hook is one load and one not-taken branch on
 * trace_on, and there is one hook per kernel entry: everything else a
 * record needs is done behind it, in trace.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct bootmem;
struct dcb;
struct trap_frame;

// One record: 32 bytes, the same in the ring and in the dump.
struct trace_rec {
    uint64_t tsc;  // the core's TSC when it was written
    uint16_t type; // TRACE_*
    uint16_t sub;  // per type: system call number, vector, user event
    uint32_t disp; // the dispatcher concerned (0: none, the core was idle)
    uint64_t a0, a1;
};
_Static_assert(sizeof(struct trace_rec) == 32, "records are 32 bytes");

enum trace_type {
    TRACE_SYS_BEGIN = 1, // sub: number; a0: SYS_INVOKE: type << 32 | cmd, else argument 0
    TRACE_SYS_END,       // sub: number; a0: the errval_t returned (0 while blocked)
    TRACE_IRQ_BEGIN,     // sub: vector (an exception's too); disp: whom it interrupted
    TRACE_IRQ_END,       // sub: vector
    TRACE_NAME,          // disp's name in a0, a1 (16 bytes, NUL-padded)
    TRACE_LMP,           // disp sent a message to dispatcher a0 (badge a1); sub 1: notification
    TRACE_USER,          // sub: TRACE_USER_* (kpi/trace.h); a0, a1 as the dispatcher gave them
};

// Whether this core records (the ring exists and the trace is not over).
// Each core has its own copy (smp.c), set at boot from the kernel argument.
extern bool trace_on;

// The boot core, before other cores start: with `trace[=records per
// core]` on the command line, allocate max_cores rings from bm (records
// rounded up to a power of two, TRACE_DEFAULT_RECORDS if not given) and
// start recording on this core. Without it, nothing.
#define TRACE_DEFAULT_RECORDS 32768u
#define TRACE_MAX_RECORDS     (1u << 20)
void trace_init(const char *cmdline, unsigned max_cores, struct bootmem *bm);

// The region's kernel address, for the other cores (0: no trace).
uint64_t trace_region_addr(void);

// Another core, as it starts: record into ring `core` of the region at
// addr (0: no trace).
void trace_init_core(uint64_t addr, unsigned core);

// Stop every core's recording and print all rings on the console between a
// "TRACE-BEGIN" and a "TRACE-END" line (base64; tools/trace2json reads
// them), with tsc_hz, the TSC rate the CPU driver measured. Nothing if
// there is no trace.
void trace_dump(uint64_t tsc_hz);

// The traced variants of the kernel's entries, behind the hooks below.
_Noreturn void trace_syscall(struct dcb *cur);
void trace_irq(const struct trap_frame *tf, bool end);

// Hooks. TRACE_SYSCALL replaces the rest of the system call entry when on.
// Built with TRACE=0 (SIETCH_NO_TRACE) they are not there at all: the
// baseline their cost is measured against.
#ifdef SIETCH_NO_TRACE
#define TRACE_SYSCALL(cur) ((void)(cur))
#define TRACE_IRQ(tf, end) ((void)(tf))
#else
#define TRACE_SYSCALL(cur)                                                                         \
    do {                                                                                           \
        if (__builtin_expect(trace_on, 0))                                                         \
            trace_syscall(cur);                                                                    \
    } while (0)
#define TRACE_IRQ(tf, end)                                                                         \
    do {                                                                                           \
        if (__builtin_expect(trace_on, 0))                                                         \
            trace_irq(tf, end);                                                                    \
    } while (0)
#endif
