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
