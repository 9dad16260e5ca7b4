"""tests/system/test_kfuzz.py: the CPU driver under a hostile process.

One boot with two cores and the `kcheck` kernel argument. From the shell,
`kfuzz` runs generations of two fuzzers on core 0 and its partner does the
same on core 1 (usr/tests/kfuzz), with the kernel's self-check (SYS_CHECK)
after each generation and frames revoked across cores in the middle of
them. Passes if both sides report no breach and no leak, the kernel printed
no check failure and never panicked, and every KiB kfuzz took from
mem_serv on core 0 is back (`mem` before and after).

FUZZ_CALLS (default 50,000) and FUZZ_SEED (default: kfuzz picks one and
prints it) change the run; `make fuzz` runs 1,000,000 calls.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import PROMPT, Shell, services_up  # noqa: E402


def free_kib(sh):
    m = re.search(r"RAM: \d+ KiB total, (\d+) KiB free", sh.cmd("mem"))
    return int(m.group(1)) if m else None


def in_use_and_held(sh):
    """What mem_serv on core 0 has handed out, and what running processes hold."""
    ps = sh.cmd("ps")
    held = sum(int(k) for k in re.findall(r"\n +\d+ +0 running +(\d+) K", ps))
    used = re.search(r"(\d+) KiB in use", sh.cmd("mem"))
    return int(used.group(1)) if used else None, held


def run(ctx):
    calls = int(os.environ.get("FUZZ_CALLS", "50000"))
    seed = os.environ.get("FUZZ_SEED", "")
    gen = os.environ.get("FUZZ_GEN", "")
    extra = os.environ.get("FUZZ_ARGS", "")  # more kfuzz options, e.g. "-b 500"
    iso = ctx.iso(kargs="kcheck panic=exit", modules=("/sbin/kfuzz",))
    m = ctx.machine(iso, env={"QEMU_SMP": "2"})
    with m:
        m.expect(r"init: monitor on core 1 connected", timeout=60)
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        # The shell's first program grows its heap: measure after one.
        sh.cmd("run kfuzz -n 0 -c -1")
        before = free_kib(sh)
        line = f"run kfuzz -n {calls}" + (f" -s {seed}" if seed else "") + \
            (f" -g {gen} -G 1" if gen else "") + (f" {extra}" if extra else "")
        t = time.time()
        out = sh.cmd(line, timeout=max(300, calls // 1000))
        took = time.time() - t
        seed_seen = re.search(r"kfuzz: seed (0x[0-9a-f]+)", out)
        print(f"    kfuzz: seed {seed_seen and seed_seen.group(1)}, {took:.1f} s", flush=True)
        for who in ("kfuzz", "kfuzz@1"):
            done = re.search(rf"^{re.escape(who)}: done: (\d+) calls.*: (.*)$", out, re.M)
            ctx.check(f"{who} reports no breach and no leak",
                      bool(done) and done.group(2) == "0 breaches, 0 leaks",
                      done.group(0) if done else out[-1500:])
            if done:
                print(f"    {done.group(0)}", flush=True)
        total = sum(int(n) for n in re.findall(r"^kfuzz(?:@1)?: done: (\d+) calls", out, re.M))
        ctx.check(f"at least {calls} calls", total >= calls, f"{total} calls")
        ctx.check("no breach reported", "BREACH" not in out and "kcheck:" not in out,
                  out[-3000:])
        ctx.check("kfuzz exited with 0", "kfuzz: exited" not in out, out[-300:])
        after = free_kib(sh)
        ctx.check("every KiB back with mem_serv", before is not None and after == before,
                  f"{before} KiB free before, {after} after")
        used, held = in_use_and_held(sh)
        ctx.check("mem_serv's memory out is what running processes hold", used == held,
                  f"{used} KiB out, {held} KiB held")
        ctx.check("no memory stays held on either core",
                  "stays held" not in out and "cannot release" not in out, out[-1000:])
        m.send("poweroff\r")
        status = m.wait_exit(timeout=30)
        ctx.check("the system powers off", status == 0, f"QEMU status {status}")
    return m
