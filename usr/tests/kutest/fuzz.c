/*
 * usr/tests/kutest/fuzz.c: random arguments to every system call and
 * invocation, from dispatchers that may destroy themselves; the kernel must
 * keep running.
 *
 * Each generation is a fuzzer dispatcher in our address space (it holds no
 * VNode of ours, and no system call writes user memory, so it cannot
 * corrupt us) with its own small CSpace: a copy of its root, a RAM region
 * to retype, an endpoint, a frame, an IRQDest, a narrow I/O range and a
 * read-only Kernel cap. It makes calls until its budget is spent, it dies
 * (it may revoke its own root), or it blocks forever; then we reclaim all
 * of it with one revoke and start the next.
 */
#include "kutest.h"
#include <stdio.h>

#define GEN_BUDGET   10000
#define FUZZ_RAM     (256u << 10)
#define STALL_YIELDS 50

static volatile uint64_t fuzz_calls; // the fuzzer counts here, we watch

// xorshift64*: the fuzzer's only state lives on its stack.
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

// An argument: mostly plausible (small numbers, caprefs into the fuzzer's
// CSpace, types, page sizes), sometimes any 64-bit value.
static uint64_t rand_arg(uint64_t *s)
{
    uint64_t r = next_rand(s);
    switch (r % 8) {
    case 0: return next_rand(s);
    case 1: return r >> 60;
    case 2: return CAPREF(CAPADDR((r >> 8) % 3, (r >> 16) % 16), CAP_LEVEL_L2);
    case 3: return CAPREF((r >> 8) % 4, (r >> 16) % 4);
    case 4: return (r >> 8) % ObjType_Num;
    case 5: return ((r >> 8) % 64) * 4096;
    case 6: return (r >> 8) % 600;
    default: return (r >> 8) & 0xffff;
    }
}

static void fuzzer(uint64_t seed)
{
    uint64_t s = seed | 1;
    for (unsigned i = 0; i < GEN_BUDGET; i++) {
        uint64_t r = next_rand(&s);
        uint64_t num = r % 16 < 14 ? r % 7 : next_rand(&s);
        uint64_t a[10];
        for (unsigned k = 0; k < 10; k++)
            a[k] = rand_arg(&s);
        if (num == SYS_INVOKE)
            a[1] %= 8; // commands: mostly real ones
        if (num == SYS_EXIT && r % 4096)
            continue; // exit rarely
        fuzz_calls++;
        syscall10(num, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    }
    sys_exit(0);
}

// Copy or mint src into slot i of the fuzzer's L2 CNode.
static MUST_CHECK errval_t give(capref_t l2, uint32_t i, capref_t src, uint8_t rights, uint64_t p1,
                                uint64_t p2)
{
    if (p1 || p2)
        return invoke_cnode_mint(cap_root, l2, i, src, rights, p1, p2);
    return invoke_cnode_copy(cap_root, l2, i, src, rights);
}

// One generation, everything made from pool; returns 1 if it ended
// early (died or blocked), 0 if it spent its budget, -1 on a set-up error.
// The fuzzer only gets caps whose revocation cannot hurt us: objects from
// the pool, and a narrowed I/O cap (a descendant of ours).
static int generation(uint64_t seed, capref_t pool, uint64_t pool_bytes)
{
    kt_pool(pool, pool_bytes);
    capref_t l2, root = cspace_new(&l2);
    errval_t err = give(l2, 0, root, CAP_RIGHTS_ALL, 0, 0);
    if (err_is_ok(err))
        err = give(l2, 1, kt_make(ObjType_RAM, FUZZ_RAM), CAP_RIGHTS_ALL, 0, 0);
    if (err_is_ok(err))
        err = give(l2, 2, kt_make(ObjType_Endpoint, OBJSIZE_ENDPOINT), CAP_RIGHTS_ALL, 0, 0);
    if (err_is_ok(err))
        err = give(l2, 3, kt_make(ObjType_Frame, 4096), CAP_RIGHTS_ALL, 0, 0);
    if (err_is_ok(err))
        err = give(l2, 4, cap_io, CAP_RIGHTS_ALL, 0x80, 0x8f); // POST/DMA page ports: harmless
    capref_t d = err_is_ok(err) ? child_start(fuzzer, seed, root, NULL) : NULL_CAP;
    kt_pool(0, 0);
    if (err_is_fail(err)) {
        printf("kutest: fuzz set-up: %s\n", err_msg(err));
        return -1;
    }
    uint64_t last = fuzz_calls, status = 0, state = 0;
    for (unsigned stall = 0; stall < STALL_YIELDS;) {
        sys_yield();
        err_ignore(invoke_dispatcher_info(d, &state, &status),
                   "polling: the next round asks again");
        if (state == DISP_STATE_STOPPED)
            break;
        stall = fuzz_calls == last ? stall + 1 : 0;
        last = fuzz_calls;
    }
    int ended_early = !(state == DISP_STATE_STOPPED && status == 0);
    // Reclaim the generation whole: dispatcher, CSpace, frames, all.
    err = invoke_cnode_revoke(cap_root, pool);
    if (err_is_fail(err)) {
        printf("kutest: fuzz: revoke: %s\n", err_msg(err));
        return -1;
    }
    return ended_early;
}

// Kernel and IRQDest invocations with random arguments, from us, through
// a read-only Kernel cap and an IRQDest (copies the fuzzer never gets: a
// revoke of a copy removes every copy).
static unsigned fuzz_own_caps(uint64_t seed, unsigned n)
{
    capref_t kro = kt_slot();
    err_ignore(invoke_cnode_mint(cap_root, cap_l1(CAPADDR_L1(CAPREF_ADDR(kro))),
                                 CAPADDR_L2(CAPREF_ADDR(kro)), cap_kernel, CAP_RIGHT_READ, 0, 0),
               "the check that follows fails if this did");
    capref_t targets[] = {kro, cap_at(ROOTCN_SLOT_IRQCN, 201)};
    uint64_t s = seed | 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a[6];
        for (unsigned k = 0; k < 6; k++)
            a[k] = rand_arg(&s);
        cap_invoke(targets[i % 2], (uint32_t)(next_rand(&s) % 5), a[0], a[1], a[2], a[3], a[4],
                   a[5]);
    }
    err_ignore(invoke_irqdest_disconnect(targets[1]),
               "not bound is fine: the vector is unbound either way");
    return n;
}

void test_fuzz(unsigned calls)
{
    uint64_t pool_bytes = 2u << 20;
    capref_t pool = kt_make(ObjType_RAM, pool_bytes);
    unsigned gens = 0, ended_early = 0;
    bool ok = true;
    while (fuzz_calls < calls && ok) {
        int r = generation(0x5eed + gens, pool, pool_bytes);
        gens++;
        ended_early += r == 1;
        ok = r >= 0;
    }
    unsigned own = fuzz_own_caps(0xabc, 2000);
    // The kernel still works: make and use a fresh frame, ask the kernel.
    capref_t f = kt_make(ObjType_Frame, 4096);
    struct cap_info info = {0};
    errval_t err = invoke_cnode_identify(cap_root, f, &info);
    uint64_t k[3];
    errval_t err2 = invoke_kernel_info(cap_kernel, k);
    printf("kutest: fuzz: %lu calls in %u generations (%u ended early), %u on kernel/IRQ caps\n",
           fuzz_calls, gens, ended_early, own);
    report("fuzz.syscalls", ok && fuzz_calls >= calls && err_is_ok(err) && err_is_ok(err2),
           "%lu calls, identify %s, info %s", fuzz_calls, err_name(err), err_name(err2));
}
