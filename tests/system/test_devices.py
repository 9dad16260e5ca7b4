"""tests/system/test_devices.py: devmgr, the IOMMU service and the drivers it starts.

One boot of the default image: devmgr enumerates PCI and turns the IOMMU
on; it starts storctl for the NVMe controller (which brings it up inside
its own IOMMU domain with MSI-X) and netctl for the igb PF (which enables
7 VFs through devmgr). Then the shell: `lspci` with the VFs, `lspci -v`
with owners and domains; `systest devices` (owners, refusals to
non-owners, the NVMe controller's DMA outside its domain blocked, logged,
signalled to its owner, memory unchanged); and a driver killed: devmgr
takes its device back and starts it again (test_restart.py has more), and
the rest keeps working.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import PROMPT, Shell  # noqa: E402
from test_shell import seen as seen_in  # noqa: E402

SYSTEST = ["devices.owners", "devices.owner_only", "devices.dma_outside_domain_blocked",
           "devices.fault_recorded", "intremap.own_entry_delivered",
           "intremap.other_device_entry_blocked", "intremap.absent_entry_blocked",
           "intremap.qemu_delivers_compat_format"]


def run(ctx):
    iso = ctx.iso(modules=())
    m = ctx.machine(iso)
    with m:
        m.expect(r"devmgr: 9 PCI functions \(2 with SR-IOV\); IOMMU on, every device blocked",
                 timeout=60)
        m.expect(PROMPT, timeout=30)
        # The two drivers start side by side: their lines come in either order.
        up = {"storctl": r"storctl: 02:00\.0: QEMU NVMe Ctrl, serial sietch-nvme0, NVMe 1\.4, "
                         r".*IOMMU domain \d+, MSI-X vector \d+",
              "netctl": r"netctl: 01:00\.0: 82576 up, link 1000 Mb/s full duplex, .*"
                        r"7 VNICs \(VFs at 01:10\.0, stride 2\)"}
        seen = set()
        while len(seen) < 2:
            line = m.expect("|".join(f"({p})" for p in up.values()), timeout=60).group(0)
            seen |= {k for k, p in up.items() if re.match(p, line)}
        ctx.check("drivers started and devices up", True)
        sh = Shell(ctx, m)
        vfs = "".join(rf"01:1{d // 4}\.{(d % 4) * 2} Ethernet controller \[0200\]: 8086:10ca "
                      rf"\(rev 01\) \(VF {d + 1} of 01:00\.0\)\n" for d in range(7))
        sh.check("lspci lists the q35 devices, the PFs and the VFs", "lspci",
                 r"00:00\.0 Host bridge \[0600\]: 8086:29c0\n[\s\S]*"
                 r"01:00\.0 Ethernet controller \[0200\]: 8086:10c9 \(rev 01\)\n" + vfs +
                 r"02:00\.0 Non-Volatile memory controller \[0108\]: 1b36:0010")
        out = sh.check("lspci -v shows SR-IOV and owners", "lspci -v",
                       r"SR-IOV: VFs 7 \(total 8, initial 8\), VF Enable\+ VF MSE\+[\s\S]*"
                       r"owners:\n[\s\S]*00:1f\.2 nobody \(blocked\)[\s\S]*"
                       r"01:00\.0 pid (\d+) \(netctl\)[\s\S]*01:10\.0 pid \1 \(netctl\)[\s\S]*"
                       r"02:00\.0 pid (\d+) \(storctl\), IOMMU domain \d+")
        sh.cmd("run systest devices", timeout=120)
        ctx.collect(m, SYSTEST)
        storctl = re.search(r"02:00\.0 pid (\d+) \(storctl\)", out or "")
        if storctl:
            pid = storctl.group(1)
            sh.check("a driver killed", f"kill {pid}", rf"\[{pid}\] killed")
            said = rf"devmgr: 02:00\.0: its driver storctl \(pid {pid}\) ended"
            ctx.check("devmgr says so", seen_in(m, said, 30), f"no /{said}/")
            ctx.check("and starts it again, and it comes up in a domain of its own",
                      seen_in(m, r"devmgr: 02:00\.0: starting storctl again \(1 of 3\)", 30) and
                      seen_in(m, r"starting storctl again[\s\S]*storctl: 02:00\.0: QEMU NVMe Ctrl"
                              r".*IOMMU domain \d+", 60), "")
            out = sh.cmd("lspci -v")
            new = re.search(r"02:00\.0 pid (\d+) \(storctl\), IOMMU domain \d+", out)
            ctx.check("the new storctl owns the controller", new and new.group(1) != pid,
                      out[-400:])
            sh.check("the others go on", "run systest watch", r"TEST PASS watch\.signal_on_end")
        else:
            ctx.check("a driver killed", False, "no storctl pid in lspci -v")
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m
