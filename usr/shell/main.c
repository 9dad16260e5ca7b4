/*
 * usr/shell/main.c: the shell on COM1.
 *
 * It drives the UART's input itself (drivers/serial, with the I/O ports,
 * interrupt input and vector init handed it); output goes through the CPU
 * driver's console. Commands (commands.c) talk to init and mem_serv.
 */
#include "shell.h"
#include <serial/serial.h>
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/rpc.h>
#include <sys/slot.h>
#include <sys/sys.h>

#define COM1 0x3f8

static struct serial console;

static size_t console_read(char *buf, size_t len) { return serial_read(&console, buf, len); }

static errval_t console_init(void)
{
    capref_t notify;
    errval_t err = slot_alloc(&notify);
    if (err_is_ok(err))
        err = cap_mint(notify, cap_selfep, CAP_RIGHT_WRITE, RPC_BADGE_NOTIFY | 1, 0);
    if (err_is_ok(err))
        err = serial_init(&console, COM1, cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA0),
                          cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA1),
                          cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_EXTRA2), cap_selfep, notify);
    if (err_is_ok(err))
        sys_set_console_reader(console_read);
    return err;
}

static int split(char *line, char **argv)
{
    int argc = 0;
    char *save;
    for (char *s = strtok_r(line, " \t", &save); s && argc < SHELL_MAX_ARGS;
         s = strtok_r(NULL, " \t", &save))
        argv[argc++] = s;
    return argc;
}

static void execute(char *line)
{
    char *argv[SHELL_MAX_ARGS];
    int argc = split(line, argv);
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
        printf("shell: no console input: %s\n", err_msg(err));
        return 1;
    }
    uint64_t hz = sys_tsc_hz(), up = sys_rdtsc() - sys_boot_tsc();
    if (hz)
        printf("sietch: up in %lu.%03lu s (since the CPU driver started); type 'help'\n", up / hz,
               up % hz * 1000 / hz);
    char line[256];
    while (readline("sietch$ ", line, sizeof(line)) >= 0)
        execute(line);
    return 0;
}
