/* lib/kpi/include/kpi/errors.h: errval_t, Sietch's one error type. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

// An errval_t is a stack of error codes, newest in the low bits: a layer
// that fails because a lower one did pushes its own code on top
// (err_push), so the whole chain of causes reaches the caller.
typedef uint64_t errval_t;

enum err_code {
#define ERR(name, msg) name,
#include <kpi/errors.def>
#undef ERR
    ERR_CODE_COUNT
};

#define ERR_CODE_BITS 10
#define ERR_CODE_MASK ((1u << ERR_CODE_BITS) - 1)
_Static_assert(ERR_CODE_COUNT <= (1u << ERR_CODE_BITS), "too many error codes");

static inline bool err_is_ok(errval_t err) { return err == SYS_ERR_OK; }
static inline bool err_is_fail(errval_t err) { return err != SYS_ERR_OK; }

// The newest (top) code of an error stack.
static inline enum err_code err_no(errval_t err) { return (enum err_code)(err & ERR_CODE_MASK); }

// The stack below the top code: the cause of err.
static inline errval_t err_pop(errval_t err) { return err >> ERR_CODE_BITS; }

// Push code on top of err. Keeps as many causes as fit in 64 bits (6);
// the oldest are shifted out.
static inline errval_t err_push(errval_t err, enum err_code code)
{
    return (err << ERR_CODE_BITS) | code;
}

// "CAP_ERR_SLOT_EMPTY" for a code (the top of a stack); "?" if unknown.
const char *err_name(errval_t err);

// The human-readable message for the top code of err.
const char *err_msg(errval_t err);
