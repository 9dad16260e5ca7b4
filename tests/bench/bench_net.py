"""tests/bench/bench_net.py: UDP echo on four network paths, one client.

One boot of the full system, a host client reaching each server over the
host link (below):
- Sietch/N: `udpecho --native` on its own VNIC, the native zero-copy API;
- Sietch/P: `udpecho` on its own VNIC, POSIX sockets on lwIP;
- netd: `udpecho --netd` (10.0.2.40), the same POSIX program over netd's
  queue (netd itself holds the VNIC): every frame crosses IPC with copies;
- floor: `vnictest echo --poll` on its own VNIC, no stack, never sleeping:
  the device and driver alone.
Each path is started, measured and killed before the next starts (so
each has VNIC 0, 10.0.2.15, or netd has it): the floor spins and would
take the CPU from the others, whose time would then be charged to the
path measured.

The same host client measures each in turn: latency (ping-pong of 64-byte
datagrams, after a warm-up) and throughput (a window of datagrams in
flight, for each size in SIZES, 64 to 1472 bytes). The link is raw
(tests/bench/links.py): the igb's netdev is QEMU's dgram, whose other end
is tools/netload, a host program that builds and parses the frames itself
(it plays 10.0.2.2), so no slirp is on the path. NET_LINK=slirp measures
through QEMU's user network and a Python socket instead, as this bench
did before (slirp dominated the latency then). Compare the paths within
one run.

Guest to guest: two machines joined by one dgram link (no host program
between them), the client in one and the server in the other: Sietch's
udpping on its own VNIC (native API, TSC-timed) against each Sietch path
on the other machine, and Linux's udpping against Linux's udpecho
(throughput at 64 and 1472 bytes only: the shell's 32 words hold no more).

A third boot, of Linux on the same emulated machine (Debian's kernel
with its igb driver on the PF, tools/linux-guest), runs the same echo
loop on POSIX sockets (tests/bench/linux/udpecho.c) at 10.0.2.15, and the
same client measures it: the kernel-stack baseline.

A second boot under -icount shift=0 (one guest instruction is one
nanosecond of guest time) drives each path with ping-pong echoes and asks
each server for its probe table (os/probe.h: TSC cycles per phase of the
data path, exclusive, reset before and read after): guest instructions per
echo per phase, laid out like Table 1 of the Arrakis paper. A fourth boot,
of Linux under -icount on one CPU with the echo alone (no other server),
driven over the same host link (probe:reset and probe:report answered by
tests/bench/linux/udpecho.c), counts Linux's instructions per echo beside them: its busy time (the
elapsed guest time less the CPU's idle time, from /proc/timer_list), split
into the echo's user space (TSC cycles between its system calls), the
kernel in its system calls (its thread's CPU time less that) and the
kernel outside it (interrupts, softirqs, wake-ups: the rest). The ratios
the Arrakis paper makes (Sietch/N and Sietch/P against Linux, Sietch/N
against the floor) are printed beside, with their targets, on the totals
less the probes' own cost (each server counts its marks and times 1000
pairs of them; Linux runs no probes).

run() also returns the raw data (every round trip's time and throughput
by size of the host client's table, the guest-to-guest summaries, the
instruction table by column, the link of each table's columns) for
tools/bench's JSON and figures (tests/bench/results.py).
"""
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../system"))
import sietchtest  # noqa: E402
from netpeer import free_udp_port  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import links  # noqa: E402

PROMPT = r"sietch\$ "
LAT_N = 1000         # ping-pong round trips timed, per path
WARMUP = 50
TPUT_SECONDS = 2.0   # per path and size
SIZES = (64, 256, 512, 1024, 1472)  # UDP payloads of the throughput test
PAIR_SIZES = links.UDPPING_SIZES  # guest to guest: udpping's command line holds two
WINDOW = 32          # datagrams in flight in the throughput test
PROBE_N = 1000       # echoes under -icount, per path
IDLE_N = 200         # round trips with the server gone to sleep between them
IDLE_GAP_S = 0.002   # longer than any spinning (stack 100 us, VNIC 200 us)
# The host link: "raw" (tools/netload on a dgram netdev) or "slirp" (QEMU's
# user network and the Python client below).
LINK = os.environ.get("NET_LINK", "raw")
LINK_NAMES = {"raw": "raw host link (dgram, tools/netload)",
              "slirp": "slirp (user netdev, Python client)",
              "pair": "guest to guest (dgram, udpping)"}


class Path:
    def __init__(self, key, name, progs, ip):
        # progs: (shell command, program name, start line, owns a VNIC), in order
        self.key, self.name, self.progs, self.ip = key, name, progs, ip


PATHS = [
    Path("N", "Sietch/N", [("run udpecho --native &", "udpecho",
                            r"udpecho: native echo on 10\.0\.2\.15:7 \(vnic\)", True)],
         "10.0.2.15"),
    Path("P", "Sietch/P", [("run udpecho &", "udpecho",
                            r"udpecho: POSIX echo on 10\.0\.2\.15:7 \(vnic\)", True)],
         "10.0.2.15"),
    Path("netd", "netd (kernel-mediated)",
         [("run netd &", "netd", r"netd: on VNIC 0", True),
          ("run udpecho --netd &", "udpecho", r"udpecho: POSIX echo on 10\.0\.2\.40:7 \(netd\)",
           False)], "10.0.2.40"),
    Path("floor", "floor (poll-mode loop)",
         [("run vnictest echo --poll &", "vnictest",
           r"vnictest: poll-mode echo on 10\.0\.2\.15:7 \(VNIC 0\)", True)], "10.0.2.15"),
]


def seen(m, pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if re.search(pattern, m.out):
            return True
        time.sleep(0.05)
    raise RuntimeError(f"no /{pattern}/ on the console; last output {m.out[-300:]!r}")


def start(m, path, vnic_ip="10.0.2.15"):
    """Start a path's programs from the shell, each after the last is up
    (a start line printed into a command's echo would hide it); their pids.
    vnic_ip: the machine's VNIC 0 (another on a shared link: links.py)."""
    pids = []
    for cmd, prog, line, _ in path.progs:
        m.expect(PROMPT, timeout=60)
        m.send(cmd + "\r")
        pids.append(m.expect(rf"\[(\d+)\] {prog}\n", timeout=60).group(1))
        seen(m, line.replace(r"10\.0\.2\.15", re.escape(vnic_ip)), 60)
        m.send("\r")
    return pids


def stop(m, path, pids):
    """Kill a path's programs, last started first, and wait until netctl
    has each VNIC back: the next path gets VNIC 0 again."""
    for (_, _, _, vnic), pid in reversed(list(zip(path.progs, pids))):
        m.expect(PROMPT, timeout=60)
        m.send(f"kill {pid}\r")
        seen(m, rf"\[{pid}\] killed", 30)
        if vnic:
            seen(m, rf"netctl: VNIC 0: its owner \(pid {pid}\) ended", 30)
        m.send("\r")


class Client:
    """The host side through slirp: one UDP socket to one forwarded port."""

    def __init__(self, port):
        self.addr = ("127.0.0.1", port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.seq = 0

    def drain(self):
        self.s.settimeout(0.05)
        try:
            while self.s.recvfrom(65536):
                pass
        except socket.timeout:
            pass

    def ask(self, text, want, tries=5):
        """Send a control datagram until its answer (matching want) comes."""
        for _ in range(tries):
            self.s.sendto(text.encode(), self.addr)
            end = time.time() + 3
            while time.time() < end:
                self.s.settimeout(max(0.05, end - time.time()))
                try:
                    data = self.s.recvfrom(65536)[0].decode(errors="replace")
                except socket.timeout:
                    break
                if re.match(want, data):
                    return data
        raise RuntimeError(f"no answer to {text!r} from {self.addr}")

    def payload(self, size):
        self.seq += 1
        return struct.pack("!Q", self.seq) + b"x" * (size - 8)

    def ping(self, size, timeout=1.0):
        """One round trip: its time in ns, or None if lost."""
        p = self.payload(size)
        t0 = time.perf_counter_ns()
        self.s.sendto(p, self.addr)
        self.s.settimeout(timeout)
        while True:
            try:
                data = self.s.recvfrom(65536)[0]
            except socket.timeout:
                return None
            if data == p:
                return time.perf_counter_ns() - t0

    def latency(self, n, gap=0.0):
        for _ in range(WARMUP):
            self.ping(64)
        rtts = []
        for _ in range(n):
            if gap:
                time.sleep(gap)
            rtts.append(self.ping(64))
        rtts = [r for r in rtts if r is not None]
        rtts.sort()
        if not rtts:
            return None
        # median us, p99 us, lost, every round trip in us (for the figures)
        return (statistics.median(rtts) / 1000, rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]
                / 1000, n - len(rtts), [r / 1000 for r in rtts])

    def throughput(self, size, seconds):
        """A window of WINDOW datagrams in flight for seconds: echoes/s,
        Mbit/s of echoed payload one way, lost."""
        self.drain()
        first = self.seq + 1
        sent = got = 0
        self.s.settimeout(0.2)
        t0 = time.perf_counter()
        outstanding = 0
        lost = 0
        while time.perf_counter() - t0 < seconds:
            while outstanding < WINDOW:
                self.s.sendto(self.payload(size), self.addr)
                sent += 1
                outstanding += 1
            try:
                data = self.s.recvfrom(65536)[0]
            except socket.timeout:  # the rest of the window is lost
                lost += outstanding
                outstanding = 0
                continue
            if len(data) == size and struct.unpack("!Q", data[:8])[0] >= first:
                got += 1
                outstanding -= 1
        elapsed = time.perf_counter() - t0
        # What is still in flight when time is up is neither lost nor counted.
        return got / elapsed, got * size * 8 / elapsed / 1e6, lost

    def echoes(self, n, size=64):
        """n ping-pong echoes, lost ones retried."""
        done = 0
        while done < n:
            done += self.ping(size) is not None


class HostLink:
    """The host end for one boot: its QEMU arguments and environment, and
    a client for each path (close it after)."""

    def __init__(self, ctx, ips):
        self.ctx = ctx
        if LINK == "slirp":
            self.ports = {ip: free_udp_port() for ip in ips}
            self.tools_args = []
            self.env = {"QEMU_NETDEV": "user,id=net0," + ",".join(
                f"hostfwd=udp:127.0.0.1:{port}-{ip}:7" for ip, port in self.ports.items())}
        else:
            self.ports = links.LinkPorts()
            self.tools_args, self.env = self.ports.qemu_args(), {}

    def client(self, ip):
        if LINK == "slirp":
            c = Client(self.ports[ip])
        else:
            c = links.RawLink(self.ctx.build, self.ports, ip)
            c.arp()  # the guest answers ARP: its MAC
        c.ask("up?", r"up\?$")  # the server answers (and knows the gateway's MAC)
        return c


def close(c):
    if hasattr(c, "close"):
        c.close()


def boot(ctx, iso, tag, tools_args, measure):
    link = HostLink(ctx, {p.ip for p in PATHS})
    log = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = sietchtest.Machine(iso, log, tools_args=["--disk", disk, *tools_args, *link.tools_args],
                           env=link.env)
    results = {}
    with m:
        seen(m, r"netctl: .*; 7 VNICs", 300)
        seen(m, r"storctl: \d+ VSICs", 120)
        m.send("\r")
        for p in PATHS:
            pids = start(m, p)
            c = link.client(p.ip)
            try:
                results[p.key] = measure(c)
            finally:
                close(c)
            stop(m, p, pids)
        m.expect(PROMPT, timeout=60)
        m.send("poweroff\r")
        m.wait_exit(timeout=60)
    return results


def measure_tcg(c):
    lat = c.latency(LAT_N)
    idle = c.latency(IDLE_N, IDLE_GAP_S)
    return {"lat": lat, "idle": idle, **{s: c.throughput(s, TPUT_SECONDS) for s in SIZES}}


def measure_icount(c):
    c.echoes(WARMUP)
    c.ask("probe:reset", r"probe: reset")
    c.echoes(PROBE_N)
    text = c.ask("probe:report", r"probe echoes=")
    t = {k: int(v) for k, v in re.findall(r"([\w.]+)=(\d+)", text)}
    t["text"] = text
    return t


# Table 1's rows: (label, phases summed, from the client's or netd's tables).
ROWS = [
    ("driver rx: descriptors to frames, buffers posted", ["drv_rx"]),
    ("stack in: classify / lwIP input to the endpoint", ["stack_in"]),
    ("copy in: to the application", ["copy_in"]),
    ("API: socket or native calls, outside the rest", ["api"]),
    ("application: the echo's own work", ["app"]),
    ("copy out: toward the device", ["copy_out"]),
    ("stack out: headers, checksums, lwIP output", ["stack_out"]),
    ("driver tx: descriptors, doorbell, reaping", ["drv_tx"]),
]
BUSY = ["drv_rx", "stack_in", "copy_in", "api", "app", "copy_out", "stack_out", "drv_tx", "ipc"]
# netd's own work, inside a client's request or outside: its phases. Its
# "app" inside a request (the wrapper around the handler: the switch of
# probe tables) is RPC code and stays in the IPC row; it accrues in every
# request, also in the polls that brought nothing, which the client counts
# as waiting, so taking all of it out of the frame-carrying RPCs took out
# more than they held (up to 600 instructions an echo in a run of many
# polls).
NETD_WORK = ["drv_rx", "drv_tx", "stack_in", "copy_in", "copy_out", "api"]


def per_echo(t, prefix, phase):
    """Guest instructions per echo of one phase (cycles * 1e9 / TSC rate)."""
    return t.get(prefix + phase, 0) * 1e9 / t["hz"] / max(1, t["echoes"])


def netd_share(t, phase):
    """netd's own instructions per echo in a phase: inside the client's
    requests, and outside them (its interrupt and idle work). Its "app" is
    no phase of its own work: inside requests it is RPC code (in IPC),
    outside them its server loop, sleeping included; both are left out."""
    if phase not in NETD_WORK:
        return 0.0
    return per_echo(t, "netdrpc.", phase) + per_echo(t, "netd.", phase)


def sietch_rows(t, key):
    """A Sietch path's instructions per echo: {row label: value} in
    ROWS's order, then IPC; with netd's own work in netd's column."""
    vals = {}
    for label, phases in ROWS:
        v = sum(per_echo(t, "", ph) for ph in phases)
        if key == "netd":  # netd's own work in the same phase
            v += sum(netd_share(t, ph) for ph in phases)
        vals[label] = v
    ipc = 0.0
    if key == "netd":  # the client's RPCs that carried frames, less netd's work inside them
        ipc = per_echo(t, "", "ipc") - sum(per_echo(t, "netdrpc.", ph) for ph in NETD_WORK)
    vals[IPC_ROW] = ipc
    return vals


def sietch_total(t, key):
    v = sum(per_echo(t, "", ph) for ph in BUSY)
    if key == "netd":  # plus netd's work outside the client's RPCs
        v += sum(per_echo(t, "netd.", ph) for ph in NETD_WORK)
    return v


IPC_ROW = "IPC: kernel crossings, scheduling, RPC code (netd's handling taken out)"
LINUX_ROWS = [
    ("Linux: user space (the echo loop, libc's system call wrappers)", "user"),
    ("Linux: kernel in the echo's system calls (sockets, UDP/IP out, copies, driver tx)",
     "syscalls"),
    ("Linux: kernel outside the echo (interrupts, softirq: driver rx, IP/UDP in; wake-ups)",
     "outside"),
]


def linux_split(t):
    """Linux's instructions per echo from udpecho.c's report: busy time
    (elapsed less idle, all ns = instructions) split by the echo thread's
    CPU time and its user-space TSC cycles; its idle time per echo."""
    e = max(1, t["echoes"])
    busy = (t["elapsed_ns"] - t["idle_ns"]) / e
    user = t["user_tsc"] * t["elapsed_ns"] / max(1, t["tsc"]) / e
    thread = t["thread_ns"] / e
    return {"user": user, "syscalls": thread - user, "outside": busy - thread, "total": busy,
            "idle": t["idle_ns"] / e}


def linux_background(t, bg):
    """Instructions per echo the guest would have run without echoes
    (timers, kernel threads), from an idle interval's busy fraction."""
    if not bg or not bg.get("elapsed_ns"):
        return None
    return (bg["elapsed_ns"] - bg["idle_ns"]) / bg["elapsed_ns"] * t["elapsed_ns"] / \
        max(1, t["echoes"])


PROBE_ROW = "the probes' own cost: marks per echo x a pair's instructions (included above)"


def probe_marks(t):
    """(probe mark pairs per echo, instructions a pair) of a server's table,
    netd's own marks included."""
    pairs = sum(t.get(pre + "marks", 0) for pre in ("", "netd.", "netdrpc.")) / max(1, t["echoes"])
    return pairs, t["pair"] * 1e9 / t["hz"] / 1000


def instruction_columns(icount, linux):
    """{column name: {row label: instructions per echo}}, and the totals.
    A Sietch column's PROBE_ROW is its probes' share of the total (not a
    phase: the figures leave it out)."""
    cols, totals = {}, {}
    for p in PATHS:
        if p.key in icount:
            cols[p.name] = sietch_rows(icount[p.key], p.key)
            pairs, cost = probe_marks(icount[p.key])
            cols[p.name][PROBE_ROW] = pairs * cost
            totals[p.name] = sietch_total(icount[p.key], p.key)
    if linux:
        split = linux_split(linux)
        cols[LINUX] = {label: split[k] for label, k in LINUX_ROWS}
        totals[LINUX] = split["total"]
    return cols, totals


LINUX = "Linux (kernel stack)"
# The Arrakis paper's claims, as ratios of instructions per echo: (what, numerator, denominator,
# target (at most)).
TARGETS = [("Sietch/N / Linux", "Sietch/N", LINUX, 1 / 8),
           ("Sietch/P / Linux", "Sietch/P", LINUX, 1 / 2),
           ("Sietch/N / floor", "Sietch/N", "floor (poll-mode loop)", 1.5)]


def less_probes(cols, totals):
    """Each column's total less its probes' own cost: what the data path
    costs without the instrument that measures it (Linux has none)."""
    return {n: v - cols.get(n, {}).get(PROBE_ROW, 0) for n, v in totals.items()}


def ratios(totals):
    """[(what, measured or None, target, met)] for TARGETS."""
    out = []
    for what, a, b, target in TARGETS:
        r = totals[a] / totals[b] if totals.get(a) and totals.get(b) else None
        out.append((what, r, target, r is not None and r <= target))
    return out


def table1(icount, linux):
    cols, totals = instruction_columns(icount, linux)
    names = list(cols)
    out = ["| guest instructions per echo (-icount) | " + " | ".join(names) + " |",
           "|---|" + "---|" * len(names)]

    def row(label, vals):
        out.append(f"| {label} | " + " | ".join(vals) + " |")

    def fmt(x):
        return f"{x:,.0f}" if x is not None and x >= 0.5 else "-"

    for label in [r for r, _ in ROWS] + [IPC_ROW] + [r for r, _ in LINUX_ROWS]:
        row(label, [fmt(cols[n].get(label)) for n in names])
    row("**total** (waiting excluded)", [f"**{fmt(totals[n])}**" for n in names])
    keys = {p.name: p.key for p in PATHS}
    row("of which in netd's process (its driver, switching, copies, request handling)",
        [fmt(sum(netd_share(icount["netd"], ph) for ph in NETD_WORK)) if keys.get(n) == "netd"
         else "-" for n in names])
    row("waiting: empty polls, spinning, sleeping; Linux: idle (not in the total)",
        [fmt(per_echo(icount[keys[n]], "", "wait")) if n in keys
         else fmt(linux_split(linux)["idle"]) for n in names])
    vals = []
    for n in names:
        if n not in keys:
            vals.append("-")
            continue
        pairs, cost = probe_marks(icount[keys[n]])
        vals.append(f"{pairs:.0f} x {cost:.0f} = {pairs * cost:,.0f}")
    row(PROBE_ROW, vals)
    net = less_probes(cols, totals)
    row("**total less the probes' own cost**",
        [f"**{fmt(net[n])}**" for n in names])
    out += ["", "| ratio of instructions per echo, probes' cost taken out (this run) | measured | "
            "target | met |", "|---|---|---|---|"]
    for what, r, target, met in ratios(net):
        out.append(f"| {what} | {f'{r:.2f}' if r is not None else '-'} | <= {target:.3g} | "
                   f"{'yes' if met else 'no' if r is not None else 'not measured'} |")
    return out, cols, totals


def linux_guest(ctx):
    """(kernel, initrd) of the Linux guest, or (None, why not)."""
    r = subprocess.run([os.path.join(sietchtest.ROOT, "tools/linux-guest"), ctx.build],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ["tools/linux-guest failed"])[-1]
    return tuple(r.stdout.split()), None


def linux_boot(ctx, guest, tag, measure, tools_args=(), env=None):
    """Boot the Linux guest and measure its echo over the host link;
    (results, note): the results None and the note why if it failed, else
    the note is the kernel's version."""
    kernel, initrd = guest
    link = HostLink(ctx, {"10.0.2.15"})
    log = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.img")
    m = sietchtest.Machine(None, log, tools_args=["--linux", kernel, initrd, "--disk", disk,
                                                  *tools_args, *link.tools_args],
                           env={**link.env, **(env or {})})
    try:
        with m:
            m.expect(r"linux-udpecho: echo on port 7", timeout=900)
            c = link.client("10.0.2.15")
            try:
                res = measure(c)
            finally:
                close(c)
    except Exception as e:  # the Sietch paths are measured all the same
        return None, f"the Linux guest failed: {e}; see {log}"
    version = re.search(r"linux-guest: (\S+),", m.out)
    return res, version.group(1) if version else "?"


LINUX_BG_S = 1.0  # the idle interval that measures the guest's background work


def measure_linux_icount(c):
    """The background first (an idle interval), then the echoes."""
    c.ask("probe:reset", r"probe: reset")
    time.sleep(LINUX_BG_S)
    bg = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)",
                                            c.ask("probe:report", r"probe echoes="))}
    t = measure_icount(c)
    t["background"] = bg
    return t


def udpping_run(m, send, server_ip, prompt):
    """Run the machine's udpping against server_ip: the bench's results, or raise."""
    m.expect(prompt, timeout=60)
    args = links.udpping_args(LAT_N, IDLE_N, IDLE_GAP_S, int(TPUT_SECONDS * 1000), WARMUP)
    send(f"{server_ip} 7 {args}")
    text = m.expect(r"udpping: (from|to) [\s\S]*?udpping: done[^\n]*", timeout=180).group(0)
    res = links.parse_udpping(text)
    if res is None:
        raise RuntimeError(f"udpping did not finish: {text[-300:]!r}")
    return res


def sietch_pair(ctx, iso):
    """Each path on node 1, measured by udpping on node 0's VNIC 0 (guest to guest)."""
    client, server = links.guest_pair(f"{ctx.name}-pair", ctx.out_dir, [([], iso), ([], iso)])
    results = {}
    with client, server:
        for m in (client, server):
            seen(m, r"netctl: .*; 7 VNICs", 300)
            seen(m, r"storctl: \d+ VSICs", 120)
            m.send("\r")
        for p in PATHS:
            pids = start(server, p, links.SERVER_IP)
            ip = links.SERVER_IP if p.ip == "10.0.2.15" else p.ip
            results[p.key] = udpping_run(client, lambda a: client.send(f"run udpping {a}\r"),
                                         ip, PROMPT)
            stop(server, p, pids)
        for m in (client, server):
            m.expect(PROMPT, timeout=60)
            m.send("poweroff\r")
            m.wait_exit(timeout=60)
    return results


def linux_pair(ctx, guest):
    """Linux's udpping on node 0 against Linux's udpecho on node 1: results, or None and why."""
    boot_args = (["--linux", *guest], None)
    client, server = links.guest_pair(f"{ctx.name}-linux-pair", ctx.out_dir,
                                      [boot_args, boot_args])
    try:
        # One after the other: two Linux boots at once on a loaded host are
        # slow enough to fail the kernel's timer checks.
        with server:
            server.expect(r"linux-udpecho: echo on port 7", timeout=600)
            with client:
                client.expect(r"linux-udpecho: echo on port 7", timeout=600)
                # (its shell's prompt may come before or after udpecho's line:
                # typed input waits in the console's buffer)
                res = udpping_run(client, lambda a: client.send(f"udpping {a}\n"),
                                  links.SERVER_IP, "")
    except Exception as e:  # the rest is measured all the same
        return None, f"the Linux pair failed: {e}; see {client.log_path}"
    return res, None


def echo_table(title, cols, sizes):
    """The link, latency and throughput rows: cols are (name, link key, results or None),
    the results measured at each of sizes."""
    out = [f"| {title} | " + " | ".join(name for name, _, _ in cols) + " |",
           "|---|" + "---|" * len(cols)]

    def row(label, f):
        out.append(f"| {label} | " + " | ".join(f(r) for _, _, r in cols) + " |")

    out.append("| link | " + " | ".join(LINK_NAMES[k] for _, k, _ in cols) + " |")
    row("latency, 64 B: median us", lambda r: f"{r['lat'][0]:.0f}" if r and r["lat"] else "-")
    row("latency, 64 B: p99 us", lambda r: f"{r['lat'][1]:.0f}" if r and r["lat"] else "-")
    row(f"lost of {LAT_N} round trips", lambda r: f"{r['lat'][2]}" if r and r["lat"] else "-")
    row(f"latency, 64 B, {IDLE_GAP_S * 1000:.0f} ms apart (servers asleep): median us",
        lambda r: f"{r['idle'][0]:.0f}" if r and r.get("idle") else "-")
    row(f"latency, 64 B, {IDLE_GAP_S * 1000:.0f} ms apart: p99 us",
        lambda r: f"{r['idle'][1]:.0f}" if r and r.get("idle") else "-")
    for size in sizes:
        row(f"throughput, {size} B: echoes/s", lambda r, s=size: f"{r[s][0]:,.0f}" if r else "-")
        row(f"throughput, {size} B: Mbit/s (payload, each way)",
            lambda r, s=size: f"{r[s][1]:.1f}" if r else "-")
    row("throughput: lost (all sizes)", lambda r: f"{sum(r[s][2] for s in sizes)}" if r else "-")
    return out


def tcg_table(tcg, linux, linux_note):
    """The host client's table (each path and Linux over LINK) and its note."""
    cols = [(p.name, LINK, tcg.get(p.key)) for p in PATHS]
    cols.append((LINUX, LINK, linux))
    out = echo_table("UDP echo (TCG), host client", cols, SIZES)
    out.append(f"\n{LAT_N} ping-pong round trips after {WARMUP} not timed (and {IDLE_N} more "
               f"{IDLE_GAP_S * 1000:.0f} ms apart, past every spin, so each wakes a sleeping "
               "server: the interrupt path; the floor never sleeps); throughput with "
               f"{WINDOW} datagrams in flight for {TPUT_SECONDS:.0f} s per size (a window's worth "
               "unanswered for 0.2 s counts as lost, then the window is refilled; the last window "
               "is waited for and not counted). "
               + ("slirp (QEMU's user network) is in every path and dominates the latency; "
                  if LINK == "slirp" else
                  "The host client is tools/netload on the raw link (no slirp, no host stack: "
                  "one host UDP socket each way carries the frames); ")
               + "compare paths within a run. "
               + (f"Linux: Debian's {linux_note} on the same emulated machine (its igb driver on "
                  "the PF, the same echo loop on POSIX sockets), booted after the Sietch paths."
                  if linux else f"Linux: not measured ({linux_note})."))
    return out


def pair_table(pair, pair_note, linux_p, linux_p_note):
    """The guest-to-guest table (each Sietch path and Linux as the server) and its note."""
    cols = [(f"{p.name} server", "pair", pair.get(p.key)) for p in PATHS]
    cols.append(("Linux udpecho server", "pair", linux_p))
    out = echo_table("UDP echo (TCG), guest to guest: client on node 0", cols, PAIR_SIZES)
    out.append("\nThe client is the other machine's udpping: on Sietch, on its own VNIC 0 "
               "(10.0.2.15) with the native API, timed with the TSC (the Sietch columns); "
               "on Linux, tests/bench/linux/udpping.c on a POSIX socket (the Linux column). "
               "The servers are node 1's (10.0.2.47; netd's client 10.0.2.40), the two QEMUs "
               "joined by one dgram link with nothing between them. The same counts as above, "
               f"throughput at {' and '.join(str(s) for s in PAIR_SIZES)} bytes only. "
               + " ".join(f"Not measured: {n}." for n in (pair_note, linux_p_note) if n))
    return out


def _lat(r):
    return {"median_us": r[0], "p99_us": r[1], "lost": r[2]} if r else None


def raw_data(tcg, linux, cols, totals, pair=None, linux_p=None):
    """What the figures and bench-compare read (tools/bench saves it). The host client's
    results at the top (every round trip, throughput by size), the guest-to-guest ones
    (udpping's summaries) under guest_to_guest, and the link of each table's columns."""
    paths = [{"key": p.key, "name": p.name} for p in PATHS] + [{"key": "linux", "name": LINUX}]
    res = dict(tcg, linux=linux) if linux else dict(tcg)
    pres = dict(pair or {}, linux=linux_p) if linux_p else dict(pair or {})
    keys = [p["key"] for p in paths]
    return {
        "link": LINK_NAMES[LINK], "link_names": LINK_NAMES,
        "links": {"host_client": {k: LINK for k in keys},
                  "guest_to_guest": {k: "pair" for k in keys},
                  "instructions": {k: LINK for k in keys}},
        "paths": paths, "sizes": list(SIZES),
        "latency_us": {k: r["lat"][3] for k, r in res.items()
                       if r and r.get("lat") and len(r["lat"]) > 3},
        "idle_latency_us": {k: r["idle"][3] for k, r in res.items()
                            if r and r.get("idle") and len(r["idle"]) > 3},
        "throughput": {k: {str(s): {"echoes_s": r[s][0], "mbit_s": r[s][1], "lost": r[s][2]}
                           for s in SIZES} for k, r in res.items() if r},
        "guest_to_guest": {
            "link": LINK_NAMES["pair"], "sizes": list(PAIR_SIZES),
            "latency": {k: _lat(r.get("lat")) for k, r in pres.items() if r},
            "idle_latency": {k: _lat(r.get("idle")) for k, r in pres.items() if r},
            "throughput": {k: {str(s): {"echoes_s": r[s][0], "mbit_s": r[s][1], "lost": r[s][2]}
                               for s in PAIR_SIZES} for k, r in pres.items() if r},
        },
        "instructions": {"columns": cols, "totals": totals,
                         "totals_less_probes": less_probes(cols, totals),
                         "rows": [r for r, _ in ROWS] + [IPC_ROW] + [r for r, _ in LINUX_ROWS]},
        "ratios": [{"what": w, "measured": r, "target": t, "met": m}
                   for w, r, t, m in ratios(less_probes(cols, totals))],
    }


def run(ctx):
    iso, err = sietchtest.make_iso(ctx.name, "hake/menu.lst", ctx.out_dir, build=ctx.build)
    if err:
        raise RuntimeError(err)
    tcg = boot(ctx, iso, "tcg", [], measure_tcg)
    guest, linux_note = linux_guest(ctx)
    linux = lx_icount = None
    if guest:
        linux, linux_note = linux_boot(ctx, guest, "linux", measure_tcg)
    icount = boot(ctx, iso, "icount", ["--icount"], measure_icount)
    if guest:
        # One CPU: its idle time is then all the guest's idle time, and nothing runs beside it.
        lx_icount, lx_icount_note = linux_boot(ctx, guest, "linux-icount", measure_linux_icount,
                                               ["--icount"], {"QEMU_SMP": "1",
                                                              "LINUX_APPEND": "sietch_echo_only=1"})
    raw = os.path.join(ctx.out_dir, f"{ctx.name}-probes.txt")
    with open(raw, "w") as f:
        f.write("".join(f"{p.key}: {icount[p.key]['text']}\n" for p in PATHS if p.key in icount))
        if lx_icount:
            f.write(f"linux: {lx_icount['text']}\nlinux idle {LINUX_BG_S:.0f} s: " +
                    " ".join(f"{k}={v}" for k, v in lx_icount["background"].items()) + "\n")
    try:
        pair = sietch_pair(ctx, iso)
    except Exception as e:  # the host-link tables stand without it
        pair, pair_note = {}, f"the Sietch pair failed: {e}"
    else:
        pair_note = None
    if guest:
        linux_p, linux_p_note = linux_pair(ctx, guest)
    else:
        linux_p, linux_p_note = None, linux_note
    out = tcg_table(tcg, linux, linux_note)
    out.append("")
    out += pair_table(pair, pair_note, linux_p, linux_p_note)
    out.append("")
    table, cols, totals = table1(icount, lx_icount)
    out += table
    if lx_icount:
        bg = linux_background(lx_icount, lx_icount["background"])
        lx = (f"Linux: {PROBE_N} echoes in a fourth boot, under -icount on one CPU with the echo "
              "alone (tests/bench/linux/init's sietch_echo_only), over the same host link: its "
              "busy time (elapsed less "
              "idle_sleeptime and iowait_sleeptime of /proc/timer_list), of which the echo's "
              "user space is the TSC cycles between its system calls and the kernel in its "
              "system calls is its thread's CPU time (CLOCK_THREAD_CPUTIME_ID) less that; the "
              "rest is the kernel outside it. In an idle "
              f"{LINUX_BG_S:.0f} s the guest was busy {bg:,.0f} instructions per echo's share "
              "of time (timers, kernel threads): in Linux's total, an error of that size.")
    else:
        lx = f"Linux: not counted ({lx_icount_note if guest else linux_note})."
    out.append(f"\n{PROBE_N} ping-pong echoes of 64 bytes per path under -icount shift=0, each "
               "server's probe table (os/probe.h) read before and after: exclusive time per "
               "phase, every instruction the CPU ran meanwhile (kernel, interrupts and other "
               "processes included). netd's column adds netd's own driver, switching (stack in) "
               "and copies; its IPC row is the client's RPCs that carried frames less netd's work "
               "inside them. Waiting is idle time, host-paced: not a cost of the path. " + lx +
               " Targets: the Arrakis paper's claims as ratios of instructions per echo, on "
               "the totals less the probes' own cost (the instrument, not the path; Linux has "
               "none). The "
               f"servers' answers, raw: {os.path.relpath(raw, ctx.build)} in the build directory.")
    ok = all(p.key in tcg and tcg[p.key]["lat"] for p in PATHS) and \
        all(p.key in icount for p in PATHS) and all(p.key in pair for p in PATHS)
    data = raw_data(tcg, linux, cols, totals, pair, linux_p)
    if lx_icount:
        data["linux_icount"] = {k: v for k, v in lx_icount.items() if k != "text"}
    return "Network: UDP echo on four paths and Linux", "\n".join(out), ok, data
