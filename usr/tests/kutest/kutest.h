/* usr/tests/kutest/kutest.h: shared helpers of the kernel user-mode test program. */
#pragma once

#include <kpi/dispatcher.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/caps.h>
#include <sys/lmp.h>
#include <test/report.h>

// A fresh slot in this domain's CSpace.
capref_t kt_slot(void);

// Retype one object of type (objsize bytes) from the test's RAM into a new slot.
capref_t kt_make(enum objtype type, uint64_t objsize);

// Make kt_make() carve from ram_cap (bytes long) until kt_pool(0, 0).
void kt_pool(capref_t ram_cap, uint64_t bytes);

// Bytes of RAM left for kt_make().
uint64_t ram_left(void);

// Map frame (pages pages, MAP_* flags) at va in this address space, making
// page tables as needed. va must lie in [TEST_VA_BASE, TEST_VA_BASE + 1 GiB).
MUST_CHECK errval_t kt_map_at(uint64_t va, capref_t frame, uint32_t flags, uint64_t pages);
#define TEST_VA_BASE 0x40000000ull

// A child dispatcher in this address space, running fn(arg) on its own
// stack with the CSpace rooted at cspace (a root CNode cap) and its own
// dispatcher frame (returned through frame if not NULL).
capref_t child_start(void (*fn)(uint64_t), uint64_t arg, capref_t cspace,
                     struct dispatcher_frame **frame);

// A new CSpace: an L1 CNode with an L2 CNode at L1 slot 0; returns the root
// and (through l2) the L2 CNode cap, both in the caller's CSpace.
capref_t cspace_new(capref_t *l2);

// Spin until the dispatcher has stopped (yielding), up to max_yields; true if stopped.
bool wait_stopped(capref_t disp, unsigned max_yields, uint64_t *status);

// Tests.
void test_syscall_errors(void);
void test_invocation_errors(void);
void test_retype_identify(void);
void test_map_unmap(void);
void test_map_errors(void);
void test_page_fault_handler(void);
void test_exception_stops(void);
void test_lmp(void);
void test_lmp_nonblock(void);
void test_preemption(void);
void test_irq(void);
void test_irq_serial(void);
void test_fuzz(unsigned calls);
void bench(void);
