/*
 * usr/tests/kutest/main.c: the CPU driver's user-mode tests.
 *
 * Runs as init (the first boot module), so it holds every resource of the
 * machine. Each test prints TEST PASS/FAIL lines; at the end the program
 * leaves QEMU with the pass or fail status. `kutest bench` runs the
 * microbenchmarks instead.
 */
#include "kutest.h"
#include <kpi/platform.h>
#include <stdio.h>
#include <string.h>

#define FUZZ_CALLS 100000

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "bench")) {
        bench();
        err_ignore(invoke_kernel_shutdown(cap_kernel, EXIT_PASS),
                   "returns only if QEMU did not exit: the caller halts next");
    }
    printf("kutest: CPU driver tests from user mode\n");
    test_syscall_errors();
    test_invocation_errors();
    test_retype_identify();
    test_map_unmap();
    test_map_errors();
    test_page_fault_handler();
    test_exception_stops();
    test_lmp();
    test_lmp_nonblock();
    test_preemption();
    test_irq();
    test_irq_serial();
    test_fuzz(argc > 1 && !strcmp(argv[1], "short") ? FUZZ_CALLS / 10 : FUZZ_CALLS);
    printf("kutest: done, %u failed\n", tests_failed);
    err_ignore(invoke_kernel_shutdown(cap_kernel, tests_failed ? EXIT_FAIL : EXIT_PASS),
               "returns only if QEMU did not exit: the caller halts next");
    return 1; // not reached: the kernel cap was refused
}
