/* usr/shell/commands.c: the shell's commands. */
#include "shell.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/memserv.h>
#include <sys/netctl.h>
#include <sys/storctl.h>

static int usage(const char *cmd)
{
    for (const struct command *c = commands; c->name; c++) {
        if (!strcmp(c->name, cmd))
            printf("usage: %s\n", c->usage);
    }
    return 1;
}

static bool parse_pid(const char *s, uint64_t *pid) { return shell_parse_num(s, UINT64_MAX, pid); }

static int fail(const char *cmd, errval_t err)
{
    printf("%s: %s\n", cmd, err_msg(err_root(err)));
    return 1;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (const struct command *c = commands; c->name; c++)
        printf("  %-22s %s\n", c->usage, c->help);
    return 0;
}

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    printf("\n");
    return 0;
}

static void report_end(const char *name, uint64_t pid, uint64_t status)
{
    if (status == DISP_EXIT_KILLED)
        printf("[%lu] %s: killed\n", pid, name);
    else if (status == DISP_EXIT_EXCEPTION)
        printf("[%lu] %s: stopped by an exception\n", pid, name);
    else if (status)
        printf("[%lu] %s: exited with status %lu\n", pid, name, status);
}

// Wait for a foreground program: its end, or Ctrl-C (it is killed) or
// Ctrl-Z (it goes on in the background); the shell's status.
static int foreground(const char *name, uint64_t pid)
{
    enum fg_end how = console_wait(pid);
    if (how == FG_DETACHED) {
        printf("^Z\n[%lu] %s: in the background\n", pid, name);
        return 0;
    }
    if (how == FG_INTERRUPTED) {
        printf("^C\n");
        errval_t err = proc_kill(pid);
        if (err_is_fail(err) && !err_has(err, PROC_ERR_NO_SUCH)) // not: it ended meanwhile
            return fail("run", err);
    }
    uint64_t status;
    errval_t err = proc_wait(pid, &status); // until it is gone and reclaimed
    if (err_is_fail(err))
        return fail("run", err);
    report_end(name, pid, status);
    return status != 0;
}

static int cmd_run(int argc, char **argv)
{
    unsigned core = PROC_ANY_CORE;
    struct proc_limits limits;
    char why[160];
    if (!shell_run_options(&argc, &argv, PROC_ANY_CORE - 1, &core, &limits, why, sizeof(why))) {
        printf("run: %s\n", why);
        return usage("run");
    }
    bool background = argc > 1 && !strcmp(argv[argc - 1], "&");
    if (background)
        argc--;
    if (argc < 2)
        return usage("run");
    char line[SHELL_LINE_MAX + 1];
    uint64_t pid;
    errval_t err = shell_join(argc - 1, argv + 1, line, sizeof(line)) ? SYS_ERR_OK : SPAWN_ERR_ARGS;
    if (err_is_ok(err))
        err = proc_spawn_limited(core, line, &limits, &pid);
    if (err_has(err, PROC_ERR_NO_CORE)) {
        printf("run: core %u: %s\n", core, err_msg(err_root(err)));
        return 1;
    }
    if (err_is_fail(err)) {
        printf("run: %s: %s\n", argv[1], err_msg(err_root(err)));
        return 1;
    }
    if (background) {
        printf("[%lu] %s\n", pid, argv[1]);
        return 0;
    }
    return foreground(argv[1], pid);
}

static int cmd_kill(int argc, char **argv)
{
    uint64_t pid;
    if (argc != 2 || !parse_pid(argv[1], &pid))
        return usage("kill");
    errval_t err = proc_kill(pid);
    if (err_is_fail(err)) {
        printf("kill: %s: %s\n", argv[1], err_msg(err_root(err)));
        return 1;
    }
    uint64_t status;
    err = proc_wait(pid, &status); // until it is gone and reclaimed
    if (err_is_fail(err))
        return fail("kill", err);
    printf("[%lu] killed\n", pid);
    return 0;
}

static const char *state_name(uint32_t s)
{
    return s == PROC_RUNNING ? "running" : s == PROC_EXITED ? "exited" : "killed";
}

static int cmd_ps(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage("ps");
    static struct proc_info procs[PROC_LIST_MAX];
    unsigned n;
    errval_t err = proc_list(procs, PROC_LIST_MAX, &n);
    if (err_is_fail(err))
        return fail("ps", err);
    printf("  PID CORE STATE       MEM  NAME\n");
    for (unsigned i = 0; i < n; i++) {
        char mem[24] = "    - "; // on another core: its monitor's to count
        if (procs[i].core == 0)
            snprintf(mem, sizeof(mem), "%5lu K", procs[i].mem >> 10);
        printf("%5lu %4u %-8s %s  %s\n", procs[i].pid, procs[i].core, state_name(procs[i].state),
               mem, procs[i].name);
    }
    return 0;
}

static int cmd_mem(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage("mem");
    uint64_t total, free, mine;
    errval_t err = memserv_stats(&total, &free, &mine);
    if (err_is_fail(err))
        return fail("mem", err);
    printf("RAM: %lu KiB total, %lu KiB free, %lu KiB in use\n", total >> 10, free >> 10,
           (total - free) >> 10);
    return 0;
}

static void print_line(void *arg, const char *line)
{
    (void)arg;
    printf("%s\n", line);
}

// lspci from devmgr; with -v, who owns each device too.
static int cmd_lspci(int argc, char **argv)
{
    bool verbose = argc == 2 && !strcmp(argv[1], "-v");
    if (argc > 2 || (argc == 2 && !verbose))
        return usage("lspci");
    errval_t err = devmgr_lspci(verbose, print_line, NULL);
    if (err_is_fail(err))
        return fail("lspci", err);
    static struct devmgr_dev devs[DEVMGR_MAX_DEVS];
    unsigned n;
    if (!verbose || err_is_fail(err = devmgr_list(devs, DEVMGR_MAX_DEVS, &n)))
        return err_is_ok(err) ? 0 : fail("lspci", err);
    printf("owners:\n");
    for (unsigned i = 0; i < n; i++) {
        const struct devmgr_dev *d = &devs[i];
        char owner[40] = "nobody (blocked)";
        if (d->owner != DEVMGR_NO_OWNER)
            snprintf(owner, sizeof(owner), "pid %lu%s%s%s", d->owner, d->driver[0] ? " (" : "",
                     d->driver, d->driver[0] ? ")" : "");
        printf("  %02x:%02x.%u %s, %s", d->rid >> 8, (d->rid >> 3) & 31, d->rid & 7, owner,
               d->flags & DEVMGR_DEV_BOUND ? "IOMMU domain " : "no IOMMU domain");
        if (d->flags & DEVMGR_DEV_BOUND)
            printf("%u", d->domain);
        printf(", %lu IOMMU faults\n", d->faults);
    }
    return 0;
}

static void print_vnic(const struct netctl_vnic *v, bool detail)
{
    const uint8_t *ip = (const uint8_t *)&v->ip, *m = v->mac;
    char owner[24] = "free";
    if (v->owner)
        snprintf(owner, sizeof(owner), "pid %lu", v->owner);
    char vlan[16] = "";
    if (v->vlan)
        snprintf(vlan, sizeof(vlan), ", VLAN %u", v->vlan);
    printf("  %u  %02x:%02x.%u  %02x:%02x:%02x:%02x:%02x:%02x  %u.%u.%u.%u  %-9s %u filters%s\n",
           v->id, v->rid >> 8, (v->rid >> 3) & 31, v->rid & 7, m[0], m[1], m[2], m[3], m[4], m[5],
           ip[0], ip[1], ip[2], ip[3], owner, v->nfilters, vlan);
    if (!detail)
        return;
    printf("     device counters: rx %lu frames, %lu bytes; tx %lu frames, %lu bytes\n",
           v->rx_packets, v->rx_octets, v->tx_packets, v->tx_octets);
    // What isolates this VNIC, and who enforces each part.
    printf("     enforced by the device: receive by MAC%s; broadcast %s, multicast %s\n",
           v->vlan ? " and VLAN (tagged on send)" : "", v->rx_mode & NETCTL_RX_BCAST ? "on" : "off",
           v->rx_mode & NETCTL_RX_MCAST ? "on" : "off");
    bool as = v->enforced & NETCTL_ENFORCES_ANTISPOOF,
         rl = v->enforced & NETCTL_ENFORCES_RATE_LIMIT;
    const char *spoof = as ? "enforced by the device" : "NOT enforced (this device checks nothing)";
    printf("     source MAC/VLAN anti-spoofing: %s", spoof);
    if (as)
        printf(", %lu spoofed frames dropped", v->spoofed);
    char rate[24] = "none";
    if (v->rate_mbps)
        snprintf(rate, sizeof(rate), "%u Mb/s", v->rate_mbps);
    printf("\n     transmit rate limit: %s\n", rl ? rate : "NOT available on this device");
    printf("     port and protocol filters: the application's library OS (not isolation)\n");
}

// vnic list | vnic show <n>: netctl's VNICs.
static int cmd_vnic(int argc, char **argv)
{
    uint64_t n = 0;
    bool show = argc == 3 && !strcmp(argv[1], "show") && parse_pid(argv[2], &n);
    if (!show && !(argc == 2 && !strcmp(argv[1], "list")))
        return usage("vnic");
    static struct netctl_vnic v[NETCTL_MAX_VNICS];
    unsigned count;
    errval_t err = netctl_list(v, NETCTL_MAX_VNICS, &count);
    if (err_is_fail(err))
        return fail("vnic", err);
    if (show && n >= count) {
        printf("vnic: %lu: %s\n", n, err_msg(NETCTL_ERR_NO_SUCH_VNIC));
        return 1;
    }
    printf("  VNIC VF     MAC                IPv4        OWNER     FILTERS\n");
    for (unsigned i = 0; i < count; i++) {
        if (!show || i == n)
            print_vnic(&v[i], show);
    }
    return 0;
}

static int cmd_caps(int argc, char **argv)
{
    uint64_t pid, next = 0;
    if (argc != 2 || !parse_pid(argv[1], &pid))
        return usage("caps");
    do {
        const char *text;
        errval_t err = proc_caps(pid, next, &text, &next);
        if (err_is_fail(err)) {
            printf("caps: %s: %s\n", argv[1], err_msg(err_root(err)));
            return 1;
        }
        fputs(text, stdout);
    } while (next);
    return 0;
}

// `vsic list`: storctl's VSICs (secondary controllers) and who holds each.
static int cmd_vsic(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "list"))
        return usage("vsic");
    static struct storctl_vsic v[STORCTL_MAX_VSICS];
    unsigned n;
    errval_t err = storctl_vsic_list(v, STORCTL_MAX_VSICS, &n);
    if (err_is_fail(err))
        return fail("vsic", err);
    printf("VSIC  VF       CTRL  STATE    VQ VI  VSAS  OWNER\n");
    for (unsigned i = 0; i < n; i++) {
        printf("%4u  %02x:%02x.%u  %4u  %-7s  %2u %2u  %4u  ", v[i].id, v[i].rid >> 8,
               (v[i].rid >> 3) & 31, v[i].rid & 7, v[i].cntlid, v[i].online ? "online" : "offline",
               v[i].queues, v[i].interrupts, v[i].vsas);
        printf(v[i].owner ? "pid %lu\n" : "free\n", v[i].owner);
    }
    return 0;
}

// `vsa list`: the namespaces for VSAs, their names and where they are attached.
static int cmd_vsa(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "list"))
        return usage("vsa");
    static struct storctl_vsa a[STORCTL_MAX_VSAS];
    unsigned n;
    errval_t err = storctl_vsa_list(a, STORCTL_MAX_VSAS, &n);
    if (err_is_fail(err))
        return fail("vsa", err);
    printf("NSID  NAME                             SIZE       VSIC  OWNER\n");
    for (unsigned i = 0; i < n; i++) {
        printf("%4u  %-31s  %6lu KiB  ", a[i].nsid, a[i].name[0] ? a[i].name : "-",
               a[i].blocks * a[i].block_size >> 10);
        if (a[i].vsic >= 0)
            printf("%4d  pid %lu\n", a[i].vsic, a[i].owner);
        else
            printf("   -  -\n");
    }
    return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return fail("poweroff", sys_poweroff());
}

const struct command commands[] = {
    {"help", "help", "list the commands", cmd_help},
    {"echo", "echo [words...]", "print the words", cmd_echo},
    {"ps", "ps", "list processes", cmd_ps},
    {"run", "run [-c core] [--<limit> n]... <prog> [args] [&]",
     "start a boot module (on a core; with limits: mem, domains, vectors, vnics, vsics, chans; "
     "& : in the background)",
     cmd_run},
    {"kill", "kill <pid>", "stop a process and reclaim its memory", cmd_kill},
    {"mem", "mem", "free and used RAM", cmd_mem},
    {"limits", "limits", "each process's limits and what it holds of each", cmd_limits},
    {"caps", "caps <pid>", "list the capabilities of a process", cmd_caps},
    {"lspci", "lspci [-v]", "list PCI devices (-v: in detail, with owners)", cmd_lspci},
    {"vnic", "vnic list | vnic show <n>", "netctl's VNICs (show: with counters)", cmd_vnic},
    {"vsic", "vsic list", "list VSICs (NVMe secondary controllers) and their owners", cmd_vsic},
    {"vsa", "vsa list", "list VSAs (namespaces), their names and holders", cmd_vsa},
    {"servers", "servers", "each server's client channels; devmgr's vectors and domains",
     cmd_servers},
    {"poweroff", "poweroff", "switch the machine off", cmd_poweroff},
    {NULL, NULL, NULL, NULL},
};
