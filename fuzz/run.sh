#!/usr/bin/env bash
# Runs every cargo-fuzz target of subexec for SECONDS seconds each (default 30).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Installs what it needs (cargo-fuzz, pinned; the toolchain FUZZ_TOOLCHAIN if it is missing),
# builds all targets once (release, debug assertions and overflow checks on except in wasmi
# and sc-allocator, see fuzz/Cargo.toml; no sanitizer: the code under test is safe Rust and
# AddressSanitizer would defeat wasmi's tail-call dispatch), then fuzzes each target from its
# seed corpus (fuzz/corpus/<target>, committed) plus the crash inputs of fuzz/regressions.
#
# FUZZ_TOOLCHAIN (default: stable): without a sanitizer cargo-fuzz passes no -Z flag, so
# stable builds the targets; it must have the wasm32v1-none target that runtime-blobs' build
# script needs for the bundled runtime-guest (set FUZZ_TOOLCHAIN=nightly where nightly has it).
# See docs/FUZZING.md.
# New corpus entries go to a scratch directory, so a run leaves the repository unchanged.
#
# Exits non-zero if any target crashes, leaks past the RSS limit, times out on one input or
# fails to build. Crash inputs are kept in fuzz/artifacts/<target>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-30}"
shift || true
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
    TARGETS=(allocator_differential executor_modules host_api blob_loading block_import crypto_offchain snapshot state_db)
fi
CARGO_FUZZ_VERSION=0.13.2
RSS_LIMIT_MB=2048
TIMEOUT_S=20

TOOLCHAIN="${FUZZ_TOOLCHAIN:-stable}"
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$TOOLCHAIN" --profile minimal
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

BUILD_FLAGS=(-O -s none)
cargo +"$TOOLCHAIN" fuzz build "${BUILD_FLAGS[@]}"

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
    mkdir -p "$SCRATCH/$target" "artifacts/$target"
    seeds=("corpus/$target")
    if [ -d "regressions/$target" ]; then
        seeds+=("regressions/$target")
    fi
    echo "== $target: ${SECONDS_PER_TARGET}s"
    status=0
    cargo +"$TOOLCHAIN" fuzz run "${BUILD_FLAGS[@]}" "$target" "$SCRATCH/$target" "${seeds[@]}" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_LIMIT_MB" \
        -timeout="$TIMEOUT_S" -print_final_stats=1 >"$SCRATCH/$target.log" 2>&1 || status=$?
    # The start and end of the run, the final statistics and any failure report.
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)|^==[0-9]+==|panicked|^SUMMARY|^artifact_prefix|Test unit written' \
        "$SCRATCH/$target.log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$SCRATCH/$target.log" >&2
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "fuzz targets failed: ${failed[*]}" >&2
    exit 1
fi
echo "all fuzz targets ran ${SECONDS_PER_TARGET}s without a crash"
