"""tests/system/test_unwind.py: set-up that unwinds, a failure at each step.

One boot of the default image: `vnictest unwind` fails vnic_open at its
first, second, ... set-up step (sys/failpoint.h) until it succeeds, then
netctl's VNIC create the same way (armed per request: RPC_OP_FAILPOINT),
then init's spawn; `vsictest unwind` the same for vsic_open and
storctl's VSIC create. After every failure each checks that nothing was
left behind: its memory and mem_serv's free memory, devmgr's vectors and
IOMMU domains, netctl's VNICs or storctl's VSICs of its own, init's
processes (lib/test's unwind_run, test/unwind.h).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import PROMPT, Shell, services_up  # noqa: E402

CHECKS = ["unwind.vnic_open", "unwind.netctl_create", "unwind.spawn"]
VSIC_CHECKS = ["vsictest.unwind.vsic_open", "vsictest.unwind.storctl_create"]


def run(ctx):
    m = ctx.machine(ctx.iso(modules=()))
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run vnictest unwind", timeout=600)
        ctx.collect(m, CHECKS)
        sh.cmd("run vsictest unwind", timeout=600)
        ctx.collect(m, VSIC_CHECKS)
