"""tests/system/test_rss.py: both of a VNIC's queue pairs receive, flows hashed across them.

One boot with QEMU's user network forwarding a free host port to
10.0.2.15:7, where `udpecho --native --queues 2` runs on VNIC 0 (VF 0,
the only VNIC open, so the PF grants it RSS: docs/vnic.md). The host sends
a few hundred datagrams from 16 sockets (16 source ports: 16 flows), each
waiting for its echoes, then asks `udpecho:stats`: every datagram must
come back byte for byte, and each queue pair must have received a share
(the pairs' own frame counters, q0.rx and q1.rx).
"""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402
from test_netapps import STATS, echo_reply, started  # noqa: E402
from test_shell import PROMPT, Shell, services_up  # noqa: E402

FLOWS = 16
PER_FLOW = 20


def pair_counts(text):
    """q0.rx, q0.echoes, q1.rx, q1.echoes from the stats answer, or None."""
    if text is None:
        return None
    m = re.search(r"queues=2 rss=on q0\.rx=(\d+) q0\.echoes=(\d+) q1\.rx=(\d+) q1\.echoes=(\d+)",
                  text.decode(errors="replace"))
    return tuple(map(int, m.groups())) if m else None


def flows(addr):
    """PER_FLOW datagrams on each of FLOWS sockets, a round at a time: echoes right.
    A first round with no echo at all ends it (a server that does not echo,
    as a lab's handout: the other rounds would wait 2 s a datagram)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(FLOWS)]
    good = 0
    try:
        for i in range(PER_FLOW):
            for k, s in enumerate(socks):
                s.sendto(bytes([k, i]) * 16, addr)
            for k, s in enumerate(socks):
                s.settimeout(2.0)
                try:
                    good += s.recvfrom(2048)[0] == bytes([k, i]) * 16
                except socket.timeout:
                    pass
            if good == 0:
                break
    finally:
        for s in socks:
            s.close()
    return good


def run(ctx):
    port = free_udp_port()
    netdev = f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run udpecho --native --queues 2 &")
        started(m, r"native echo on 10\.0\.2\.15:7 \(vnic\), 2 queue pairs, RSS on", ctx,
                "udpecho opens both queue pairs and the PF grants RSS")
        addr = ("127.0.0.1", port)
        ask = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        before = pair_counts(echo_reply(ask, addr, STATS))
        good = flows(addr)
        after = pair_counts(echo_reply(ask, addr, STATS))
        ask.close()
        sent = FLOWS * PER_FLOW
        ctx.check(f"rss.echo: {good} of {sent} datagrams from {FLOWS} flows echoed", good == sent,
                  f"{sent - good} missing")
        ok = before is not None and after is not None
        ctx.check("rss.counters: per-pair counters answered", ok, f"{before} {after}")
        if ok:
            rx = [after[0] - before[0], after[2] - before[2]]
            echoed = [after[1] - before[1], after[3] - before[3]]
            ctx.check(f"rss.both_queues: pair 0 received {rx[0]}, pair 1 {rx[1]}",
                      rx[0] > 0 and rx[1] > 0, "one pair got nothing")
            # Each pair echoes what it received; the closing stats ask is
            # received by one pair and answered, not echoed.
            ctx.check(f"rss.pairs_echo_own: echoed {echoed}, received {rx} (+1: the ask)",
                      sum(echoed) == sent and sum(rx) == sent + 1 and
                      all(0 <= r - e <= 1 for r, e in zip(rx, echoed)), "")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m
