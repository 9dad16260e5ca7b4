"""tools/sietchtest.py: boot Sietch in QEMU and talk to it, for tests and benchmarks.

A Machine is one QEMU process started through tools/qemu. A reader thread
collects its serial output; expect() waits for a regular expression in what
has not been consumed yet, send() types into the serial console. The QEMU
process is ended by its PID only (never by name: the machine is shared).

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
EXIT_NAMES = {33: "pass", 35: "fail", 37: "panic"}
TEST_LINE = re.compile(r"TEST (PASS|FAIL) (\S+?)(?::\s*(.*))?\r?$", re.M)


class Timeout(Exception):
    pass


def exit_name(status):
    """The meaning of a QEMU exit status: pass, fail, panic, or 'status N'."""
    if status is None:
        return "running"
    return EXIT_NAMES.get(status, f"status {status}")


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
        self.out = ""   # everything read so far
        self.pos = 0    # expect() consumes up to here
        self.proc = None
        self.status = None
        self._cond = threading.Condition()

    def start(self):
        os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
        self._log = open(self.log_path, "w", errors="replace")
        cmd = [os.path.join(ROOT, "tools/qemu"), *self.tools_args, *([self.iso] if self.iso else []),
               "--", *self.qemu_args]
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
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
            # Drop every CR (chunks may split a CRLF): patterns match on \n.
            text = chunk.decode("utf-8", errors="replace").replace("\r", "")
            self._log.write(text)
            self._log.flush()
            with self._cond:
                self.out += text
                self._cond.notify_all()
        self.proc.wait()
        with self._cond:
            self.status = self.proc.returncode
            self._cond.notify_all()

    def expect(self, pattern, timeout=30):
        """Wait for pattern (a regex) in the unconsumed output; consume up to
        the end of the match and return it. Raises Timeout with context."""
        rx = re.compile(pattern, re.M)
        deadline = time.time() + timeout
        with self._cond:
            while True:
                m = rx.search(self.out, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.time()
                if left <= 0 or (self.status is not None and not self._reader.is_alive()):
                    why = "timed out" if left <= 0 else f"QEMU exited ({exit_name(self.status)})"
                    raise Timeout(f"{why} waiting for /{pattern}/; last output: "
                                  f"{self.out[-300:]!r}")
                self._cond.wait(min(left, 0.5))

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

    def test_lines(self):
        """All TEST PASS/FAIL lines seen: [(id, ok, why)]."""
        with self._cond:
            return [(m.group(2), m.group(1) == "PASS", m.group(3) or "")
                    for m in TEST_LINE.finditer(self.out)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


def symbolize(text, elf):
    """Add function names to the addresses on a kernel backtrace line."""
    m = re.search(r"backtrace \(frame pointers\):((?: 0x[0-9a-f]+)+)", text)
    if not m or not os.path.exists(elf):
        return ""
    addrs = m.group(1).split()
    r = subprocess.run(["addr2line", "-f", "-p", "-e", elf, *addrs], capture_output=True,
                       text=True)
    return "".join(f"    {a}: {line}\n" for a, line in zip(addrs, r.stdout.splitlines()))
