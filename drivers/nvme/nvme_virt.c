/* drivers/nvme/nvme_virt.c: NVMe SR-IOV: primary capabilities, secondary controllers,
 * Virtualization Management. */
#include <nvme/nvme_virt.h>
#include <stddef.h>

#define MAX_SECONDARIES 127 // one Secondary Controller List

void nvme_primary_caps_decode(const struct nvme_id_primary_caps *id, struct nvme_primary_caps *out)
{
    *out = (struct nvme_primary_caps){
        .cntlid = id->cntlid,
        .vq = id->crt & 1,
        .vi = id->crt & 2,
        .queues = {id->vqfrt, id->vqrfa, id->vqrfap, id->vqprt, id->vqfrsm, id->vqgran},
        .interrupts = {id->vifrt, id->virfa, id->virfap, id->viprt, id->vifrsm, id->vigran},
    };
}

void nvme_secondaries_decode(const struct nvme_sec_ctrl_list *list, struct nvme_secondary *out,
                             unsigned max, unsigned *n)
{
    unsigned count = list->numid < MAX_SECONDARIES ? list->numid : MAX_SECONDARIES;
    *n = 0;
    for (unsigned i = 0; i < count && *n < max; i++) {
        const struct nvme_sec_ctrl_entry *e = &list->sec[i];
        out[(*n)++] = (struct nvme_secondary){
            .cntlid = e->scid,
            .primary = e->pcid,
            .vf = e->vfn,
            .online = e->scs & NVME_SCS_ONLINE,
            .queues = e->nvq,
            .interrupts = e->nvi,
        };
    }
}

errval_t nvme_primary_caps(struct nvme_ctrl *c, struct nvme_primary_caps *out)
{
    const struct nvme_id_primary_caps *id;
    errval_t err = nvme_identify(c, NVME_IDENTIFY_CNS_PRIMARY_CAPS, 0, 0, (const void **)&id);
    if (err_is_ok(err))
        nvme_primary_caps_decode(id, out);
    return err;
}

errval_t nvme_secondaries(struct nvme_ctrl *c, struct nvme_secondary *out, unsigned max,
                          unsigned *n)
{
    const struct nvme_sec_ctrl_list *list;
    errval_t err = nvme_identify(c, NVME_IDENTIFY_CNS_SECONDARY_LIST, 0, 0, (const void **)&list);
    *n = 0;
    if (err_is_ok(err))
        nvme_secondaries_decode(list, out, max, n);
    return err;
}

errval_t nvme_virt_check_assign(const struct nvme_primary_caps *caps,
                                const struct nvme_secondary *s, enum nvme_vres type, uint16_t count)
{
    const struct nvme_vres_caps *r = type == NVME_VRES_QUEUE ? &caps->queues : &caps->interrupts;
    uint16_t now = type == NVME_VRES_QUEUE ? s->queues : s->interrupts;
    if (s->online)
        return NVME_ERR_VIRT_ONLINE;
    if (count > r->max_per_secondary)
        return NVME_ERR_VIRT_TOO_MANY;
    // What s holds now goes back to the pool first.
    uint64_t used = (uint64_t)r->primary_flexible + r->assigned;
    uint64_t free = r->total > used ? r->total - used : 0;
    if (count > now && (uint64_t)(count - now) > free)
        return NVME_ERR_VIRT_NO_FREE;
    return SYS_ERR_OK;
}

errval_t nvme_virt_check_online(const struct nvme_secondary *s)
{
    return s->queues >= 2 && s->interrupts >= 1 ? SYS_ERR_OK : NVME_ERR_VIRT_RESOURCES;
}

// The current entry of secondary cntlid.
static MUST_CHECK errval_t find_secondary(struct nvme_ctrl *c, uint16_t cntlid,
                                          struct nvme_secondary *out)
{
    static struct nvme_secondary all[MAX_SECONDARIES]; // 1.3 KiB: not on a small stack
    unsigned n;
    errval_t err = nvme_secondaries(c, all, MAX_SECONDARIES, &n);
    for (unsigned i = 0; err_is_ok(err) && i < n; i++) {
        if (all[i].cntlid == cntlid) {
            *out = all[i];
            return SYS_ERR_OK;
        }
    }
    return err_is_ok(err) ? NVME_ERR_NO_SECONDARY : err;
}

static MUST_CHECK errval_t virt_cmd(struct nvme_ctrl *c, unsigned act, unsigned rt, uint16_t cntlid,
                                    uint16_t count)
{
    struct nvme_sqe cmd = {
        .opc = NVME_ADMIN_VIRT_MGMT, .cdw10 = NVME_VIRT_CDW10(act, rt, cntlid), .cdw11 = count};
    return nvme_admin_cmd(c, &cmd, NULL);
}

errval_t nvme_virt_assign(struct nvme_ctrl *c, uint16_t cntlid, enum nvme_vres type, uint16_t count)
{
    struct nvme_primary_caps caps;
    struct nvme_secondary s;
    errval_t err = nvme_primary_caps(c, &caps);
    if (err_is_ok(err))
        err = find_secondary(c, cntlid, &s);
    if (err_is_ok(err))
        err = nvme_virt_check_assign(&caps, &s, type, count);
    return err_is_ok(err) ? virt_cmd(c, NVME_VIRT_ACT_ASSIGN, type, cntlid, count) : err;
}

errval_t nvme_virt_online(struct nvme_ctrl *c, uint16_t cntlid)
{
    struct nvme_secondary s;
    errval_t err = find_secondary(c, cntlid, &s);
    if (err_is_ok(err))
        err = nvme_virt_check_online(&s);
    if (err_is_ok(err))
        err = virt_cmd(c, NVME_VIRT_ACT_ONLINE, NVME_VIRT_RT_VQ, cntlid, 0);
    // With the resources in place, the one state left to refuse is a VF
    // that does not exist yet (QEMU: no VF at that index).
    if (err_no(err) == NVME_ERR_SC_SEC_CTRL_STATE)
        err = err_push(err, NVME_ERR_VF_NOT_ENABLED);
    return err;
}

errval_t nvme_virt_offline(struct nvme_ctrl *c, uint16_t cntlid)
{
    return virt_cmd(c, NVME_VIRT_ACT_OFFLINE, NVME_VIRT_RT_VQ, cntlid, 0);
}

errval_t nvme_virt_primary_alloc(struct nvme_ctrl *c, enum nvme_vres type, uint16_t count)
{
    struct nvme_primary_caps caps;
    errval_t err = nvme_primary_caps(c, &caps);
    return err_is_ok(err) ? virt_cmd(c, NVME_VIRT_ACT_PRIMARY_ALLOC, type, caps.cntlid, count)
                          : err;
}
