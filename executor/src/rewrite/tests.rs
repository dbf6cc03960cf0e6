//! Tests of the load-time rewrite on hand-written modules, the bundled runtime-guest blobs
//! and malformed input.

use proptest::prelude::*;
use wasmi::{Engine, ExternType, Module, Mutability};

use super::*;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module parses")
}

/// The module wasmi builds from `wasm` (validation included).
fn compile(wasm: &[u8]) -> Module {
    Module::new(&Engine::default(), wasm).expect("rewritten module validates")
}

/// `(name, kind, index)` of every export, in order.
fn exports(wasm: &[u8]) -> Vec<(String, ExternalKind, u32)> {
    let sections = sections(wasm).unwrap();
    let Some(section) = sections.iter().find(|s| s.id == EXPORT) else {
        return Vec::new();
    };
    ExportSectionReader::new(reader_of(wasm, section))
        .unwrap()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            (e.name.to_string(), e.kind, e.index)
        })
        .collect()
}

/// Every section but the export section, as bytes, in order.
fn other_sections(wasm: &[u8]) -> Vec<Vec<u8>> {
    sections(wasm)
        .unwrap()
        .iter()
        .filter(|s| s.id != EXPORT)
        .map(|s| wasm[s.start..s.end].to_vec())
        .collect()
}

fn mutable_global_exports(module: &Module) -> Vec<String> {
    module
        .exports()
        .filter(|e| matches!(e.ty(), ExternType::Global(g) if g.mutability() == Mutability::Var))
        .map(|e| e.name().to_string())
        .collect()
}

#[test]
fn module_without_mutable_globals_is_unchanged() {
    let original = wasm(
        r#"(module (memory 1) (global (export "__heap_base") i32 (i32.const 8))
            (global i64 (i64.const 1)) (func (export "f")))"#,
    );
    let rewritten = export_mutable_globals(&original).unwrap();
    assert!(matches!(rewritten.wasm, Cow::Borrowed(_)));
    assert_eq!(&rewritten.wasm[..], &original[..]);
    assert!(rewritten.mutable_globals.is_empty());
}

#[test]
fn private_mutable_global_is_exported_without_export_section() {
    let original = wasm(
        r#"(module (memory 1) (global $sp (mut i32) (i32.const 1024))
            (func (global.set $sp (i32.const 0))) (data (i32.const 0) "x"))"#,
    );
    assert!(exports(&original).is_empty());
    let rewritten = export_mutable_globals(&original).unwrap();
    assert_eq!(rewritten.mutable_globals, ["__subexec_global_0"]);
    assert_eq!(
        exports(&rewritten.wasm),
        [("__subexec_global_0".to_string(), ExternalKind::Global, 0)]
    );
    assert_eq!(other_sections(&rewritten.wasm), other_sections(&original));
    let module = compile(&rewritten.wasm);
    assert_eq!(mutable_global_exports(&module), ["__subexec_global_0"]);
}

#[test]
fn imported_globals_count_in_the_index_space() {
    let original = wasm(
        r#"(module
            (import "env" "c" (global i32))
            (import "env" "m" (global (mut i64)))
            (global i32 (i32.const 1))
            (global (mut i32) (i32.const 2))
            (global (mut f64) (f64.const 3))
            (func (export "f")))"#,
    );
    let rewritten = export_mutable_globals(&original).unwrap();
    assert_eq!(
        rewritten.mutable_globals,
        [
            "__subexec_global_1",
            "__subexec_global_3",
            "__subexec_global_4"
        ]
    );
    assert_eq!(
        exports(&rewritten.wasm),
        [
            ("f".to_string(), ExternalKind::Func, 0),
            ("__subexec_global_1".to_string(), ExternalKind::Global, 1),
            ("__subexec_global_3".to_string(), ExternalKind::Global, 3),
            ("__subexec_global_4".to_string(), ExternalKind::Global, 4),
        ]
    );
    let module = compile(&rewritten.wasm);
    assert_eq!(mutable_global_exports(&module), rewritten.mutable_globals);
}

#[test]
fn exported_mutable_globals_keep_their_first_name() {
    let original = wasm(
        r#"(module
            (global $a (mut i32) (i32.const 1))
            (global $b (mut i32) (i32.const 2))
            (global $c i32 (i32.const 3))
            (export "b_first" (global $b))
            (export "b_second" (global $b))
            (export "c" (global $c)))"#,
    );
    let rewritten = export_mutable_globals(&original).unwrap();
    assert_eq!(rewritten.mutable_globals, ["__subexec_global_0", "b_first"]);
    let names: Vec<_> = exports(&rewritten.wasm)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    assert_eq!(names, ["b_first", "b_second", "c", "__subexec_global_0"]);
    compile(&rewritten.wasm);
}

#[test]
fn all_mutable_globals_exported_already_is_unchanged() {
    let original = wasm(r#"(module (global (export "g") (mut i32) (i32.const 1)))"#);
    let rewritten = export_mutable_globals(&original).unwrap();
    assert!(matches!(rewritten.wasm, Cow::Borrowed(_)));
    assert_eq!(rewritten.mutable_globals, ["g"]);
}

#[test]
fn names_never_collide_with_existing_exports() {
    let original = wasm(
        r#"(module
            (global (mut i32) (i32.const 1))
            (global (mut i32) (i32.const 2))
            (func (export "__subexec_global_1"))
            (memory (export "__subexec_global_1_") 1))"#,
    );
    let rewritten = export_mutable_globals(&original).unwrap();
    assert_eq!(
        rewritten.mutable_globals,
        ["__subexec_global_0", "__subexec_global_1__"]
    );
    let module = compile(&rewritten.wasm);
    assert_eq!(mutable_global_exports(&module), rewritten.mutable_globals);
}

#[test]
fn custom_sections_and_other_sections_are_copied_byte_for_byte() {
    let original = wasm(
        r#"(module
            (@custom "runtime_version" (before first) "\01\02\03")
            (@custom "between" (after global) "between")
            (@custom "runtime_apis" (after data) "\04\05")
            (type (func))
            (memory 1)
            (global $sp (mut i32) (i32.const 64))
            (func $start_free (type 0) (global.set $sp (i32.const 1)))
            (data (i32.const 0) "data"))"#,
    );
    let rewritten = export_mutable_globals(&original).unwrap();
    assert_eq!(other_sections(&rewritten.wasm), other_sections(&original));
    let custom = |wasm: &[u8]| -> Vec<(String, Vec<u8>)> {
        compile(wasm)
            .custom_sections()
            .map(|s| (s.name().to_string(), s.data().to_vec()))
            .collect()
    };
    assert_eq!(custom(&rewritten.wasm), custom(&original));
    // Ours, and the `name` section `wat` adds.
    let names: Vec<_> = custom(&original)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        names,
        ["runtime_version", "between", "runtime_apis", "name"]
    );
}

#[test]
fn export_section_goes_before_start_element_code_and_data() {
    for body in [
        r#"(global (mut i32) (i32.const 0)) (func $f) (start $f)"#,
        r#"(global (mut i32) (i32.const 0)) (table 1 funcref) (func $f) (elem (i32.const 0) $f)"#,
        r#"(global (mut i32) (i32.const 0)) (memory 1) (data (i32.const 0) "x")"#,
        r#"(global (mut i32) (i32.const 0))"#,
        r#"(import "env" "g" (global (mut i32)))"#,
    ] {
        let original = wasm(&format!("(module {body})"));
        let rewritten = export_mutable_globals(&original).unwrap();
        assert_eq!(rewritten.mutable_globals, ["__subexec_global_0"], "{body}");
        let module = compile(&rewritten.wasm);
        assert_eq!(
            mutable_global_exports(&module),
            rewritten.mutable_globals,
            "{body}"
        );
    }
}

#[test]
fn bundled_runtimes_keep_their_custom_sections_and_export_the_stack_pointer() {
    for blob in subexec_runtime_blobs::ALL {
        let original = crate::blob::decompress(blob.wasm, crate::blob::CODE_BLOB_BOMB_LIMIT)
            .expect("bundled blob decompresses");
        let rewritten = export_mutable_globals(&original).unwrap();
        assert_eq!(
            other_sections(&rewritten.wasm),
            other_sections(&original),
            "{}",
            blob.name
        );
        let before = compile(&original);
        let after = compile(&rewritten.wasm);
        let custom = |m: &Module| -> Vec<(String, Vec<u8>)> {
            m.custom_sections()
                .map(|s| (s.name().to_string(), s.data().to_vec()))
                .collect()
        };
        assert_eq!(custom(&after), custom(&before), "{}", blob.name);
        // Every export of the original is still there, with its type.
        for export in before.exports() {
            assert_eq!(
                after.get_export(export.name()).map(|t| format!("{t:?}")),
                Some(format!("{:?}", export.ty())),
                "{}",
                blob.name
            );
        }
        // The stack pointer (at least) was private and is now exported.
        assert!(!rewritten.mutable_globals.is_empty(), "{}", blob.name);
        assert_eq!(mutable_global_exports(&after), rewritten.mutable_globals);
    }
}

#[test]
fn malformed_input_is_an_error() {
    assert_eq!(
        export_mutable_globals(b"").unwrap_err(),
        RewriteError::BadHeader
    );
    assert_eq!(
        export_mutable_globals(b"\0asm\x02\0\0\0").unwrap_err(),
        RewriteError::BadHeader
    );
    // A section whose size runs past the end.
    assert!(matches!(
        export_mutable_globals(b"\0asm\x01\0\0\0\x06\x7f\x01"),
        Err(RewriteError::Malformed(_))
    ));
    // A global section with garbage contents.
    assert!(matches!(
        export_mutable_globals(b"\0asm\x01\0\0\0\x06\x02\x05\xff"),
        Err(RewriteError::Malformed(_))
    ));
    // Two global sections.
    assert_eq!(
        export_mutable_globals(b"\0asm\x01\0\0\0\x06\x01\x00\x06\x01\x00").unwrap_err(),
        RewriteError::DuplicateSection(GLOBAL)
    );
    // Trailing bytes inside an export section.
    assert!(matches!(
        export_mutable_globals(b"\0asm\x01\0\0\0\x07\x02\x00\x00"),
        Err(RewriteError::Malformed(_))
    ));
}

fn sample() -> Vec<u8> {
    wasm(
        r#"(module
            (import "env" "g" (global (mut i32)))
            (memory 1)
            (global $sp (mut i32) (i32.const 64))
            (global (export "__heap_base") i32 (i32.const 1024))
            (func (export "f") (param i32 i32) (result i64) (global.set $sp (i32.const 1)) (i64.const 0))
            (data (i32.const 0) "data"))"#,
    )
}

proptest! {
    /// Any prefix, and any single-byte corruption, of a module is rewritten or rejected,
    /// never a panic; what is rewritten is still accepted or rejected by validation.
    #[test]
    fn hostile_bytes_never_panic(cut in 0usize..200, at in 0usize..200, byte: u8) {
        let mut module = sample();
        let at = at % module.len();
        module[at] = byte;
        let _ = export_mutable_globals(&module);
        let prefix = &sample()[..cut.min(sample().len())];
        let _ = export_mutable_globals(prefix);
    }

    /// Arbitrary bytes behind a valid header.
    #[test]
    fn arbitrary_sections_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut module = HEADER.to_vec();
        module.extend_from_slice(&body);
        let _ = export_mutable_globals(&module);
    }
}
