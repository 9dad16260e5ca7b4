/*
 * usr/devmgr/owners.c: who owns which device: the drivers devmgr starts,
 * grants from an owner to another process, and taking devices back from
 * processes that ended.
 */
#include "devmgr.h"
#include <stdio.h>
#include <string.h>
#include <sys/capops.h>
#include <sys/initsvc.h>
#include <sys/slot.h>

// The drivers devmgr knows: a device's IDs and the boot module to start.
static const struct driver {
    uint16_t vendor, device;
    const char *program;
} drivers[] = {
    {0x8086, 0x10c9, "netctl"},  // Intel 82576 (igb) PF: VNICs (issue 8)
    {0x1b36, 0x0010, "storctl"}, // QEMU NVMe controller: VSICs (issue 9)
};

#define MAX_WATCHED 64
static uint64_t watched[MAX_WATCHED];
static unsigned nwatched;

errval_t owners_watch(uint64_t pid)
{
    for (unsigned i = 0; i < nwatched; i++) {
        if (watched[i] == pid)
            return SYS_ERR_OK;
    }
    if (nwatched == MAX_WATCHED)
        return SYS_ERR_NO_MEMORY;
    capref_t note;
    errval_t err = slot_alloc(&note);
    if (err_is_ok(err))
        err = cap_mint(note, cap_selfep, CAP_RIGHT_WRITE, RPC_BADGE_NOTIFY | WATCH_NOTIFY, 0);
    if (err_is_ok(err))
        err = proc_watch(pid, note);
    if (note)
        cap_destroy(note); // init has its copy
    if (err_is_ok(err))
        watched[nwatched++] = pid;
    return err;
}

static void start_driver(struct dev *d, const struct driver *drv)
{
    char line[48];
    struct pci_bdf b = d->f.bdf;
    snprintf(line, sizeof(line), "%s %02x:%02x.%u", drv->program, b.bus, b.dev, b.fn);
    uint64_t pid;
    errval_t err = proc_spawn(line, &pid);
    if (err_is_ok(err))
        err = owners_watch(pid);
    if (err_is_fail(err)) {
        printf("devmgr: %02x:%02x.%u %04x:%04x: cannot start %s: %s\n", b.bus, b.dev, b.fn,
               d->f.hdr.vendor, d->f.hdr.device, drv->program, err_msg(err));
        return;
    }
    d->owner = pid;
    strlcpy(d->driver, drv->program, sizeof(d->driver));
    printf("devmgr: %02x:%02x.%u %04x:%04x: driver %s (pid %lu)\n", b.bus, b.dev, b.fn,
           d->f.hdr.vendor, d->f.hdr.device, drv->program, pid);
}

void owners_start_drivers(void)
{
    for (unsigned i = 0; i < ndevs; i++) {
        for (unsigned k = 0; k < sizeof(drivers) / sizeof(drivers[0]); k++) {
            if (!devs[i].f.is_vf && devs[i].f.hdr.vendor == drivers[k].vendor &&
                devs[i].f.hdr.device == drivers[k].device)
                start_driver(&devs[i], &drivers[k]);
        }
    }
}

errval_t owners_grant(struct dev *d, uint64_t pid)
{
    uint32_t state;
    uint64_t status;
    errval_t err = proc_status(pid, &state, &status);
    if (err_is_ok(err) && state != PROC_RUNNING)
        err = PROC_ERR_NO_SUCH;
    if (err_is_ok(err) && d->granter != DEVMGR_NO_OWNER)
        err = SYS_ERR_BUSY; // granted already: only its granter gets it back
    if (err_is_ok(err))
        err = owners_watch(pid);
    if (err_is_fail(err))
        return err;
    if (d->domain >= 0)
        iommu_detach(d); // the new owner brings its own domain
    d->granter = d->owner;
    d->owner = pid;
    return SYS_ERR_OK;
}

errval_t owners_return(struct dev *d)
{
    if (d->granter == DEVMGR_NO_OWNER)
        return SYS_ERR_INVALID_ARGS; // not granted: nobody to return it to
    if (d->domain >= 0)
        iommu_detach(d);
    d->owner = d->granter;
    d->granter = DEVMGR_NO_OWNER;
    return SYS_ERR_OK;
}

// pid ended: what it was granted goes back, what it owned outright (a
// driver) is nobody's, and its domains go.
static void take_back(uint64_t pid)
{
    for (unsigned i = 0; i < ndevs; i++) {
        struct dev *d = &devs[i];
        if (d->owner == pid && d->granter != DEVMGR_NO_OWNER) {
            owners_return(d);
            printf("devmgr: %02x:%02x.%u back to pid %lu (pid %lu ended)\n", d->f.bdf.bus,
                   d->f.bdf.dev, d->f.bdf.fn, d->owner, pid);
        } else if (d->owner == pid) {
            if (d->domain >= 0)
                iommu_detach(d);
            d->owner = DEVMGR_NO_OWNER;
            printf("devmgr: %02x:%02x.%u: its driver %s (pid %lu) ended\n", d->f.bdf.bus,
                   d->f.bdf.dev, d->f.bdf.fn, d->driver, pid);
        }
        if (d->granter == pid) // its grantor ended first: the grant stands alone
            d->granter = DEVMGR_NO_OWNER;
    }
    iommu_proc_ended(pid);
    irq_proc_ended(pid);
}

void owners_check(void)
{
    for (unsigned i = 0; i < nwatched;) {
        uint32_t state;
        uint64_t status;
        errval_t err = proc_status(watched[i], &state, &status);
        if (err_is_ok(err) && state == PROC_RUNNING) {
            i++;
            continue;
        }
        take_back(watched[i]);
        watched[i] = watched[--nwatched];
    }
}
