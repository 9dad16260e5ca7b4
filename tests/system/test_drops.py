"""tests/system/test_drops.py: every datagram the host sends is echoed or counted as dropped.

One boot with QEMU's user network forwarding two free host ports:
`udpecho --native` on VNIC 0 (10.0.2.15) and `udpecho` on POSIX sockets on
VNIC 1 (10.0.2.16). Each gets datagrams of 1473 to 65507 bytes, one at a
time (slirp sends them as IP fragments: the native API takes single
frames, so it drops and counts every one; the POSIX app echoes them), and
then a flood of small datagrams in bursts. For each app the host counts
what it sent and the echoes it got, and asks `udpecho:stats` before and
after: sent must equal echoes plus the drops the app counted, plus any
frame QEMU's igb itself dropped for the app's queue (no receive buffer
free), which QEMU counts nowhere the guest can read and this test takes
from QEMU's trace (`e1000e_rx_not_written_to_guest`). The host never has
more than a burst in flight, smaller than a receive ring, so that should be
none, however slowly the guest runs: the test paces itself on the echoes
and counts each phase up to the app's answer to the counters, which comes
after every echo of the phase.
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402
from test_netapps import STATS, parse_stats, started  # noqa: E402
from test_shell import PROMPT, Shell, services_up  # noqa: E402

LARGE = [1473, 1480, 2000, 2961, 8000, 16000, 23672, 23673, 32000, 48000, 65000, 65507]
BURST = 100  # datagrams in flight at most: well under a receive ring (255)
TRACE_DROP = "e1000e_rx_not_written_to_guest"
TRACE_WRITTEN = "e1000e_rx_written_to_guest"  # every frame QEMU delivers: the trace works


def is_stats(data):
    return data.startswith(b"frames rx ")


def replies(sock, wait):
    """The datagrams that come within wait seconds (the generator's caller
    may stop early)."""
    end = time.time() + wait
    while time.time() < end:
        sock.settimeout(max(0.05, end - time.time()))
        try:
            yield sock.recvfrom(65536)[0]
        except socket.timeout:
            return


def datagram_stats(sock, addr):
    """Ask udpecho for its counters: (counters with the datagram drops after
    the frame counters, echoes that came before the answer).

    The app answers in the order datagrams reach it and slirp keeps that
    order, so every echo of what was sent before the ask is in by the time
    the answer is: counting them here makes the accounting exact however
    slow the guest is. The wait is long because the only cost is when the
    guest stalls; a lost ask is asked again, and a late second answer is
    skipped wherever it turns up.
    """
    late = 0
    for _ in range(3):
        sock.sendto(STATS, addr)
        for data in replies(sock, 10):
            if not is_stats(data):
                late += 1
                continue
            out, t = parse_stats(data), data.decode(errors="replace")
            if out is None:
                return None, late
            for key, pat in (("reassembled", r"reassembled (\d+)"),
                             ("reass_failed", r"reassembly failed (\d+)"),
                             ("sock_full", r"socket queue full (\d+)"),
                             ("native_full", r"native ring full (\d+)"),
                             ("native_frag", r"native not one frame (\d+)"),
                             ("native_big", r"native oversize (\d+)"),
                             ("ring_out", r"rx ring ran out (\d+)")):
                m = re.search(pat, t)
                if not m:
                    return None, late
                out[key] = int(m.group(1))
            return out, late
    return None, late


# The counters that name a dropped datagram (one frame each, or a whole
# fragmented one): the queue's, the stack's, lwIP's IPv4 and UDP drops,
# and the datagram counters.
DROPS = ["queue", "bad", "stack", "ip", "udp", "reass_failed", "sock_full", "native_full",
         "native_frag", "native_big"]


def counted(before, after):
    return {k: after[k] - before[k] for k in DROPS if after[k] != before[k]}


def moved(before, after):
    """Every counter that changed, for a failure's message."""
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def qemu_frames(trace_path, event, queue):
    """Frames of one trace event for a queue in QEMU's trace so far."""
    try:
        with open(trace_path, errors="replace") as f:
            return sum(1 for line in f
                       if event in line and re.search(rf"\(queue {queue}\)", line))
    except OSError:
        return 0


def qemu_drops(trace_path, queue):
    """Frames QEMU's igb dropped for a queue with no receive buffer free."""
    return qemu_frames(trace_path, TRACE_DROP, queue)


def drain(sock, want, idle):
    """Receive until want echoes came or none for idle seconds; how many."""
    got = 0
    while got < want:
        sock.settimeout(idle)
        try:
            data = sock.recvfrom(65536)[0]
        except socket.timeout:
            break
        got += not is_stats(data)
    return got


def large(sock, addr, wait):
    """Each LARGE size once, waiting for its echo (or wait s) and then for
    the app's counters, so that only one datagram's fragments are ever in
    flight (a 65507-byte one is 45 frames; all of them at once would not
    fit a receive ring): (sent, echoes)."""
    echoes = 0
    for i, size in enumerate(LARGE):
        payload = bytes([i & 0xff]) * size
        sock.sendto(payload, addr)
        for data in replies(sock, wait):
            if data == payload:
                echoes += 1
                break
        st, late = datagram_stats(sock, addr)
        echoes += late
        if st is None:  # the app stopped answering: the phase ends (and fails)
            return i + 1, echoes
    return len(LARGE), echoes


def flood(sock, addr, total):
    """total datagrams of 64 bytes in bursts of BURST: (sent, echoes).

    No more than BURST are ever in flight, however the guest is slowed:
    more would overflow a queue that counts nothing, slirp's host socket in
    front of QEMU. A burst whose echoes are not all in after 0.1 s without one is
    followed by an ask for the counters, answered only after every datagram
    before it was echoed or dropped.
    """
    sent = echoes = 0
    while sent < total:
        n = min(BURST, total - sent)
        for _ in range(n):
            sock.sendto(b"f" * 64, addr)
        sent += n
        got = drain(sock, n, 0.1)
        if got < n:
            st, late = datagram_stats(sock, addr)
            got += late
            if st is None:  # the app stopped answering: the phase ends (and fails)
                return sent, echoes + got
        echoes += got
    return sent, echoes


def account(ctx, what, sock, addr, trace, queue, send):
    """Run send(sock, addr) -> (sent, echoes) between two asks for the
    counters and check that every datagram is echoed or counted."""
    before, qemu_before = datagram_stats(sock, addr)[0], qemu_drops(trace, queue)
    if before is None:  # the app does not answer: nothing to account for (and no 10 s waits)
        ctx.check(f"{what}: counters", False, "the app did not answer udpecho:stats")
        return None
    sent, echoes = send(sock, addr)
    after, late = datagram_stats(sock, addr)
    echoes += late
    if after is None:
        ctx.check(f"{what}: counters", False, "the app stopped answering udpecho:stats")
        return None
    drops = counted(before, after)
    lost_in_qemu = qemu_drops(trace, queue) - qemu_before
    total = echoes + sum(drops.values()) + lost_in_qemu
    ctx.check(f"{what}: sent {sent} = echoed {echoes} + counted {drops} + QEMU {lost_in_qemu}",
              total == sent, f"{sent - total} datagrams unaccounted for; every counter that "
              f"moved: {moved(before, after)}")
    return sent, echoes, drops, after


def run(ctx):
    ports = [free_udp_port(), free_udp_port()]
    netdev = "user,id=net0," + ",".join(
        f"hostfwd=udp:127.0.0.1:{p}-10.0.2.{15 + i}:7" for i, p in enumerate(ports))
    trace = os.path.join(ctx.out_dir, "drops.trace")
    if os.path.exists(trace):
        os.remove(trace)
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev},
                    qemu_args=["-trace", TRACE_DROP, "-trace", TRACE_WRITTEN, "-D", trace])
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        up = []
        for line, pat in (("run udpecho --native &", r"native echo on 10\.0\.2\.15:7 \(vnic\)"),
                          ("run udpecho &", r"POSIX echo on 10\.0\.2\.16:7 \(vnic\)")):
            sh.cmd(line)
            up.append(started(m, pat, ctx, f"'{line}' starts"))
        socks = []
        for _ in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            socks.append(s)
        addrs = [("127.0.0.1", p) for p in ports]
        # An app that did not start has nothing to account for: its phases are skipped
        # (failed above), so that a handout without it fails in seconds, not minutes.
        r = up[0] and account(ctx, "native, 1473-65507 bytes", socks[0], addrs[0], trace, 0,
                              lambda s, a: large(s, a, 0.3))
        if r:
            ctx.check("native: every large datagram dropped as not one frame, reassembled",
                      r[1] == 0 and r[2].get("native_frag") == len(LARGE), f"{r[1:3]}")
        r = up[1] and account(ctx, "POSIX, 1473-65507 bytes", socks[1], addrs[1], trace, 1,
                              lambda s, a: large(s, a, 5.0))
        if r:
            ctx.check("POSIX: every large datagram echoed", r[1] == len(LARGE),
                      f"{r[1]} of {len(LARGE)} echoed; drops {r[2]}")
        if up[1]:
            account(ctx, "POSIX, a flood of 10000", socks[1], addrs[1], trace, 1,
                    lambda s, a: flood(s, a, 10000))
        if up[0]:
            account(ctx, "native, a flood of 3000", socks[0], addrs[0], trace, 0,
                    lambda s, a: flood(s, a, 3000))
        written = qemu_frames(trace, TRACE_WRITTEN, 1)
        ctx.check("QEMU's trace is read: it shows the flood's frames written to queue 1",
                  written >= 10000, f"{written} frames")
        ctx.check("QEMU dropped nothing for the apps' queues (bursts below a ring)",
                  qemu_drops(trace, 0) + qemu_drops(trace, 1) == 0,
                  f"{qemu_drops(trace, 0)} and {qemu_drops(trace, 1)} frames")
        for s in socks:
            s.close()
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m
