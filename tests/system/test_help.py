"""tests/system/test_help.py: `make help` names every make target and the
options a newcomer needs.

No QEMU here: the targets are the rules hake/*.mk define by name at the
start of a line (what `make NAME` can build besides files), and each must
appear in `make help` as `make NAME`; so must the options README.md uses.
"""
import glob
import os
import re
import subprocess

from sietchtest import ROOT

OPTIONS = ["KARGS", "TESTS", "QEMU_NETDEV", "QEMU_SMP", "V=1", "CROSS_COMPILE", "ACCEL"]


def run(ctx):
    targets = set()
    for mk in glob.glob(os.path.join(ROOT, "hake", "*.mk")):
        with open(mk) as f:
            targets |= set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", f.read(), re.M))
    r = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    out = r.stdout
    ctx.check("make help runs", r.returncode == 0, r.stderr[-300:])
    listed = set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", out))
    ctx.check("hake defines the usual targets", {"all", "run", "test", "unit", "deps"} <= targets,
              f"found {sorted(targets)}")
    missing = sorted(t for t in targets if t not in listed and not (t == "all" and "make " in out))
    ctx.check("make help lists every target", not missing, f"not listed: {missing}")
    absent = [o for o in OPTIONS if o not in out]
    ctx.check("make help lists the options", not absent, f"not listed: {absent}")
