/* lib/sys/limits.c: per-process limits: checks, narrowing, packing, parsing (pure). */
#include <stdio.h>
#include <string.h>
#include <sys/limits.h>

const struct proc_limits proc_limits_default = {.max = {
                                                    [LIMIT_MEM] = LIMIT_NONE,
                                                    [LIMIT_DOMAINS] = 4,
                                                    [LIMIT_VECTORS] = 8,
                                                    [LIMIT_VNICS] = 2,
                                                    [LIMIT_VSICS] = 1,
                                                    [LIMIT_CHANS] = 8,
                                                }};

const struct proc_limits proc_limits_none = {
    .max = {LIMIT_NONE, LIMIT_NONE, LIMIT_NONE, LIMIT_NONE, LIMIT_NONE, LIMIT_NONE}};

static const char *const names[LIMIT_COUNT] = {"mem",   "domains", "vectors",
                                               "vnics", "vsics",   "chans"};

static const enum err_code errs[LIMIT_COUNT] = {LIMIT_ERR_MEMORY,  LIMIT_ERR_DOMAINS,
                                                LIMIT_ERR_VECTORS, LIMIT_ERR_VNICS,
                                                LIMIT_ERR_VSICS,   LIMIT_ERR_CHANNELS};

const char *limit_name(enum limit_res r) { return r < LIMIT_COUNT ? names[r] : "?"; }

errval_t limit_err(enum limit_res r) { return r < LIMIT_COUNT ? errs[r] : SYS_ERR_INVALID_ARGS; }

errval_t limit_check(const struct proc_limits *l, enum limit_res r, uint64_t used, uint64_t more)
{
    if (r >= LIMIT_COUNT)
        return SYS_ERR_INVALID_ARGS;
    uint64_t max = l->max[r];
    // (used may exceed max: a limit is checked when taking, never taken back)
    return used <= max && more <= max - used ? SYS_ERR_OK : limit_err(r);
}

void proc_limits_narrow(struct proc_limits *child, const struct proc_limits *parent)
{
    for (unsigned r = 0; r < LIMIT_COUNT; r++) {
        if (parent->max[r] < child->max[r])
            child->max[r] = parent->max[r];
    }
}

static uint64_t count16(uint64_t v) { return v < LIMIT_COUNT_NONE ? v : LIMIT_COUNT_NONE; }

static uint64_t uncount16(uint64_t v)
{
    v &= 0xffff;
    return v == LIMIT_COUNT_NONE ? LIMIT_NONE : v;
}

void proc_limits_pack(const struct proc_limits *l, uint64_t w[3])
{
    w[0] = l->max[LIMIT_MEM];
    w[1] = count16(l->max[LIMIT_DOMAINS]) | count16(l->max[LIMIT_VECTORS]) << 16 |
           count16(l->max[LIMIT_VNICS]) << 32 | count16(l->max[LIMIT_VSICS]) << 48;
    w[2] = count16(l->max[LIMIT_CHANS]);
}

void proc_limits_unpack(const uint64_t w[3], struct proc_limits *l)
{
    l->max[LIMIT_MEM] = w[0];
    l->max[LIMIT_DOMAINS] = uncount16(w[1]);
    l->max[LIMIT_VECTORS] = uncount16(w[1] >> 16);
    l->max[LIMIT_VNICS] = uncount16(w[1] >> 32);
    l->max[LIMIT_VSICS] = uncount16(w[1] >> 48);
    l->max[LIMIT_CHANS] = uncount16(w[2]);
}

// A memory size's unit: its shift, or -1 for none (0 for no suffix).
static int unit_shift(const char *s)
{
    if (!*s)
        return 0;
    if (s[1])
        return -1;
    return *s == 'K' ? 10 : *s == 'M' ? 20 : *s == 'G' ? 30 : -1;
}

errval_t limit_parse(enum limit_res r, const char *s, uint64_t *v)
{
    if (r >= LIMIT_COUNT || !s)
        return SYS_ERR_INVALID_ARGS;
    if (!strcmp(s, "none")) {
        *v = LIMIT_NONE;
        return SYS_ERR_OK;
    }
    uint64_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return SYS_ERR_INVALID_ARGS;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    int shift = r == LIMIT_MEM ? unit_shift(p) : *p ? -1 : 0;
    if (p == s || shift < 0 || n > UINT64_MAX >> shift)
        return SYS_ERR_INVALID_ARGS;
    n <<= shift;
    if (r != LIMIT_MEM && n >= LIMIT_COUNT_NONE)
        return SYS_ERR_INVALID_ARGS;
    *v = n;
    return SYS_ERR_OK;
}

enum limit_res limit_by_name(const char *name)
{
    unsigned r = 0;
    while (r < LIMIT_COUNT && strcmp(names[r], name))
        r++;
    return (enum limit_res)r;
}

void limit_format(enum limit_res r, uint64_t v, char *buf, size_t size)
{
    if (v == LIMIT_NONE) {
        snprintf(buf, size, "none");
        return;
    }
    static const char units[] = "GMK";
    for (unsigned i = 0; r == LIMIT_MEM && v && i < 3; i++) {
        unsigned shift = 30 - 10 * i;
        if (!(v & ((1ull << shift) - 1))) {
            snprintf(buf, size, "%lu%c", (unsigned long)(v >> shift), units[i]);
            return;
        }
    }
    snprintf(buf, size, "%lu", (unsigned long)v);
}
