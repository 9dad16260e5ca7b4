"""tests/system/test_gdb.py: the `make gdb` set-up works: gdb attaches to QEMU's
stub with tools/gdbinit, a hardware breakpoint on kernel_start hits, and the
arguments boot.S passed (the multiboot2 magic) are visible."""
import os
import subprocess
import sys

from sietchtest import ROOT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port  # noqa: E402


def run(ctx):
    iso = ctx.iso()
    port = free_tcp_port()
    m = ctx.machine(iso, tools_args=["--gdb", str(port)])
    with m:
        r = subprocess.run(
            ["gdb", "-q", "-batch", "-x", os.path.join(ROOT, "tools/gdbinit"),
             "-ex", f"file {ctx.kernel}", "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "hbreak kernel_start", "-ex", "continue", "-ex", "bt 1",
             "-ex", "print/x magic"],
            capture_output=True, text=True, timeout=120)
        out = r.stdout + r.stderr
        ctx.check("breakpoint at kernel_start", "kernel_start (magic=920085129" in out, out[-500:])
        ctx.check("multiboot2 magic visible", "= 0x36d76289" in out, out[-500:])
    return m
