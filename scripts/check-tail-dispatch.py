#!/usr/bin/env python3
"""Checks that every wasmi instruction handler in a release binary dispatches by a tail jump.

wasmi's default dispatch chains instruction handlers: each handler ends by jumping to the
next one, and relies on LLVM's sibling-call optimisation for it. A handler that *calls* the
next handler instead leaves a native stack frame per executed instruction until the wasm
call returns, so a guest loop over that instruction overflows the host stack (fuzzing
finding 4: `memory.grow` in wasmi 2.0.0). This script disassembles a binary with `objdump`
and lists every `wasmi::engine::executor::handler::exec::*` function that makes an indirect
call through a register (the shape of a non-tail dispatch: `call *(%reg)` / `call *%reg`),
unless the function also ends its dispatch with an indirect jump and the call targets a
known helper (`exec_copy_span_*`, used by `branch_table_span_*`). The `*_out_of_line` helpers
of vendor/wasmi/PATCHES.md (patch 2) are not handlers and are skipped.

Usage: scripts/check-tail-dispatch.py target/release/subexec
Exit status 1 lists the offending handlers. Needs binutils' objdump (x86-64 or aarch64).
"""
import re
import subprocess
import sys


def functions(disassembly):
    current = None
    for line in disassembly.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if header:
            current = header.group(1)
            yield current, []
            continue
        if current is not None and "\t" in line:
            yield current, line.split("\t")[-1].strip()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    text = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", sys.argv[1]],
        check=True, capture_output=True, text=True,
    ).stdout
    bodies = {}
    for name, ins in functions(text):
        if isinstance(ins, list):
            bodies.setdefault(name, [])
        else:
            bodies[name].append(ins)
    # `*_out_of_line` are the helpers of vendor/wasmi/PATCHES.md patch 2: ordinary functions
    # that return to their handler, not handlers.
    handlers = {
        n: b
        for n, b in bodies.items()
        if "wasmi::engine::executor::handler::exec::" in n and not n.endswith("_out_of_line")
    }
    if not handlers:
        sys.exit("no wasmi handlers found: is this a release build with symbols?")
    register_call = re.compile(r"^(call|blr)\s+\*?\(?%?[a-z0-9]+\)?$")
    bad = []
    for name, body in sorted(handlers.items()):
        calls = [i for i in body if register_call.match(i)]
        # `branch_table_span_*` call a span-copy helper chosen by `cmova` and then jump on.
        if calls and "branch_table_span" in name and any(i.startswith("jmp") and "*" in i for i in body):
            continue
        if calls:
            bad.append((name, calls))
    print(f"{len(handlers)} wasmi handlers checked, {len(bad)} dispatch by a non-tail call")
    for name, calls in bad:
        print(f"  {name}: {', '.join(calls)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
