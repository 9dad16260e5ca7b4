/* lib/kpi/include/kpi/syscalls.h: system call numbers and the register convention. */
#pragma once

// x86-64 `syscall`: RAX holds the number; arguments in RDI, RSI, RDX, R10,
// R8, R9, R12, R13, R14, R15 (RCX and R11 are clobbered by the instruction).
// Results: RAX = errval_t; result words in RDX, RSI, RDI, R10, R8, R9.
// Every other register is preserved.
enum syscall_num {
    // (target capref, cmd, a0..a5) -> err, r0..r2. Invoke a capability.
    SYS_INVOKE = 0,
    // () -> err. Give up the CPU to the next runnable dispatcher.
    SYS_YIELD = 1,
    // (ep capref, flags, send cap capref, w0..w3) -> err.
    // Send a message on an LMP endpoint (see LMP_FLAG_*).
    SYS_SEND = 2,
    // (ep capref, flags, recv slot capref, timeout us) -> err, badge, w0..w3, rflags.
    // Receive the next message on an endpoint (the timeout with LMP_FLAG_TIMEOUT).
    SYS_RECV = 3,
    // (ep capref, flags, send cap capref, w0..w3, reply ep capref, recv slot capref,
    // timeout us) -> like SYS_RECV. Send, then wait on the reply endpoint,
    // atomically (the timeout with LMP_FLAG_TIMEOUT).
    SYS_CALL = 4,
    // (buf, len, flags) -> err. Write to the console (see SYS_PRINT_*).
    SYS_PRINT = 5,
    // () -> err. The calling dispatcher exits: it is stopped and removed
    // from scheduling (its caps are reclaimed by whoever holds them).
    SYS_EXIT = 6,
    // () -> err, nodes, slots, entries. Check the kernel's capability state
    // and the caller's CSpace and page tables (kernel/include/kcheck.h):
    // SYS_ERR_OK or the KCHECK_ERR_* of the first breach, printed on the
    // console. Only with the `kcheck` kernel argument (else
    // SYS_ERR_ILLEGAL_SYSCALL): it takes time linear in all caps.
    SYS_CHECK = 7,
    // (event, a0, a1) -> err. Add a user event to the kernel's trace
    // (kpi/trace.h); only while the kernel records one (the dispatcher
    // frame's `trace` is set), else SYS_ERR_ILLEGAL_SYSCALL.
    SYS_TRACE = 8,
    SYS_COUNT
};

// SYS_PRINT flags. EDIT: the text is the console's input line (the shell's
// prompt and echo): other output is printed above that line, which the
// console then draws again (cpudriver/include/console_line.h).
#define SYS_PRINT_EDIT (1u << 0)

// LMP flags (SYS_SEND, SYS_RECV, SYS_CALL). NONBLOCK: fail instead of waiting
// (a send with LMP_ERR_NOT_LISTENING, a receive with LMP_ERR_NO_MESSAGE).
#define LMP_FLAG_NONBLOCK (1u << 0)
#define LMP_FLAG_SEND_CAP (1u << 1) // transfer (copy) the cap named by the send cap argument
#define LMP_FLAG_YIELD    (1u << 2) // send: run the receiver at once (directed yield)
// send: a notification instead of a message: the badge of the endpoint cap
// is OR-ed into the endpoint's pending word, as an interrupt's is; it never
// blocks and is never lost (no words, no cap).
#define LMP_FLAG_NOTIFY   (1u << 3)
// receive: give up with SYS_ERR_TIMEOUT when nothing came within the
// timeout argument (microseconds, not 0), counted in the kernel's timer
// ticks (100 Hz): rounded up to whole ticks, the first of which may be
// partly gone already. A message or notification first wins.
// call: the same for the whole call, queued to send and then waiting for
// the reply; the timeout is the tenth argument. A call that timed out may
// still be answered later: its reply endpoint is not to be trusted again
// (lib/sys's rpc_call abandons the channel).
#define LMP_FLAG_TIMEOUT  (1u << 4)

// Receive result flags (returned in the last result word).
#define LMP_RECV_CAP      (1u << 0) // a capability was placed in the receive slot
#define LMP_RECV_CAP_LOST (1u << 1) // a capability was sent but could not be placed
#define LMP_RECV_NOTIFY   (1u << 2) // a notification (interrupt, LMP_FLAG_NOTIFY), not a message

#define LMP_MSG_WORDS 4
