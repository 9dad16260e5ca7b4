"""tests/system/test_faults.py: deliberate CPU driver faults print a full dump and stop.

One boot per fault kind (a fatal fault ends its boot). Each must print the
exception's name and error code, the whole register dump and a backtrace,
then leave QEMU with the panic status: never hang, reboot or triple-fault.
"""

REGS = r"rax [0-9a-f]{16} rbx [0-9a-f]{16} rcx [0-9a-f]{16} rdx [0-9a-f]{16}\n" \
       r"rsi .*\nr8 .*\nr12 .*\nrip [0-9a-f]{16} cs  0008 rflags .*\ncr0 .*\n" \
       r"backtrace \(frame pointers\): 0x"

# kind -> what the exception line must say
KINDS = {
    "pf": r"CPU exception 14: Page Fault \(#PF\), error code 0x2 \(not-present page, write, "
          r"supervisor mode\)\n.*faulting address \(cr2\) 0x00000deadbeef000",
    "ud": r"CPU exception 6: Invalid Opcode \(#UD\), error code 0",
    "de": r"CPU exception 0: Divide Error \(#DE\)",
    "gp": r"CPU exception 13: General Protection \(#GP\), error code 0",
    "wp": r"CPU exception 14: Page Fault \(#PF\), error code 0x3 \(protection violation on write",
    # Running off the stack into its guard page: the #PF cannot be pushed,
    # so the CPU raises #DF, which runs on its own IST stack.
    "stack": r"CPU exception 8: Double Fault \(#DF\), error code 0",
}


def run(ctx):
    last = None
    for kind, line in KINDS.items():
        iso = ctx.iso(kargs=f"panic=exit crash={kind}", tag=f"-{kind}",
                      menu="tests/system/menus/kernel-only.lst")
        m = ctx.machine(iso, tag=f"-{kind}")
        with m:
            try:
                m.expect(line, timeout=30)
                m.expect(REGS, timeout=10)
                m.expect(r"\*\*\* kernel halted", timeout=10)
                ok, why = True, ""
            except Exception as e:
                ok, why = False, str(e)
            ctx.check(f"crash={kind} dump", ok, why)
            status = m.wait_exit(timeout=20)
            ctx.check(f"crash={kind} exit", status == 37, f"QEMU status {status}, want 37 (panic)")
        last = m
    return last
