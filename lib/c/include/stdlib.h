/* lib/c/include/stdlib.h: memory, number conversion, sorting, program exit. */
#pragma once

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX     0x7fffffff

// The heap (lib/c/malloc.c): blocks aligned to 16 bytes. On failure NULL
// with errno ENOMEM. malloc(0) returns a unique minimal block. free(NULL)
// does nothing; freeing anything that is not a live block ends the program
// through abort() with a message when it is noticed (double free, pointer
// not from malloc, overwritten block header). calloc zeroes, and returns
// NULL (ENOMEM) when nmemb * size overflows. realloc keeps the contents up
// to the smaller size, in place when it can; realloc(NULL, n) is malloc(n),
// realloc(p, 0) shrinks p to a minimal block and returns it; on failure p
// is untouched. aligned_alloc wants a power-of-two alignment (else NULL,
// EINVAL); posix_memalign also a multiple of sizeof(void *), and returns
// the error instead of setting errno.
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *p, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
int posix_memalign(void **memptr, size_t alignment, size_t size);

// String to integer (C11 7.22.1.4): leading white space, an optional sign,
// then digits of base 2..36, or base 0 to take 16 after "0x"/"0X", 8 after
// "0", else 10. *end (when end is not NULL) is set just past the last
// digit used, or to s when there was no number. Out of range: the nearest
// limit and errno ERANGE. A bad base: 0 and errno EINVAL. A minus sign
// negates in the unsigned type, as C says ("-1" is ULONG_MAX).
long strtol(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
// Base 10, no error reporting: strtol, converted.
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int x);
long labs(long x);
long long llabs(long long x);

// Sort n items of size bytes in place by cmp: introsort (quicksort with a
// median-of-three pivot, heapsort when partitions keep going badly,
// insertion sort for short runs). O(n log n) comparisons, stack depth
// O(log n); not stable.
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
// A matching item in the sorted array, or NULL.
void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));

// Pseudo-random numbers 0..RAND_MAX from a 64-bit linear congruential
// generator: the same sequence for the same seed (1 if srand is never
// called). Not for cryptography; one state for the whole program.
int rand(void);
void srand(unsigned seed);

// There is no environment yet: always NULL.
char *getenv(const char *name);

// Run the atexit handlers (last registered first), flush stdout and
// stderr, and end the program with status.
_Noreturn void exit(int status);
// End the program at once: no handlers, no flush.
_Noreturn void _Exit(int status);
// Flush stdout, then end the program with status LIBC_EXIT_ABORT
// (<sietch/libc_sys.h>). No handlers run.
_Noreturn void abort(void);
// Register fn to run at exit. Up to 32 handlers; returns 0, or -1 when
// the table is full.
int atexit(void (*fn)(void));
