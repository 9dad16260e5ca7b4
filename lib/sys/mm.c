/* lib/sys/mm.c: the RAM manager (sys/mm.h): first fit over sorted free intervals. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/mm.h>
#include <sys/slot.h>

// Make room for one more element in a growing array.
static MUST_CHECK errval_t grow(void **array, unsigned n, unsigned *cap, size_t size)
{
    if (n < *cap)
        return SYS_ERR_OK;
    unsigned more = *cap ? 2 * *cap : 256;
    void *p = realloc(*array, more * size);
    if (!p)
        return SYS_ERR_NO_MEMORY;
    *array = p;
    *cap = more;
    return SYS_ERR_OK;
}

errval_t mm_add(struct mm *m, capref_t ram)
{
    struct cap_info info;
    errval_t err = cap_identify(ram, &info);
    if (err_is_fail(err))
        return err;
    if (info.type != ObjType_RAM)
        return MM_ERR_NOT_RAM;
    if (m->nregions == MM_MAX_REGIONS)
        return SYS_ERR_NO_MEMORY;
    struct mm_region r = {.cap = ram, .base = info.base, .bytes = info.bytes};
    err = grow((void **)&r.free, 0, &r.cap_free, sizeof(*r.free));
    if (err_is_fail(err))
        return err;
    r.free[r.nfree++] = (struct mm_interval){info.base, info.base + info.bytes};
    m->regions[m->nregions++] = r;
    m->total += info.bytes;
    m->free += info.bytes;
    return SYS_ERR_OK;
}

// Before an allocation is carved from r: places for live + 2 free
// intervals. The intervals never outnumber the live allocations plus one
// (mm.h), so carving one more needs at most live + 2 places; once it is
// recorded (live one higher) there are live + 1, enough for any give_back:
// the array never shrinks, and live only drops when a range is back.
static MUST_CHECK errval_t room(struct mm_region *r)
{
    while (r->cap_free < r->live + 2) {
        errval_t err = grow((void **)&r->free, r->cap_free, &r->cap_free, sizeof(*r->free));
        if (err_is_fail(err))
            return err;
    }
    return SYS_ERR_OK;
}

static struct mm_region *region_of(struct mm *m, uint64_t base)
{
    for (unsigned ri = 0; ri < m->nregions; ri++) {
        struct mm_region *r = &m->regions[ri];
        if (base >= r->base && base - r->base < r->bytes)
            return r;
    }
    return NULL;
}

// Note allocation a (carved from its region's free intervals), and count
// it live in its region until give_back_alloc puts it back.
static MUST_CHECK errval_t record(struct mm *m, struct mm_alloc a)
{
    struct mm_region *r = region_of(m, a.base);
    if (!r)
        return MM_ERR_NOT_RAM; // not carved from any of our regions
    errval_t err = grow((void **)&m->allocs, m->nallocs, &m->cap_allocs, sizeof(a));
    if (err_is_fail(err))
        return err;
    m->allocs[m->nallocs++] = a;
    r->live++;
    return SYS_ERR_OK;
}

// LAB 4 BEGIN free_intervals
// Take [a, a+bytes) out of interval i of r.
static MUST_CHECK errval_t carve(struct mm_region *r, unsigned i, uint64_t a, uint64_t bytes)
{
    struct mm_interval *iv = &r->free[i];
    bool before = a > iv->base, after = a + bytes < iv->end;
    if (before && after) {
        if (r->nfree == r->cap_free) // room() was not called first
            return SYS_ERR_NO_MEMORY;
        memmove(&r->free[i + 2], &r->free[i + 1], (r->nfree - i - 1) * sizeof(*iv));
        r->free[i + 1] = (struct mm_interval){a + bytes, iv->end};
        iv->end = a;
        r->nfree++;
    } else if (before) {
        iv->end = a;
    } else if (after) {
        iv->base = a + bytes;
    } else {
        memmove(iv, iv + 1, (r->nfree - i - 1) * sizeof(*iv));
        r->nfree--;
    }
    return SYS_ERR_OK;
}

// Put [a, a+bytes) back, merging with its neighbours.
static void give_back(struct mm_region *r, uint64_t a, uint64_t bytes)
{
    unsigned i = 0;
    while (i < r->nfree && r->free[i].base < a)
        i++;
    bool join_prev = i > 0 && r->free[i - 1].end == a;
    bool join_next = i < r->nfree && r->free[i].base == a + bytes;
    if (join_prev && join_next) {
        r->free[i - 1].end = r->free[i].end;
        memmove(&r->free[i], &r->free[i + 1], (r->nfree - i - 1) * sizeof(r->free[0]));
        r->nfree--;
    } else if (join_prev) {
        r->free[i - 1].end += bytes;
    } else if (join_next) {
        r->free[i].base = a;
    } else {
        // There is a place: the intervals, this one included, are
        // separated by allocated ranges other than this one, each holding
        // a live allocation. So there are at most r->live of them when
        // this range is still counted (give_back_alloc), r->live + 1 when
        // mm_alloc undoes a carve; and room() has made r->cap_free at least
        // r->live + 1, and r->live + 2 during mm_alloc.
        assert(r->nfree < r->cap_free);
        memmove(&r->free[i + 1], &r->free[i], (r->nfree - i) * sizeof(r->free[0]));
        r->free[i] = (struct mm_interval){a, a + bytes};
        r->nfree++;
    }
}
// LAB 4 STUB
// // Take [a, a+bytes) out of interval i of r: what is left of it before a
// // and after a+bytes stays free. The intervals stay sorted and disjoint;
// // a split needs one more place in r->free: SYS_ERR_NO_MEMORY if
// // r->nfree == r->cap_free (mm_alloc calls room() first, so it never is).
// static errval_t carve(struct mm_region *r, unsigned i, uint64_t a, uint64_t bytes)
// {
//     // LAB 4: your code here
//     (void)r, (void)i, (void)a, (void)bytes;
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
//
// // Put [a, a+bytes) back into r's free intervals, merging it with the
// // intervals it touches, so that freeing everything leaves one interval.
// // Inserting it cannot overflow r->free: the intervals are separated by
// // allocated ranges, so they never outnumber r->live + 1, and room() kept
// // that many places (say so in a comment, and check it: assert()).
// static void give_back(struct mm_region *r, uint64_t a, uint64_t bytes)
// {
//     // LAB 4: your code here
//     (void)r, (void)a, (void)bytes;
// }
// LAB 4 END

// LAB 4 BEGIN mm_alloc
errval_t mm_alloc(struct mm *m, uint64_t pid, uint64_t bytes, uint64_t align, capref_t *ret)
{
    if (bytes == 0 || bytes % OBJSIZE_PAGE || align < OBJSIZE_PAGE || (align & (align - 1)))
        return SYS_ERR_INVALID_ARGS;
    for (unsigned ri = 0; ri < m->nregions; ri++) {
        struct mm_region *r = &m->regions[ri];
        for (unsigned i = 0; i < r->nfree; i++) {
            uint64_t a = (r->free[i].base + align - 1) & ~(align - 1);
            if (a < r->free[i].base || a >= r->free[i].end || r->free[i].end - a < bytes)
                continue;
            errval_t err = room(r); // a place for carve's split, and later give_back's
            if (err_is_ok(err))
                err = slot_alloc(ret);
            if (err_is_fail(err))
                return err;
            err = cap_retype(*ret, r->cap, ObjType_RAM, a - r->base, bytes, 1);
            if (err_is_ok(err))
                err = carve(r, i, a, bytes);
            if (err_is_ok(err)) {
                err = record(m,
                             (struct mm_alloc){.base = a, .bytes = bytes, .pid = pid, .cap = *ret});
                if (err_is_fail(err))
                    give_back(r, a, bytes);
            }
            if (err_is_fail(err)) {
                cap_destroy(*ret);
                return err;
            }
            m->free -= bytes;
            return SYS_ERR_OK;
        }
    }
    return MM_ERR_NO_MEMORY;
}
// LAB 4 STUB
// errval_t mm_alloc(struct mm *m, uint64_t pid, uint64_t bytes, uint64_t align, capref_t *ret)
// {
//     // LAB 4: your code here: check the arguments (bytes a non-zero
//     // multiple of OBJSIZE_PAGE, align a power of two of at least a page),
//     // find the first free interval of any region that holds bytes at an
//     // address aligned to align, make room (room(r): r->free then has a
//     // place for carve's split and for every later give_back), retype a
//     // RAM cap over them from the region's cap into a new slot, carve them
//     // out, and record the allocation (record(), which counts it in
//     // r->live) charged to pid.
//     (void)m, (void)pid, (void)bytes, (void)align, (void)ret, (void)carve, (void)record,
//         (void)room;
//     printf("LAB 4: mm_alloc is not written yet (lib/sys/mm.c)\n");
//     return SYS_ERR_NOT_IMPLEMENTED;
// }
// LAB 4 END

// An allocation is back: its range is free again and no longer live.
static void give_back_alloc(struct mm *m, const struct mm_alloc *a)
{
    struct mm_region *r = region_of(m, a->base);
    if (r) {
        give_back(r, a->base, a->bytes);
        r->live--;
    }
    m->free += a->bytes;
}

// Revoke and drop allocation i (swapped with the last). Every copy and
// everything made from it goes; if some of that was exported to other
// cores, the memory is held until those copies are gone too.
static void release(struct mm *m, unsigned i)
{
    struct mm_alloc a = m->allocs[i];
    m->allocs[i] = m->allocs[--m->nallocs];
    // The kernel says whether a cap it deleted was exported; but a cap
    // over this memory may have been exported and deleted earlier (its slot
    // in a CNode made from another allocation): then only our mark knows.
    bool deleted_remote;
    // an empty slot: nothing to revoke
    err_ignore(cap_revoke_here(a.cap, &deleted_remote),
               "revoking mem_serv's copy: a failure leaves the memory out of the free list (not "
               "reused)");
    bool remote = a.exported || deleted_remote;
    if (remote && err_is_ok(grow((void **)&m->held, m->nheld, &m->cap_held, sizeof(*m->held)))) {
        m->held[m->nheld++] = (struct mm_held){.a = a};
        m->held_bytes += a.bytes;
        return;
    }
    if (remote)
        return; // without room to remember it, lost rather than reused (and live for ever)
    cap_destroy(a.cap);
    give_back_alloc(m, &a);
}

errval_t mm_mark_exported(struct mm *m, uint64_t base)
{
    for (unsigned i = 0; i < m->nallocs; i++) {
        if (base >= m->allocs[i].base && base - m->allocs[i].base < m->allocs[i].bytes) {
            m->allocs[i].exported = true;
            return SYS_ERR_OK;
        }
    }
    return MM_ERR_NOT_RAM;
}

bool mm_next_held(struct mm *m, struct mm_alloc *out)
{
    for (unsigned i = 0; i < m->nheld; i++) {
        if (!m->held[i].announced) {
            m->held[i].announced = true;
            *out = m->held[i].a;
            return true;
        }
    }
    return false;
}

errval_t mm_release_held(struct mm *m, uint64_t base)
{
    for (unsigned i = 0; i < m->nheld; i++) {
        struct mm_alloc a = m->held[i].a;
        if (a.base != base)
            continue;
        errval_t err = cap_delete(a.cap);
        if (err_is_fail(err))
            return err; // still exported: CAP_ERR_LAST_COPY_BUSY
        slot_free(a.cap);
        m->held[i] = m->held[--m->nheld];
        m->held_bytes -= a.bytes;
        give_back_alloc(m, &a);
        return SYS_ERR_OK;
    }
    return MM_ERR_NOT_RAM;
}

errval_t mm_free(struct mm *m, uint64_t pid, uint64_t base)
{
    for (unsigned i = 0; i < m->nallocs; i++) {
        if (m->allocs[i].base != base)
            continue;
        if (pid != MM_ANY && m->allocs[i].pid != pid)
            return MM_ERR_NOT_OWNER;
        release(m, i);
        return SYS_ERR_OK;
    }
    return MM_ERR_NOT_RAM;
}

uint64_t mm_free_all(struct mm *m, uint64_t pid)
{
    uint64_t bytes = 0;
    for (unsigned i = 0; i < m->nallocs;) {
        if (m->allocs[i].pid == pid) {
            bytes += m->allocs[i].bytes;
            release(m, i);
        } else {
            i++;
        }
    }
    return bytes;
}

uint64_t mm_usage(const struct mm *m, uint64_t pid)
{
    uint64_t bytes = 0;
    for (unsigned i = 0; i < m->nallocs; i++) {
        if (m->allocs[i].pid == pid)
            bytes += m->allocs[i].bytes;
    }
    return bytes;
}
