"""tests/system/test_igb.py: UDP echo through an igb VF driven by Sietch's VF driver.

One boot of igbtest as init with the argument "echo" and QEMU's user
network forwarding a free UDP port of 127.0.0.1 to 10.0.2.15:7, VF 0's
address. igbtest brings the PF and both VFs up and runs its in-OS tests
(as tests/system/igbtest.test does), then answers ARP and echoes UDP on
VF 0, sleeping on its MSI-X interrupt when idle. This side sends datagrams
of many sizes from 1 to 1472 bytes (the largest that fits a 1514-byte
frame) and compares every echo byte for byte, then tells igbtest to stop.
"""
import os
import random
import socket
import sys
import time

import sietchtest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_udp_port  # noqa: E402

IGBTEST = ["igb.found", "igb.sriov_vfs", "igb.iommu_domains", "igb.pf_init", "igb.link_up",
           "igb.vmdq_pools", "igb.vf0_reset_mac", "igb.vf1_reset_mac", "igb.arp_gateway",
           "igb.msix_rx_interrupt", "igb.irq_masked_polling", "igb.loopback_vf_to_vf",
           "igb.vf_filters_foreign_mac", "igb.vf_mac_refused", "igb.vf_mac_own_accepted",
           "igb.identified_as_qemu", "igb.antispoof_not_enforced", "igb.rate_limit_unsupported", "igb.udp_echo",
           "igb.pool_counters", "igb.vf1_only_own_frames", "igb.no_dma_faults"]

EDGES = [1, 2, 3, 4, 7, 8, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256,
         257, 511, 512, 513, 1000, 1023, 1024, 1025, 1400, 1471, 1472]
SIZES = sorted(set(EDGES + random.Random(8).sample(range(1, 1473), 28)))
DONE = b"igbtest-done"


def echo(sock, addr, payload, tries=3, wait=3.0):
    """Send payload until its exact echo comes back (late echoes of other
    datagrams are skipped); the echo, or None."""
    for _ in range(tries):
        sock.sendto(payload, addr)
        end = time.time() + wait
        while time.time() < end:
            sock.settimeout(max(0.05, end - time.time()))
            try:
                data, _ = sock.recvfrom(4096)
            except socket.timeout:
                break
            if data == payload:
                return data
    return None


def run(ctx):
    port = free_udp_port()
    iso = ctx.iso(menu="tests/system/menus/kernel-only.lst", kargs="panic=exit",
                  modules=("/sbin/igbtest echo",))
    netdev = f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"
    m = ctx.machine(iso, env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(r"igbtest: echo server on 10\.0\.2\.15:7", timeout=90)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        addr = ("127.0.0.1", port)
        rng = random.Random(1)
        bad = []
        for size in SIZES:
            payload = bytes(rng.getrandbits(8) for _ in range(size))
            if echo(sock, addr, payload) != payload:
                bad.append(size)
        ctx.check(f"UDP echo of {len(SIZES)} sizes from 1 to 1472 bytes, byte for byte", not bad,
                  f"no correct echo for sizes {bad}")
        stopped = echo(sock, addr, DONE) == DONE
        ctx.check("the echo server stops when told", stopped, "no echo of the stop datagram")
        sock.close()
        try:
            m.expect(r"igbtest: done, 0 failed", timeout=60)
            ctx.check("igbtest: done, 0 failed", True)
        except sietchtest.Timeout as e:
            ctx.check("igbtest: done, 0 failed", False, str(e))
        status = m.wait_exit(timeout=30)
        got = sietchtest.exit_name(status) if status is not None else "timeout"
        ctx.check("exit pass", got == "pass", f"QEMU ended: {got}")
    ctx.collect(m, IGBTEST)
    return m
