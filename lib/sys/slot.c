/* lib/sys/slot.c: the slot allocator: a bitmap per L2 CNode of the root. */
#include <sys/capops.h>
#include <sys/ram.h>
#include <sys/slot.h>

// When fewer slots than this are free, make the next CNode first: making it
// takes a few slots itself (a RAM cap, a receive slot).
#define SLOT_RESERVE 16
#define WORDS        (L2_CNODE_SLOTS / 64)

struct l2 {
    uint64_t free[WORDS]; // bit set: slot free
    uint16_t nfree;
    bool present;
};

static struct l2 cnodes[INIT_L1_SLOTS];
static unsigned total_free;
static bool refilling, started, reserve_only;
static unsigned kept; // more slots kept free beyond the reserve (slot_keep)

void slot_reserve_only(bool on) { reserve_only = on; }

static void add_cnode(uint32_t l1)
{
    struct l2 *c = &cnodes[l1];
    for (unsigned i = 0; i < WORDS; i++)
        c->free[i] = ~0ull;
    c->nfree = L2_CNODE_SLOTS;
    c->present = true;
    total_free += L2_CNODE_SLOTS;
}

static void start(void)
{
    started = true;
    add_cnode(ROOTCN_SLOT_ALLOC0);
}

// Make a new L2 CNode in the first empty L1 slot we manage.
static MUST_CHECK errval_t refill(void)
{
    uint32_t l1 = ROOTCN_SLOTS_USER;
    while (l1 < SLOT_L1_LIMIT && cnodes[l1].present)
        l1++;
    if (l1 == SLOT_L1_LIMIT)
        return SYS_ERR_NO_MEMORY;
    capref_t ram;
    errval_t err = ram_alloc(&ram, OBJSIZE_L2CNODE, OBJSIZE_PAGE);
    if (err_is_fail(err))
        return err;
    err = invoke_ram_retype(ram, ObjType_L2CNode, 0, OBJSIZE_L2CNODE, 1, cap_root, l1);
    cap_destroy(ram);
    if (err_is_ok(err))
        add_cnode(l1);
    return err;
}

// Make CNodes until the reserve and the kept slots are free.
static MUST_CHECK errval_t fill(void)
{
    errval_t err = SYS_ERR_OK;
    refilling = true;
    while (total_free < SLOT_RESERVE + kept && err_is_ok(err))
        err = refill();
    refilling = false;
    return err;
}

errval_t slot_keep(int delta)
{
    if (!started)
        start();
    if (delta < 0 && (unsigned)-delta > kept)
        delta = -(int)kept;
    kept += (unsigned)delta;
    if (delta <= 0 || reserve_only || refilling)
        return SYS_ERR_OK;
    errval_t err = fill();
    if (err_is_fail(err))
        kept -= (unsigned)delta;
    return err;
}

errval_t slot_alloc(capref_t *ret)
{
    if (!started)
        start();
    if (total_free < SLOT_RESERVE + kept && !refilling && !reserve_only) {
        errval_t err = fill();
        if (err_is_fail(err) && total_free == 0)
            return err;
    }
    for (uint32_t l1 = 0; l1 < INIT_L1_SLOTS; l1++) {
        struct l2 *c = &cnodes[l1];
        if (!c->nfree)
            continue;
        for (unsigned w = 0; w < WORDS; w++) {
            if (!c->free[w])
                continue;
            unsigned bit = (unsigned)__builtin_ctzll(c->free[w]);
            c->free[w] &= ~(1ull << bit);
            c->nfree--;
            total_free--;
            *ret = cap_at(l1, w * 64 + bit);
            return SYS_ERR_OK;
        }
    }
    return SYS_ERR_NO_MEMORY;
}

void slot_free(capref_t slot)
{
    uint32_t l1 = CAPADDR_L1(CAPREF_ADDR(slot)), l2 = CAPADDR_L2(CAPREF_ADDR(slot));
    if (CAPREF_LEVEL(slot) != CAP_LEVEL_L2 || l1 >= INIT_L1_SLOTS || !cnodes[l1].present)
        return; // not one of ours
    uint64_t bit = 1ull << (l2 % 64);
    if (cnodes[l1].free[l2 / 64] & bit)
        return; // already free
    cnodes[l1].free[l2 / 64] |= bit;
    cnodes[l1].nfree++;
    total_free++;
}

unsigned slot_free_count(void)
{
    if (!started)
        start();
    return total_free;
}
