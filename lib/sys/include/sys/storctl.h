/* lib/sys/include/sys/storctl.h: storctl's operations (usr/storctl; issue 9 adds VSICs). */
#pragma once

#define STORCTL_NAME "storctl"

enum storctl_op {
    STORCTL_INFO = 1, // -> w0: namespaces, w1: MSI-X vector, w2: IOMMU domain; buf: "model|serial"
    STORCTL_CHECK_ISOLATION = 2, // -> w0: STORCTL_ISO_* results, w1: the page's physical address
};

// What STORCTL_CHECK_ISOLATION saw when the controller was told to write
// to a page outside its domain (its physical address as the IOVA).
#define STORCTL_ISO_COMPLETED     (1u << 0) // the command completed (no hang)
#define STORCTL_ISO_FAILED_STATUS (1u << 1) // with an error status (its data transfer failed)
#define STORCTL_ISO_SIGNALLED     (1u << 2) // devmgr signalled us (the fault note)
#define STORCTL_ISO_LOGGED        (1u << 3) // devmgr counted a fault at that page
#define STORCTL_ISO_UNCHANGED     (1u << 4) // the page holds what it held
#define STORCTL_ISO_INSIDE_OK     (1u << 5) // an Identify inside the domain still works
#define STORCTL_ISO_ALL           0x3f
