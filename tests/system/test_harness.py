"""tests/system/test_harness.py: the harness itself, on the host (no boot).

How the console is read (CRs dropped, the console's erase-line sequence
removing the line it erased, whatever way the chunks split), how QEMU's
endings are named (its own crash apart from Sietch's exits), and that
every boot gets a disk made anew unless a test hands it one.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import sietchtest  # noqa: E402

# Raw serial bytes and what a terminal shows for them.
RAW = ("boot\r\nsietch$ run vnic\r\x1b[Kvnictest: done\r\nsietch$ run vnictest wait\r\n"
       "TEST PASS x\r\nsietch$ \r\x1b[Klate\r\nsietch$ ")
SHOWN = "boot\nvnictest: done\nsietch$ run vnictest wait\nTEST PASS x\nlate\nsietch$ "


class Sink:
    def write(self, text):
        self.text = getattr(self, "text", "") + text

    def flush(self):
        pass


def fed(chunks, pos_at=None):
    m = sietchtest.Machine(None, "/dev/null")
    m._log = Sink()
    for i, c in enumerate(chunks):
        m._feed(c)
        if pos_at is not None and i == pos_at:
            m.pos = len(m.out)  # expect() consumed everything so far
    return m


def run(ctx):
    bad = []
    for cut in range(1, len(RAW)):  # every split into two chunks
        m = fed([RAW[:cut], RAW[cut:]])
        E = sietchtest.ERASE_LINE
        if m.out != SHOWN or m._log.text.replace(E, "") != RAW.replace(E, "").replace("\r", ""):
            bad.append(cut)
    ctx.check("the console as a terminal shows it, however the chunks split", not bad,
              f"wrong at splits {bad[:10]}: {fed([RAW[:bad[0]], RAW[bad[0]:]]).out!r}" if bad else "")
    m = fed(list(RAW), pos_at=RAW.index("wait") + 4)
    ctx.check("the log keeps the erase, so cat shows what the terminal did",
              "\r\x1b[Kvnictest: done" in m._log.text and "\r\n" not in m._log.text,
              repr(m._log.text))
    # A prompt consumed and then erased is unconsumed: it is shown again.
    m = fed(["x\nsietch$ "], pos_at=0)
    m._feed("\r\x1b[Kbg line\r\nsietch$ ")
    ctx.check("an erased line that expect() had consumed is unconsumed",
              m.out == "x\nbg line\nsietch$ " and m.pos == 2, f"out {m.out!r}, pos {m.pos}")
    # A prompt drawn and erased within one chunk (a flood of background
    # lines) was on the screen: an expect() waiting for it sees it.
    m = fed(["run x\n"])
    m._want = re.compile(r"([\s\S]*?)sietch\$ ")
    m._feed("out\nsietch$ \r\x1b[Kbg 1\r\nsietch$ \r\x1b[Kbg 2\r\n")
    caught = m._caught
    ctx.check("a prompt erased in the chunk that drew it is seen by expect()",
              caught is not None and caught.group(1) == "run x\nout\n" and
              m.out == "run x\nout\nbg 1\nbg 2\n", f"{caught!r}, out {m.out!r}")
    names = {33: "pass", 35: "fail", 37: "panic", 0: "poweroff", 1: "status 1", -15: "killed by signal 15 (SIGTERM)",
             -6: "killed by signal 6 (SIGABRT)", None: "running"}
    wrong = {s: sietchtest.exit_name(s) for s, n in names.items() if sietchtest.exit_name(s) != n}
    ctx.check("QEMU's endings are named", not wrong, f"{wrong}")
    ctx.check("QEMU's own crash is told apart from the harness's kill and the guest's exit",
              sietchtest.qemu_crashed(-6) and sietchtest.qemu_crashed(-11) and
              not any(sietchtest.qemu_crashed(s) for s in (None, 0, 33, 35, 37, -15, -9)), "")
    # A disk image left by an earlier run is not what the next boot gets.
    os.makedirs(ctx.out_dir, exist_ok=True)
    left = os.path.join(ctx.out_dir, "harness-disk.img")
    with open(left, "wb") as f:
        f.write(b"state from an earlier run")
    m = ctx.machine(None, tag="-disk")
    ctx.check("each boot's disk is made anew", not os.path.exists(left) and
              m.tools_args[:2] == ["--disk", left], f"{left} still there, or {m.tools_args}")
    keep = os.path.join(ctx.out_dir, "harness-keep.img")
    with open(keep, "wb") as f:
        f.write(b"a test's own disk")
    m = ctx.machine(None, tag="-keep", disk=keep)
    ctx.check("a disk the test hands over is kept (reboots on the same disk)",
              os.path.getsize(keep) == 17, "")
    os.remove(keep)
    ctx.machines.clear()  # none of these was started
    return None
