"""tests/system/test_memcache.py: the memcached-compatible cache, driven by
the real clients (Debian's libmemcached-tools: memccapable, memcaslap,
memcslap) from the host.

One boot. `memcache` on its own VNIC (10.0.2.15) with QEMU's user network
forwarding a free TCP and a free UDP port of 127.0.0.1 to its port 11211:
`memccapable -a` (its ASCII tests) passes every test; `memcaslap` runs
clean over TCP and over UDP, and `memcslap` over TCP; bad input (a line
with no end, sets of 1 and 2 GB, a client that goes away mid-item) gets
the server's error or the connection closed, the next client is served,
and every connection is freed. The example application of docs/apps.md
(`hello`) answers on the next VNIC.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port, free_udp_port  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402


def client(ctx, argv, timeout):
    """Run a host client; (exit status, its output)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out


def talk(port, data, want, timeout=10):
    """Send data on a new connection; read until want (bytes) or EOF."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    got = b""
    end = time.time() + timeout
    try:
        while want not in got and time.time() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    s.close()
    return got


def free_port_both():
    """A port free for TCP and UDP alike (memcaslap --udp wants the same)."""
    for _ in range(50):
        port = free_tcp_port()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
    return free_udp_port()


def stat(port, name):
    got = talk(port, b"stats\r\n", b"END\r\n")
    m = re.search(rb"STAT " + name.encode() + rb" (\d+)\r\n", got)
    return int(m.group(1)) if m else None


def run(ctx):
    tcp = udp = free_port_both()
    hello = free_tcp_port()
    netdev = (f"user,id=net0,hostfwd=tcp:127.0.0.1:{tcp}-10.0.2.15:11211,"
              f"hostfwd=udp:127.0.0.1:{udp}-10.0.2.15:11211,"
              f"hostfwd=tcp:127.0.0.1:{hello}-10.0.2.16:7000")
    m = ctx.machine(ctx.iso(modules=()), env={"QEMU_NETDEV": netdev})
    with m:
        m.expect(PROMPT, timeout=60)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.cmd("run memcache &")
        ctx.check("memcache starts", seen(m, r"memcache: on 10\.0\.2\.15 \(vnic\): TCP port 11211, "
                                             r"UDP port 11211; 64 MB", 30), "")
        got = talk(tcp, b"version\r\n", b"\r\n")
        ctx.check("it answers version", got.startswith(b"VERSION "), repr(got))

        rc, out = client(ctx, ["memccapable", "-a", "-h", "127.0.0.1", "-p", str(tcp)], 300)
        failed = re.findall(r"^(\S+)\s.*\[fail\]", out, re.M)
        ctx.check("memccapable -a: every ASCII test passes", rc == 0 and not failed,
                  f"status {rc}; failed {failed}; {out[-1500:]}")
        npass = len(re.findall(r"\[pass\]", out))
        print(f"    memccapable -a: {npass} tests passed")
        ctx.check("memccapable ran its tests", npass >= 20, out[-500:])

        server = f"127.0.0.1:{tcp}"
        for name, extra in (("TCP", []), ("UDP", ["--udp"])):
            rc, out = client(ctx, ["memcaslap", "-s", server, "-T", "1", "-c", "8", "-x", "3000",
                                   "-v", "0.1", *extra], 300)
            fails = re.search(r"verify_failed: (\d+)", out)
            ops = re.search(r"Run time: [\d.]+s Ops: (\d+)", out)
            ctx.check(f"memcaslap over {name}: every operation done, every check passed",
                      rc == 0 and ops and int(ops.group(1)) >= 3000 and
                      (not fails or int(fails.group(1)) == 0),
                      f"status {rc}; {out[-800:]}")
            print(f"    memcaslap {name}: " + (ops.group(0) if ops else "no ops line"))
        rc, out = client(ctx, ["memcslap", f"--servers={server}", "--concurrency=8",
                               "--execute-number=200", "--test=set"], 300)
        rc2, out2 = client(ctx, ["memcslap", f"--servers={server}", "--concurrency=8",
                                 "--execute-number=200", "--test=get"], 300)
        ctx.check("memcslap over TCP: set and get", rc == 0 and rc2 == 0 and
                  "Failures" not in out + out2, f"{rc} {out[-400:]} / {rc2} {out2[-400:]}")

        # Bad input: each gets its answer or the close; the next client is served.
        conns0 = stat(tcp, "curr_connections")
        got = talk(tcp, b"touch " + b"k" * 4096, b"\r\n", timeout=5)
        ctx.check("a 4 KB line with no end: an error, then the close",
                  got == b"CLIENT_ERROR line too long\r\n", repr(got[:200]))
        got = talk(tcp, b"set big 0 0 1073741824\r\n", b"\r\n", timeout=5)
        ctx.check("a set of 1 GB is refused before any of it is taken",
                  got == b"SERVER_ERROR object too large for cache\r\n", repr(got[:200]))
        got = talk(tcp, b"set big 0 0 2147483648\r\n", b"\r\n", timeout=5)
        ctx.check("a set of 2 GB is a bad command line, as memcached says",
                  got == b"CLIENT_ERROR bad command line format\r\n", repr(got[:200]))
        s = socket.create_connection(("127.0.0.1", tcp), timeout=5)
        s.sendall(b"set half 0 0 100\r\nonly part of it")
        s.close()  # gone mid-item
        got = talk(tcp, b"get half\r\nset k 5 0 2\r\nok\r\nget k\r\n", b"ok\r\nEND\r\n")
        ctx.check("a client gone mid-item stores nothing; the next is served",
                  got == b"END\r\nSTORED\r\nVALUE k 5 2\r\nok\r\nEND\r\n", repr(got))
        # Up to its 100 connections, then memcached's error and the close.
        held = []
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", tcp), timeout=20)
            held.append(s)
            time.sleep(0.002)  # QEMU accepts forwards one at a time (tools/paced-connect.c)
        s = held[-1]
        s.sendall(b"version\r\n")
        served = s.recv(100).startswith(b"VERSION ")
        got = talk(tcp, b"version\r\n", b"\n")
        for s in held:
            s.close()
        time.sleep(1)
        ctx.check("past 100 connections: memcached's error, the close, and counted",
                  served and got == b"ERROR Too many open connections\r\n" and
                  stat(tcp, "rejected_connections") == 1, f"{served} {got!r}")
        # The example application of docs/apps.md, on the next VNIC.
        sh.cmd("run hello &")
        ctx.check("the example application starts", seen(m, r"hello: on 10\.0\.2\.16:7000", 30), "")
        got = talk(hello, b"sietch\n", b"\n")
        ctx.check("and answers", got == b"hello, sietch\n", repr(got))
        time.sleep(1)
        conns1 = stat(tcp, "curr_connections")
        ctx.check("every connection closed is freed", conns0 is not None and conns1 == conns0,
                  f"curr_connections {conns0} before, {conns1} after")
        m.send("\r")
        m.expect(PROMPT, timeout=10)
        m.out = ""
    return m
