"""tests/system/test_crashtest.py: power-cut replay of the storage stack
(docs/reliability.md, "Power-cut replay").

One boot with every NVMe namespace behind QEMU's blklogwrites driver
(tools/qemu --log-writes), which records each write and flush the guest's
NVMe device sends to it, in the order they complete. Three workloads run
in it, each on a namespace of its own:

- the persistent log: `logapp plog append N` (namespace 2), an ACK line
  per record once log_append returned (written, then flushed);
- kvstore's append-only file (namespace 3): a host client SETs one key at
  a time, values of VALUE_BYTES, until the log has been compacted
  COMPACTIONS times; a SET is acknowledged when its +OK arrives;
- storctl's VSA map (namespace 1): VSAs created (a name opened for the
  first time), destroyed and named again (vsictest destroy); the map after
  each acknowledged operation comes from `vsa list` after each command.

Then tests/crash/crashreplay makes crash images from each write log and
runs the project's recovery code, built for the host, on each (the budget
CRASH_STATES, default 1500, split over the workloads); every acknowledged
operation must be recovered, at most the one in flight besides, nothing
else. CRASH_BOOTS (default 1; `make crashtest` boots 3) of the log's and of
kvstore's crash images are then booted, each as the VSA of a copy of the
disk: logapp's own check must recover the same records as the host did,
kvstore started on it must serve the dataset the host recovered.

Crash images that failed are kept in build/crashtest/saved/ (log, kv)
and failures/ (vsamap), a .case and a .sectors file each; a
regression case (tests/crash/cases/*.case) is checked again on every run.
"""
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port  # noqa: E402
from test_kvstore import read_reply, resp_command  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS_SECTORS = {1: 4 << 11, 2: 15 << 11, 3: 15 << 11, 4: 15 << 11, 5: 15 << 11}  # tools/qemu
NS_OFFSET_MIB = {2: 4, 3: 19, 4: 34, 5: 49}
VALUE_BYTES = 16000
KEYS = 24


def value(i, n=VALUE_BYTES):
    """SET i's value, as tests/crash/wl_kv.c makes it."""
    head = f"val:{i}:"
    return head + "".join(chr(ord("a") + (i * 7 + j) % 26) for j in range(len(head), n))


def vsa_table(sh):
    """name -> nsid from `vsa list`."""
    return {name: int(ns) for ns, name in
            re.findall(r"^ *(\d+)  (\S+) +\d+ KiB", sh.cmd("vsa list"), re.M) if name != "-"}


class MapModel:
    """The VSA map in storctl's order (names appended, removed in place),
    followed through `vsa list` after each command: its state after each
    operation, as MAP lines for crashreplay."""

    def __init__(self):
        self.entries, self.lines = [], []

    def follow(self, table):
        for name in [n for n, _ in self.entries if n not in table]:
            self.entries = [(n, ns) for n, ns in self.entries if n != name]
            self.lines.append(self.line())
        for name in sorted((n for n in table if n not in dict(self.entries)),
                           key=lambda n: table[n]):
            self.entries.append((name, table[name]))
            self.lines.append(self.line())

    def line(self):
        return "MAP" + "".join(f" {n}={ns}" for n, ns in self.entries)


def kv_sets(port, m, compactions, limit):
    """SETs until the store has compacted its log `compactions` times (or
    limit SETs); the acknowledged ones as (i, key)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    acked = []
    try:
        for i in range(limit):
            if m.out.count("kvstore: compacted") >= compactions:
                break
            key = f"key:{i % KEYS}"
            s.sendall(resp_command(["SET", key, value(i)]))
            if read_reply(f) == b"+OK\r\n":
                acked.append((i, key))
    finally:
        s.close()
    return acked


def capture(ctx, out, appends, compactions, map_cycles):
    """The traced boot; returns {workload: (trace, acks file, sectors)} and the disk."""
    port = free_tcp_port()
    netdev = f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:6379"
    # Namespaces 1-3 only: on a fresh disk plog gets 2 and kv 3 (checked
    # below); the map's VSAs come and go on 4, each destroy zeroing 15 MiB.
    traces = {ns: os.path.join(out, f"ns{ns}.wlog") for ns in (1, 2, 3)}
    args = [a for ns, p in traces.items() for a in ("--log-writes", f"{ns}={p}")]
    disk = os.path.join(out, "disk.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = ctx.machine(ctx.iso(modules=()), disk=disk, env={"QEMU_NETDEV": netdev},
                    tools_args=args)
    maps = MapModel()
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        text = sh.cmd(f"run logapp plog append {appends}", timeout=600)
        ctx.check(f"logapp: {appends} appends acknowledged", f"appended {appends}\n" in text,
                  text[-300:])
        log_acks = re.findall(r"^logapp: ACK .*$", text, re.M)
        maps.follow(vsa_table(sh))
        sh.cmd("run kvstore --appendonly kv &")
        up = seen(m, r"kvstore: on 10\.0\.2\.15:6379 .*append-only file on 'kv'", 120)
        ctx.check("kvstore starts on its VSA", up, m.out[-300:])
        maps.follow(vsa_table(sh))
        t0 = time.time()
        sets = kv_sets(port, m, compactions, 20000) if up else []
        print(f"    crashtest: {len(sets)} SETs of {VALUE_BYTES} bytes acknowledged in "
              f"{time.time() - t0:.0f} s, {m.out.count('kvstore: compacted')} compactions")
        ctx.check(f"kvstore compacted its log {compactions} times",
                  m.out.count("kvstore: compacted") >= compactions, "")
        sh.cmd("run logapp m0 check", timeout=120)  # opening a new name makes a VSA
        maps.follow(vsa_table(sh))
        for c in range(map_cycles):
            sh.cmd(f"run vsictest destroy m{c} plog m{c + 1}", timeout=300)
            maps.follow(vsa_table(sh))
        table = vsa_table(sh)
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=60) == 0, "")
    files = {"log": log_acks, "kv": [f"SET {i} {k} {VALUE_BYTES}" for i, k in sets],
             "vsamap": maps.lines}
    for wl, lines in files.items():
        with open(os.path.join(out, f"{wl}.acks"), "w") as f:
            f.write("".join(l + "\n" for l in lines))
    ns = {"log": 2, "kv": 3, "vsamap": 1}
    ctx.check("plog on namespace 2, kv on 3 (the traced ones)",
              table.get("plog") == 2 and table.get("kv") == 3, repr(table))
    return {wl: (traces[ns[wl]], os.path.join(out, f"{wl}.acks"), NS_SECTORS[ns[wl]])
            for wl in files}, disk, ns


def replay(ctx, wl, trace, acks, sectors, states, save, save_n=0):
    tool = os.path.join(ctx.build, "host", "bin", "crashreplay")
    shutil.copy(acks, save)  # a saved case names its acks file, beside it
    cmd = [tool, "--workload", wl, "--trace", trace, "--acks", acks, "--sectors", str(sectors),
           "--states", str(states), "--seed", os.environ.get("CRASH_SEED", "1"), "--save", save]
    if save_n:
        cmd += ["--save-n", str(save_n)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    summary = re.search(r"(\d+) crash states checked, (\d+) failed \(([\d.]+) s\)", p.stdout)
    print("    " + (p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr.strip()))
    ctx.check(f"{wl}: every crash state recovers what was acknowledged",
              p.returncode == 0 and summary is not None and summary.group(2) == "0",
              (p.stdout[-3000:] + p.stderr[-500:]))
    return (int(summary.group(1)), int(summary.group(2)), float(summary.group(3))) \
        if summary else (0, 0, 0.0)


def boot_image(ctx, out, disk, nsid, case, k):
    """A copy of the disk whose namespace nsid holds the case's crash image."""
    image = os.path.join(out, f"boot{k}.img")
    shutil.copy(disk, image)
    with open(image, "r+b") as f:  # the VSA's slice: zeros, then the crash image
        base = NS_OFFSET_MIB[nsid] << 20
        f.seek(base)
        f.write(bytes(15 << 20))
        blob = open(case[:-5] + ".sectors", "rb").read()
        for at in range(0, len(blob), 520):
            f.seek(base + int.from_bytes(blob[at:at + 8], "little") * 512)
            f.write(blob[at + 8:at + 520])
    return image


def cross_check_log(ctx, out, disk, nsid, cases):
    """Boot some of the log's crash images: logapp's check in the guest must
    recover the records the host's check did."""
    iso = ctx.iso(modules=())
    for k, case in enumerate(cases):
        text = open(case).read()
        host = re.search(r"^ok (\d+) records", text, re.M)
        m = ctx.machine(iso, tag=f"-boot{k}", disk=boot_image(ctx, out, disk, nsid, case, k))
        with m:
            m.expect(PROMPT, timeout=60)
            services_up(m)
            got = Shell(ctx, m).cmd("run logapp plog check", timeout=300)
            m.send("poweroff\r")
            m.wait_exit(timeout=60)
        guest = re.search(r"recovered (\d+) records, 0 bad", got)
        ctx.check(f"crash image {os.path.basename(case)} booted: the guest recovers what the "
                  "host did", host and guest and host.group(1) == guest.group(1),
                  f"host: {host.group(0) if host else text!r}; guest: {got[-300:]!r}")


def cross_check_kv(ctx, out, disk, nsid, cases):
    """Boot some of kvstore's crash images: the store started on it must
    serve the dataset the host's check recovered (every key's value)."""
    iso = ctx.iso(modules=())
    sets = [l.split() for l in open(os.path.join(out, "kv.acks"))]
    for k, case in enumerate(cases):
        text = open(case).read()
        acked = int(re.search(r"^acked (\d+)", text, re.M).group(1))
        n = acked + ("with the SET in flight" in text)
        want = {key: int(i) for _, i, key, _ in sets[:n]}
        port = free_tcp_port()
        netdev = f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:6379"
        m = ctx.machine(iso, tag=f"-kvboot{k}", env={"QEMU_NETDEV": netdev},
                        disk=boot_image(ctx, out, disk, nsid, case, f"kv{k}"))
        bad = ["not started"]
        with m:
            m.expect(PROMPT, timeout=60)
            services_up(m)
            Shell(ctx, m).cmd("run kvstore --appendonly kv &")
            if seen(m, r"kvstore: on 10\.0\.2\.15:6379 .*append-only file on 'kv'", 120):
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                f = s.makefile("rb")
                bad = []
                for key in [f"key:{j}" for j in range(KEYS)]:
                    s.sendall(resp_command(["GET", key]))
                    got = read_reply(f)
                    v = value(want[key]).encode() if key in want else None
                    if got != (f"${len(v)}\r\n".encode() + v + b"\r\n" if v else b"$-1\r\n"):
                        bad.append(key)
                s.close()
            m.send("poweroff\r")
            m.wait_exit(timeout=60)
        ctx.check(f"crash image {os.path.basename(case)} booted: kvstore serves the dataset the "
                  f"host recovered ({n} SETs)", not bad, f"keys wrong: {bad[:5]}; host: {text!r}")


def spread(out, wl, boots, pattern):
    """boots of the saved cases of wl whose host check says pattern."""
    saved = sorted(glob.glob(os.path.join(out, "saved", f"{wl}-*.case")),
                   key=lambda p: int(re.search(r"-(\d+)\.case$", p).group(1)))
    saved = [c for c in saved if re.search(pattern, open(c).read(), re.M)]
    picks = sorted({len(saved) * j // boots for j in range(boots)})
    return [saved[j] for j in picks if j < len(saved)]


def regression_cases(ctx, out):
    """Every kept case recovers right; a case claiming more than the image
    holds must fail (the checker can fail)."""
    tool = os.path.join(ctx.build, "host", "bin", "crashreplay")
    for case in sorted(glob.glob(os.path.join(ROOT, "tests/crash/cases/*.case"))):
        p = subprocess.run([tool, "--case", case], capture_output=True, text=True, timeout=120)
        ctx.check(f"regression {os.path.basename(case)}", p.returncode == 0,
                  p.stdout + p.stderr)
    cases = sorted(glob.glob(os.path.join(out, "saved", "log-*.case")))
    if cases:
        text = open(cases[-1]).read()
        acked = int(re.search(r"^acked (\d+)", text, re.M).group(1))
        liar = os.path.join(out, "saved", "liar.case")
        with open(liar, "w") as f:
            f.write(re.sub(r"^acked \d+", f"acked {acked + 2}", text, flags=re.M))
        p = subprocess.run([tool, "--case", liar], capture_output=True, text=True, timeout=120)
        ctx.check("the checker fails a state missing acknowledged records",
                  p.returncode == 1 and "FAIL" in p.stdout, p.stdout + p.stderr)


def run(ctx):
    states = int(os.environ.get("CRASH_STATES", "1500"))
    boots = int(os.environ.get("CRASH_BOOTS", "1"))
    big = states >= 5000
    out = os.path.join(ctx.build, "crashtest")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "saved"))
    os.makedirs(os.path.join(out, "failures"))
    t0 = time.time()
    work, disk, nsid = capture(ctx, out, appends=2000 if big else 200,
                               compactions=2 if big else 1, map_cycles=12 if big else 4)
    t_capture = time.time() - t0
    budget = {"log": states // 2, "kv": states // 2, "vsamap": max(states // 10, 100)}
    totals = {}
    for wl, (trace, acks, sectors) in work.items():
        save = os.path.join(out, "failures" if wl == "vsamap" else "saved")
        totals[wl] = replay(ctx, wl, trace, acks, sectors, budget[wl], save,
                            save_n=0 if wl == "vsamap" else max(boots, 1))
    n = sum(t[0] for t in totals.values())
    bad = sum(t[1] for t in totals.values())
    print(f"    crashtest: {n} crash states checked, {bad} failed (" +
          ", ".join(f"{wl} {t[0]} in {t[2]:.1f} s" for wl, t in totals.items()) +
          f"; capture boot {t_capture:.0f} s)")
    regression_cases(ctx, out)
    if boots:
        cross_check_log(ctx, out, disk, nsid["log"], spread(out, "log", boots, r"^ok \d+ records"))
        cross_check_kv(ctx, out, disk, nsid["kv"], spread(out, "kv", boots, r"^ok "))
    return None
