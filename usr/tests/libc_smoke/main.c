/* usr/tests/libc_smoke/main.c: a user program that links lib/c and exercises its start-up path. */
#include <sietch/malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("libc_smoke: %d argument(s), argv[0] \"%s\"\n", argc, argc > 0 ? argv[0] : "");
    char *copy = strdup("heap works");
    if (!copy) {
        printf("libc_smoke: strdup failed\n");
        return 1;
    }
    struct malloc_stats st;
    malloc_get_stats(&st);
    printf("libc_smoke: %s, %zu bytes in use of %zu\n", copy, st.in_use, st.heap);
    free(copy);
    const char *err = malloc_check_heap();
    if (err) {
        printf("libc_smoke: heap check failed: %s\n", err);
        return 1;
    }
    return 42; // a status nothing else produces, for the loader's test to check
}
