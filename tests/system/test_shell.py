"""tests/system/test_shell.py: user space through the shell, in one boot.

Types commands into the shell on COM1 and checks the replies: the built-in
commands and their errors, the systest programs (spawn with arguments, heap
growth by page faults, malloc, threads, the name service, mem_serv with
exhaustion, a server whose client is killed in the middle of a request
(the client's shared page gone under it), more processes than init's
table holds each waited for while it runs), a process on core 1 killed from core 0 (mctest killremote), a
program killed with its memory returned (mem before and after), a program stopped by a fault, a process's CSpace, a command typed
while another program prints (the console's edit line), the console's keys
(Ctrl-C and Ctrl-Z on a foreground program, TAB, escape sequences), lines
and arguments refused rather than cut, numbers checked (ports, pids, cores),
and poweroff.
"""
import re
import time

PROMPT = r"sietch\$ "

SYSTEST = {
    "args a b c": ["spawn.args", "spawn.pid"],
    "heap": ["heap.grows_by_faults", "heap.many_small_blocks"],
    "malloc": ["malloc.stress"],
    "threads": ["threads.mutex", "threads.condvar"],
    "names": ["names.register", "names.lookup_and_call"],
    "memserv": ["memserv.alloc", "memserv.free", "memserv.exhaustion", "memserv.too_big",
                "memserv.all_back"],
    "watch": ["watch.signal_on_end", "watch.errors"],
    "lmp": ["lmp.recv_timeout", "lmp.message_before_timeout"],
    "timeout": ["timeout.bind_and_call", "timeout.call", "timeout.bind", "timeout.server_side"],
    "lostpage": ["lostpage.written_after_revoke", "lostpage.closed", "lostpage.serves_on"],
    "limits": ["limits.defaults", "limits.spawn_too_small", "limits.own", "limits.narrowed", "limits.vnics",
               "limits.vectors", "limits.domains", "limits.vsics", "limits.chans",
               "limits.chans_memserv_init", "limits.memory", "limits.child_holds",
               "limits.neighbour", "limits.released"],
    # Last: without the fix it tests, init's table is full after it.
    "waiters": ["procs.waited_entries_reused"],
}


class Shell:
    def __init__(self, ctx, m):
        self.ctx, self.m = ctx, m

    def cmd(self, line, timeout=60):
        """Run one command; return its output (up to the next prompt)."""
        self.m.send(line + "\r")
        self.m.expect(re.escape(line) + r"\n", timeout=10)  # the echo
        return self.m.expect(r"([\s\S]*?)" + PROMPT, timeout=timeout).group(1)

    def keys(self, keys, echo, timeout=30):
        """Type keys (ending in Enter) whose echo is echo; return the output."""
        self.m.send(keys)
        self.m.expect(re.escape(echo) + r"\n", timeout=10)
        return self.m.expect(r"([\s\S]*?)" + PROMPT, timeout=timeout).group(1)

    def check(self, what, line, pattern, timeout=60):
        try:
            out = self.cmd(line, timeout)
        except Exception as e:
            return self.ctx.check(what, False, f"'{line}': {e}")
        ok = re.search(pattern, out) is not None
        self.ctx.check(what, ok, f"'{line}' printed {out!r}, wanted /{pattern}/")
        return out if ok else None


def seen(m, pattern, timeout):
    """Wait until pattern appears anywhere in the output (lines of servers
    starting beside the shell come before or after its prompt)."""
    end = time.time() + timeout
    while time.time() < end:
        if re.search(pattern, m.out):
            return True
        time.sleep(0.1)
    return False


# The start lines of the device servers in the default image: a command
# typed before they are out can have its echo split by one of them.
SERVICES_UP = [r"netctl: .*; 7 VNICs", r"storctl: \d+ VSICs .*VSA namespaces"]


def services_up(m, timeout=60):
    return all(seen(m, p, timeout) for p in SERVICES_UP)


def free_kib(sh):
    out = sh.cmd("mem")
    m = re.search(r"RAM: (\d+) KiB total, (\d+) KiB free", out)
    return int(m.group(2)) if m else None


def edit_line(ctx, m, sh):
    """A background program prints while a command is half typed: its lines
    go above the input line, which the console draws again whole."""
    out = sh.cmd("run systest print 6 300 &")
    pid = re.search(r"\[(\d+)\] systest", out)
    m.send("echo typed while")  # no Enter yet
    ok = seen(m, r"systest: line 3 of 6\n", 30)
    m.send(" another prints\r")
    try:
        m.expect(r"\nsietch\$ echo typed while another prints\n", timeout=10)
        m.expect(r"^typed while another prints\n", timeout=10)
        if not seen(m, r"systest: line 6 of 6\n", 30):  # (its lines come whenever they come)
            raise TimeoutError("no 'systest: line 6 of 6'")
    except Exception as e:
        ok = ctx.check("a line typed while another program prints stays whole", False, str(e))
    with open(m.log_path, errors="replace", newline="") as f:  # CRs as they are
        raw = f.read()
    erased = re.search(r"sietch\$ echo typed while\r\x1b\[Ksystest: line \d of 6\n"
                       r"sietch\$ echo typed while", raw)
    ctx.check("a line typed while another program prints stays whole",
              ok and pid and erased is not None,
              f"background pid {pid}; no erase and redraw of the half-typed line in {m.log_path}")


def ps_state(sh, pid):
    """pid's state in ps ('running', 'killed', ...), or None if not listed."""
    m = re.search(rf"^ +{pid} +\d+ +(\w+)", sh.cmd("ps"), re.M)
    return m.group(1) if m else None


def ps_count(sh):
    return len(re.findall(r"^ +\d+ +\d+ +\w+", sh.cmd("ps"), re.M))


def foreground_keys(ctx, m, sh, before):
    """Ctrl-C kills the program the shell waits for (what was typed ahead
    goes with it); Ctrl-Z leaves it running in the background (what was
    typed ahead is the next command)."""
    m.send("run systest spin\r")
    m.expect(r"run systest spin\n", timeout=10)
    m.send("echo dropped")
    try:
        m.expect(PROMPT, timeout=2)
        blocked = False  # the shell did not wait for it
    except Exception:
        blocked = True
    m.send("\x03")
    try:
        pid = m.expect(r"\^C\n\[(\d+)\] systest: killed\n", timeout=20).group(1)
        m.expect(PROMPT, timeout=10)
    except Exception as e:
        return ctx.check("Ctrl-C kills the foreground program", False, str(e))
    state, free = ps_state(sh, pid), free_kib(sh)
    ctx.check("Ctrl-C kills the foreground program", blocked and state == "killed" and free == before,
              f"shell waited: {blocked}; pid {pid} is {state}; free {free} KiB, before {before}")
    sh.check("Ctrl-C drops what was typed ahead", "echo next", r"^next\n$")
    m.send("run systest spin\r\x03")  # in one go: the Ctrl-C is the program's
    try:
        m.expect(r"\^C\n\[\d+\] systest: killed\n" + PROMPT, timeout=20)
        ctx.check("Ctrl-C typed right after Enter", True)
    except Exception as e:
        ctx.check("Ctrl-C typed right after Enter", False, str(e))

    m.send("run systest spin\r")
    m.expect(r"run systest spin\n", timeout=10)
    time.sleep(0.5)
    m.send("echo ahead\r\x1a")
    try:
        pid = m.expect(r"\^Z\n\[(\d+)\] systest: in the background\n", timeout=20).group(1)
        m.expect(PROMPT + r"echo ahead\nahead\n" + PROMPT, timeout=10)
    except Exception as e:
        return ctx.check("Ctrl-Z leaves the program running", False, str(e))
    running = ps_state(sh, pid)
    sh.cmd(f"kill {pid}")
    state, free = ps_state(sh, pid), free_kib(sh)
    ctx.check("Ctrl-Z leaves the program running; typed ahead runs next",
              running == "running" and state == "killed" and free == before,
              f"pid {pid} was {running}, then {state}; free {free} KiB, before {before}")


def input_limits(ctx, m, sh):
    """Lines and word lists over the limits are refused whole; TAB is a
    space; escape sequences are ignored and a lone ESC swallows nothing."""
    ok = "y" * 250
    sh.check("a line of 255 characters runs", f"echo {ok}", rf"^{ok}\n$")
    out = sh.keys("echo " + "x" * 300 + "\r", "echo " + "x" * 250)  # the echo stops at 255
    ctx.check("a longer line is refused, not cut",
              "line too long (at most 255 characters): not run" in out and "xxx" not in out,
              f"printed {out!r}")
    words = " ".join(str(i) for i in range(31))
    sh.check("32 words run", f"echo {words}", rf"^{words}\n$")
    sh.check("33 words are refused", f"echo {words} 31",
             r"^sietch: too many words \(at most 32\): not run\n$")
    out = sh.keys("echo a\tb\r", "echo a b")
    ctx.check("TAB is a space", out == "a b\n", f"printed {out!r}")
    out = sh.keys("echo lone\x1b\r", "echo lone")
    ctx.check("a lone ESC does not swallow Enter", out == "lone\n", f"printed {out!r}")
    out = sh.keys("echo ar\x1b[A\x1b[1;5Cr\x1bOBow\r", "echo arrow")
    ctx.check("arrow keys are ignored", out == "arrow\n", f"printed {out!r}")


def numbers(ctx, sh):
    """Numeric arguments are checked: pids, cores, ports."""
    sh.check("kill 0 (init, listed by ps)", "kill 0", r"^kill: 0: that process may not be killed")
    sh.check("kill of an overlong number", "kill 99999999999999999999", r"usage: kill <pid>")
    sh.check("run -c without a core", "run -c", r"^run: -c: the core number is missing\n"
             r"usage: run \[-c core\]")
    sh.check("run -c with no core number", "run -c x systest", r"^run: -c x: not a core number")
    count = ps_count(sh)
    sh.check("run -c on a missing core", "run -c 9 systest spin",
             r"^run: core 9: there is no such core")
    ctx.check("nothing started on a missing core", ps_count(sh) == count, "ps grew")
    for line in ("run udpecho 70000", "run udpecho abc", "run udpecho 0",
                 "run udpecho --native 7 8", "run tcpecho 65536", "run tcpecho --bogus"):
        prog = line.split()[1]
        sh.check(f"'{line}' is refused", line,
                 rf"^usage: {prog} .*\[port \(1-65535\)\]\n\[\d+\] {prog}: exited with status 2")


def limits(ctx, sh):
    """run's limit options, their errors, and `limits`."""
    sh.check("run --mem below a domain's size", "run --mem 64K systest spin",
             r"^run: systest: process limit on memory reached")
    sh.check("run with an unknown limit", "run --frob 1 systest",
             r"^run: --frob: no such limit \(--mem, --domains, [\s\S]*usage: run ")
    sh.check("run --mem without a size", "run --mem 8X systest", r"^run: --mem 8X: not a size")
    sh.check("run --vectors without a count", "run --vectors 1K systest",
             r"^run: --vectors 1K: not a count")
    sh.check("run --chans without a value", "run --chans", r"^run: --chans: the value is missing")
    out = sh.check("run with limits", "run -c 0 --mem 8M --vectors 2 --chans 3 systest spin &",
                   r"\[(\d+)\] systest")
    pid = re.search(r"\[(\d+)\]", out).group(1) if out else "0"
    # Its limits as given, the defaults for the rest; its memory and its
    # channels (init, mem_serv) in use.
    sh.check("limits shows them", "limits",
             r"PID NAME +MEM \(used/max\) +DOMAINS +VECTORS +VNICS +VSICS +CHANS"
             r"[\s\S]*\n +0 init +0/none +0/none +0/none +0/none +0/none +\d/none\n"
             rf"[\s\S]*\n +{pid} systest +\d+[KM]/8M +0/4 +0/2 +0/2 +0/1 +\d/3\n")
    sh.check("kill the limited one", f"kill {pid}", rf"\[{pid}\] killed")


def run(ctx):
    iso = ctx.iso(modules=())  # hake/menu.lst: init shell, mem_serv, shell, systest
    m = ctx.machine(iso)
    with m:
        m.expect(r"sietch: up in \d+\.\d+ s", timeout=60)
        m.expect(PROMPT, timeout=30)
        ctx.check("netctl and storctl up", services_up(m), "")
        sh = Shell(ctx, m)
        sh.check("help lists commands", "help", r"run \[-c core\] \[--<limit> n\]\.\.\. <prog> \[args\] \[&\]"
                 r"[\s\S]*limits +each process's limits[\s\S]*poweroff")
        sh.check("echo", "echo hello   sietch", r"^hello sietch\n")
        sh.check("unknown command", "frobnicate", r"unknown command 'frobnicate' \(try 'help'\)")
        sh.check("kill needs a pid", "kill abc", r"usage: kill <pid>")
        sh.check("run needs a program", "run", r"usage: run \[-c core\] \[--<limit> n\]\.\.\. <prog>")
        sh.check("run of a missing program", "run nosuch", r"run: nosuch: no boot module")
        sh.check("kill of a missing process", "kill 999", r"kill: 999: no process with that id")
        sh.check("init is protected", "kill 1", r"kill: 1: that process may not be killed")
        sh.check("devmgr is protected", "kill 2", r"kill: 2: that process may not be killed")
        sh.check("devmgr still serves", "lspci", r"01:00\.0 Ethernet controller")
        sh.check("ps lists the servers", "ps", r"0 +0 running .* init\n.*mem_serv\n.*devmgr\n.*shell")
        # A process on core 1 killed from core 0 (mctest: its waiter, init's
        # table, the monitor's memory).
        sh.cmd("run mctest killremote", timeout=120)
        for args, ids in SYSTEST.items():
            sh.cmd(f"run systest {args}", timeout=120)
        ctx.collect(m, [i for ids in SYSTEST.values() for i in ids] + ["mc.kill_remote"])
        # More processes than init's table holds (64), one after another,
        # each waited for by the shell while it runs (it pauses 20 ms
        # first): ended entries are taken again (init's new_entry).
        ran = sum(bool(re.search(r"systest: line 1 of 1\n",
                                 sh.cmd("run systest print 1 20", timeout=30)))
                  for _ in range(72))
        ctx.check("72 processes waited for in turn: init's table of 64 reuses ended entries",
                  ran == 72, f"{ran} of 72 ran")

        before = free_kib(sh)
        out = sh.check("run in the background", "run systest spin &", r"\[(\d+)\] systest")
        pid = re.search(r"\[(\d+)\]", out).group(1) if out else "0"
        sh.check("ps shows it running", "ps", rf"\n +{pid} +0 running +\d+ K +systest")
        sh.check("caps of a process", f"caps {pid}",
                 r"0\.0 +Dispatcher[\s\S]*0\.1 +L1CNode[\s\S]*VNodePML4[\s\S]*Frame")
        during = free_kib(sh)
        sh.check("kill", f"kill {pid}", rf"\[{pid}\] killed")
        after = free_kib(sh)
        ctx.check("kill reclaims all memory", before is not None and during < before == after,
                  f"free KiB before {before}, while running {during}, after kill {after}")
        sh.check("ps shows it killed", "ps", rf"\n +{pid} +0 killed")
        sh.check("a fault stops a program", "run systest crash",
                 r"systest \(pid \d+\): page fault .* address 0x10\n"
                 r"\[\d+\] systest: exited with status 139")
        ctx.check("memory back after the fault", free_kib(sh) == before, "free memory changed")
        foreground_keys(ctx, m, sh, before)
        input_limits(ctx, m, sh)
        limits(ctx, sh)
        numbers(ctx, sh)
        edit_line(ctx, m, sh)
        m.send("poweroff\r")
        status = m.wait_exit(timeout=30)
        ctx.check("poweroff ends QEMU cleanly", status == 0, f"QEMU status {status}")
    return m
