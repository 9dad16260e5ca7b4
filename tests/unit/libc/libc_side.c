/* tests/unit/libc/libc_side.c: the tests' window on lib/c's headers (built like lib/c, renamed). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sietch/libc_sys.h>
#include <sietch/malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

// After lib/c's headers (renamed by rename.h): any declaration in
// libc_test.h that differs from lib/c's is a compile error here.
#include "errno_list.h"
#include "libc_test.h"

const int libc_side_eof = EOF;
const int libc_side_rand_max = RAND_MAX;
const int libc_side_exit_failure = EXIT_FAILURE;

#define ERRNO_ENTRY(name) {#name, name},
const struct libc_side_errno libc_side_errnos[] = {LIBC_ERRNO_LIST(ERRNO_ENTRY){NULL, 0}};

// The types lwIP and programs rely on have the sizes of the x86-64 ABI.
_Static_assert(sizeof(ssize_t) == sizeof(size_t) && (ssize_t)-1 < 0, "ssize_t");
_Static_assert(SSIZE_MAX == INT64_MAX, "SSIZE_MAX");

void libc_side_assert_holds(int *evaluated) { assert(++*evaluated == 1); }

void libc_side_assert_fails(void)
{
    int two = 2;
    assert(two + two == 5);
}

// assert.h again, now under NDEBUG: the C standard redefines assert at
// each inclusion.
#define NDEBUG
#include <assert.h>

void libc_side_assert_ndebug(int *evaluated) { assert(++*evaluated == 100); }
