"""tests/system/test_bench_results.py: make bench's data, figures and
comparison code on a synthetic result set, on the host (no boot, seconds).

bench_net's instruction table, echo tables and raw data (from made-up
probe tables, a made-up Linux report whose answers are known, and made-up
host-client and guest-to-guest results: each table's link recorded),
bench_storage's raw data, tests/bench/results.py's records, figures and
comparison, and tools/bench-compare's command line: what a real `make
bench` uses, so none of it can rot unnoticed between runs of the (long)
benchmarks.
"""
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench_net  # noqa: E402
import bench_storage  # noqa: E402
import results  # noqa: E402

ECHOES = 1000


def probe_table(per_echo, marks=10):
    """A server's probe answer (parsed) with the given instructions per
    echo per phase, at a 1 GHz TSC."""
    t = {"hz": 1_000_000_000, "echoes": ECHOES, "pair": 45_000, "marks": marks * ECHOES}
    t.update({k: v * ECHOES for k, v in per_echo.items()})
    return t


def synthetic_net(scale=1.0):
    """bench_net's (markdown, raw data) for made-up measurements."""
    n = probe_table({"drv_rx": 300, "stack_in": 800, "api": 400, "app": 500, "stack_out": 1000,
                     "drv_tx": 300, "wait": 5000})
    p = probe_table({"drv_rx": 300, "stack_in": 1100, "copy_in": 150, "api": 900, "app": 250,
                     "copy_out": 300, "stack_out": 900, "drv_tx": 300, "wait": 5000})
    netd = probe_table({"drv_rx": 100, "api": 700, "ipc": 9000, "wait": 4000})
    netd.update({"netdrpc.drv_rx": 300 * ECHOES, "netdrpc.copy_in": 500 * ECHOES,
                 "netd.stack_in": 1300 * ECHOES})
    floor = probe_table({"drv_rx": 300, "app": 700, "drv_tx": 300, "wait": 8000}, marks=5)
    icount = {"N": n, "P": p, "netd": netd, "floor": floor}
    # Linux: 20,000 busy ns an echo, 18,000 of them in the thread, 100 in user space.
    linux = {"echoes": ECHOES, "elapsed_ns": 100_000_000, "idle_ns": 80_000_000,
             "thread_ns": 18_000_000, "tsc": 100_000_000, "user_tsc": 100_000,
             "background": {"elapsed_ns": 1_000_000_000, "idle_ns": 999_000_000}}
    rng = random.Random(1)

    def tcg_path(base):
        lat = sorted(base * scale * (1 + rng.random()) for _ in range(100))
        r = {"lat": (lat[50], lat[98], 0, lat), "idle": (lat[50] * 3, lat[98] * 3, 1,
                                                         [x * 3 for x in lat])}
        for s in bench_net.SIZES:
            r[s] = (1e6 / base / scale, 1e6 / base / scale * s * 8 / 1e6, 0)
        return r
    tcg = {"N": tcg_path(90), "P": tcg_path(95), "netd": tcg_path(300), "floor": tcg_path(80)}
    linux_tcg = tcg_path(500)

    def pair_path(base):
        """Guest to guest: udpping's summaries (no round trips), at its two sizes."""
        r = {"lat": (base * scale, base * scale * 2, 0), "idle": (base * scale * 3,
                                                                  base * scale * 4, 0)}
        for s in bench_net.PAIR_SIZES:
            r[s] = (1e6 / base / scale, 1e6 / base / scale * s * 8 / 1e6, 0)
        return r
    # netd's pair failed: its column is "-" and it is left out of the data.
    pair = {"N": pair_path(60), "P": pair_path(70), "floor": pair_path(50)}
    linux_pair = pair_path(400)
    table, cols, totals = bench_net.table1(icount, linux)
    md = "\n".join(bench_net.tcg_table(tcg, linux_tcg, "6.1") + [""] +
                   bench_net.pair_table(pair, "the netd pair failed", linux_pair, None) + [""] +
                   table)
    return md, bench_net.raw_data(tcg, linux_tcg, cols, totals, pair, linux_pair), totals


def check_net_table(ctx, md, totals):
    split = bench_net.linux_split({"echoes": ECHOES, "elapsed_ns": 100_000_000,
                                   "idle_ns": 80_000_000, "thread_ns": 18_000_000,
                                   "tsc": 100_000_000, "user_tsc": 100_000})
    ctx.check("Linux's split: busy 20,000 = user 100 + syscalls 17,900 + outside 2,000",
              [round(split[k]) for k in ("total", "user", "syscalls", "outside")] ==
              [20000, 100, 17900, 2000], repr(split))
    ctx.check("Sietch/N's total is the sum of its phases (waiting left out)",
              round(totals["Sietch/N"]) == 3300, repr(totals))
    ctx.check("the netd column adds netd's work and takes it out of IPC",
              round(totals["netd (kernel-mediated)"]) == 100 + 700 + 9000 + 1300, repr(totals))
    r = {w: (m, met) for w, m, _, met in bench_net.ratios(totals)}
    ctx.check("the ratios: N/Linux 0.165 (not met), P/Linux 0.235 (met), N/floor 2.54 (not met)",
              round(r["Sietch/N / Linux"][0], 3) == 0.165 and not r["Sietch/N / Linux"][1] and
              r["Sietch/P / Linux"][1] and not r["Sietch/N / floor"][1], repr(r))
    ms = {(m["row"], m["column"]): m["value"] for m in results.metrics(md)}
    ctx.check("the table's numbers parse back (bold, commas)",
              ms.get(("total (waiting excluded)", "Linux (kernel stack)")) == 20000,
              repr(list(ms.items())[:5]))
    # The table's ratios are on the totals less the probes' cost: N's 10
    # mark pairs an echo at 45 instructions, the floor's 5; Linux none.
    ctx.check("less the probes: N 3,300 - 450 = 2,850, floor 1,300 - 225 = 1,075, Linux 20,000",
              [ms.get(("total less the probes' own cost", c)) for c in
               ("Sietch/N", "floor (poll-mode loop)", "Linux (kernel stack)")] ==
              [2850, 1075, 20000], repr([(k, v) for k, v in ms.items() if "less" in k[0]]))
    ctx.check("the table's ratios use them: N/Linux 0.14 (2,850 / 20,000), N/floor 2.65",
              ms.get(("Sietch/N / Linux", "measured")) == 0.14 and
              ms.get(("Sietch/N / floor", "measured")) == 2.65, repr(list(ms.items())[-6:]))


def check_net_data(ctx, md, data):
    ctx.check("the data names the host link and each table's columns' links",
              data["link"] == bench_net.LINK_NAMES[bench_net.LINK] and
              set(data["links"]) == {"host_client", "guest_to_guest", "instructions"} and
              data["links"]["host_client"]["linux"] == bench_net.LINK and
              set(data["links"]["guest_to_guest"].values()) == {"pair"}, repr(data["links"]))
    g = data["guest_to_guest"]
    ctx.check("the guest-to-guest results are in the data (netd's failed pair left out)",
              set(g["latency"]) == {"N", "P", "floor", "linux"} and
              g["latency"]["N"]["median_us"] == 60 and g["sizes"] == list(bench_net.PAIR_SIZES)
              and set(g["throughput"]["linux"]) == {str(s) for s in bench_net.PAIR_SIZES},
              repr(g)[:400])
    ctx.check("every round trip of the host client's columns, none of guest to guest's",
              set(data["latency_us"]) == {"N", "P", "netd", "floor", "linux"} and
              len(data["latency_us"]["N"]) == 100, repr(list(data["latency_us"])))
    tables = {t["header"][0]: t for t in results.parse_tables(md)}
    pair = tables.get("UDP echo (TCG), guest to guest: client on node 0")
    host = tables.get("UDP echo (TCG), host client")
    ctx.check("both echo tables have a link row",
              pair and host and pair["rows"][0][0] == "link" and host["rows"][0][0] == "link" and
              pair["rows"][0][1] == bench_net.LINK_NAMES["pair"], repr(list(tables)))
    ms = {(m["table"], m["row"], m["column"]): m["value"] for m in results.metrics(md)}
    ctx.check("the guest-to-guest numbers parse back; netd's missing column has none",
              ms.get((pair["header"][0], "latency, 64 B: median us", "Sietch/N server")) == 60 and
              (pair["header"][0], "latency, 64 B: median us", "netd (kernel-mediated) server")
              not in ms, "")


def check_figures(ctx, out, paths):
    try:
        figs = results.figures(paths, out)
    except ImportError:
        ctx.check("without matplotlib, figures() says so (tools/deps --bench installs it)", True)
        return
    want = [f"{stem}.{ext}" for stem in ("net-latency-cdf", "net-throughput", "net-instructions",
                                         "net-table1",
                                         "storage-latency", "storage-table1")
            for ext in ("png", "svg")]
    names = {os.path.basename(f) for f in figs}
    missing = [w for w in want if w not in names]
    ctx.check("every figure drawn, PNG and SVG", not missing, f"missing {missing}")
    bad = []
    for f in figs:
        with open(f, "rb") as fh:
            head = fh.read(4096)
        if not (head.startswith(b"\x89PNG") if f.endswith(".png") else b"<svg" in head):
            bad.append(f)
    ctx.check("the figures are PNG and SVG files", not bad and figs, f"bad {bad}")


def run(ctx):
    out = os.path.join(ROOT, "build", "tests", "bench-results")
    shutil.rmtree(out, ignore_errors=True)
    where = {"hostname": "h", "cpu": "c", "cores": 2, "qemu": "q", "accelerator": "tcg",
             "link": "l", "commit": "x", "date": "d"}
    md, data, totals = synthetic_net()
    check_net_table(ctx, md, totals)
    check_net_data(ctx, md, data)
    md2, data2, _ = synthetic_net(scale=2.0)
    tcg = {"libos": (500, 100000, 90000, 80000, 50000, 20000), "raw": (500, 50000, 45000,
                                                                     40000, 25000, 40000)}
    sdata = bench_storage.storage_data(tcg, {"libos": (500, 0, 0, 0, 60000, 0)})
    ctx.check("storage data: the median at the mean's ns per cycle",
              sdata["paths"][0]["median_us"] == 45.0 and sdata["paths"][1].get("mean_us") is None,
              repr(sdata["paths"][:2]))
    smd = "| 4 KiB write + flush | mean |\n|---|---|\n| libOS | 100,000 |\n| raw | 50000 |"
    a, b = os.path.join(out, "a"), os.path.join(out, "b")
    # The figures of the net record are drawn from its raw data and, to keep this test short,
    # from its last table only (the ratios): a table's figure is drawn the same for any table.
    ratios_md = md[md.rindex("| ratio of instructions"):]
    pa = [results.save(a, results.record("net", "Net", ratios_md, True, data, where)),
          results.save(a, results.record("storage", "Storage", smd, True, sdata, where))]
    results.save(b, results.record("net", "Net", md2, True, data2, where))
    loaded = results.load(a)
    ctx.check("records load back from a directory and a file",
              set(loaded) == {"net", "storage"} and
              set(results.load(pa[0])) == {"net"} and loaded["net"]["data"]["sizes"] ==
              list(bench_net.SIZES), repr(list(loaded)))
    full = results.save(os.path.join(out, "full"), results.record("net", "Net", md, True, data,
                                                                  where))
    lines = results.compare(results.load(full), results.load(b))
    row = next((ln for ln in lines if ln.startswith("| throughput, 64 B: echoes/s |")), "")
    ctx.check("compare: half the throughput is 0.50x in every column",
              row.count("0.50x") == 5, row)
    r = subprocess.run([os.path.join(ROOT, "tools", "bench-compare"), "--values", a, pa[0]],
                       capture_output=True, text=True)
    ctx.check("tools/bench-compare A B runs and prints 1.00x for the same run",
              r.returncode == 0 and "| 1.00x (" in r.stdout and "In one result set only: storage"
              in r.stdout, (r.stdout + r.stderr)[-400:])
    r = subprocess.run([os.path.join(ROOT, "tools", "bench-compare"), a, "/nonexistent"],
                       capture_output=True, text=True)
    ctx.check("tools/bench-compare on no results: status 2", r.returncode == 2, r.stderr)
    check_figures(ctx, out, pa)
