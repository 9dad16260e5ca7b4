"""tests/system/test_churn.py: clients come and go, and nothing stays behind.

One boot. Cycles of a VNIC application (udpecho --native, started, flooded
from the host and killed) and of a VSIC application (logapp appending one
record to its VSA and ending), with the servers' other clients in between
(lspci, vnic list, vsa list). Before and after: every server's table of
client channels, devmgr's interrupt vectors and IOMMU domains (`servers`)
and free memory (`mem`) must be the same, and the last cycle must work as
the first. `make test` runs CHURN_CYCLES (default 40) of each; `make churn`
runs 500.
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

SERVERS = re.compile(r"^(\w+) +(.*)$", re.M)


def snapshot(sh):
    """The servers' tables and free memory, as text to compare."""
    servers = dict(SERVERS.findall(sh.cmd("servers")))
    mem = re.search(r"(\d+) KiB free", sh.cmd("mem"))
    # A count of channels closed so far grows by design; the rest may not.
    tables = {k: re.sub(r", \d+ ended and closed", "", v) for k, v in servers.items()}
    procs = re.findall(r"^ +(\d+) +\d+ running +(\d+) K +(\S+)", sh.cmd("ps"), re.M)
    return tables, int(mem.group(1)) if mem else None, procs


def vnic_cycle(sh, m, sock, addr, vnic=0, echo_first=True, burst=50):
    """Start the native echo (it gets VNIC vnic, the first free), check one
    echo, send it a burst and kill it while the burst arrives."""
    out = sh.cmd("run udpecho --native &")
    pid = re.search(r"\[(\d+)\] udpecho", out)
    if not pid:
        return f"no pid in {out!r}"
    pid = pid.group(1)
    if not seen(m, rf"\[{pid}\] udpecho\n[\s\S]*?native echo on 10\.0\.2\.{15 + vnic}:7", 30):
        return f"pid {pid}: no start line"
    if echo_first:
        sock.sendto(b"churn", addr)
        try:
            sock.settimeout(3)
            while sock.recvfrom(2048)[0] != b"churn":
                pass
        except socket.timeout:
            return f"pid {pid}: no echo"
    for _ in range(burst):  # a burst still arriving as it is killed
        sock.sendto(b"x" * 256, addr)
    out = sh.cmd(f"kill {pid}")
    if f"[{pid}] killed" not in out:
        return f"kill {pid} printed {out!r}"
    if not seen(m, rf"VNIC {vnic}: its owner \(pid {pid}\) ended", 30):
        return f"pid {pid}: netctl never took its VNIC back"
    return None


def drain(sock):
    sock.settimeout(0.05)
    try:
        while True:
            sock.recvfrom(2048)
    except socket.timeout:
        pass


def run(ctx):
    cycles = int(os.environ.get("CHURN_CYCLES", "40"))
    port = free_udp_port()
    netdev = f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = ("127.0.0.1", port)
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        # One cycle of each first: the shell binds its own channels then.
        out = sh.cmd("run logapp churn append 1", 120)
        first = [vnic_cycle(sh, m, sock, addr),
                 None if "logapp: appended 1\n" in out else f"logapp: {out[-200:]!r}"]
        for line in ("lspci", "vnic list", "vsa list"):
            sh.cmd(line)
        drain(sock)
        before, free_before, procs_before = snapshot(sh)
        ctx.check("the first cycle works", first == [None, None], f"{first}")
        bad, t0 = [], time.time()
        for i in range(cycles):
            why = vnic_cycle(sh, m, sock, addr)
            if why:
                bad.append(f"VNIC cycle {i}: {why}")
            out = sh.cmd("run logapp churn append 1", timeout=120)
            if "logapp: appended 1\n" not in out:
                bad.append(f"VSIC cycle {i}: {out[-200:]!r}")
            sh.cmd(("lspci", "vnic list", "vsa list")[i % 3])
            if bad:
                break
            if (i + 1) % 100 == 0:
                print(f"    churn: {i + 1} of {cycles} cycles ({time.time() - t0:.0f} s)", flush=True)
        ctx.check(f"{cycles} cycles of a VNIC app and of a VSIC app, each working", not bad,
                  "; ".join(bad[:3]))
        drain(sock)
        after, free_after, procs_after = snapshot(sh)
        ctx.check("every server's client table, devmgr's vectors and domains as before", after == before,
                  f"before {before}\nafter  {after}")
        ctx.check("free memory as before", free_after == free_before,
                  f"{free_before} KiB free before, {free_after} after; processes (pid, KiB, "
                  f"name) before {procs_before}, after {procs_after}")
        out = sh.cmd("run logapp churn check", timeout=120)
        n = re.search(r"recovered (\d+) records, 0 bad", out)
        ctx.check("the VSA holds every record appended", n and int(n.group(1)) == cycles + 1,
                  out[-300:])
        print(f"    churn: {cycles} cycles in {time.time() - t0:.0f} s")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    sock.close()
    return m
