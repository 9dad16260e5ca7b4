"""tests/bench/bench_rss.py: UDP echo on one and on both of a VNIC's queue pairs (RSS).

One boot of the default image with QEMU's user network forwarding a free
host port to 10.0.2.15:7. For each configuration, `udpecho --native
--queues N` runs on VNIC 0 (VF 0, the only VNIC open, so with N = 2 the PF
grants it RSS: docs/vnic.md) and the host drives FLOWS flows (one socket,
so one source port, each), each keeping WINDOW datagrams of 64 bytes in
flight for SECONDS; then `udpecho:stats` says how the pairs split the
frames. Bounded: at most SECONDS per configuration, only 127.0.0.1.
Compare the ratio within one run: absolute rates under TCG mean little.
"""
import os
import re
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
import sietchtest  # noqa: E402
from netpeer import free_udp_port  # noqa: E402

FLOWS = 16
WINDOW = 4
SECONDS = 8.0
PROMPT = r"sietch\$ "


def seen(m, pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        found = re.search(pattern, m.out)
        if found:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"no /{pattern}/ on the console; last output {m.out[-300:]!r}")


def ask(addr, text, want, tries=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _ in range(tries):
            s.sendto(text, addr)
            s.settimeout(2.0)
            try:
                reply = s.recvfrom(4096)[0].decode(errors="replace")
            except socket.timeout:
                continue
            if re.search(want, reply):
                return reply
        return None
    finally:
        s.close()


def throughput(addr):
    """FLOWS sockets, WINDOW in flight each, for SECONDS: (echoes/s, lost)."""
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(FLOWS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    payload = b"r" * 64
    last = {s: time.time() for s in socks}
    for s in socks:
        for _ in range(WINDOW):
            s.sendto(payload, addr)
    got = lost = 0
    start = time.time()
    while time.time() - start < SECONDS:
        for key, _ in sel.select(0.05):
            s = key.fileobj
            try:
                while True:
                    s.recvfrom(2048)
                    got += 1
                    last[s] = time.time()
                    s.sendto(payload, addr)
            except BlockingIOError:
                pass
        now = time.time()
        for s in socks:
            if now - last[s] > 0.2:  # a window unanswered: count it lost, refill
                lost += WINDOW
                last[s] = now
                for _ in range(WINDOW):
                    s.sendto(payload, addr)
    elapsed = time.time() - start
    for s in socks:
        sel.unregister(s)
        s.close()
    return got / elapsed, lost


def one(m, addr, queues, cores=1):
    m.expect(PROMPT, timeout=60)
    m.send(f"run udpecho --native --queues {queues}{' --cores 2' if cores == 2 else ''} &\r")
    pid = m.expect(r"\[(\d+)\] udpecho\n", timeout=60).group(1)
    seen(m, r"native echo on 10\.0\.2\.15:7 \(vnic\)" + (
        "" if queues == 1 else r", 2 queue pairs on 2 cores, RSS on" if cores == 2 else
        r", 2 queue pairs, RSS on"), 60)
    m.send("\r")
    if ask(addr, b"up?", r"up\?$") is None:
        raise RuntimeError("udpecho does not answer")
    rate, lost = throughput(addr)
    stats = ask(addr, b"udpecho:stats", r"frames rx")
    split = None
    if queues == 2 and stats:
        q = re.search(r"q0\.rx=(\d+) q0\.echoes=\d+ q1\.rx=(\d+)", stats)
        split = (int(q.group(1)), int(q.group(2))) if q else None
    m.expect(PROMPT, timeout=60)
    m.send(f"kill {pid}\r")
    seen(m, rf"netctl: VNIC 0: its owner \(pid {pid}\) ended", 30)
    m.send("\r")
    return rate, lost, split


def run(ctx):
    iso, err = sietchtest.make_iso(ctx.name, "hake/menu.lst", ctx.out_dir, build=ctx.build)
    if err:
        raise RuntimeError(err)
    port = free_udp_port()
    addr = ("127.0.0.1", port)
    log = os.path.join(ctx.out_dir, f"{ctx.name}.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = sietchtest.Machine(iso, log, tools_args=["--disk", disk], env={
        "QEMU_NETDEV": f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"})
    res = {}
    with m:
        seen(m, r"netctl: .*; 7 VNICs", 300)
        seen(m, r"storctl: \d+ VSICs", 120)
        m.send("\r")
        for queues, cores in ((1, 1), (2, 1), (2, 2)):
            res[queues, cores] = one(m, addr, queues, cores)
        m.expect(PROMPT, timeout=60)
        m.send("poweroff\r")
        m.wait_exit(timeout=60)
    smp = os.environ.get("QEMU_SMP", "2")
    cols = [(1, 1), (2, 1), (2, 2)]
    rate = [res[c][0] for c in cols]

    def split(c):
        sp = res[c][2]
        return f"{sp[0]} / {sp[1]}" if sp else "-"
    out = ["| UDP echo, 64 B, native API, VNIC 0 | 1 queue pair | 2 pairs, 1 core (threads) | "
           "2 pairs, 2 cores (processes) |",
           "|---|---|---|---|",
           "| echoes/s | " + " | ".join(f"{r:,.0f}" for r in rate) + " |",
           ("| ratio to 1 pair | " + " | ".join(f"{r / rate[0]:.2f}" for r in rate) + " |")
           if rate[0] else "| ratio | - | - | - |",
           f"| lost (windows of {WINDOW} unanswered 0.2 s) | " +
           " | ".join(str(res[c][1]) for c in cols) + " |",
           "| frames per pair (pair 0 / pair 1) | all / - | " + split((2, 1)) + " | " +
           split((2, 2)) + " |",
           "",
           f"{FLOWS} flows (host sockets, one source port each) with {WINDOW} datagrams in "
           f"flight each for {SECONDS:.0f} s, through slirp, QEMU_SMP={smp}. With 1 core both "
           "pairs' threads are cooperative threads of one dispatcher; with 2 cores pair 1 is "
           "served by a second process on core 1, lent the pair's rings, buffers and the VF's "
           "registers by the first (docs/experiments.md). Under TCG each guest core is a host "
           "thread, beside QEMU's device model and slirp in its main thread and this load "
           "generator, on a host of " + str(os.cpu_count()) + " cores: compare within one run."]
    ok = all(r > 0 for r in rate) and all(res[c][2] and min(res[c][2]) > 0 for c in cols[1:])
    return "Network: UDP echo on one and two queue pairs (RSS), one and two cores", \
        "\n".join(out), ok
