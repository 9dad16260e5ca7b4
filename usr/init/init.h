/* usr/init/init.h: init's parts: memory, processes, names, power. */
#pragma once

#include <kpi/init.h>
#include <sys/initsvc.h>
#include <sys/server.h>
#include <sys/spawn.h>

#define MAX_PROCS   64
#define HANDLE_L1   SLOT_L1_LIMIT // process i's handle CNode: L1 slot HANDLE_L1 + i
#define EXIT_NOTIFY 1ull          // notification bit: a child stopped
#define MEMSERV_PID 1

struct waiter {
    struct server_chan *chan;
    uint64_t pid; // the waiting client (its channel may have closed since)
    struct waiter *next;
};

// init's record of a process (its entry in the process table); what a
// client sees of it is struct proc_info.
struct proc_rec {
    bool used;
    uint64_t pid;
    unsigned core;   // where it runs (others than 0: its monitor made it)
    capref_t wake;   // its UMP wake-up vector (our copy), or NULL_CAP
    uint32_t vector; // the vector we gave it on core 0, or 0
    enum proc_state state;
    uint64_t status;
    bool system;               // a system server kill refuses (devmgr: the devices and the IOMMU)
    bool trusted;              // a boot program (devmgr, the shell): may end any process, power off
    uint64_t parent;           // the process that spawned it (0: init)
    struct proc_limits limits; // what servers let it hold (sys/limits.h)
    char name[PROC_NAME_LEN];
    struct spawn sp;
    struct waiter *waiters;
    struct watch *watches;
};

// Someone to signal when a process ends (INIT_PROC_WATCH).
struct watch {
    capref_t note; // a send cap to the watcher's endpoint, signalled with LMP_FLAG_NOTIFY
    struct watch *next;
};

extern struct server init_server;

// Who asked: a process on core 0 through its channel, or one on another
// core through its monitor (core, tag). Answers go back the same way.
struct requester {
    struct server_chan *chan; // NULL: through the monitor of core
    unsigned core;
    uint64_t tag;
    uint64_t pid;
};

// Answer rq: err, a result word, and optionally a cap of ours (sent as a
// copy, or exported to the requester's core); drop: free our slot after.
void answer(const struct requester *rq, errval_t err, uint64_t w0, capref_t cap, bool drop);

// The other cores (cores.c): the links to their monitors.
void cores_init(void);
bool core_up(unsigned core);
MUST_CHECK errval_t cores_spawn(struct proc_rec *p, capref_t module, const char *cmdline,
                                const struct requester *rq);
MUST_CHECK errval_t cores_kill(struct proc_rec *p, const struct requester *rq);
// Revoke imported copies of [base, base+bytes) on every core but `except`
// (0: all others, as core 0 exports), then call done(arg, err).
void cores_revoke(uint64_t base, uint64_t bytes, unsigned except,
                  void (*done)(void *arg, errval_t err), void *arg);
// Send MON_REPLY for request tag to core's monitor (exporting cap).
void cores_reply(unsigned core, uint64_t tag, errval_t err, uint64_t w0, capref_t cap);
// A request from a process on another core, through its monitor.
void cores_app_request(unsigned core, uint64_t tag, uint64_t pid, uint64_t op, uint64_t a0,
                       const uint64_t desc[3], const char *name);

// UMP connections and caps across cores (broker.c).
void broker_handle(const struct requester *rq, uint64_t op, uint64_t a0, capref_t cap,
                   const char *name);
void broker_proc_ended(struct proc_rec *p);

// Memory (mem.c): init's own pool, mem_serv's start, RAM charged to a pid.
MUST_CHECK errval_t mem_setup(void);
MUST_CHECK errval_t mem_start_memserv(void);
MUST_CHECK errval_t mem_alloc_for(void *pid, capref_t *ret, uint64_t bytes);
// Tell mem_serv pid's limits on memory and channels, before it charges
// pid anything (MEMSERV_SET_LIMITS; it forgets them as it reclaims pid).
MUST_CHECK errval_t mem_set_limits(uint64_t pid, const struct proc_limits *limits);
uint64_t mem_reclaim(uint64_t pid);
void mem_mark_exported(uint64_t base); // (memory not mem_serv's is ignored)
uint64_t mem_usage(uint64_t pid);

// Boot modules (mem.c): the ELF image of a program by name.
const void *module_find(const char *name, size_t *size);

// Processes (procs.c). proc_create loads a program (not running yet) with
// its RAM from alloc (NULL: charged to its pid through mem_serv) and its
// limits (NULL: none); the caller may spawn_give it more caps, then
// proc_run starts it; proc_discard undoes a proc_create whose process is
// not to run (proc_run or the caller's own set-up failed).
MUST_CHECK errval_t proc_create(int argc, const char *const *argv, spawn_alloc_fn alloc,
                                void *alloc_arg, const struct proc_limits *limits,
                                struct proc_rec **out);
MUST_CHECK errval_t proc_run(struct proc_rec *p);
void proc_discard(struct proc_rec *p);
MUST_CHECK errval_t proc_start(int argc, const char *const *argv, const struct proc_limits *limits,
                               uint64_t *pid);
// The limits of a process for init's own channel table (server.h's
// client_limits): none for init itself and for pids not in the table.
void procs_client_limits(struct server *s, uint64_t pid, struct proc_limits *out);
struct proc_rec *proc_find(uint64_t pid);

// Is pid a boot program (or init)? They may end any process and power off.
bool procs_trusted(uint64_t pid);
// A process on another core ended (its monitor says so).
void proc_remote_exited(uint64_t pid, uint64_t status);
// The module frame (our cap) of a program, by name.
capref_t module_cap(const char *name);
void procs_handle(struct server_req *req, struct server_resp *resp);
void procs_child_exit(void);

// Names (names.c).
void names_handle(struct server_req *req, struct server_resp *resp);
bool names_has(const char *name);

// Power (power.c): ACPI S5, or the Kernel cap's shutdown.
_Noreturn void power_off(void);
void power_init(void); // finds ACPI S5 at start, before devmgr owns the tables' memory
