/* lib/c/include/sys/types.h: the POSIX scalar types that Sietch programs use. */
#pragma once

#include <stddef.h>

// A byte count or a negative error, as POSIX read/write would return.
typedef long ssize_t;
// POSIX puts SSIZE_MAX in <limits.h>, which is GCC's here; it lives beside
// the type instead (lwIP's arch.h looks for it to know ssize_t exists).
#define SSIZE_MAX 0x7fffffffffffffffL

// Seconds and microseconds (struct timeval, <sys/time.h>), as on x86-64 Linux.
typedef long time_t;
typedef long suseconds_t;
