//! `executor_modules`: wasm-smith modules shaped like Substrate runtimes of either ABI.
//!
//! The wasm-smith [`config`] allows only Substrate's feature set (MVP + mutable globals + sign
//! extension; no saturating float-to-int, which sc-executor cannot read) and imports drawn from the host API: every registry
//! function the module's mode may import ([`functions_for`], by `HostFunction::style()`), each
//! with its own signature. The required exports follow the mode:
//! - classic (abi.md §2): imports `env.memory` too, exports an entry `(i32, i32) -> i64` named
//!   [`ENTRY`] and an i32 global `__heap_base`;
//! - guest-allocator (RFC-0145, abi.md §3): defines its own memory, exports an entry
//!   `(i32) -> i64` named [`ENTRY`] (the input is there for the module's code to fetch with
//!   `ext_input_read_version_1`, which it imports like any other function).
//!
//! wasm-smith can export only functions and globals, so a module that defines its own memory
//! gets an export `memory` added by [`export_memory`].
//!
//! [`run`] picks the mode from the input's first byte (bit 6; bits 0–5 are the call input's
//! length), loads the module, checks the executor detected that mode, and calls the entry
//! twice under both heap strategies with the fuel budget of [`crate::outcome`]; the two runs
//! must be byte-identical. A host panic, abort, stack overflow or runaway allocation fails
//! the target by itself.

use arbitrary::Unstructured;
use sp_wasm_interface::ValueType;
use subexec_host_functions::{HostFunction, HostMode};

use crate::outcome;

/// The exported entry point every module has.
pub const ENTRY: &str = "entry";

fn wat_type(ty: ValueType) -> &'static str {
    match ty {
        ValueType::I32 => "i32",
        ValueType::I64 => "i64",
        ValueType::F32 => "f32",
        ValueType::F64 => "f64",
    }
}

/// The registry's host functions a runtime of `mode` may import, in registry order: the
/// shared ones plus those of its own style (`HostFunction::style()`); a runtime importing any
/// other is refused at load.
pub fn functions_for(mode: HostMode) -> Vec<HostFunction> {
    HostFunction::ALL
        .iter()
        .copied()
        .filter(|f| f.style().allowed_in(mode))
        .collect()
}

/// The host functions a classic runtime may import ([`functions_for`] classic).
pub fn classic_functions() -> Vec<HostFunction> {
    functions_for(HostMode::Classic)
}

/// `(import "env" "ext_…" (func (param …) (result …)))` for each of `functions`.
pub fn host_function_imports(functions: &[HostFunction]) -> String {
    let mut wat = String::new();
    for function in functions {
        wat.push_str(&format!("(import \"env\" \"{}\" (func", function.name()));
        for param in function.params() {
            wat.push_str(&format!(" (param {})", wat_type(*param)));
        }
        if let Some(result) = function.result() {
            wat.push_str(&format!(" (result {})", wat_type(result)));
        }
        wat.push_str("))\n");
    }
    wat
}

/// The wasm-smith configuration for `mode`; `max_memory_pages` bounds a defined or imported
/// memory.
pub fn config(mode: HostMode, max_memory_pages: u64) -> wasm_smith::Config {
    let host_imports = host_function_imports(&functions_for(mode));
    let (imports, exports) = match mode {
        HostMode::Classic => (
            format!(
                "(module {host_imports} (import \"env\" \"memory\" (memory 1 {max_memory_pages})))"
            ),
            format!(
                "(module (func (export \"{ENTRY}\") (param i32 i32) (result i64) unreachable) \
                 (global (export \"__heap_base\") i32 (i32.const 0)))"
            ),
        ),
        HostMode::GuestAllocator => (
            format!("(module {host_imports})"),
            format!("(module (func (export \"{ENTRY}\") (param i32) (result i64) unreachable))"),
        ),
    };
    wasm_smith::Config {
        available_imports: Some(wat::parse_str(imports).expect("the import list is valid wat")),
        exports: Some(wat::parse_str(exports).expect("the export list is valid wat")),
        allow_start_export: false,
        bulk_memory_enabled: false,
        reference_types_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        multi_value_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        saturating_float_to_int_enabled: false,
        sign_extension_ops_enabled: true,
        allow_floats: true,
        min_memories: 1,
        max_memories: 1,
        max_memory32_bytes: max_memory_pages * 65_536,
        max_tables: 1,
        max_funcs: 20,
        max_instructions: 200,
        max_data_segments: 8,
        max_element_segments: 4,
        max_table_elements: 64,
        max_imports: 24,
        max_globals: 16,
        max_type_size: 200,
        ..wasm_smith::Config::default()
    }
}

fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut result = 0u64;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        result |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(result).ok();
        }
    }
    None
}

fn write_leb(mut value: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Adds `(export "memory" (memory 0))` to a module's export section unless an export is
/// already named `memory`. Returns `None` if the module has no export section or does not
/// parse as a sequence of sections.
pub fn export_memory(module: &[u8]) -> Option<Vec<u8>> {
    const EXPORT_SECTION: u8 = 7;
    let mut out = module.get(..8)?.to_vec();
    let mut at = 8;
    let mut done = false;
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = read_leb(module, &mut at)? as usize;
        let body = module.get(at..at.checked_add(size)?)?;
        at += size;
        if id != EXPORT_SECTION || done {
            out.push(id);
            write_leb(size as u32, &mut out);
            out.extend_from_slice(body);
            continue;
        }
        done = true;
        let mut inner = 0;
        let count = read_leb(body, &mut inner)?;
        let entries = &body[inner..];
        if contains_memory_export(entries, count) {
            out.push(id);
            write_leb(size as u32, &mut out);
            out.extend_from_slice(body);
            continue;
        }
        let mut new_body = Vec::new();
        write_leb(count + 1, &mut new_body);
        new_body.extend_from_slice(entries);
        new_body.push(6);
        new_body.extend_from_slice(b"memory");
        new_body.push(0x02); // memory
        new_body.push(0x00); // index 0
        out.push(id);
        write_leb(new_body.len() as u32, &mut out);
        out.extend_from_slice(&new_body);
    }
    done.then_some(out)
}

fn contains_memory_export(entries: &[u8], count: u32) -> bool {
    let mut at = 0;
    for _ in 0..count {
        let Some(len) = read_leb(entries, &mut at) else {
            return false;
        };
        let name = entries.get(at..at + len as usize);
        at += len as usize;
        if name == Some(b"memory".as_slice()) {
            return true;
        }
        at += 1; // kind
        if read_leb(entries, &mut at).is_none() {
            return false;
        }
    }
    false
}

/// The mode a fuzz input's first byte selects: bit 6 set ⇒ guest-allocator.
pub fn mode_of(first: u8) -> HostMode {
    if first & 0x40 == 0 {
        HostMode::Classic
    } else {
        HostMode::GuestAllocator
    }
}

/// Builds a module of the selected mode and a call input from fuzz bytes.
pub fn module_and_input(data: &[u8]) -> Option<(HostMode, Vec<u8>, Vec<u8>)> {
    let (first, rest) = data.split_first()?;
    let mode = mode_of(*first);
    let input_len = usize::from(*first % 64).min(rest.len());
    let (input, rest) = rest.split_at(input_len);
    let mut u = Unstructured::new(rest);
    let module = wasm_smith::Module::new(config(mode, 64), &mut u).ok()?;
    let wasm = export_memory(&module.to_bytes())?;
    Some((mode, wasm, input.to_vec()))
}

/// The target: load, check the mode, then call [`ENTRY`] twice per heap strategy and compare.
pub fn run(data: &[u8]) {
    let Some((mode, wasm, input)) = module_and_input(data) else {
        return;
    };
    let executor = outcome::executor();
    let first = executor.load(&wasm);
    let second = executor.load(&wasm);
    assert_eq!(
        first.as_ref().err().map(ToString::to_string),
        second.as_ref().err().map(ToString::to_string),
        "load is not deterministic"
    );
    let Ok(runtime) = first else { return };
    assert_eq!(
        runtime.mode(),
        mode,
        "the entry point's type decides the mode"
    );
    outcome::assert_deterministic(&runtime, ENTRY, &input);
}
