"""tools/sietchtrace.py: the CPU driver's trace dump as a Chrome JSON trace (make trace).

A CPU driver booted with `trace` records events in a ring per core
(kernel/include/trace.h) and prints them at shutdown between TRACE-BEGIN
and TRACE-END lines, three 32-byte records per base64 line. parse_dump
reads them back; to_chrome makes the JSON trace that ui.perfetto.dev and
chrome://tracing open; check_trace checks one is well formed; echo_chains
finds udpecho's echoes in it; record boots Sietch, runs udpecho and sends
it echoes, and returns the console output with the dump.

Timestamps: each record has its core's TSC; the dump names the TSC rate
the CPU driver measured against the PIT at boot (lapic.c), and
microseconds are (tsc - first tsc of the trace) * 1e6 / tsc_hz. Under
QEMU every core's TSC is the host's clock scaled, so the cores' times
compare.

Layout: one process per core ("core N") with two threads: "user" (which
dispatcher ran in user mode when, slices named by the program) and
"kernel" (system calls, invocations, interrupts). One process per program
that sent user events ("udpecho (core 0, dispatcher 9)") with the data
path's probe phases as nested slices, "app" for the time outside every
phase. LMP messages are flows from the sender's system call to the
receiver's next run; UMP messages flows from the send to the receive.
"""
import base64
import json
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REC = struct.Struct("<QHHIQQ")  # struct trace_rec
(SYS_BEGIN, SYS_END, IRQ_BEGIN, IRQ_END, NAME, LMP, USER) = range(1, 8)
(U_PUSH, U_POP, U_UMP_SEND, U_UMP_RECV, U_MARK) = range(1, 6)
SYSCALLS = ["invoke", "yield", "send", "recv", "call", "print", "exit", "check", "trace"]
PHASES = ["app", "wait", "drv_rx", "drv_tx", "stack_in", "stack_out", "api", "copy_in",
          "copy_out", "ipc"]  # os/probe.h's OS_PROBE_NAMES
POP_AS_PUSHED = 0xFF
VEC_TIMER = 32
USER_TID, KERNEL_TID = 1, 2


def cap_types():
    """The capability type names, in the order of kpi/caps.h's CAP_TYPES."""
    with open(os.path.join(ROOT, "lib/kpi/include/kpi/caps.h")) as f:
        text = f.read()
    body = text[text.index("#define CAP_TYPES"):text.index("enum objtype")]
    return re.findall(r"X\((\w+)\)", body)


def parse_dump(text):
    """The dump in console text: {'tsc_hz': n, 'cores': {core: [record tuples]}}.
    A record is (tsc, type, sub, disp, a0, a1). Raises ValueError if there is
    no complete dump."""
    start = text.find("TRACE-BEGIN")
    end = text.find("TRACE-END", start)
    if start < 0 or end < 0:
        raise ValueError("no TRACE-BEGIN ... TRACE-END in the output")
    head = dict(re.findall(r"(\w+)=(\d+)", text[start:text.index("\n", start)]))
    out = {"tsc_hz": int(head["tsc_hz"]), "cores": {}}
    core = None
    for line in text[start:end].splitlines():
        m = re.match(r"TRACE-CORE (\d+)", line)
        if m:
            core = int(m.group(1))
            out["cores"][core] = []
        elif line.startswith("TRACE ") and core is not None:
            raw = base64.b64decode(line[6:].strip())
            out["cores"][core] += [REC.unpack_from(raw, i) for i in range(0, len(raw), REC.size)]
    return out


class Converter:
    def __init__(self, dump):
        self.hz = dump["tsc_hz"]
        self.cores = dump["cores"]
        recs = [r for rs in self.cores.values() for r in rs]
        self.t0 = min((r[0] for r in recs), default=0)
        self.types = cap_types()
        self.names = {}  # (core, disp) -> name
        for c, rs in self.cores.items():
            for r in rs:
                if r[1] == NAME:
                    raw = struct.pack("<QQ", r[4], r[5]).split(b"\0")[0]
                    self.names[(c, r[3])] = raw.decode(errors="replace") or f"dispatcher {r[3]}"
        self.events, self.flow_id, self.procs = [], 0, {}

    def us(self, tsc):
        return (tsc - self.t0) * 1e6 / self.hz

    def name(self, core, disp):
        return self.names.get((core, disp), f"dispatcher {disp}")

    def syscall_name(self, r):
        num = r[2]
        if num == 0:
            kind = r[4] >> 32
            typ = self.types[kind] if kind < len(self.types) else f"type {kind}"
            return f"invoke {typ} cmd {r[4] & 0xffffffff}"
        return f"sys {SYSCALLS[num]}" if num < len(SYSCALLS) else f"sys {num}"

    def irq_name(self, vec):
        if vec < 32:
            return f"exception {vec}"
        return "timer" if vec == VEC_TIMER else f"irq {vec}"

    def ev(self, **kw):
        self.events.append(kw)

    def proc_pid(self, core, disp):
        """The process of a program's user events (probe phases, UMP)."""
        pid = 1000 * (core + 1) + disp
        self.procs[pid] = f"{self.name(core, disp)} (core {core}, dispatcher {disp})"
        return pid

    def flow(self, cat, pid, tid, ts, end):
        if end:
            self.ev(ph="f", bp="e", cat=cat, name=cat, id=end, pid=pid, tid=tid, ts=ts)
        else:
            self.flow_id += 1
            self.ev(ph="s", cat=cat, name=cat, id=self.flow_id, pid=pid, tid=tid, ts=ts)
            return self.flow_id

    def core(self, c, recs):
        user_since, open_k = None, []
        last_send = {}  # dispatcher -> ts of its last send or call
        to_run = {}  # dispatcher -> LMP flow ids waiting for its next run
        last = recs[-1][0] if recs else 0
        for tsc, typ, sub, disp, a0, a1 in recs:
            ts = self.us(tsc)
            if typ in (SYS_BEGIN, IRQ_BEGIN):
                if user_since is not None and disp:
                    self.ev(ph="X", name=self.name(c, disp), cat="run", pid=c, tid=USER_TID,
                            ts=user_since, dur=ts - user_since, args={"dispatcher": disp})
                    for fid in to_run.pop(disp, []):
                        self.flow("lmp", c, USER_TID, user_since, fid)
                user_since = None
                name = self.syscall_name((tsc, typ, sub, disp, a0, a1)) if typ == SYS_BEGIN \
                    else self.irq_name(sub)
                if typ == SYS_BEGIN and sub in (2, 4):
                    last_send[disp] = ts
                self.ev(ph="B", name=name, cat="kernel", pid=c, tid=KERNEL_TID, ts=ts,
                        args={"dispatcher": disp, "by": self.name(c, disp) if disp else "idle"})
                open_k.append(ts)
            elif typ in (SYS_END, IRQ_END):
                if open_k:
                    open_k.pop()
                    args = {"err": a0, "blocked": a1} if typ == SYS_END else {}
                    self.ev(ph="E", pid=c, tid=KERNEL_TID, ts=ts, args=args)
                user_since = ts
            elif typ == LMP:
                # From the sender's send (or call), which may have waited queued.
                at = ts if sub else last_send.get(disp, ts)
                fid = self.flow("lmp", c, KERNEL_TID, at, None)
                to_run.setdefault(a0, []).append(fid)
            elif typ == USER:
                self.user(c, disp, ts, sub, a0, a1)
        for _ in open_k:  # the shutdown's own call, still in the kernel
            self.ev(ph="E", pid=c, tid=KERNEL_TID, ts=self.us(last), args={"cut": 1})
        for key, st in list(self.stacks.items()):
            if key[0] == c:
                self.close_phases(key, self.us(last))

    def user(self, c, disp, ts, sub, a0, a1):
        pid = self.proc_pid(c, disp)
        key = (c, disp)
        st = self.stacks.setdefault(key, [])
        if sub == U_PUSH:
            if not st and key in self.app_since and ts > self.app_since[key]:
                self.ev(ph="X", name="app", cat="probe", pid=pid, tid=pid,
                        ts=self.app_since[key], dur=ts - self.app_since[key])
            st.append((a0, ts))
        elif sub == U_POP and st:
            phase, t0 = st.pop()
            label = phase if a0 == POP_AS_PUSHED else a0
            self.ev(ph="X", name=PHASES[label] if label < len(PHASES) else f"phase {label}",
                    cat="probe", pid=pid, tid=pid, ts=t0, dur=ts - t0)
            if not st:
                self.app_since[key] = ts
        elif sub in (U_UMP_SEND, U_UMP_RECV):
            what = "ump send" if sub == U_UMP_SEND else "ump recv"
            self.ev(ph="X", name=what, cat="ump", pid=pid, tid=pid, ts=ts, dur=0.001,
                    args={"ring": hex(a0), "seq": a1})
            if sub == U_UMP_SEND:
                self.ump[(a0, a1)] = self.flow("ump", pid, pid, ts, None)
            elif (a0, a1) in self.ump:
                self.flow("ump", pid, pid, ts, self.ump.pop((a0, a1)))
        elif sub == U_MARK:
            self.ev(ph="i", s="t", name="mark", pid=pid, tid=pid, ts=ts, args={"a0": a0, "a1": a1})

    def close_phases(self, key, ts):
        pid = self.proc_pid(*key)
        while self.stacks[key]:
            phase, t0 = self.stacks[key].pop()
            self.ev(ph="X", name=PHASES[phase] if phase < len(PHASES) else f"phase {phase}",
                    cat="probe", pid=pid, tid=pid, ts=t0, dur=ts - t0, args={"cut": 1})

    def convert(self):
        self.stacks, self.app_since, self.ump = {}, {}, {}
        for c in sorted(self.cores):
            self.core(c, self.cores[c])
        # A flow whose end never came (a receiver that did not run again).
        ends = {e["id"] for e in self.events if e["ph"] == "f"}
        self.events = [e for e in self.events if e["ph"] != "s" or e["id"] in ends]
        meta = []
        for c in sorted(self.cores):
            meta += [dict(ph="M", name="process_name", pid=c, tid=0, args={"name": f"core {c}"}),
                     dict(ph="M", name="process_sort_index", pid=c, tid=0, args={"sort_index": c}),
                     dict(ph="M", name="thread_name", pid=c, tid=USER_TID, args={"name": "user"}),
                     dict(ph="M", name="thread_name", pid=c, tid=KERNEL_TID,
                          args={"name": "kernel"})]
        for pid, name in sorted(self.procs.items()):
            meta += [dict(ph="M", name="process_name", pid=pid, tid=0, args={"name": name}),
                     dict(ph="M", name="thread_name", pid=pid, tid=pid, args={"name": "phases"})]
        # Per track in time order; a stable sort keeps B before E at one time.
        body = sorted(self.events, key=lambda e: (e["pid"], e["tid"], e["ts"]))
        return {"traceEvents": meta + body, "displayTimeUnit": "ns",
                "otherData": {"tsc_hz": self.hz, "clock": "TSC, microseconds from the first record"}}


def to_chrome(dump):
    """The Chrome JSON trace (a dict) of a parsed dump."""
    return Converter(dump).convert()


def check_trace(trace):
    """Problems with a Chrome JSON trace (a dict): [] if well formed. Every B
    has its E on its track, every flow start its end (and the other way
    round), and each track's timestamps never go back."""
    bad, open_b, last, flows = [], {}, {}, {}
    for e in trace["traceEvents"]:
        if e["ph"] == "M":
            continue
        track = (e["pid"], e["tid"])
        if e["ts"] < last.get(track, float("-inf")):
            bad.append(f"track {track}: time goes back at {e}")
        last[track] = e["ts"]
        if e["ph"] == "B":
            open_b[track] = open_b.get(track, 0) + 1
        elif e["ph"] == "E":
            if not open_b.get(track):
                bad.append(f"track {track}: E without B at {e['ts']}")
            else:
                open_b[track] -= 1
        elif e["ph"] == "X" and e["dur"] < 0:
            bad.append(f"negative duration: {e}")
        elif e["ph"] in "sf":
            flows.setdefault(e["id"], []).append(e)
    bad += [f"track {t}: {n} B without E" for t, n in open_b.items() if n]
    for fid, evs in flows.items():
        kinds = sorted(e["ph"] for e in evs)
        if kinds != ["f", "s"]:
            bad.append(f"flow {fid}: events {kinds}")
        elif [e for e in evs if e["ph"] == "s"][0]["ts"] > [e for e in evs if e["ph"] == "f"][0]["ts"]:
            bad.append(f"flow {fid} ends before it starts")
    return bad


def echo_chains(trace, program="udpecho"):
    """Per process of `program`: the frames it received (a receive phase,
    drv_rx, whose frames went up the stack: stack_in ends next), and of
    those the echoes whose phases came in order: receive, stack (stack_in),
    application (app), transmit (drv_tx), each ending after the one
    before and before the next frame's receive. {process name: (echoes,
    frames)}."""
    names = {e["pid"]: e["args"]["name"] for e in trace["traceEvents"]
             if e["ph"] == "M" and e["name"] == "process_name"}
    out = {}
    for pid, pname in names.items():
        if not pname.startswith(program + " "):
            continue
        ends = [name for _, name in sorted((e["ts"] + e["dur"], e["name"])
                                           for e in trace["traceEvents"]
                                           if e.get("pid") == pid and e["ph"] == "X")]
        want = ["drv_rx", "stack_in", "app", "drv_tx"]
        done = frames = 0
        at = None  # how much of want this frame has shown
        for i, name in enumerate(ends):
            if name == "drv_rx" and i + 1 < len(ends) and ends[i + 1] == "stack_in":
                frames += 1
                at = 1
            elif at is not None and name == want[at]:
                at += 1
                if at == len(want):
                    done += 1
                    at = None
        out[pname] = (done, frames)
    return out


def record(build, out_dir, echoes=30, log_name="trace", kargs="trace"):
    """Boot with the trace on, start `udpecho --native` on VNIC 0, send it
    `echoes` datagrams from the host (each waiting for its echo) through a
    forwarded port, power off: (console output, echoes answered). Raises
    on a failed boot."""
    import sys
    sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
    import sietchtest
    from netpeer import free_udp_port
    from test_shell import PROMPT, Shell, seen, services_up
    from test_vnic import echo
    import socket
    port = free_udp_port()
    iso, err = sietchtest.make_iso(log_name, "hake/menu.lst", out_dir, kargs, build=build)
    if err:
        raise RuntimeError(f"image: {err}")
    env = {"QEMU_NETDEV": f"user,id=net0,hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7"}
    disk = os.path.join(out_dir, log_name + ".img")
    if os.path.exists(disk):
        os.remove(disk)
    m = sietchtest.Machine(iso, os.path.join(out_dir, log_name + ".log"), env=env,
                           tools_args=["--disk", disk])
    with m:
        m.expect(PROMPT, timeout=120)
        services_up(m)
        Shell(None, m).cmd("run udpecho --native &")
        if not seen(m, r"native echo on 10\.0\.2\.15:7", 60):
            raise RuntimeError("udpecho did not start")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        got = sum(echo(sock, ("127.0.0.1", port), b"trace-%d" % i) is not None
                  for i in range(echoes))
        sock.close()
        m.send("poweroff\r")
        m.wait_exit(timeout=300)
        return m.out, got
