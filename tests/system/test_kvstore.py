"""tests/system/test_kvstore.py: the Redis-compatible store, driven by the
real clients (Debian's redis-tools: redis-cli, redis-benchmark) from the
host, compared with a real Redis, and killed.

Three boots on one disk. First: `kvstore --appendonly kv` on its own VNIC
(10.0.2.15) and VSIC, QEMU's user network forwarding a free port of
127.0.0.1 to its port 6379. The reference is the Redis server that
redis-tools ships (as `redis-check-rdb`, which serves when started under
the name `redis-server`), on another free port of the host: every request
of REQUESTS and every bad input of BAD goes to both, and the replies must
be the same bytes. redis-benchmark runs its whole default suite, with and
without pipelining (-P 16): every test reports a rate; 64 clients at once,
each with a pipeline. A client gone
mid-request stores nothing. Then durable SETs, the store killed and
started again: every acknowledged one is there; the same through netd and
stord (`--netd --stord`, the kernel-mediated paths). Second boot: the same
after a poweroff, then SETs until QEMU is killed (SIGKILL) at a random
moment. Third boot: every SET acknowledged before the kill is there.
`make kvstore-crash` (KV_KILLS=20) kills QEMU 20 times in a row, every
other time as the store starts compacting its log.

redis-benchmark runs with 50 clients, with tools/paced-connect.c
preloaded: QEMU's user network listens for a forward with a backlog of 1,
so of fifty connections opened at once the host lets a pair a second
through; preloaded, the benchmark opens them one after another before its
clock starts.
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpeer import free_tcp_port  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
import sietchtest  # noqa: E402
from test_shell import PROMPT, Shell, seen, services_up  # noqa: E402

# Requests sent to both servers, in order, on one connection (inline or
# multibulk as written); the dataset starts empty on both.
REQUESTS = [
    "PING", "PING hello", "ECHO 'a b'", "SET k v", "GET k", "GET nokey", "SET k v2 XX",
    "SET n 10 NX", "SET k x NX", "GETSET k v3", "STRLEN k", "APPEND k abc", "GET k",
    "INCR n", "INCRBY n 5", "DECR n", "DECRBY n 3", "INCR k", "INCRBY n abc",
    "MSET a 1 b 2 c 3", "MGET a b nokey c", "EXISTS a b nokey", "DEL a nokey",
    "EXPIRE b 100", "TTL b", "PERSIST b", "TTL b", "TTL nokey", "SET e v EX 0",
    "SET e v PX 100000", "TTL e", "TYPE e", "TYPE nokey",
    "LPUSH l a b c", "RPUSH l d e", "LLEN l", "LRANGE l 0 -1", "LRANGE l 1 2", "LINDEX l 1",
    "LINDEX l 99", "LPOP l", "RPOP l", "LPOP l 2", "GET l",
    "SADD s x y z", "SADD s x", "SCARD s", "SISMEMBER s y", "SISMEMBER s w", "SREM s y w",
    "SCARD s", "HSET h f1 v1 f2 v2", "HGET h f1", "HGET h nof", "HLEN h", "HDEL h f1 nof",
    "HGETALL h", "ZADD z 1 one 2 two 3 three", "ZSCORE z two", "ZCARD z",
    "ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZREM z two", "ZPOPMIN z",
    "ZADD z 1.5 half", "ZRANGE z 0 -1 WITHSCORES", "SELECT 0", "DBSIZE",
    "KEYS nomatch*", "CLIENT SETNAME tester", "CLIENT GETNAME", "CONFIG GET maxmemory-nothing",
    "FROBNICATE a b", "GET", "SET k", "LPUSH k x", "EXPIRE k abc", "SET k v EX -1",
    "FLUSHDB", "DBSIZE", "FLUSHALL", "DBSIZE",
]

# Bad input, each on a connection of its own: what the server answers
# before it closes (byte for byte as Redis).
BAD = [
    b"*1\r\n$x\r\n",                       # not a number
    b"*1\r\n$1099511627776\r\n",           # a bulk of 2^40 bytes
    b"*99999999999\r\n",                     # too many arguments
    b"*2\r\n$3\r\nGET\r\n+k\r\n",             # not a bulk
    b"x" * (10 << 20),                        # a 10 MB inline line
]


def resp_command(words):
    out = f"*{len(words)}\r\n".encode()
    for w in words:
        b = w.encode()
        out += f"${len(b)}\r\n".encode() + b + b"\r\n"
    return out


def read_reply(f):
    """One RESP2 reply from file f, as its bytes."""
    line = f.readline()
    if not line:
        raise EOFError
    kind = line[:1]
    if kind in b"+-:":
        return line
    n = int(line[1:-2])
    if kind == b"$":
        return line + (f.read(n + 2) if n >= 0 else b"")
    out = line
    for _ in range(max(n, 0)):
        out += read_reply(f)
    return out


def replies(port, requests):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    f = s.makefile("rb")
    got = []
    for r in requests:
        s.sendall(resp_command(r.split(" ")) if "'" not in r else (r + "\r\n").encode())
        got.append(read_reply(f))
    s.close()
    return got


def cli(port, *args, timeout=60):
    p = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).strip()


def reference_redis(tmp):
    """The real Redis on a free port of the host; (process, port)."""
    exe = os.path.join(tmp, "redis-server")
    os.symlink(shutil.which("redis-check-rdb"), exe)
    port = free_tcp_port()
    p = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", tmp],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.1)
    return p, port


def error_replies(port):
    """INFO's count of error replies."""
    m = re.search(r"total_error_replies:(\d+)", cli(port, "INFO", "stats")[1])
    return int(m.group(1)) if m else None


def bad_reply(port, data):
    """What the server answers to data before it closes (or 10 s pass)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    got = b""
    try:
        s.sendall(data)
    except OSError:
        pass  # closed while we were still sending
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    return got


KEYSPACE = 20000  # SET i writes key:(i % KEYSPACE): the dataset stays under maxmemory


def durable_sets(port, first, n, stop=None):
    """SET key:(i % KEYSPACE) val:i for i in [first, first + n), one at a time;
    the i acknowledged."""
    acked = []
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")
    try:
        for i in range(first, first + n):
            if stop and stop():
                break
            s.sendall(resp_command(["SET", f"key:{i % KEYSPACE}", f"val:{i}"]))
            if read_reply(f) == b"+OK\r\n":
                acked.append(i)
    except (OSError, EOFError):
        pass
    s.close()
    return acked


def missing(port, want, inflight=None):
    """The keys of want (key number -> i of its last acknowledged SET) whose
    value is neither val:i nor that of the SET in flight at a kill (inflight:
    its i); asked 500 at a time. A SET in flight that made it is
    acknowledged from then on: want takes it."""
    bad = []
    keys = sorted(want)
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    f = s.makefile("rb")
    for at in range(0, len(keys), 500):
        chunk = keys[at:at + 500]
        s.sendall(b"".join(resp_command(["GET", f"key:{k}"]) for k in chunk))
        for k in chunk:
            got = read_reply(f)
            ok = [want[k]] + ([inflight] if inflight is not None and inflight % KEYSPACE == k
                              else [])
            vals = [f"${len(f'val:{i}')}\r\nval:{i}\r\n".encode() for i in ok]
            if got not in vals:
                bad.append((k, got, want[k]))
            elif got == vals[-1] and len(ok) == 2:
                want[k] = inflight  # the one in flight was durable: it stays
    s.close()
    return bad


def start_store(ctx, sh, m, what):
    mark = len(m.out)
    out = sh.cmd("run kvstore --appendonly kv &")
    pid = re.search(r"\[(\d+)\] kvstore", out)
    ok = False
    end = time.time() + 120
    while not ok and time.time() < end:
        ok = re.search(r"kvstore: on 10\.0\.2\.15:6379 \(vnic\); append-only file on 'kv', "
                       r"appendfsync always", m.out[mark:]) is not None
        time.sleep(0.1)
    if what or not ok:
        ctx.check(what or "the store starts", bool(ok and pid), m.out[mark:][-300:])
    return pid.group(1) if pid else "0"


def boot(ctx, iso, disk, tag, netdev):
    m = ctx.machine(iso, tag=tag, disk=disk, env={"QEMU_NETDEV": netdev})
    return m


def kernel_path(ctx, sh, m, port):
    """The same program through netd and stord: SETs, the store killed,
    started again, the SETs there."""
    sh.cmd("run stord &")
    ok = seen(m, r"stord: serving VSAs on VSIC \d", 60)
    sh.cmd("run netd &")
    ok = ok and seen(m, r"netd: on VNIC \d+ .*; clients get 10\.0\.2\.40", 60)
    mark = len(m.out)
    out = sh.cmd("run kvstore --netd --port 6380 --appendonly kvn --stord &")
    pid = re.search(r"\[(\d+)\] kvstore", out)
    up = r"kvstore: on 10\.0\.2\.40:6380 \(netd\); append-only file on 'kvn', appendfsync always"
    ok = ok and pid and seen(m, up, 60)
    ctx.check("kvstore through netd and stord starts", bool(ok), m.out[mark:][-300:])
    if not ok:
        return
    sets = durable_sets(port, 0, 200)
    sh.check("killed", f"kill {pid.group(1)}", rf"\[{pid.group(1)}\] killed")
    mark = len(m.out)
    sh.cmd("run kvstore --netd --port 6380 --appendonly kvn --stord &")
    ok = re.search(up, m.out[mark:]) or seen(m, up + r"[\s\S]*" + up, 60)
    lost = missing(port, {i % KEYSPACE: i for i in sets}) if ok else ["not started"]
    ctx.check("through netd and stord: every acknowledged SET there after a kill",
              len(sets) == 200 and not lost, f"{len(sets)} acknowledged; lost {lost[:5]}")


def run(ctx):
    port, port2 = free_tcp_port(), free_tcp_port()
    netdev = (f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:6379,"
              f"hostfwd=tcp:127.0.0.1:{port2}-10.0.2.40:6380")
    iso = ctx.iso(modules=())
    disk = os.path.join(ctx.out_dir, "kvstore.img")
    if os.path.exists(disk):
        os.remove(disk)
    m = boot(ctx, iso, disk, "-1", netdev)
    tmp = tempfile.mkdtemp(prefix="kvref", dir=ctx.out_dir)
    ref, ref_port = reference_redis(tmp)
    try:
        with m:
            m.expect(PROMPT, timeout=60)
            ctx.check("netctl and storctl up", services_up(m), "")
            sh = Shell(ctx, m)
            pid = start_store(ctx, sh, m, "kvstore starts with its append-only file")
            rc, out = cli(port, "PING")
            ctx.check("redis-cli PING", rc == 0 and out == "PONG", f"{rc} {out!r}")
            rc, out = cli(port, "SET", "greeting", "hello world")
            rc2, out2 = cli(port, "GET", "greeting")
            ctx.check("redis-cli SET and GET", (rc, out, rc2, out2) == (0, "OK", 0, "hello world"),
                      f"{out!r} {out2!r}")
            cli(port, "DEL", "greeting")
            ours, theirs = replies(port, REQUESTS), replies(ref_port, REQUESTS)
            diff = [(r, o, t) for r, o, t in zip(REQUESTS, ours, theirs) if o != t]
            ctx.check(f"{len(REQUESTS)} requests: the same reply bytes as Redis", not diff,
                      "; ".join(f"{r!r}: ours {o!r}, Redis {t!r}" for r, o, t in diff[:6]))
            ours = [bad_reply(port, b) for b in BAD]
            theirs = [bad_reply(ref_port, b) for b in BAD]
            diff = [(b[:20], o, t) for b, o, t in zip(BAD, ours, theirs) if o != t]
            ctx.check(f"{len(BAD)} bad inputs: Redis's error, then the close", not diff,
                      "; ".join(f"{b!r}: ours {o[:80]!r}, Redis {t[:80]!r}" for b, o, t in diff))
            # 64 clients at once (opened one after another: see above), each
            # with a pipeline of its own.
            conns = []
            for k in range(64):
                c = socket.create_connection(("127.0.0.1", port), timeout=20)
                c.sendall(resp_command(["PING"]))
                conns.append((c, c.makefile("rb")))
                read_reply(conns[-1][1])
            for k, (c, f) in enumerate(conns):
                c.sendall(b"".join(resp_command(["SET", f"c{k}:{j}", f"{k * j}"]) for j in range(20)))
            good = 0
            for k, (c, f) in enumerate(conns):
                good += all(read_reply(f) == b"+OK\r\n" for _ in range(20))
                c.sendall(resp_command(["GET", f"c{k}:19"]))
                good += read_reply(f) == f"${len(str(k * 19))}\r\n{k * 19}\r\n".encode()
            ctx.check("64 clients at once, 20 pipelined SETs and a GET each", good == 128,
                      f"{good} of 128 answers right")
            # Up to its 100 clients, then Redis's error and the close.
            for k in range(36):
                c = socket.create_connection(("127.0.0.1", port), timeout=20)
                c.sendall(resp_command(["PING"]))
                conns.append((c, c.makefile("rb")))
                good += read_reply(conns[-1][1]) == b"+PONG\r\n"
            extra = bad_reply(port, resp_command(["PING"]))
            ctx.check("the 101st client gets Redis's max-clients error and the close",
                      good == 164 and extra == b"-ERR max number of clients reached\r\n",
                      f"{good - 128} of 36 more served; the 101st got {extra!r}")
            for c, f in conns:
                f.close()  # (the socket stays open while its file is)
                c.close()
            info = cli(port, "INFO", "stats")[1]
            ctx.check("a client after them is served; INFO counts the one turned away",
                      "rejected_connections:1" in info, info[-300:])
            replies(port, ["FLUSHALL"])
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nonly part")
            s.close()  # gone mid-request
            ctx.check("a client gone mid-request stores nothing; the next is served",
                      replies(port, ["EXISTS half", "PING"]) == [b":0\r\n", b"+PONG\r\n"], "")
            env = dict(os.environ, LD_PRELOAD=sietchtest.paced_connect(ctx.build))
            errors = error_replies(port)
            for args in (["-c", "50", "-n", "2000"], ["-c", "50", "-n", "2000", "-P", "16"]):
                p = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q",
                                    *args], capture_output=True, text=True, timeout=600, env=env)
                rates = re.findall(r"^([A-Z_]+[^:]*): ([\d.]+) requests per second", p.stdout, re.M)
                zero = [t for t, r in rates if float(r) <= 0]
                ctx.check(f"redis-benchmark {' '.join(args)}: every test reports a rate",
                          p.returncode == 0 and len(rates) >= 15 and not zero,
                          f"status {p.returncode}, {len(rates)} rates, zero {zero}; "
                          f"{(p.stdout + p.stderr)[-600:]!r}")
                print(f"    redis-benchmark {' '.join(args)}: " +
                      ", ".join(f"{t.split()[0]} {float(r):.0f}" for t, r in rates[:4]))
            after = error_replies(port)
            ctx.check("the benchmarks got no error reply", errors is not None and after == errors,
                      f"total_error_replies {errors} before, {after} after")
            first = durable_sets(port, 0, 300)
            want = {i % KEYSPACE: i for i in first}
            sh.check("the store killed", f"kill {pid}", rf"\[{pid}\] killed")
            start_store(ctx, sh, m, "started again, it replays its log")
            lost = missing(port, want)
            ctx.check("every acknowledged SET is there after the kill", len(first) == 300 and
                      not lost, f"{len(first)} acknowledged, lost {lost[:5]}")
            kernel_path(ctx, sh, m, port2)
            m.send("poweroff\r")
            ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
        # Crashes: each boot finds every SET acknowledged so far, then takes
        # more until QEMU is killed (SIGKILL): at a random moment, or, every
        # other time, as the store starts compacting its log.
        kills = int(os.environ.get("KV_KILLS", "1"))
        in_compaction = acked = 0
        next_key = 1000
        inflight = None
        for c in range(kills + 1):
            m = boot(ctx, iso, disk, f"-{c + 2}", netdev)
            with m:
                m.expect(PROMPT, timeout=60)
                services_up(m)
                sh = Shell(ctx, m)
                start_store(ctx, sh, m, "the store replays its log" if c == 0 else None)
                lost = missing(port, want, inflight)
                what = ("after a poweroff" if c == 0 else f"after kill {c} of {kills}")
                ctx.check(f"every acknowledged SET is there {what}", not lost,
                          f"keys lost or old (key, value, last acknowledged i): {lost[:5]}")
                if c == kills:
                    m.send("poweroff\r")
                    ctx.check("poweroff", m.wait_exit(timeout=30) == 0, "")
                    break
                on_compaction = c % 2 == 1
                mark = len(m.out)
                t_end = time.time() + (90 if on_compaction else random.uniform(1, 6))
                got = []
                th = threading.Thread(target=lambda: got.extend(
                    durable_sets(port, next_key, 10 ** 7)))
                th.start()
                while time.time() < t_end:
                    if on_compaction and "kvstore: compacting" in m.out[mark:]:
                        break
                    time.sleep(0.005)
                compacting = ("kvstore: compacting" in m.out[mark:] and
                              "kvstore: compacted" not in m.out[m.out.rfind("kvstore: compacting"):])
                m.kill(signal.SIGKILL)
                th.join(timeout=60)
                in_compaction += compacting
                acked += len(got)
                want.update({i % KEYSPACE: i for i in got})
                inflight = (got[-1] + 1) if got else next_key
                next_key += 10 ** 7
        print(f"    kvstore: {kills} kills, {in_compaction} of them while the log was compacting; "
              f"{acked} SETs acknowledged over them, every last one found")
        if kills >= 4:
            ctx.check("a kill landed while the log was compacting", in_compaction > 0, "")
    finally:
        ref.kill()
        ref.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return m
