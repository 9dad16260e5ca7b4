/* usr/tests/kutest/tests_basic.c: system call and invocation error paths, retype, paging. */
#include "kutest.h"
#include <stdio.h>
#include <sys/exception.h>

void test_syscall_errors(void)
{
    struct sysret r = syscall10(999, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    report("sys.illegal_syscall", r.err == SYS_ERR_ILLEGAL_SYSCALL, "got %s", err_name(r.err));
    errval_t err = sys_print((const char *)0xdead0000ull, 10);
    report("sys.print_unmapped", err == SYS_ERR_BAD_USER_POINTER, "got %s", err_name(err));
    err = sys_print((const char *)0xffffffff80100000ull, 10);
    report("sys.print_kernel_address", err == SYS_ERR_INVALID_ARGS, "got %s", err_name(err));
    err = sys_print("x", 1ull << 40);
    report("sys.print_too_long", err == SYS_ERR_INVALID_ARGS, "got %s", err_name(err));
    err = sys_print("kutest: printing works\n", 23);
    report("sys.print", err_is_ok(err), "got %s", err_name(err));
}

void test_invocation_errors(void)
{
    // want: the top error code; cause: the one below it (0: none checked).
    struct {
        const char *id;
        struct sysret r;
        errval_t want, cause;
    } cases[] = {
        {"inv.empty_slot", cap_invoke(cap_at(ROOTCN_SLOT_ALLOC0, 200), 0, 0, 0, 0, 0, 0, 0),
         CAP_ERR_SLOT_EMPTY, 0},
        {"inv.bad_level", cap_invoke(CAPREF(0, 7), 0, 0, 0, 0, 0, 0, 0), SYS_ERR_INVALID_ARGS, 0},
        {"inv.l1_out_of_range", cap_invoke(cap_at(100000, 0), 0, 0, 0, 0, 0, 0, 0),
         CAP_ERR_LOOKUP_L1, CAP_ERR_SLOT_RANGE},
        {"inv.not_a_cnode", cap_invoke(cap_at(ROOTCN_SLOTS_USER + 50, 0), 0, 0, 0, 0, 0, 0, 0),
         CAP_ERR_LOOKUP_L2, CAP_ERR_NOT_CNODE},
        {"inv.unknown_command", cap_invoke(cap_kernel, 77, 0, 0, 0, 0, 0, 0),
         SYS_ERR_ILLEGAL_INVOCATION, 0},
        {"inv.wrong_type_retype",
         cap_invoke(cap_selfep, RAMCmd_Retype, ObjType_Frame, 0, 4096, 1,
                    cap_l1(ROOTCN_SLOT_ALLOC0), 0),
         SYS_ERR_ILLEGAL_INVOCATION, 0},
        {"inv.retype_dest_occupied",
         cap_invoke(cap_at(ROOTCN_SLOT_SUPERCN, 0), RAMCmd_Retype, ObjType_Frame, 0, 4096, 1,
                    cap_l1(ROOTCN_SLOT_TASKCN), TASKCN_SLOT_KERNEL),
         CAP_ERR_SLOT_OCCUPIED, 0},
        {"inv.shutdown_bad_status", cap_invoke(cap_kernel, KernelCmd_Shutdown, 5, 0, 0, 0, 0, 0),
         SYS_ERR_INVALID_ARGS, 0},
        // Every capref, the invoked one and each argument, goes through
        // one checked lookup: bits above the level byte are refused.
        {"inv.ref_high_bits_target",
         cap_invoke(cap_kernel | 1ull << 40, KernelCmd_Info, 0, 0, 0, 0, 0, 0),
         SYS_ERR_INVALID_ARGS, 0},
        {"inv.ref_high_bits_vnode_map",
         cap_invoke(cap_vroot, VNodeCmd_Map, 1, cap_dispframe | 1ull << 48, 0, 0, 1, 0),
         SYS_ERR_INVALID_ARGS, 0},
        {"inv.ref_high_bits_notify_exit",
         cap_invoke(cap_dispatcher, DispatcherCmd_NotifyExit, cap_selfep | 1ull << 40, 0, 0, 0, 0,
                    0),
         SYS_ERR_INVALID_ARGS, 0},
        {"inv.ref_high_bits_export",
         cap_invoke(cap_kernel, KernelCmd_CapExport, cap_dispframe | 1ull << 41, 0, 0, 0, 0, 0),
         SYS_ERR_INVALID_ARGS, 0},
        {"inv.io_command_past_table", cap_invoke(cap_io, IOCmd_Num, 0x3f8, 1, 0, 0, 0, 0),
         SYS_ERR_ILLEGAL_INVOCATION, 0},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        errval_t e = cases[i].r.err;
        bool ok =
            err_no(e) == cases[i].want && (!cases[i].cause || err_no(err_pop(e)) == cases[i].cause);
        report(cases[i].id, ok, "got %s (cause %s), want %s", err_name(e), err_name(err_pop(e)),
               err_name(cases[i].want));
    }
}

void test_retype_identify(void)
{
    capref_t f = kt_make(ObjType_Frame, 3 * 4096);
    struct cap_info info = {0};
    errval_t err = invoke_cnode_identify(cap_root, f, &info);
    report("cap.retype_identify",
           err_is_ok(err) && info.type == ObjType_Frame && info.bytes == 3 * 4096 &&
               info.rights == CAP_RIGHTS_ALL,
           "identify: %s type %u bytes %lu", err_name(err), info.type, info.bytes);
    capref_t ro = kt_slot();
    err = invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(ro))),
                            CAPADDR_L2(CAPREF_ADDR(ro)), f, CAP_RIGHT_READ, 0, 0);
    errval_t err2 = invoke_cnode_identify(cap_root, ro, &info);
    report("cap.mint_reduces_rights",
           err_is_ok(err) && err_is_ok(err2) && info.rights == CAP_RIGHT_READ,
           "mint %s, rights %#x", err_name(err), info.rights);
    err = invoke_cnode_delete(cap_root, ro);
    err2 = invoke_cnode_identify(cap_root, ro, &info);
    report("cap.delete", err_is_ok(err) && err_no(err2) == CAP_ERR_SLOT_EMPTY, "delete %s, then %s",
           err_name(err), err_name(err2));
}

#define MAP_VA (TEST_VA_BASE + 0x100000)

void test_map_unmap(void)
{
    capref_t f = kt_make(ObjType_Frame, 2 * 4096);
    errval_t err = kt_map_at(MAP_VA, f, MAP_WRITE, 2);
    volatile uint64_t *p = (volatile uint64_t *)MAP_VA;
    if (err_is_ok(err)) {
        p[0] = 0x5ee7c4;
        p[511] = 42; // the end of the first page
        p[1023] = 7; // the end of the second
    }
    report("vm.map_write_read", err_is_ok(err) && p[0] == 0x5ee7c4 && p[511] == 42 && p[1023] == 7,
           "map: %s", err_name(err));
    err = invoke_unmap(f);
    errval_t again = invoke_unmap(f);
    report("vm.unmap", err_is_ok(err) && err_no(again) == PAGING_ERR_NOT_MAPPED, "%s then %s",
           err_name(err), err_name(again));
    // Mapped again elsewhere: the data is still in the frame.
    err = kt_map_at(MAP_VA + 0x10000, f, 0, 2);
    volatile uint64_t *q = (volatile uint64_t *)(MAP_VA + 0x10000);
    report("vm.remap_keeps_data",
           err_is_ok(err) && q[0] == 0x5ee7c4 && q[511] == 42 && q[1023] == 7, "map: %s",
           err_name(err));
    err_ignore(invoke_unmap(f), "cleanup between measurements: the next map would fail and say so");
}

void test_map_errors(void)
{
    capref_t f = kt_make(ObjType_Frame, 4096), g = kt_make(ObjType_Frame, 4096);
    errval_t e1 = kt_map_at(MAP_VA + 0x20000, f, MAP_WRITE, 1);
    errval_t e2 = kt_map_at(MAP_VA + 0x20000, g, MAP_WRITE, 1);
    report("vm.map_slot_used", err_is_ok(e1) && err_no(e2) == PAGING_ERR_SLOT_USED, "%s, %s",
           err_name(e1), err_name(e2));
    e2 = kt_map_at(MAP_VA + 0x21000, f, MAP_WRITE, 1);
    report("vm.map_cap_twice", err_no(e2) == PAGING_ERR_SLOT_USED, "%s", err_name(e2));
    e2 = invoke_vnode_map(cap_vroot, 256, g, 0, 0, 1);
    errval_t e3 =
        invoke_vnode_map(cap_vroot, 300, kt_make(ObjType_VNodePDPT, OBJSIZE_VNODE), 0, 0, 1);
    report("vm.map_kernel_half",
           err_no(e2) == PAGING_ERR_WRONG_LEVEL && err_no(e3) == PAGING_ERR_KERNEL_RANGE, "%s, %s",
           err_name(e2), err_name(e3));
    e2 = kt_map_at(MAP_VA + 0x22000, g, MAP_WRITE, 2);
    report("vm.map_frame_range", err_no(e2) == PAGING_ERR_FRAME_RANGE, "%s", err_name(e2));
    capref_t ro = kt_slot();
    err_ignore(invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(ro))),
                                 CAPADDR_L2(CAPREF_ADDR(ro)), g, CAP_RIGHT_READ, 0, 0),
               "the check that follows fails if this did");
    e2 = kt_map_at(MAP_VA + 0x23000, ro, MAP_WRITE, 1);
    e3 = kt_map_at(MAP_VA + 0x23000, ro, MAP_EXEC, 1);
    report("vm.map_rights", err_no(e2) == CAP_ERR_NO_RIGHTS && err_no(e3) == CAP_ERR_NO_RIGHTS,
           "%s, %s", err_name(e2), err_name(e3));
    e2 = invoke_vnode_map(cap_at(ROOTCN_SLOT_PAGECN, 1), 5, g, 0, 0, 1); // a frame in a PDPT
    report("vm.map_wrong_level", err_no(e2) == PAGING_ERR_WRONG_LEVEL, "%s", err_name(e2));
    err_ignore(invoke_unmap(f), "cleanup between measurements: the next map would fail and say so");
}

// ---- A page fault handled in user space ----

static struct dispatcher_frame *const self_frame = (struct dispatcher_frame *)INIT_DISPFRAME_VA;
static char exc_stack[16384] __attribute__((aligned(16)));
static capref_t fault_frame;
static uint64_t faults_seen, fault_addr_seen;

static void on_fault(uint64_t vector, uint64_t error, uint64_t addr)
{
    faults_seen++;
    fault_addr_seen = addr;
    // Map the frame where the fault happened, then retry the access.
    if (vector != 14 || err_is_fail(kt_map_at(addr & ~0xfffull, fault_frame, MAP_WRITE, 1)))
        sys_exit(99);
    self_frame->in_exception = 0;
    exc_resume(&self_frame->exc.regs);
}

void test_page_fault_handler(void)
{
    fault_frame = kt_make(ObjType_Frame, 4096);
    exception_set_handler(self_frame, on_fault, exc_stack + sizeof(exc_stack));
    volatile uint64_t *p = (volatile uint64_t *)(MAP_VA + 0x40008);
    *p = 1234; // faults: nothing is mapped here yet
    uint64_t v = *p;
    report("vm.page_fault_handled", faults_seen == 1 && fault_addr_seen == (uint64_t)p && v == 1234,
           "faults %lu at %#lx, read %lu", faults_seen, fault_addr_seen, v);
    exception_set_handler(self_frame, 0, 0);
}

static void crash_child(uint64_t arg)
{
    *(volatile uint64_t *)arg = 1; // unmapped: no handler, so the kernel stops us
    sys_exit(0);
}

void test_exception_stops(void)
{
    capref_t d = child_start(crash_child, 0x1000, cap_root, NULL);
    uint64_t status = 0;
    bool stopped = wait_stopped(d, 1000, &status);
    report("disp.exception_stops_dispatcher", stopped && status == DISP_EXIT_EXCEPTION,
           "stopped %d status %#lx", stopped, status);
}
