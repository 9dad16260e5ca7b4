/* lib/c/include/ctype.h: character classes of the C locale (ASCII). */
#pragma once

// Each takes an unsigned char value or EOF (-1); anything else, like a
// negative plain char, counts as no class rather than reading out of bounds.
// Bytes 128-255 belong to no class, as in the C locale.
int isalnum(int c);
int isalpha(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int isblank(int c);
int tolower(int c);
int toupper(int c);
