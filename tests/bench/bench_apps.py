"""tests/bench/bench_apps.py: the applications Arrakis was judged by, on
Linux and on Sietch's two paths, driven by the same real clients.

Two boots of the same emulated machine, one after the other, each with
QEMU's user network forwarding free ports of 127.0.0.1 to the servers:
- Linux (tools/linux-guest): Debian's kernel, and Debian's redis-server
  (7.0, appendonly yes, appendfsync always, its append-only file on ext4
  on the NVMe PF's second namespace, the size of one Sietch VSA) and
  memcached (one worker thread);
- Sietch: `kvstore` and `memcache`, each measured on its own VNIC (and
  VSIC: the direct path, no kernel or server between the program and the
  queues), then on netd (and stord: the kernel-mediated path, every frame
  and every log write an IPC round trip with copies). Each server is
  started, measured and killed before the next starts.

The clients run on the host: redis-benchmark (SET and GET, one
connection and 50, without pipelining and with 16 requests a pipeline:
requests per second and the p50 and p99 latencies it reports) and
memcaslap (90% get, 10% set, over TCP and over UDP, for SECONDS each).
SET is measured durable (Linux: appendfsync always; Sietch: the log on
the VSA, each reply after its batch is on the media) and in memory only
(Linux: appendonly no; Sietch: no --appendonly). Then memory: 100,000
SETs of 12-byte keys and 3-byte values into an empty store in memory
only (redis-cli --pipe), and the store's used_memory and the process's
size (Linux: INFO's used_memory_rss; Sietch: ps).

The clients reach the guests through slirp (QEMU's user network), which
is in every path and costs every path the same host work; compare within
a run. slirp's listener accepts with a backlog of one, so the clients run
with tools/paced-connect.c preloaded: their connections are opened one
after another, before redis-benchmark starts its clock.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../system"))
import sietchtest  # noqa: E402
from netpeer import free_tcp_port  # noqa: E402

PROMPT = r"sietch\$ "
# redis-benchmark runs: (clients, pipeline, requests of each test).
CONFIGS = [(1, 1, 1500), (50, 1, 4000), (1, 16, 8000), (50, 16, 16000)]
MEMCASLAP = [("TCP", 1), ("TCP", 16), ("UDP", 1), ("UDP", 16)]
SECONDS = 4
KEYS = 100_000


class Server:
    """One server to start on Sietch: the shell command, its start line,
    and what it holds that netctl or storctl must free after it."""

    def __init__(self, cmd, line, vnic=False, vsic=False):
        self.cmd, self.line, self.vnic, self.vsic = cmd, line, vnic, vsic


def kvstore(args, addr, aof=None):
    line = rf"kvstore: on {re.escape(addr)}:6379 \((vnic|netd)\); " + \
        (rf"append-only file on '{aof}', appendfsync always" if aof else "")
    return Server(f"run kvstore {args}", line, vnic="--netd" not in args,
                  vsic=bool(aof) and "--stord" not in args)


def memcache(args, addr):
    return Server(f"run memcache {args}", rf"memcache: on {re.escape(addr)} \((vnic|netd)\)",
                  vnic="--netd" not in args)


# ---- The clients ----

def client_env(build):
    return dict(os.environ, LD_PRELOAD=sietchtest.paced_connect(build))


def redis_benchmark(env, port, tests, clients, pipeline, n):
    """{test: (requests/s, p50 us, p99 us)} from one redis-benchmark run."""
    r = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", tests,
                        "-n", str(n), "-c", str(clients), "-P", str(pipeline), "--csv"],
                       capture_output=True, text=True, timeout=600, env=env)
    out = {}
    for line in r.stdout.splitlines():
        f = [x.strip('"') for x in line.split(",")]
        if len(f) == 8 and f[0] != "test":
            out[f[0]] = (float(f[1]), float(f[4]) * 1000, float(f[6]) * 1000)
    if not out:
        raise RuntimeError(f"redis-benchmark -c {clients} -P {pipeline} on port {port}: "
                           f"{(r.stdout + r.stderr).strip()[-300:]!r}")
    return out


def memcaslap(env, port, proto, clients):
    """(ops/s, UDP packets dropped or timed out) from one memcaslap run."""
    cmd = ["memcaslap", "-s", f"127.0.0.1:{port}", "-t", f"{SECONDS}s", "-T", "1",
           "-c", str(clients)] + (["--udp"] if proto == "UDP" else [])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS * 10 + 60, env=env)
    tps = re.findall(r"Run time: [\d.]+s Ops: \d+ TPS: (\d+)", r.stdout)
    if not tps:
        raise RuntimeError(f"{' '.join(cmd)}: {(r.stdout + r.stderr).strip()[-300:]!r}")
    lost = sum(int(x) for x in re.findall(r"(?:packet_drop|udp_timeout): (\d+)", r.stdout))
    return int(tps[-1]), lost


def cli(port, *args):
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=120)
    return r.stdout


def info(port, field):
    m = re.search(rf"^{field}:(\d+)", cli(port, "INFO", "memory"), re.M)
    return int(m.group(1)) if m else None


def wait_redis(port, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cli(port, "PING").strip() == "PONG":
            return
        time.sleep(0.5)
    raise RuntimeError(f"nothing answers PING on port {port}")


def load_keys(port):
    """KEYS SETs through redis-cli --pipe; used_memory before and after."""
    cli(port, "FLUSHALL")
    before = info(port, "used_memory")
    data = "".join(f"*3\r\n$3\r\nSET\r\n$10\r\nkey:{i:06d}\r\n$3\r\nxyz\r\n" for i in range(KEYS))
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--pipe"],
                       input=data, capture_output=True, text=True, timeout=900)
    if f"errors: 0, replies: {KEYS}" not in r.stdout:
        raise RuntimeError(f"redis-cli --pipe: {(r.stdout + r.stderr).strip()[-300:]!r}")
    dbsize = cli(port, "DBSIZE").strip()
    if dbsize != str(KEYS):
        raise RuntimeError(f"DBSIZE is {dbsize} after {KEYS} SETs")
    return before, info(port, "used_memory")


def measure_kv(env, port, durable):
    """Every CONFIGS run: GET and SET with the log on (durable), SET only
    with it off; {(test, clients, pipeline): result}."""
    out = {}
    for c, p, n in CONFIGS:
        res = redis_benchmark(env, port, "set,get" if durable else "set", c, p, n)
        for test, v in res.items():
            out[(test if not durable or test == "GET" else "SET durable", c, p)] = v
    return out


def measure_mc(env, port):
    return {(proto, c): memcaslap(env, port, proto, c) for proto, c in MEMCASLAP}


# ---- Linux ----

def linux(ctx, env):
    r = subprocess.run([os.path.join(sietchtest.ROOT, "tools/linux-guest"), ctx.build],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError((r.stderr.strip().splitlines() or ["tools/linux-guest failed"])[-1])
    kernel, initrd = r.stdout.split()
    kv, mc = free_tcp_port(), free_tcp_port()
    log = os.path.join(ctx.out_dir, f"{ctx.name}-linux.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}-linux.img")
    if os.path.exists(disk):
        os.remove(disk)
    netdev = (f"user,id=net0,hostfwd=tcp:127.0.0.1:{kv}-10.0.2.15:6379,"
              f"hostfwd=tcp:127.0.0.1:{mc}-10.0.2.15:11211,"
              f"hostfwd=udp:127.0.0.1:{mc}-10.0.2.15:11211")
    m = sietchtest.Machine(None, log, tools_args=["--linux", kernel, initrd, "--disk", disk],
                           env={"QEMU_NETDEV": netdev})
    res = {}
    with m:
        m.expect(r"linux-udpecho: echo on port 7", timeout=600)
        if "ext4 on nvme0n2" not in m.out:
            raise RuntimeError(f"the Linux guest has no ext4 for Redis's log; see {log}")
        wait_redis(kv)
        print("bench: apps: Linux redis-server", flush=True)
        if cli(kv, "CONFIG", "GET", "appendfsync").split() != ["appendfsync", "always"]:
            raise RuntimeError("Linux's redis-server is not at appendfsync always")
        res["kv"] = measure_kv(env, kv, True)
        cli(kv, "CONFIG", "SET", "appendonly", "no")
        res["kv"].update(measure_kv(env, kv, False))
        before, after = load_keys(kv)
        res["mem"] = (before, after, info(kv, "used_memory_rss"))
        print("bench: apps: Linux memcached", flush=True)
        res["mc"] = measure_mc(env, mc)
    versions = re.search(r"linux-guest: Redis server v=(\S+) .*memcached (\S+)", m.out)
    kernel_v = re.search(r"linux-guest: (\S+),", m.out)
    res["note"] = (f"Linux {kernel_v.group(1) if kernel_v else '?'}, redis-server "
                   f"{versions.group(1) if versions else '?'}, memcached "
                   f"{versions.group(2) if versions else '?'}")
    return res


# ---- Sietch ----

class Sietch:
    def __init__(self, m):
        self.m = m

    def seen(self, pattern, since, timeout):
        end = time.time() + timeout
        while time.time() < end:
            found = re.search(pattern, self.m.out[since:])
            if found:
                return found
            time.sleep(0.05)
        raise RuntimeError(f"no /{pattern}/ on the console; last output {self.m.out[-300:]!r}")

    def start(self, server):
        self.m.expect(PROMPT, timeout=60)
        mark = len(self.m.out)
        self.m.send(server.cmd + " &\r")
        pid = self.seen(r"\[(\d+)\] (kvstore|memcache|netd|stord)\n", mark, 60).group(1)
        self.seen(server.line, mark, 120)
        self.m.send("\r")
        return pid

    def ps_mem(self, pid):
        """The process's size in KiB, as ps prints it."""
        self.m.expect(PROMPT, timeout=60)
        mark = len(self.m.out)
        self.m.send("ps\r")
        return int(self.seen(rf"\n\s*{pid}\s+0\s+running\s+(\d+) K", mark, 30).group(1))

    def stop(self, server, pid):
        self.m.expect(PROMPT, timeout=60)
        mark = len(self.m.out)
        self.m.send(f"kill {pid}\r")
        self.seen(rf"\[{pid}\] killed", mark, 30)
        if server.vnic:
            self.seen(rf"netctl: VNIC \d+: its owner \(pid {pid}\) ended", mark, 30)
        if server.vsic:
            self.seen(rf"storctl: VSIC \d+: its owner \(pid {pid}\) ended", mark, 30)
        self.m.send("\r")


def sietch(ctx, env):
    iso, err = sietchtest.make_iso(ctx.name, "hake/menu.lst", ctx.out_dir, build=ctx.build)
    if err:
        raise RuntimeError(err)
    kv, mc, kv2, mc2 = (free_tcp_port() for _ in range(4))
    netdev = (f"user,id=net0,hostfwd=tcp:127.0.0.1:{kv}-10.0.2.15:6379,"
              f"hostfwd=tcp:127.0.0.1:{mc}-10.0.2.15:11211,"
              f"hostfwd=udp:127.0.0.1:{mc}-10.0.2.15:11211,"
              f"hostfwd=tcp:127.0.0.1:{kv2}-10.0.2.40:6379,"
              f"hostfwd=tcp:127.0.0.1:{mc2}-10.0.2.40:11211,"
              f"hostfwd=udp:127.0.0.1:{mc2}-10.0.2.40:11211")
    log = os.path.join(ctx.out_dir, f"{ctx.name}-sietch.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}-sietch.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = sietchtest.Machine(iso, log, tools_args=["--disk", disk], env={"QEMU_NETDEV": netdev})
    direct, mediated = {}, {}
    with m:
        m.expect(r"storctl: 2 VSICs", timeout=300)
        m.send("\r")
        s = Sietch(m)
        for res, port, mport, addr, net, stor in (
                (direct, kv, mc, "10.0.2.15", "", ""),
                (mediated, kv2, mc2, "10.0.2.40", "--netd ", "--stord ")):
            if net:
                s.start(Server("run stord", r"stord: serving VSAs on VSIC \d"))
                s.start(Server("run netd", r"netd: on VNIC \d+ .*clients get 10\.0\.2\.40"))
            where = "netd and stord" if net else "its own VNIC and VSIC"
            print(f"bench: apps: Sietch kvstore on {where}", flush=True)
            aof = "kvn" if net else "kv"
            srv = kvstore(f"{net}--appendonly {aof} {stor}".strip(), addr, aof)
            pid = s.start(srv)
            wait_redis(port)
            res["kv"] = measure_kv(env, port, True)
            s.stop(srv, pid)
            srv = kvstore(net.strip(), addr)
            pid = s.start(srv)
            wait_redis(port)
            res["kv"].update(measure_kv(env, port, False))
            before, after = load_keys(port)
            res["mem"] = (before, after, s.ps_mem(pid) * 1024)
            s.stop(srv, pid)
            print(f"bench: apps: Sietch memcache on {'netd' if net else 'its own VNIC'}",
                  flush=True)
            srv = memcache(net.strip(), addr)
            pid = s.start(srv)
            res["mc"] = measure_mc(env, mport)
            s.stop(srv, pid)
        m.expect(PROMPT, timeout=60)
        m.send("poweroff\r")
        m.wait_exit(timeout=60)
    return direct, mediated


# ---- The tables ----

def ratio(a, b):
    return a / b if a and b else None


def run(ctx):
    env = client_env(ctx.build)
    try:
        lx = linux(ctx, env)
    except Exception as e:  # the Sietch paths are measured all the same
        lx = {"note": f"not measured: {e}"}
    direct, mediated = sietch(ctx, env)
    cols = [("Linux", lx), ("Sietch, own VNIC and VSIC", direct),
            ("Sietch, netd and stord", mediated)]
    out = ["| Redis (redis-benchmark) | " + " | ".join(n for n, _ in cols) + " |",
           "|---|" + "---|" * len(cols)]
    for test in ("GET", "SET durable", "SET"):
        for c, p, _ in CONFIGS:
            label = f"{test if test != 'SET' else 'SET in memory'}, -c {c} -P {p}"

            def cell(r, key=(test, c, p)):
                v = r.get("kv", {}).get(key)
                return f"{v[0]:,.0f} /s; p50 {v[1]:,.0f} us, p99 {v[2]:,.0f} us" if v else "-"
            out.append(f"| {label} | " + " | ".join(cell(r) for _, r in cols) + " |")
    out += ["", "| memcached (memcaslap, 90% get) | " + " | ".join(n for n, _ in cols) + " |",
            "|---|" + "---|" * len(cols)]
    for proto, c in MEMCASLAP:
        def cell(r, key=(proto, c)):
            v = r.get("mc", {}).get(key)
            return (f"{v[0]:,} ops/s" + (f", {v[1]} lost" if v[1] else "")) if v else "-"
        out.append(f"| {proto}, {c} connection{'s' if c > 1 else ''} | " +
                   " | ".join(cell(r) for _, r in cols) + " |")
    out += ["", f"| {KEYS:,} keys in memory | " + " | ".join(n for n, _ in cols) + " |",
            "|---|" + "---|" * len(cols)]

    def mem_row(label, f):
        out.append(f"| {label} | " + " | ".join(f(r["mem"]) if "mem" in r else "-"
                                               for _, r in cols) + " |")
    mem_row("used_memory (INFO)", lambda v: f"{v[1]:,} B")
    mem_row("bytes a key (used_memory's growth / keys)", lambda v: f"{(v[1] - v[0]) / KEYS:.0f}")
    mem_row("the process (Linux: used_memory_rss; Sietch: ps)", lambda v: f"{v[2]:,} B")

    def kv(r, key):
        v = r.get("kv", {}).get(key)
        return v[0] if v else None

    def mc(r, key):
        v = r.get("mc", {}).get(key)
        return v[0] if v else None
    targets = [
        ("GET -c 1 -P 1, direct / Linux", ratio(kv(direct, ("GET", 1, 1)), kv(lx, ("GET", 1, 1))),
         2.0),
        ("durable SET -c 1 -P 1, direct / Linux",
         ratio(kv(direct, ("SET durable", 1, 1)), kv(lx, ("SET durable", 1, 1))), 5.0),
        ("durable SET -c 50 -P 1, direct / Linux",
         ratio(kv(direct, ("SET durable", 50, 1)), kv(lx, ("SET durable", 50, 1))), 5.0),
        ("memcached TCP, 1 connection, direct / Linux",
         ratio(mc(direct, ("TCP", 1)), mc(lx, ("TCP", 1))), 2.0),
        ("memcached UDP, 1 connection, direct / Linux",
         ratio(mc(direct, ("UDP", 1)), mc(lx, ("UDP", 1))), 2.0),
        ("GET -c 1 -P 1, direct / netd", ratio(kv(direct, ("GET", 1, 1)),
                                              kv(mediated, ("GET", 1, 1))), 1.0),
        ("durable SET -c 1 -P 1, direct / netd and stord",
         ratio(kv(direct, ("SET durable", 1, 1)), kv(mediated, ("SET durable", 1, 1))), 1.0),
        ("memcached TCP, 1 connection, direct / netd",
         ratio(mc(direct, ("TCP", 1)), mc(mediated, ("TCP", 1))), 1.0),
        ("memory for the keys, Linux / direct (used_memory's growth)",
         ratio(lx["mem"][1] - lx["mem"][0], direct["mem"][1] - direct["mem"][0])
         if "mem" in lx and "mem" in direct else None, 1 / 1.5),
        ("process size, Linux / direct", ratio(lx["mem"][2], direct["mem"][2])
         if "mem" in lx and "mem" in direct else None, 1 / 1.5),
    ]
    out += ["", "| Target (ratio in this run) | measured | target | met |", "|---|---|---|---|"]
    for what, got, want in targets:
        out.append(f"| {what} | {f'{got:.2f}x' if got else '-'} | >= {want:.2f}x | "
                   f"{'yes' if got and got >= want else 'no'} |")
    out.append(f"\n{lx['note']}, on the same emulated machine (q35, igb PF, NVMe PF; Redis's "
               "append-only file on ext4 on a 15 MiB namespace, memcached with one worker "
               "thread). Sietch: kvstore and memcache on the full system, one core. "
               "redis-benchmark's default 3-byte values on one key; requests per test "
               f"{', '.join(f'-c {c} -P {p}: {n}' for c, p, n in CONFIGS)}. memcaslap: "
               f"{SECONDS} s each, one thread, its default key and value sizes. Every client "
               "is on the host, through slirp.")
    ok = all("kv" in r and "mc" in r and "mem" in r for _, r in cols)
    return "Applications: Redis and memcached, Linux and Sietch", "\n".join(out), ok
