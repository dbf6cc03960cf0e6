#!/usr/bin/env bash
# Runs every test of the workspace, then a short smoke run of every fuzz target.
# This is the README's test command and what CI runs (after fmt and clippy).
#
#   SUBEXEC_FUZZ_SECONDS=N   seconds per fuzz target (default 10)
#   SUBEXEC_SKIP_FUZZ=1      skip the fuzz smoke run (quick local runs)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked
# The executor's `substrate` feature (sp-core's executor traits, `StateMachine` with subexec)
# and the examples of docs/EMBEDDING.md, which use it.
cargo test -p subexec-executor --features substrate --locked --test substrate
cargo test -p subexec-executor --features substrate --locked --doc

# wasmi's tail-call dispatch must stay a chain of sibling calls (docs/FUZZING.md, finding 4):
# check every instruction handler of a test binary, built with wasmi's release settings.
dispatch_binary=$(ls -t "${CARGO_TARGET_DIR:-target}"/debug/deps/wasmi_patches-* | grep -v '\.d$' | sed -n 1p)
python3 scripts/check-tail-dispatch.py "$dispatch_binary"

if [ "${SUBEXEC_SKIP_FUZZ:-0}" != 1 ]; then
    if [ "${CI:-}" = true ]; then
        # On CI nothing uses the workspace build after its tests; freeing it before the
        # sanitizer-instrumented fuzz build (fuzz/target) halves the peak disk use.
        du -sh target 2>/dev/null | sed 's/^/ci: workspace build: /' || true
        rm -rf target/debug
    fi
    # Installs cargo-fuzz if missing; exits non-zero on any crash, leak or hang.
    fuzz/run.sh "${SUBEXEC_FUZZ_SECONDS:-10}"
fi
