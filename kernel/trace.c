/* kernel/trace.c: the per-core event trace behind kernel/include/trace.h. */
#include <base/string.h>
#include <bootmem.h>
#include <console.h>
#include <dispatch_arch.h>
#include <kernel_arch.h>
#include <kpi/dispatcher.h>
#include <kpi/trace.h>
#include <lmp.h>
#include <options.h>
#include <syscall.h>
#include <trace.h>

#define NAME_CACHE 64 // dispatchers whose last recorded name this core remembers
#define DUMP_RECS  3  // records per dump line: 96 bytes, 128 base64 characters

// One core's ring: records [head - kept, head) of the ones written.
struct trace_ring {
    uint64_t head; // records written so far; the next goes to rec[head & mask]
    uint64_t reserved[3];
    struct trace_rec rec[];
};

// The region every core's ring lies in (allocated by the boot core).
struct trace_region {
    volatile uint32_t stopped; // set by the dump: no core writes any more
    uint32_t ncores;
    uint64_t records; // per core, a power of two
    uint64_t reserved[2];
};

bool trace_on;
static struct trace_region *region;
static struct trace_ring *ring;
static struct {
    uint64_t id;
    char name[16];
} names[NAME_CACHE];

static uint64_t ring_bytes(uint64_t records)
{
    return sizeof(struct trace_ring) + records * sizeof(struct trace_rec);
}

static struct trace_ring *ring_of(unsigned core)
{
    return (struct trace_ring *)((char *)(region + 1) + core * ring_bytes(region->records));
}

void trace_init(const char *cmdline, unsigned max_cores, struct bootmem *bm)
{
    if (!opt_has(cmdline, "trace"))
        return;
    max_cores = max_cores ? max_cores : 1; // no MADT: this core alone
    uint64_t want = opt_uint(cmdline, "trace", TRACE_DEFAULT_RECORDS), records = 64;
    while (records < want && records < TRACE_MAX_RECORDS)
        records <<= 1;
    uint64_t bytes = sizeof(struct trace_region) + max_cores * ring_bytes(records);
    paddr_t pa;
    if (err_is_fail(bootmem_alloc(bm, bytes, BOOTMEM_PAGE, &pa))) {
        kprintf("trace: no memory for %u rings of %lu records: not tracing\n", max_cores, records);
        return;
    }
    region = kmem_ptr(pa);
    memset(region, 0, bytes);
    region->ncores = max_cores;
    region->records = records;
    kprintf("trace: recording, %lu records per core (the last ones are kept)\n", records);
    trace_init_core((uint64_t)region, 0);
}

uint64_t trace_region_addr(void) { return (uint64_t)region; }

void trace_init_core(uint64_t addr, unsigned core)
{
    region = (struct trace_region *)addr;
    if (!region || core >= region->ncores)
        return;
    ring = ring_of(core);
    trace_on = true;
}

static void emit(uint16_t type, uint16_t sub, uint32_t disp, uint64_t a0, uint64_t a1)
{
    if (region->stopped) {
        trace_on = false;
        return;
    }
    struct trace_rec *r = &ring->rec[ring->head & (region->records - 1)];
    *r = (struct trace_rec){__builtin_ia32_rdtsc(), type, sub, disp, a0, a1};
    ring->head++;
}

static struct dispatcher_frame *frame_of(const struct dcb *d)
{
    return d->dispframe.cap.type == ObjType_Frame ? kmem_ptr(d->dispframe.cap.u.mem.base) : NULL;
}

// Record d's name when this core has not recorded it yet, or it changed
// (a program names itself once it runs); tell d that tracing is on.
static void note_dispatcher(struct dcb *d)
{
    struct dispatcher_frame *f = frame_of(d);
    if (!f)
        return;
    f->trace = 1;
    unsigned i = d->id % NAME_CACHE;
    if (names[i].id == d->id && !memcmp(names[i].name, f->name, sizeof(names[i].name)))
        return;
    names[i].id = d->id;
    memcpy(names[i].name, f->name, sizeof(names[i].name));
    uint64_t w[2];
    memcpy(w, names[i].name, sizeof(w));
    emit(TRACE_NAME, 0, (uint32_t)d->id, w[0], w[1]);
}

// The capability a system call's argument 0 names in cur's CSpace, or NULL.
static struct capability *arg0_cap(struct dcb *cur)
{
    uint64_t ref = arch_syscall_arg(cur, 0);
    struct cte *slot;
    if (err_is_fail(caps_lookup_slot(&cur->cspace.cap, CAPREF_ADDR(ref), CAPREF_LEVEL(ref), &slot)))
        return NULL;
    return slot->cap.type == ObjType_Null ? NULL : &slot->cap;
}

// What an LMP system call may hand over: the endpoint and the dispatcher
// first in line on it (a receiver for a send, a sender for a receive).
struct lmp_peek {
    struct endpoint *ep;
    struct dcb *other;
    uint64_t other_id;
};

static struct lmp_peek lmp_peek(struct dcb *cur, unsigned num, struct capability *cap)
{
    struct lmp_peek p = {0};
    if ((num != SYS_SEND && num != SYS_RECV && num != SYS_CALL) || !cap ||
        cap->type != ObjType_Endpoint)
        return p;
    p.ep = endpoint_of(cap);
    p.other = num == SYS_RECV ? p.ep->send_head : p.ep->recv_head;
    p.other_id = p.other ? p.other->id : 0;
    (void)cur;
    return p;
}

// After the call: the one first in line left the queue, so the message
// went between it and cur (LMP delivers to the first in line only).
static void lmp_seen(struct dcb *cur, unsigned num, const struct lmp_peek *p)
{
    if (!p->other)
        return;
    bool sending = num == SYS_RECV;
    if (p->other->blocked_on == p->ep && p->other->blocked_sending == sending)
        return; // still waiting: nothing was handed over
    if (sending)
        emit(TRACE_LMP, 0, (uint32_t)p->other_id, cur->id, p->other->out.badge);
    else
        emit(TRACE_LMP, cur->out.flags & LMP_FLAG_NOTIFY ? 1 : 0, (uint32_t)cur->id, p->other_id,
             cur->out.badge);
}

void trace_syscall(struct dcb *cur)
{
    unsigned num = arch_syscall_num(cur);
    uint32_t id = (uint32_t)cur->id;
    note_dispatcher(cur);
    if (num == SYS_TRACE) {
        emit(TRACE_USER, (uint16_t)arch_syscall_arg(cur, 0), id, arch_syscall_arg(cur, 1),
             arch_syscall_arg(cur, 2));
        arch_syscall_result(cur, SYS_ERR_OK, NULL, 0);
        kernel_exit();
    }
    struct capability *cap = num <= SYS_CALL && num != SYS_YIELD ? arg0_cap(cur) : NULL;
    uint64_t what = arch_syscall_arg(cur, 0);
    if (num == SYS_INVOKE)
        what =
            (uint64_t)(cap ? cap->type : ObjType_Null) << 32 | (uint32_t)arch_syscall_arg(cur, 1);
    emit(TRACE_SYS_BEGIN, (uint16_t)num, id, what, 0);
    struct lmp_peek peek = lmp_peek(cur, num, cap);
    syscall_handle(cur);
    lmp_seen(cur, num, &peek);
    bool blocked = cur->state == DISP_STATE_BLOCKED;
    emit(TRACE_SYS_END, (uint16_t)num, id, blocked ? 0 : cur->regs.rax, blocked);
    kernel_exit();
}

void trace_irq(const struct trap_frame *tf, bool end)
{
    uint32_t id = sched.current ? (uint32_t)sched.current->id : 0;
    if (!end && sched.current)
        note_dispatcher(sched.current);
    emit(end ? TRACE_IRQ_END : TRACE_IRQ_BEGIN, (uint16_t)tf->vector, id, 0, 0);
}

// ---- The dump ----

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        v |= i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0;
        v |= i + 2 < n ? in[i + 2] : 0;
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        *out++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *out = 0;
}

static void dump_ring(unsigned core)
{
    const struct trace_ring *r = ring_of(core);
    uint64_t head = r->head, kept = head < region->records ? head : region->records;
    kprintf("TRACE-CORE %u written=%lu kept=%lu\n", core, head, kept);
    char line[DUMP_RECS * sizeof(struct trace_rec) * 4 / 3 + 4];
    for (uint64_t i = head - kept; i < head; i += DUMP_RECS) {
        struct trace_rec recs[DUMP_RECS];
        unsigned n = 0;
        for (; n < DUMP_RECS && i + n < head; n++)
            recs[n] = r->rec[(i + n) & (region->records - 1)];
        base64((const uint8_t *)recs, n * sizeof(struct trace_rec), line);
        kprintf("TRACE %s\n", line);
    }
}

void trace_dump(uint64_t tsc_hz)
{
    if (!region)
        return;
    region->stopped = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    trace_on = false;
    kprintf("TRACE-BEGIN version=1 cores=%u tsc_hz=%lu record_bytes=%lu\n", region->ncores, tsc_hz,
            (uint64_t)sizeof(struct trace_rec));
    for (unsigned c = 0; c < region->ncores; c++)
        dump_ring(c);
    kprintf("TRACE-END\n");
}
