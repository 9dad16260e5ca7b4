"""tests/system/test_hub.py: tools/hub, the learning switch for three or more machines on one link.

On the host first (no boot): the hub refuses bad command lines (status 2, a reason), a port
already bound and a status file it cannot write (status 1); with three Python sockets playing
the machines' QEMUs, a broadcast reaches every other port, a frame to an address learned on a
port reaches that port alone, one to an unknown address is flooded, one to its own port's
address is filtered; frames of 14 and 9018 bytes pass and frames of 13 and 9019 bytes, from a
multicast source or from a stranger are dropped, each counted; an address seen on another port
moves; more addresses than the table holds evict the least recently seen; the counters it
prints (SIGUSR1, its status file, its last line at SIGTERM, status 0) match what the sockets
sent and received, frame for frame.

Then one boot of three Sietch machines joined by the hub (TCG): node 1 (10.0.2.47) runs
`udpecho --native`; nodes 0 and 2 each run `udpping ... echo N 64` against it at the same
time. Both get every echo back; the hub dropped nothing; and it switched rather than
repeated: what it sent to each client's port is that client's echoes plus the few flooded
frames, not the other client's traffic to node 1.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../bench"))
import links  # noqa: E402
from netpeer import free_udp_port  # noqa: E402
from test_netapps import started  # noqa: E402
from test_shell import PROMPT, Shell, services_up  # noqa: E402

ECHOES = 1000  # each client's: long enough that the two runs overlap
FLOODS = 20  # frames flooded while they run, at most: ARP requests (4 seen) and the like
SERVER_IP = links.SERVER_IP  # node 1's VNIC 0
BCAST = b"\xff" * 6


def mac(i):
    return bytes([2, 0, 0, 0, 0, i])


def frame(dst, src, size=64, tag=b""):
    body = tag + b"x" * max(0, size - 14 - len(tag))
    return (dst + src + b"\x88\xb5" + body)[:size]  # 0x88b5: IEEE's local experimental type


def bad_args(ctx, hub):
    """Command lines the hub must refuse, each with its reason on stderr and status 2."""
    cases = [([], "wants 2 to 16"), (["5000:5001"], "wants 2 to 16"),
             (["5000:5001", "5002"], "not QEMU_PORT:HUB_PORT"),
             (["5000:5001", "5002:70000"], "not QEMU_PORT:HUB_PORT"),
             (["5000:5001", "5001:5002"], "port 5001 is named twice"),
             (["5000:5000", "5002:5003"], "port 5000 is named twice"),
             (["--age", "0", "5000:5001", "5002:5003"], "--age wants seconds"),
             (["--status"], "--status needs a value"),
             (["--fast", "1", "5000:5001", "5002:5003"], "unknown option '--fast'")]
    for args, why in cases:
        r = subprocess.run([hub, *args], capture_output=True, text=True, timeout=10)
        ctx.check(f"refuses {' '.join(args) or 'no arguments'}",
                  r.returncode == 2 and why in r.stderr, f"status {r.returncode}: {r.stderr!r}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        r = subprocess.run([hub, f"{free_udp_port()}:{free_udp_port()}",
                            f"{free_udp_port()}:{port}"], capture_output=True, text=True,
                           timeout=10)
    ctx.check("a port already bound: status 1, and says which",
              r.returncode == 1 and f"127.0.0.1:{port}" in r.stderr,
              f"status {r.returncode}: {r.stderr!r}")
    nowhere = os.path.join(ctx.out_dir, "no-such-dir", "hub.status")
    r = subprocess.run([hub, "--status", nowhere, f"{free_udp_port()}:{free_udp_port()}",
                        f"{free_udp_port()}:{free_udp_port()}"], capture_output=True, text=True,
                       timeout=10)
    ctx.check("a status file it cannot write: status 1 at the start, and says which",
              r.returncode == 1 and nowhere in r.stderr, f"status {r.returncode}: {r.stderr!r}")


class FakeMachines:
    """Three sockets in the QEMUs' places of a hub's ports, counting what each was sent."""

    def __init__(self, hub):
        self.hub, self.socks, self.got = hub, [], [0, 0, 0]
        self.sent = [0, 0, 0]  # well-formed frames each sent
        self.marks = 0
        for p in hub.ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", p.qemu))
            s.settimeout(10)
            self.socks.append(s)

    def send(self, i, data, counted=True):
        self.socks[i].sendto(data, ("127.0.0.1", self.hub.ports[i].host))
        self.sent[i] += counted

    def reached(self, i, data, counted=True):
        """Send data from machine i: the machines it reached. Behind it a marker broadcast
        from i, forwarded after it, in order, to every other port: a port that sees the marker
        first was not sent data."""
        self.send(i, data, counted)
        self.marks += 1
        mark = frame(BCAST, mac(0x10 + i), tag=b"mark%d" % self.marks)
        self.send(i, mark)
        out = set()
        for j in range(3):
            while j != i:
                got, _ = self.socks[j].recvfrom(65536)
                self.got[j] += 1
                if got == mark:
                    break
                if got == data:
                    out.add(j)
        return out

    def close(self):
        for s in self.socks:
            s.close()


def switching(ctx, f):
    """What reaches where: (what, sender, frame, receivers wanted, counted as taken)."""
    cases = [
        ("a broadcast floods", 0, frame(BCAST, mac(1)), {1, 2}, True),
        ("a frame to a learned address goes to its port alone", 1, frame(mac(1), mac(2)), {0},
         True),
        ("and back", 0, frame(mac(2), mac(1)), {1}, True),
        ("a frame to an unknown address floods", 0, frame(mac(9), mac(1)), {1, 2}, True),
        ("a frame to its own port's address is filtered", 2, frame(mac(3), mac(3)), set(),
         True),
        ("14 bytes pass", 0, frame(BCAST, mac(1), 14), {1, 2}, True),
        ("9018 bytes pass", 1, frame(BCAST, mac(2), 9018), {0, 2}, True),
        ("13 bytes are dropped", 0, frame(BCAST, mac(1), 13), set(), False),
        ("9019 bytes are dropped", 0, frame(BCAST, mac(1), 9019), set(), False),
        ("a multicast source is dropped", 0, frame(BCAST, b"\x01" + mac(1)[1:]), set(), False),
        ("an address seen on another port moves", 2, frame(BCAST, mac(1)), {0, 1}, True),
        ("and frames to it follow", 1, frame(mac(1), mac(2)), {2}, True),
    ]
    for what, i, data, want, counted in cases:
        got = f.reached(i, data, counted)
        ctx.check(f"{what}", got == want, f"reached {sorted(got)}, wanted {sorted(want)}")


def evicting(ctx, f):
    """More addresses than the table holds (256): the least recently seen give way."""
    for k in range(300):
        data = frame(BCAST, b"\x02\x00\x00\x01" + k.to_bytes(2, "big"))
        if k % 30 == 29:
            f.reached(0, data)  # read as they come: no socket's buffer overflows
        else:
            f.send(0, data)
    got = f.reached(1, frame(b"\x02\x00\x00\x01\x00\x00", mac(2)))  # the first: evicted
    ctx.check("the oldest of 300 addresses was evicted: a frame to it floods",
              got == {0, 2}, f"reached {sorted(got)}")


def host_checks(ctx, hub_bin):
    bad_args(ctx, hub_bin)
    status = os.path.join(ctx.out_dir, "hub.status")
    if os.path.exists(status):
        os.remove(status)
    hub = links.Hub(ctx.build, 3, status=status)
    f = FakeMachines(hub)
    try:
        switching(ctx, f)
        evicting(ctx, f)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
            stranger.sendto(frame(BCAST, mac(7)), ("127.0.0.1", hub.ports[0].host))
        got = f.reached(0, frame(BCAST, mac(1)))
        ctx.check("forwards on after a stranger's datagram", got == {1, 2}, f"{got}")
        c = hub.counters()
        with open(status) as s:
            line = links.fields(s.read())
        ctx.check("SIGUSR1 writes the status file too", line == c, f"{line} vs {c}")
        want = {"short": 1, "long": 1, "bad_src": 1, "foreign": 1, "filtered": 1, "moved": 1,
                **{f"in{i}": f.sent[i] for i in range(3)}}
        bad = {k: (c.get(k), v) for k, v in want.items() if c.get(k) != v}
        ctx.check("drops, filtering, moves and frames in counted exactly", not bad,
                  f"(got, wanted): {bad}")
        for j in range(3):  # anything sent and not read yet (there should be none)
            f.socks[j].settimeout(0.5)
            try:
                while True:
                    f.socks[j].recvfrom(65536)
                    f.got[j] += 1
            except socket.timeout:
                pass
        outs = [c[f"out{i}"] for i in range(3)]
        ctx.check("frames out counted exactly", outs == f.got, f"{outs} vs read {f.got}")
        ctx.check("the table is bounded", c["macs"] <= 256 and c["evicted"] >= 300 - 256,
                  f"macs={c['macs']} evicted={c['evicted']}")
    finally:
        f.close()
        rc = hub.close()
    ctx.check("SIGTERM ends it, status 0, counters printed",
              rc == 0 and hub.final is not None and hub.final["in0"] == f.sent[0],
              f"status {rc}, last {hub.final}")


def boot_three(ctx):
    """Three Sietch machines on the hub: the server node 1, clients 0 and 2."""
    iso = ctx.iso(modules=())
    ms, hub = links.guest_hub(ctx.build, ctx.name, ctx.out_dir, [([], iso)] * 3)
    ctx.machines.extend(ms)  # a failure shows their logs
    with hub, ms[0], ms[1], ms[2]:
        for i, m in enumerate(ms):
            m.expect(PROMPT, timeout=180)
            ctx.check(f"node {i}: netctl and storctl up", services_up(m, 120), "")
        Shell(ctx, ms[1]).cmd("run udpecho --native &")
        if not started(ms[1], rf"echo on {re.escape(SERVER_IP)}:7", ctx, "node 1: udpecho"):
            return ms[1]
        before = hub.counters()
        for i in (0, 2):
            ms[i].send(f"run udpping {SERVER_IP} 7 echo {ECHOES} 64\r")
        t0 = time.time()
        times = {}  # (node, "from" or "done"): when its udpping's first or last line came
        while len(times) < 4 and time.time() < t0 + 180:
            for i in (0, 2):
                for what in ("from", "done"):
                    if (i, what) not in times and f"udpping: {what} " in ms[i].out:
                        times[(i, what)] = time.time() - t0
            time.sleep(0.01)
        ctx.check("nodes 0 and 2: the two clients ran at the same time",
                  len(times) == 4 and max(times[(0, "from")], times[(2, "from")]) <
                  min(times[(0, "done")], times[(2, "done")]),
                  f"seconds after the commands: {times}")
        tx = {}
        for i in (0, 2):
            m = ms[i].expect(r"udpping: echo done=(\d+) lost=(\d+)[\s\S]*?"
                             r"udpping: done tx=(\d+) rx=(\d+) bad=(\d+)", timeout=180)
            done, lost, tx[i], rx, bad = map(int, m.groups())
            ctx.check(f"node {i}: every echo back through the hub",
                      done == ECHOES and bad == 0 and rx >= ECHOES,
                      f"done={done} lost={lost} tx={tx[i]} rx={rx} bad={bad}")
        after = hub.counters()
        d = {k: after[k] - before.get(k, 0) for k in after if k != "macs"}
        check_switched(ctx, d, tx)
        for m in ms:
            m.send("poweroff\r")
        for i, m in enumerate(ms):
            ctx.check(f"node {i}: poweroff", m.wait_exit(timeout=60) == 0, "")
    ctx.check("ended by SIGTERM, status 0, with its counters",
              hub.proc.returncode == 0 and hub.final is not None,
              f"status {hub.proc.returncode}, {hub.final}")
    final = hub.final or {}
    drops = {k: final.get(k) for k in ("short", "long", "foreign", "bad_src", "send_err")}
    ctx.check("QEMU's frames all well formed, all sent on", not any(drops.values()),
              f"{drops}")
    return ms[0]


def check_switched(ctx, d, tx):
    """d: the hub's counters' change while the clients ran; tx: each client's datagrams."""
    why = " ".join(f"{k}={v}" for k, v in d.items())
    ctx.check("every request to node 1, every echo back to its client",
              d["in0"] >= tx[0] and d["in2"] >= tx[2] and d["out1"] >= tx[0] + tx[2] and
              d["in1"] >= 2 * ECHOES and d["out0"] >= ECHOES and d["out2"] >= ECHOES, why)
    ctx.check("after learning, unicast, few floods",
              d["unicast"] >= 4 * ECHOES and d["flooded"] <= FLOODS, why)
    # A repeater would send each client the other's requests to node 1 (tx of them) and
    # node 1's echoes to the other; a switch sends it its own echoes and the floods.
    for i in (0, 2):
        ctx.check(f"node {i}'s port got its echoes and the floods, not the other's traffic",
                  d[f"out{i}"] <= tx[i] + FLOODS, why)


def run(ctx):
    host_checks(ctx, links.hub_path(ctx.build))
    return boot_three(ctx)
