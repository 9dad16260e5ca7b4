/* usr/netctl/netctl.h: netctl's state: the PF and its VNICs. */
#pragma once

#include <igb/igb_pf.h>
#include <pci/pci_enum.h>
#include <sys/caps.h>
#include <sys/irq.h>
#include <sys/netctl.h>

// The notification bit of the PF's mailbox interrupt (main.c sets it up,
// server.c's notify answers it).
#define MAILBOX_NOTIFY (1ull << 2)

struct filter {
    bool used;
    struct netctl_filter f;
};

// netctl's record of one VNIC (a VF) it hands out; the application's
// handle to it is lib/os's struct vnic, its description struct netctl_vnic.
struct vnic_rec {
    uint16_t rid;
    uint8_t mac[6];
    uint32_t ip;    // network order
    uint64_t owner; // pid, 0: free
    struct filter filters[NETCTL_MAX_FILTERS];
    uint32_t generation; // VNIC and filter caps of a former owner name nothing
    uint64_t spoofed;    // frames the device dropped for a source not its own (WVBR)
};

struct netctl {
    uint16_t pf_rid;
    struct pci_fn_page page;
    struct igb_pf pf;
    struct vnic_rec vnics[NETCTL_MAX_VNICS];
    uint32_t netmask, gateway;
    uint64_t ep_id;             // our endpoint's identity (identify: bytes), for filter caps
    struct pci_msix_table msix; // the PF's MSI-X table
    struct dev_irq mailbox_irq; // its entry 0: a VF posted to its mailbox, or reset
};

extern struct netctl nc;

// The server loop (server.c); returns only on failure.
int netctl_serve(void);
