//! The real Substrate node-template runtime from `conformance/third-party/node-template`.

mod node_template_common;

use std::path::PathBuf;

use node_template_common::code;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subexec_executor::blob::{decompress, is_compressed, CODE_BLOB_BOMB_LIMIT};
use subexec_executor::{empty_storage, Executor, HeapAllocStrategy, RuntimeVersion};

fn conformance(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../conformance/third-party/node-template")
        .join(file)
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(conformance("expected.json")).unwrap()).unwrap()
}

/// The crypto host functions the runtime imports are not provided yet; the calls tested here
/// never reach them (only `ext_logging_max_level` and `ext_allocator_*` are hit).
fn executor() -> subexec_executor::ExecutorBuilder {
    Executor::builder().allow_missing_host_functions(true)
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

#[test]
fn blob_decompresses_to_the_expected_wasm() {
    let expected = expected();
    let code = code();
    assert!(is_compressed(&code));
    assert_eq!(
        hex::encode(Sha256::digest(&code)),
        expected["runtime_blob"]["compressed"]["sha256"]
            .as_str()
            .unwrap()
    );
    let wasm = decompress(&code, CODE_BLOB_BOMB_LIMIT).unwrap();
    assert_eq!(
        wasm.len() as u64,
        expected["runtime_blob"]["wasm"]["bytes"].as_u64().unwrap()
    );
    assert_eq!(
        hex::encode(Sha256::digest(&wasm)),
        expected["runtime_blob"]["wasm"]["sha256"].as_str().unwrap()
    );
}

fn check_version(version: &RuntimeVersion, expected: &Value) {
    let cv = &expected["core_version"];
    assert_eq!(version.spec_name, cv["spec_name"].as_str().unwrap());
    assert_eq!(version.impl_name, cv["impl_name"].as_str().unwrap());
    assert_eq!(
        u64::from(version.authoring_version),
        cv["authoring_version"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(version.spec_version),
        cv["spec_version"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(version.impl_version),
        cv["impl_version"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(version.transaction_version),
        cv["transaction_version"].as_u64().unwrap()
    );
    // `state_version: null`: the encoding has no such field, which decodes as 0.
    assert!(cv["state_version"].is_null());
    assert_eq!(version.system_version, 0);
    let apis = cv["apis"].as_array().unwrap();
    assert_eq!(
        version.apis.len() as u64,
        cv["apis_count"].as_u64().unwrap()
    );
    for ((id, ver), api) in version.apis.iter().zip(apis) {
        assert_eq!(&id[..], &unhex(&api["id"])[..], "{}", api["name"]);
        assert_eq!(u64::from(*ver), api["version"].as_u64().unwrap());
    }
}

#[test]
fn version_from_the_custom_sections() {
    let expected = expected();
    let runtime = executor().build().load(&code()).unwrap();
    let embedded = runtime
        .embedded_version()
        .expect("has the sections")
        .clone();
    check_version(&embedded, &expected);
    assert_eq!(runtime.version().unwrap(), embedded);
}

#[test]
fn core_version_call_matches_byte_for_byte() {
    let expected = expected();
    let runtime = executor().build().load(&code()).unwrap();
    let out = runtime
        .call(&mut empty_storage(), "Core_version", &[])
        .unwrap();
    assert_eq!(
        out.output,
        unhex(&expected["core_version"]["raw_return_hex"])
    );
    assert_eq!(
        out.output.len() as u64,
        expected["core_version"]["raw_return_bytes"]
            .as_u64()
            .unwrap()
    );
    let decoded = RuntimeVersion::decode_core_version_output(&out.output).unwrap();
    check_version(&decoded, &expected);
    assert_eq!(decoded, runtime.version().unwrap());
}

#[test]
fn metadata_matches_byte_for_byte_under_every_heap_strategy() {
    let expected = expected();
    let body_hex = std::fs::read_to_string(conformance("metadata.hex")).unwrap();
    let mut want = unhex(&expected["metadata_metadata"]["prefix_hex"]);
    want.extend(hex::decode(body_hex.trim().trim_start_matches("0x")).unwrap());
    assert_eq!(
        want.len() as u64,
        expected["metadata_metadata"]["return_bytes"]
            .as_u64()
            .unwrap()
    );
    let executor = executor().build();
    let runtime = executor.load(&code()).unwrap();
    for strategy in [
        HeapAllocStrategy::default(),
        HeapAllocStrategy::Static { extra_pages: 32 },
        HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        },
    ] {
        let rt = runtime.clone().with_heap_alloc_strategy(strategy);
        let out = rt
            .call(&mut empty_storage(), "Metadata_metadata", &[])
            .unwrap();
        assert!(out.output == want, "{strategy:?}: metadata differs");
        assert_eq!(
            hex::encode(Sha256::digest(&out.output)),
            expected["metadata_metadata"]["return_sha256"]
                .as_str()
                .unwrap()
        );
    }
    // Loaded once, served from the cache afterwards.
    let again = executor.load(&code()).unwrap();
    assert_eq!(again.code_hash(), runtime.code_hash());
    assert_eq!(executor.cached_runtimes(), 1);
}

#[test]
fn fuel_is_deterministic_from_the_first_call() {
    let code = code();
    let mut seen = Vec::new();
    for _ in 0..2 {
        // A fresh engine each time: the first call must not pay anything extra.
        let runtime = executor()
            .fuel(Some(u64::MAX / 2))
            .build()
            .load(&code)
            .unwrap();
        for _ in 0..2 {
            let out = runtime
                .call(&mut empty_storage(), "Core_version", &[])
                .unwrap();
            seen.push((out.fuel_consumed.unwrap(), out.allocation_stats));
        }
    }
    assert!(seen[0].0 > 0);
    assert!(seen.iter().all(|s| *s == seen[0]), "{seen:?}");
    // A budget just below what the call needs runs out.
    let need = seen[0].0;
    let runtime = executor().fuel(Some(need - 1)).build().load(&code).unwrap();
    assert_eq!(
        runtime.call(&mut empty_storage(), "Core_version", &[]),
        Err(subexec_executor::CallError::OutOfFuel { budget: need - 1 })
    );
    let runtime = executor().fuel(Some(need)).build().load(&code).unwrap();
    assert!(runtime
        .call(&mut empty_storage(), "Core_version", &[])
        .is_ok());
}
