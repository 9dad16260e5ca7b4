/* lib/kpi/errors.c: names and messages of the error table, for every world. */
#include <kpi/errors.h>

static const char *const names[] = {
#define ERR(name, msg) [name] = #name,
#include <kpi/errors.def>
#undef ERR
};

static const char *const messages[] = {
#define ERR(name, msg) [name] = msg,
#include <kpi/errors.def>
#undef ERR
};

const char *err_name(errval_t err)
{
    unsigned code = err_no(err);
    return code < ERR_CODE_COUNT ? names[code] : "?";
}

const char *err_msg(errval_t err)
{
    unsigned code = err_no(err);
    return code < ERR_CODE_COUNT ? messages[code] : "unknown error code";
}

// The layers, by the prefix of their codes' names (NAME_ERR_...).
static const struct {
    const char *prefix, *layer;
} layers[] = {
    {"SYS", "generic"},
    {"BOOT", "boot (CPU driver)"},
    {"CAP", "capabilities (kernel)"},
    {"PAGING", "paging (kernel)"},
    {"DISP", "dispatchers (kernel)"},
    {"LMP", "message passing (kernel)"},
    {"IRQ", "interrupt vectors (kernel, devmgr)"},
    {"MM", "memory (mem_serv; lib/sys ram)"},
    {"SPAWN", "spawning a process (lib/sys spawn, init)"},
    {"PROC", "processes (init)"},
    {"NAME", "service names (init)"},
    {"INIT", "init's services as a client sees them (lib/sys initsvc)"},
    {"MON", "monitors (usr/monitor)"},
    {"UMP", "channels across cores (lib/sys ump)"},
    {"DEVMGR", "devmgr (devices and the IOMMU, usr/devmgr)"},
    {"NETCTL", "netctl (network control plane, usr/netctl)"},
    {"NETD", "netd (kernel-mediated network path)"},
    {"THREAD", "threads (lib/sys)"},
    {"RPC", "RPC channels (lib/sys rpc, server)"},
    {"LIMIT", "per-process limits (lib/sys limits)"},
    {"ACPI", "ACPI tables (drivers/acpi)"},
    {"PCI", "PCI (drivers/pci)"},
    {"VTD", "VT-d (drivers/vtd)"},
    {"IOMMU", "IOMMU page tables (CPU driver)"},
    {"NVME", "NVMe driver (drivers/nvme)"},
    {"LWIP", "lwIP port (lib/os/lwip)"},
    {"IGB", "igb driver (drivers/igb)"},
    {"LOG", "persistent log (lib/os/log)"},
    {"STORCTL", "storctl (storage control plane, usr/storctl)"},
    {"STORD", "stord (kernel-mediated storage path)"},
    {"NET", "network stack (lib/os/net)"},
    {"VNIC", "VNICs (library OS, lib/os/vnic)"},
    {"VSIC", "VSICs (library OS, lib/os/vsic)"},
    {"DMA", "DMA memory and IOMMU domains (lib/sys dma)"},
    {"FAIL", "failure injection (sys/failpoint.h)"},
    {"KCHECK", "kernel self-check"},
};

// Does name start with prefix followed by "_ERR_"?
static int has_prefix(const char *name, const char *prefix)
{
    while (*prefix && *name == *prefix) {
        name++;
        prefix++;
    }
    const char *tail = "_ERR_";
    while (!*prefix && *tail && *name == *tail) {
        name++;
        tail++;
    }
    return !*prefix && !*tail;
}

const char *err_layer(errval_t err)
{
    const char *name = err_name(err);
    for (unsigned i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
        if (has_prefix(name, layers[i].prefix))
            return layers[i].layer;
    }
    return "?";
}

struct out {
    char *buf;
    unsigned long size, len;
};

static void put(struct out *o, const char *s)
{
    for (; *s; s++) {
        if (o->len + 1 < o->size)
            o->buf[o->len++] = *s;
    }
    if (o->size)
        o->buf[o->len] = '\0';
}

static void put_code(struct out *o, errval_t err)
{
    put(o, err_name(err));
    put(o, " [");
    put(o, err_layer(err));
    put(o, "]: ");
    put(o, err_msg(err));
}

unsigned long err_chain_format(errval_t err, char *buf, unsigned long size)
{
    struct out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    put_code(&o, err);
    for (errval_t e = err_pop(err); err_no(e) != SYS_ERR_OK; e = err_pop(e)) {
        put(&o, "\n  <- ");
        put_code(&o, e);
    }
    if (err & ERR_TRUNCATED)
        put(&o, "\n  <- (older causes did not fit in the errval_t)");
    return o.len;
}
