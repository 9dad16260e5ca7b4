/*
 * lib/sys/include/sys/irq.h: notifications and interrupts delivered to an
 * endpoint of ours.
 *
 * A notification is an LMP send with LMP_FLAG_NOTIFY and no payload: the
 * kernel (an IRQDest's vector, a dispatcher's exit) or init (a watched
 * process ended) signals a copy of our endpoint badged RPC_BADGE_NOTIFY |
 * bits, and the receiver tells the sources apart by the bits (the server
 * loop's notify hook, or a thread waiting on the endpoint). A device's
 * interrupt reaches us that way: devmgr hands out a vector (an IRQDest cap
 * and the MSI the device must send), we connect the IRQDest to our
 * endpoint, and program the MSI into the device's MSI-X table
 * (pci_msix_route, drivers/pci). docs/devices.md follows one MSI from the
 * device to the endpoint.
 */
#pragma once

#include <stdint.h>
#include <sys/caps.h>

// A notification cap for ep: a copy of it with only the write right,
// badged RPC_BADGE_NOTIFY | bits, in a new slot *out, to be given to
// whatever signals (it keeps its own copy: destroy ours once given).
// Errors: slot_alloc's, cap_mint's (then no slot is held).
MUST_CHECK errval_t notify_cap(capref_t ep, uint64_t bits, capref_t *out);

// Connect the IRQDest irqdest to ep: each interrupt of its vector is a
// notification badged RPC_BADGE_NOTIFY | bits. Replaces an earlier
// connection if the kernel allows it (IRQDestCmd_Connect's rules; an
// earlier one can be dropped with invoke_irqdest_disconnect first).
// Errors: notify_cap's, the invocation's.
MUST_CHECK errval_t irq_connect(capref_t irqdest, capref_t ep, uint64_t bits);

// A device's interrupt vector, as devmgr handed it out.
struct dev_irq {
    capref_t cap;      // the IRQDest: reconnect it, or keep it to hold the vector
    uint32_t vector;   // give it back with devmgr_irq_return(vector)
    uint64_t msi_addr; // the message the device must send to raise it:
    uint32_t msi_data; // for its MSI or MSI-X entry, as it is
};

// A fresh vector for device rid (which we own) from devmgr, connected to
// ep with bits (irq_connect). On failure nothing is held: a vector already
// handed out is given back. Errors: devmgr_irq's, irq_connect's.
MUST_CHECK errval_t irq_to_endpoint(uint16_t rid, capref_t ep, uint64_t bits, struct dev_irq *irq);
