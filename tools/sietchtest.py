"""tools/sietchtest.py: boot Sietch in QEMU and talk to it, for tests and benchmarks.

A Machine is one QEMU process started through tools/qemu. A reader thread
collects its serial output; expect() waits for a regular expression in what
has not been consumed yet, send() types into the serial console. The QEMU
process is ended by its PID only (never by name: the machine is shared).

The output is the guest's serial line alone, as a terminal shows it: CRs
are dropped, and the console's "erase this line" (CR ESC [K, sent when
another program prints over the shell's input line, which is then drawn
again below: cpudriver/include/console_line.h) removes the line from the
text. QEMU's own messages (its stderr) go to a file of their own beside the
log, NAME.qemu.log: qemu_messages() reads it.

isa-debug-exit statuses (see cpudriver/arch/x86_64/include/arch/platform.h):
33 pass, 35 fail, 37 panic.
"""
import os
import re
import signal
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# isa-debug-exit's statuses, and 0: the guest switched the machine off (ACPI S5).
EXIT_NAMES = {33: "pass", 35: "fail", 37: "panic", 0: "poweroff"}
TEST_LINE = re.compile(r"TEST (PASS|FAIL) (\S+?)(?::\s*(.*))?\r?$", re.M)
ERASE_LINE = "\r\x1b[K"  # the console takes its edit line off the screen
SIGNALS = {6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}


class Timeout(Exception):
    pass


def exit_name(status):
    """The meaning of a QEMU exit status: pass, fail, panic, poweroff, or 'status N'."""
    if status is None:
        return "running"
    if status < 0:
        return f"killed by signal {-status} ({SIGNALS.get(-status, 'signal')})"
    return EXIT_NAMES.get(status, f"status {status}")


def qemu_crashed(status):
    """Whether a QEMU exit status is QEMU's own crash (an assertion's abort,
    a segfault), not anything the guest did or the harness asked."""
    return status is not None and status in (-6, -11)


def paced_connect(build="build"):
    """The path of tools/paced-connect.c built as a shared library (for
    LD_PRELOAD into a client that opens many connections through QEMU's
    user network at once), made by its rule in hake/targets.mk when stale."""
    build = os.path.abspath(build)
    lib = os.path.join(build, "tools", "paced-connect.so")
    subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={build}", lib], cwd=ROOT,
                   check=True)
    return lib


def make_iso(name, menu, out_dir, kargs="", modules=(), build="build"):
    """Build out_dir/name.iso from a base menu plus extra module lines.
    Returns (path, error message or None)."""
    os.makedirs(out_dir, exist_ok=True)
    menu_path = os.path.join(out_dir, name + ".lst")
    with open(os.path.join(ROOT, menu)) as f:
        text = f.read()
    text += "".join(f"module {m}\n" for m in modules)
    with open(menu_path, "w") as f:
        f.write(text)
    iso = os.path.join(out_dir, name + ".iso")
    r = subprocess.run([os.path.join(ROOT, "tools/mkiso"), "--menu", menu_path,
                        "--search", os.path.join(build, "sbin"), "--out", iso,
                        "--kargs", kargs], capture_output=True, text=True, cwd=ROOT)
    return iso, (r.stderr.strip() or "mkiso failed") if r.returncode else None


class Machine:
    """One QEMU boot of an ISO."""

    def __init__(self, iso, log_path, qemu_args=(), env=None, tools_args=()):
        self.iso, self.log_path = iso, log_path
        self.qemu_args, self.tools_args = list(qemu_args), list(tools_args)
        self.env = dict(os.environ, **(env or {}))
        self.out = ""   # everything read so far, as a terminal shows it
        self.pos = 0    # expect() consumes up to here
        self._want = None    # the pattern an expect() waits for, tried before each erase
        self._caught = None  # its match on a line erased meanwhile
        self._carry = ""  # a chunk's tail that may begin ERASE_LINE
        root, _ = os.path.splitext(log_path)
        self.qemu_log_path = root + ".qemu.log"  # QEMU's stderr
        self.proc = None
        self.status = None
        self._cond = threading.Condition()

    def start(self):
        os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
        self._log = open(self.log_path, "w", errors="replace")
        self._qemu_log = open(self.qemu_log_path, "w")
        cmd = [os.path.join(ROOT, "tools/qemu"), *self.tools_args, *([self.iso] if self.iso else []),
               "--", *self.qemu_args]
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._qemu_log, env=self.env, cwd=ROOT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            with self._cond:
                self._feed(chunk.decode("utf-8", errors="replace"))
                self._cond.notify_all()
        self.proc.wait()
        with self._cond:
            self.status = self.proc.returncode
            self._cond.notify_all()

    def _feed(self, text):
        """Add serial output as a terminal shows it (called with _cond held).
        CRs go (patterns match on \\n); ERASE_LINE removes the current line,
        and what expect() had consumed of it is unconsumed (it is drawn
        again). A line erased in the chunk that drew it was on the screen all
        the same: the pattern expect() waits for is tried on it first (under
        a flood of background lines the shell's prompt is redrawn and erased
        in every chunk). The log keeps ERASE_LINE, so `cat` shows it as it
        was."""
        text = self._carry + text
        self._carry = ""
        for k in range(len(ERASE_LINE) - 1, 0, -1):  # a chunk may split it
            if text.endswith(ERASE_LINE[:k]):
                text, self._carry = text[:-k], text[-k:]
                break
        parts = [p.replace("\r", "") for p in text.split(ERASE_LINE)]
        self._log.write(ERASE_LINE.join(parts))
        self._log.flush()
        for i, part in enumerate(parts):
            if i:
                if self._want is not None and self._caught is None:
                    self._caught = self._want.search(self.out, self.pos)
                    if self._caught:
                        self.pos = self._caught.end()
                start = self.out.rfind("\n") + 1
                self.out = self.out[:start]
                self.pos = min(self.pos, start)
            self.out += part

    def qemu_messages(self):
        """What QEMU itself printed (its stderr), so far."""
        try:
            with open(self.qemu_log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def why_ended(self):
        """How QEMU ended, with its last message if it crashed."""
        why = f"QEMU exited ({exit_name(self.status)})"
        if qemu_crashed(self.status):
            last = self.qemu_messages().strip().splitlines()[-1:] or ["no message"]
            why = f"QEMU itself crashed ({exit_name(self.status)}: {last[0]}), not Sietch"
        return why

    def expect(self, pattern, timeout=30):
        """Wait for pattern (a regex) in the unconsumed output; consume up to
        the end of the match and return it. Raises Timeout with context."""
        rx = re.compile(pattern, re.M)
        deadline = time.time() + timeout
        with self._cond:
            self._want, self._caught = rx, None
            try:
                while True:
                    if self._caught:  # on a line erased since (pos is set)
                        return self._caught
                    m = rx.search(self.out, self.pos)
                    if m:
                        self.pos = m.end()
                        return m
                    left = deadline - time.time()
                    if left <= 0 or (self.status is not None and not self._reader.is_alive()):
                        why = "timed out" if left <= 0 else self.why_ended()
                        raise Timeout(f"{why} waiting for /{pattern}/; last output: "
                                      f"{self.out[-300:]!r}")
                    self._cond.wait(min(left, 0.5))
            finally:
                self._want = None

    def send(self, text):
        """Type text into the serial console."""
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout=30):
        """Wait for QEMU to exit; returns its status or None on timeout."""
        deadline = time.time() + timeout
        with self._cond:
            while self.status is None and time.time() < deadline:
                self._cond.wait(min(0.5, max(0.01, deadline - time.time())))
        if self.status is not None:
            self._reader.join(timeout=5)
        return self.status

    def kill(self, sig=signal.SIGTERM):
        """End this QEMU (by PID) if it still runs."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._reader.join(timeout=5)
            self._log.close()
            self._qemu_log.close()

    def test_lines(self):
        """All TEST PASS/FAIL lines seen: [(id, ok, why)]."""
        with self._cond:
            return [(m.group(2), m.group(1) == "PASS", m.group(3) or "")
                    for m in TEST_LINE.finditer(self.out)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


def cut_off(text):
    """Split console text at its last newline: (the complete lines, the cut-off
    last line). A QEMU killed mid-line leaves a line without its end, and
    a regex with re.M's $ would match that piece as if it were whole."""
    end = text.rfind("\n") + 1
    return text[:end], text[end:]


def symbolize(text, elf):
    """Add function names to the addresses on a kernel backtrace line."""
    m = re.search(r"backtrace \(frame pointers\):((?: 0x[0-9a-f]+)+)", text)
    if not m or not os.path.exists(elf):
        return ""
    addrs = m.group(1).split()
    r = subprocess.run(["addr2line", "-f", "-i", "-p", "-e", elf, *addrs], capture_output=True,
                       text=True)
    # With -i, a function inlined at an address adds " (inlined by) ..." lines.
    frames = []
    for line in r.stdout.splitlines():
        if line.startswith(" (inlined by)") and frames:
            frames[-1] += f"\n        {line.strip()}"
        else:
            frames.append(line)
    return "".join(f"    {a}: {frame}\n" for a, frame in zip(addrs, frames))
