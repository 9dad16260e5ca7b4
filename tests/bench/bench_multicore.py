"""tests/bench/bench_multicore.py: UMP round trips between cores 0 and 1.

Boots the full system with two cores and runs `mctest bench N` from the
shell: a process on core 0 and its partner on core 1 exchange one-message
requests and replies over a UMP connection, first both polling (the cost of
the shared cache lines alone), then both sleeping in the kernel between
messages (each message also costs an IPI, a wake-up and two kernel
crossings). Once under plain TCG (TSC cycles; the two vCPUs run in
parallel host threads) and once under -icount shift=0, where QEMU runs the
vCPUs in turn and one guest instruction is one nanosecond: the sleeping
round trip's count is then every instruction both cores execute for it.
Polling has no such count (the spinning is what it measures).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
import sietchtest  # noqa: E402

ROUNDS = 2000
BENCH = re.compile(r"BENCH ump_rtt_(\w+) cycles=(\d+) our_wakeups=(\d+) rounds=(\d+)")
PROMPT = r"sietch\$ "


def boot(ctx, iso, tag, tools_args):
    log = os.path.join(ctx.out_dir, f"{ctx.name}-{tag}.log")
    m = sietchtest.Machine(iso, log, tools_args=tools_args, env={"QEMU_SMP": "2"})
    with m:
        m.expect(r"init: monitor on core 1 connected", timeout=120)
        m.expect(PROMPT, timeout=60)
        m.send(f"run mctest bench {ROUNDS}\r")
        m.expect(r"BENCH ump_rtt_sleep .*\n", timeout=1200)
        m.send("poweroff\r")
        m.wait_exit(timeout=60)
    return {mode: (int(cyc), int(wakes)) for mode, cyc, wakes, _ in BENCH.findall(m.out)}


def run(ctx):
    iso, err = sietchtest.make_iso(ctx.name, "hake/menu.lst", ctx.out_dir, build=ctx.build)
    if err:
        raise RuntimeError(err)
    tcg = boot(ctx, iso, "tcg", [])
    icount = boot(ctx, iso, "icount", ["--icount"])
    table = ["| round trip, core 0 <-> core 1 | TSC cycles (TCG) | guest instructions, both cores "
             "(-icount) | wake-ups sent by core 0 per round trip |",
             "|---|---|---|---|"]
    for mode, what in (("poll", "polling"), ("sleep", "sleeping, woken by IPI")):
        cyc = tcg.get(mode, (None, None))[0]
        ins = icount.get(mode, (None, None))[0] if mode == "sleep" else "n/a (spins)"
        wakes = tcg.get(mode, (None, 0))[1]
        table.append(f"| {what} | {cyc} | {ins} | {wakes / ROUNDS:.2f} |")
    table.append(f"\n{ROUNDS} round trips each; cycles are per round trip.")
    return "UMP between cores", "\n".join(table), "poll" in tcg and "sleep" in tcg and \
        "sleep" in icount
