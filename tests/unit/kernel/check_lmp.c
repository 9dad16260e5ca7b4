/* tests/unit/kernel/check_lmp.c: dispatchers, scheduling, system calls and LMP on the host. */
#include "fake_dispatch.h"
#include <check.h>
#include <console.h>
#include <string.h>
#include <unit.h>

// World layout used here: dispatchers in (1, i); endpoints in (0, 10+);
// receive slots in (0, 100+).
static uint64_t ref(uint32_t l1, uint32_t l2) { return CAPREF(CAPADDR(l1, l2), CAP_LEVEL_L2); }

static struct dcb *a, *b, *c;

static void setup(void)
{
    fake_dispatch_reset();
    a = new_dispatcher(0);
    b = new_dispatcher(1);
    c = new_dispatcher(2);
    world_new(world_slot(0, 10), ObjType_Endpoint, ENDPOINT_SIZE);
    world_new(world_slot(0, 11), ObjType_Endpoint, ENDPOINT_SIZE);
}

static void send(struct dcb *d, uint64_t ep, uint64_t flags, uint64_t cap, uint64_t w0)
{
    uint64_t args[] = {ep, flags, cap, w0, w0 + 1, w0 + 2, w0 + 3};
    do_syscall(d, SYS_SEND, args, 7);
}

static void recv(struct dcb *d, uint64_t ep, uint64_t flags, uint64_t slot)
{
    uint64_t args[] = {ep, flags, slot};
    do_syscall(d, SYS_RECV, args, 3);
}

static void recv_timed(struct dcb *d, uint64_t ep, uint64_t flags, uint64_t timeout_us)
{
    uint64_t args[] = {ep, flags | LMP_FLAG_TIMEOUT, 0, timeout_us};
    do_syscall(d, SYS_RECV, args, 4);
}

// ---- Scheduling ----

START_TEST(test_round_robin)
{
    sched_make_ready(a);
    sched_make_ready(b);
    sched_make_ready(c);
    sched_make_ready(b); // already queued: no change
    ck_assert_ptr_eq(sched_next(), a);
    sched.current = a;
    sched_rotate();
    sched.current = NULL;
    ck_assert_ptr_eq(sched_next(), b);
    sched_remove(b);
    ck_assert_ptr_eq(sched_next(), c);
    sched_remove(c);
    sched_remove(a);
    ck_assert_ptr_null(sched_next());
    sched_remove(a); // not queued: harmless
}
END_TEST

START_TEST(test_kernel_exit_picks_and_idles)
{
    ck_assert_ptr_null(run_kernel_exit());
    sched_make_ready(b);
    ck_assert_ptr_eq(run_kernel_exit(), b);
    ck_assert_ptr_eq(sched.current, b);
    // A dispatcher whose VSpace cap was revoked away is stopped, not run.
    sched.current = NULL;
    ck_assert_uint_eq(caps_delete(&b->vspace), SYS_ERR_OK);
    ck_assert_ptr_null(run_kernel_exit());
    ck_assert_uint_eq(b->state, DISP_STATE_STOPPED);
    ck_assert_ptr_nonnull(strstr(fd.console, "stopped"));
}
END_TEST

// ---- Dispatcher invocations ----

static MUST_CHECK errval_t disp_invoke(uint32_t i, uint32_t cmd)
{
    struct invocation inv = {.root = w.root, .target = world_slot(1, i), .cmd = cmd};
    return invocation_dispatch(&inv);
}

START_TEST(test_dispatcher_lifecycle)
{
    world_new(world_slot(1, 9), ObjType_Dispatcher, DISPATCHER_SIZE);
    ck_assert_uint_eq(disp_invoke(9, DispatcherCmd_Run), DISP_ERR_NOT_SETUP);
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Run), SYS_ERR_OK);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Run), DISP_ERR_ALREADY_RUNNING);
    struct invocation inv = {.root = w.root, .target = world_slot(1, 0), .cmd = DispatcherCmd_Info};
    ck_assert_uint_eq(invocation_dispatch(&inv), SYS_ERR_OK);
    ck_assert_uint_eq(inv.ret[0], DISP_STATE_READY);
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Stop), SYS_ERR_OK);
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Stop), DISP_ERR_STOPPED);
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Run), DISP_ERR_STOPPED);
    ck_assert_uint_eq(a->exit_status, DISP_EXIT_KILLED);
    ck_assert_uint_eq(disp_invoke(0, 42), SYS_ERR_ILLEGAL_INVOCATION);
}
END_TEST

START_TEST(test_dispatcher_setup_errors)
{
    world_new(world_slot(1, 9), ObjType_Dispatcher, DISPATCHER_SIZE);
    struct invocation inv = {
        .root = w.root, .target = world_slot(1, 9), .cmd = DispatcherCmd_Setup};
    ck_assert_uint_eq(caps_copy(world_slot(0, 250), &w.boot[2], CAP_RIGHTS_ALL), SYS_ERR_OK);
    uint64_t good[] = {ref(0, 250), ref(1, 100), ref(1, 200), 0x401000, 0x7ff000, 0};
    struct {
        unsigned arg;
        uint64_t value;
        errval_t want;
    } cases[] = {
        {0, ref(1, 100), CAP_ERR_WRONG_TYPE}, // a PML4 as the CSpace
        {1, ref(0, 250), CAP_ERR_WRONG_TYPE}, // an L1 CNode as the VSpace
        {2, ref(1, 150), CAP_ERR_SLOT_EMPTY}, // no frame
        {3, 0xffffffff80000000ull, PAGING_ERR_KERNEL_RANGE},
        {4, 4, PAGING_ERR_KERNEL_RANGE}, // stack below its own frame
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(inv.arg, good, sizeof(good));
        inv.arg[cases[i].arg] = cases[i].value;
        ck_assert_msg(err_no(invocation_dispatch(&inv)) == err_no(cases[i].want), "case %u", i);
    }
    // A read-only frame cannot be the dispatcher frame.
    ck_assert_uint_eq(caps_mint(world_slot(1, 150), world_slot(1, 200), CAP_RIGHT_READ, 0, 0),
                      SYS_ERR_OK);
    memcpy(inv.arg, good, sizeof(good));
    inv.arg[2] = ref(1, 150);
    ck_assert_uint_eq(invocation_dispatch(&inv), DISP_ERR_BAD_FRAME);
    // No write right on the dispatcher cap.
    ck_assert_uint_eq(caps_mint(world_slot(1, 151), world_slot(1, 9), CAP_RIGHT_READ, 0, 0),
                      SYS_ERR_OK);
    inv.target = world_slot(1, 151);
    memcpy(inv.arg, good, sizeof(good));
    ck_assert_uint_eq(invocation_dispatch(&inv), CAP_ERR_NO_RIGHTS);
    inv.target = world_slot(1, 9);
    ck_assert_uint_eq(invocation_dispatch(&inv), SYS_ERR_OK);
    ck_assert_uint_eq(invocation_dispatch(&inv), DISP_ERR_ALREADY_RUNNING);
}
END_TEST

// ---- System calls ----

START_TEST(test_syscall_errors_and_print)
{
    do_syscall(a, 999, NULL, 0);
    ck_assert_uint_eq(result_err(a), SYS_ERR_ILLEGAL_SYSCALL);
    uint64_t args[] = {0x1000, 5};
    do_syscall(a, SYS_PRINT, args, 2);
    ck_assert_uint_eq(result_err(a), SYS_ERR_BAD_USER_POINTER);
    fd.user_readable = true;
    do_syscall(a, SYS_PRINT, args, 2);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_str_eq(fd.console, "uuuuu");
    ck_assert_uint_eq(fd.console_flags, 0);
    uint64_t edit[] = {0x1000, 2, SYS_PRINT_EDIT}, unknown[] = {0x1000, 2, 2};
    do_syscall(a, SYS_PRINT, edit, 3);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_str_eq(fd.console, "uuuuuuu");
    ck_assert_uint_eq(fd.console_flags, CONSOLE_EDIT);
    do_syscall(a, SYS_PRINT, unknown, 3);
    ck_assert_uint_eq(result_err(a), SYS_ERR_INVALID_ARGS);
    ck_assert_str_eq(fd.console, "uuuuuuu");
    uint64_t bad[][2] = {{0x1000, 1 << 20}, {0xffffffff80000000ull, 4}, {UINT64_MAX - 2, 8}};
    for (unsigned i = 0; i < 3; i++) {
        do_syscall(a, SYS_PRINT, bad[i], 2);
        ck_assert_uint_eq(result_err(a), SYS_ERR_INVALID_ARGS);
    }
    uint64_t inv[] = {ref(0, 99), 0};
    do_syscall(a, SYS_INVOKE, inv, 2);
    ck_assert_uint_eq(result_err(a), CAP_ERR_SLOT_EMPTY);
    uint64_t status[] = {7};
    do_syscall(a, SYS_EXIT, status, 1);
    ck_assert_uint_eq(a->state, DISP_STATE_STOPPED);
    ck_assert_uint_eq(a->exit_status, 7);
    ck_assert_ptr_null(sched.current);
}
END_TEST

START_TEST(test_invoke_identify_through_syscall)
{
    ck_assert_uint_eq(caps_copy(world_slot(0, 250), &w.boot[2], CAP_RIGHTS_ALL), SYS_ERR_OK);
    uint64_t args[] = {ref(0, 250), CNodeCmd_Identify, ref(0, 10)};
    do_syscall(a, SYS_INVOKE, args, 3);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(a, 0) & 0xff, ObjType_Endpoint);
}
END_TEST

START_TEST(test_yield)
{
    sched_make_ready(a);
    sched_make_ready(b);
    do_syscall(a, SYS_YIELD, NULL, 0);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_ptr_eq(sched_next(), b);
}
END_TEST

// ---- LMP ----

START_TEST(test_recv_blocks_then_send_delivers)
{
    sched_make_ready(a);
    sched_make_ready(b);
    recv(b, ref(0, 10), 0, 0);
    ck_assert_uint_eq(b->state, DISP_STATE_BLOCKED);
    ck_assert_ptr_null(b->next); // off the run queue
    ck_assert_uint_eq(caps_mint(world_slot(0, 12), world_slot(0, 10), CAP_RIGHTS_ALL, 0x77, 0),
                      SYS_ERR_OK);
    send(a, ref(0, 12), LMP_FLAG_YIELD, 0, 100);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(b->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_err(b), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(b, 0), 0x77); // the badge
    ck_assert_uint_eq(result_word(b, 1), 100);
    ck_assert_uint_eq(result_word(b, 4), 103);
    ck_assert_uint_eq(result_word(b, 5), 0); // no flags
    ck_assert_ptr_eq(sched.current, b);      // directed yield
}
END_TEST

START_TEST(test_send_blocks_then_recv_takes)
{
    sched_make_ready(a);
    sched_make_ready(b);
    send(a, ref(0, 10), 0, 0, 5);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    send(c, ref(0, 10), 0, 0, 50); // a second sender queues behind
    recv(b, ref(0, 10), 0, 0);
    ck_assert_uint_eq(result_word(b, 1), 5);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    recv(b, ref(0, 10), 0, 0);
    ck_assert_uint_eq(result_word(b, 1), 50);
}
END_TEST

START_TEST(test_nonblocking_and_rights)
{
    recv(a, ref(0, 10), LMP_FLAG_NONBLOCK, 0);
    ck_assert_uint_eq(result_err(a), LMP_ERR_NO_MESSAGE);
    send(a, ref(0, 10), LMP_FLAG_NONBLOCK, 0, 1);
    ck_assert_uint_eq(result_err(a), LMP_ERR_NOT_LISTENING);
    send(a, ref(0, 10), 1u << 7, 0, 1);
    ck_assert_uint_eq(result_err(a), SYS_ERR_INVALID_ARGS);
    recv(a, ref(0, 10), 1u << 7, 0);
    ck_assert_uint_eq(result_err(a), SYS_ERR_INVALID_ARGS);
    ck_assert_uint_eq(caps_mint(world_slot(0, 12), world_slot(0, 10), CAP_RIGHT_READ, 3, 0),
                      SYS_ERR_OK);
    send(a, ref(0, 12), LMP_FLAG_NONBLOCK, 0, 1);
    ck_assert_uint_eq(result_err(a), CAP_ERR_NO_RIGHTS);
    ck_assert_uint_eq(caps_mint(world_slot(0, 13), world_slot(0, 10), CAP_RIGHT_WRITE, 4, 0),
                      SYS_ERR_OK);
    recv(a, ref(0, 13), LMP_FLAG_NONBLOCK, 0);
    ck_assert_uint_eq(result_err(a), CAP_ERR_NO_RIGHTS);
    send(a, ref(0, 13), LMP_FLAG_SEND_CAP | LMP_FLAG_NONBLOCK, ref(0, 10), 1);
    ck_assert_uint_eq(result_err(a), CAP_ERR_NO_RIGHTS); // no grant
    send(a, ref(1, 200), 0, 0, 1);
    ck_assert_uint_eq(result_err(a), CAP_ERR_WRONG_TYPE);
    send(a, ref(0, 90), 0, 0, 1);
    ck_assert_uint_eq(result_err(a), CAP_ERR_SLOT_EMPTY);
}
END_TEST

START_TEST(test_cap_transfer)
{
    world_new(world_slot(0, 20), ObjType_Frame, 2 * BASE_PAGE_SIZE);
    recv(b, ref(0, 10), 0, ref(0, 100));
    send(a, ref(0, 10), LMP_FLAG_SEND_CAP, ref(0, 20), 1);
    ck_assert_uint_eq(result_word(b, 5), LMP_RECV_CAP);
    struct cte *got = world_slot(0, 100);
    ck_assert_uint_eq(got->cap.type, ObjType_Frame);
    ck_assert_uint_eq(got->cap.u.mem.bytes, 2 * BASE_PAGE_SIZE);
    ck_assert(mdb_has_copies(world_slot(0, 20)));
    // It arrives with every right but OWNER: the receiver's revoke spares
    // the sender's copy.
    ck_assert_uint_eq(got->cap.rights, CAP_RIGHTS_ALL & ~CAP_RIGHT_OWNER);
    ck_assert_uint_eq(caps_revoke(got), SYS_ERR_OK);
    ck_assert_uint_eq(world_slot(0, 20)->cap.type, ObjType_Frame);
    // An occupied receive slot, or none at all: the message arrives, the cap is lost.
    recv(b, ref(0, 10), 0, ref(0, 100));
    send(a, ref(0, 10), LMP_FLAG_SEND_CAP, ref(0, 20), 2);
    ck_assert_uint_eq(result_word(b, 1), 2);
    ck_assert_uint_eq(result_word(b, 5), LMP_RECV_CAP_LOST);
    recv(b, ref(0, 10), 0, 0);
    send(a, ref(0, 10), LMP_FLAG_SEND_CAP, ref(0, 21), 3); // sender's slot empty
    ck_assert_uint_eq(result_word(b, 5), LMP_RECV_CAP_LOST);
}
END_TEST

START_TEST(test_call_and_reply)
{
    sched_make_ready(a);
    sched_make_ready(b);
    recv(b, ref(0, 10), 0, 0);
    uint64_t args[] = {ref(0, 10), 0, 0, 9, 0, 0, 0, ref(0, 11), 0};
    do_syscall(a, SYS_CALL, args, 9);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED); // waiting for the reply
    ck_assert_ptr_eq(sched.current, b);              // the server runs at once
    ck_assert_uint_eq(result_word(b, 1), 9);
    send(b, ref(0, 11), 0, 0, 10);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_word(a, 1), 10);
    // A call whose send must wait: the server is not receiving yet.
    do_syscall(a, SYS_CALL, args, 9);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    recv(b, ref(0, 10), 0, 0); // takes the message; a moves on to the reply
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    ck_assert_ptr_eq(a->blocked_on, endpoint_of(&world_slot(0, 11)->cap));
    send(b, ref(0, 11), 0, 0, 11);
    ck_assert_uint_eq(result_word(a, 1), 11);
    // A call with a bad reply endpoint fails once the message is taken.
    uint64_t bad[] = {ref(0, 10), 0, 0, 9, 0, 0, 0, ref(1, 200), 0};
    recv(b, ref(0, 10), 0, 0);
    do_syscall(a, SYS_CALL, bad, 9);
    ck_assert_uint_eq(result_err(a), CAP_ERR_WRONG_TYPE);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
}
END_TEST

START_TEST(test_notifications)
{
    struct endpoint *ep = endpoint_of(&world_slot(0, 10)->cap);
    lmp_notify(ep, 1u << 2);
    lmp_notify(ep, 1u << 5);
    recv(a, ref(0, 10), 0, 0);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(a, 0), (1u << 2) | (1u << 5));
    ck_assert_uint_eq(result_word(a, 5), LMP_RECV_NOTIFY);
    recv(a, ref(0, 10), 0, 0); // blocks; the next notification wakes it
    lmp_notify(ep, 1u << 9);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_word(a, 0), 1u << 9);
}
END_TEST

// A user notification (LMP_FLAG_NOTIFY): the sender's badge is OR-ed in,
// nothing blocks, no cap goes along, and a call cannot be one.
START_TEST(test_user_notifications)
{
    ck_assert_uint_eq(caps_mint(world_slot(0, 12), world_slot(0, 10), CAP_RIGHTS_ALL, 1u << 3, 0),
                      SYS_ERR_OK);
    send(b, ref(0, 12), LMP_FLAG_NOTIFY, 0, 77); // no receiver: pending, b goes on
    ck_assert_uint_eq(result_err(b), SYS_ERR_OK);
    ck_assert_uint_ne(b->state, DISP_STATE_BLOCKED);
    send(b, ref(0, 12), LMP_FLAG_NOTIFY | LMP_FLAG_NONBLOCK, 0, 0); // again: still one bit
    recv(a, ref(0, 10), 0, 0);
    ck_assert_uint_eq(result_word(a, 0), 1u << 3);
    ck_assert_uint_eq(result_word(a, 5), LMP_RECV_NOTIFY);
    recv(a, ref(0, 10), 0, 0); // blocks; the next one wakes it
    send(b, ref(0, 12), LMP_FLAG_NOTIFY, 0, 0);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_word(a, 0), 1u << 3);
    send(b, ref(0, 12), LMP_FLAG_NOTIFY | LMP_FLAG_SEND_CAP, ref(0, 11), 0);
    ck_assert_uint_eq(result_err(b), SYS_ERR_INVALID_ARGS);
    uint64_t call[] = {ref(0, 12), LMP_FLAG_NOTIFY, 0, 0, 0, 0, 0, ref(0, 11), 0};
    do_syscall(b, SYS_CALL, call, 9);
    ck_assert_uint_eq(result_err(b), SYS_ERR_INVALID_ARGS);
}
END_TEST

START_TEST(test_endpoint_deleted_wakes_waiters)
{
    recv(a, ref(0, 10), 0, 0);
    send(b, ref(0, 11), 0, 0, 1);
    ck_assert_uint_eq(caps_delete(world_slot(0, 10)), SYS_ERR_OK);
    ck_assert_uint_eq(caps_delete(world_slot(0, 11)), SYS_ERR_OK);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_err(a), LMP_ERR_ENDPOINT_DELETED);
    ck_assert_uint_eq(result_err(b), LMP_ERR_ENDPOINT_DELETED);
}
END_TEST

START_TEST(test_dispatcher_deleted_while_blocked)
{
    recv(a, ref(0, 10), 0, 0);
    recv(b, ref(0, 10), 0, 0);
    ck_assert_uint_eq(caps_delete(world_slot(1, 0)), SYS_ERR_OK); // a's last cap
    ck_assert_uint_eq(a->state, DISP_STATE_STOPPED);
    // a left the queue: a send reaches b.
    send(c, ref(0, 10), LMP_FLAG_NONBLOCK, 0, 4);
    ck_assert_uint_eq(result_err(c), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(b, 1), 4);
    // Its own slots are released once the core is done (kernel exit).
    ck_assert_uint_eq(a->cspace.cap.type, ObjType_L1CNode);
    dispatcher_cleanup_pending();
    ck_assert_uint_eq(a->cspace.cap.type, ObjType_Null);
    ck_assert_uint_eq(a->vspace.cap.type, ObjType_Null);
    ck_assert_uint_eq(a->dispframe.cap.type, ObjType_Null);
}
END_TEST

START_TEST(test_notify_exit)
{
    ck_assert_uint_eq(caps_mint(world_slot(0, 12), world_slot(0, 10), CAP_RIGHTS_ALL, 1u << 4, 0),
                      SYS_ERR_OK);
    struct invocation inv = {
        .root = w.root, .target = world_slot(1, 0), .cmd = DispatcherCmd_NotifyExit};
    inv.arg[0] = ref(1, 200); // a frame, not an endpoint
    ck_assert_uint_eq(invocation_dispatch(&inv), CAP_ERR_WRONG_TYPE);
    inv.arg[0] = ref(0, 12);
    ck_assert_uint_eq(invocation_dispatch(&inv), SYS_ERR_OK);
    recv(b, ref(0, 10), 0, 0); // b waits on the endpoint
    uint64_t status[] = {3};
    do_syscall(a, SYS_EXIT, status, 1);
    ck_assert_uint_eq(b->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_word(b, 0), 1u << 4);
    ck_assert_uint_eq(result_word(b, 5), LMP_RECV_NOTIFY);
    // Stopping a stopped dispatcher again notifies no one.
    ck_assert_uint_eq(disp_invoke(0, DispatcherCmd_Stop), DISP_ERR_STOPPED);
    recv(b, ref(0, 10), LMP_FLAG_NONBLOCK, 0);
    ck_assert_uint_eq(result_err(b), LMP_ERR_NO_MESSAGE);
    // Its copy of the endpoint cap goes with the rest of its slots.
    ck_assert_uint_eq(caps_delete(world_slot(1, 0)), SYS_ERR_OK);
    dispatcher_cleanup_pending();
    ck_assert_uint_eq(a->exit_ep.cap.type, ObjType_Null);
}
END_TEST

// ---- Timed receives ----

// 25 ms at the fake's 100 Hz is 3 ticks: nothing before the third, then
// SYS_ERR_TIMEOUT, and the receiver has left the endpoint's queue.
START_TEST(test_timed_recv_expires)
{
    fake.ticks = 10;
    recv_timed(a, ref(0, 10), 0, 25000);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(12);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(13);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    ck_assert_uint_eq(result_err(a), SYS_ERR_TIMEOUT);
    send(b, ref(0, 10), LMP_FLAG_NONBLOCK, 0, 1);
    ck_assert_uint_eq(result_err(b), LMP_ERR_NOT_LISTENING);
    // Less than a tick is one tick.
    recv_timed(c, ref(0, 10), 0, 1);
    lmp_timer_expire(10);
    ck_assert_uint_eq(c->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(11);
    ck_assert_uint_eq(result_err(c), SYS_ERR_TIMEOUT);
    // The longest timeout does not wrap around to a short one.
    recv_timed(c, ref(0, 10), 0, UINT64_MAX);
    lmp_timer_expire(1000000000);
    ck_assert_uint_eq(c->state, DISP_STATE_BLOCKED);
}
END_TEST

// A message before the time wins, and the timer forgets the wait: a later
// expiry changes nothing, and a receive without a timeout stays blocked.
START_TEST(test_timed_recv_message_first)
{
    recv_timed(a, ref(0, 10), 0, 50000);
    recv_timed(b, ref(0, 11), 0, 20000);
    send(c, ref(0, 10), LMP_FLAG_NONBLOCK, 0, 7);
    ck_assert_uint_eq(result_err(c), SYS_ERR_OK);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(a, 1), 7);
    lmp_timer_expire(1);
    ck_assert_uint_eq(b->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(2); // b's, not a's
    ck_assert_uint_eq(result_err(b), SYS_ERR_TIMEOUT);
    ck_assert_uint_eq(result_word(a, 1), 7);
    recv(a, ref(0, 10), 0, 0);
    lmp_timer_expire(1000);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_notify(endpoint_of(&world_slot(0, 10)->cap), 4);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(a, 0), 4);
}
END_TEST

START_TEST(test_timed_recv_errors_and_stop)
{
    recv_timed(a, ref(0, 10), 0, 0);
    ck_assert_uint_eq(result_err(a), SYS_ERR_INVALID_ARGS);
    recv_timed(a, ref(0, 10), LMP_FLAG_NONBLOCK, 1000); // nothing there: at once
    ck_assert_uint_eq(result_err(a), LMP_ERR_NO_MESSAGE);
    lmp_timer_expire(1000);
    ck_assert_uint_eq(result_err(a), LMP_ERR_NO_MESSAGE);
    // A dispatcher deleted while it waits leaves the timer too.
    recv_timed(b, ref(0, 10), 0, 10000);
    ck_assert_uint_eq(caps_delete(world_slot(1, 1)), SYS_ERR_OK);
    ck_assert_uint_eq(b->state, DISP_STATE_STOPPED);
    lmp_timer_expire(2000);
    ck_assert_uint_eq(b->state, DISP_STATE_STOPPED);
    // An endpoint deleted under a timed wait ends it with its own error.
    recv_timed(c, ref(0, 11), 0, 10000);
    ck_assert_uint_eq(caps_delete(world_slot(0, 11)), SYS_ERR_OK);
    ck_assert_uint_eq(result_err(c), LMP_ERR_ENDPOINT_DELETED);
    lmp_timer_expire(5000);
    ck_assert_uint_eq(result_err(c), LMP_ERR_ENDPOINT_DELETED);
}
END_TEST

// A call's time limit covers both its waits: queued to send (the server is
// not receiving) and, after the server took the message, the reply. When
// it ends, the caller has left the queue: the server's later receive and
// non-blocking reply find no one.
START_TEST(test_timed_call)
{
    uint64_t args[] = {ref(0, 10), LMP_FLAG_TIMEOUT, 0, 9, 0, 0, 0, ref(0, 11), 0, 25000};
    fake.ticks = 10;
    do_syscall(a, SYS_CALL, args, 10);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(13);
    ck_assert_uint_eq(result_err(a), SYS_ERR_TIMEOUT);
    ck_assert_uint_eq(a->state, DISP_STATE_READY);
    recv(b, ref(0, 10), LMP_FLAG_NONBLOCK, 0);
    ck_assert_uint_eq(result_err(b), LMP_ERR_NO_MESSAGE); // the message went with it
    // Taken by the server, then no reply in time.
    recv(b, ref(0, 10), 0, 0);
    do_syscall(a, SYS_CALL, args, 10);
    ck_assert_uint_eq(result_word(b, 1), 9);
    ck_assert_ptr_eq(a->blocked_on, endpoint_of(&world_slot(0, 11)->cap));
    lmp_timer_expire(12);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_timer_expire(13);
    ck_assert_uint_eq(result_err(a), SYS_ERR_TIMEOUT);
    send(b, ref(0, 11), LMP_FLAG_NONBLOCK, 0, 10); // the late reply
    ck_assert_uint_eq(result_err(b), LMP_ERR_NOT_LISTENING);
    // A reply in time wins, and the timer forgets the call.
    recv(b, ref(0, 10), 0, 0);
    do_syscall(a, SYS_CALL, args, 10);
    send(b, ref(0, 11), 0, 0, 11);
    ck_assert_uint_eq(result_err(a), SYS_ERR_OK);
    ck_assert_uint_eq(result_word(a, 1), 11);
    recv(a, ref(0, 10), 0, 0); // a waits with no limit now
    lmp_timer_expire(1000);
    ck_assert_uint_eq(a->state, DISP_STATE_BLOCKED);
    lmp_unblock(a);
    // A zero timeout is refused; so is the flag on a plain send.
    args[9] = 0;
    do_syscall(c, SYS_CALL, args, 10);
    ck_assert_uint_eq(result_err(c), SYS_ERR_INVALID_ARGS);
    send(c, ref(0, 10), LMP_FLAG_TIMEOUT | LMP_FLAG_NONBLOCK, 0, 1);
    ck_assert_uint_eq(result_err(c), SYS_ERR_INVALID_ARGS);
}
END_TEST

static Suite *lmp_suite(void)
{
    Suite *s = suite_create("lmp");
    TCase *tc = tcase_create("lmp");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_round_robin);
    tcase_add_test(tc, test_kernel_exit_picks_and_idles);
    tcase_add_test(tc, test_dispatcher_lifecycle);
    tcase_add_test(tc, test_dispatcher_setup_errors);
    tcase_add_test(tc, test_syscall_errors_and_print);
    tcase_add_test(tc, test_invoke_identify_through_syscall);
    tcase_add_test(tc, test_yield);
    tcase_add_test(tc, test_recv_blocks_then_send_delivers);
    tcase_add_test(tc, test_send_blocks_then_recv_takes);
    tcase_add_test(tc, test_nonblocking_and_rights);
    tcase_add_test(tc, test_cap_transfer);
    tcase_add_test(tc, test_call_and_reply);
    tcase_add_test(tc, test_notifications);
    tcase_add_test(tc, test_user_notifications);
    tcase_add_test(tc, test_endpoint_deleted_wakes_waiters);
    tcase_add_test(tc, test_dispatcher_deleted_while_blocked);
    tcase_add_test(tc, test_notify_exit);
    tcase_add_test(tc, test_timed_recv_expires);
    tcase_add_test(tc, test_timed_recv_message_first);
    tcase_add_test(tc, test_timed_recv_errors_and_stop);
    tcase_add_test(tc, test_timed_call);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(lmp_suite)
