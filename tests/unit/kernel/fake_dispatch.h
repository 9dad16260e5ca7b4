/* tests/unit/kernel/fake_dispatch.h: fake architecture for dispatchers, LMP and system calls. */
#pragma once

#include "fake_arch.h"
#include <dispatch.h>
#include <dispatch_arch.h>
#include <lmp.h>
#include <setjmp.h>
#include <syscall.h>

// What the fakes saw.
struct fake_disp {
    char console[4096]; // arch_console_write and kprintf output
    size_t console_len;
    unsigned console_flags; // console_begin's flags, last call
    bool user_readable;     // arch_copy_from_user succeeds (copying fill bytes 'u')
    struct dcb *resumed;    // arch_resume's argument; NULL if arch_idle ran
    jmp_buf exit_jmp;       // arch_resume and arch_idle jump back here
};
extern struct fake_disp fd;

// Reset the fakes and the scheduler, and set fake.on_destroy so that
// destroyed Dispatchers and Endpoints reach dispatcher_destroyed and
// endpoint_destroyed as the CPU driver's arch_object_destroy does.
void fake_dispatch_reset(void);

// A dispatcher, set up (cspace = the world's root, a new PML4 and frame),
// not yet runnable; its cap is in slot (1, i) of the world.
struct dcb *new_dispatcher(uint32_t i);

// Make d enter the kernel with system call num and arguments, as current.
void do_syscall(struct dcb *d, uint64_t num, const uint64_t *args, unsigned n);

// Make d enter the kernel with system call num and ten argument words, as
// current, without handling the call (the caller offers it to the fast
// path or to syscall_handle).
void enter_syscall(struct dcb *d, uint64_t num, const uint64_t args[10]);

// d's result registers: the error, and result word i.
errval_t result_err(const struct dcb *d);
uint64_t result_word(const struct dcb *d, unsigned i);

// Run kernel_exit; returns the dispatcher it resumed (NULL: idled).
struct dcb *run_kernel_exit(void);
