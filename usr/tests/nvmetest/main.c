/*
 * usr/tests/nvmetest/main.c: NVMe SR-IOV end to end: runs as
 * init, plays the control plane on the PF and the application on VF 1,
 * then runs the log on the VF's namespace.
 *
 *   nvmetest first    every test, then a new log (the first boot)
 *   nvmetest second   the log the first boot left (same disk image)
 *   nvmetest crash    appends, acknowledging each, until QEMU is killed
 *   nvmetest recover  what the killed run left
 *
 * Each test prints TEST PASS/FAIL; the program then leaves QEMU with the
 * pass or fail status.
 */
#include "nvmetest.h"
#include <kpi/platform.h>
#include <stdio.h>
#include <string.h>

static struct machine m;
static struct pf pf;
static struct vf vf;

// The machine up to VF 1's controller with its I/O queue.
static MUST_CHECK errval_t setup(bool full)
{
    struct pci_bdf vf1 = {0};
    struct pci_bar bar0 = {0};
    errval_t err = platform_init(&m);
    if (err_is_ok(err))
        err = iommu_init(&m);
    if (err_is_ok(err))
        err = pf_setup(&m, &pf);
    report("setup.pf", err_is_ok(err), "%s", err_name(err));
    if (err_is_fail(err))
        return err;
    pf_tests(&pf, full);
    err = pf_make_vsic(&m, &pf, full, &vf1, &bar0);
    if (err_is_ok(err))
        err = vf_setup(&m, &vf, vf1, &bar0, full);
    report("setup.vf", err_is_ok(err), "%s", err_name(err));
    return err;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "first";
    bool full = !strcmp(mode, "first");
    printf("nvmetest: NVMe SR-IOV, a VF's data path and the log (%s)\n", mode);
    if (err_is_ok(setup(full))) {
        if (full) {
            vf_tests(&vf);
            admin_tests(&pf, &vf);
        }
        log_tests(&vf, mode);
    }
    unsigned faults = iommu_faults();
    report("iommu.no_faults", !faults, "%u DMA faults (printed above)", faults);
    printf("nvmetest: done, %u failed\n", tests_failed);
    err_ignore(invoke_kernel_shutdown(cap_kernel, tests_failed ? EXIT_FAIL : EXIT_PASS),
               "returns only if QEMU did not exit: the caller halts next");
    return 1; // not reached: the kernel cap was refused
}
