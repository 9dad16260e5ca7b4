"""tests/system/test_gdb.py: the `make gdb` set-up works: gdb attaches to QEMU's
stub with tools/gdbinit, a hardware breakpoint on kernel_start hits, and the
arguments boot.S passed (the multiboot2 magic) are visible. And `make
gdb-server`'s printed command (tools/gdb --server, given the CPU driver's
path relative to the tree as make gives it) attaches from another
directory, and `make gdb GDB_ARGS=...` runs a script of gdb commands."""
import os
import shlex
import signal
import subprocess
import sys
import tempfile

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
    gdb_server(ctx, iso)
    gdb_script(ctx, iso)
    return m


def gdb_script(ctx, iso):
    """tools/gdb ISO ELF ARGS... (make gdb GDB_ARGS=...): gdb takes ARGS
    after the connection, so a batch of commands runs; QEMU ends with gdb."""
    p = subprocess.Popen([os.path.join(ROOT, "tools/gdb"), iso, ctx.kernel, "-batch",
                          "-ex", "hbreak kernel_start", "-ex", "continue", "-ex", "bt 1"],
                         cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # the group: tools/gdb, its QEMU and gdb
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
    ctx.check("make gdb with GDB_ARGS runs a batch of commands",
              "kernel_start (magic=920085129" in out and p.returncode == 0, out[-500:])


def gdb_server(ctx, iso):
    """tools/gdb --server with a relative ELF path: the command it prints
    names the ELF by an absolute path, and run from elsewhere it attaches."""
    elf = os.path.relpath(ctx.kernel, ROOT)
    p = subprocess.Popen([os.path.join(ROOT, "tools/gdb"), "--server", iso, elf], cwd=ROOT,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:  # tools/gdb execs tools/qemu, which execs QEMU: p.pid is QEMU's
        lines = [p.stdout.readline() for _ in range(2)]
        cmd = shlex.split(lines[1]) if len(lines) == 2 else []
        file_arg = next((cmd[i + 1] for i in range(len(cmd) - 1)
                         if cmd[i] == "-ex" and cmd[i + 1].startswith("file ")), "")
        path = file_arg[len("file "):]
        ctx.check("gdb-server names the CPU driver by an absolute path",
                  os.path.isabs(path) and os.path.samefile(path, ctx.kernel), "".join(lines))
        with tempfile.TemporaryDirectory() as elsewhere:
            r = subprocess.run(cmd + ["-batch", "-ex", "hbreak kernel_start", "-ex", "continue",
                                      "-ex", "bt 1"], cwd=elsewhere, capture_output=True,
                               text=True, timeout=120) if cmd else None
        out = (r.stdout + r.stderr) if r else "no command printed"
        ctx.check("gdb-server's command works from another directory",
                  "kernel_start (magic=920085129" in out, out[-500:])
    finally:
        os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
