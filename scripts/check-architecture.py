#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md's crate table matches the manifests.

For every row of the table (crate, dir, job, normal dependencies) the set of dependency names in
backticks in the last column must equal the crate's normal dependencies (`[dependencies]`,
optional ones included, target-specific ones included) as `cargo metadata --no-deps` reports
them, and every package of the workspace, of `vendor/wasmi` and of `runtime-guest` must have a
row (the vendored wasmi_core and wasmi_ir too). Renamed dependencies count by the name the code uses (`wasmi`, `codec`).

Usage: scripts/check-architecture.py   (from anywhere; needs cargo, reads no network)
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = [
    ROOT / "Cargo.toml",
    ROOT / "vendor/wasmi/Cargo.toml",
    ROOT / "vendor/wasmi_core/Cargo.toml",
    ROOT / "vendor/wasmi_ir/Cargo.toml",
    ROOT / "runtime-guest/Cargo.toml",
]


def manifest_dependencies():
    crates = {}
    for manifest in MANIFESTS:
        out = subprocess.run(
            ["cargo", "metadata", "--offline", "--no-deps", "--format-version", "1",
             "--manifest-path", str(manifest)],
            check=True, capture_output=True, text=True,
        ).stdout
        for package in json.loads(out)["packages"]:
            crates[package["name"]] = {
                dep.get("rename") or dep["name"]
                for dep in package["dependencies"]
                if dep["kind"] is None
            }
    return crates


def documented_dependencies():
    text = (ROOT / "docs/ARCHITECTURE.md").read_text()
    crates = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`subexec-"):
            continue
        name = cells[0].strip("`")
        # Backticked names; `(package ...)` notes and feature names in parentheses are not deps.
        deps_cell = re.sub(r"\([^)]*\)", "", cells[3])
        crates[name] = set(re.findall(r"`([A-Za-z0-9_-]+)`", deps_cell))
    return crates


def main():
    actual = manifest_dependencies()
    documented = documented_dependencies()
    problems = []
    for name in sorted(set(actual) | set(documented)):
        if name not in documented:
            problems.append(f"{name}: no row in docs/ARCHITECTURE.md")
        elif name not in actual:
            problems.append(f"{name}: documented but no such package")
        elif actual[name] != documented[name]:
            missing = sorted(actual[name] - documented[name])
            extra = sorted(documented[name] - actual[name])
            problems.append(f"{name}: not documented {missing}, not in the manifest {extra}")
    for problem in problems:
        print(f"docs/ARCHITECTURE.md: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"docs/ARCHITECTURE.md matches the manifests of {len(actual)} crates")


if __name__ == "__main__":
    main()
