//! Runtime version: custom sections first, else `Core_version`.

mod common;

use parity_scale_codec::Encode;
use subexec_executor::version::CORE_API_ID;
use subexec_executor::{Executor, RuntimeVersion, VersionError};

fn sample() -> RuntimeVersion {
    RuntimeVersion {
        spec_name: "test-spec".into(),
        impl_name: "test-impl".into(),
        authoring_version: 2,
        spec_version: 300,
        impl_version: 4,
        apis: vec![(CORE_API_ID, 4), ([7; 8], 1)],
        transaction_version: 5,
        system_version: 1,
    }
}

fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// A runtime whose `Core_version` returns `bytes` from a data segment.
fn core_version_runtime(bytes: &[u8], custom: &str) -> Vec<u8> {
    let src = format!(
        r#"(module
  (import "env" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 4096))
  (data (i32.const 256) "{data}")
  (func (export "Core_version") (param i32 i32) (result i64)
    (i64.or (i64.const 256) (i64.shl (i64.const {len}) (i64.const 32))))
  {custom})"#,
        data = wat_bytes(bytes),
        len = bytes.len(),
    );
    wat::parse_str(src).unwrap()
}

#[test]
fn version_from_core_version_call() {
    let version = sample();
    let wasm = core_version_runtime(&version.encode(), "");
    let rt = Executor::default().load(&wasm).unwrap();
    assert_eq!(rt.embedded_version(), None);
    assert_eq!(rt.version().unwrap(), version);
    // What ext_misc_runtime_version reports: the raw output.
    assert_eq!(rt.version_bytes().unwrap(), version.encode());
}

#[test]
fn version_from_custom_sections_wins() {
    let version = sample();
    let mut no_apis = version.clone();
    no_apis.apis.clear();
    let apis: Vec<u8> = version
        .apis
        .iter()
        .flat_map(|(id, v)| id.iter().copied().chain(v.to_le_bytes()))
        .collect();
    let custom = format!(
        r#"(@custom "runtime_version" "{}") (@custom "runtime_apis" "{}")"#,
        wat_bytes(&no_apis.encode()),
        wat_bytes(&apis)
    );
    // Core_version returns garbage: it must not be called.
    let wasm = core_version_runtime(&[0xff], &custom);
    let rt = Executor::default().load(&wasm).unwrap();
    assert_eq!(rt.embedded_version(), Some(&version));
    assert_eq!(rt.version().unwrap(), version);
    assert_eq!(rt.version_bytes().unwrap(), version.encode());
}

#[test]
fn bad_core_version_output_is_a_decode_error() {
    let wasm = core_version_runtime(&[0xff, 0xff], "");
    let rt = Executor::default().load(&wasm).unwrap();
    assert!(matches!(rt.version(), Err(VersionError::Decode(_))));
}

#[test]
fn bad_apis_section_fails_the_load() {
    let custom = r#"(@custom "runtime_version" "\00") (@custom "runtime_apis" "\01\02\03")"#;
    let wasm = core_version_runtime(&[], custom);
    assert!(matches!(
        Executor::default().load(&wasm),
        Err(subexec_executor::LoadError::EmbeddedVersion(_))
    ));
}

#[test]
fn runtime_version_reader_reads_other_blobs() {
    use subexec_host_functions::ReadRuntimeVersion;
    let version = sample();
    let executor = Executor::default();
    let wasm = core_version_runtime(&version.encode(), "");
    assert_eq!(executor.read_runtime_version(&wasm), Ok(version.encode()));
    assert!(executor.read_runtime_version(b"not wasm").is_err());
}

/// A runtime whose `Core_version` first looks up the version of `inner` (embedded in a data
/// segment) and traps if that lookup gives `None`.
fn nesting_runtime(inner: &[u8], version: &[u8]) -> Vec<u8> {
    let data_at = 1024usize;
    let version_at = data_at + inner.len();
    let heap_base = (version_at + version.len() + 8).next_multiple_of(8);
    let pages = heap_base / 65_536 + 1;
    let src = format!(
        r#"(module
  (import "env" "memory" (memory {pages}))
  (import "env" "ext_misc_runtime_version_version_1" (func $rv (param i64) (result i64)))
  (global (export "__heap_base") i32 (i32.const {heap_base}))
  (data (i32.const {data_at}) "{inner_data}")
  (data (i32.const {version_at}) "{version_data}")
  (func (export "Core_version") (param i32 i32) (result i64)
    (local $r i64)
    (local.set $r (call $rv (i64.or (i64.const {data_at}) (i64.shl (i64.const {inner_len}) (i64.const 32)))))
    (if (i32.eqz (i32.load8_u (i32.wrap_i64 (local.get $r)))) (then unreachable))
    (i64.or (i64.const {version_at}) (i64.shl (i64.const {version_len}) (i64.const 32)))))"#,
        inner_data = wat_bytes(inner),
        version_data = wat_bytes(version),
        inner_len = inner.len(),
        version_len = version.len(),
    );
    wat::parse_str(src).unwrap()
}

#[test]
fn nested_version_lookups_are_bounded_and_independent_of_caching() {
    use subexec_host_functions::ReadRuntimeVersion;
    let version = sample().encode();
    // chain[0] answers directly; chain[k] looks up chain[k - 1] first.
    let mut chain = vec![core_version_runtime(&version, "")];
    for k in 1..=5 {
        let next = nesting_runtime(&chain[k - 1], &version);
        chain.push(next);
    }
    let limit = subexec_executor::MAX_NESTED_VERSION_READS as usize;
    let shared = Executor::default();
    for (k, blob) in chain.iter().enumerate() {
        // Reading chain[k] nests k + 1 lookups.
        let expected_ok = k < limit;
        for executor in [&Executor::default(), &shared] {
            let read = executor.read_runtime_version(blob);
            assert_eq!(read.is_ok(), expected_ok, "chain[{k}]: {read:?}");
            if expected_ok {
                assert_eq!(read.unwrap(), version);
            }
        }
    }
}
