/*
 * usr/tests/devtest/main.c: devices, IOMMU and MSI-X from user mode.
 *
 * Runs as init, holding every resource of the machine: it finds the
 * hardware through ACPI and ECAM, enables the igb's VFs, tests IOMMU page
 * tables as capabilities, confines the NVMe controller's DMA with VT-d,
 * and takes its MSI-X interrupt at an endpoint. Each test prints TEST
 * PASS/FAIL; the program then leaves QEMU with the pass or fail status.
 */
#include "devtest.h"
#include <kpi/platform.h>
#include <stdio.h>

int main(void)
{
    static struct machine m;
    printf("devtest: devices, IOMMU and MSI-X from user mode\n");
    test_acpi(&m);
    test_pci(&m);
    test_iommu_caps();
    test_dma(&m);
    printf("devtest: done, %u failed\n", tests_failed);
    err_ignore(invoke_kernel_shutdown(cap_kernel, tests_failed ? EXIT_FAIL : EXIT_PASS),
               "returns only if QEMU did not exit: the caller halts next");
    return 1; // not reached: the kernel cap was refused
}
