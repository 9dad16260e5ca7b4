/* drivers/nvme/nvme_admin.c: NVMe status codes as errors, synchronous admin commands, Identify,
 * Namespace Attachment. */
#include <base/string.h>
#include <nvme/nvme.h>

#define PAGE 4096u

// The statuses with a name of their own (Base: status value figures).
static const struct {
    uint16_t status;
    enum err_code err;
} status_errs[] = {
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE), NVME_ERR_SC_INVALID_OPCODE},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD), NVME_ERR_SC_INVALID_FIELD},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_DATA_TRANSFER), NVME_ERR_SC_DATA_TRANSFER},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INTERNAL), NVME_ERR_SC_INTERNAL},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED), NVME_ERR_SC_ABORTED},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_SQ_DELETED), NVME_ERR_SC_ABORTED},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_NSID), NVME_ERR_SC_INVALID_NSID},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_PRP_OFFSET_INVALID), NVME_ERR_SC_PRP_OFFSET},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE), NVME_ERR_SC_LBA_RANGE},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_CAPACITY_EXCEEDED), NVME_ERR_SC_CAPACITY},
    {NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_NS_NOT_READY), NVME_ERR_SC_NS_NOT_READY},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_CQID), NVME_ERR_SC_INVALID_CQID},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_QID), NVME_ERR_SC_INVALID_QID},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_QSIZE_EXCEEDED), NVME_ERR_SC_QSIZE},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_VECTOR), NVME_ERR_SC_INVALID_VECTOR},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_QUEUE_DEL), NVME_ERR_SC_QUEUE_DELETION},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_NS_ALREADY_ATTACHED), NVME_ERR_SC_NS_ALREADY_ATTACHED},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_NS_PRIVATE), NVME_ERR_SC_NS_PRIVATE},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_NS_NOT_ATTACHED), NVME_ERR_SC_NS_NOT_ATTACHED},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_CTRL_LIST_INVALID), NVME_ERR_SC_CTRL_LIST},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_CTRL_ID), NVME_ERR_SC_INVALID_CTRL_ID},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_SEC_STATE), NVME_ERR_SC_SEC_CTRL_STATE},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_NUM_RES), NVME_ERR_SC_NUM_RESOURCES},
    {NVME_STATUS(NVME_SCT_COMMAND, NVME_SC_INVALID_RES_ID), NVME_ERR_SC_RESOURCE_ID},
    {NVME_STATUS(NVME_SCT_MEDIA, NVME_SC_WRITE_FAULT), NVME_ERR_SC_WRITE_FAULT},
    {NVME_STATUS(NVME_SCT_MEDIA, NVME_SC_UNRECOVERED_READ), NVME_ERR_SC_UNRECOVERED_READ},
};

errval_t nvme_status_err(uint16_t status)
{
    uint16_t code = NVME_STATUS_CODE(status);
    if (!code)
        return SYS_ERR_OK;
    for (unsigned i = 0; i < sizeof(status_errs) / sizeof(status_errs[0]); i++) {
        if (status_errs[i].status == code)
            return status_errs[i].err;
    }
    return NVME_ERR_COMMAND;
}

errval_t nvme_cqe_status(const struct nvme_cqe *e) { return nvme_status_err(e->status); }

void nvme_cmd_identify(struct nvme_sqe *cmd, uint8_t cns, uint32_t nsid, uint64_t data_iova)
{
    *cmd = (struct nvme_sqe){
        .opc = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = data_iova, .cdw10 = cns};
}

errval_t nvme_admin_scratch(struct nvme_ctrl *c, struct nvme_dma page)
{
    if (page.iova & (PAGE - 1))
        return SYS_ERR_ALIGNMENT;
    c->scratch = page;
    return SYS_ERR_OK;
}

errval_t nvme_admin_cmd(struct nvme_ctrl *c, struct nvme_sqe *cmd, struct nvme_cqe *out)
{
    struct nvme_cqe cqe;
    errval_t err = nvme_admin_submit(c, cmd);
    if (err_is_ok(err))
        err = nvme_admin_wait(c, cmd->cid, c->cmd_timeout_us, &cqe);
    if (err_is_fail(err))
        return err;
    if (out)
        *out = cqe;
    return nvme_cqe_status(&cqe);
}

errval_t nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, uint16_t cntid,
                       const void **data)
{
    if (!c->scratch.va)
        return NVME_ERR_NO_SCRATCH;
    struct nvme_sqe cmd;
    nvme_cmd_identify(&cmd, cns, nsid, c->scratch.iova);
    cmd.cdw10 |= NVME_IDENTIFY_CNTID(cntid);
    errval_t err = nvme_admin_cmd(c, &cmd, NULL);
    *data = c->scratch.va;
    return err;
}

// Copy an ASCII field padded with spaces into a C string. The string
// ends at a NUL inside the field, if any, and its trailing spaces go.
static void copy_trimmed(char *dst, const char *src, size_t n)
{
    n = strnlen(src, n);
    memcpy(dst, src, n);
    dst[n] = '\0';
    while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        dst[--n] = '\0';
}

errval_t nvme_identify_controller(struct nvme_ctrl *c, struct nvme_ctrl_info *out)
{
    const struct nvme_id_ctrl *id;
    errval_t err = nvme_identify(c, NVME_IDENTIFY_CNS_CTRL, 0, 0, (const void **)&id);
    if (err_is_fail(err))
        return err;
    *out = (struct nvme_ctrl_info){
        .vid = id->vid,
        .cntlid = id->cntlid,
        // MDTS is in units of the minimum page size (CAP.MPSMIN: 4 KiB here).
        .max_xfer = id->mdts && id->mdts < 20 ? PAGE << id->mdts : 0,
        .oacs = id->oacs,
        .nn = id->nn,
        .vwc = id->vwc & NVME_VWC_PRESENT,
        .awun = id->awun + 1u,
        .awupf = id->awupf + 1u,
    };
    copy_trimmed(out->sn, id->sn, sizeof(id->sn));
    copy_trimmed(out->mn, id->mn, sizeof(id->mn));
    c->max_xfer = out->max_xfer;
    c->awupf = out->awupf;
    c->cntlid = out->cntlid;
    return SYS_ERR_OK;
}

errval_t nvme_identify_namespace(struct nvme_ctrl *c, uint32_t nsid, bool allocated,
                                 struct nvme_ns_info *out)
{
    const struct nvme_id_ns *id;
    uint8_t cns = allocated ? NVME_IDENTIFY_CNS_ALLOC_NS : NVME_IDENTIFY_CNS_NS;
    errval_t err = nvme_identify(c, cns, nsid, 0, (const void **)&id);
    if (err_is_fail(err))
        return err;
    if (!id->nsze)
        return SYS_ERR_NOT_FOUND; // an inactive or absent NSID reads as zeros
    const struct nvme_lbaf *f = &id->lbaf[id->flbas & 0xf];
    if (f->ms || f->lbads < 9 || f->lbads > 16)
        return SYS_ERR_UNSUPPORTED;
    uint32_t awupf = id->nsfeat & NVME_NSFEAT_NSABP ? id->nawupf + 1u : c->awupf;
    *out = (struct nvme_ns_info){
        .nsid = nsid,
        .blocks = id->nsze,
        .capacity = id->ncap,
        .block_size = 1u << f->lbads,
        .atomic_blocks = awupf ? awupf : 1,
    };
    return SYS_ERR_OK;
}

errval_t nvme_namespaces(struct nvme_ctrl *c, bool allocated, uint32_t *ids, unsigned max,
                         unsigned *n)
{
    const uint32_t *list;
    uint8_t cns = allocated ? NVME_IDENTIFY_CNS_ALLOC_NS_LIST : NVME_IDENTIFY_CNS_ACTIVE_NS_LIST;
    errval_t err = nvme_identify(c, cns, 0, 0, (const void **)&list);
    *n = 0;
    if (err_is_fail(err))
        return err;
    // The list ends at the first zero entry (Base: Namespace List).
    for (unsigned i = 0; i < NVME_IDENTIFY_BYTES / 4 && list[i] && *n < max; i++)
        ids[(*n)++] = list[i];
    return SYS_ERR_OK;
}

errval_t nvme_ns_controllers(struct nvme_ctrl *c, uint32_t nsid, uint16_t *ids, unsigned max,
                             unsigned *n)
{
    const uint16_t *list;
    errval_t err = nvme_identify(c, NVME_IDENTIFY_CNS_NS_CTRL_LIST, nsid, 0, (const void **)&list);
    *n = 0;
    if (err_is_fail(err))
        return err;
    unsigned count = list[0] < NVME_CTRL_LIST_MAX ? list[0] : NVME_CTRL_LIST_MAX;
    for (unsigned i = 0; i < count && *n < max; i++)
        ids[(*n)++] = list[1 + i];
    return SYS_ERR_OK;
}

// Is cntlid among the controllers nsid is attached to? *any: attached anywhere.
static MUST_CHECK errval_t attached_to(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid,
                                       bool *here, bool *any)
{
    uint16_t ids[16];
    unsigned n;
    errval_t err = nvme_ns_controllers(c, nsid, ids, 16, &n);
    *here = false;
    for (unsigned i = 0; i < n; i++)
        *here |= ids[i] == cntlid;
    *any = n > 0;
    return err;
}

// Namespace Attachment with a one-controller list in the scratch page.
static MUST_CHECK errval_t ns_attachment(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid,
                                         uint32_t sel)
{
    uint16_t *list = c->scratch.va;
    memset(list, 0, PAGE);
    list[0] = 1;
    list[1] = cntlid;
    struct nvme_sqe cmd = {
        .opc = NVME_ADMIN_NS_ATTACH, .nsid = nsid, .prp1 = c->scratch.iova, .cdw10 = sel};
    return nvme_admin_cmd(c, &cmd, NULL);
}

// Attach nsid to cntlid; refused (NVME_ERR_NS_ATTACHED) if it is attached
// there already, or, when alone, anywhere.
static MUST_CHECK errval_t attach_checked(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid,
                                          bool alone)
{
    bool here, any;
    errval_t err = attached_to(c, nsid, cntlid, &here, &any);
    if (err_is_fail(err))
        return err;
    if (alone ? any : here)
        return NVME_ERR_NS_ATTACHED;
    return ns_attachment(c, nsid, cntlid, NVME_NS_ATTACH_SEL_ATTACH);
}

errval_t nvme_ns_attach(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid)
{
    return attach_checked(c, nsid, cntlid, true);
}

errval_t nvme_ns_attach_also(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid)
{
    return attach_checked(c, nsid, cntlid, false);
}

errval_t nvme_ns_detach(struct nvme_ctrl *c, uint32_t nsid, uint16_t cntlid)
{
    bool here, any;
    errval_t err = attached_to(c, nsid, cntlid, &here, &any);
    if (err_is_fail(err))
        return err;
    if (!here)
        return NVME_ERR_NS_NOT_ATTACHED;
    return ns_attachment(c, nsid, cntlid, NVME_NS_ATTACH_SEL_DETACH);
}
