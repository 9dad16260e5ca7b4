"""tests/system/test_rawlink.py: make bench's raw host link, tools/netload, against the guest.

One boot whose igb is joined by a dgram netdev to tools/netload (no slirp, no host stack):
`udpecho --native` on VNIC 0 (10.0.2.15) and `udpecho` on POSIX sockets on VNIC 1 (10.0.2.16)
run at once, and netload, playing 10.0.2.2, takes each in turn: it resolves the app's MAC by
ARP (the VNIC's own: 52:54:00:5e:00:01, :02), then 300 ping-pong echoes of 64 bytes, all
answered, byte for byte, with every checksum right; the app's frame counters
("udpecho:stats", asked before and after) moved by exactly what netload sent and received
meanwhile, so every echo crossed the raw link and nothing else did; a half-second throughput
run's counts add up (sent = echoed in time + after + lost).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../bench"))
import links  # noqa: E402
from test_netapps import parse_stats, started  # noqa: E402
from test_shell import PROMPT, Shell, services_up  # noqa: E402

ECHOES = 300
APPS = (("native", "run udpecho --native &", "10.0.2.15", "52:54:00:5e:00:01"),
        ("POSIX", "run udpecho &", "10.0.2.16", "52:54:00:5e:00:02"))


def guest_stats(c):
    return parse_stats(c.ask("udpecho:stats", r"frames rx").encode())


def check_app(ctx, ports, name, ip, mac):
    c = links.RawLink(ctx.build, ports, ip)
    try:
        got = c.arp()
        ctx.check(f"{name}: {ip} answers ARP with its VNIC's MAC", got == mac, f"got {got}")
        before, ours_before = guest_stats(c), c.stats()
        echo = links.fields(c.cmd(f"echo {ECHOES} 64"))
        after, ours_after = guest_stats(c), c.stats()
        ctx.check(f"{name}: {ECHOES} echoes answered over the raw link",
                  echo.get("done") == ECHOES and echo.get("lost") == 0, f"{echo}")
        # Between the asks the guest received what netload sent after the first (the echoes,
        # the second ask, any ARP) and sent what netload received after its first answer.
        sent = ours_after["tx"] - ours_before["tx"]
        recv = ours_after["rx"] - ours_before["rx"]
        g_rx, g_tx = after["rx"] - before["rx"], after["tx"] - before["tx"]
        ctx.check(f"{name}: the app's frame counters moved by what crossed the link",
                  g_rx == sent and g_tx == recv and sent >= ECHOES + 1,
                  f"guest rx +{g_rx} tx +{g_tx}; netload tx +{sent} rx +{recv}")
        t = links.fields(c.cmd("tput 64 0.5 8"))
        ctx.check(f"{name}: throughput counts add up",
                  t["got"] > 0 and t["sent"] == t["got"] + t["after"] + t["lost"], f"{t}")
        s = c.stats()
        bad = {k: s[k] for k in ("bad_ip_csum", "bad_udp_csum", "bad_echo") if s[k]}
        ctx.check(f"{name}: every checksum right, every echo exact", not bad, f"{bad}")
    finally:
        c.close()


def run(ctx):
    ports = links.LinkPorts()
    m = ctx.machine(ctx.iso(modules=()), tools_args=ports.qemu_args())
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        for name, line, ip, _ in APPS:
            sh.cmd(line)
            started(m, rf"echo on {re.escape(ip)}:7", ctx, f"udpecho ({name}) starts")
        for name, _, ip, mac in APPS:
            check_app(ctx, ports, name, ip, mac)
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
