//! `blob_loading`: hostile blobs through `Executor::load` and `Runtime::version`.
//!
//! The first input byte picks how the rest becomes a blob:
//! 0. the bytes as they are (raw wasm or not, with or without the compression prefix);
//! 1. the compression prefix followed by the bytes (corrupt, truncated or bomb zstd streams);
//! 2. the bytes compressed with ruzstd behind the prefix (valid streams of arbitrary content);
//! 3. the real node-template runtime ([`NODE_TEMPLATE`], decompressed once) with fuzz-chosen
//!    byte patches, truncation, and optionally recompressed;
//! 4. a generated module ([`structured_module`]) with fuzz-chosen export and import shapes
//!    (right and wrong types for the entry, `__heap_base`, the memory) and `runtime_version`
//!    / `runtime_apis` custom sections made of fuzz bytes, plus a `Core_version` returning
//!    fuzz bytes.
//!
//! A blob that loads has its version read twice (equal results required) and, when it
//! exports one, `Core_version` called under both heap strategies twice.

use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use ruzstd::encoding::{compress_to_vec, CompressionLevel};
use subexec_executor::blob::{decompress, CODE_BLOB_BOMB_LIMIT, ZSTD_PREFIX};
use subexec_executor::Executor;

use crate::outcome;

/// The node-template runtime's `:code` (compressed, as stored on chain): the seed of mode 3.
pub const NODE_TEMPLATE: &[u8] = include_bytes!("../corpus/blob_loading/node_template_code.seed");

fn node_template_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let code = NODE_TEMPLATE.get(1..).unwrap_or_default();
        decompress(code, CODE_BLOB_BOMB_LIMIT)
            .map(|wasm| wasm.into_owned())
            .unwrap_or_default()
    })
}

fn compressed(wasm: &[u8]) -> Vec<u8> {
    let mut blob = ZSTD_PREFIX.to_vec();
    blob.extend(compress_to_vec(wasm, CompressionLevel::Fastest));
    blob
}

fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// Largest initial memory of a [`structured_module`], in pages (64 MiB).
pub const MAX_INITIAL_PAGES: u32 = 1024;

/// A module with fuzz-chosen ABI shapes and custom sections, as WAT text.
pub fn structured_module(u: &mut Unstructured) -> Result<String> {
    let mut wat = String::from("(module\n");
    // At most MAX_INITIAL_PAGES initial pages: a larger declared memory is committed and
    // zero-filled on every call (open finding 2 in docs/FUZZING.md), which would turn every
    // such input into a timeout instead of exploring further.
    let memory_pages: u32 = match u.int_in_range(0u8..=3)? {
        0 => 0,
        1 => u.int_in_range(1..=4)?,
        _ => u.int_in_range(0..=MAX_INITIAL_PAGES)?,
    };
    let maximum = match u.int_in_range(0u8..=2)? {
        0 => String::new(),
        1 => format!(" {memory_pages}"),
        _ => format!(" {}", u.int_in_range(memory_pages..=65_536)?),
    };
    let memory = match u.int_in_range(0u8..=4)? {
        0 => format!("(import \"env\" \"memory\" (memory {memory_pages}{maximum}))"),
        1 => format!("(memory (export \"memory\") {memory_pages}{maximum})"),
        2 => format!("(memory {memory_pages}{maximum})"),
        3 => format!("(import \"env\" \"mem\" (memory {memory_pages}{maximum}))"),
        _ => format!("(import \"other\" \"memory\" (memory {memory_pages}{maximum}))"),
    };
    if u.arbitrary()? {
        wat.push_str(
            "(import \"env\" \"ext_allocator_malloc_version_1\" (func (param i32) (result i32)))\n",
        );
    }
    match u.int_in_range(0u8..=3)? {
        0 => {}
        1 => wat.push_str(
            "(import \"env\" \"ext_storage_get_version_1\" (func (param i32) (result i64)))\n",
        ),
        2 => wat.push_str("(import \"env\" \"ext_nonexistent_version_1\" (func))\n"),
        _ => wat.push_str("(import \"env\" \"ext_misc_print_num_version_1\" (func (param i64)))\n"),
    }
    wat.push_str(&memory);
    wat.push('\n');
    let heap_base: u32 = u.arbitrary()?;
    wat.push_str(&match u.int_in_range(0u8..=4)? {
        0 | 1 => format!(
            "(global (export \"__heap_base\") i32 (i32.const {}))\n",
            heap_base as i32
        ),
        2 => format!(
            "(global (export \"__heap_base\") (mut i32) (i32.const {}))\n",
            heap_base as i32
        ),
        3 => "(global (export \"__heap_base\") i64 (i64.const 8))\n".into(),
        _ => "(func (export \"__heap_base\") (result i32) (i32.const 8))\n".into(),
    });
    let len = u.int_in_range(0..=64)?.min(u.len());
    let version_bytes = u.bytes(len)?.to_vec();
    let output_pointer: u32 = if u.arbitrary()? { 16 } else { u.arbitrary()? };
    let output_len: u32 = if u.arbitrary()? {
        version_bytes.len() as u32
    } else {
        u.arbitrary()?
    };
    if memory_pages > 0 && !version_bytes.is_empty() && u.arbitrary()? {
        wat.push_str(&format!(
            "(data (i32.const 16) \"{}\")\n",
            wat_bytes(&version_bytes)
        ));
    }
    let packed = (u64::from(output_len) << 32) | u64::from(output_pointer);
    wat.push_str(&match u.int_in_range(0u8..=3)? {
        0 | 1 => format!(
            "(func (export \"Core_version\") (param i32 i32) (result i64) (i64.const {}))\n",
            packed as i64
        ),
        2 => "(func (export \"Core_version\") (param i32) (result i64) (i64.const 0))\n".into(),
        _ => "(global (export \"Core_version\") i32 (i32.const 0))\n".into(),
    });
    for name in ["runtime_version", "runtime_apis"] {
        if u.arbitrary()? {
            let len = u.int_in_range(0..=96)?.min(u.len());
            let body = u.bytes(len)?;
            wat.push_str(&format!("(@custom \"{name}\" \"{}\")\n", wat_bytes(body)));
        }
    }
    wat.push_str(")\n");
    Ok(wat)
}

fn node_template_mutant(u: &mut Unstructured) -> Result<Vec<u8>> {
    let mut wasm = node_template_wasm().to_vec();
    if wasm.is_empty() {
        return Ok(wasm);
    }
    for _ in 0..u.int_in_range(0..=4)? {
        let at = u.choose_index(wasm.len())?;
        wasm[at] = u.arbitrary()?;
    }
    if u.arbitrary()? {
        let len = u.int_in_range(0..=wasm.len())?;
        wasm.truncate(len);
    }
    Ok(if u.arbitrary()? {
        compressed(&wasm)
    } else {
        wasm
    })
}

/// The executor of this target: as [`outcome::executor`], but runtimes that import host
/// functions subexec lacks (the node template does) load with trapping stubs.
pub fn executor() -> &'static Executor {
    static EXECUTOR: OnceLock<Executor> = OnceLock::new();
    EXECUTOR.get_or_init(|| {
        Executor::builder()
            .fuel(Some(outcome::FUEL))
            .heap_alloc_strategy(outcome::STRATEGIES[0])
            .allow_missing_host_functions(true)
            .cache_capacity(4)
            .build()
    })
}

/// The blob an input describes.
pub fn blob(data: &[u8]) -> Option<Vec<u8>> {
    let (selector, rest) = data.split_first()?;
    let mut u = Unstructured::new(rest);
    match selector % 5 {
        0 => Some(rest.to_vec()),
        1 => Some([&ZSTD_PREFIX[..], rest].concat()),
        2 => Some(compressed(rest)),
        3 => node_template_mutant(&mut u).ok(),
        _ => wat::parse_str(structured_module(&mut u).ok()?).ok(),
    }
}

/// The target.
pub fn run(data: &[u8]) {
    let Some(blob) = blob(data) else { return };
    let Ok(runtime) = executor().load(&blob) else {
        return;
    };
    let first = runtime.version().map_err(|e| e.to_string());
    // An engine panic (typed by the executor) is a crash for the fuzzer.
    if let Some(first_panic) = runtime.poisoned() {
        panic!("version(): the wasm engine panicked: {first_panic}");
    }
    let second = runtime.version().map_err(|e| e.to_string());
    assert_eq!(first, second, "version() is not deterministic");
    if runtime.embedded_version().is_none() {
        outcome::assert_deterministic(&runtime, "Core_version", &[]);
    }
}
