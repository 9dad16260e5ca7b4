"""tests/system/test_restart.py: devmgr starts a driver that ended again.

One boot. netctl is killed while `udpecho --native` holds a VNIC and echoes:
devmgr cuts the program off its VF and ends it (the VF's state goes with
the reset), turns the PF's VFs off and starts netctl again, which brings
the PF up from a device reset; the shell's own channel to netctl binds to
the new one by itself (`vnic list`), and a new native echo works. Then
storctl is killed while a program appends to a log on its VSIC: the
program is cut off, storctl comes back, every append that was acknowledged
is read back, and the next program appends. Killing netctl
three more times shows the limit: the fourth end is the last, devmgr says
so and the rest of the system goes on.
"""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

NETCTL_UP = r"netctl: 01:00\.0: 82576 up, link 1000 Mb/s"
STORCTL_UP = r"storctl: 02:00\.0: QEMU NVMe Ctrl"


def echo_once(sock, addr, payload, tries=5):
    for _ in range(tries):
        sock.sendto(payload, addr)
        sock.settimeout(2)
        try:
            while True:
                if sock.recvfrom(2048)[0] == payload:
                    return True
        except socket.timeout:
            pass
    return False


def owner(sh, rid, driver):
    out = sh.cmd("lspci -v")
    m = re.search(rf"{rid} pid (\d+) \({driver}\)", out)
    return m.group(1) if m else None


def start_echo(ctx, sh, m, what):
    out = sh.cmd("run udpecho --native &")
    pid = re.search(r"\[(\d+)\] udpecho", out)
    pid = pid.group(1) if pid else "?"
    ctx.check(what, seen(m, rf"\[{pid}\] udpecho\n[\s\S]*?native echo on 10\.0\.2\.15:7", 30),
              f"no start line of pid {pid}")
    return pid


def run(ctx):
    port = free_udp_port()
    netdev = f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = ("127.0.0.1", port)
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("vnic list")  # the shell's channel to the first netctl
        app = start_echo(ctx, sh, m, "a native echo starts")
        ctx.check("it echoes", echo_once(sock, addr, b"before"), "")

        # netctl killed under a program holding a VNIC.
        old = owner(sh, r"01:00\.0", "netctl")
        sh.check("netctl killed", f"kill {old}", rf"\[{old}\] killed")
        ctx.check("devmgr ends the program holding its VF",
                  seen(m, rf"devmgr: 01:10\.0: its driver netctl restarts: pid {app}, "
                          r"which held it, is ended", 30), "")
        ctx.check("devmgr starts netctl again",
                  seen(m, r"devmgr: 01:00\.0: starting netctl again \(1 of 3\)", 30), "")
        ctx.check("the new netctl brings the PF up",
                  seen(m, r"starting netctl again[\s\S]*" + NETCTL_UP, 60), "")
        new = owner(sh, r"01:00\.0", "netctl")
        ctx.check("it owns the PF and the VFs", new not in (None, old) and
                  re.search(rf"01:10\.0 pid {new} \(netctl\)", sh.cmd("lspci -v")) is not None,
                  f"PF owner {new}, was {old}")
        sh.check("the program was ended", "ps", rf"\n +{app} +\d+ killed +\d+ K +udpecho")
        sh.check("the shell's vnic list reaches the new netctl", "vnic list",
                 r"\n +0 +01:10\.0 +52:54:00:5e:00:01 +10\.0\.2\.15 +free")
        start_echo(ctx, sh, m, "a new native echo starts")
        ctx.check("and echoes", echo_once(sock, addr, b"after"), "")

        # storctl killed while a program appends to a log on its VSIC: the
        # program is cut off; every append it was told is durable is there
        # after the restart, and the VSIC works for the next program.
        out = sh.cmd("run logapp restart append 5", timeout=120)
        ctx.check("a log written", "logapp: appended 5\n" in out, out[-200:])
        out = sh.cmd("run logapp restart append 100000 &")
        app = re.search(r"\[(\d+)\] logapp", out)
        app = app.group(1) if app else "?"
        ctx.check("a second program appends", seen(m, r"logapp: ACK 50 ", 60), "")
        old = owner(sh, r"02:00\.0", "storctl")
        sh.check("storctl killed", f"kill {old}", rf"\[{old}\] killed")
        # The VF was never the program's (storctl keeps it): the program
        # is cut off, not ended by devmgr. Its doorbell page was cut from
        # storctl's BAR cap, which devmgr revokes, and its window goes with
        # storctl's IOMMU domain: its next command times out (or, ringing
        # the revoked page, it faults).
        ctx.check("the program holding the VSIC is cut off",
                  seen(m, rf"logapp: append \d+: the operation timed out|"
                          rf"logapp \(pid {app}\): page fault", 30), "")
        ctx.check("devmgr starts storctl again",
                  seen(m, r"devmgr: 02:00\.0: starting storctl again \(1 of 3\)", 30)
                  and seen(m, r"starting storctl again[\s\S]*" + STORCTL_UP, 60), "")
        acked = max(int(a) for a in re.findall(r"logapp: ACK (\d+) ", m.out))
        out = sh.cmd("run logapp restart check", timeout=120)
        got = re.search(r"recovered (\d+) records, 0 bad", out)
        ctx.check("every acknowledged append is there", got and int(got.group(1)) >= acked + 1,
                  f"last ACK {acked}; {out[-300:]!r}")
        out = sh.cmd("run logapp restart append 1", timeout=120)
        ctx.check("the next program appends", "logapp: appended 1\n" in out, out[-200:])

        # The limit: three starts again a boot.
        for n in (2, 3):
            pid = owner(sh, r"01:00\.0", "netctl")
            sh.cmd(f"kill {pid}")
            seen(m, rf"starting netctl again \({n} of 3\)[\s\S]*{NETCTL_UP}", 60)
        pid = owner(sh, r"01:00\.0", "netctl")
        sh.cmd(f"kill {pid}")
        ctx.check("a fourth end is the last",
                  seen(m, r"devmgr: 01:00\.0: netctl ended 4 times since boot: "
                          r"not started again", 30), "")
        sh.check("the PF is nobody's then", "lspci -v", r"01:00\.0 nobody \(blocked\)")
        sh.check("vnic list says netctl is gone", "vnic list", r"vnic: .*")
        sh.check("the rest goes on", "run systest watch", r"TEST PASS watch\.signal_on_end")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    sock.close()
    return m
