/* usr/tests/devtest/devtest.h: shared state and helpers of the device and IOMMU test program. */
#pragma once

#include <acpi/dmar.h>
#include <acpi/mcfg.h>
#include <kpi/init.h>
#include <nvme/nvme.h>
#include <pci/pci_enum.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/caps.h>
#include <sys/devices.h>
#include <sys/lmp.h>
#include <vtd/vtd_unit.h>

#include <test/init.h>
#include <test/report.h>

// ACPI (from the bootinfo's RSDP copy): MCFG and DMAR.
void test_acpi(struct machine *m);

// PCI through ECAM: enumeration, the q35 devices, lspci, SR-IOV VFs.
void test_pci(struct machine *m);

// IOMMU tables as capabilities: retype, map rules, unmap on delete.
void test_iommu_caps(void);

// VT-d and NVMe DMA: translation, attach, Identify inside the domain,
// blocked outside it with a fault reported, MSI-X to an endpoint.
void test_dma(struct machine *m);
