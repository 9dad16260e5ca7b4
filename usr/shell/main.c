/*
 * usr/shell/main.c: the shell on COM1.
 *
 * It drives the UART's input itself (console.c); output goes through the
 * CPU driver's console. Lines are edited in readline.c and refused whole
 * when they are too long or have too many words, never cut. Commands
 * (commands.c) talk to init, mem_serv and the device servers.
 */
#include "shell.h"
#include <stdio.h>
#include <string.h>
#include <sys/sys.h>

static void execute(char *line)
{
    char *argv[SHELL_MAX_ARGS];
    int argc = shell_split(line, argv, SHELL_MAX_ARGS);
    if (argc < 0) {
        printf("sietch: too many words (at most %d): not run\n", SHELL_MAX_ARGS);
        return;
    }
    if (argc == 0)
        return;
    for (const struct command *c = commands; c->name; c++) {
        if (!strcmp(c->name, argv[0])) {
            c->run(argc, argv);
            return;
        }
    }
    printf("sietch: unknown command '%s' (try 'help')\n", argv[0]);
}

int main(void)
{
    errval_t err = console_init();
    if (err_is_fail(err)) {
        printf("shell: no console input: %s\n", err_msg(err_root(err)));
        return 1;
    }
    uint64_t hz = sys_tsc_hz(), up = sys_rdtsc() - sys_boot_tsc();
    if (hz)
        printf("sietch: up in %lu.%03lu s (since the CPU driver started); type 'help'\n", up / hz,
               up % hz * 1000 / hz);
    char line[SHELL_LINE_MAX + 1];
    int n;
    while ((n = readline("sietch$ ", line, sizeof(line))) != READLINE_EOF) {
        if (n == READLINE_TOO_LONG)
            printf("sietch: line too long (at most %d characters): not run\n", SHELL_LINE_MAX);
        else
            execute(line);
    }
    return 0;
}
