/* lib/kpi/include/kpi/trace.h: the user events of the kernel's trace (SYS_TRACE). */
#pragma once

// SYS_TRACE's first argument; the other two are the event's a0 and a1.
enum trace_user_event {
    TRACE_USER_PROBE_PUSH = 1, // a0: phase (os/probe.h) begins
    TRACE_USER_PROBE_POP,      // a0: the innermost phase ends, labelled a0
    TRACE_USER_UMP_SEND,       // a0: the ring's trace id, a1: the message's sequence number
    TRACE_USER_UMP_RECV,       // the same, as the receiver takes it
    TRACE_USER_MARK,           // a0, a1: anything (an application's own marks)
};
