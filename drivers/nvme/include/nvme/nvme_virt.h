/*
 * drivers/nvme/include/nvme/nvme_virt.h: SR-IOV for NVMe: a primary
 * controller's flexible resources and its secondary controllers (Base
 * 8.26 Virtualization Enhancements; Identify CNS 14h/15h; Virtualization
 * Management, 5.29).
 *
 * A secondary controller (a VF's) owns no queues or interrupts of its
 * own: the primary assigns it flexible queue (VQ) and interrupt (VI)
 * resources while it is offline, then brings it online. What QEMU 10.0
 * enforces, each given its own error here (checked from the Identify data
 * before the command is sent, so that the error says which rule failed):
 *   - resources change only while the secondary is offline
 *     (NVME_ERR_VIRT_ONLINE);
 *   - at most VQFRSM/VIFRSM per secondary (NVME_ERR_VIRT_TOO_MANY);
 *   - no more than are free: total - primary's - all secondaries'
 *     (NVME_ERR_VIRT_NO_FREE);
 *   - online needs >= 2 VQ (the admin queue and one I/O queue pair) and
 *     >= 1 VI (NVME_ERR_VIRT_RESOURCES), and the VF enabled
 *     (NVME_ERR_VF_NOT_ENABLED);
 *   - offline returns the secondary's resources (its counts read 0 after).
 * A reset of the primary (CC.EN cleared, or an FLR) takes every secondary
 * offline and returns its resources: set up secondaries after the
 * primary is enabled, and do not reset it while they work.
 */
#pragma once

#include <nvme/nvme.h>

enum nvme_vres {
    NVME_VRES_QUEUE = NVME_VIRT_RT_VQ,     // VQ: queue pairs, the admin queue counting as one
    NVME_VRES_INTERRUPT = NVME_VIRT_RT_VI, // VI: MSI-X vectors
};

// One resource type of Primary Controller Capabilities.
struct nvme_vres_caps {
    uint32_t total;             // flexible resources in all (xFRT)
    uint32_t assigned;          // assigned to secondaries (xRFA)
    uint16_t primary_flexible;  // flexible resources the primary holds (xRFAP)
    uint16_t primary_private;   // the primary's private resources (xPRT)
    uint16_t max_per_secondary; // most one secondary may hold (xFRSM)
    uint16_t granularity;       // preferred granularity (xGRAN)
};

// Primary Controller Capabilities (CNS 14h), decoded.
struct nvme_primary_caps {
    uint16_t cntlid;
    bool vq, vi; // which resource types are supported (CRT)
    struct nvme_vres_caps queues, interrupts;
};

// One secondary controller (a Secondary Controller Entry, decoded).
struct nvme_secondary {
    uint16_t cntlid;  // its controller ID
    uint16_t primary; // its primary's
    uint16_t vf;      // its VF number (1-based)
    bool online;
    uint16_t queues, interrupts; // flexible resources assigned
};

// Decode a Primary Controller Capabilities structure.
void nvme_primary_caps_decode(const struct nvme_id_primary_caps *id, struct nvme_primary_caps *out);

// Decode a Secondary Controller List into out[0..*n), at most max.
void nvme_secondaries_decode(const struct nvme_sec_ctrl_list *list, struct nvme_secondary *out,
                             unsigned max, unsigned *n);

// Identify CNS 14h of controller c (the primary's own capabilities).
// Errors: nvme_identify's.
MUST_CHECK errval_t nvme_primary_caps(struct nvme_ctrl *c, struct nvme_primary_caps *out);

// Identify CNS 15h: the secondary controllers of c, all of them (at most
// max). Errors: nvme_identify's.
MUST_CHECK errval_t nvme_secondaries(struct nvme_ctrl *c, struct nvme_secondary *out, unsigned max,
                                     unsigned *n);

// Would assigning count resources of type to secondary s be accepted?
// Errors: NVME_ERR_VIRT_ONLINE, NVME_ERR_VIRT_TOO_MANY, NVME_ERR_VIRT_NO_FREE.
MUST_CHECK errval_t nvme_virt_check_assign(const struct nvme_primary_caps *caps,
                                           const struct nvme_secondary *s, enum nvme_vres type,
                                           uint16_t count);

// Does s hold what going online needs? Errors: NVME_ERR_VIRT_RESOURCES.
MUST_CHECK errval_t nvme_virt_check_online(const struct nvme_secondary *s);

// Set secondary cntlid's flexible resources of type to count (Virtualization
// Management, Secondary Controller Assign), after the checks above. Errors:
// NVME_ERR_NO_SECONDARY, nvme_virt_check_assign's, the command's.
MUST_CHECK errval_t nvme_virt_assign(struct nvme_ctrl *c, uint16_t cntlid, enum nvme_vres type,
                                     uint16_t count);

// Bring secondary cntlid online (its VF's controller can then be
// enabled). Errors: NVME_ERR_NO_SECONDARY, NVME_ERR_VIRT_RESOURCES,
// NVME_ERR_VF_NOT_ENABLED (pushed on NVME_ERR_SC_SEC_CTRL_STATE), the
// command's.
MUST_CHECK errval_t nvme_virt_online(struct nvme_ctrl *c, uint16_t cntlid);

// Take secondary cntlid offline: its controller stops (its CSTS reads CFS)
// and its resources return to the free pool. Errors: the command's
// (NVME_ERR_SC_INVALID_CTRL_ID).
MUST_CHECK errval_t nvme_virt_offline(struct nvme_ctrl *c, uint16_t cntlid);

// Ask for count flexible resources of type for the primary itself
// (Primary Controller Flexible Allocation): they take effect at the
// primary's next function-level reset. Errors: nvme_primary_caps', the
// command's (NVME_ERR_SC_NUM_RESOURCES: above the total;
// NVME_ERR_SC_RESOURCE_ID: above what the secondaries leave).
MUST_CHECK errval_t nvme_virt_primary_alloc(struct nvme_ctrl *c, enum nvme_vres type,
                                            uint16_t count);
