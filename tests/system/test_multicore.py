"""tests/system/test_multicore.py: the multikernel, in one boot with -smp 2.

Checks that every core comes online with its own CPU driver and that its
monitor connects to init, then runs mctest from the shell: spawn on core
1, UMP ping-pong with payload checks, Frames across cores and revoked
from the owning core, core-local memory, processes killed while they
talk. Then the shell's `run -c`, `ps` with the core column, errors for a
core that is not there, a killed program on core 1 (by `kill` and by
Ctrl-C in the foreground), and memory on core 0
all back.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import PROMPT, Shell, services_up  # noqa: E402

MCTEST = ["mc.spawn_on_core1", "mc.spawn_errors", "mc.own_core", "mc.iommu_tables_on_core1",
          "mc.core0_services",
          "mc.ump_pingpong",
          "mc.ump_wakeups", "mc.frame_to_core1", "mc.revoke_reaches_core1",
          "mc.frame_from_core1", "mc.owner_exit_revokes", "mc.local_alloc", "mc.kill_sender",
          "mc.kill_receiver", "mc.accept_after_client_left", "mc.kill_memory_back", "mc.kill_remote"]


def run(ctx):
    iso = ctx.iso(modules=())  # hake/menu.lst: with the monitor and mctest
    m = ctx.machine(iso, env={"QEMU_SMP": "2"})
    with m:
        m.expect(r"core 1: APIC id 1 online", timeout=60)
        m.expect(r"smp: 2 cores online", timeout=30)
        m.expect(r"init: monitor on core 1 connected \(\d+ MiB of RAM\)", timeout=60)
        m.expect(PROMPT, timeout=30)
        ctx.check("every core online, monitors connected", True, "")
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run mctest all", timeout=300)
        ctx.collect(m, MCTEST)
        sh.check("run -c 1 passes arguments", "run -c 1 systest args a b c",
                 r"TEST PASS spawn\.args\nTEST PASS spawn\.pid\n")
        sh.check("run -c on a missing core", "run -c 5 systest args",
                 r"run: core 5: there is no such core")
        sh.check("run -c needs a number", "run -c x systest", r"usage: run \[-c core\]")
        out = sh.check("run -c 1 in the background", "run -c 1 systest spin &",
                       r"\[(\d+)\] systest")
        pid = re.search(r"\[(\d+)\]", out).group(1) if out else "0"
        sh.check("ps shows the core", "ps", rf"\n +{pid} +1 running +- +systest")
        sh.check("kill on core 1", f"kill {pid}", rf"\[{pid}\] killed")
        sh.check("ps shows it killed", "ps", rf"\n +{pid} +1 killed")
        m.send("run -c 1 systest spin\r")
        m.expect(r"run -c 1 systest spin\n", timeout=10)
        m.send("\x03")
        try:
            pid = m.expect(r"\^C\n\[(\d+)\] systest: killed\n", timeout=30).group(1)
            m.expect(PROMPT, timeout=10)
        except Exception as e:
            ctx.check("Ctrl-C on core 1", False, str(e))
            pid = None
        if pid:
            sh.check("Ctrl-C on core 1", "ps", rf"\n +{pid} +1 killed")
        sh.check("a fault on core 1 stops only that program", "run -c 1 systest crash",
                 r"systest \(pid \d+\): page fault .* address 0x10\n"
                 r"\[\d+\] systest: exited with status 139")
        sh.check("core 1 runs programs after that", "run -c 1 mctest whereami",
                 r"mctest: exited with status 41")
        # Nothing leaked or held on core 0: what mem_serv has handed out is
        # exactly what the running processes hold.
        ps = sh.cmd("ps")
        held = sum(int(k) for k in re.findall(r"\n +\d+ +0 running +(\d+) K", ps))
        used = re.search(r"(\d+) KiB in use", sh.cmd("mem"))
        ctx.check("memory on core 0 all back", used is not None and int(used.group(1)) == held,
                  f"mem_serv has {used and used.group(1)} KiB out, processes hold {held} KiB")
        m.send("poweroff\r")
        status = m.wait_exit(timeout=30)
        ctx.check("poweroff with two cores", status == 0, f"QEMU status {status}")
    return m
