//! Static checks of the embedded blobs: wasm features, imports and exports per mode, and the
//! version custom sections (abi.md §2–§4).

use parity_scale_codec::DecodeAll;
use subexec_host_functions::{HostFunction, ValueType};
use subexec_runtime_blobs::{api, Blob, Mode, ALL};
use wasmparser::{
    CompositeInnerType, ExternalKind, FuncType, Parser, Payload, TypeRef, ValType, Validator,
    WasmFeatures,
};

/// What abi.md §4 accepts: MVP + mutable globals + sign extension + saturating float-to-int.
fn allowed_features() -> WasmFeatures {
    WasmFeatures::WASM1 | WasmFeatures::SIGN_EXTENSION | WasmFeatures::SATURATING_FLOAT_TO_INT
}

/// The parts of a module these tests look at.
#[derive(Default)]
struct Shape {
    types: Vec<FuncType>,
    /// (module, name, type) of every import; type is `None` for non-functions.
    imports: Vec<(String, String, TypeRef)>,
    /// Type index of every function (imports first).
    function_types: Vec<u32>,
    exports: Vec<(String, ExternalKind, u32)>,
    globals: Vec<ValType>,
    imported_globals: usize,
    custom: Vec<(String, Vec<u8>)>,
}

fn shape(wasm: &[u8]) -> Shape {
    let mut shape = Shape::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("blob parses") {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.expect("type").into_types() {
                        match sub.composite_type.inner {
                            CompositeInnerType::Func(func) => shape.types.push(func),
                            other => panic!("unexpected type {other:?}"),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.expect("import");
                    match import.ty {
                        TypeRef::Func(index) => shape.function_types.push(index),
                        TypeRef::Global(_) => shape.imported_globals += 1,
                        _ => {}
                    }
                    shape
                        .imports
                        .push((import.module.into(), import.name.into(), import.ty));
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    shape.function_types.push(index.expect("function"));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    shape.globals.push(global.expect("global").ty.content_type);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.expect("export");
                    shape
                        .exports
                        .push((export.name.into(), export.kind, export.index));
                }
            }
            Payload::CustomSection(reader) => {
                shape
                    .custom
                    .push((reader.name().into(), reader.data().to_vec()));
            }
            _ => {}
        }
    }
    shape
}

impl Shape {
    fn export(&self, name: &str) -> Option<(ExternalKind, u32)> {
        self.exports
            .iter()
            .find(|(export, _, _)| export == name)
            .map(|(_, kind, index)| (*kind, *index))
    }

    fn function_type(&self, name: &str) -> &FuncType {
        match self.export(name) {
            Some((ExternalKind::Func, index)) => {
                &self.types[self.function_types[index as usize] as usize]
            }
            other => panic!("{name} is not an exported function: {other:?}"),
        }
    }

    fn custom(&self, name: &str) -> &[u8] {
        let mut sections = self.custom.iter().filter(|(section, _)| section == name);
        let (_, data) = sections
            .next()
            .unwrap_or_else(|| panic!("no `{name}` custom section"));
        assert!(sections.next().is_none(), "two `{name}` custom sections");
        data
    }

    fn imported_function_names(&self) -> Vec<&str> {
        self.imports
            .iter()
            .filter(|(_, _, ty)| matches!(ty, TypeRef::Func(_)))
            .map(|(_, name, _)| name.as_str())
            .collect()
    }
}

/// Host functions that allocate on the host (abi.md §2 table) and so are forbidden in
/// guest-allocator mode (abi.md §3).
const HOST_ALLOCATING: &[&str] = &[
    "ext_allocator_malloc_version_1",
    "ext_allocator_free_version_1",
    "ext_storage_get_version_1",
    "ext_storage_read_version_1",
    "ext_storage_clear_prefix_version_2",
    "ext_storage_root_version_1",
    "ext_storage_root_version_2",
    "ext_storage_next_key_version_1",
    "ext_hashing_keccak_256_version_1",
    "ext_hashing_sha2_256_version_1",
    "ext_hashing_blake2_128_version_1",
    "ext_hashing_blake2_256_version_1",
    "ext_hashing_twox_64_version_1",
    "ext_hashing_twox_128_version_1",
    "ext_hashing_twox_256_version_1",
    "ext_misc_runtime_version_version_1",
    "ext_trie_blake2_256_root_version_1",
    "ext_trie_blake2_256_root_version_2",
    "ext_trie_blake2_256_ordered_root_version_1",
    "ext_trie_blake2_256_ordered_root_version_2",
    "ext_default_child_storage_get_version_1",
    "ext_default_child_storage_read_version_1",
    "ext_default_child_storage_root_version_1",
    "ext_default_child_storage_next_key_version_1",
];

#[test]
fn blobs_use_only_the_allowed_wasm_features() {
    for blob in &ALL {
        Validator::new_with_features(allowed_features())
            .validate_all(blob.wasm)
            .unwrap_or_else(|error| panic!("{}: {error}", blob.name));
    }
}

#[test]
fn blobs_contain_no_float_types_or_instructions() {
    // With `floats` disabled the validator rejects every f32/f64 type and instruction.
    let no_floats = allowed_features().difference(WasmFeatures::FLOATS);
    for blob in &ALL {
        Validator::new_with_features(no_floats)
            .validate_all(blob.wasm)
            .unwrap_or_else(|error| panic!("{} uses floats: {error}", blob.name));
    }
}

#[test]
fn the_validator_does_reject_floats_and_post_mvp_features() {
    // Guards the two tests above: a module using f32, and one using bulk memory, must fail.
    let float_module = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d, // type: () -> f32
        0x03, 0x02, 0x01, 0x00, // function 0 has type 0
        0x0a, 0x09, 0x01, 0x07, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b, // f32.const 1.0
    ];
    let no_floats = allowed_features().difference(WasmFeatures::FLOATS);
    assert!(Validator::new_with_features(allowed_features())
        .validate_all(&float_module)
        .is_ok());
    assert!(Validator::new_with_features(no_floats)
        .validate_all(&float_module)
        .is_err());
    let bulk_memory_module = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
        0x03, 0x02, 0x01, 0x00, // function 0 has type 0
        0x05, 0x03, 0x01, 0x00, 0x01, // memory 1 page
        // body: i32.const 0 i32.const 0 i32.const 0 memory.fill 0
        0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00, 0x0b,
    ];
    assert!(Validator::new_with_features(allowed_features())
        .validate_all(&bulk_memory_module)
        .is_err());
    assert!(Validator::new().validate_all(&bulk_memory_module).is_ok());
}

fn assert_entry_signatures(blob: &Blob, shape: &Shape, params: &[ValType]) {
    for entry in api::entries::ALL {
        let ty = shape.function_type(entry);
        assert_eq!(ty.params(), params, "{}: {entry} params", blob.name);
        assert_eq!(
            ty.results(),
            [ValType::I64],
            "{}: {entry} results",
            blob.name
        );
    }
}

#[test]
fn classic_blobs_have_the_classic_abi() {
    for blob in ALL.iter().filter(|blob| blob.mode == Mode::Classic) {
        let shape = shape(blob.wasm);
        for (module, name, _) in &shape.imports {
            assert_eq!(
                module, "env",
                "{}: import {name} is not from env",
                blob.name
            );
        }
        let memories: Vec<&str> = shape
            .imports
            .iter()
            .filter(|(_, _, ty)| matches!(ty, TypeRef::Memory(_)))
            .map(|(_, name, _)| name.as_str())
            .collect();
        assert_eq!(memories, ["memory"], "{}: imports env.memory", blob.name);
        assert!(shape.export("memory").is_none(), "{}", blob.name);
        match shape.export("__heap_base") {
            Some((ExternalKind::Global, index)) => {
                let ty = shape.globals[index as usize - shape.imported_globals];
                assert_eq!(ty, ValType::I32, "{}: __heap_base type", blob.name);
            }
            other => panic!("{}: __heap_base export is {other:?}", blob.name),
        }
        let functions = shape.imported_function_names();
        for required in [
            "ext_allocator_malloc_version_1",
            "ext_allocator_free_version_1",
            "ext_storage_get_version_1",
            "ext_panic_handler_abort_on_panic_version_1",
        ] {
            assert!(
                functions.contains(&required),
                "{}: no {required}",
                blob.name
            );
        }
        assert_entry_signatures(blob, &shape, &[ValType::I32, ValType::I32]);
    }
}

#[test]
fn guest_allocator_blobs_have_the_rfc_0145_abi() {
    for blob in ALL.iter().filter(|blob| blob.mode == Mode::GuestAllocator) {
        let shape = shape(blob.wasm);
        for (module, name, ty) in &shape.imports {
            assert_eq!(
                module, "env",
                "{}: import {name} is not from env",
                blob.name
            );
            assert!(
                matches!(ty, TypeRef::Func(_)),
                "{}: imports a non-function {name}",
                blob.name
            );
        }
        assert!(
            matches!(shape.export("memory"), Some((ExternalKind::Memory, 0))),
            "{}: exports its memory",
            blob.name
        );
        let functions = shape.imported_function_names();
        for forbidden in HOST_ALLOCATING {
            assert!(
                !functions.contains(forbidden),
                "{}: imports {forbidden}",
                blob.name
            );
        }
        for required in [
            "ext_input_read_version_1",
            "ext_storage_read_version_2",
            "ext_storage_next_key_version_2",
            "ext_hashing_twox_128_version_2",
            "ext_hashing_blake2_128_version_2",
        ] {
            assert!(
                functions.contains(&required),
                "{}: no {required}",
                blob.name
            );
        }
        assert_entry_signatures(blob, &shape, &[ValType::I32]);
    }
}

#[test]
fn version_sections_decode_to_the_expected_runtime_version() {
    let mut spec_names = Vec::new();
    for blob in &ALL {
        let shape = shape(blob.wasm);
        let version = api::RuntimeVersion::decode_all(&mut shape.custom("runtime_version"))
            .unwrap_or_else(|error| panic!("{}: runtime_version: {error}", blob.name));
        assert_eq!(version.spec_name, "subexec-guest", "{}", blob.name);
        assert_eq!(version.spec_version, blob.spec_version, "{}", blob.name);
        assert!(
            version.apis.is_empty(),
            "{}: apis live in runtime_apis",
            blob.name
        );
        spec_names.push(version.spec_name);

        let apis = shape.custom("runtime_apis");
        assert_eq!(apis.len() % 12, 0, "{}: 12-byte records", blob.name);
        let records: Vec<([u8; 8], u32)> = apis
            .chunks_exact(12)
            .map(|record| {
                let id: [u8; 8] = record[..8].try_into().expect("8 bytes");
                let version = u32::from_le_bytes(record[8..].try_into().expect("4 bytes"));
                (id, version)
            })
            .collect();
        // Core's id from abi.md §4; version ≥ 4 is what makes `system_version` present.
        let core = records
            .iter()
            .find(|(id, _)| *id == [0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b])
            .unwrap_or_else(|| panic!("{}: no Core record", blob.name));
        assert!(core.1 >= 4, "{}: Core version {}", blob.name, core.1);
        assert_eq!(records, api::RUNTIME_APIS, "{}", blob.name);
    }
    assert!(spec_names.windows(2).all(|pair| pair[0] == pair[1]));
}

#[test]
fn spec_versions_differ_only_where_expected() {
    assert_ne!(
        subexec_runtime_blobs::CLASSIC,
        subexec_runtime_blobs::CLASSIC_V2
    );
    assert_ne!(
        subexec_runtime_blobs::GUEST_ALLOCATOR,
        subexec_runtime_blobs::GUEST_ALLOCATOR_V2
    );
    assert_eq!(
        subexec_runtime_blobs::blob(Mode::Classic, 2),
        Some(subexec_runtime_blobs::CLASSIC_V2)
    );
    assert_eq!(subexec_runtime_blobs::blob(Mode::GuestAllocator, 3), None);
}

fn value_type(ty: ValType) -> ValueType {
    match ty {
        ValType::I32 => ValueType::I32,
        ValType::I64 => ValueType::I64,
        other => panic!("non-integer type {other:?} in a host function signature"),
    }
}

#[test]
fn classic_blobs_import_every_host_function_with_the_hosts_signature() {
    // So `HostApi_run` exercises every classic function the host registry implements. The
    // RFC-0145 functions only the guest-allocator blob imports are not expected here.
    let guest = shape(subexec_runtime_blobs::GUEST_ALLOCATOR);
    let guest_imports = guest.imported_function_names();
    for blob in ALL.iter().filter(|blob| blob.mode == Mode::Classic) {
        let shape = shape(blob.wasm);
        let classic_imports = shape.imported_function_names();
        let guest_only =
            |name: &str| guest_imports.contains(&name) && !classic_imports.contains(&name);
        let rfc0145 =
            |f: &HostFunction| f.style() == subexec_host_functions::FunctionStyle::GuestAllocating;
        // The rest of sp-io 49's host API (issue 15) is not in `HostApi_run` yet: it is
        // exercised against sp-io by `host-functions/tests/differential_sp_io.rs` (crypto:
        // `differential_crypto.rs`) and through the executor by `executor/tests/host_api.rs`.
        let not_in_guest_yet = |f: &HostFunction| {
            let name = f.name();
            [
                "ext_offchain_",
                "ext_transaction_index_",
                "ext_wasm_tracing_",
                "ext_trie_keccak_",
                "ext_crypto_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
                || name.contains("verify_proof")
                || name == "ext_hashing_keccak_512_version_1"
                || name == "ext_storage_proof_size_storage_proof_size_version_1"
                || matches!(
                    f,
                    HostFunction::StorageClearPrefixV3Classic
                        | HostFunction::DefaultChildStorageClearPrefixV3Classic
                        | HostFunction::DefaultChildStorageStorageKillV4Classic
                )
        };
        for function in HostFunction::ALL
            .iter()
            .filter(|f| !guest_only(f.name()) && !rfc0145(f) && !not_in_guest_yet(f))
        {
            let ty = shape
                .imports
                .iter()
                .find_map(|(_, name, ty)| match ty {
                    TypeRef::Func(index) if name == function.name() => {
                        Some(&shape.types[*index as usize])
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{}: does not import {}", blob.name, function.name()));
            let params: Vec<ValueType> = ty.params().iter().copied().map(value_type).collect();
            let result: Option<ValueType> = ty.results().first().copied().map(value_type);
            assert_eq!(
                params,
                function.params(),
                "{}: {}",
                blob.name,
                function.name()
            );
            assert_eq!(
                result,
                function.result(),
                "{}: {}",
                blob.name,
                function.name()
            );
        }
        for name in shape.imported_function_names() {
            assert!(
                HostFunction::from_name(name).is_some(),
                "{}: imports {name}, which the host does not implement",
                blob.name
            );
        }
    }
}
