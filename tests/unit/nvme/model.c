/* tests/unit/nvme/model.c: QEMU 10.0's nvme subsystem with SR-IOV, modelled for the driver's host
 * tests. */
#include "model.h"
#include <string.h>

#define QEMU_CAP    0x004010200f0107ffull // MQES 2047, CQR, TO 15, DSTRD 0, CSS NVM, MPSMAX 4
#define SC(sct, sc) ((uint16_t)((sct) << 8 | (sc)))
#define DNR         0x4000

// ---- DMA ----

static void *dma(struct model_sys *s, uint64_t iova, uint32_t len)
{
    uint64_t page = (iova - M_IOVA) / 4096;
    if (iova < M_IOVA || page >= M_PAGES || s->unmapped[page] || iova % 4096 + len > 4096) {
        s->dma_faults++;
        return NULL;
    }
    return s->mem[page] + iova % 4096;
}

// Copy len bytes between buf and the PRPs as QEMU's nvme_map_prp walks
// them (one list page, as the driver makes). Returns a status.
static uint16_t prp_copy(struct model_sys *s, uint64_t prp1, uint64_t prp2, uint8_t *buf,
                         uint32_t len, bool to_host)
{
    uint64_t addrs[600];
    uint32_t lens[600], n = 0, first = 4096 - prp1 % 4096;
    addrs[n] = prp1, lens[n++] = first < len ? first : len;
    uint32_t left = len - lens[0];
    if (left > 4096) {
        if (prp2 % 8)
            return SC(0, NVME_SC_PRP_OFFSET_INVALID) | DNR;
        uint64_t *list = dma(s, prp2, (left + 4095) / 4096 * 8);
        if (!list)
            return SC(0, NVME_SC_DATA_TRANSFER);
        for (unsigned i = 0; left; i++) {
            if (list[i] % 4096)
                return SC(0, NVME_SC_PRP_OFFSET_INVALID) | DNR;
            addrs[n] = list[i], lens[n++] = left < 4096 ? left : 4096;
            left -= lens[n - 1];
        }
    } else if (left) {
        if (prp2 % 4096)
            return SC(0, NVME_SC_PRP_OFFSET_INVALID) | DNR;
        addrs[n] = prp2, lens[n++] = left;
    }
    for (uint32_t i = 0, off = 0; i < n; off += lens[i++]) {
        uint8_t *p = dma(s, addrs[i], lens[i]);
        if (!p)
            return SC(0, NVME_SC_DATA_TRANSFER);
        if (to_host)
            memcpy(p, buf + off, lens[i]);
        else
            memcpy(buf + off, p, lens[i]);
    }
    return 0;
}

static uint16_t to_host(struct model_sys *s, const struct nvme_sqe *c, void *d, uint32_t n)
{
    return prp_copy(s, c->prp1, c->prp2, d, n, true);
}

// ---- Identify ----

static void id_ctrl(struct m_ctrl *c, struct nvme_id_ctrl *id)
{
    id->vid = 0x1b36;
    memset(id->sn, ' ', sizeof(id->sn));
    memcpy(id->sn, "sietch-nvme0", 12);
    memset(id->mn, ' ', sizeof(id->mn));
    memcpy(id->mn, "QEMU NVMe Ctrl", 14);
    id->mdts = M_MDTS;
    id->cntlid = c->cntlid;
    id->oacs = NVME_OACS_NS_MGMT | NVME_OACS_VIRT_MGMT;
    id->nn = 256;
    id->vwc = NVME_VWC_PRESENT;
    id->awupf = c->awupf_override;
}

static void id_ns(struct model_sys *s, uint32_t nsid, struct nvme_id_ns *id)
{
    id->nsze = id->ncap = M_NS_BLOCKS;
    id->lbaf[0].lbads = 9;
    if (nsid == 3) { // a namespace with atomic write units of its own
        id->nsfeat = NVME_NSFEAT_NSABP;
        id->nawupf = 7;
    }
}

static void id_primary(struct model_sys *s, struct nvme_id_primary_caps *p)
{
    *p = (struct nvme_id_primary_caps){.cntlid = 0, .crt = 3};
    p->vqfrt = s->vqfrt, p->vqrfa = s->vqrfa, p->vqrfap = s->vqrfap, p->vqprt = s->vqprt;
    p->vqfrsm = s->vqfrsm, p->vqgran = 1;
    p->vifrt = s->vifrt, p->virfa = s->virfa, p->virfap = s->virfap, p->viprt = s->viprt;
    p->vifrsm = s->vifrsm, p->vigran = 1;
}

static void id_secondaries(struct model_sys *s, uint16_t min, struct nvme_sec_ctrl_list *l)
{
    for (unsigned i = 1; i < M_CTRLS; i++) {
        struct m_ctrl *c = &s->ctrl[i];
        if (c->cntlid < min)
            continue;
        l->sec[l->numid++] = (struct nvme_sec_ctrl_entry){
            .scid = c->cntlid, .pcid = 0, .scs = c->online, .vfn = i, .nvq = c->nvq, .nvi = c->nvi};
    }
}

static uint16_t identify(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    struct model_sys *s = c->sys;
    static uint8_t d[4096];
    uint32_t nsid = cmd->nsid;
    uint16_t cntid = (uint16_t)(cmd->cdw10 >> 16);
    bool valid = nsid >= 1 && nsid <= M_NS;
    memset(d, 0, sizeof(d));
    switch (cmd->cdw10 & 0xff) {
    case NVME_IDENTIFY_CNS_NS:
        if (valid && c->attached[nsid])
            id_ns(s, nsid, (void *)d);
        break;
    case NVME_IDENTIFY_CNS_ALLOC_NS:
        if (valid)
            id_ns(s, nsid, (void *)d);
        break;
    case NVME_IDENTIFY_CNS_CTRL: id_ctrl(c, (void *)d); break;
    case NVME_IDENTIFY_CNS_ACTIVE_NS_LIST:
    case NVME_IDENTIFY_CNS_ALLOC_NS_LIST:
        for (uint32_t i = 1, n = 0; i <= M_NS; i++) {
            if (i > nsid &&
                (c->attached[i] || (cmd->cdw10 & 0xff) == NVME_IDENTIFY_CNS_ALLOC_NS_LIST))
                ((uint32_t *)d)[n++] = i;
        }
        break;
    case NVME_IDENTIFY_CNS_NS_CTRL_LIST: {
        if (!valid)
            return SC(0, NVME_SC_INVALID_FIELD) | DNR;
        uint16_t *l = (uint16_t *)d;
        for (unsigned i = 0; i < M_CTRLS; i++) {
            bool exists = i == 0 || i <= s->num_vfs; // QEMU: a VF's controller once enabled
            if (exists && s->ctrl[i].attached[nsid] && s->ctrl[i].cntlid >= cntid)
                l[1 + l[0]++] = s->ctrl[i].cntlid;
        }
        break;
    }
    case NVME_IDENTIFY_CNS_PRIMARY_CAPS: id_primary(s, (void *)d); break;
    case NVME_IDENTIFY_CNS_SECONDARY_LIST:
        if (!c->is_vf)
            id_secondaries(s, cntid, (void *)d);
        break;
    default: return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    }
    return to_host(s, cmd, d, sizeof(d));
}

// ---- Virtualization Management (QEMU's nvme_virt_mngmt) ----

static void set_res(struct model_sys *s, struct m_ctrl *sc, unsigned rt, uint16_t n)
{
    if (rt) {
        s->virfa = s->virfa + n - sc->nvi;
        sc->nvi = n;
    } else {
        s->vqrfa = s->vqrfa + n - sc->nvq;
        sc->nvq = n;
    }
}

static void reset_ctrl(struct m_ctrl *c);

static uint16_t virt_state(struct model_sys *s, uint16_t cntlid, bool online)
{
    if (!cntlid || cntlid >= M_CTRLS)
        return SC(1, NVME_SC_INVALID_CTRL_ID) | DNR;
    struct m_ctrl *sc = &s->ctrl[cntlid];
    bool vf_exists = cntlid <= s->num_vfs;
    if (online) {
        if (!sc->nvi || sc->nvq < 2 || !vf_exists)
            return SC(1, NVME_SC_INVALID_SEC_STATE) | DNR;
        if (!sc->online) {
            sc->online = true;
            reset_ctrl(sc);
        }
    } else {
        set_res(s, sc, 1, 0);
        set_res(s, sc, 0, 0);
        if (sc->online) {
            sc->online = false;
            reset_ctrl(sc);
        }
    }
    return 0;
}

static uint16_t virt_mgmt(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    struct model_sys *s = c->sys;
    unsigned act = cmd->cdw10 & 0xf, rt = (cmd->cdw10 >> 8) & 7;
    uint16_t cntlid = (uint16_t)(cmd->cdw10 >> 16), nr = (uint16_t)cmd->cdw11;
    if (c->is_vf)
        return SC(0, NVME_SC_INVALID_OPCODE) | DNR;
    if (rt > 1)
        return SC(1, NVME_SC_INVALID_RES_ID) | DNR;
    uint32_t total = rt ? s->vifrt : s->vqfrt, prim = rt ? s->virfap : s->vqrfap;
    uint32_t sec = rt ? s->virfa : s->vqrfa;
    switch (act) {
    case NVME_VIRT_ACT_ASSIGN: {
        if (!cntlid || cntlid >= M_CTRLS)
            return SC(1, NVME_SC_INVALID_CTRL_ID) | DNR;
        struct m_ctrl *sc = &s->ctrl[cntlid];
        if (sc->online)
            return SC(1, NVME_SC_INVALID_SEC_STATE) | DNR;
        if (nr > (rt ? s->vifrsm : s->vqfrsm))
            return SC(1, NVME_SC_INVALID_NUM_RES) | DNR;
        int diff = nr - (rt ? sc->nvi : sc->nvq);
        if (diff > (int)(total - prim - sec))
            return SC(1, NVME_SC_INVALID_RES_ID) | DNR;
        set_res(s, sc, rt, nr);
        return 0;
    }
    case NVME_VIRT_ACT_ONLINE: return virt_state(s, cntlid, true);
    case NVME_VIRT_ACT_OFFLINE: return virt_state(s, cntlid, false);
    case NVME_VIRT_ACT_PRIMARY_ALLOC:
        if (cntlid != 0)
            return SC(1, NVME_SC_INVALID_CTRL_ID) | DNR;
        return nr > total         ? SC(1, NVME_SC_INVALID_NUM_RES) | DNR
               : nr > total - sec ? SC(1, NVME_SC_INVALID_RES_ID) | DNR
                                  : 0;
    default: return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    }
}

// ---- Namespace Attachment (QEMU's nvme_ns_attachment, quirks included) ----

static uint16_t ns_attach(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    struct model_sys *s = c->sys;
    uint32_t nsid = cmd->nsid;
    uint16_t list[2048];
    if (!nsid || nsid > 256)
        return SC(0, NVME_SC_INVALID_NSID) | DNR;
    if (nsid > M_NS)
        return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    uint16_t st = prp_copy(s, cmd->prp1, cmd->prp2, (uint8_t *)list, 4096, false);
    if (st)
        return st;
    if (!list[0])
        return SC(1, NVME_SC_CTRL_LIST_INVALID) | DNR;
    for (unsigned i = 0; i < list[0] && i < 2047; i++) {
        uint16_t id = list[1 + i];
        if (id >= M_CTRLS || (id && id > s->num_vfs))
            return SC(1, NVME_SC_CTRL_LIST_INVALID) | DNR;
        struct m_ctrl *t = &s->ctrl[id];
        unsigned attached = 0;
        for (unsigned k = 0; k < M_CTRLS; k++)
            attached += s->ctrl[k].attached[nsid];
        if ((cmd->cdw10 & 0xf) == NVME_NS_ATTACH_SEL_ATTACH) {
            if (c->attached[nsid]) // the issuing controller, not the target: QEMU's check
                return SC(1, NVME_SC_NS_ALREADY_ATTACHED) | DNR;
            if (attached && s->ns_private[nsid])
                return SC(1, NVME_SC_NS_PRIVATE) | DNR;
            t->attached[nsid] = true;
        } else if ((cmd->cdw10 & 0xf) == NVME_NS_ATTACH_SEL_DETACH) {
            if (!attached)
                s->aborted = true; // assert(ns->attached > 0)
            t->attached[nsid] = false;
        } else {
            return SC(0, NVME_SC_INVALID_FIELD) | DNR;
        }
    }
    return 0;
}

// ---- Queues ----

static uint16_t create_cq(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    uint16_t qid = (uint16_t)cmd->cdw10, size = (uint16_t)((cmd->cdw10 >> 16) + 1);
    uint16_t iv = (uint16_t)(cmd->cdw11 >> 16);
    if (!qid || qid > c->ioqpairs || c->cq[qid].used)
        return SC(1, NVME_SC_INVALID_QID) | DNR;
    if (size < 2 || size > 2048)
        return SC(1, NVME_SC_QSIZE_EXCEEDED) | DNR;
    if (cmd->prp1 % 4096)
        return SC(0, NVME_SC_PRP_OFFSET_INVALID) | DNR;
    if (iv >= c->vectors)
        return SC(1, NVME_SC_INVALID_VECTOR) | DNR;
    if (!(cmd->cdw11 & NVME_CQ_PC))
        return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    c->cq[qid] = (struct m_queue){.base = cmd->prp1,
                                  .size = size,
                                  .phase = 1,
                                  .iv = iv,
                                  .used = true,
                                  .ien = cmd->cdw11 & NVME_CQ_IEN};
    return 0;
}

static uint16_t create_sq(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    uint16_t qid = (uint16_t)cmd->cdw10, size = (uint16_t)((cmd->cdw10 >> 16) + 1);
    uint16_t cqid = (uint16_t)(cmd->cdw11 >> 16);
    if (!cqid || cqid >= M_QUEUES || !c->cq[cqid].used)
        return SC(1, NVME_SC_INVALID_CQID) | DNR;
    if (!qid || qid > c->ioqpairs || c->sq[qid].used)
        return SC(1, NVME_SC_INVALID_QID) | DNR;
    if (size < 2 || size > 2048)
        return SC(1, NVME_SC_QSIZE_EXCEEDED) | DNR;
    if (cmd->prp1 % 4096)
        return SC(0, NVME_SC_PRP_OFFSET_INVALID) | DNR;
    if (!(cmd->cdw11 & NVME_SQ_PC))
        return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    c->sq[qid] = (struct m_queue){.base = cmd->prp1, .size = size, .cqid = cqid, .used = true};
    return 0;
}

static uint16_t delete_q(struct m_ctrl *c, const struct nvme_sqe *cmd, bool sq)
{
    uint16_t qid = (uint16_t)cmd->cdw10;
    struct m_queue *q = sq ? &c->sq[qid % M_QUEUES] : &c->cq[qid % M_QUEUES];
    if (!qid || qid >= M_QUEUES || !q->used)
        return sq ? SC(1, NVME_SC_INVALID_QID) | DNR : SC(1, NVME_SC_INVALID_CQID) | DNR;
    for (unsigned i = 1; !sq && i < M_QUEUES; i++) {
        if (c->sq[i].used && c->sq[i].cqid == qid)
            return SC(1, NVME_SC_INVALID_QUEUE_DEL);
    }
    q->used = false;
    return 0;
}

// ---- I/O ----

static uint16_t io(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    struct model_sys *s = c->sys;
    uint32_t nsid = cmd->nsid;
    if (cmd->opc == NVME_IO_FLUSH && nsid == NVME_NSID_ALL)
        return s->flushes++, 0;
    if (!nsid || nsid > 256)
        return SC(0, NVME_SC_INVALID_NSID) | DNR;
    if (nsid > M_NS || !c->attached[nsid])
        return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    if (cmd->opc == NVME_IO_FLUSH)
        return s->flushes++, 0;
    if (cmd->opc != NVME_IO_READ && cmd->opc != NVME_IO_WRITE && cmd->opc != NVME_IO_WRITE_ZEROES)
        return SC(0, NVME_SC_INVALID_OPCODE) | DNR;
    uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
    uint32_t nlb = (cmd->cdw12 & 0xffff) + 1, len = nlb * 512;
    if (cmd->opc == NVME_IO_WRITE_ZEROES) { // no data: MDTS does not apply
        if (slba + nlb > M_NS_BLOCKS)
            return SC(0, NVME_SC_LBA_RANGE) | DNR;
        memset(s->ns_data[nsid] + slba * 512, 0, len);
        return 0;
    }
    if (len > 4096u << M_MDTS)
        return SC(0, NVME_SC_INVALID_FIELD) | DNR;
    if (slba + nlb > M_NS_BLOCKS)
        return SC(0, NVME_SC_LBA_RANGE) | DNR;
    return prp_copy(s, cmd->prp1, cmd->prp2, s->ns_data[nsid] + slba * 512, len,
                    cmd->opc == NVME_IO_READ);
}

static uint16_t admin(struct m_ctrl *c, const struct nvme_sqe *cmd)
{
    switch (cmd->opc) {
    case NVME_ADMIN_IDENTIFY: return identify(c, cmd);
    case NVME_ADMIN_CREATE_CQ: return create_cq(c, cmd);
    case NVME_ADMIN_CREATE_SQ: return create_sq(c, cmd);
    case NVME_ADMIN_DELETE_CQ: return delete_q(c, cmd, false);
    case NVME_ADMIN_DELETE_SQ: return delete_q(c, cmd, true);
    case NVME_ADMIN_VIRT_MGMT: return virt_mgmt(c, cmd);
    case NVME_ADMIN_NS_ATTACH: return c->is_vf ? SC(0, 1) | DNR : ns_attach(c, cmd);
    default: return SC(0, NVME_SC_INVALID_OPCODE) | DNR;
    }
}

static void post(struct m_ctrl *c, uint16_t cqid, struct nvme_cqe e)
{
    struct m_queue *cq = &c->cq[cqid];
    struct nvme_cqe *slot = dma(c->sys, cq->base + cq->tail * 16ull, 16);
    if (!slot)
        return;
    e.status = (uint16_t)((e.status & ~1u) | cq->phase);
    *slot = e;
    if (++cq->tail == cq->size)
        cq->tail = 0, cq->phase ^= 1;
    if (cq->ien && cq->iv < 8)
        c->irqs[cq->iv]++;
}

static void run_sq(struct m_ctrl *c, uint16_t qid)
{
    struct m_queue *sq = &c->sq[qid];
    while (!c->silent && sq->head != sq->tail) {
        const struct nvme_sqe *cmd = dma(c->sys, sq->base + sq->head * 64ull, 64);
        sq->head = (uint16_t)((sq->head + 1) % sq->size);
        if (!cmd)
            continue;
        c->cmds++;
        struct nvme_cqe e = {.sqhd = sq->head, .sqid = qid, .cid = cmd->cid};
        e.status = (uint16_t)((qid ? io(c, cmd) : admin(c, cmd)) << 1);
        if (c->hold && qid && c->nheld < M_HELD) {
            c->held[c->nheld].cqid = sq->cqid;
            c->held[c->nheld++].cqe = e;
        } else {
            post(c, sq->cqid, e);
        }
    }
}

void model_release(struct m_ctrl *c, bool reverse, unsigned max)
{
    unsigned n = max < c->nheld ? max : c->nheld;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = reverse ? c->nheld - 1 - i : i;
        post(c, c->held[k].cqid, c->held[k].cqe);
    }
    if (!reverse)
        memmove(c->held, c->held + n, (c->nheld - n) * sizeof(c->held[0]));
    c->nheld -= n;
}

// ---- Registers ----

static void reset_ctrl(struct m_ctrl *c)
{
    memset(c->sq, 0, sizeof(c->sq));
    memset(c->cq, 0, sizeof(c->cq));
    c->cc = 0;
    c->csts = c->is_vf && !c->online ? NVME_CSTS_CFS : 0;
    c->nheld = 0;
    if (c->is_vf) {
        c->ioqpairs = c->nvq ? c->nvq - 1u : 0;
        c->vectors = c->nvi ? c->nvi : 1;
        return;
    }
    // A reset of the primary takes every secondary offline (QEMU's nvme_ctrl_reset).
    for (unsigned i = 1; i < M_CTRLS; i++)
        virt_state(c->sys, (uint16_t)i, false);
}

static void write_cc(struct m_ctrl *c, uint32_t v)
{
    bool was = c->cc & NVME_CC_EN, now = v & NVME_CC_EN;
    if (!now && was) {
        reset_ctrl(c);
        return;
    }
    c->cc = v;
    if (now && !was) {
        if (c->is_vf && !c->online)
            return; // QEMU: start fails, CSTS.CFS stays
        c->cq[0] = (struct m_queue){.base = c->acq,
                                    .size = (uint16_t)((c->aqa >> 16) + 1),
                                    .phase = 1,
                                    .used = true,
                                    .ien = true};
        c->sq[0] = (struct m_queue){
            .base = c->asq, .size = (uint16_t)((c->aqa & 0xfff) + 1), .used = true};
        c->csts = NVME_CSTS_RDY;
    }
}

static uint32_t m_read32(void *arg, uint32_t off)
{
    struct m_ctrl *c = arg;
    switch (off) {
    case NVME_REG_VS: return 0x00010400;
    case NVME_REG_CC: return c->cc;
    case NVME_REG_CSTS: return c->csts;
    case NVME_REG_AQA: return c->aqa;
    default: return 0;
    }
}

static uint64_t m_read64(void *arg, uint32_t off) { return off == NVME_REG_CAP ? QEMU_CAP : 0; }

static void m_write32(void *arg, uint32_t off, uint32_t v)
{
    struct m_ctrl *c = arg;
    if (off == NVME_REG_CC) {
        write_cc(c, v);
    } else if (off == NVME_REG_AQA) {
        c->aqa = v;
    } else if (off >= NVME_REG_DOORBELLS && off < NVME_REG_DOORBELLS + 8 * M_QUEUES) {
        unsigned qid = (off - NVME_REG_DOORBELLS) / 8;
        bool cq_db = (off - NVME_REG_DOORBELLS) % 8;
        if (!(c->csts & NVME_CSTS_RDY))
            return;
        if (cq_db) {
            c->cq[qid].head = (uint16_t)v;
        } else if (c->sq[qid].used) {
            c->sq[qid].tail = (uint16_t)v;
            run_sq(c, (uint16_t)qid);
        }
    }
}

static void m_write64(void *arg, uint32_t off, uint64_t v)
{
    struct m_ctrl *c = arg;
    if (off == NVME_REG_ASQ)
        c->asq = v;
    else if (off == NVME_REG_ACQ)
        c->acq = v;
}

struct mmio model_regs(struct m_ctrl *c)
{
    return (struct mmio){m_read32, m_read64, m_write32, m_write64, c};
}

struct nvme_dma model_page(struct model_sys *s, unsigned i)
{
    return (struct nvme_dma){s->mem[i], M_IOVA + i * 4096ull};
}

void model_set_vfs(struct model_sys *s, unsigned n)
{
    for (unsigned i = n + 1; i <= s->num_vfs; i++)
        virt_state(s, (uint16_t)i, false);
    s->num_vfs = n;
}

void model_init(struct model_sys *s)
{
    memset(s, 0, sizeof(*s));
    s->vqfrt = 4, s->vifrt = 2, s->vqprt = 1 + 8 - 4, s->viprt = 8 - 2;
    s->vqfrsm = 2, s->vifrsm = 1;
    s->ns_private[1] = true;
    s->ns_detached[2] = s->ns_detached[3] = true;
    for (unsigned i = 0; i < M_CTRLS; i++) {
        struct m_ctrl *c = &s->ctrl[i];
        c->sys = s;
        c->cntlid = (uint16_t)i;
        c->is_vf = i > 0;
    }
    s->ctrl[0].attached[1] = true; // the private namespace: the primary's
    s->ctrl[0].ioqpairs = s->vqprt - 1u;
    s->ctrl[0].vectors = s->viprt;
    for (unsigned i = 1; i < M_CTRLS; i++)
        reset_ctrl(&s->ctrl[i]);
}
