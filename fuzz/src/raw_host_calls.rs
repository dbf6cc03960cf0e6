//! `host_api`, raw half: every host function called with arbitrary argument values, in both
//! ABIs.
//!
//! [`interpreter`] is a runtime generated from the host-function registry for one mode: it
//! imports every function that mode may import ([`functions_for`], by `HostFunction::style()`)
//! with its own signature, and its entry point [`ENTRY`] reads its input as fixed-size records
//! of [`RECORD_LEN`] bytes: one byte selecting the function (modulo the number of functions)
//! and [`SLOTS`] little-endian u64 argument slots (an i32 parameter takes the low half of its
//! slot). So pointers, lengths, fat pointers, optional integers, state versions, levels and
//! allocator pointers are whatever the fuzzer writes: in bounds, out of bounds, overlapping
//! the input itself, or freed.
//!
//! - Classic (abi.md §2): imports `env.memory`, exports `__heap_base` = [`INPUT_AT`]; the entry
//!   `(ptr, len) -> i64` finds its input where the host allocated it (`__heap_base + 8`).
//! - Guest-allocator (RFC-0145, abi.md §3): defines and exports its memory; the entry
//!   `(len) -> i64` grows the memory if the input needs it, fetches the input with
//!   `ext_input_read_version_1` into [`INPUT_AT`], then interprets it. The records may call
//!   `ext_input_read_version_1` again (the host refuses a second delivery).
//!
//! The entry returns the last i64 a host function returned (an i32 result is zero-extended),
//! so the host's output bounds check sees fat pointers it handed out and forged ones.

use std::sync::OnceLock;

use sp_wasm_interface::ValueType;
use subexec_host_functions::{HostFunction, HostMode};

use crate::outcome;
use crate::smith::{functions_for, host_function_imports};

/// The interpreter's entry point.
pub const ENTRY: &str = "host_calls";
/// Bytes per record: selector + [`SLOTS`] 8-byte argument slots.
pub const RECORD_LEN: u32 = 1 + SLOTS as u32 * 8;
/// Argument slots per record (the most parameters a host function has).
pub const SLOTS: usize = 6;
/// Classic: `__heap_base`; guest-allocator: where the input is read to. The first 4 KiB are
/// free for the fuzzer to point at.
pub const INPUT_AT: u32 = 4096;

/// The memory declaration and the prologue of the entry for `mode`: after it, `$p` points
/// at the input and `$len` is its length.
fn entry_head(mode: HostMode, functions: &[HostFunction]) -> String {
    match mode {
        HostMode::Classic => format!(
            "(import \"env\" \"memory\" (memory 2))\n\
             (global (export \"__heap_base\") i32 (i32.const {INPUT_AT}))\n\
             (func (export \"{ENTRY}\") (param $p i32) (param $len i32) (result i64)\n\
             (local $end i32) (local $last i64)\n"
        ),
        HostMode::GuestAllocator => {
            let input_read = functions
                .iter()
                .position(|f| *f == HostFunction::InputReadV1)
                .expect("guest-allocator runtimes may import ext_input_read_version_1");
            format!(
                "(memory (export \"memory\") 2)\n\
                 (func (export \"{ENTRY}\") (param $len i32) (result i64)\n\
                 (local $p i32) (local $end i32) (local $last i64) (local $pages i32)\n\
                 (local.set $p (i32.const {INPUT_AT}))\n\
                 (local.set $pages (i32.shr_u (i32.add (i32.add (local.get $len) \
                 (i32.const {INPUT_AT})) (i32.const 65535)) (i32.const 16)))\n\
                 (if (i32.gt_u (local.get $pages) (memory.size)) (then \
                 (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))\n\
                 (call {input_read} (i64.or (i64.extend_i32_u (local.get $p)) \
                 (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))))\n"
            )
        }
    }
}

/// The interpreter's WAT text for `mode`.
pub fn interpreter_wat(mode: HostMode) -> String {
    interpreter_wat_for(mode, &functions_for(mode), false)
}

/// Where a framed interpreter stores each record's result (8 bytes each, at most
/// [`MAX_FRAMED_RECORDS`]), below [`INPUT_AT`].
pub const RESULTS_AT: u32 = 1024;
/// Records a framed interpreter runs, at most.
pub const MAX_FRAMED_RECORDS: u32 = 256;

/// An interpreter importing `functions` (all allowed in `mode`). Unframed, as
/// [`interpreter_wat`]: the whole input is records and the entry returns the last result.
/// Framed: the input starts with a little-endian u32 record count, the records follow and
/// the bytes after them are free data for pointers to point at; each record's result (0 if
/// its function returns nothing) is stored at [`RESULTS_AT`] and the entry returns those
/// results as its output (fat pointer).
///
/// # Panics
/// A framed interpreter in the guest-allocator mode (only classic ones are framed).
pub fn interpreter_wat_for(mode: HostMode, functions: &[HostFunction], framed: bool) -> String {
    assert!(
        !framed || mode == HostMode::Classic,
        "framed interpreters are classic"
    );
    let count = functions.len();
    let mut wat = String::from("(module\n");
    wat.push_str(&host_function_imports(functions));
    let head = entry_head(mode, functions);
    let (declarations, entry) = head
        .split_once("(func ")
        .expect("the head declares the entry");
    wat.push_str(declarations);
    // A little recognisable data below the input for pointers to land on.
    wat.push_str("(data (i32.const 16) \"abcdefgh:child_storage:default:x\\01\\02\\03\")\n");
    wat.push_str("(func ");
    wat.push_str(entry);
    if framed {
        wat.push_str(&format!(
            "(local $i i32)\n\
             (local.set $end (i32.add (local.get $p) (local.get $len)))\n\
             (if (i32.ge_u (local.get $len) (i32.const 4)) (then\n\
             (local.set $i (i32.add (i32.add (local.get $p) (i32.const 4)) \
             (i32.mul (i32.load (local.get $p)) (i32.const {RECORD_LEN}))))\n\
             (if (i32.and (i32.le_u (local.get $i) (local.get $end)) \
             (i32.le_u (i32.load (local.get $p)) (i32.const {MAX_FRAMED_RECORDS}))) \
             (then (local.set $end (local.get $i))))\n\
             (local.set $p (i32.add (local.get $p) (i32.const 4)))))\n\
             (local.set $i (i32.const 0))\n"
        ));
    } else {
        wat.push_str("(local.set $end (i32.add (local.get $p) (local.get $len)))\n");
    }
    wat.push_str(&format!(
        "(block $done (loop $next\n\
         (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const {RECORD_LEN})) (local.get $end)))\n"
    ));
    if framed {
        wat.push_str(&format!(
            "(br_if $done (i32.ge_u (local.get $i) (i32.const {MAX_FRAMED_RECORDS})))\n\
             (local.set $last (i64.const 0))\n"
        ));
    }
    wat.push_str("(block $dispatched\n");
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
    wat.push_str(") ;; $dispatched\n");
    if framed {
        wat.push_str(&format!(
            "(i64.store (i32.add (i32.const {RESULTS_AT}) (i32.shl (local.get $i) (i32.const 3))) \
             (local.get $last))\n\
             (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
        ));
    }
    wat.push_str(&format!(
        "(local.set $p (i32.add (local.get $p) (i32.const {RECORD_LEN})))\n\
         (br $next)))\n"
    ));
    if framed {
        wat.push_str(&format!(
            "(i64.or (i64.const {RESULTS_AT}) (i64.shl (i64.extend_i32_u \
             (i32.shl (local.get $i) (i32.const 3))) (i64.const 32))))\n)\n"
        ));
    } else {
        wat.push_str("(local.get $last))\n)\n");
    }
    wat
}

/// The interpreter's wasm for `mode` (built once per mode).
pub fn interpreter(mode: HostMode) -> &'static [u8] {
    static CLASSIC: OnceLock<Vec<u8>> = OnceLock::new();
    static GUEST: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = match mode {
        HostMode::Classic => &CLASSIC,
        HostMode::GuestAllocator => &GUEST,
    };
    cell.get_or_init(|| {
        wat::parse_str(interpreter_wat(mode)).expect("the interpreter is valid wat")
    })
}

/// Runs the records on the `mode` interpreter twice per heap strategy and compares.
pub fn run(mode: HostMode, data: &[u8]) {
    let runtime = outcome::executor().load(interpreter(mode)).expect(
        "the interpreter imports only registry functions of its mode, with their own signatures",
    );
    assert_eq!(runtime.mode(), mode);
    outcome::assert_deterministic(&runtime, ENTRY, data);
}

/// The record that calls `name` with `args` (missing slots zero) on the `mode` interpreter;
/// empty if `mode` may not import `name`. Used to build seeds and tests.
pub fn record_for(mode: HostMode, name: &str, args: &[u64]) -> Vec<u8> {
    let Some(index) = functions_for(mode).iter().position(|f| f.name() == name) else {
        return Vec::new();
    };
    let mut record = vec![index as u8];
    for slot in 0..SLOTS {
        record.extend_from_slice(&args.get(slot).copied().unwrap_or(0).to_le_bytes());
    }
    record
}
