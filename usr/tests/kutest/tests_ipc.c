/* usr/tests/kutest/tests_ipc.c: LMP, preemption and interrupts from user mode. */
#include "kutest.h"
#include <stdio.h>

#define PING_ROUNDS 100
#define PING_BADGE  0x42

// The child's CSpace (rooted at a new L1 CNode), L2 CNode at L1 slot 0:
#define C_RECV_EP  0 // receives pings (unbadged, read right)
#define C_REPLY_EP 1 // sends pongs to the parent
#define C_ROOT     2 // its own root, for identify
#define C_RECV_CAP 3 // where the transferred cap lands

static void pong_child(uint64_t rounds)
{
    for (uint64_t i = 0; i < rounds; i++) {
        struct lmp_recv_msg m;
        capref_t slot = i == 0 ? cap_at(0, C_RECV_CAP) : NULL_CAP;
        errval_t err = lmp_recv(cap_at(0, C_RECV_EP), 0, slot, &m);
        if (err_is_fail(err))
            sys_exit(1000 + err_no(err));
        uint64_t type = 0;
        if (m.flags & LMP_RECV_CAP) {
            struct cap_info info;
            if (err_is_ok(invoke_cnode_identify(cap_at(0, C_ROOT), cap_at(0, C_RECV_CAP), &info)))
                type = info.type | info.bytes << 8;
        }
        uint64_t w[4] = {m.words[0] + 1, m.badge, m.flags, type};
        err = lmp_send(cap_at(0, C_REPLY_EP), 0, NULL_CAP, w);
        if (err_is_fail(err))
            sys_exit(2000 + err_no(err));
    }
    sys_exit(0);
}

static MUST_CHECK errval_t copy_into(capref_t l2, uint32_t slot, capref_t src, uint8_t rights,
                                     uint64_t badge)
{
    if (badge)
        return invoke_cnode_mint(cap_root, l2, slot, src, rights, badge, 0);
    return invoke_cnode_copy(cap_root, l2, slot, src, rights);
}

void test_lmp(void)
{
    capref_t ping = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t pong = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t l2, root = cspace_new(&l2);
    errval_t err = copy_into(l2, C_RECV_EP, ping, CAP_RIGHT_READ, 0);
    if (err_is_ok(err))
        err = copy_into(l2, C_REPLY_EP, pong, CAP_RIGHT_WRITE, 0);
    if (err_is_ok(err))
        err = copy_into(l2, C_ROOT, root, CAP_RIGHTS_ALL, 0);
    // Our sending cap to the child is minted with a badge the child sees.
    capref_t ping_badged = kt_slot();
    if (err_is_ok(err))
        err = invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(ping_badged))),
                                CAPADDR_L2(CAPREF_ADDR(ping_badged)), ping,
                                CAP_RIGHT_WRITE | CAP_RIGHT_GRANT, PING_BADGE, 0);
    report("lmp.setup", err_is_ok(err), "%s", err_name(err));
    capref_t child = child_start(pong_child, PING_ROUNDS, root, NULL);

    capref_t gift = kt_make(ObjType_Frame, 2 * 4096);
    unsigned good = 0;
    struct lmp_recv_msg m = {0};
    for (unsigned i = 0; i < PING_ROUNDS; i++) {
        uint64_t w[4] = {i * 10, 0, 0, 0};
        uint32_t flags = i == 0 ? LMP_FLAG_SEND_CAP : 0;
        err = lmp_call(ping_badged, flags, gift, w, pong, NULL_CAP, &m);
        if (err_is_fail(err) || m.words[0] != i * 10 + 1 || m.words[1] != PING_BADGE)
            break;
        if (i == 0 &&
            (m.words[2] != LMP_RECV_CAP || m.words[3] != (ObjType_Frame | (2ull * 4096) << 8)))
            break;
        good++;
    }
    report("lmp.call_pingpong", good == PING_ROUNDS,
           "round %u: %s, reply %lu badge %#lx flags %#lx", good, err_name(err), m.words[0],
           m.words[1], m.words[2]);
    report("lmp.badge_and_cap_transfer", good > 0, "first round failed");
    uint64_t status = 1;
    bool stopped = wait_stopped(child, 1000, &status);
    report("lmp.child_exit", stopped && status == 0, "stopped %d status %lu", stopped, status);
}

void test_lmp_nonblock(void)
{
    capref_t ep = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    struct lmp_recv_msg m;
    uint64_t w[4] = {1, 2, 3, 4};
    errval_t e1 = lmp_recv(ep, LMP_FLAG_NONBLOCK, NULL_CAP, &m);
    errval_t e2 = lmp_send(ep, LMP_FLAG_NONBLOCK, NULL_CAP, w);
    report("lmp.nonblocking",
           err_no(e1) == LMP_ERR_NO_MESSAGE && err_no(e2) == LMP_ERR_NOT_LISTENING,
           "recv %s, send %s", err_name(e1), err_name(e2));
    capref_t nogrant = kt_slot();
    errval_t e3 = invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(nogrant))),
                                    CAPADDR_L2(CAPREF_ADDR(nogrant)), ep, CAP_RIGHT_WRITE, 9, 0);
    if (err_is_ok(e3))
        e3 = lmp_send(nogrant, LMP_FLAG_SEND_CAP | LMP_FLAG_NONBLOCK, cap_selfep, w);
    report("lmp.send_cap_needs_grant", err_no(e3) == CAP_ERR_NO_RIGHTS, "%s", err_name(e3));
    errval_t e5 = lmp_recv(nogrant, LMP_FLAG_NONBLOCK, NULL_CAP, &m);
    report("lmp.recv_needs_read", err_no(e5) == CAP_ERR_NO_RIGHTS, "%s", err_name(e5));
    errval_t e4 = lmp_send(cap_kernel, 0, NULL_CAP, w);
    report("lmp.send_wrong_type", err_no(e4) == CAP_ERR_WRONG_TYPE, "%s", err_name(e4));
}

// ---- Preemption: two children that never yield both make progress ----

static volatile uint64_t spin_count[2];

static void spinner(uint64_t i)
{
    for (;;)
        spin_count[i]++;
}

void test_preemption(void)
{
    capref_t a = child_start(spinner, 0, cap_root, NULL);
    capref_t b = child_start(spinner, 1, cap_root, NULL);
    uint64_t info[3];
    err_ignore(invoke_kernel_info(cap_kernel, info),
               "the figures before and after are compared: a failure shows there");
    uint64_t t0 = info[2];
    // We yield, but the spinners never do: without timer preemption the
    // first of them would keep the CPU forever.
    while (info[2] < t0 + 10) {
        sys_yield();
        err_ignore(invoke_kernel_info(cap_kernel, info),
                   "the figures before and after are compared: a failure shows there");
    }
    uint64_t c0 = spin_count[0], c1 = spin_count[1];
    err_ignore(invoke_dispatcher_stop(a), "cleanup: the test's children end with the test");
    err_ignore(invoke_dispatcher_stop(b), "cleanup: the test's children end with the test");
    report("sched.preemption", c0 > 0 && c1 > 0, "spinner counts %lu, %lu", c0, c1);
}

// ---- An interrupt delivered to user space: a self-IPI ----

#define TEST_VECTOR 77
#define IRQ_BADGE   (1ull << 5)

void test_irq(void)
{
    capref_t ep = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t badged = kt_slot();
    capref_t dest = cap_at(ROOTCN_SLOT_IRQCN, TEST_VECTOR);
    errval_t err =
        invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(badged))),
                          CAPADDR_L2(CAPREF_ADDR(badged)), ep, CAP_RIGHTS_ALL, IRQ_BADGE, 0);
    if (err_is_ok(err))
        err = invoke_irqdest_connect(dest, badged);
    errval_t again = invoke_irqdest_connect(dest, badged);
    if (err_is_ok(err))
        err = invoke_kernel_ipi(cap_kernel, 0, TEST_VECTOR);
    struct lmp_recv_msg m = {0};
    if (err_is_ok(err))
        err = lmp_recv(ep, 0, NULL_CAP, &m);
    report("irq.self_ipi_notification",
           err_is_ok(err) && (m.flags & LMP_RECV_NOTIFY) && m.badge == IRQ_BADGE,
           "%s, flags %#lx badge %#lx", err_name(err), m.flags, m.badge);
    report("irq.vector_in_use", err_no(again) == IRQ_ERR_VECTOR_USED, "%s", err_name(again));
    err = invoke_irqdest_disconnect(dest);
    errval_t e2 = invoke_irqdest_disconnect(dest);
    report("irq.disconnect", err_is_ok(err) && err_no(e2) == IRQ_ERR_NOT_BOUND, "%s, %s",
           err_name(err), err_name(e2));
}

// ---- An IOAPIC interrupt: the COM1 receive interrupt (ISA IRQ 4) ----

#define COM1         0x3f8
#define SERIAL_GSI   4 // ISA IRQ 4; no override on q35 (the MADT's are 0, 5, 9, 10, 11)
#define SERIAL_VEC   60
#define SERIAL_BADGE (1ull << 7)

void test_irq_serial(void)
{
    capref_t ep = kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT);
    capref_t badged = kt_slot();
    capref_t src = cap_at(ROOTCN_SLOT_IRQCN, SERIAL_GSI);
    capref_t dest = cap_at(ROOTCN_SLOT_IRQCN, SERIAL_VEC);
    errval_t err =
        invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(badged))),
                          CAPADDR_L2(CAPREF_ADDR(badged)), ep, CAP_RIGHTS_ALL, SERIAL_BADGE, 0);
    if (err_is_ok(err))
        err = invoke_irqdest_connect(dest, badged);
    if (err_is_ok(err))
        err = invoke_irqsrc_route(src, dest, 0); // edge, active high
    // The UART raises IRQ 4 on received data once IER bit 0 and OUT2 are set.
    uint32_t mcr = 0;
    if (err_is_ok(err))
        err = invoke_io_in(cap_io, COM1 + 4, 1, &mcr);
    if (err_is_ok(err))
        err = invoke_io_out(cap_io, COM1 + 4, 1, mcr | 0x08);
    if (err_is_ok(err))
        err = invoke_io_out(cap_io, COM1 + 1, 1, 0x01);
    printf("kutest: waiting for a key on COM1\n");
    struct lmp_recv_msg m = {0};
    uint32_t c = 0;
    if (err_is_ok(err))
        err = lmp_recv(ep, 0, NULL_CAP, &m);
    if (err_is_ok(err))
        err = invoke_io_in(cap_io, COM1, 1, &c); // reading the byte clears the interrupt
    err_ignore(invoke_io_out(cap_io, COM1 + 1, 1, 0),
               "writes to the test device's port: the check reads it back");
    err_ignore(invoke_io_out(cap_io, COM1 + 4, 1, mcr),
               "writes to the test device's port: the check reads it back");
    err_ignore(invoke_irqsrc_ack(src),
               "cleanup: an unacknowledged source stays masked, harmless here");
    err_ignore(invoke_cnode_delete(cap_root, badged),
               "cleanup of a scratch slot: an empty slot is fine");
    report("irq.ioapic_serial",
           err_is_ok(err) && (m.flags & LMP_RECV_NOTIFY) && m.badge == SERIAL_BADGE && c == 'k',
           "%s, flags %#lx badge %#lx byte %#x", err_name(err), m.flags, m.badge, c);
}
