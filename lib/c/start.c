/* lib/c/start.c: from _start to main and exit. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

// Every program defines it.
int main(int argc, char **argv);

void libc_start(void *startup_arg)
{
    char **argv = NULL;
    int argc = libc_sys_args(startup_arg, &argv);
    if (argc < 0 || !argv) {
        static const char msg[] = "libc_start: no arguments from the system layer\n";
        libc_sys_write(msg, sizeof(msg) - 1);
        _Exit(127);
    }
    exit(main(argc, argv));
}
