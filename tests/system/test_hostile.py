"""tests/system/test_hostile.py: a hostile application beside a well-behaved one.

One boot. The neighbour is `udpecho --native` on VNIC 0 (the host echoes
through a forwarded port), with a VSA of its own written by `logapp`, and
the kernel-mediated servers (netd, stord) running. Then `hostile` attacks
with what any application holds (usr/tests/hostile: DMA outside its IOMMU
domain, a mailbox flood, garbage at every server, a channel's shared page
given back under the server, spoofed frames, what only a spawner may do),
and a host client that never reads what it asked for stands in for a
hostile TCP peer of `kvstore`. After each attack: the neighbour still
echoes, the shell still answers, and the fault is where the hardware
reports it (the IOMMU's fault log for DMA). At the end, every
server's table, devmgr's vectors and domains, and free memory are as they
were before the attacker came, and the neighbour's VSA holds what it wrote.
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port, free_udp_port  # noqa: E402
from test_churn import drain, snapshot  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402


def echoes(sock, addr, n=5):
    """How many of n datagrams come back exactly."""
    drain(sock)
    good = 0
    for i in range(n):
        payload = b"neighbour %d" % i
        sock.sendto(payload, addr)
        end = time.time() + 3
        while time.time() < end:
            sock.settimeout(max(0.05, end - time.time()))
            try:
                if sock.recvfrom(2048)[0] == payload:
                    good += 1
                    break
            except socket.timeout:
                break
    return good


def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def redis_call(port, *args, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(resp(*args))
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def never_reads(ctx, sh, m, ports):
    """A TCP peer that asks and never reads: kvstore's answers fill the
    connection's window and its buffers, and it must go on serving others."""
    mark = len(m.out)
    out = sh.cmd("run kvstore --port 6379 &")
    ok = re.search(r"\[(\d+)\] kvstore", out) and seen(m, r"kvstore: on 10\.0\.2\.\d+:6379", 60)
    ip = re.search(r"kvstore: on 10\.0\.2\.(\d+):6379", m.out[mark:])
    ok = ok and ip and int(ip.group(1)) in ports
    ctx.check("kvstore starts beside the attacker", bool(ok), m.out[mark:][-200:])
    if not ok:
        return None
    pid = re.search(r"\[(\d+)\] kvstore", out).group(1)
    port = ports[int(ip.group(1))]
    ctx.check("kvstore answers", redis_call(port, b"SET", b"k", b"v" * 1000) == b"+OK\r\n", "")
    hog = socket.create_connection(("127.0.0.1", port), timeout=10)
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ask = resp(b"GET", b"k") * 64
    sent, end = 0, time.time() + 8
    hog.setblocking(False)
    while time.time() < end and sent < 4 << 20:
        try:
            sent += hog.send(ask)
        except BlockingIOError:
            time.sleep(0.05)  # its window is shut: it stopped reading us too
    others = [redis_call(port, b"PING") for _ in range(3)]
    ctx.check("others are served while a peer never reads",
              others == [b"+PONG\r\n"] * 3, f"{others} after {sent} bytes of GETs unread")
    hog.close()
    time.sleep(1)
    ctx.check("kvstore still answers after the peer leaves", redis_call(port, b"PING") == b"+PONG\r\n", "")
    return pid


def run(ctx):
    uport = free_udp_port()
    tports = {host: free_tcp_port() for host in (17, 18, 19)}  # kvstore takes the first free VNIC
    netdev = (f"user,id=net0,hostfwd=udp:127.0.0.1:{uport}-10.0.2.15:7," +
              ",".join(f"hostfwd=tcp:127.0.0.1:{p}-10.0.2.{h}:6379" for h, p in tports.items()))
    m = ctx.machine(ctx.iso(modules=("/sbin/hostile",)), env={"QEMU_NETDEV": netdev})
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = ("127.0.0.1", uport)
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        out = sh.cmd("run udpecho --native &")
        npid = re.search(r"\[(\d+)\] udpecho", out)
        ctx.check("the neighbour starts on VNIC 0",
                  bool(npid) and seen(m, r"native echo on 10\.0\.2\.15:7", 30), out[-200:])
        npid = npid.group(1) if npid else "0"
        out = sh.cmd("run logapp neighbour append 20", timeout=120)
        ctx.check("the neighbour's VSA written", "logapp: appended 20\n" in out, out[-200:])
        sh.cmd("run stord &")
        sh.cmd("run netd &")  # VNIC 1
        ctx.check("stord and netd up", seen(m, r"stord: serving VSAs", 60) and
                  seen(m, r"netd: on VNIC \d+", 60), "")
        ctx.check("the neighbour echoes", echoes(sock, addr) == 5, "")
        drain(sock)
        for line in ("servers", "lspci", "vnic list", "vsa list"):  # the shell binds its channels
            sh.cmd(line)
        before, free_before, procs_before = snapshot(sh)

        attacks = [("dma", "hostile dma 2000", ["hostile.dma", "hostile.dma_flood"]),
                   ("msi", "hostile msi", ["hostile.msi_remappable_blocked"]),
                   ("vsic", "hostile vsic", ["hostile.vsic_registers", "hostile.vsic_other_namespaces",
                                              "hostile.vsic_dma_outside", "hostile.vsic_admin_doorbells"]),
                   ("mailbox", "hostile mailbox 500", ["hostile.mailbox"]),
                   ("hog", "--mem 24M hostile hog", ["hostile.hog"]),
                   ("revoke", "hostile revoke", ["hostile.revoke_ram"]),
                   ("pagegone", "hostile pagegone", ["hostile.pagegone"]),
                   ("spoof", "hostile spoof 200", ["hostile.spoof"]),
                   ("privileged", f"hostile privileged {npid}", ["hostile.privileged", "hostile.names"]),
                   ("servers", "hostile servers 150 7",
                    ["hostile.init", "hostile.server.mem_serv", "hostile.devmgr", "hostile.netctl",
                     "hostile.storctl", "hostile.netd", "hostile.stord"])]
        for name, line, ids in attacks:
            t = time.time()
            sh.cmd(f"run {line}", timeout=300)
            ctx.check(f"{name}: the neighbour still echoes", echoes(sock, addr) == 5, "")
            ctx.check(f"{name}: the shell answers", "RAM:" in sh.cmd("mem"), "")
            print(f"    hostile {name}: {time.time() - t:.1f} s", flush=True)
        ctx.collect(m, [i for _, _, ids in attacks for i in ids])
        # The IOMMU reported the DMA where it reports faults (devmgr's log),
        # a line each for the first few, not thousands.
        lines = re.findall(r"IOMMU fault: DMA (?:read|write) fault from 01:1[0-9a-f]\.\d", m.out)
        ctx.check("the DMA faults are in the IOMMU's log, and do not flood it",
                  3 <= len(lines) <= 40, f"{len(lines)} lines")

        # Killed in the middle of a flood of garbage, it leaves nothing held.
        out = sh.cmd("run hostile servers 100000 11 &")
        hpid = re.search(r"\[(\d+)\] hostile", out)
        time.sleep(5)
        if hpid:
            out = sh.cmd(f"kill {hpid.group(1)}")
            ctx.check("the attacker is killed mid-flood", "killed" in out, out[-200:])
        kpid = never_reads(ctx, sh, m, tports)
        if kpid:
            sh.cmd(f"kill {kpid}")
            seen(m, r"VNIC \d: its owner \(pid %s\) ended" % kpid, 30)
        time.sleep(1)
        drain(sock)
        after, free_after, procs_after = snapshot(sh)
        ctx.check("every server's client table, devmgr's vectors and domains as before",
                  after == before, f"before {before}\nafter  {after}")
        ctx.check("free memory as before", free_after == free_before,
                  f"{free_before} KiB free before, {free_after} after; processes before "
                  f"{procs_before}, after {procs_after}")
        owners = re.findall(r"^  (\d)  01:\S+ +\S+ +\S+ +(free|pid \d+)", sh.cmd("vnic list"), re.M)
        held = sorted(v for v, o in owners if o != "free")
        ctx.check("every VNIC the attacker took is free again (the neighbour's and netd's held)",
                  len(owners) == 7 and held == ["0", "1"], f"{owners}")
        ctx.check("the neighbour echoes at the end", echoes(sock, addr) == 5, "")
        out = sh.cmd("run logapp neighbour check", timeout=120)
        ctx.check("the neighbour's VSA holds its 20 records",
                  bool(re.search(r"recovered 20 records, 0 bad", out)), out[-300:])
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    sock.close()
    return m
