//! A module's initial memory costs what the guest touches, not what it declares: a classic
//! runtime importing 63 000 pages (with the default 2 048 heap pages: 4 GiB minus 28 MiB, all
//! Substrate accepts) is instantiated and called, fresh and pooled, with resident memory growing
//! by a few MiB instead of 4 GiB (wasmi_core patch 4, `vendor/wasmi/PATCHES.md`; issue 19,
//! docs/LIMITS.md). The guest still sees zeros everywhere: the call checks the last word of its
//! memory and traps otherwise.
//!
//! Its own test binary: resident memory is a per-process figure, and the other executor tests
//! allocate gigabytes in parallel.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use subexec_executor::{empty_storage, Executor, InstanceReuse};

const PAGES: u64 = 63_000;

fn module() -> Vec<u8> {
    let last_word = PAGES * 65536 - 4;
    wat::parse_str(format!(
        r#"(module
  (import "env" "memory" (memory {PAGES}))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "touch") (param i32 i32) (result i64)
    (if (i32.load (i32.const {last_word})) (then unreachable))
    (i32.store (i32.const {last_word}) (i32.const 1))
    (i32.store (i32.const 0) (i32.const 1))
    (i64.const 0)))"#
    ))
    .unwrap()
}

/// The process's resident anonymous memory in bytes (`RssAnon` of `/proc/self/status`).
fn rss_anon() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("RssAnon:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

#[test]
fn a_4_gib_initial_memory_is_backed_only_where_touched() {
    let blob = module();
    for reuse in [InstanceReuse::Fresh, InstanceReuse::default()] {
        let before = rss_anon();
        let start = std::time::Instant::now();
        let runtime = Executor::builder()
            .instance_reuse(reuse)
            .build()
            .load(&blob)
            .unwrap();
        // Twice: a pooled instance is reset between the calls, and the second call must find
        // the far word zero again.
        for _ in 0..2 {
            let outcome = runtime.call(&mut empty_storage(), "touch", &[]).unwrap();
            assert!(outcome.output.is_empty());
        }
        let grown = rss_anon().saturating_sub(before);
        // Informational (not asserted: timings belong in benches).
        eprintln!(
            "{reuse:?}: load and two calls {:?}, resident memory +{} MiB",
            start.elapsed(),
            grown >> 20
        );
        assert!(
            grown < 64 << 20,
            "{reuse:?}: resident memory grew by {} MiB for a {} MiB memory",
            grown >> 20,
            (PAGES + 2048) * 64 / 1024
        );
    }
}
