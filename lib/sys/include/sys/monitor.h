/*
 * lib/sys/include/sys/monitor.h: how init (core 0's monitor) and the
 * monitors of the other cores talk, over the channel the CPU drivers set up
 * at boot (CHANCN). See docs/multikernel.md.
 *
 * A message is [op, tag, args...]: every request is answered by MON_REPLY
 * [MON_REPLY, tag, err, r0, cap description (3 words)]. A string argument
 * (a command line, a service name) travels first, in MON_STRING messages
 * carrying 40 bytes each; the next request consumes it. Caps travel as
 * descriptions (KernelCmd_CapExport/Import): [type | rights << 8, raw0, raw1].
 * Both sides hold Kernel caps and wake each other with KernelCmd_IPI on
 * MON_WAKE_VECTOR.
 */
#pragma once

#include <stdbool.h>
#include <sys/ump.h>

#define MON_WAKE_VECTOR   200 // on every core: init's and the monitors' wake-up vector
#define MON_STRING_MAX    256
#define MON_BADGE_MEMSERV (1ull << 47) // in a bind badge: the channel speaks memserv.h

enum mon_op {
    MON_REPLY = 1, // (tag, err, r0, cap description)
    MON_STRING,    // (tag, 40 bytes): part of the next request's string
    // monitor -> init
    MON_UP,     // (tag, core, RAM bytes): online
    MON_EXITED, // (tag, pid, status): a process on the monitor's core ended
    MON_APP,    // (tag, pid, initsvc op, a0, cap description): a process's request
                //   (INIT_*: names, UMP, caps), its string first
    MON_REVOKE, // (tag, base, bytes): revoke imported copies on every other core
    // init -> monitor
    MON_SPAWN,           // (tag, pid, module description), string: the command line
    MON_KILL,            // (tag, pid)
    MON_REVOKE_IMPORTED, // (tag, base, bytes) -> r0: objects deleted
};

// One end of the boot channel, with its string assembly.
struct mon_link {
    struct ump_chan chan;
    unsigned peer_core;
    uint64_t next_tag;
    char string[MON_STRING_MAX + 1];
    size_t string_len;
};

// Open the boot channel in the mapped frame (init: side A).
void mon_link_init(struct mon_link *l, void *buf, size_t bytes, bool side_a, unsigned peer);

// Send a message (waking the peer with the Kernel cap); waits while full.
void mon_send(struct mon_link *l, uint64_t op, uint64_t tag, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t a4);

// Send s as MON_STRING messages (before the request that uses it).
void mon_send_string(struct mon_link *l, const char *s);

// Feed a received MON_STRING to the assembly; returns the string so far.
const char *mon_take_string(struct mon_link *l, const uint64_t w[UMP_WORDS]);

// The string received for the current request, then reset for the next.
void mon_string_done(struct mon_link *l, char *out, size_t size);

// A cap's description for another core (exports it), and the cap made
// here from one (imports it into slot dest).
MUST_CHECK errval_t mon_export(capref_t cap, uint64_t desc[3]);
MUST_CHECK errval_t mon_import(capref_t dest, const uint64_t desc[3]);

// Answer request tag: err, one result word, and a cap (exported to the
// peer's core; NULL_CAP for none).
MUST_CHECK errval_t mon_reply(struct mon_link *l, uint64_t tag, errval_t err, uint64_t r0,
                              capref_t cap);
