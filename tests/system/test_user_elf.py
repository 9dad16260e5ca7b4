"""tests/system/test_user_elf.py: a user program links into the ELF that hake/user.ld promises.

No QEMU here (no user space runs yet): usr/tests/libc_smoke, linked with
lib/c's _start and hake/user.ld, must be a static x86-64 executable entered
at _start = 0x400000, with three page-aligned PT_LOAD segments, text R E,
rodata R, data and bss RW, nothing both writable and executable, and no
interpreter or dynamic section.
"""
import os
import re
import subprocess


def readelf(*args):
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True,
                          check=True).stdout


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    return {parts[2]: int(parts[0], 16) for parts in (l.split() for l in out.splitlines())
            if len(parts) == 3}


def run(ctx):
    prog = os.path.join(ctx.build, "sbin", "libc_smoke")
    if not ctx.check("libc_smoke was built", os.path.exists(prog), f"{prog} missing"):
        return None
    header = readelf("-h", prog)
    ctx.check("static executable", re.search(r"Type:\s+EXEC", header) is not None, header)
    ctx.check("x86-64", "X86-64" in header, header)
    entry = int(re.search(r"Entry point address:\s+(0x[0-9a-f]+)", header).group(1), 16)
    syms = symbols(prog)
    ctx.check("entry is _start at 0x400000", entry == syms.get("_start") == 0x400000,
              f"entry {entry:#x}, _start {syms.get('_start')}")
    for name in ("libc_start", "main", "_end"):
        ctx.check(f"symbol {name}", name in syms, "missing")
    ctx.check("_end page-aligned", syms.get("_end", 1) % 4096 == 0, f"_end {syms.get('_end')}")

    phdrs = readelf("-l", prog)
    ctx.check("no interpreter or dynamic section",
              not re.search(r"^\s*(INTERP|DYNAMIC)\s", phdrs, re.M), phdrs)
    loads = re.findall(r"^\s*LOAD\s+(0x\S+)\s+(0x\S+)\s+0x\S+\s+(0x\S+)\s+(0x\S+)\s+(.+?)\s+(0x\S+)$",
                       phdrs, re.M)
    flags = [f.replace(" ", "") for _, _, _, _, f, _ in loads]
    ctx.check("three PT_LOAD segments: RE, R, RW", flags == ["RE", "R", "RW"],
              f"got {flags}\n{phdrs}")
    end = 0
    for i, (off, vaddr, filesz, memsz, f, align) in enumerate(loads):
        off, vaddr, filesz, memsz, align = (int(x, 16) for x in (off, vaddr, filesz, memsz, align))
        ctx.check(f"segment {i} page-aligned", vaddr % 4096 == 0 and off % 4096 == 0
                  and align == 4096, f"vaddr {vaddr:#x} offset {off:#x} align {align:#x}")
        ctx.check(f"segment {i} after the one before, none overlapping", vaddr >= end,
                  f"starts {vaddr:#x}, previous ends {end:#x}")
        end = vaddr + memsz
        if i == 0:
            ctx.check("text at 0x400000", vaddr == 0x400000, f"{vaddr:#x}")
        if i == 2:
            ctx.check("bss is memory beyond the file", memsz > filesz,
                      f"filesz {filesz:#x} memsz {memsz:#x}")
    ctx.check("_end covers the image", syms.get("_end", 0) >= end,
              f"_end {syms.get('_end', 0):#x}, image ends {end:#x}")
    return None
