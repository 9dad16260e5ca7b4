/* lib/kpi/include/kpi/errors.h: errval_t, Sietch's one error type. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

// An errval_t is a stack of error codes, newest in the low bits: a layer
// that fails because a lower one did pushes its own code on top
// (err_push), so the whole chain of causes reaches the caller. The
// convention for new code (docs/architecture.md, "Errors"): a function
// that returns errval_t is declared MUST_CHECK; a layer boundary (a
// library's entry, a client stub receiving a server's answer) returns
// err_push(err, ITS_ERR_CODE); a test for one cause asks err_has, not
// err_no; a result dropped on purpose goes through err_ignore with the
// reason.
typedef uint64_t errval_t;

enum err_code {
#define ERR(name, msg) name,
#include <kpi/errors.def>
#undef ERR
    ERR_CODE_COUNT
};

#define ERR_CODE_BITS 10
#define ERR_CODE_MASK ((1u << ERR_CODE_BITS) - 1)
#define ERR_CHAIN_MAX 6 // codes an errval_t holds (6 x 10 bits; bit 63 below)
// Set when a push shifted the oldest code out: the chain is not whole.
#define ERR_TRUNCATED (1ull << 63)
_Static_assert(ERR_CODE_COUNT <= (1u << ERR_CODE_BITS), "too many error codes");
_Static_assert(ERR_CHAIN_MAX *ERR_CODE_BITS < 63, "the truncation bit overlaps the codes");

// On the declaration of a function returning errval_t: a call that ignores
// the result does not compile (-Werror). (A cast to void does not silence
// it under GCC: use err_ignore.)
#define MUST_CHECK __attribute__((warn_unused_result))

static inline bool err_is_ok(errval_t err) { return err == SYS_ERR_OK; }
static inline bool err_is_fail(errval_t err) { return err != SYS_ERR_OK; }

// The newest (top) code of an error stack.
static inline enum err_code err_no(errval_t err) { return (enum err_code)(err & ERR_CODE_MASK); }

// The stack below the top code: the cause of err.
static inline MUST_CHECK errval_t err_pop(errval_t err)
{
    return (err & ~ERR_TRUNCATED) >> ERR_CODE_BITS;
}

// Push code on top of err. Keeps as many causes as fit in 64 bits
// (ERR_CHAIN_MAX); the oldest are shifted out, and ERR_TRUNCATED says so.
static inline MUST_CHECK errval_t err_push(errval_t err, enum err_code code)
{
    unsigned shift = (ERR_CHAIN_MAX - 1) * ERR_CODE_BITS;
    bool lost = (err & ERR_TRUNCATED) || ((err >> shift) & ERR_CODE_MASK);
    errval_t codes = (err & ((1ull << shift) - 1)) << ERR_CODE_BITS;
    return codes | code | (lost ? ERR_TRUNCATED : 0);
}

// Is code anywhere in err's chain? How a caller asks for one cause (a
// server's answer arrives under the client stub's own code, for example).
static inline bool err_has(errval_t err, enum err_code code)
{
    if (code == SYS_ERR_OK)
        return err_is_ok(err);
    for (; err_no(err) != SYS_ERR_OK; err = err_pop(err)) {
        if (err_no(err) == code)
            return true;
    }
    return false;
}

// The oldest code still in err's chain: the first cause (what a user is
// told: "no such core", not "a request to init failed").
static inline enum err_code err_root(errval_t err)
{
    while (err_no(err_pop(err)) != SYS_ERR_OK)
        err = err_pop(err);
    return err_no(err);
}

// Drop a result on purpose; why says why it cannot matter (greppable:
// every dropped error in the tree is an err_ignore with its reason).
static inline void err_ignore(errval_t err, const char *why)
{
    (void)err;
    (void)why;
}

// "CAP_ERR_SLOT_EMPTY" for a code (the top of a stack); "?" if unknown.
const char *err_name(errval_t err);

// The human-readable message for the top code of err.
const char *err_msg(errval_t err);

// The layer the top code of err belongs to ("netctl (network control
// plane, usr/netctl)"), from its name's prefix; "?" if unknown.
const char *err_layer(errval_t err);

// The whole chain of err as text, newest first, one code a line:
// "NAME [layer]: message", the causes below it indented with "<- ", a last
// line if older causes were shifted out. Always NUL-terminated (cut short
// if size is too small); returns the length written. "SYS_ERR_OK ..." for
// success.
unsigned long err_chain_format(errval_t err, char *buf, unsigned long size);
