"""tests/system/test_mkiso.py: bad boot menus fail at build time with a clear message.

No QEMU here: tools/mkiso must refuse a menu naming a missing file, a file
that is not an x86-64 ELF, a truncated ELF, a kernel without a multiboot2
header, or a malformed line, and say which line and why.
"""
import os
import subprocess

from sietchtest import ROOT


def mkiso(ctx, menu_text, files=None):
    d = os.path.join(ctx.out_dir, "mkiso")
    os.makedirs(d, exist_ok=True)
    for name, data in (files or {}).items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    menu = os.path.join(d, "menu.lst")
    with open(menu, "w") as f:
        f.write(menu_text)
    search = f"{d}:{os.path.join(ctx.build, 'sbin')}"
    r = subprocess.run([os.path.join(ROOT, "tools/mkiso"), "--menu", menu, "--search", search,
                        "--out", os.path.join(d, "out.iso")], capture_output=True, text=True)
    return r.returncode, r.stderr


def run(ctx):
    with open(ctx.kernel, "rb") as f:
        kernel = f.read()
    elf_no_mb2 = bytearray(kernel)
    # Zero the multiboot2 header magic wherever it lies in the first 32 KiB.
    magic = (0xE85250D6).to_bytes(4, "little")
    i = elf_no_mb2.find(magic, 0, 32768)
    elf_no_mb2[i:i + 4] = b"\0\0\0\0"
    cases = [
        ("missing module", "kernel /sbin/cpudriver\nmodule /sbin/nosuchprog\n", {},
         "menu.lst:2: '/sbin/nosuchprog' not found"),
        ("text file as module", "kernel /sbin/cpudriver\nmodule /sbin/notes\n",
         {"notes": b"hello, not an ELF\n" * 8}, "menu.lst:2: '"),
        ("truncated ELF", "kernel /sbin/cpudriver\nmodule /sbin/trunc\n",
         {"trunc": kernel[:100]}, "no valid program headers"),
        ("32-bit ELF", "kernel /sbin/cpudriver\nmodule /sbin/elf32\n",
         {"elf32": b"\x7fELF\x01\x01" + kernel[6:200]}, "not a 64-bit little-endian ELF"),
        ("kernel without multiboot2", "kernel /sbin/nomb2\n", {"nomb2": bytes(elf_no_mb2)},
         "no multiboot2 header"),
        ("no kernel line", "module /sbin/cpudriver\n", {}, "no 'kernel' line"),
        ("unknown keyword", "kernel /sbin/cpudriver\nmodul /sbin/x\n", {},
         "menu.lst:2: unknown keyword 'modul'"),
    ]
    for what, menu, files, want in cases:
        code, err = mkiso(ctx, menu, files)
        ctx.check(f"rejects {what}", code != 0 and want in err and "mkiso: error:" in err,
                  f"exit {code}, stderr {err!r}, wanted {want!r}")
    code, err = mkiso(ctx, "kernel /sbin/cpudriver ktest\n")
    ctx.check("accepts a good menu", code == 0, err)
