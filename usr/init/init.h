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
    struct waiter *next;
};

struct proc {
    bool used;
    uint64_t pid;
    enum proc_state state;
    uint64_t status;
    char name[PROC_NAME_LEN];
    struct spawn sp;
    struct waiter *waiters;
};

extern struct server init_server;

// Memory (mem.c): init's own pool, mem_serv's start, RAM charged to a pid.
errval_t mem_setup(void);
errval_t mem_start_memserv(void);
errval_t mem_alloc_for(void *pid, capref_t *ret, uint64_t bytes);
uint64_t mem_reclaim(uint64_t pid);
uint64_t mem_usage(uint64_t pid);

// Boot modules (mem.c): the ELF image of a program by name.
const void *module_find(const char *name, size_t *size);

// Processes (procs.c). proc_create loads a program (not running yet) with
// its RAM from alloc (NULL: charged to its pid through mem_serv); the
// caller may spawn_give it more caps, then proc_run starts it.
errval_t proc_create(int argc, const char *const *argv, spawn_alloc_fn alloc, void *alloc_arg,
                     struct proc **out);
errval_t proc_run(struct proc *p);
errval_t proc_start(int argc, const char *const *argv, uint64_t *pid);
void procs_handle(struct server_req *req, struct server_resp *resp);
void procs_child_exit(void);

// Names (names.c).
void names_handle(struct server_req *req, struct server_resp *resp);

// Power (power.c): ACPI S5, or the Kernel cap's shutdown.
_Noreturn void power_off(void);
