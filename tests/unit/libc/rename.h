/* tests/unit/libc/rename.h: lib/c's standard names as sietch_*, for building lib/c on the host. */
#pragma once

// Forced (-include) into every host build of lib/c (see Hakefile here), so
// that lib/c's malloc, printf, ... become sietch_malloc, sietch_printf, ...
// and live beside the host C library, which Check and the tests use. The
// tests call them through libc_test.h. Sietch-only names (libc_*,
// malloc_get_stats, malloc_check_heap, fmt_*) cannot clash and stay as they
// are. A name missing here would make lib/c replace the host's function
// inside the test program: the Hakefile checks the archive's symbols.

// lib/base/string.c (built into the host copy of lib/c)
#define memcpy  sietch_memcpy
#define memmove sietch_memmove
#define memset  sietch_memset
#define memcmp  sietch_memcmp
#define strlen  sietch_strlen
#define strnlen sietch_strnlen
#define strcmp  sietch_strcmp
#define strncmp sietch_strncmp
#define strchr  sietch_strchr
#define strrchr sietch_strrchr
#define strlcpy sietch_strlcpy

// <string.h>, <strings.h>
#define strcpy      sietch_strcpy
#define strncpy     sietch_strncpy
#define strcat      sietch_strcat
#define strncat     sietch_strncat
#define strstr      sietch_strstr
#define strspn      sietch_strspn
#define strcspn     sietch_strcspn
#define strpbrk     sietch_strpbrk
#define memchr      sietch_memchr
#define memrchr     sietch_memrchr
#define strtok_r    sietch_strtok_r
#define strtok      sietch_strtok
#define strdup      sietch_strdup
#define strndup     sietch_strndup
#define strerror    sietch_strerror
#define strcasecmp  sietch_strcasecmp
#define strncasecmp sietch_strncasecmp

// <ctype.h>
#define isalnum  sietch_isalnum
#define isalpha  sietch_isalpha
#define iscntrl  sietch_iscntrl
#define isdigit  sietch_isdigit
#define isgraph  sietch_isgraph
#define islower  sietch_islower
#define isprint  sietch_isprint
#define ispunct  sietch_ispunct
#define isspace  sietch_isspace
#define isupper  sietch_isupper
#define isxdigit sietch_isxdigit
#define isblank  sietch_isblank
#define tolower  sietch_tolower
#define toupper  sietch_toupper

// <stdio.h>
#define stdin     sietch_stdin
#define stdout    sietch_stdout
#define stderr    sietch_stderr
#define printf    sietch_printf
#define fprintf   sietch_fprintf
#define vprintf   sietch_vprintf
#define vfprintf  sietch_vfprintf
#define snprintf  sietch_snprintf
#define vsnprintf sietch_vsnprintf
#define sprintf   sietch_sprintf
#define vsprintf  sietch_vsprintf
#define fputc     sietch_fputc
#define putc      sietch_putc
#define putchar   sietch_putchar
#define fputs     sietch_fputs
#define puts      sietch_puts
#define fwrite    sietch_fwrite
#define fflush    sietch_fflush
#define fgetc     sietch_fgetc
#define getc      sietch_getc
#define getchar   sietch_getchar
#define fgets     sietch_fgets
#define feof      sietch_feof
#define ferror    sietch_ferror
#define clearerr  sietch_clearerr
#define perror    sietch_perror

// <stdlib.h>, <inttypes.h>
#define malloc         sietch_malloc
#define free           sietch_free
#define calloc         sietch_calloc
#define realloc        sietch_realloc
#define aligned_alloc  sietch_aligned_alloc
#define posix_memalign sietch_posix_memalign
#define strtol         sietch_strtol
#define strtoll        sietch_strtoll
#define strtoul        sietch_strtoul
#define strtoull       sietch_strtoull
#define atoi           sietch_atoi
#define atol           sietch_atol
#define atoll          sietch_atoll
#define strtoimax      sietch_strtoimax
#define strtoumax      sietch_strtoumax
#define abs            sietch_abs
#define labs           sietch_labs
#define llabs          sietch_llabs
#define imaxabs        sietch_imaxabs
#define qsort          sietch_qsort
#define bsearch        sietch_bsearch
#define rand           sietch_rand
#define srand          sietch_srand
#define getenv         sietch_getenv
#define exit           sietch_exit
#define _Exit          sietch__Exit
#define abort          sietch_abort
#define atexit         sietch_atexit

// <errno.h>
#define errno sietch_errno

// <arpa/inet.h>
#define inet_pton sietch_inet_pton
#define inet_ntop sietch_inet_ntop
#define inet_aton sietch_inet_aton
#define inet_addr sietch_inet_addr
#define inet_ntoa sietch_inet_ntoa
