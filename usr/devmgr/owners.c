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
#include <sys/irq.h>
#include <sys/slot.h>

// The drivers devmgr knows: a device's IDs and the boot module to start.
static const struct driver {
    uint16_t vendor, device;
    const char *program;
} drivers[] = {
    {0x8086, 0x10c9, "netctl"},  // Intel 82576 (igb) PF: VNICs
    {0x1b36, 0x0010, "storctl"}, // QEMU NVMe controller: VSICs
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
    errval_t err = notify_cap(cap_selfep, WATCH_NOTIFY, &note);
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
    // A driver is part of the system: no limits (they would be devmgr's own).
    errval_t err = proc_spawn_limited(PROC_ANY_CORE, line, &proc_limits_none, &pid);
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
        // the new owner brings its own domain (and its own vectors)
        err_ignore(
            iommu_detach(d),
            "the device is detached either way (its entry cleared; an IOTLB failure is printed by "
            "the VT-d driver)");
    irq_dev_released(d);
    d->granter = d->owner;
    d->owner = pid;
    return SYS_ERR_OK;
}

errval_t owners_return(struct dev *d)
{
    if (d->granter == DEVMGR_NO_OWNER)
        return SYS_ERR_INVALID_ARGS; // not granted: nobody to return it to
    if (d->domain >= 0)
        err_ignore(iommu_detach(d), "the device is detached either way (its entry cleared; an "
                                    "IOTLB failure is printed by the VT-d driver)");
    irq_dev_released(d);
    d->owner = d->granter;
    d->granter = DEVMGR_NO_OWNER;
    return SYS_ERR_OK;
}

static const struct driver *driver_for(const struct dev *d)
{
    for (unsigned k = 0; !d->f.is_vf && k < sizeof(drivers) / sizeof(drivers[0]); k++) {
        if (d->f.hdr.vendor == drivers[k].vendor && d->f.hdr.device == drivers[k].device)
            return &drivers[k];
    }
    return NULL;
}

// Nobody but us reaches d any more: out of its IOMMU domain, its
// interrupt remapping entries cleared, and every copy of its BAR and
// configuration caps revoked (mappings with them).
static void cut_off(struct dev *d)
{
    if (d->domain >= 0)
        err_ignore(iommu_detach(d), "the device is detached either way (its entry cleared; an "
                                    "IOTLB failure is printed by the VT-d driver)");
    irq_dev_released(d);
    for (unsigned b = 0; b < 6; b++) {
        if (d->bars[b])
            err_ignore(cap_revoke(d->bars[b]), "best effort while taking a device back: copies "
                                               "left behind name a device the next owner resets");
    }
    if (d->config)
        err_ignore(cap_revoke(d->config), "best effort while taking a device back: copies left "
                                          "behind name a device the next owner resets");
}

// pf's driver ended: start it again from a known state. Its VFs go back to
// the PF's driver and their state in the device goes with the reset, so a
// program holding one is cut off from it and ended (it would otherwise run
// on a device that is no longer its own); the PF's VFs and bus mastering
// are turned off; the driver's own start resets the rest (netctl: a device
// reset; storctl: an FLR). A driver that keeps ending is started at most
// DRIVER_RESTARTS times a boot.
static void restart_driver(struct dev *pf, const struct driver *drv)
{
    struct pci_bdf b = pf->f.bdf;
    for (unsigned i = 0; i < ndevs; i++) {
        struct dev *v = &devs[i];
        if (!v->f.is_vf || pci_bdf_rid(v->f.pf) != dev_rid(pf))
            continue;
        uint64_t holder = v->owner;
        cut_off(v);
        v->owner = v->granter = DEVMGR_NO_OWNER;
        if (holder == DEVMGR_NO_OWNER)
            continue;
        errval_t err = proc_kill(holder);
        if (err_has(err, PROC_ERR_NO_SUCH))
            err = SYS_ERR_OK; // ending already
        if (err_is_ok(err))
            printf("devmgr: %02x:%02x.%u: its driver %s restarts: pid %lu, which held it, is "
                   "ended\n",
                   v->f.bdf.bus, v->f.bdf.dev, v->f.bdf.fn, drv->program, holder);
        else
            printf("devmgr: %02x:%02x.%u: its driver %s restarts: pid %lu, which held it, is cut "
                   "off (it may not be ended: %s)\n",
                   v->f.bdf.bus, v->f.bdf.dev, v->f.bdf.fn, drv->program, holder, err_msg(err));
    }
    cut_off(pf);
    errval_t err = dev_sriov_off(pf);
    if (err_is_fail(err)) {
        printf("devmgr: %02x:%02x.%u: cannot turn its VFs off (%s): %s not started again\n", b.bus,
               b.dev, b.fn, err_msg(err), drv->program);
        return;
    }
    if (pf->restarts == DRIVER_RESTARTS) {
        printf("devmgr: %02x:%02x.%u: %s ended %u times since boot: not started again\n", b.bus,
               b.dev, b.fn, drv->program, DRIVER_RESTARTS + 1);
        return;
    }
    pf->restarts++;
    printf("devmgr: %02x:%02x.%u: starting %s again (%u of %u)\n", b.bus, b.dev, b.fn, drv->program,
           pf->restarts, DRIVER_RESTARTS);
    start_driver(pf, drv);
}

// pid ended: what it was granted goes back, what it owned outright (a
// driver) is nobody's, and its domains go; a driver devmgr started is
// started again.
static void take_back(uint64_t pid)
{
    struct dev *restart[4];
    unsigned nrestart = 0;
    for (unsigned i = 0; i < ndevs; i++) {
        struct dev *d = &devs[i];
        if (d->owner == pid && d->granter != DEVMGR_NO_OWNER) {
            err_ignore(owners_return(d), "the device is returned to devmgr either way: a grant "
                                         "that fails to end is ended at the holder's exit");
            printf("devmgr: %02x:%02x.%u back to pid %lu (pid %lu ended)\n", d->f.bdf.bus,
                   d->f.bdf.dev, d->f.bdf.fn, d->owner, pid);
        } else if (d->owner == pid) {
            if (d->domain >= 0)
                err_ignore(iommu_detach(d), "the device is detached either way (its entry cleared; "
                                            "an IOTLB failure is printed by the VT-d driver)");
            irq_dev_released(d);
            d->owner = DEVMGR_NO_OWNER;
            if (!d->f.is_vf) // (its VFs, which it had not granted, with it)
                printf("devmgr: %02x:%02x.%u: its driver %s (pid %lu) ended\n", d->f.bdf.bus,
                       d->f.bdf.dev, d->f.bdf.fn, d->driver, pid);
            if (driver_for(d) && nrestart < sizeof(restart) / sizeof(restart[0]))
                restart[nrestart++] = d;
        }
        if (d->granter == pid) // its grantor ended first: the grant stands alone
            d->granter = DEVMGR_NO_OWNER;
    }
    iommu_proc_ended(pid);
    irq_proc_ended(pid);
    for (unsigned i = 0; i < nrestart; i++)
        restart_driver(restart[i], driver_for(restart[i]));
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
