/* cpudriver/multiboot2.c: parse and validate the multiboot2 boot information. */
#include <base/string.h>
#include <multiboot2.h>

// The MBI is at most this big; a larger total_size means corruption.
#define MB2_MAX_SIZE (1u << 20)

struct tag {
    uint32_t type, size;
};

struct mmap_tag {
    uint32_t type, size, entry_size, entry_version;
};

struct mmap_entry {
    uint64_t base, len;
    uint32_t type, reserved;
};

struct module_tag {
    uint32_t type, size, start, end;
    char cmdline[];
};

static MUST_CHECK errval_t bad(const char **why, const char *msg)
{
    *why = msg;
    return BOOT_ERR_BAD_MBI;
}

// A string tag must hold a NUL inside its bounds.
static const char *tag_string(const struct tag *t, size_t off)
{
    const char *s = (const char *)t + off;
    if (t->size <= off || strnlen(s, t->size - off) == t->size - off)
        return NULL;
    return s;
}

// LAB 1 BEGIN parse_mmap
static MUST_CHECK errval_t parse_mmap(const struct tag *t, struct boot_info *info, const char **why)
{
    const struct mmap_tag *m = (const void *)t;
    if (t->size < sizeof(*m) || m->entry_size < sizeof(struct mmap_entry))
        return bad(why, "memory map tag or entry too small");
    // off <= t->size throughout: off + entry_size could wrap around.
    for (uint32_t off = sizeof(*m); t->size - off >= m->entry_size; off += m->entry_size) {
        // Copied out: an entry_size that is not a multiple of 8 leaves
        // entries misaligned.
        struct mmap_entry e;
        memcpy(&e, (const char *)t + off, sizeof(e));
        if (info->n_mmap == BOOT_MAX_REGIONS)
            return bad(why, "more memory map entries than BOOT_MAX_REGIONS");
        if (e.base + e.len < e.base)
            return bad(why, "memory map entry wraps around");
        info->mmap[info->n_mmap++] = (struct boot_region){e.base, e.len, e.type};
    }
    return SYS_ERR_OK;
}
// LAB 1 STUB
// // Append each whole entry of memory map tag t to info->mmap (bytes after
// // the last whole entry hold none: they are ignored, not refused). Refuse
// // (with bad()) a tag or entry_size too small for what they must hold, an
// // entry whose range wraps around, and more than BOOT_MAX_REGIONS.
// static errval_t parse_mmap(const struct tag *t, struct boot_info *info, const char **why)
// {
//     // LAB 1: your code here
//     (void)t, (void)info;
//     return bad(why, "LAB 1: parse_mmap is not written yet (cpudriver/multiboot2.c)");
// }
// LAB 1 END

// LAB 1 BEGIN parse_module
static MUST_CHECK errval_t parse_module(const struct tag *t, struct boot_info *info,
                                        const char **why)
{
    const struct module_tag *m = (const void *)t;
    if (t->size < sizeof(*m))
        return bad(why, "module tag too small");
    if (m->end < m->start)
        return bad(why, "module ends before it starts");
    const char *cmd = tag_string(t, sizeof(*m));
    if (!cmd)
        return bad(why, "module command line not terminated");
    if (info->n_modules == BOOT_MAX_MODULES)
        return bad(why, "more modules than BOOT_MAX_MODULES");
    info->modules[info->n_modules++] = (struct boot_module){m->start, m->end, cmd};
    return SYS_ERR_OK;
}
// LAB 1 STUB
// // Append module tag t to info->modules: its start, end and command line
// // (a string inside the tag: tag_string()). Refuse a tag too small, a module
// // that ends before it starts, an unterminated command line (a tag with no
// // byte after the end field has none: tag_string says so), and more than
// // BOOT_MAX_MODULES.
// static errval_t parse_module(const struct tag *t, struct boot_info *info, const char **why)
// {
//     // LAB 1: your code here
//     (void)t, (void)info;
//     return bad(why, "LAB 1: parse_module is not written yet (cpudriver/multiboot2.c)");
// }
// LAB 1 END

static MUST_CHECK errval_t parse_tag(const struct tag *t, struct boot_info *info, const char **why)
{
    switch (t->type) {
    case MB2_TAG_CMDLINE:
    case MB2_TAG_LOADER: {
        const char *s = tag_string(t, sizeof(*t));
        if (!s)
            return bad(why, "string tag not terminated");
        *(t->type == MB2_TAG_CMDLINE ? &info->cmdline : &info->loader) = s;
        return SYS_ERR_OK;
    }
    case MB2_TAG_MMAP: return parse_mmap(t, info, why);
    case MB2_TAG_MODULE: return parse_module(t, info, why);
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        // Prefer the ACPI 2.0+ RSDP when GRUB passes both.
        if (info->rsdp && info->rsdp_tag == MB2_TAG_ACPI_NEW)
            return SYS_ERR_OK;
        info->rsdp = t + 1;
        info->rsdp_len = t->size - sizeof(*t);
        info->rsdp_tag = (int)t->type;
        return SYS_ERR_OK;
    default: return SYS_ERR_OK;
    }
}

errval_t mb2_parse(const void *mbi, struct boot_info *info, const char **why)
{
    const uint32_t *hdr = mbi;
    uint32_t total = hdr[0];
    memset(info, 0, sizeof(*info));
    info->cmdline = info->loader = "";
    if (total < 16 || total > MB2_MAX_SIZE)
        return bad(why, "total size out of range");
    info->mbi_size = total;
    for (uint32_t off = 8; off + sizeof(struct tag) <= total;) {
        const struct tag *t = (const void *)((const char *)mbi + off);
        if (t->size < sizeof(*t) || t->size > total - off)
            return bad(why, "tag size out of bounds");
        if (t->type == MB2_TAG_END)
            return SYS_ERR_OK;
        errval_t err = parse_tag(t, info, why);
        if (err_is_fail(err))
            return err;
        off += (t->size + 7) & ~7u; // tags are 8-byte aligned
    }
    return bad(why, "no end tag");
}

const char *mb2_mem_type_name(uint32_t type)
{
    switch (type) {
    case MB2_MEM_AVAILABLE: return "available";
    case MB2_MEM_RESERVED: return "reserved";
    case MB2_MEM_ACPI: return "ACPI reclaimable";
    case MB2_MEM_NVS: return "ACPI NVS";
    case MB2_MEM_BAD: return "bad RAM";
    default: return "unknown";
    }
}
