"""tests/system/test_nvme.py: NVMe SR-IOV end to end, in four boots.

nvmetest runs as init. The first boot, on a fresh disk image, plays the
control plane on the PF (its IOMMU domain, Identify CNS 14h/15h,
Virtualization Management and its rules, SR-IOV enable, controller 1
online, a VSA attached to it alone) and the application on VF 1 (its
own domain, its own queues, reads and writes across sizes and offsets,
flush, other VSAs refused by the device), then makes a log on the VSA.
The second boot, on the same image, finds the log as the first left it.
Then the crash test: a boot appends records and acknowledges each on the
console once durable; the harness kills QEMU (SIGKILL, by its PID) in
the middle of the stream, and a last boot on that image must recover
every acknowledged record, intact, and at most the one in flight.
"""
import os
import random
import re
import signal

import sietchtest

MENU = "tests/system/menus/kernel-only.lst"
SETUP = ["setup.pf", "setup.vf", "iommu.no_faults"]
FIRST = SETUP + [
    "pf.identify", "pf.primary_caps", "pf.secondary_list", "pf.namespaces", "pf.ns_mgmt_absent",
    "pf.virt_rules", "pf.virt_assign", "pf.sriov_enable", "pf.vf_online", "pf.attach",
    "pf.attach_rules", "vf.enable", "vf.sees_its_vsa_only", "vf.ioq", "vf.rw_sizes_offsets",
    "vf.lba_range", "vf.flush", "vf.other_vsa_refused", "vf.async", "vf.msix_interrupt",
    "admin.opcodes", "admin.identify_leaks", "admin.attach_unassigned_ns",
    "admin.steal_neighbours_ns", "admin.detach_pf_ns", "admin.virt_mgmt", "admin.format",
    "admin.set_features",
    "log.append_reopen",
    "log.iterate_from", "log.trim"]
SECOND = SETUP + ["log.survives_restart", "log.append_after_restart"]
RECOVER = SETUP + ["log.recover_intact"]


def fresh(path):
    if os.path.exists(path):
        os.remove(path)
    return path


def boot(ctx, mode, disk, ids, timeout=180):
    """One boot of nvmetest <mode> to its end; its TEST lines recorded."""
    iso = ctx.iso(kargs="panic=exit", modules=[f"/sbin/nvmetest {mode}"], menu=MENU,
                  tag=f"-{mode}")
    m = ctx.machine(iso, tag=f"-{mode}", disk=disk)
    with m:
        try:
            m.expect(r"nvmetest: done, \d+ failed", timeout=timeout)
        except sietchtest.Timeout as e:
            ctx.check(f"{mode} boot finishes", False, str(e))
        status = m.wait_exit(timeout=30)
        ctx.check(f"{mode} boot exits pass", sietchtest.exit_name(status) == "pass",
                  f"QEMU ended: {sietchtest.exit_name(status)}")
    ctx.collect(m, ids)
    return m


ACK = "nvmetest: ACK "


def crash(ctx, disk):
    """Start the append stream and kill QEMU in its middle; the acknowledged sequence numbers."""
    iso = ctx.iso(kargs="panic=exit", modules=["/sbin/nvmetest crash"], menu=MENU, tag="-crash")
    m = ctx.machine(iso, tag="-crash", disk=disk)
    kill_after = random.randint(20, 400)  # a different point each run (see the log)
    with m:
        try:
            m.expect(rf"nvmetest: ACK {kill_after}\n", timeout=180)
        except sietchtest.Timeout as e:
            ctx.check("crash stream runs", False, str(e))
        m.kill(signal.SIGKILL)  # now, while it appends
    ctx.collect(m, ["setup.pf", "setup.vf"])
    # Whole ACK lines only; a last line cut off by the kill that is an ACK
    # (or the start of one: the stream prints nothing else) still means its
    # record was durable, since an ACK is printed only after the append.
    whole, cut = sietchtest.cut_off(m.out)
    acks = [int(a) for a in re.findall(r"^nvmetest: ACK (\d+)$", whole, re.M)]
    return acks, bool(cut) and (cut.startswith(ACK) or ACK.startswith(cut))


def run(ctx):
    disk = fresh(os.path.join(ctx.out_dir, "nvme.img"))
    boot(ctx, "first", disk, FIRST)
    boot(ctx, "second", disk, SECOND)

    disk = fresh(os.path.join(ctx.out_dir, "nvme-crash.img"))
    acks, cut = crash(ctx, disk)
    ctx.check("acknowledgements in order", acks == list(range(len(acks))) and acks,
              f"{len(acks)} ACK lines, not 0..n-1")
    acked = len(acks) + cut
    m = boot(ctx, "recover", disk, RECOVER)
    got = re.search(r"nvmetest: recovered (\d+) records", m.out)
    n = int(got.group(1)) if got else -1
    # Every acknowledged record, and at most the one in flight at the kill.
    ctx.check("every acknowledged append recovered", acked <= n <= acked + 1,
              f"{acked} acknowledged ({len(acks)} whole ACK lines, one cut off: {cut}), "
              f"{n} recovered")
    print(f"    nvme crash test: killed after {acked} acknowledged appends, {n} recovered")
    return m
