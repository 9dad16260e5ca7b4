/* usr/tests/nettest/memq.h: two netqs joined back to back in memory (a loopback cable). */
#pragma once

#include <net/netq.h>

// End i has MAC 02:00:00:00:01:0(i+1) and 10.1.0.(i+1)/24. Frames one end
// sends are copied into the other's receive ring at once (dropped when it
// has no free buffer). Waiting yields the CPU until a frame is there or
// the time is up.
struct memq_wire;
struct memq_wire *memq_new(void);
struct netq *memq_end(struct memq_wire *w, int i);
// Buffers of end i not back home (handed out by rx, taken by tx_buf), and
// misuses (a buffer given back that was not out).
unsigned memq_rx_out(struct memq_wire *w, int i);
unsigned memq_bad(struct memq_wire *w, int i);
