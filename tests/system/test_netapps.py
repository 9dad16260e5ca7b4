"""tests/system/test_netapps.py: the network applications on their VNICs.

Two boots. The first has QEMU's user network forward free host ports to
the apps: `udpecho --native` (VNIC 0, 10.0.2.15), `udpecho` on POSIX
sockets (VNIC 1, .16) and `tcpecho` (VNIC 2, .17) run at once; each
echoes datagrams of many sizes byte for byte, and a hundred datagrams to
one app are frames to it alone (its neighbour's counters do not move).
TCP: two connections at once, up to 100 KB each, and an orderly close.
Then netd and `udpecho --netd` (10.0.2.40), the same binary through the
kernel-mediated path; then the native app is killed while the host floods
it: netctl takes its VF back, the other apps go on serving, and a new app
gets the VNIC and echoes.

The second boot's network is this test itself (a dgram netdev: every frame
is a datagram to netpeer.Peer). Both udpecho variants get well-formed
datagrams interleaved with malformed and oversized frames; each bad frame
is dropped, and counted where the app's counters ("udpecho:stats") say,
while every good one is echoed.
"""
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import (ETH_IP, Peer, eth, eth_vlan, free_tcp_port, free_udp_port, ipv4,  # noqa: E402
                     parse, tcp_echo, udp, untag)
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402
from test_vnic import SIZES, echo, echo_sizes  # noqa: E402

STATS = b"udpecho:stats"


def parse_stats(text):
    """udpecho's counters line as a dict: 'rx', 'tx', 'bad', 'ip.length', ..."""
    if text is None:
        return None
    t = text.decode(errors="replace")
    m = re.match(r"frames rx (\d+) tx (\d+); dropped: queue (\d+) \(bad frames (\d+)\), "
                 r"stack (\d+); lwIP: link (\d+), arp (\d+)", t)
    if not m:
        return None
    out = dict(zip(["rx", "tx", "queue", "bad", "stack", "link", "arp"], map(int, m.groups())))
    for proto, drop, cks, length, prot in re.findall(
            r"(ip|udp|tcp) (\d+) \(checksum (\d+), length (\d+), protocol (\d+)\)", t):
        out.update({proto: int(drop), f"{proto}.checksum": int(cks),
                    f"{proto}.length": int(length), f"{proto}.protocol": int(prot)})
    return out


def stats(sock, addr):
    return parse_stats(echo_reply(sock, addr, STATS))


def echo_reply(sock, addr, payload, wait=3.0):
    """The first reply to payload (not compared), or None."""
    for _ in range(3):
        sock.sendto(payload, addr)
        sock.settimeout(wait)
        try:
            return sock.recvfrom(4096)[0]
        except socket.timeout:
            continue
    return None


def started(m, pattern, ctx, what):
    ok = seen(m, pattern, 30)
    ctx.check(what, ok, f"no /{pattern}/")
    return ok


def boot_forwarded(ctx):
    udp_ports = [free_udp_port(), free_udp_port()]
    netd_port, tcp_port = free_udp_port(), free_tcp_port()
    netdev = ("user,id=net0," + ",".join(
        f"hostfwd=udp:127.0.0.1:{p}-10.0.2.{15 + i}:7" for i, p in enumerate(udp_ports)) +
        f",hostfwd=tcp:127.0.0.1:{tcp_port}-10.0.2.17:7"
        f",hostfwd=udp:127.0.0.1:{netd_port}-10.0.2.40:7")
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        pids = []
        for line, pat in (("run udpecho --native &", r"native echo on 10\.0\.2\.15:7 \(vnic\)"),
                          ("run udpecho &", r"POSIX echo on 10\.0\.2\.16:7 \(vnic\)"),
                          ("run tcpecho &", r"tcpecho: echo on 10\.0\.2\.17:7 \(vnic\)")):
            out = sh.cmd(line)
            pids.append(re.search(r"\[(\d+)\]", out).group(1) if "[" in out else "?")
            started(m, pat, ctx, f"'{line}' starts")
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in udp_ports]
        addrs = [("127.0.0.1", p) for p in udp_ports]
        rng = random.Random(8)
        for i, name in enumerate(("Sietch/N (native)", "Sietch/P (POSIX)")):
            bad = echo_sizes(socks[i], addrs[i], rng)
            ctx.check(f"{name}: UDP echo of {len(SIZES)} sizes, 1-1472 bytes, byte for byte",
                      not bad, f"no correct echo for sizes {bad}")
        # A hundred datagrams to the native app: its frames, not its neighbour's.
        before = [stats(s, a) for s, a in zip(socks, addrs)]
        lost = sum(echo(socks[0], addrs[0], b"only-0-%d" % i) is None for i in range(100))
        after = [stats(s, a) for s, a in zip(socks, addrs)]
        ok = None not in before + after
        ctx.check("each app receives only its own traffic",
                  ok and lost == 0 and after[0]["rx"] - before[0]["rx"] >= 101 and
                  after[1]["rx"] - before[1]["rx"] <= 3,
                  f"lost {lost}; rx frames before {before}, after {after}")
        ctx.check("TCP echo through POSIX sockets, two connections at once", *tcp_pair(tcp_port))
        # The same udpecho binary through netd.
        sh.cmd("run netd &")
        started(m, r"netd: on VNIC 3 .*; clients get 10\.0\.2\.40", ctx, "netd starts")
        sh.cmd("run udpecho --netd &")
        started(m, r"POSIX echo on 10\.0\.2\.40:7 \(netd\)", ctx, "udpecho --netd starts")
        nsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        bad = echo_sizes(nsock, ("127.0.0.1", netd_port), rng)
        ctx.check(f"through netd: UDP echo of {len(SIZES)} sizes, byte for byte", not bad,
                  f"bad sizes {bad}")
        kill_mid_traffic(ctx, m, sh, pids[0], socks, addrs, tcp_port, rng)
        for s in socks + [nsock]:
            s.close()
        m.send("poweroff\r")
        ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
    return m


def tcp_pair(port):
    results = [None, None]

    def run(i):
        results[i] = tcp_echo(port, [1, 1000, 100000, 7], random.Random(i))
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return all(r is None for r in results), f"{results}"


def kill_mid_traffic(ctx, m, sh, pid, socks, addrs, tcp_port, rng):
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            socks[0].sendto(b"x" * 512, addrs[0])
            time.sleep(0.002)
    t = threading.Thread(target=flood, daemon=True)
    t.start()
    time.sleep(0.5)
    sh.check("the native app killed mid-traffic", f"kill {pid}", rf"\[{pid}\] killed")
    stop.set()
    t.join()
    ctx.check("netctl takes its VF back",
              seen(m, rf"netctl: VNIC 0: its owner \(pid {pid}\) ended: VF 01:10\.0 reset and "
                   r"free", 30), "")
    ctx.check("the POSIX app still echoes", echo(socks[1], addrs[1], b"still here") is not None,
              "")
    ctx.check("tcpecho still echoes", *tcp_pair(tcp_port))
    sh.cmd("run udpecho --native &")
    started(m, r"native echo on 10\.0\.2\.15:7 \(vnic\)[\s\S]*native echo on 10\.0\.2\.15:7",
            ctx, "a new native app gets VNIC 0")
    socks[0].settimeout(0.2)
    try:  # echoes of the flood still on their way
        while socks[0].recvfrom(4096):
            pass
    except socket.timeout:
        pass
    bad = echo_sizes(socks[0], addrs[0], rng)
    ctx.check("the new app echoes every size", not bad, f"bad sizes {bad}")


# Malformed frames, each with where udpecho's counters put it: the VF
# driver drops frames the device flagged (IPv4 or L4 checksum errors:
# 'bad'), lwIP the rest, per protocol and reason. Oversized frames never
# reach the VF (QEMU's igb drops them; 'rx' does not move).
def bad_frames(peer, mac, ip):
    me = peer.ip
    good = udp(me, ip, 40000, 7, b"x" * 10)

    def frame(payload, ethertype=ETH_IP):
        return eth(mac, peer.mac, ethertype, payload)
    big = [frame(ipv4(me, ip, 17, udp(me, ip, 40000, 7, b"z" * (n - 42)))) for n in (1515, 9000)]
    return [
        ("a bad IPv4 header checksum", frame(ipv4(me, ip, 17, good, bad_csum=True)), "bad"),
        ("a bad UDP checksum", frame(ipv4(me, ip, 17, udp(me, ip, 40000, 7, b"x" * 10,
                                                          bad_csum=True))), "bad"),
        ("an IPv4 header cut short", frame(ipv4(me, ip, 17, good)[:10]), "bad"),
        ("an IPv4 header length under 20", frame(ipv4(me, ip, 17, good, ihl=4)), "bad"),
        ("an IPv4 length past the frame", frame(ipv4(me, ip, 17, good, total_len=400)),
         "ip.length"),
        ("an unknown IP protocol", frame(ipv4(me, ip, 253, good)), "ip.protocol"),
        ("an unknown ethertype", frame(b"y" * 50, 0x88b5), "arp"),
        ("a runt (12 bytes)", mac + peer.mac, "arp"),
        ("oversized frames (1515 and 9000 bytes)", big, None),
    ]


def raw_stats(peer, mac, ip):
    peer.send(peer.udp_frame(mac, ip, 7, STATS))
    return parse_stats(peer.udp_reply(ip, 7, 40000))


def boot_raw(ctx):
    peer = Peer()
    m = ctx.machine(ctx.iso(modules=()), tag="-raw", env={"QEMU_NETDEV": peer.netdev()})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("raw: netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        apps = (("POSIX", "run udpecho &", "10.0.2.15"),
                ("native", "run udpecho --native &", "10.0.2.16"))
        for name, line, ip in apps:
            sh.cmd(line)
            started(m, rf"echo on {re.escape(ip)}:7", ctx, f"raw: udpecho ({name}) starts")
        for name, _, ip in apps:
            mac = peer.resolve(ip)
            ctx.check(f"{name}: answers ARP", mac is not None, "")
            if mac is None:
                continue
            for what, frames, counter in bad_frames(peer, mac, ip):
                frames = frames if isinstance(frames, list) else [frames] * 3
                before = raw_stats(peer, mac, ip)
                for f in frames:
                    peer.send(f)
                peer.send(peer.udp_frame(mac, ip, 7, b"still serving"))
                reply = peer.udp_reply(ip, 7, 40000)
                after = raw_stats(peer, mac, ip)
                if None in (before, after):
                    ctx.check(f"{name}: {what}", False, "no counters from udpecho")
                    continue
                # Between the two asks: the bad frames, the good one, the first ask.
                rx = after["rx"] - before["rx"]
                if counter is None:
                    ok, got = rx == 2, f"rx frames +{rx} (the good datagram and an ask only)"
                else:
                    d = after[counter] - before[counter]
                    ok, got = d == len(frames), f"{counter} +{d} for {len(frames)} frames"
                ctx.check(f"{name}: {what}: dropped and counted, the app serves on",
                          ok and reply == b"still serving", f"{got}; echo {reply!r}")
        vlan_port(ctx, m, sh, peer)
        peer.close()
        m.send("poweroff\r")
        ctx.check("raw: poweroff", m.wait_exit(timeout=30) == 0, "")
    return m


def vlan_reply(peer, ip, timeout):
    """(VLAN id, payload) of the next UDP datagram from ip:7, or None."""
    end = time.time() + timeout
    while time.time() < end:
        frame = peer.recv(end - time.time())
        if frame is None:
            return None
        vid, inner = untag(frame)
        p = parse(inner)
        if p and p.get("ip_src") == ip and p.get("sport") == 7:
            return vid, p["data"]
    return None


# A VNIC on VLAN 100 (netctl programs the device: VLVF, VFTA, VMVIR,
# VMOLR): a datagram tagged 100 is echoed tagged 100; untagged and VLAN 200
# datagrams never reach it.
def vlan_port(ctx, m, sh, peer):
    sh.cmd("run vnictest echo --vlan 100 &")
    if not started(m, r"vnictest: echo on 10\.0\.2\.17:7 \(VNIC 2, VLAN 100\)", ctx,
                   "a VNIC on VLAN 100 starts"):
        return
    mac, ip, me = bytes([0x52, 0x54, 0, 0x5e, 0, 3]), "10.0.2.17", peer.ip

    def frame(vid, data):
        payload = ipv4(me, ip, 17, udp(me, ip, 40000, 7, data))
        return eth_vlan(mac, peer.mac, vid, ETH_IP, payload) if vid else \
            eth(mac, peer.mac, ETH_IP, payload)
    peer.send(frame(100, b"on vlan 100"))
    got = vlan_reply(peer, ip, 3.0)
    ctx.check("VLAN 100: echoed, tagged 100", got == (100, b"on vlan 100"), f"got {got!r}")
    peer.send(frame(0, b"untagged"))
    peer.send(frame(200, b"on vlan 200"))
    got = vlan_reply(peer, ip, 1.5)
    ctx.check("untagged and VLAN 200 frames do not reach it", got is None, f"got {got!r}")
    out = sh.check("vnic show names its VLAN", "vnic show 2",
                   r"10\.0\.2\.17  pid \d+ +0 filters, VLAN 100")
    # It says plainly what isolates the VNIC on this device, and what not.
    want = [r"enforced by the device: receive by MAC and VLAN \(tagged on send\); broadcast on",
            r"anti-spoofing: NOT enforced \(this device checks nothing\)",
            r"transmit rate limit: NOT available on this device",
            r"port and protocol filters: the application's library OS \(not isolation\)"]
    missing = [w for w in want if not re.search(w, out or "")]
    ctx.check("vnic show says what the device enforces", not missing, f"missing {missing}: {out!r}")


def run(ctx):
    boot_forwarded(ctx)
    return boot_raw(ctx)
