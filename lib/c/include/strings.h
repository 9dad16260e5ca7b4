/* lib/c/include/strings.h: case-insensitive comparison (POSIX), ASCII only. */
#pragma once

#include <stddef.h>

// Compare as strcmp/strncmp would after tolower() on every byte.
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
