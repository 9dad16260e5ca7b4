/* lib/c/include/assert.h: assert() (C11 7.2). */

// No include guard, on purpose: as the C standard requires, each inclusion
// redefines assert according to NDEBUG at that point.

#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
// Print "assertion failed: EXPR (FILE:LINE, FUNC)" to stderr, then abort().
_Noreturn void libc_assert_fail(const char *expr, const char *file, int line, const char *func);
#define assert(expr) ((expr) ? (void)0 : libc_assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif
