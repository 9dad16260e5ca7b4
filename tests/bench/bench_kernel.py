"""tests/bench/bench_kernel.py: CPU driver microbenchmarks.

Boots kutest in bench mode twice: under plain TCG (TSC cycles, noisy on a
shared machine) and under TCG with -icount shift=0, where one guest
instruction takes one nanosecond of guest time, so the ns column is a
deterministic count of guest instructions per operation.
"""
import re

BENCH = re.compile(r"BENCH (\S+) iterations=(\d+) cycles=(\d+) ns=(\d+)")


def run(ctx):
    iso = ctx.iso("kutest", "bench")
    rows = {}
    for mode, args in (("tcg", []), ("icount", ["--icount"])):
        out = ctx.boot(iso, mode, args)
        for name, n, cycles, ns in BENCH.findall(out):
            rows.setdefault(name, {})[mode] = (int(cycles), int(ns))
    table = ["| operation | TSC cycles (TCG) | guest instructions (-icount) |",
             "|---|---|---|"]
    for name, r in rows.items():
        cyc = r.get("tcg", (None,))[0]
        ins = r.get("icount", (None, None))[1]
        table.append(f"| {name} | {cyc} | {ins} |")
    return "CPU driver microbenchmarks", "\n".join(table), bool(rows)
