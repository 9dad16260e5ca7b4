"""tests/system/test_lowmem.py: a machine with little memory boots as far as it can, and says why not.

Two boots of the default image. With 112 MiB the second core is not
started (its monitor would take 64 MiB, and core 0 keeps 96 for init),
the console says so, and the system comes up on one core to a shell that
runs a program. With 64 MiB init cannot start: it prints one line saying
how much memory it needs, instead of stopping without a word.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import PROMPT, Shell, services_up  # noqa: E402


def run(ctx):
    iso = ctx.iso(modules=())
    m = ctx.machine(iso, tag="-112", env={"QEMU_MEM": "112"})
    with m:
        try:
            m.expect(r"smp: 1 of 1 further cores not started: \d+ MiB of memory, each monitor "
                     r"would take 64 and core 0 keeps 96", timeout=60)
            m.expect(PROMPT, timeout=60)
            ok, why = True, ""
        except Exception as e:
            ok, why = False, str(e)
        ctx.check("112 MiB: one core, and the console says why", ok, why)
        if ok:
            ctx.check("112 MiB: the device servers come up", services_up(m), "")
            sh = Shell(ctx, m)
            sh.check("112 MiB: a program runs", "run systest args a b c", r"TEST PASS spawn\.args")
        m.send("poweroff\r")
        ctx.check("112 MiB: poweroff", m.wait_exit(timeout=30) == 0, "")
    m = ctx.machine(iso, tag="-64", env={"QEMU_MEM": "64"})
    with m:
        try:
            m.expect(r"init: too little memory: the largest piece of RAM has \d+ MiB, and init "
                     r"needs more than 64 MiB in one piece .*: give the machine more memory\n",
                     timeout=60)
            ok, why = True, ""
        except Exception as e:
            ok, why = False, str(e)
        ctx.check("64 MiB: init says how much memory it needs", ok, why)
        ctx.check("64 MiB: and nothing else about memory",
                  "out of memory" not in m.out and "PANIC" not in m.out, m.out[-300:])
    return m
