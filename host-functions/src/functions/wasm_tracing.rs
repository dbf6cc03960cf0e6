//! `ext_wasm_tracing_*`: the runtime's `tracing` spans and events, not traced.
//!
//! A node that does not trace the runtime (no `tracing` subscriber) answers exactly as
//! `sp-io` 49 does then: `enabled` is `false`, `enter_span` returns `tracing`'s
//! `NoSubscriber` span id `0xDEAD`, `event` and `exit` do nothing. The arguments are still
//! decoded as `sp-io` decodes them (`sp-tracing` 19's `WasmMetadata` and
//! `WasmEntryAttributes`, mirrored below field for field): one that does not decode fails
//! the call, as it does in Substrate, and so does a span id of 0 (`exit(0)`, a parent id of 0):
//! `tracing` refuses it (`Id::from_u64` panics).

use parity_scale_codec::Decode;
use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::{bool_value, Args, Outcome};
use crate::error::HostErrorCause;

/// The span id `tracing` hands out without a subscriber (`NoSubscriber::new_span`).
const NO_SUBSCRIBER_SPAN_ID: u64 = 0xDEAD;

/// `sp_tracing::WasmLevel`.
#[derive(Decode)]
#[allow(dead_code, clippy::upper_case_acronyms)]
enum WasmLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE,
}

/// `sp_tracing::WasmValue`.
#[derive(Decode)]
#[allow(dead_code)]
enum WasmValue {
    U8(u8),
    I8(i8),
    U32(u32),
    I32(i32),
    I64(i64),
    U64(u64),
    Bool(bool),
    Str(Vec<u8>),
    Formatted(Vec<u8>),
    Encoded(Vec<u8>),
}

/// `sp_tracing::WasmMetadata` (`WasmFields` is a `Vec` of `WasmFieldName(Vec<u8>)`).
#[derive(Decode)]
#[allow(dead_code)]
struct WasmMetadata {
    name: Vec<u8>,
    target: Vec<u8>,
    level: WasmLevel,
    file: Vec<u8>,
    line: u32,
    module_path: Vec<u8>,
    is_span: bool,
    fields: Vec<Vec<u8>>,
}

/// `sp_tracing::WasmEntryAttributes` (`WasmValuesSet` is a `Vec` of name and value).
#[derive(Decode)]
#[allow(dead_code)]
struct WasmEntryAttributes {
    parent_id: Option<u64>,
    metadata: WasmMetadata,
    fields: Vec<(Vec<u8>, Option<WasmValue>)>,
}

/// `enabled(metadata) -> bool`: `false`.
pub fn enabled(memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let _metadata: WasmMetadata = args.decode(memory, 0, "WasmMetadata")?;
    Ok(bool_value(false))
}

/// A span or event's attributes, with a parent id that `tracing` accepts.
fn attributes(
    memory: &impl Memory,
    args: &Args<'_>,
) -> Result<WasmEntryAttributes, HostErrorCause> {
    let attributes: WasmEntryAttributes = args.decode(memory, 0, "WasmEntryAttributes")?;
    if attributes.parent_id == Some(0) {
        return Err(HostErrorCause::ZeroSpanId);
    }
    Ok(attributes)
}

/// `enter_span(attributes) -> u64`: `0xDEAD`.
pub fn enter_span(memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    attributes(memory, args)?;
    Ok(Some(Value::I64(NO_SUBSCRIBER_SPAN_ID as i64)))
}

/// `event(attributes)`: dropped.
pub fn event(memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    attributes(memory, args)?;
    Ok(None)
}

/// `exit(span_id)`.
pub fn exit(args: &Args<'_>) -> Outcome {
    if args.i64(0)? == 0 {
        return Err(HostErrorCause::ZeroSpanId);
    }
    Ok(None)
}
