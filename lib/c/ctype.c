/* lib/c/ctype.c: character classes of the C locale, by ASCII ranges. */
#include <ctype.h>

enum {
    C_UPPER = 1 << 0,
    C_LOWER = 1 << 1,
    C_DIGIT = 1 << 2,
    C_SPACE = 1 << 3, // ' ' \t \n \v \f \r
    C_PUNCT = 1 << 4,
    C_CNTRL = 1 << 5,
    C_HEX = 1 << 6, // a-f A-F (the digits are C_DIGIT)
    C_BLANK = 1 << 7,
};

// Classes of the 128 ASCII codes (C11 7.4 with the C locale); 128-255 have
// none.
static unsigned char class_of(int c)
{
    if (c < 0 || c > 127)
        return 0;
    if (c >= 'A' && c <= 'Z')
        return C_UPPER | (c <= 'F' ? C_HEX : 0);
    if (c >= 'a' && c <= 'z')
        return C_LOWER | (c <= 'f' ? C_HEX : 0);
    if (c >= '0' && c <= '9')
        return C_DIGIT;
    if (c == ' ')
        return C_SPACE | C_BLANK;
    if (c == '\t')
        return C_SPACE | C_BLANK | C_CNTRL;
    if (c >= '\n' && c <= '\r')
        return C_SPACE | C_CNTRL;
    if (c < 32 || c == 127)
        return C_CNTRL;
    return C_PUNCT; // the rest of 33..126
}

static int is(int c, unsigned classes) { return (class_of(c) & classes) != 0; }

int isalnum(int c) { return is(c, C_UPPER | C_LOWER | C_DIGIT); }
int isalpha(int c) { return is(c, C_UPPER | C_LOWER); }
int iscntrl(int c) { return is(c, C_CNTRL); }
int isdigit(int c) { return is(c, C_DIGIT); }
int isgraph(int c) { return is(c, C_UPPER | C_LOWER | C_DIGIT | C_PUNCT); }
int islower(int c) { return is(c, C_LOWER); }
int isprint(int c) { return c == ' ' || isgraph(c); }
int ispunct(int c) { return is(c, C_PUNCT); }
int isspace(int c) { return is(c, C_SPACE); }
int isupper(int c) { return is(c, C_UPPER); }
int isxdigit(int c) { return is(c, C_DIGIT | C_HEX); }
int isblank(int c) { return is(c, C_BLANK); }
int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }
int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
