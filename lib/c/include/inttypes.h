/* lib/c/include/inttypes.h: printf formats for <stdint.h> types, on x86-64 (C11 7.8). */
#pragma once

#include <stdint.h>

// int64_t, intptr_t and intmax_t are long on x86-64; narrower types are
// promoted to int by printf. No scanf, so no SCN* macros.
#define PRId8   "d"
#define PRId16  "d"
#define PRId32  "d"
#define PRId64  "ld"
#define PRIdPTR "ld"
#define PRIdMAX "ld"
#define PRIi8   "i"
#define PRIi16  "i"
#define PRIi32  "i"
#define PRIi64  "li"
#define PRIiPTR "li"
#define PRIiMAX "li"
#define PRIu8   "u"
#define PRIu16  "u"
#define PRIu32  "u"
#define PRIu64  "lu"
#define PRIuPTR "lu"
#define PRIuMAX "lu"
#define PRIo8   "o"
#define PRIo16  "o"
#define PRIo32  "o"
#define PRIo64  "lo"
#define PRIoPTR "lo"
#define PRIoMAX "lo"
#define PRIx8   "x"
#define PRIx16  "x"
#define PRIx32  "x"
#define PRIx64  "lx"
#define PRIxPTR "lx"
#define PRIxMAX "lx"
#define PRIX8   "X"
#define PRIX16  "X"
#define PRIX32  "X"
#define PRIX64  "lX"
#define PRIXPTR "lX"
#define PRIXMAX "lX"

// As strtoll/strtoull, for the widest types.
intmax_t strtoimax(const char *restrict s, char **restrict end, int base);
uintmax_t strtoumax(const char *restrict s, char **restrict end, int base);
intmax_t imaxabs(intmax_t x);
