/* lib/sys/thread.c: cooperative user-level threads, mutexes and condition variables. */
#include <sietch/libc_sys.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/thread.h>

#define DEFAULT_STACK (64u << 10)

enum thread_state { READY, BLOCKED, DONE };

struct thread {
    uint64_t rsp; // saved while not running
    struct thread *next_ready, *next_wait;
    enum thread_state state;
    thread_fn fn;
    void *arg;
    int ret;
    void *stack;
    struct thread *joiner;
};

void thread_switch(uint64_t *from_rsp, uint64_t to_rsp);

static struct thread main_thread = {.state = READY};
static struct thread *current = &main_thread;
static struct thread *ready_head, *ready_tail; // ready, not running
static unsigned live = 1;

struct thread *thread_self(void) { return current; }

static void make_ready(struct thread *t)
{
    t->state = READY;
    t->next_ready = NULL;
    if (ready_tail)
        ready_tail->next_ready = t;
    else
        ready_head = t;
    ready_tail = t;
}

static struct thread *take_ready(void)
{
    struct thread *t = ready_head;
    if (t) {
        ready_head = t->next_ready;
        if (!ready_head)
            ready_tail = NULL;
    }
    return t;
}

// Run the next ready thread; the caller has put itself on a queue (or is
// done). If none is ready, every thread waits on another: a deadlock.
static void schedule(void)
{
    struct thread *prev = current, *next = take_ready();
    if (!next) {
        if (prev->state == READY)
            return;
        fprintf(stderr, "thread: deadlock: all %u threads are blocked\n", live);
        abort();
    }
    current = next;
    thread_switch(&prev->rsp, next->rsp);
}

void thread_yield(void)
{
    if (!ready_head)
        return;
    make_ready(current);
    schedule();
}

static _Noreturn void thread_start(void) { thread_exit(current->fn(current->arg)); }

// lib/c's locks become thread mutexes once there is a second thread.
static struct thread_mutex libc_locks[LIBC_LOCK_COUNT];
static void lock_hook(enum libc_lock_id id) { thread_mutex_lock(&libc_locks[id]); }
static void unlock_hook(enum libc_lock_id id) { thread_mutex_unlock(&libc_locks[id]); }

struct thread *thread_create(thread_fn fn, void *arg, size_t stack_bytes)
{
    static const struct libc_lock_hooks hooks = {lock_hook, unlock_hook};
    struct thread *t = calloc(1, sizeof(*t));
    stack_bytes = stack_bytes ? (stack_bytes + 15) & ~(size_t)15 : DEFAULT_STACK;
    void *stack = t ? malloc(stack_bytes) : NULL;
    if (!stack) {
        free(t);
        return NULL;
    }
    if (live == 1)
        libc_set_lock_hooks(&hooks);
    // The first switch pops six registers and returns into thread_start,
    // with the stack then aligned as after a call.
    uint64_t *sp = (uint64_t *)((char *)stack + stack_bytes);
    *--sp = 0; // alignment: thread_start's "return address" slot
    *--sp = (uint64_t)thread_start;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    *t = (struct thread){.rsp = (uint64_t)sp, .fn = fn, .arg = arg, .stack = stack};
    live++;
    make_ready(t);
    return t;
}

void thread_exit(int ret)
{
    struct thread *t = current;
    if (t == &main_thread)
        exit(ret); // the main thread's end is the program's
    t->ret = ret;
    t->state = DONE;
    live--;
    if (t->joiner)
        make_ready(t->joiner);
    schedule(); // never returns here: a done thread is never made ready
    abort();
}

errval_t thread_join(struct thread *t, int *ret)
{
    if (t == current || t->joiner)
        return SYS_ERR_INVALID_ARGS;
    while (t->state != DONE) {
        t->joiner = current;
        current->state = BLOCKED;
        if (!ready_head)
            return THREAD_ERR_DEADLOCK;
        schedule();
    }
    if (ret)
        *ret = t->ret;
    free(t->stack);
    free(t);
    return SYS_ERR_OK;
}

// ---- Mutexes and condition variables ----

static void wait_on(struct thread **queue)
{
    current->next_wait = NULL;
    struct thread **p = queue;
    while (*p)
        p = &(*p)->next_wait;
    *p = current;
    current->state = BLOCKED;
    schedule();
}

static struct thread *wake_one(struct thread **queue)
{
    struct thread *t = *queue;
    if (t) {
        *queue = t->next_wait;
        make_ready(t);
    }
    return t;
}

void thread_mutex_lock(struct thread_mutex *m)
{
    // Not recursive: a thread locking a mutex it holds waits forever, and
    // schedule() reports the deadlock once nothing else can run.
    while (m->owner)
        wait_on(&m->waiters);
    m->owner = current;
}

bool thread_mutex_trylock(struct thread_mutex *m)
{
    if (m->owner)
        return false;
    m->owner = current;
    return true;
}

void thread_mutex_unlock(struct thread_mutex *m)
{
    m->owner = NULL;
    wake_one(&m->waiters);
}

void thread_cond_wait(struct thread_cond *c, struct thread_mutex *m)
{
    thread_mutex_unlock(m);
    wait_on(&c->waiters);
    thread_mutex_lock(m);
}

void thread_cond_signal(struct thread_cond *c) { wake_one(&c->waiters); }

void thread_cond_broadcast(struct thread_cond *c)
{
    while (wake_one(&c->waiters))
        ;
}
