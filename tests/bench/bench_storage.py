"""tests/bench/bench_storage.py: 4 KiB write+flush on a VSA, three ways.

Boots the full system and, from the shell, times 4 KiB durable writes one
at a time (each waits for its completion, polling):
- libOS: logapp appends 4 KiB log records (32-byte header + 4064 bytes:
  8 blocks written, then FLUSH) on its own VSIC, no server in the way;
- stord: the same log code through stord, the kernel-mediated path (each
  4 KiB write is one IPC round trip with the data copied into the shared
  page, then copied again into stord's DMA bounce buffer; FLUSH one more);
- raw: the device floor, a bare loop on the VF's I/O queue: one 4 KiB
  WRITE from a DMA page, FLUSH, no log, no copy.
Once under plain TCG (TSC cycles, noisy on a shared machine) and once
under -icount shift=0 (one guest instruction is one nanosecond of guest
time, so ns per operation counts guest instructions, both cores'). The
waits poll, and QEMU completes the I/O on host threads meanwhile (a FLUSH
is an fdatasync of the image), so the instruction counts include the
spinning for however long the host took: they are exact for the work
around the I/O only in their differences between paths.

run() also returns the raw data per path (storage_data) for tools/bench's
JSON and its latency figure (tests/bench/results.py).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
import sietchtest  # noqa: E402

OPS = 500
BENCH = re.compile(r"BENCH storage_(\w+) ops=(\d+) cycles_avg=(\d+) cycles_p50=(\d+) "
                   r"cycles_min=(\d+) ns_avg=(\d+) iops=(\d+)")
PROMPT = r"sietch\$ "
PATHS = (("libos", "libOS: log append on its own VSIC"),
         ("stord", "stord: the same log through IPC"),
         ("raw", "raw device floor: WRITE + FLUSH on the VF's queue"))


def cmd(m, line, timeout):
    m.send(line + "\r")
    m.expect(re.escape(line) + r"\n", timeout=30)
    return m.expect(r"([\s\S]*?)" + PROMPT, timeout=timeout).group(1)


def boot(ctx, iso, tag, tools_args):
    log = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.log")
    disk = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = sietchtest.Machine(iso, log, tools_args=["--disk", disk, *tools_args])
    with m:
        m.expect(r"storctl: 2 VSICs", timeout=300)
        m.send("\r")
        m.expect(PROMPT, timeout=60)
        cmd(m, f"run logapp bench1 bench {OPS}", 1800)
        m.send("run stord &\r")
        m.expect(r"stord: serving VSAs", timeout=120)
        m.send("\r")
        m.expect(PROMPT, timeout=60)
        cmd(m, f"run logapp bench2 --stord bench {OPS}", 1800)
        cmd(m, f"run logapp bench3 raw {OPS}", 1800)
        m.send("poweroff\r")
        m.wait_exit(timeout=60)
    return {path: tuple(int(x) for x in rest) for path, *rest in BENCH.findall(m.out)}


def storage_data(tcg, icount):
    """Per path: mean latency (ns_avg), the median (cycles_p50 at the
    mean's ns per cycle), IOPS under TCG; instructions per op (-icount)."""
    paths = []
    for path, what in PATHS:
        t, i = tcg.get(path), icount.get(path)
        p = {"key": path, "name": what}
        if t:
            p.update(mean_us=t[4] / 1000, median_us=t[2] * t[4] / max(1, t[1]) / 1000, iops=t[5],
                     cycles_mean=t[1], cycles_median=t[2], cycles_min=t[3])
        if i:
            p["instructions"] = i[4]
        paths.append(p)
    return {"ops": OPS, "paths": paths, "link": "none (NVMe, a disk image on the host)"}


def run(ctx):
    iso, err = sietchtest.make_iso(ctx.name, "hake/menu.lst", ctx.out_dir, build=ctx.build)
    if err:
        raise RuntimeError(err)
    tcg = boot(ctx, iso, "tcg", [])
    icount = boot(ctx, iso, "icount", ["--icount"])
    table = ["| 4 KiB write + flush | TSC cycles, mean (TCG) | median | IOPS (TCG) | "
             "guest instructions per op (-icount, polling included) |",
             "|---|---|---|---|---|"]
    for path, what in PATHS:
        t = tcg.get(path)
        i = icount.get(path)
        table.append(f"| {what} | {t[1] if t else 'failed'} | {t[2] if t else '-'} | "
                     f"{t[5] if t else '-'} | {i[4] if i else 'failed'} |")
    table.append(f"\n{OPS} operations each, after 16 not timed; one at a time, completions "
                 "polled. The libOS and stord rows are log appends (8 blocks + FLUSH each).")
    ok = all(p in tcg and p in icount for p, _ in PATHS)
    return "Storage: libOS, stord and the raw device", "\n".join(table), ok, \
        storage_data(tcg, icount)
