/* lib/os/include/os/probe.h: per-phase cost accounting of the network data path (make bench). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#ifdef SIETCH_USER
#include <sys/trace.h>
#endif

/*
 * The data path (lib/os/vnic, lib/os/net, netd) marks where its phases
 * begin and end; each process keeps one table of TSC cycles per phase.
 * Phases nest, and time is charged to the innermost one only (exclusive
 * time), so the phases of an interval add up to the whole interval: what
 * no phase claims is OS_PROBE_APP, the application's own code. A phase's
 * time is labelled when it ends, so a phase that found nothing to do can
 * say so (an empty poll is OS_PROBE_WAIT). Under QEMU's -icount shift=0
 * one guest instruction is one nanosecond of guest time, so cycles * 1e9
 * / TSC rate is guest instructions: every instruction the CPU ran
 * meanwhile (kernel and other processes included).
 *
 * Off until os_probe_reset: then each mark costs a load and a branch.
 *
 * Apart from the table, every mark is an event in the kernel's trace
 * while one is recorded (sys/trace.h; make trace): phases begin and end
 * there whether or not the table is on, so tools/trace2json draws each
 * as a slice on the process's track.
 */
enum os_probe_phase {
    OS_PROBE_APP,       // outside every phase: the application
    OS_PROBE_WAIT,      // waiting: empty polls, spinning, sleeping (idle time)
    OS_PROBE_DRV_RX,    // VF driver: descriptors to frames, buffers posted again
    OS_PROBE_DRV_TX,    // VF driver: frames to descriptors, doorbell, reaping
    OS_PROBE_STACK_IN,  // stack: a frame to the endpoint (native classify, lwIP input)
    OS_PROBE_STACK_OUT, // stack: headers and checksums (native, lwIP output)
    OS_PROBE_API,       // the API's own calls (sockets, native), outside the above
    OS_PROBE_COPY_IN,   // copies toward the application (recvfrom, netd's page)
    OS_PROBE_COPY_OUT,  // copies toward the device (sendto, linkoutput, netd's page)
    OS_PROBE_IPC,       // an RPC to netd: kernel crossings, scheduling, netd's work
    OS_PROBE_NPHASES
};

#define OS_PROBE_NAMES                                                                             \
    {                                                                                              \
        "app", "wait", "drv_rx", "drv_tx", "stack_in", "stack_out", "api", "copy_in", "copy_out",  \
            "ipc"                                                                                  \
    }

#define OS_PROBE_DEPTH 8

struct os_probe {
    bool on;
    unsigned depth;                    // phases open (0: only OS_PROBE_APP)
    unsigned over;                     // pushes beyond OS_PROBE_DEPTH not popped yet
    uint8_t stack[OS_PROBE_DEPTH + 1]; // stack[i]: the phase open at depth i
    uint64_t own[OS_PROBE_DEPTH + 1];  // its own cycles so far (labelled when it ends)
    uint64_t mark;                     // TSC when own[depth] was last brought up to date
    uint64_t cycles[OS_PROBE_NPHASES]; // of the phases ended since the reset
    uint64_t since;                    // TSC of the last reset
    uint64_t pair_cost;                // cycles of 1000 push/pop pairs, timed at the reset
    uint64_t marks;                    // phases ended since the reset, waiting ones not counted
};

// One table per process. Defined here, weak, because the probed code is
// in several libraries (net, vnic) and programs (netd) that link
// different sets of them, host tests included; the linker keeps one.
__attribute__((weak)) struct os_probe os_probe;

static inline uint64_t os_probe_tsc(void) { return __builtin_ia32_rdtsc(); }

// OS_PROBE_POP_AS_PUSHED: a pop that keeps the label the phase began with.
#define OS_PROBE_POP_AS_PUSHED 0xff
#ifdef SIETCH_USER
static inline void os_probe_trace(enum trace_user_event ev, unsigned phase)
{
    sys_trace(ev, phase, 0);
}
#else
static inline void os_probe_trace(int ev, unsigned phase)
{
    (void)ev;
    (void)phase;
}
#define TRACE_USER_PROBE_PUSH 1
#define TRACE_USER_PROBE_POP  2
#endif

// The time since the last mark to the innermost open phase.
static inline void os_probe_tick(void)
{
    uint64_t now = os_probe_tsc();
    os_probe.own[os_probe.depth] += now - os_probe.mark;
    os_probe.mark = now;
}

// Phase p begins (inside whatever phase is open). Beyond OS_PROBE_DEPTH
// the innermost phase takes the time of the deeper ones.
static inline void os_probe_push(enum os_probe_phase p)
{
    os_probe_trace(TRACE_USER_PROBE_PUSH, p);
    if (!os_probe.on)
        return;
    os_probe_tick();
    if (os_probe.depth == OS_PROBE_DEPTH) {
        os_probe.over++;
        return;
    }
    os_probe.depth++;
    os_probe.stack[os_probe.depth] = (uint8_t)p;
    os_probe.own[os_probe.depth] = 0;
}

// The innermost phase ends in the table, charged to p (os_probe_pop_as).
static inline void os_probe_end(enum os_probe_phase p)
{
    if (!os_probe.on || os_probe.depth == 0)
        return;
    if (os_probe.over) {
        os_probe.over--;
        return;
    }
    os_probe_tick();
    os_probe.cycles[p] += os_probe.own[os_probe.depth];
    os_probe.marks += p != OS_PROBE_WAIT;
    os_probe.depth--;
}

// The innermost phase ends, all its own time (not its inner phases')
// charged to p: a phase that found it had nothing to do says so here
// (OS_PROBE_WAIT).
static inline void os_probe_pop_as(enum os_probe_phase p)
{
    os_probe_trace(TRACE_USER_PROBE_POP, p);
    os_probe_end(p);
}

// The innermost phase ends, charged to itself.
static inline void os_probe_pop(void)
{
    os_probe_trace(TRACE_USER_PROBE_POP, OS_PROBE_POP_AS_PUSHED);
    if (!os_probe.on || os_probe.depth == 0)
        return;
    if (os_probe.over)
        os_probe.over--;
    else
        os_probe_end((enum os_probe_phase)os_probe.stack[os_probe.depth]);
}

// What 1000 mark pairs cost, in cycles (timed with the probes on; the
// table is as it was afterwards, the time charged to nothing).
static inline uint64_t os_probe_pair_cost(void)
{
    struct os_probe saved = os_probe;
    os_probe.on = true;
    uint64_t start = os_probe_tsc();
    for (unsigned i = 0; i < 1000; i++) {
        os_probe_push(OS_PROBE_API);
        os_probe_pop();
    }
    uint64_t cost = os_probe_tsc() - start;
    os_probe = saved;
    return cost;
}

// Count from zero. The first reset turns the probes on, outside every
// phase: call it there (closing marks of phases open at the time are
// ignored). Later resets keep the phases open as they are.
static inline void os_probe_reset(void)
{
    uint64_t cost = os_probe_pair_cost();
    for (unsigned i = 0; i < OS_PROBE_NPHASES; i++)
        os_probe.cycles[i] = 0;
    if (!os_probe.on) {
        os_probe.depth = os_probe.over = 0;
        os_probe.stack[0] = OS_PROBE_APP;
    }
    for (unsigned i = 0; i <= os_probe.depth; i++)
        os_probe.own[i] = 0;
    os_probe.marks = 0;
    os_probe.pair_cost = cost;
    os_probe.since = os_probe.mark = os_probe_tsc();
    os_probe.on = true;
}

// The table now, the phases still open charged as they are labelled so
// far: its phases add up to the cycles since the reset (out->mark -
// out->since).
static inline void os_probe_snapshot(struct os_probe *out)
{
    if (os_probe.on)
        os_probe_tick();
    *out = os_probe;
    for (unsigned i = 0; out->on && i <= out->depth; i++)
        out->cycles[out->stack[i]] += out->own[i];
}

// The table as text: " name=cycles" for every phase, each name after
// prefix, then "total" (cycles since the reset), "pair" (cycles of 1000
// mark pairs) and "marks" (pairs since the reset); the length written
// (cut off at n).
static inline size_t os_probe_format(const struct os_probe *t, const char *prefix, char *buf,
                                     size_t n)
{
    static const char *const names[] = OS_PROBE_NAMES;
    _Static_assert(sizeof(names) / sizeof(names[0]) == OS_PROBE_NPHASES, "a name per phase");
    size_t at = 0;
    for (unsigned i = 0; i < OS_PROBE_NPHASES && at + 1 < n; i++) {
        int w = snprintf(buf + at, n - at, " %s%s=%llu", prefix, names[i],
                         (unsigned long long)t->cycles[i]);
        at += w > 0 ? ((size_t)w < n - at ? (size_t)w : n - at - 1) : 0;
    }
    if (at + 1 < n) {
        int w = snprintf(buf + at, n - at, " %stotal=%llu %spair=%llu %smarks=%llu", prefix,
                         (unsigned long long)(t->mark - t->since), prefix,
                         (unsigned long long)t->pair_cost, prefix, (unsigned long long)t->marks);
        at += w > 0 ? ((size_t)w < n - at ? (size_t)w : n - at - 1) : 0;
    }
    return at;
}
