"""tests/system/test_soak.py: mixed load for a set time, and nothing leaks or hangs.

One boot; SOAK_S seconds (default 20 in `make test`; `make soak` runs
SOAK_S=3600) of, in turn: a VNIC application started, echoing, flooded
and killed (udpecho --native on VNIC 2); TCP bulk transfers through a
long-lived tcpecho (VNIC 0: three connections at once, 64 KiB each way,
byte for byte); a flood of datagrams to a long-lived POSIX udpecho
(VNIC 1); log appends to a VSA (logapp); and a short program (systest).
At the end it reports what it did, and every server's table, devmgr's
vectors and domains and free memory are as after the first round, every
appended record is in the log, and the long-lived servers still answer.
"""
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port, free_udp_port  # noqa: E402
from test_churn import drain, snapshot, vnic_cycle  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

FLOOD = 500      # datagrams per round to the POSIX echo
BULK = 64 * 1024  # bytes each way per TCP connection


def tcp_bulk(port, seed):
    """Three connections at once, BULK bytes each way: failures."""
    bad = []

    def one(k):
        rng = random.Random(seed * 10 + k)
        data = rng.randbytes(BULK)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=20) as c:
                got = bytearray()
                for off in range(0, BULK, 4096):
                    c.sendall(data[off:off + 4096])
                    while len(got) < off + 4096:  # read as we go: a reading client
                        part = c.recv(65536)
                        if not part:
                            raise OSError(f"ended after {len(got)} bytes")
                        got += part
                if bytes(got) != data:
                    raise OSError("the echo differs")
        except OSError as e:
            bad.append(f"connection {k}: {e}")
    threads = [threading.Thread(target=one, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return bad


def udp_flood(sock, addr):
    """FLOOD datagrams in bursts of 50; echoes that came back."""
    back = 0
    for burst in range(FLOOD // 50):
        for k in range(50):
            sock.sendto(b"soak%d" % (burst * 50 + k), addr)
        sock.settimeout(0.3)
        try:
            while True:
                sock.recvfrom(2048)
                back += 1
        except socket.timeout:
            pass
    return back


def run(ctx):
    soak_s = float(os.environ.get("SOAK_S", "20"))
    udp, tcp, churn = free_udp_port(), free_tcp_port(), free_udp_port()
    netdev = (f"user,id=net0,hostfwd=tcp:127.0.0.1:{tcp}-10.0.2.15:7,"
              f"hostfwd=udp:127.0.0.1:{udp}-10.0.2.16:7,"
              f"hostfwd=udp:127.0.0.1:{churn}-10.0.2.17:7")
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    csock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uaddr, caddr = ("127.0.0.1", udp), ("127.0.0.1", churn)
    done = {"rounds": 0, "churn": 0, "tcp bytes": 0, "datagrams sent": 0, "echoed": 0,
            "appends": 0, "programs": 0}
    bad = []
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run tcpecho &")
        ok = seen(m, r"tcpecho: echo on 10\.0\.2\.15:7", 30)
        sh.cmd("run udpecho &")
        ok = ok and seen(m, r"POSIX echo on 10\.0\.2\.16:7", 30)
        ctx.check("the long-lived servers start (tcpecho on VNIC 0, udpecho on VNIC 1)", ok, "")
        if not ok:
            return m
        for line in ("lspci", "vnic list", "vsa list", "servers"):
            sh.cmd(line)  # the shell's own channels, bound once
        t0, base = time.time(), None
        while True:
            r = done["rounds"]
            why = vnic_cycle(sh, m, csock, caddr, vnic=2, echo_first=False, burst=100)
            bad += [f"round {r}: churn: {why}"] if why else []
            done["churn"] += not why
            errs = tcp_bulk(tcp, r)
            bad += [f"round {r}: tcp: {e}" for e in errs]
            done["tcp bytes"] += 2 * BULK * (3 - len(errs))
            done["echoed"] += udp_flood(usock, uaddr)
            done["datagrams sent"] += FLOOD
            out = sh.cmd("run logapp soak append 5", timeout=120)
            if "logapp: appended 5\n" in out:
                done["appends"] += 5
            else:
                bad.append(f"round {r}: logapp: {out[-200:]!r}")
            out = sh.cmd("run systest args a b c", timeout=60)
            if "TEST PASS spawn.args" in out:
                done["programs"] += 1
            else:
                bad.append(f"round {r}: systest: {out[-200:]!r}")
            done["rounds"] += 1
            drain(usock)
            drain(csock)
            if base is None:  # after the first round: the shell's channels are bound
                base = snapshot(sh)[:2]
                appended_at_base = done["appends"]
            if bad or time.time() - t0 >= soak_s:
                break
            if done["rounds"] % 50 == 0:
                print(f"    soak: {done['rounds']} rounds, {time.time() - t0:.0f} s", flush=True)
        secs = time.time() - t0
        ctx.check(f"{done['rounds']} rounds of mixed load in {secs:.0f} s, each working", not bad,
                  "; ".join(bad[:3]))
        tables, free = snapshot(sh)[:2]
        ctx.check("every server's table, devmgr's vectors and domains as after the first round",
                  tables == base[0], f"then {base[0]}\nnow  {tables}")
        ctx.check("free memory as after the first round", free == base[1],
                  f"{base[1]} KiB free then, {free} now")
        # The check prints a line a record: under TCG about 7 a second.
        out = sh.cmd("run logapp soak check", timeout=120 + done["appends"] // 4)
        n = re.search(r"recovered (\d+) records, 0 bad", out)
        ctx.check("every appended record is in the log", n and int(n.group(1)) == done["appends"],
                  f"{done['appends']} appended; {out[-200:]!r}")
        ctx.check("tcpecho still echoes", not tcp_bulk(tcp, 999), "")
        usock.sendto(b"last", uaddr)
        usock.settimeout(3)
        try:
            last = usock.recvfrom(2048)[0] == b"last"
        except socket.timeout:
            last = False
        ctx.check("udpecho still echoes", last, "")
        usock.sendto(b"udpecho:stats", uaddr)  # where the flood's unechoed datagrams went
        try:
            print(f"    soak: udpecho: {usock.recvfrom(4096)[0].decode(errors='replace')}")
        except socket.timeout:
            pass
        print("    soak: " + ", ".join(f"{k} {v}" for k, v in done.items()) + f" in {secs:.0f} s")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    usock.close()
    csock.close()
    return m
