/*
 * lib/sys/include/sys/storctl.h: storctl, the storage control plane
 * (usr/storctl, docs/vsic.md): VSICs and VSAs.
 *
 * A VSIC is one of the NVMe controller's secondary controllers (an SR-IOV
 * VF) with its queue and interrupt resources assigned and brought online.
 * storctl keeps the VF and drives its admin queue (a secondary
 * controller's admin commands reach the whole subsystem); the caller gets
 * a window of the VF's IOMMU domain for its memory, asks storctl to make
 * its I/O queue pair there, and gets the page of doorbells and the VF's
 * interrupt: all the data path needs (lib/os/vsic). A VSA is a
 * namespace attached to one VSIC alone, named: the name-to-namespace map
 * persists on the PF's private namespace. A process holds at most one
 * VSIC; both end with it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/rpc.h>

#define STORCTL_NAME      "storctl"
#define STORCTL_MAX_VSICS 2  // the controller's VFs (tools/qemu: sriov_max_vfs=2)
#define STORCTL_MAX_VSAS  8  // names the map holds
#define STORCTL_VSA_NAME  32 // bytes of a name with its NUL (31 characters)

enum storctl_op {
    STORCTL_INFO = 1, // -> w0: namespaces, w1: MSI-X vector, w2: IOMMU domain; buf: "model|serial"
    STORCTL_CHECK_ISOLATION = 2, // -> w0: STORCTL_ISO_* results, w1: the page's physical address
    STORCTL_VSIC_CREATE = 3,     // -> w0: VSIC id; buf: struct storctl_vsic; cap: our IOVNodeL2
    STORCTL_VSIC_DESTROY =
        4, // (vsic): VSAs released, controller offline (VF returned first) [owner]
    STORCTL_VSA_ACQUIRE = 5, // buf: name -> w0: NSID; buf: struct storctl_vsa         [VSIC holder]
    STORCTL_VSA_RELEASE = 6, // buf: name: detached from our VSIC                       [its holder]
    STORCTL_VSIC_LIST = 7,   // -> buf: struct storctl_vsic[w0]
    STORCTL_VSA_LIST = 8,    // -> buf: struct storctl_vsa[w0]
    STORCTL_VSA_DESTROY = 9, // buf: name: zeroed, unnamed, free for a new name        [its holder]
    STORCTL_CHECK_INTREMAP = 10, // -> w0: STORCTL_IR_* results, w1: the other entry's index,
                                 //    w2: the requester ID it names
    // (vsic | entries << 16, SQ IOVA, CQ IOVA); cap: a notify cap for the
    // vector or none -> cap: the doorbell page                             [owner]
    STORCTL_VSIC_QUEUES = 11,
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

// What STORCTL_CHECK_INTREMAP saw when the controller's MSI-X entry 0 was
// pointed at one message after another, each followed by an Identify whose
// completion raises it (docs/devices.md, "How a device's interrupts are
// confined"). "Blocked" means: no interrupt, devmgr signalled a fault and
// recorded it with the reason and the index named.
#define STORCTL_IR_OWN_REMAPPED     (1u << 0) // devmgr's message is remappable and names our vector
#define STORCTL_IR_OWN_DELIVERED    (1u << 1) // it raises our vector, no fault
#define STORCTL_IR_OTHER_BLOCKED    (1u << 2) // another device's entry: blocked, reason 0x26 (SID)
#define STORCTL_IR_ABSENT_BLOCKED   (1u << 3) // an entry never written: blocked, reason 0x22
// QEMU's gap, measured: a compatibility-format MSI (IRQDestCmd_GetMSI's)
// still arrives, and no fault is recorded, although GSTS.CFIS is clear. On
// hardware it is blocked with reason 0x25. This bit set means QEMU still
// has the gap; a QEMU that closes it clears it, and the test says so.
#define STORCTL_IR_COMPAT_DELIVERED (1u << 4)
#define STORCTL_IR_RESTORED         (1u << 5) // devmgr's message again: delivered again
#define STORCTL_IR_OTHER_LISTED     (1u << 6) // devmgr listed the other entry as the VF's, not ours
#define STORCTL_IR_GIVEN_BACK       (1u << 7) // the VF's vector went back to devmgr afterwards
#define STORCTL_IR_ALL              0xff

struct storctl_vsic {
    uint16_t id;                 // 0 .. STORCTL_MAX_VSICS - 1
    uint16_t rid;                // the VF's routing ID (bus << 8 | dev << 3 | fn)
    uint16_t cntlid;             // its secondary controller's ID
    uint16_t queues, interrupts; // flexible resources assigned (VQ, VI)
    bool online;
    uint64_t owner; // pid, 0: free
    uint32_t vsas;  // VSAs attached to it
    // For the owner's data path:
    uint64_t cap;       // the controller's CAP register (MQES, DSTRD)
    uint32_t max_xfer;  // bytes per command (MDTS)
    uint32_t db_off;    // the doorbell page's offset in BAR 0 (doorbells from NVME_REG_DOORBELLS)
    uint64_t iova_base; // our window of the VF's domain: IOVAs iova_base .. + 1 GiB
};

struct storctl_vsa {
    char name[STORCTL_VSA_NAME]; // "" for a namespace with no name yet
    uint32_t nsid;
    uint32_t block_size;
    uint64_t blocks;
    int32_t vsic;   // the VSIC it is attached to, -1: none
    uint64_t owner; // that VSIC's owner (pid), 0: none
};

// Client side (lib/sys/storctl.c).
struct rpc_chan *storctl_chan(errval_t *err);

// A VSIC for us: a secondary controller online with 2 queues and 1
// interrupt, enabled by storctl with its admin queue (storctl's). *window
// (if window is not NULL; a new slot): an IOVNodeL2 mapped in the VF's
// IOMMU domain at out->iova_base, for our buffers (dma_space_sub).
// Errors: STORCTL_ERR_NO_VSIC_FREE, STORCTL_ERR_HAS_VSIC, NVMe and devmgr
// errors.
MUST_CHECK errval_t storctl_vsic_create(struct storctl_vsic *out, capref_t *window);

// Our VSIC's I/O queue pair (queue 1), made by storctl at sq_iova and
// cq_iova (one page each, in our window, cleared by us: nvme_ioq_attach)
// with entries entries; its completions raise the VF's vector, which
// notifies through irq_note (a send cap to an endpoint of ours; NULL_CAP:
// a polled queue). *doorbells (a new slot): a DevFrame of the one page of
// BAR 0 with the doorbells (at out->db_off). Once per VSIC. Errors:
// SYS_ERR_BUSY (made already), SYS_ERR_INVALID_ARGS (an IOVA outside our
// window), DEVMGR_ERR_NOT_OWNER, the device's.
MUST_CHECK errval_t storctl_vsic_queues(uint16_t vsic, uint64_t sq_iova, uint64_t cq_iova,
                                        uint16_t entries, capref_t irq_note, capref_t *doorbells);

// Give our VSIC back: the doorbell page and the window are revoked (unmap
// the page first), its VSAs released, its controller offline. Errors:
// SYS_ERR_NOT_FOUND (no such VSIC), DEVMGR_ERR_NOT_OWNER (not ours).
MUST_CHECK errval_t storctl_vsic_destroy(uint16_t vsic);

// Attach VSA name (made from a free namespace if the name is new) to our
// VSIC, and to it alone. Errors: STORCTL_ERR_NO_VSIC, STORCTL_ERR_BAD_NAME,
// STORCTL_ERR_VSA_HELD, STORCTL_ERR_NO_VSA_FREE, STORCTL_ERR_META_CORRUPT,
// STORCTL_ERR_META_WORN (the map takes no more updates), the device's.
MUST_CHECK errval_t storctl_vsa_acquire(const char *name, struct storctl_vsa *out);

// Detach VSA name from our VSIC. Errors: STORCTL_ERR_NOT_HELD.
MUST_CHECK errval_t storctl_vsa_release(const char *name);

// End VSA name, which we hold: it is detached from our VSIC, every block
// of its namespace is zeroed (through storctl's own controller), and only
// then is the name removed from the VSA map, durably; the namespace is
// free for a new name. On a failure after the detach the VSA keeps its
// name and data, held by nobody. Errors: STORCTL_ERR_BAD_NAME,
// STORCTL_ERR_NOT_HELD, STORCTL_ERR_META_CORRUPT, STORCTL_ERR_META_WORN,
// the device's.
MUST_CHECK errval_t storctl_vsa_destroy(const char *name);

// Every VSIC, every VSA namespace (named or not).
MUST_CHECK errval_t storctl_vsic_list(struct storctl_vsic *out, unsigned max, unsigned *n);
MUST_CHECK errval_t storctl_vsa_list(struct storctl_vsa *out, unsigned max, unsigned *n);
