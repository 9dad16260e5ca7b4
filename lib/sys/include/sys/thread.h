/*
 * lib/sys/include/sys/thread.h: user-level threads inside one dispatcher.
 *
 * Threads are cooperative: one runs until it yields, blocks on a mutex,
 * condition variable or join, or exits. (The kernel preempts the whole
 * dispatcher and resumes it where it was, so preemption never switches
 * threads.) A system call that blocks in the kernel, such as an RPC,
 * blocks every thread of the dispatcher until it returns.
 */
#pragma once

#include <kpi/errors.h>
#include <stdbool.h>
#include <stddef.h>

struct thread;

typedef int (*thread_fn)(void *arg);

// Start fn(arg) on a new thread with a stack of stack_bytes (0: 64 KiB).
// Returns NULL when out of memory.
struct thread *thread_create(thread_fn fn, void *arg, size_t stack_bytes);

// Let the other ready threads run first.
void thread_yield(void);

// End the calling thread with result ret (returning from fn does the same).
_Noreturn void thread_exit(int ret);

// Wait for t to end and collect its result; t is freed. THREAD_ERR_DEADLOCK
// if no thread could ever wake us.
MUST_CHECK errval_t thread_join(struct thread *t, int *ret);

struct thread *thread_self(void);

struct thread_mutex {
    struct thread *owner;
    struct thread *waiters; // FIFO through thread->next_wait
};
#define THREAD_MUTEX_INIT                                                                          \
    {                                                                                              \
        0, 0                                                                                       \
    }

struct thread_cond {
    struct thread *waiters;
};
#define THREAD_COND_INIT                                                                           \
    {                                                                                              \
        0                                                                                          \
    }

void thread_mutex_lock(struct thread_mutex *m);
bool thread_mutex_trylock(struct thread_mutex *m);
void thread_mutex_unlock(struct thread_mutex *m);

// Release m, wait for a signal, take m again.
void thread_cond_wait(struct thread_cond *c, struct thread_mutex *m);
void thread_cond_signal(struct thread_cond *c);
void thread_cond_broadcast(struct thread_cond *c);
