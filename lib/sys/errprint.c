/* lib/sys/errprint.c: an error chain on the console (err_print_chain, sys/sys.h). */
#include <stdio.h>
#include <sys/sys.h>

void err_print_chain(const char *what, errval_t err)
{
    char text[1024];
    err_chain_format(err, text, sizeof(text));
    printf("%s: %s\n", what, text);
}
