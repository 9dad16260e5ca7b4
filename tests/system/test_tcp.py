"""tests/system/test_tcp.py: tcpecho under a client that never reads, and a hundred clients at once.

One boot; QEMU's user network forwards a free host port to `tcpecho`
(VNIC 0, 10.0.2.15). From the host, over 127.0.0.1 only:

- a client sends 64 KiB chunks without ever reading until its sends
  block (both windows closed: tcpecho's echo to it and its data to
  tcpecho); meanwhile another client's echo of 1 to 100,000 bytes is
  exact, and VNIC 0's frame counters (`vnic show 0`) move by a few
  frames in five seconds, not by an ACK loop's hundreds of thousands;
- the non-reader disconnects: tcpecho serves on, and the counters stay
  quiet;
- 100 clients are connected at once (they connect one after another:
  QEMU's host forward takes one handshake at a time), each echoes 1000
  bytes of its own at the same time as the others, and closes in order.
"""
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port, tcp_echo  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

CHUNK = 64 * 1024
HOG_LIMIT = 32 * 1024 * 1024  # a client that sends this much was being read
QUIET_S = 5
QUIET_FRAMES = 100  # frames both ways in QUIET_S seconds with only the stalled client
CLIENTS = 100
# QEMU's user network listens for a forwarded port with a backlog of 1:
# handshakes started together are dropped by the host and retried with
# backoff (1, 2, 4, 8, 16 s...), so the clients connect one at a time.
MANY_TIMEOUT_S = 20


def vnic_frames(sh):
    """VNIC 0's device counters: frames received plus sent, or None."""
    out = sh.cmd("vnic show 0")
    m = re.search(r"device counters: rx (\d+) frames, \d+ bytes; tx (\d+) frames", out)
    return int(m.group(1)) + int(m.group(2)) if m else None


def quiet(sh):
    """Frames on VNIC 0 over QUIET_S seconds (None if unreadable)."""
    before = vnic_frames(sh)
    time.sleep(QUIET_S)
    after = vnic_frames(sh)
    return None if None in (before, after) else after - before


def echo(port, sizes, seed, timeout=20):
    """tcp_echo with its own random bytes: a failure message or None."""
    return tcp_echo(port, sizes, random.Random(seed), timeout)


def bind_outside_ephemeral(sock):
    """Bind sock to a free port below the host's ephemeral range: QEMU's
    user network keeps a connection after its host client closed with
    data still queued for the guest, and a later client given the same
    port by the kernel would collide with it there."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return  # the kernel's choice, then
    for p in random.Random().sample(range(max(1024, low - 8192), low), 64):
        try:
            sock.bind(("127.0.0.1", p))
            return
        except OSError:
            continue


def hog(port):
    """A client that sends and never reads, until its sends block for 2 s:
    (socket, bytes sent), or (None, why)."""
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Small host buffers: the windows close after less traffic.
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 128 * 1024)
    bind_outside_ephemeral(c)
    c.settimeout(10)
    try:
        c.connect(("127.0.0.1", port))
    except OSError as e:
        return None, f"connect: {e}"
    c.settimeout(2)
    chunk, sent = b"h" * CHUNK, 0
    while sent < HOG_LIMIT:
        try:
            sent += c.send(chunk)
        except socket.timeout:
            return c, sent
        except OSError as e:
            c.close()
            return None, f"after {sent} bytes: {e}"
    c.close()
    return None, f"{sent} bytes sent and still no back pressure"


def many(port):
    """CLIENTS connections open at once, each echoing 1000 bytes: failures.
    They connect one after another: QEMU's host forward listens with a
    backlog of one, so handshakes started together are dropped by the
    host and retried with backoff (seconds to a minute), which is QEMU's,
    not tcpecho's. Once all are open, all echo at the same time."""
    results = [None] * CLIENTS
    conns = [None] * CLIENTS
    for i in range(CLIENTS):
        try:
            conns[i] = socket.create_connection(("127.0.0.1", port), timeout=MANY_TIMEOUT_S)
        except OSError as e:
            results[i] = f"connect: {e}"
    barrier = threading.Barrier(CLIENTS)

    def run(i):
        try:
            barrier.wait(30)  # all start sending together
        except threading.BrokenBarrierError:
            pass
        if conns[i] is None:
            return
        data = random.Random(i).randbytes(1000)
        try:
            with conns[i] as c:
                c.sendall(data)
                got = b""
                while len(got) < len(data):
                    part = c.recv(4096)
                    if not part:
                        break
                    got += part
                c.shutdown(socket.SHUT_WR)
                end = c.recv(1)
            if got != data or end != b"":
                results[i] = f"echo {len(got)} bytes, equal {got == data}, end {end!r}"
        except OSError as e:
            results[i] = f"{e}"
    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * MANY_TIMEOUT_S)
    return {i: r for i, r in enumerate(results) if r is not None}


def run(ctx):
    port = free_tcp_port()
    netdev = f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:7"
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run tcpecho &")
        ctx.check("tcpecho starts", seen(m, r"tcpecho: echo on 10\.0\.2\.15:7 \(vnic\), up to "
                                         rf"{CLIENTS} clients", 30), "")
        c, sent = hog(port)
        ctx.check("a client that never reads is held back (its sends block)", c is not None,
                  f"{sent}")
        why = echo(port, [1, 1000, 100000, 7], 1)
        ctx.check("meanwhile another client echoes 1 to 100,000 bytes", why is None, f"{why}")
        frames = quiet(sh)
        ctx.check(f"with the stalled client: at most {QUIET_FRAMES} frames in {QUIET_S} s",
                  frames is not None and frames <= QUIET_FRAMES, f"{frames} frames")
        if c is not None:
            c.close()  # unread data: the host resets the connection
        time.sleep(1)
        why = echo(port, [1, 5000], 2)
        ctx.check("after it disconnected, tcpecho serves on", why is None, f"{why}")
        frames = quiet(sh)
        ctx.check(f"after it disconnected: at most {QUIET_FRAMES} frames in {QUIET_S} s",
                  frames is not None and frames <= QUIET_FRAMES, f"{frames} frames")
        bad = many(port)
        ctx.check(f"{CLIENTS} clients at once, each echoed and closed in order", not bad,
                  f"{len(bad)} failed: {dict(list(bad.items())[:5])}")
        why = echo(port, [10], 3)
        ctx.check("and a client after them", why is None, f"{why}")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m
