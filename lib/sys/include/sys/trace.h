/*
 * lib/sys/include/sys/trace.h: user events in the kernel's trace.
 *
 * While the CPU driver records a trace (booted with `trace`) it sets the
 * `trace` word of every dispatcher frame it sees; then an event is one
 * SYS_TRACE system call, which the kernel writes into this core's ring
 * with its TSC. Otherwise an event costs one load and one branch.
 */
#pragma once

#include <kpi/dispatcher.h>
#include <kpi/init.h>
#include <kpi/trace.h>
#include <stdbool.h>
#include <sys/syscall.h>

// Whether the kernel records a trace (as far as this dispatcher knows).
static inline bool sys_trace_on(void)
{
    return ((volatile const struct dispatcher_frame *)DISPFRAME_VA)->trace != 0;
}

// Add event ev (TRACE_USER_*) with a0 and a1 to the trace, if one is recorded.
static inline void sys_trace(enum trace_user_event ev, uint64_t a0, uint64_t a1)
{
    if (__builtin_expect(sys_trace_on(), 0))
        (void)syscall3(SYS_TRACE, ev, a0, a1); // a trace that ended meanwhile: nothing to do
}
