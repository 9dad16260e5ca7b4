"""tests/system/test_vnic.py: VNICs through netctl, on raw frames.

One boot of the default image with QEMU's user network forwarding two free
UDP ports of 127.0.0.1 to 10.0.2.15:7 and 10.0.2.16:7 (VNICs 0 and 1).
`vnictest checks` runs the control-plane tests (a VNIC granted and
confined, ARP with slirp, filters as caps, no rate limiting, owners only,
close frees); then two `vnictest echo` apps, one per VNIC, echo datagrams
of many sizes byte for byte, and neither ever sees a frame for the other's
MAC; the first is killed while the host floods it: netctl takes its VF
back, and a new app gets the VNIC and echoes again.
"""
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

CHECKS = ["vnic.open", "vnic.vf_granted_and_confined", "vnic.arp_gateway", "vnic.filter_caps",
          "vnic.filters_enforced", "vnic.rx_mode_in_device", "vnic.stale_cap",
          "vnic.rate_limit_unsupported", "vnic.vlan", "vnic.not_owner", "vnic.list",
          "vnic.mailbox_unprompted", "vnic.close_frees"]
SIZES = sorted(set([1, 2, 17, 63, 64, 65, 255, 256, 511, 512, 1000, 1024, 1471, 1472] +
                   random.Random(8).sample(range(1, 1473), 16)))
DONE = b"vnictest-done"



def echo(sock, addr, payload, tries=3, wait=3.0):
    """Send payload until its exact echo comes back; the echo, or None."""
    for _ in range(tries):
        sock.sendto(payload, addr)
        end = time.time() + wait
        while time.time() < end:
            sock.settimeout(max(0.05, end - time.time()))
            try:
                data, _ = sock.recvfrom(4096)
            except socket.timeout:
                break
            if data == payload:
                return data
    return None


def echo_sizes(sock, addr, rng):
    """The sizes of SIZES not echoed byte for byte. After three sizes in a
    row with no answer at all, the rest count as bad without being sent: a
    server that does not answer (a lab's handout) would cost 9 s a size."""
    bad, silent = [], 0
    for size in SIZES:
        payload = bytes(rng.getrandbits(8) for _ in range(size))
        got = echo(sock, addr, payload) if silent < 3 else None
        silent = silent + 1 if got is None else 0
        if got != payload:
            bad.append(size)
    return bad


def run(ctx):
    ports = [free_udp_port(), free_udp_port()]
    netd_port = free_udp_port()
    netdev = ("user,id=net0," + ",".join(
        f"hostfwd=udp:127.0.0.1:{p}-10.0.2.{15 + i}:7" for i, p in enumerate(ports)) +
        f",hostfwd=udp:127.0.0.1:{netd_port}-10.0.2.40:7")
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run vnictest checks", timeout=120)
        ctx.collect(m, CHECKS)
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in ports]
        addrs = [("127.0.0.1", p) for p in ports]
        pids = []
        for i in range(2):
            out = sh.cmd("run vnictest echo &")
            pids.append(re.search(r"\[(\d+)\]", out).group(1))
            # (anywhere: its start line may come before the shell's prompt)
            ctx.check(f"app {i} starts on VNIC {i}",
                      seen(m, rf"vnictest: echo on 10\.0\.2\.{15 + i}:7 \(VNIC {i}\)", 30), "")
        rng = random.Random(1)
        for i in range(2):
            bad = echo_sizes(socks[i], addrs[i], rng)
            ctx.check(f"VNIC {i}: UDP echo of {len(SIZES)} sizes, byte for byte", not bad,
                      f"no correct echo for sizes {bad}")
        sh.check("vnic list shows both owners", "vnic list",
                 rf"0  01:10\.0 .* 10\.0\.2\.15  pid {pids[0]}[\s\S]*"
                 rf"1  01:10\.2 .* 10\.0\.2\.16  pid {pids[1]}")
        # More frames than the transmit ring has descriptors, one at a time:
        # none may be lost where the ring wraps (each echo is tried once).
        lost = 0
        for k in range(300):
            lost += echo(socks[1], addrs[1], b"wrap%d" % k, tries=1, wait=1.0) is None
            if k == 9 and lost == 10:  # not one answer: the app does not echo
                lost = 300
                break
        ctx.check("VNIC 1: 300 echoes in a row, none lost (the transmit ring wraps)", lost == 0,
                  f"{lost} lost")
        # VNIC 1 stops: it saw its own traffic only.
        ctx.check("VNIC 1 stops when told", echo(socks[1], addrs[1], DONE) == DONE, "")
        done = m.expect(r"vnictest: done: (\d+) echoes, (\d+) foreign frames", timeout=30)
        ctx.check("VNIC 1 never saw a frame for another MAC", done.group(2) == "0",
                  f"{done.group(2)} foreign frames")
        # VNIC 0's app is killed while the host floods it.
        stop = threading.Event()

        def flood():
            while not stop.is_set():
                socks[0].sendto(b"x" * 512, addrs[0])
                time.sleep(0.002)
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        time.sleep(0.5)
        sh.check("an app killed mid-traffic", f"kill {pids[0]}", rf"\[{pids[0]}\] killed")
        stop.set()
        t.join()
        ctx.check("netctl takes the VF back",
                  seen(m, rf"netctl: VNIC 0: its owner \(pid {pids[0]}\) ended: VF 01:10\.0 "
                       r"reset and free", 30), "")
        sh.check("its VNIC is free again", "vnic list", r"0  01:10\.0 .* free")
        out = sh.cmd("run vnictest echo &")
        ctx.check("a new app starts on VNIC 0",  # the second such line
                  seen(m, r"vnictest: echo on 10\.0\.2\.15:7 \(VNIC 0\)[\s\S]*"
                       r"vnictest: echo on 10\.0\.2\.15:7 \(VNIC 0\)", 30), "")
        socks[0].settimeout(0.1)
        try:  # drop echoes of the flood still on their way
            while socks[0].recvfrom(4096):
                pass
        except socket.timeout:
            pass
        bad = echo_sizes(socks[0], addrs[0], rng)
        ctx.check("a new app gets the VNIC and echoes", not bad, f"bad sizes {bad}")
        ctx.check("it stops when told", echo(socks[0], addrs[0], DONE) == DONE, "")
        done = m.expect(r"vnictest: done: (\d+) echoes, (\d+) foreign frames", timeout=30)
        ctx.check("the new app never saw a frame for another MAC", done.group(2) == "0", "")
        # The same program through netd (the kernel-mediated path).
        sh.cmd("run netd &")
        ctx.check("netd up", seen(m, r"netd: on VNIC \d+ .*; clients get 10\.0\.2\.40", 30), "")
        sh.cmd("run vnictest echo --netd &")
        ctx.check("an app through netd", seen(m, r"echo on 10\.0\.2\.40:7 \(through netd\)", 30),
                  "")
        nsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        bad = echo_sizes(nsock, ("127.0.0.1", netd_port), rng)
        ctx.check(f"through netd: UDP echo of {len(SIZES)} sizes, byte for byte", not bad,
                  f"bad sizes {bad}")
        ctx.check("it stops when told", echo(nsock, ("127.0.0.1", netd_port), DONE) == DONE, "")
        nsock.close()
        # Waits with a limit on an idle queue, through netd and on a VNIC.
        sh.cmd("run vnictest wait --netd", timeout=60)
        sh.cmd("run vnictest wait", timeout=60)
        ctx.collect(m, ["netd.wait_timeout", "netd.open_twice", "vnic.wait_timeout"])
        for s in socks:
            s.close()
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m
