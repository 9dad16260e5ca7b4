"""tests/system/test_trace.py: a traced run of udpecho (make trace) makes a sound trace.

One boot with the CPU driver's `trace` argument: `udpecho --native` on
VNIC 0 gets 20 datagrams from the host, then the machine powers off and
init has the kernel print its trace (KernelCmd_TraceDump). The dump
parses; its Chrome JSON trace survives a JSON round trip, every B has its
E, flows pair up and never run backwards, and each track's timestamps
never go back (sietchtrace.check_trace). In it: udpecho ran, named, on
core 0's user track; system calls and timer interrupts on the kernel
track; LMP messages as flows; and each of the 20 echoes as udpecho's
receive, stack, application and transmit phases in that order.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import sietchtrace  # noqa: E402

ECHOES = 20


def run(ctx):
    text, got = sietchtrace.record(ctx.build, ctx.out_dir, ECHOES, log_name=ctx.name)
    ctx.check(f"{ECHOES} echoes answered while tracing", got == ECHOES, f"{got} answered")
    try:
        dump = sietchtrace.parse_dump(text)
    except (ValueError, KeyError) as e:
        ctx.check("the trace is dumped at power-off", False, str(e))
        return None
    n = sum(len(r) for r in dump["cores"].values())
    ctx.check("the trace is dumped at power-off", n > 0 and dump["tsc_hz"] > 0,
              f"{n} records, TSC {dump['tsc_hz']} Hz")
    trace = json.loads(json.dumps(sietchtrace.to_chrome(dump)))
    bad = sietchtrace.check_trace(trace)
    ctx.check("well formed: B/E paired, flows paired, time monotonic per track", not bad,
              "; ".join(bad[:5]))
    ev = trace["traceEvents"]
    runs = {e["name"] for e in ev if e["ph"] == "X" and e.get("cat") == "run"}
    ctx.check("dispatchers named by program on the user tracks",
              {"init", "udpecho", "shell"} <= runs, f"names {sorted(runs)[:20]}")
    kernel = {e["name"] for e in ev if e["ph"] == "B"}
    ctx.check("system calls, invocations and timer interrupts on the kernel tracks",
              {"sys call", "sys recv", "timer"} <= kernel and
              any(k.startswith("invoke ") for k in kernel), f"names {sorted(kernel)[:20]}")
    ctx.check("LMP messages as flows", any(e["ph"] == "f" and e["cat"] == "lmp" for e in ev), "")
    chains = sietchtrace.echo_chains(trace)
    done = max((d for d, _ in chains.values()), default=0)
    ctx.check("each echo's receive, stack, application and transmit phases in order",
              done >= ECHOES, f"complete echoes (of frames received): {chains}")
    return None
