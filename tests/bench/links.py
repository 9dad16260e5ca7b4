"""tests/bench/links.py: the links make bench's network benchmark measures over, without slirp.

- RawLink: the host end of a raw Ethernet link, tools/netload (a C program that builds and
  parses Ethernet, ARP, IPv4 and UDP itself) behind QEMU's dgram netdev (`tools/qemu --dgram
  Q:P`). Its methods are those of bench_net's slirp client: ask, echoes, latency, throughput.
- guest_pair: two machines joined by one dgram link (`--node 0/1`, each other's ports), the
  echo client inside one (Sietch's udpping on its own VNIC, or the Linux guest's udpping) and
  the server inside the other. parse_udpping reads the client's lines.
- Hub and guest_hub: tools/hub, a learning switch joining N machines' dgram links into one
  link (`--node 0` to N - 1), and its counters.

docs/experiments.md describes each link and the method of each number.
"""
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../system"))
import sietchtest  # noqa: E402
from netpeer import free_udp_port  # noqa: E402

WINDOW = 32  # datagrams in flight in the throughput test
UDPPING_SIZES = (64, 1472)  # udpping's throughput sizes (the shell's 32 words hold no more)


def host_tool(build, name):
    """tools/NAME.c built for the host (its rule in tools/Hakefile), made when stale."""
    build = os.path.abspath(build)
    path = os.path.join(build, "host", "bin", name)
    subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={build}", path],
                   cwd=sietchtest.ROOT, check=True)
    return path


def netload_path(build):
    return host_tool(build, "netload")


def hub_path(build):
    return host_tool(build, "hub")


def fields(line):
    """The key=value words of a netload or udppping line, values as int or float."""
    out = {}
    for k, v in re.findall(r"(\w+)=([\d.]+)", line):
        out[k] = float(v) if "." in v else int(v)
    return out


def lat_result(f):
    """(median us, p99 us, lost) of a lat line's fields, or None if none came back."""
    if not f.get("got"):
        return None
    return f["p50"] / 1000, f["p99"] / 1000, f["lost"]


def tput_result(f):
    """(echoes/s, Mbit/s of echoed payload each way, lost) of a tput line's fields."""
    secs = f["ns"] / 1e9
    return f["got"] / secs, f["got"] * f["size"] * 8 / secs / 1e6, f["lost"]


class LinkPorts:
    """The two 127.0.0.1 ports of one dgram link: QEMU takes frames on qemu, sends to host."""

    def __init__(self):
        self.qemu, self.host = free_udp_port(), free_udp_port()

    def qemu_args(self):
        return ["--dgram", f"{self.qemu}:{self.host}"]


class RawLink:
    """tools/netload on a link's host port, talking to peer_ip:port. One command at a time."""

    def __init__(self, build, ports, peer_ip, port=7):
        self.proc = subprocess.Popen(
            [netload_path(build), "--port", str(ports.host), "--qemu", str(ports.qemu),
             "--peer", peer_ip, "--dport", str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        if not first.startswith("netload: on"):
            self.close()
            raise RuntimeError(f"netload did not start: {first!r}")

    def cmd(self, line):
        """One command's answer line."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline().strip()
        if not out or out.startswith("error"):
            raise RuntimeError(f"netload: {line!r}: {out or 'no answer (it ended)'}")
        return out

    def arp(self):
        """The peer's MAC (ARP), or raise."""
        out = self.cmd("arp")
        if out == "arp none":
            raise RuntimeError("netload: no ARP reply from the guest")
        return out.split()[1][4:]

    def ask(self, text, want, tries=1):
        out = self.cmd("ask " + text)
        if not out.startswith("reply ") or not re.match(want, out[6:]):
            raise RuntimeError(f"no answer to {text!r} on the raw link: {out!r}")
        return out[6:]

    def echoes(self, n, size=64):
        f = fields(self.cmd(f"echo {n} {size}"))
        if f["done"] < n:
            raise RuntimeError(f"netload: {f['lost']} echoes lost of {n}")

    def latency(self, n, gap=0.0, warmup=50):
        """(median us, p99 us, lost, every round trip in us, in order), or None."""
        self.echoes(warmup)
        r = lat_result(fields(self.cmd(f"lat {n} 64 {int(gap * 1e6)}")))
        if r is None:
            return None
        rtts = self.cmd("rtts").split()[2:]
        return (*r, [int(x) / 1000 for x in rtts])

    def throughput(self, size, seconds, window=WINDOW):
        return tput_result(fields(self.cmd(f"tput {size} {seconds} {window}")))

    def stats(self):
        return fields(self.cmd("stats"))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()  # by its Popen: only the process started here
                self.proc.wait()


def udpping_args(lat_n, idle_n, idle_gap_s, tput_ms, warmup=50):
    """The commands of one measurement, for Sietch's or Linux's udpping."""
    return (f"echo {warmup} 64 lat {lat_n} 64 0 lat {idle_n} 64 {int(idle_gap_s * 1e6)} " +
            " ".join(f"tput {s} {tput_ms} {WINDOW}" for s in UDPPING_SIZES))


def parse_udpping(text):
    """The results of one udpping run's lines in text: the bench's dict (lat, idle, and each
    of UDPPING_SIZES), or None if it did not finish."""
    lines = re.findall(r"udpping: (lat|tput) (.*)", text)
    lats = [fields(rest) for kind, rest in lines if kind == "lat"]
    tputs = {f["size"]: f for f in (fields(rest) for kind, rest in lines if kind == "tput")}
    if len(lats) != 2 or set(tputs) != set(UDPPING_SIZES):
        return None
    return {"lat": lat_result(lats[0]), "idle": lat_result(lats[1]),
            **{s: tput_result(tputs[s]) for s in UDPPING_SIZES}}


def guest_pair(tag, out_dir, boot_args, env=None):
    """Two machines on one dgram link: (client, server) sietchtest.Machines, not started.
    boot_args: (tools/qemu arguments before the node and link, ISO or None), one per machine;
    the client is node 0 (10.0.2.15), the server node 1 (10.0.2.47)."""
    a, b = free_udp_port(), free_udp_port()
    machines = []
    for node, (args, iso), ports in ((0, boot_args[0], f"{a}:{b}"), (1, boot_args[1], f"{b}:{a}")):
        log = os.path.join(out_dir, f"{tag}-node{node}.log")
        disk = os.path.join(out_dir, f"{tag}-node{node}.img")
        if os.path.exists(disk):
            os.remove(disk)
        machines.append(sietchtest.Machine(
            iso, log, tools_args=[*args, "--disk", disk, "--node", str(node), "--dgram", ports],
            env=env))
    return machines[0], machines[1]


SERVER_IP = "10.0.2.47"  # node 1's first address (its VNIC 0, or the Linux guest's eth0)


class Hub:
    """tools/hub joining n machines: machine i is `tools/qemu ... qemu_args(i)`. The process is
    ended by its PID (close, or the with block's end), never by name."""

    def __init__(self, build, n, status=None, age=None):
        self.ports = [LinkPorts() for _ in range(n)]
        opts = (["--status", status] if status else []) + (["--age", str(age)] if age else [])
        self.proc = subprocess.Popen(
            [hub_path(build), *opts, *(f"{p.qemu}:{p.host}" for p in self.ports)],
            stdout=subprocess.PIPE)
        self.out = b""  # what it printed and line() has not returned yet
        self.final = None  # the counters it printed as it ended
        first = self.line(10)
        if not first.startswith(f"hub: {n} ports"):
            self.close()
            raise RuntimeError(f"hub did not start: {first!r}")

    def qemu_args(self, i):
        return self.ports[i].qemu_args()

    def line(self, timeout):
        """The next line the hub prints, or '' if none within timeout seconds (or it ended)."""
        end = time.monotonic() + timeout
        while b"\n" not in self.out:
            left = end - time.monotonic()
            fd = self.proc.stdout.fileno()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return ""
            part = os.read(fd, 4096)
            if not part:
                return ""
            self.out += part
        line, self.out = self.out.split(b"\n", 1)
        return line.decode()

    def counters(self, timeout=10):
        """Its counters now (SIGUSR1: it prints them), as a dict of ints."""
        self.proc.send_signal(signal.SIGUSR1)
        out = self.line(timeout)
        if not out.startswith("hub in0="):
            raise RuntimeError(f"hub: no counters: {out!r}")
        return fields(out)

    def close(self):
        """End it (SIGTERM, by its PID); its last counters in self.final, if it printed them."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # by its Popen: only the process started here
                self.proc.wait()
        if self.proc.stdout.closed:
            return self.proc.returncode
        rest = (self.out + self.proc.stdout.read()).decode()
        self.out = b""
        self.proc.stdout.close()
        last = [x for x in rest.splitlines() if x.startswith("hub in0=")]
        self.final = fields(last[-1]) if last else self.final
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def guest_hub(build, tag, out_dir, boot_args, env=None):
    """N machines on one link through tools/hub: ([sietchtest.Machine], Hub), the machines not
    started, the hub running (the caller closes it: `with hub:`). boot_args: (tools/qemu
    arguments before the node and link, ISO or None), one per machine, machine i node i
    (10.0.2.(15 + 32 i), tools/qemu's --node: at most 4)."""
    if not 2 <= len(boot_args) <= 4:
        raise ValueError("guest_hub: 2 to 4 machines (tools/qemu --node 0-3)")
    hub = Hub(build, len(boot_args))
    machines = []
    for node, (args, iso) in enumerate(boot_args):
        log = os.path.join(out_dir, f"{tag}-node{node}.log")
        disk = os.path.join(out_dir, f"{tag}-node{node}.img")
        if os.path.exists(disk):
            os.remove(disk)
        machines.append(sietchtest.Machine(
            iso, log, tools_args=[*args, "--disk", disk, "--node", str(node),
                                  *hub.qemu_args(node)], env=env))
    return machines, hub
