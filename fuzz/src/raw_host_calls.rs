//! `host_api`, raw half: every host function called with arbitrary argument values.
//!
//! [`interpreter`] is a classic runtime generated from the host-function registry: it imports
//! every classic `HostFunction::ALL` entry (`smith::classic_functions`) with its own signature, and its entry point [`ENTRY`]
//! reads its input as fixed-size records of [`RECORD_LEN`] bytes: one byte selecting the
//! function (modulo the number of functions) and [`SLOTS`] little-endian u64 argument slots (an
//! i32 parameter takes the low half of its slot). So pointers, lengths, fat pointers, state
//! versions, levels and allocator pointers are whatever the fuzzer writes: in bounds, out of
//! bounds, overlapping the input itself (which sits at `__heap_base + 8`), or freed.
//!
//! The entry returns the last i64 a host function returned (an i32 result is zero-extended),
//! so the host's output bounds check sees fat pointers it handed out and forged ones.

use std::sync::OnceLock;

use sp_wasm_interface::ValueType;

use crate::outcome;
use crate::smith::{classic_functions, host_function_imports};

/// The interpreter's entry point.
pub const ENTRY: &str = "host_calls";
/// Bytes per record: selector + [`SLOTS`] 8-byte argument slots.
pub const RECORD_LEN: u32 = 1 + SLOTS as u32 * 8;
/// Argument slots per record (the most parameters a host function has).
pub const SLOTS: usize = 6;
/// `__heap_base` of the interpreter: the first 4 KiB are free for the fuzzer to point at.
pub const HEAP_BASE: u32 = 4096;

/// The interpreter's WAT text.
pub fn interpreter_wat() -> String {
    let functions = classic_functions();
    let count = functions.len();
    let mut wat = String::from("(module\n");
    wat.push_str(&host_function_imports(&functions));
    wat.push_str("(import \"env\" \"memory\" (memory 2))\n");
    wat.push_str(&format!(
        "(global (export \"__heap_base\") i32 (i32.const {HEAP_BASE}))\n"
    ));
    // A little recognisable data below the heap for pointers to land on.
    wat.push_str("(data (i32.const 16) \"abcdefgh:child_storage:default:x\\01\\02\\03\")\n");
    wat.push_str(&format!(
        "(func (export \"{ENTRY}\") (param $p i32) (param $len i32) (result i64)\n\
         (local $end i32) (local $last i64)\n\
         (local.set $end (i32.add (local.get $p) (local.get $len)))\n\
         (block $done (loop $next\n\
         (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const {RECORD_LEN})) (local.get $end)))\n\
         (block $dispatched\n"
    ));
    for index in (0..count).rev() {
        wat.push_str(&format!("(block $f{index}\n"));
    }
    let labels: Vec<String> = (0..count).map(|i| format!("$f{i}")).collect();
    wat.push_str(&format!(
        "(br_table {} $f0 (i32.rem_u (i32.load8_u (local.get $p)) (i32.const {count})))\n",
        labels.join(" ")
    ));
    for (index, function) in functions.iter().enumerate() {
        wat.push_str(&format!(") ;; $f{index}\n"));
        let mut args = String::new();
        for (slot, param) in function.params().iter().enumerate() {
            let load = format!("(i64.load offset={} align=1 (local.get $p))", 1 + 8 * slot);
            match param {
                ValueType::I64 => args.push_str(&load),
                ValueType::I32 => args.push_str(&format!("(i32.wrap_i64 {load})")),
                ValueType::F32 | ValueType::F64 => {
                    unreachable!("the host API takes only integers")
                }
            }
            args.push(' ');
        }
        let call = format!("(call {index} {args})");
        match function.result() {
            Some(ValueType::I64) => wat.push_str(&format!("(local.set $last {call})\n")),
            Some(ValueType::I32) => {
                wat.push_str(&format!("(local.set $last (i64.extend_i32_u {call}))\n"))
            }
            Some(_) => wat.push_str(&format!("(drop {call})\n")),
            None => wat.push_str(&format!("{call}\n")),
        }
        wat.push_str("(br $dispatched)\n");
    }
    wat.push_str(&format!(
        ") ;; $dispatched\n\
         (local.set $p (i32.add (local.get $p) (i32.const {RECORD_LEN})))\n\
         (br $next)))\n\
         (local.get $last))\n)\n"
    ));
    wat
}

/// The interpreter's wasm (built once).
pub fn interpreter() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| wat::parse_str(interpreter_wat()).expect("the interpreter is valid wat"))
}

/// Runs the records twice per heap strategy and compares.
pub fn run(data: &[u8]) {
    let runtime = outcome::executor()
        .load(interpreter())
        .expect("the interpreter imports only registry functions with their own signatures");
    outcome::assert_deterministic(&runtime, ENTRY, data);
}

/// The record that calls `name` with `args` (missing slots zero); empty if `name` is not a
/// registry function. Used to build seeds and tests.
pub fn record_for(name: &str, args: &[u64]) -> Vec<u8> {
    let Some(index) = classic_functions().iter().position(|f| f.name() == name) else {
        return Vec::new();
    };
    let mut record = vec![index as u8];
    for slot in 0..SLOTS {
        record.extend_from_slice(&args.get(slot).copied().unwrap_or(0).to_le_bytes());
    }
    record
}
