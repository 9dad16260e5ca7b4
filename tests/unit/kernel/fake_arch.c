/* tests/unit/kernel/fake_arch.c: fake physical memory and arch hooks for the capability core's
 * tests. */
#include "fake_arch.h"
#include <captypes.h>
#include <check.h>
#include <kcheck.h>
#include <string.h>

struct fake_arch fake;
struct world w;

static uint8_t phys[FAKE_PHYS_SIZE] __attribute__((aligned(4096)));

void *kmem_ptr(paddr_t pa)
{
    if (pa < FAKE_PHYS_BASE || pa - FAKE_PHYS_BASE >= FAKE_PHYS_SIZE)
        ck_abort_msg("kmem_ptr(%#llx) outside fake memory", (unsigned long long)pa);
    return &phys[pa - FAKE_PHYS_BASE];
}

void arch_cte_cleanup(struct cte *cte)
{
    unsigned i = fake.cleanups++;
    if (i < FAKE_LOG_MAX) {
        fake.cleaned[i] = cte;
        fake.cleaned_map[i] = cte->map;
    }
}

uint64_t arch_timer_ticks(void) { return fake.ticks; }
uint64_t arch_timer_hz(void) { return 100; }

void arch_object_destroy(const struct capability *cap)
{
    unsigned i = fake.destroys++;
    if (i < FAKE_LOG_MAX) {
        fake.destroyed[i] = *cap;
        // The last copy must be out of the database by now.
        struct cte *c = mdb_lower_bound(cap);
        fake.destroyed_in_mdb[i] = c && mdb_compare(&c->cap, cap) == 0;
        uint64_t base, size;
        cap_range(cap, &base, &size);
        fake.destroyed_overlapped[i] = mdb_find_overlap(cap, base, base + size) != NULL;
    }
    if (fake.on_destroy)
        fake.on_destroy(cap);
}

// The architecture's half of the invocation table: every command of every
// type the core does not handle is logged and answered with invoke_result.
static errval_t fake_decode(struct invocation *inv, struct inv_decoded *d)
{
    (void)d;
    fake.invokes++;
    fake.last_invoke = *inv;
    return fake.invoke_result;
}

static void fake_invoke(struct invocation *inv, const struct inv_decoded *d)
{
    (void)inv;
    (void)d;
}

#define FAKE_CMD                                                                                   \
    {                                                                                              \
        0, fake_decode, fake_invoke                                                                \
    }
static const struct inv_handler fake_row[INV_CMDS] = {FAKE_CMD, FAKE_CMD, FAKE_CMD, FAKE_CMD,
                                                      FAKE_CMD, FAKE_CMD, FAKE_CMD, FAKE_CMD};
_Static_assert(INV_CMDS == 8, "one FAKE_CMD per command");

const struct inv_handler *const arch_invocations[ObjType_Num] = {[0 ... ObjType_Num - 1] =
                                                                     fake_row};

void fake_arch_reset(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.invoke_result = SYS_ERR_ILLEGAL_INVOCATION;
    memset(phys, 0xa5, sizeof(phys));
    mdb_init();
}

bool fake_mem_is(paddr_t pa, uint64_t len, uint8_t b)
{
    const uint8_t *p = kmem_ptr(pa);
    for (uint64_t i = 0; i < len; i++) {
        if (p[i] != b)
            return false;
    }
    return true;
}

paddr_t world_alloc(uint64_t size, uint64_t align)
{
    paddr_t pa = (w.ram_next + align - 1) & ~(align - 1);
    ck_assert_uint_le(pa + size, FAKE_PHYS_BASE + FAKE_PHYS_SIZE);
    w.ram_next = pa + size;
    return pa;
}

void world_new(struct cte *dest, enum objtype type, uint64_t objsize)
{
    uint64_t align = objsize < BASE_PAGE_SIZE ? objsize : BASE_PAGE_SIZE;
    paddr_t pa = world_alloc(objsize, align);
    errval_t err = caps_retype_to_slots(&w.boot[1], type, pa - FAKE_PHYS_BASE, objsize, 1, dest);
    ck_assert_msg(err_is_ok(err), "world_new %s: %s", captype_name(type), err_name(err));
}

void world_setup(void)
{
    fake_arch_reset();
    memset(&w, 0, sizeof(w));
    w.ram_next = FAKE_PHYS_BASE;
    struct capability phys_cap = {.type = ObjType_PhysAddr, .rights = CAP_RIGHTS_ALL};
    phys_cap.u.mem.base = FAKE_PHYS_BASE;
    phys_cap.u.mem.bytes = FAKE_PHYS_SIZE;
    ck_assert_uint_eq(caps_create_root(&w.boot[0], &phys_cap), SYS_ERR_OK);
    ck_assert_uint_eq(
        caps_retype_to_slots(&w.boot[0], ObjType_RAM, 0, FAKE_PHYS_SIZE, 1, &w.boot[1]),
        SYS_ERR_OK);
    world_new(&w.boot[2], ObjType_L1CNode, L1_CNODE_MIN_SLOTS * sizeof(struct cte));
    w.root = &w.boot[2].cap;
    for (uint32_t i = 0; i < 2; i++)
        world_new(cnode_slot(w.root, i), ObjType_L2CNode, L2_CNODE_BYTES);
}

struct cte *world_slot(uint32_t l1, uint32_t l2)
{
    struct cte *s;
    errval_t err = caps_lookup_slot(w.root, CAPADDR(l1, l2), CAP_LEVEL_L2, &s);
    ck_assert_msg(err_is_ok(err), "world_slot(%u, %u): %s", l1, l2, err_name(err));
    return s;
}

// Visit the slots of one CNode or slot array: collect the full ones, and
// queue CNodes not seen yet.
static size_t collect_from(struct cte *slots, uint32_t n, struct cte **out, size_t count,
                           size_t max, struct capability *queue, size_t *queued)
{
    for (uint32_t i = 0; i < n; i++) {
        struct cte *s = &slots[i];
        if (s->cap.type == ObjType_Null)
            continue;
        ck_assert_uint_lt(count, max);
        out[count++] = s;
        if (s->cap.type != ObjType_L1CNode && s->cap.type != ObjType_L2CNode)
            continue;
        bool seen = false;
        for (size_t q = 0; q < *queued && !seen; q++)
            seen = queue[q].u.cnode.base == s->cap.u.cnode.base;
        if (!seen)
            queue[(*queued)++] = s->cap;
    }
    return count;
}

size_t world_collect(struct cte **out, size_t max)
{
    static struct capability queue[1024];
    size_t queued = 0, count = collect_from(w.boot, BOOT_SLOTS, out, 0, max, queue, &queued);
    for (size_t q = 0; q < queued; q++) {
        ck_assert_uint_lt(queued, 1024);
        count = collect_from(cnode_slot(&queue[q], 0), queue[q].u.cnode.slots, out, count, max,
                             queue, &queued);
    }
    return count;
}

// The kernel self-check's table part: the fake has no page tables.
errval_t arch_kcheck_table(const struct capability *table, uint64_t *entries, const char **why,
                           const struct cte **where)
{
    (void)table, (void)entries, (void)why, (void)where;
    return SYS_ERR_OK;
}

errval_t arch_kcheck_mapping(const struct cte *c, const char **why)
{
    (void)c, (void)why;
    return SYS_ERR_OK;
}
