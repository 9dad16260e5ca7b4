/*
 * usr/init/main.c: init, the first process.
 *
 * The CPU driver starts init with every resource of the machine (kpi/init.h).
 * init keeps a pool of RAM for itself, starts mem_serv with the rest, then
 * serves names and processes on its endpoint: every other process is
 * spawned by init (from a boot module), charged to its own pid at mem_serv,
 * and reclaimed whole when it ends. The programs named on init's command
 * line in the boot menu (e.g. `module /sbin/init shell`) start at boot.
 */
#include "init.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/slot.h>

#define COM1_FIRST   0x3f8
#define COM1_LAST    0x3ff
#define COM1_GSI     4
#define SHELL_VECTOR 64

static struct server_chan chans[64];
struct server init_server = {.chans = chans, .nchans = 64};

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    if (req->op >= INIT_WAKE_VECTOR && req->op <= INIT_REMOTE_REVOKE) {
        struct requester rq = {.chan = req->chan, .pid = req->chan->pid};
        char name[NAME_MAX_LEN + 2] = "";
        if (req->chan->buf)
            strlcpy(name, req->chan->buf, sizeof(name));
        broker_handle(&rq, req->op, req->a[0], req->cap, name); // it answers
        resp->defer = true;
        return;
    }
    switch (req->op) {
    case INIT_NAME_REGISTER:
    case INIT_NAME_LOOKUP: names_handle(req, resp); return;
    case INIT_POWEROFF:
        if (procs_trusted(req->chan->pid))
            power_off();
        resp->err = PROC_ERR_DENIED;
        break;
    default: procs_handle(req, resp);
    }
    if (req->cap)
        cap_destroy(req->cap);
}

static void notify(struct server *s, uint64_t bits)
{
    (void)s;
    if (bits & EXIT_NOTIFY)
        procs_child_exit();
}

// The shell drives COM1 itself: its ports, its interrupt input, a vector.
static MUST_CHECK errval_t give_console(struct proc_rec *p)
{
    capref_t io;
    errval_t err = slot_alloc(&io);
    if (err_is_ok(err))
        err = cap_mint(io, cap_io, CAP_RIGHT_READ | CAP_RIGHT_WRITE, COM1_FIRST, COM1_LAST);
    if (err_is_ok(err))
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA0, io);
    if (err_is_ok(err))
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA1, cap_at(ROOTCN_SLOT_IRQCN, COM1_GSI));
    if (err_is_ok(err))
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA2, cap_at(ROOTCN_SLOT_IRQCN, SHELL_VECTOR));
    return err;
}

// devmgr manages the devices: the machine's device memory (our DEVCN), the
// interrupt vectors (IRQCN; it uses DEVMGR's range) and the bootinfo (ACPI).
static MUST_CHECK errval_t give_devices(struct proc_rec *p)
{
    errval_t err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA0, cap_l1(ROOTCN_SLOT_DEVCN));
    if (err_is_ok(err))
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA1, cap_l1(ROOTCN_SLOT_IRQCN));
    if (err_is_ok(err))
        err = spawn_give(&p->sp, TASKCN_SLOT_EXTRA2,
                         cap_at(ROOTCN_SLOT_TASKCN, TASKCN_SLOT_BOOTINFO));
    return err;
}

static void start_boot_program(const char *name)
{
    const char *argv[] = {name};
    struct proc_rec *p = NULL;
    errval_t err = proc_create(1, argv, NULL, NULL, NULL, &p); // (no limits)
    if (err_is_ok(err))
        p->trusted = true; // the boot menu's programs act for whoever booted the machine
    if (err_is_ok(err) && !strcmp(name, "shell"))
        err = give_console(p);
    if (err_is_ok(err) && !strcmp(name, "devmgr")) {
        err = give_devices(p);
        p->system = true; // every device and the IOMMU hang on it: never killed
    }
    if (err_is_ok(err))
        err = proc_run(p);
    if (err_is_fail(err) && p)
        proc_discard(p); // set up but never run
    if (err_is_fail(err))
        printf("init: cannot start '%s': %s\n", name, err_msg(err));
    // The programs after devmgr (the shell) find the devices ready: serve
    // until it has registered its name (or ended).
    while (err_is_ok(err) && !strcmp(name, "devmgr") && !names_has("devmgr") &&
           p->state == PROC_RUNNING)
        server_step(&init_server);
}

int main(int argc, char **argv)
{
    init_server.ep = cap_selfep;
    init_server.handle = handle;
    init_server.notify = notify;
    init_server.client_limits = procs_client_limits;
    errval_t err = mem_setup(); // (too little memory: it says how much is needed)
    if (err_is_fail(err))
        return 1;
    err = mem_start_memserv();
    if (err_is_fail(err)) {
        printf("init: cannot start mem_serv: %s\n", err_msg(err));
        return 1;
    }
    power_init();
    cores_init();
    for (int i = 1; i < argc; i++)
        start_boot_program(argv[i]);
    server_run(&init_server);
}
