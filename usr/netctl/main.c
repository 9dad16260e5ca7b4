/*
 * usr/netctl/main.c: netctl, the igb (82576) PF's driver and the network
 * control plane. devmgr starts it for the PF ("netctl 01:00.0"); as the
 * PF's owner it enables the VFs (SR-IOV through devmgr, which places
 * their BARs), keeping the PF's own pool. Issue 8 grows it into VNICs:
 * PF bring-up, per-VF MACs and filters, the mailbox, grants to apps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/devmgr.h>
#include <sys/initsvc.h>
#include <sys/server.h>

#define NETCTL_NAME "netctl"
#define VFS         7 // of 8: the PF needs its own VMDq pool (PLATFORM.md)

// "bb:dd.f" (hex, as lspci prints it) as a routing ID.
static bool parse_rid(const char *s, uint16_t *rid)
{
    char *end;
    unsigned long bus = strtoul(s, &end, 16), dev, fn;
    if (end == s || *end != ':')
        return false;
    dev = strtoul(s = end + 1, &end, 16);
    if (end == s || *end != '.')
        return false;
    fn = strtoul(s = end + 1, &end, 16);
    if (end == s || *end || bus > 255 || dev > 31 || fn > 7)
        return false;
    *rid = (uint16_t)(bus << 8 | dev << 3 | fn);
    return true;
}

static void handle(struct server *s, struct server_req *req, struct server_resp *resp)
{
    (void)s;
    (void)req;
    resp->err = SYS_ERR_NOT_IMPLEMENTED; // VNICs: issue 8
}

int main(int argc, char **argv)
{
    uint16_t rid, first, stride;
    if (argc != 2 || !parse_rid(argv[1], &rid)) {
        printf("usage: netctl <bus:dev.fn> (devmgr starts it)\n");
        return 1;
    }
    errval_t err = devmgr_sriov(rid, VFS, &first, &stride);
    if (err_is_fail(err)) {
        printf("netctl: %s: cannot enable VFs: %s\n", argv[1], err_msg(err));
        return 1;
    }
    printf("netctl: %s: %u VFs at %02x:%02x.%u, stride %u\n", argv[1], VFS, first >> 8,
           (first >> 3) & 31, first & 7, stride);
    static struct server_chan chans[16];
    static struct server srv = {.chans = chans, .nchans = 16, .handle = handle};
    srv.ep = cap_selfep;
    err = name_register(NETCTL_NAME, cap_selfep);
    if (err_is_fail(err))
        printf("netctl: cannot register its name: %s\n", err_msg(err));
    server_run(&srv);
}
