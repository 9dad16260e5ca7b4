/* lib/sys/monlink.c: the boot channel between init and the monitors (sys/monitor.h). */
#include <string.h>
#include <sys/capops.h>
#include <sys/monitor.h>
#include <sys/sys.h>

void mon_link_init(struct mon_link *l, void *buf, size_t bytes, bool side_a, unsigned peer)
{
    memset(l, 0, sizeof(*l));
    ump_init(&l->chan, buf, bytes, side_a);
    l->peer_core = peer;
    l->next_tag = 1;
}

void mon_send(struct mon_link *l, uint64_t op, uint64_t tag, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t a4)
{
    const uint64_t w[UMP_WORDS] = {op, tag, a0, a1, a2, a3, a4};
    while (err_no(ump_send(&l->chan, w)) == SYS_ERR_WOULD_BLOCK)
        sys_yield(); // the peer is behind; it runs on its own core
    // Init and the monitors wake each other directly: both hold Kernel caps.
    if (l->chan.tx_hdr->sleeping) {
        l->chan.tx_hdr->sleeping = 0;
        err_ignore(invoke_kernel_ipi(cap_kernel, l->peer_core, MON_WAKE_VECTOR),
                   "the other core also polls: a lost IPI only delays it");
    }
}

void mon_send_string(struct mon_link *l, const char *s)
{
    size_t n = strlen(s) + 1; // the NUL too: it ends the string
    for (size_t off = 0; off < n; off += 40) {
        uint64_t w[5] = {0};
        memcpy(w, s + off, n - off < 40 ? n - off : 40);
        mon_send(l, MON_STRING, 0, w[0], w[1], w[2], w[3], w[4]);
    }
}

const char *mon_take_string(struct mon_link *l, const uint64_t w[UMP_WORDS])
{
    size_t room = MON_STRING_MAX - l->string_len;
    size_t n = room < 40 ? room : 40;
    memcpy(l->string + l->string_len, &w[2], n);
    l->string_len += n;
    l->string[MON_STRING_MAX] = 0;
    return l->string;
}

void mon_string_done(struct mon_link *l, char *out, size_t size)
{
    l->string[MON_STRING_MAX] = 0;
    strlcpy(out, l->string, size);
    l->string_len = 0;
    l->string[0] = 0;
}

errval_t mon_export(capref_t cap, uint64_t desc[3])
{
    struct sysret r = cap_invoke(cap_kernel, KernelCmd_CapExport, cap, 0, 0, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        desc[i] = r.w[i];
    return r.err;
}

errval_t mon_import(capref_t dest, const uint64_t desc[3])
{
    return cap_invoke(cap_kernel, KernelCmd_CapImport, dest, desc[0], desc[1], desc[2], 0, 0).err;
}

errval_t mon_reply(struct mon_link *l, uint64_t tag, errval_t err, uint64_t r0, capref_t cap)
{
    uint64_t desc[3] = {0, 0, 0};
    if (err_is_ok(err) && cap)
        err = mon_export(cap, desc);
    mon_send(l, MON_REPLY, tag, err, r0, desc[0], desc[1], desc[2]);
    return err;
}
