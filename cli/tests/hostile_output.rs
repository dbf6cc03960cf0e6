//! What the command line prints when a runtime or a file is hostile: one escaped, bounded
//! error line (`subexec_cli::text`), the documented exit codes, a default fuel budget on every
//! subcommand that runs guest code (`subexec_cli::limits`), and a note instead of silence when
//! a heap report cannot be made. See `docs/LIMITS.md`.

mod cli_common;

use cli_common::{subexec, temp, Out, TempPath};
use parity_scale_codec::Encode;
use subexec_cli::limits::DEFAULT_VERSION_FUEL;
use subexec_executor::version::CORE_API_ID;
use subexec_executor::RuntimeVersion;

/// A classic runtime from WAT, written to a temporary file.
fn runtime(name: &str, wat: &str) -> TempPath {
    let path = temp(name);
    std::fs::write(&path, wat::parse_str(wat).expect("valid WAT")).expect("written");
    path
}

/// A `Core_version` export (`run` reads the version first) returning a valid version from a
/// data segment at 512.
fn core_version() -> String {
    let version = RuntimeVersion {
        spec_name: "hostile".into(),
        impl_name: "hostile".into(),
        authoring_version: 1,
        spec_version: 1,
        impl_version: 1,
        apis: vec![(CORE_API_ID, 4)],
        transaction_version: 1,
        system_version: 1,
    }
    .encode();
    format!(
        r#"(data (i32.const 512) "{}")
  (func (export "Core_version") (param i32 i32) (result i64)
    (i64.or (i64.const 512) (i64.shl (i64.const {}) (i64.const 32))))"#,
        data(&version),
        version.len()
    )
}

/// The data segment text of `bytes` (`\xx` escapes).
fn data(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// A classic runtime whose `entry` panics with `message` (as sp-io's panic handler does:
/// `ext_panic_handler_abort_on_panic_version_1`, then `unreachable`).
fn panicking(message: &[u8]) -> TempPath {
    let wat = format!(
        r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_panic_handler_abort_on_panic_version_1" (func $abort (param i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (data (i32.const 1024) "{}")
  {}
  (func (export "entry") (param i32 i32) (result i64)
    (call $abort (i64.or (i64.const 1024) (i64.shl (i64.const {}) (i64.const 32))))
    unreachable))"#,
        data(message),
        core_version(),
        message.len()
    );
    runtime("panic.wasm", &wat)
}

fn stderr_is_one_safe_line(out: &Out) {
    let line = out.stderr.strip_suffix('\n').unwrap_or(&out.stderr);
    assert!(line.starts_with("error: "), "{}", out.stderr);
    assert!(
        !line.chars().any(char::is_control),
        "control characters on stderr: {:?}",
        out.stderr
    );
}

#[test]
fn a_runtime_panic_cannot_forge_lines_or_escape_codes() {
    let path = panicking(b"boom\nerror: all good\r\x1b[2K\x1b]0;title\x07");
    let out = subexec(&[
        "run",
        "--runtime",
        path.to_str().unwrap(),
        "--call",
        "entry",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
    assert_eq!(
        out.stderr,
        "error: `entry` failed: Runtime panicked: \
         boom\\u{a}error: all good\\u{d}\\u{1b}[2K\\u{1b}]0;title\\u{7}\n"
    );
}

#[test]
fn a_long_panic_message_is_cut() {
    let message = vec![b'x'; 100_000];
    let path = panicking(&message);
    let out = subexec(&[
        "run",
        "--runtime",
        path.to_str().unwrap(),
        "--call",
        "entry",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
    // "Runtime panicked: " and the message, cut at the bound.
    let shown = 100_000 + "Runtime panicked: ".len() - subexec_cli::text::MAX_FOREIGN_TEXT_BYTES;
    assert!(
        out.stderr
            .ends_with(&format!("xxxx… ({shown} more bytes)\n")),
        "{}",
        &out.stderr[out.stderr.len().saturating_sub(200)..]
    );
    assert!(out.stderr.len() < 1200, "{} bytes", out.stderr.len());
}

#[test]
fn runtime_log_lines_are_escaped() {
    let target = b"runtime\nerror";
    let message = b"forged\nerror: line\x1b[31m";
    let wat = format!(
        r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_logging_log_version_1" (func $log (param i32 i64 i64)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (data (i32.const 1024) "{}")
  (data (i32.const 2048) "{}")
  {}
  (func (export "entry") (param i32 i32) (result i64)
    (call $log (i32.const 1) ;; warn
      (i64.or (i64.const 1024) (i64.shl (i64.const {}) (i64.const 32)))
      (i64.or (i64.const 2048) (i64.shl (i64.const {}) (i64.const 32))))
    i64.const 0))"#,
        data(target),
        data(message),
        core_version(),
        target.len(),
        message.len()
    );
    let path = runtime("log.wasm", &wat);
    let out = subexec(&[
        "-l",
        "trace",
        "run",
        "--runtime",
        path.to_str().unwrap(),
        "--call",
        "entry",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines.contains(&"WARN runtime\\u{a}error: forged\\u{a}error: line\\u{1b}[31m"),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("error: line")),
        "{lines:?}"
    );
}

/// `Core_version` loops forever.
fn endless_version() -> TempPath {
    runtime(
        "loop.wasm",
        r#"(module
  (import "env" "memory" (memory 17))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "Core_version") (param i32 i32) (result i64) (loop br 0) i64.const 0))"#,
    )
}

#[test]
fn version_reads_are_bounded_by_default() {
    let path = endless_version();
    let file = path.to_str().unwrap();
    let out = subexec(&["version", file]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
    assert!(
        out.stderr.contains(&format!(
            "Core_version call failed: out of fuel (budget {DEFAULT_VERSION_FUEL})"
        )),
        "{}",
        out.stderr
    );
    // `inspect` reports the version as unreadable and describes the rest.
    let out = subexec(&["inspect", file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "version:    unreadable: Core_version call failed: out of fuel (budget {DEFAULT_VERSION_FUEL})"
        )),
        "{}",
        out.stdout
    );
    // `upgrade-check` cannot read OLD's version: the runtime's fault.
    let out = subexec(&["upgrade-check", "--fuel", "1000", file, file]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("out of fuel (budget 1000)"),
        "{}",
        out.stderr
    );
}

#[test]
fn calls_are_bounded_by_default() {
    let path = runtime(
        "loop-entry.wasm",
        &format!(
            r#"(module
  (import "env" "memory" (memory 17))
  (global (export "__heap_base") i32 (i32.const 1048576))
  {}
  (func (export "entry") (param i32 i32) (result i64) (loop br 0) i64.const 0))"#,
            core_version()
        ),
    );
    let out = subexec(&[
        "run",
        "--runtime",
        path.to_str().unwrap(),
        "--call",
        "entry",
        "--fuel",
        "100000",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: `entry` failed: out of fuel (budget 100000)\n"
    );
    // Without `--fuel` the budget is the default (not run to the end here: 2·10¹⁰ takes a
    // while), as the help says.
    let help = subexec(&["run", "--help"]);
    assert!(
        help.stdout.contains(&format!(
            "[default: {}]",
            subexec_cli::limits::DEFAULT_CALL_FUEL
        )),
        "{}",
        help.stdout
    );
}

#[test]
fn a_runtime_without_core_version_is_bad_input() {
    let path = runtime(
        "no-version.wasm",
        r#"(module
  (import "env" "memory" (memory 17))
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "entry") (param i32 i32) (result i64) i64.const 0))"#,
    );
    let out = subexec(&["version", path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
}

#[test]
fn a_missing_conformance_path_is_bad_input() {
    let out = subexec(&["conformance", "/nonexistent"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
    assert!(
        out.stderr.contains("cannot read `/nonexistent`"),
        "{}",
        out.stderr
    );
}

#[test]
fn garbage_is_one_line_without_debug_dumps() {
    let path = temp("garbage.bin");
    let garbage: Vec<u8> = (0..1600u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    for command in ["version", "inspect"] {
        let out = subexec(&[command, path.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        stderr_is_one_safe_line(&out);
        assert!(out.stderr.len() < 300, "{command}: {}", out.stderr);
    }
    // Not wasm: the load error says so instead of wasmparser's byte-array dump.
    let out = subexec(&["version", path.to_str().unwrap()]);
    assert!(
        out.stderr.contains("not a wasm binary: it starts with 0x"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_import_of_the_wrong_shape_is_described_not_dumped() {
    // A memory import whose maximum is below what the heap strategy provides.
    let path = runtime(
        "small-memory.wasm",
        r#"(module
  (import "env" "memory" (memory 1 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "Core_version") (param i32 i32) (result i64) i64.const 0))"#,
    );
    let out = subexec(&[
        "run",
        "--runtime",
        path.to_str().unwrap(),
        "--call",
        "Core_version",
    ]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    stderr_is_one_safe_line(&out);
    assert!(!out.stderr.contains('{'), "{}", out.stderr);
}

/// Runs `call` of `runtime` with `--heap-report`, which succeeds without writing the report;
/// returns stderr.
fn run_without_heap_report(runtime: &std::path::Path, call: &str) -> String {
    let report = temp("heap.svg");
    let out = subexec(&[
        "run",
        "--runtime",
        runtime.to_str().unwrap(),
        "--call",
        call,
        "--heap-report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!report.exists());
    out.stderr
}

#[test]
fn a_heap_report_that_cannot_be_made_says_why() {
    let blob = temp("guest.wasm");
    std::fs::write(&blob, subexec_runtime_blobs::GUEST_ALLOCATOR).unwrap();
    let stderr = run_without_heap_report(&blob, "Core_version");
    assert!(
        stderr.contains(
            "note: no heap report or memory budget for `Core_version`: a guest-allocator"
        ),
        "{stderr}"
    );
}

#[test]
fn a_call_past_the_trace_limit_says_why() {
    // 2^21 allocations and frees: more events than a trace holds.
    let path = runtime(
        "many-allocations.wasm",
        &format!(
            r#"(module
  (import "env" "memory" (memory 17))
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (import "env" "ext_allocator_free_version_1" (func $free (param i32)))
  (global (export "__heap_base") i32 (i32.const 1048576))
  {}
  (func (export "entry") (param i32 i32) (result i64)
    (local $n i32)
    (local.set $n (i32.const 1048577))
    (loop $again
      (call $free (call $malloc (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (local.get $n)))
    i64.const 0))"#,
            core_version()
        ),
    );
    let stderr = run_without_heap_report(&path, "entry");
    assert!(
        stderr.contains(&format!(
            "note: no heap report or memory budget for `entry`: it made more than {} allocator operations",
            subexec_host_functions::MAX_TRACE_EVENTS
        )),
        "{stderr}"
    );
}
